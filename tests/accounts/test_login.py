"""Login, logout, lockout, password reset, and sessions bound to their host."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client

from core.accounts.models import SignInLock
from tenants.models import Cluster
from tests.conftest import PASSWORD, ROLE, MakeUser, client_for, signed_in

pytestmark = pytest.mark.django_db


def test_cluster_admin_signs_in_on_own_cluster_and_sees_the_cabinet(
    cluster_a: Cluster, make_user: MakeUser
) -> None:
    admin = make_user(ROLE.CLUSTER_ADMIN, cluster_a)
    client = signed_in(admin, cluster_a)
    page = client.get("/cabinet/")
    assert page.status_code == 200
    body = page.content.decode()
    assert cluster_a.short_name or cluster_a.name in body
    assert "Администратор кластера" in body


def test_same_account_signs_in_on_every_cluster_it_holds_a_grant_for(
    cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser
) -> None:
    user = make_user(ROLE.CLUSTER_STAFF, cluster_a)
    from core.accounts.services import grant_role

    grant_role(user=user, role=ROLE.MEMBER_REPRESENTATIVE, cluster=cluster_b)
    assert signed_in(user, cluster_a).get("/cabinet/").status_code == 200
    assert signed_in(user, cluster_b).get("/cabinet/").status_code == 200


def test_login_on_a_cluster_without_a_grant_is_refused(
    cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser
) -> None:
    admin_a = make_user(ROLE.CLUSTER_ADMIN, cluster_a)
    response = client_for(cluster_b).post("/login/", {"email": admin_a.email, "password": PASSWORD})
    assert response.status_code == 200
    assert "нет доступа к кластеру" in response.content.decode()
    assert "_auth_user_id" not in response.client.session


def test_wrong_password_gives_a_russian_error(cluster_a: Cluster, make_user: MakeUser) -> None:
    user = make_user(ROLE.CLUSTER_ADMIN, cluster_a)
    response = client_for(cluster_a).post("/login/", {"email": user.email, "password": "wrong"})
    assert "Неверный e-mail или пароль" in response.content.decode()


def test_account_locks_after_repeated_failures_even_for_the_right_password(
    cluster_a: Cluster, make_user: MakeUser
) -> None:
    user = make_user(ROLE.CLUSTER_ADMIN, cluster_a)
    client = client_for(cluster_a)
    for _ in range(5):
        client.post("/login/", {"email": user.email, "password": "wrong"})
    response = client.post("/login/", {"email": user.email, "password": PASSWORD})
    assert "Учётная запись заблокирована" in response.content.decode()
    assert "_auth_user_id" not in client.session
    api = client_for(cluster_a).post("/api/v1/auth/token/", {"email": user.email, "password": PASSWORD})
    assert api.status_code == 429
    assert "заблокирована" in api.json()["detail"]
    assert SignInLock.objects.get(email=user.email).locked_until is not None


def test_lock_expires(cluster_a: Cluster, make_user: MakeUser) -> None:
    user = make_user(ROLE.CLUSTER_ADMIN, cluster_a)
    for _ in range(5):
        client_for(cluster_a).post("/login/", {"email": user.email, "password": "wrong"})
    SignInLock.objects.filter(email=user.email).update(locked_until="2000-01-01T00:00:00Z")
    assert signed_in(user, cluster_a).get("/cabinet/").status_code == 200


def test_logout_needs_post_and_ends_the_session(cluster_a: Cluster, make_user: MakeUser) -> None:
    client = signed_in(make_user(ROLE.CLUSTER_ADMIN, cluster_a), cluster_a)
    assert client.get("/logout/").status_code == 405
    assert client.post("/logout/").status_code == 302
    assert client.get("/cabinet/").status_code == 302


def test_session_cookie_is_host_only(cluster_a: Cluster, make_user: MakeUser) -> None:
    client = signed_in(make_user(ROLE.CLUSTER_ADMIN, cluster_a), cluster_a)
    cookie = client.cookies["sessionid"]
    assert cookie["domain"] == ""
    assert cookie["httponly"] is True


def test_session_replayed_on_another_clusters_host_is_anonymous(
    cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser
) -> None:
    user = make_user(ROLE.CLUSTER_ADMIN, cluster_a)
    from core.accounts.services import grant_role

    # Even a user who holds a role in B cannot use the session made on A's host there.
    grant_role(user=user, role=ROLE.CLUSTER_ADMIN, cluster=cluster_b)
    session_id = signed_in(user, cluster_a).cookies["sessionid"].value
    replay = Client(HTTP_HOST="beta.localhost")
    replay.cookies["sessionid"] = session_id
    assert replay.get("/cabinet/").status_code == 302
    assert replay.get("/api/v1/me/").status_code == 401
    # ... and the session still works on its own host.
    own = Client(HTTP_HOST="alpha.localhost")
    own.cookies["sessionid"] = session_id
    assert own.get("/cabinet/").status_code == 200


def test_session_replayed_on_the_public_host_is_anonymous(cluster_a: Cluster, make_user: MakeUser) -> None:
    session_id = signed_in(make_user(ROLE.CLUSTER_ADMIN, cluster_a), cluster_a).cookies["sessionid"].value
    replay = Client(HTTP_HOST="localhost")
    replay.cookies["sessionid"] = session_id
    assert replay.get("/api/v1/me/").status_code == 401


def test_password_reset_by_email(cluster_a: Cluster, make_user: MakeUser) -> None:
    user = make_user(ROLE.CLUSTER_STAFF, cluster_a)
    response = client_for(cluster_a).post("/password/reset/", {"email": user.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert "Восстановление пароля" in message.subject
    link = re.search(r"http://localhost:8000(/password/reset/\S+/)", str(message.body))
    assert link, message.body
    client = client_for(None)
    form = client.get(link.group(1), follow=True)
    assert form.status_code == 200
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "Новый-пароль-2026", "new_password2": "Новый-пароль-2026"},
    )
    assert done.status_code == 302
    assert signed_in(user, cluster_a, password="Новый-пароль-2026").get("/cabinet/").status_code == 200


def test_reset_links_come_from_the_platform_host_only(cluster_a: Cluster, make_user: MakeUser) -> None:
    """A platform admin's reset requested on a cluster host (any port) e-mails a link on the
    platform host; the cluster host has no reset confirmation pages."""
    root = make_user(ROLE.PLATFORM_ADMIN)
    Client(HTTP_HOST="alpha.localhost:9999").post("/password/reset/", {"email": root.email})
    body = str(mail.outbox[0].body)
    assert "alpha" not in body and "9999" not in body
    link = re.search(r"http://localhost:8000(/password/reset/\S+/)", body)
    assert link, body
    assert client_for(cluster_a).get(link.group(1)).status_code == 404
    assert client_for(None).get(link.group(1)).status_code == 302  # to the form, token in the session


def test_reset_requests_are_limited_per_email_and_address(cluster_a: Cluster, make_user: MakeUser) -> None:
    user = make_user(ROLE.CLUSTER_STAFF, cluster_a)
    client = client_for(None)
    answers = [client.post("/password/reset/", {"email": user.email}, follow=True) for _ in range(5)]
    assert all("Письмо отправлено" in a.content.decode() for a in answers)
    assert len(mail.outbox) == 3
    sprayer = Client(HTTP_HOST="localhost", REMOTE_ADDR="203.0.113.20")
    for n in range(12):
        sprayer.post("/password/reset/", {"email": make_user(None, email=f"r{n}@example.test").email})
    assert len(mail.outbox) == 3 + 10


def test_password_reset_for_unknown_email_sends_nothing_and_says_the_same(cluster_a: Cluster) -> None:
    response = client_for(cluster_a).post("/password/reset/", {"email": "nobody@example.test"}, follow=True)
    assert "Письмо отправлено" in response.content.decode()
    assert mail.outbox == []
