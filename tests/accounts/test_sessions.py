"""«Сеансы» (issue 16 part 2): a user sees its signed-in sessions and ends any of them, on the
page of each host and through /api/v1/auth/sessions/; another user's session is a 404."""

from __future__ import annotations

import pytest
from django.test import Client

from core.accounts.models import User, UserSession
from core.accounts.sessions import device_label
from tenants.models import Cluster
from tests.conftest import PASSWORD, ROLE, MakeUser, api_client, client_for, host_of, token_for

pytestmark = pytest.mark.django_db

FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
ANDROID_CHROME = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Mobile Safari/537.36"
)


def browser(user: User, cluster: Cluster | None, agent: str) -> Client:
    client = Client(HTTP_HOST=host_of(cluster), HTTP_USER_AGENT=agent)
    assert client.post("/login/", {"email": user.email, "password": PASSWORD}).status_code == 302
    return client


def test_sessions_are_listed_with_host_device_and_the_current_one_marked(
    make_user: MakeUser, cluster_a: Cluster
) -> None:
    user = make_user(ROLE.CLUSTER_STAFF, cluster_a)
    laptop = browser(user, cluster_a, FIREFOX)
    phone = browser(user, cluster_a, ANDROID_CHROME)
    html = laptop.get("/account/sessions/").content.decode()
    assert html.count("<tr") == 3  # header and two sessions
    assert "Firefox, Windows" in html
    assert "Chrome, Android" in html
    badge = '<span class="badge">этот сеанс</span>'
    assert html.count(badge) == 1
    current = html.split(badge)[0].rsplit("<tr", 1)[1]
    assert 'class="current"' in current
    listed = phone.get("/api/v1/auth/sessions/").json()["results"]
    assert {row["device"] for row in listed} == {"Firefox, Windows", "Chrome, Android"}
    assert [row["device"] for row in listed if row["current"]] == ["Chrome, Android"]
    assert {row["host"] for row in listed} == {"alpha.localhost"}


def test_ending_a_session_signs_that_browser_out(make_user: MakeUser, cluster_a: Cluster) -> None:
    user = make_user(ROLE.CLUSTER_ADMIN, cluster_a)
    laptop = browser(user, cluster_a, FIREFOX)
    phone = browser(user, cluster_a, ANDROID_CHROME)
    assert phone.get("/cabinet/").status_code == 200
    phone_id = UserSession.objects.get(user=user, user_agent=ANDROID_CHROME).pk
    ended = laptop.post(f"/account/sessions/{phone_id}/end/")
    assert ended["Location"] == "/account/sessions/"
    assert phone.get("/cabinet/")["Location"].startswith("/login/")
    assert laptop.get("/cabinet/").status_code == 200
    assert "Chrome, Android" not in laptop.get("/account/sessions/").content.decode()


def test_api_ends_own_sessions_and_never_another_users(make_user: MakeUser, cluster_a: Cluster) -> None:
    user = make_user(ROLE.CLUSTER_STAFF, cluster_a)
    other = make_user(ROLE.CLUSTER_STAFF, cluster_a)
    mine = browser(user, cluster_a, FIREFOX)
    theirs = browser(other, cluster_a, FIREFOX)
    their_id = UserSession.objects.get(user=other).pk
    api = api_client(token_for(user, None), None)
    assert api.delete(f"/api/v1/auth/sessions/{their_id}/").status_code == 404
    assert mine.post(f"/account/sessions/{their_id}/end/").status_code == 404
    assert theirs.get("/cabinet/").status_code == 200  # untouched
    my_id = UserSession.objects.get(user=user).pk
    assert api.delete(f"/api/v1/auth/sessions/{my_id}/").status_code == 204
    assert mine.get("/cabinet/")["Location"].startswith("/login/")
    assert api.get("/api/v1/auth/sessions/").json()["count"] == 0


def test_sessions_need_a_signed_in_user(cluster_a: Cluster, make_user: MakeUser) -> None:
    assert client_for(cluster_a).get("/account/sessions/")["Location"].startswith("/login/")
    assert client_for(None).get("/account/sessions/")["Location"].startswith("/login/")
    assert client_for(None).get("/api/v1/auth/sessions/").status_code in {401, 403}
    nobody = make_user()
    platform = browser(nobody, None, FIREFOX)
    carried = client_for(cluster_a)
    carried.cookies["sessionid"] = platform.cookies["sessionid"].value  # another host's session
    assert carried.get("/account/sessions/")["Location"].startswith("/login/")


def test_sign_out_removes_the_record(make_user: MakeUser) -> None:
    user = make_user()
    client = browser(user, None, FIREFOX)
    assert UserSession.objects.filter(user=user).count() == 1
    client.post("/logout/")
    assert not UserSession.objects.filter(user=user).exists()


def test_device_labels() -> None:
    assert device_label(FIREFOX) == "Firefox, Windows"
    assert device_label(ANDROID_CHROME) == "Chrome, Android"
    assert device_label("") == "—"
    assert device_label("curl/8.5.0") == "curl"
