"""API tokens: named, several per user, expiring, shown once and stored hashed, revocable by the
user (API and the «Доступ к API» page) and by a cluster admin for its staff; dead after a password
reset and after losing a grant; optionally limited to one host."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from core.accounts.models import ApiToken
from core.accounts.services import grant_revoke
from core.audit.models import AuditEntry
from tenants.models import Cluster
from tests.conftest import PASSWORD, ROLE, MakeUser, api_client, client_for, signed_in, token_for

pytestmark = pytest.mark.django_db


def _obtain(cluster: Cluster | None, email: str, **extra: object) -> dict[str, object]:
    response = client_for(cluster).post(
        "/api/v1/auth/token/",
        {"email": email, "password": PASSWORD, **extra},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return dict(response.json())


def test_tokens_are_named_several_expiring_and_stored_hashed(cluster_a: Cluster, make_user: MakeUser) -> None:
    admin = make_user(ROLE.CLUSTER_ADMIN, cluster_a)
    first = _obtain(cluster_a, admin.email, name="Выгрузка в 1С", expires_in_days=7)
    second = _obtain(cluster_a, admin.email)
    assert first["token"] != second["token"]
    assert first["name"] == "Выгрузка в 1С"
    expires = dt.datetime.fromisoformat(str(first["expires_at"]))
    assert dt.timedelta(days=6) < expires - timezone.now() <= dt.timedelta(days=7)
    for body in (first, second):
        assert api_client(str(body["token"]), cluster_a).get("/api/v1/me/").status_code == 200
    stored = list(ApiToken.objects.filter(user=admin).values_list("key_hash", flat=True))
    assert len(stored) == 2
    assert first["token"] not in stored and second["token"] not in stored
    too_long = client_for(cluster_a).post(
        "/api/v1/auth/token/", {"email": admin.email, "password": PASSWORD, "expires_in_days": 5000}
    )
    assert too_long.status_code == 400 and "expires_in_days" in too_long.json()["errors"]


def test_expired_token_is_refused(cluster_a: Cluster, make_user: MakeUser) -> None:
    admin = make_user(ROLE.CLUSTER_ADMIN, cluster_a)
    token = token_for(admin, cluster_a)
    ApiToken.objects.filter(user=admin).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = api_client(token, cluster_a).get("/api/v1/me/")
    assert response.status_code == 401
    assert "токен" in response.json()["detail"].lower()


def test_delete_ends_the_token_of_the_request_only(cluster_a: Cluster, make_user: MakeUser) -> None:
    admin = make_user(ROLE.CLUSTER_ADMIN, cluster_a)
    kept, ended = token_for(admin, cluster_a), token_for(admin, cluster_a)
    assert api_client(ended, cluster_a).delete("/api/v1/auth/token/").status_code == 204
    assert api_client(ended, cluster_a).get("/api/v1/me/").status_code == 401
    assert api_client(kept, cluster_a).get("/api/v1/me/").status_code == 200
    assert client_for(cluster_a).delete("/api/v1/auth/token/").status_code == 401
    session = signed_in(admin, cluster_a).delete("/api/v1/auth/token/")
    assert session.status_code == 400


def test_user_lists_and_revokes_own_tokens_with_last_use(cluster_a: Cluster, make_user: MakeUser) -> None:
    admin = make_user(ROLE.CLUSTER_ADMIN, cluster_a)
    current, other = token_for(admin, cluster_a), token_for(admin, cluster_a)
    api = api_client(current, cluster_a)
    api_client(other, cluster_a).get("/api/v1/me/")
    listed = api.get("/api/v1/auth/tokens/").json()
    assert listed["count"] == 2
    rows = {row["current"]: row for row in listed["results"]}
    assert rows[False]["last_used_at"] is not None
    assert "token" not in rows[False] and other not in str(listed)
    assert api.delete(f"/api/v1/auth/tokens/{rows[False]['id']}/").status_code == 204
    assert api_client(other, cluster_a).get("/api/v1/me/").status_code == 401
    assert api.get("/api/v1/auth/tokens/").json()["count"] == 1
    # someone else's token: 404, and it keeps working
    stranger = make_user(ROLE.CLUSTER_ADMIN, cluster_a)
    foreign = token_for(stranger, cluster_a)
    foreign_id = ApiToken.objects.get(user=stranger).pk
    assert api.delete(f"/api/v1/auth/tokens/{foreign_id}/").status_code == 404
    assert api_client(foreign, cluster_a).get("/api/v1/me/").status_code == 200
    assert client_for(cluster_a).get("/api/v1/auth/tokens/").status_code == 401


def test_last_use_is_written_at_most_once_a_minute_and_revocation_still_ends_the_next_request(
    cluster_a: Cluster, make_user: MakeUser
) -> None:
    staff = make_user(ROLE.CLUSTER_STAFF, cluster_a)
    key = token_for(staff, cluster_a)
    api = api_client(key, cluster_a)
    assert api.get("/api/v1/me/").status_code == 200
    first = ApiToken.objects.get(user=staff).last_used_at
    assert first is not None
    assert api.get("/api/v1/me/").status_code == 200
    assert ApiToken.objects.get(user=staff).last_used_at == first  # within the minute: no write
    an_hour_ago = timezone.now() - dt.timedelta(hours=1)
    ApiToken.objects.filter(user=staff).update(last_used_at=an_hour_ago)
    assert api.get("/api/v1/me/").status_code == 200
    rewritten = ApiToken.objects.get(user=staff).last_used_at
    assert rewritten is not None and rewritten > an_hour_ago
    ApiToken.objects.filter(user=staff).update(revoked_at=timezone.now())
    assert api.get("/api/v1/me/").status_code == 401


def test_token_list_is_bounded_in_queries(
    cluster_a: Cluster, make_user: MakeUser, django_assert_max_num_queries: object
) -> None:
    admin = make_user(ROLE.CLUSTER_ADMIN, cluster_a)
    token = token_for(admin, cluster_a)
    for _ in range(12):
        token_for(admin, cluster_a)
    api = api_client(token, cluster_a)
    with django_assert_max_num_queries(5):  # type: ignore[operator]
        assert api.get("/api/v1/auth/tokens/").json()["count"] == 13


def test_cluster_admin_revokes_its_staffs_tokens(
    cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser
) -> None:
    admin = make_user(ROLE.CLUSTER_ADMIN, cluster_a)
    staff = make_user(ROLE.CLUSTER_STAFF, cluster_a)
    staff_token = token_for(staff, cluster_a)
    staff_token_id = ApiToken.objects.get(user=staff).pk
    admin_api = api_client(token_for(admin, cluster_a), cluster_a)
    listed = admin_api.get("/api/v1/staff-tokens/").json()
    assert [(row["id"], row["user_email"]) for row in listed["results"]] == [(staff_token_id, staff.email)]
    # the other cluster's admin, staff, a representative, anonymous: refused
    admin_b = make_user(ROLE.CLUSTER_ADMIN, cluster_b)
    assert (
        api_client(token_for(admin_b, cluster_b), cluster_a)
        .delete(f"/api/v1/staff-tokens/{staff_token_id}/")
        .status_code
        == 403
    )
    assert (
        api_client(token_for(admin_b, cluster_b), cluster_b)
        .delete(f"/api/v1/staff-tokens/{staff_token_id}/")
        .status_code
        == 404
    )
    assert api_client(staff_token, cluster_a).get("/api/v1/staff-tokens/").status_code == 403
    member = make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=1)
    assert (
        api_client(token_for(member, cluster_a), cluster_a)
        .delete(f"/api/v1/staff-tokens/{staff_token_id}/")
        .status_code
        == 403
    )
    assert client_for(cluster_a).get("/api/v1/staff-tokens/").status_code == 401
    assert api_client(staff_token, cluster_a).get("/api/v1/me/").status_code == 200
    assert admin_api.delete(f"/api/v1/staff-tokens/{staff_token_id}/").status_code == 204
    assert api_client(staff_token, cluster_a).get("/api/v1/me/").status_code == 401
    logged = AuditEntry.objects.filter(cluster=cluster_a, object_type="accounts.apitoken")
    assert [(e.action, e.actor_email) for e in logged] == [("api_token.revoke", admin.email)]


def test_losing_a_grant_revokes_all_tokens(cluster_a: Cluster, make_user: MakeUser) -> None:
    staff = make_user(ROLE.CLUSTER_STAFF, cluster_a)
    token = token_for(staff, cluster_a)
    grant_revoke(user=staff, role=ROLE.CLUSTER_STAFF, cluster=cluster_a)
    assert api_client(token, None).get("/api/v1/me/").status_code == 401


def test_token_limited_to_one_host(cluster_a: Cluster, make_user: MakeUser) -> None:
    admin = make_user(ROLE.CLUSTER_ADMIN, cluster_a)
    body = _obtain(cluster_a, admin.email, this_host_only=True)
    assert body["host"] == "alpha.localhost"
    assert api_client(str(body["token"]), cluster_a).get("/api/v1/me/").status_code == 200
    assert api_client(str(body["token"]), None).get("/api/v1/me/").status_code == 401


def test_api_access_page_creates_lists_and_revokes(
    cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser
) -> None:
    admin = make_user(ROLE.CLUSTER_ADMIN, cluster_a, email="admin@alpha.test")
    client = signed_in(admin, cluster_a)
    page = client.get("/account/api-tokens/")
    assert page.status_code == 200 and "Доступ к API" in page.content.decode()
    assert "Токенов нет" in page.content.decode()
    created = client.post("/account/api-tokens/", {"name": "Скрипт отчётов", "expires_in_days": "30"})
    assert created.status_code == 200
    body = created.content.decode()
    key = re.search(r'<code id="new-token">([^<]+)</code>', body)
    assert key, body
    assert api_client(key.group(1), cluster_a).get("/api/v1/me/").status_code == 200
    listed = client.get("/account/api-tokens/").content.decode()
    assert "Скрипт отчётов" in listed and key.group(1) not in listed
    token_id = ApiToken.objects.get(user=admin).pk
    assert client.post(f"/account/api-tokens/{token_id}/revoke/").status_code == 302
    assert api_client(key.group(1), cluster_a).get("/api/v1/me/").status_code == 401
    # anonymous: login; the other cluster's admin on this host: 403; someone else's token: 404
    assert client_for(cluster_a).get("/account/api-tokens/").status_code == 302
    admin_b = make_user(ROLE.CLUSTER_ADMIN, cluster_b)
    assert signed_in(admin_b, cluster_b).get("/account/api-tokens/").status_code == 200
    other = make_user(ROLE.CLUSTER_STAFF, cluster_a)
    token_for(other, cluster_a)
    other_id = ApiToken.objects.get(user=other).pk
    assert client.post(f"/account/api-tokens/{other_id}/revoke/").status_code == 404


def test_api_access_page_lets_the_admin_revoke_staff_tokens(cluster_a: Cluster, make_user: MakeUser) -> None:
    admin = make_user(ROLE.CLUSTER_ADMIN, cluster_a)
    staff = make_user(ROLE.CLUSTER_STAFF, cluster_a)
    staff_token = token_for(staff, cluster_a)
    page = signed_in(admin, cluster_a).get("/account/api-tokens/").content.decode()
    assert staff.email in page
    token_id = ApiToken.objects.get(user=staff).pk
    staff_client = signed_in(staff, cluster_a)
    assert staff_client.post(f"/account/api-tokens/staff/{token_id}/revoke/").status_code == 403
    admin_client = signed_in(admin, cluster_a)
    assert admin_client.post(f"/account/api-tokens/staff/{token_id}/revoke/").status_code == 302
    assert api_client(staff_token, cluster_a).get("/api/v1/me/").status_code == 401


def test_a_password_reset_kills_every_token(cluster_a: Cluster, make_user: MakeUser) -> None:
    admin = make_user(ROLE.CLUSTER_ADMIN, cluster_a)
    page_client = signed_in(admin, cluster_a)
    created = page_client.post("/account/api-tokens/", {"name": "Из кабинета", "expires_in_days": "90"})
    page_key = re.search(r'<code id="new-token">([^<]+)</code>', created.content.decode())
    assert page_key
    api_key = token_for(admin, cluster_a)
    client = client_for(None)
    client.post("/password/reset/", {"email": admin.email})
    link = re.search(r"http://localhost(?::\d+)?(/password/reset/\S+/)", str(mail.outbox[0].body))
    assert link, mail.outbox[0].body
    form = client.get(link.group(1), follow=True)
    client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "Другой-пароль-2026", "new_password2": "Другой-пароль-2026"},
    )
    for key in (page_key.group(1), api_key):
        assert api_client(key, cluster_a).get("/api/v1/me/").status_code == 401
    assert (
        "Токенов нет"
        in signed_in(admin, cluster_a, password="Другой-пароль-2026")
        .get("/account/api-tokens/")
        .content.decode()
    )
    assert Client(HTTP_HOST="alpha.localhost").get("/api/v1/me/").status_code == 401


def test_token_endpoints_are_documented(cluster_a: Cluster) -> None:
    public = client_for(None).get("/api/schema/", HTTP_ACCEPT="application/json").json()
    tenant = client_for(cluster_a).get("/api/schema/", HTTP_ACCEPT="application/json").json()
    for schema in (public, tenant):
        paths = schema["paths"]
        assert {"post", "delete"} <= set(paths["/api/v1/auth/token/"])
        assert "get" in paths["/api/v1/auth/tokens/"] and "delete" in paths["/api/v1/auth/tokens/{id}/"]
        assert any(
            scheme.get("in") == "header" or scheme.get("type") == "apiKey"
            for scheme in schema["components"]["securitySchemes"].values()
        )
    assert "/api/v1/staff-tokens/{id}/" in tenant["paths"] and "/api/v1/staff-tokens/" not in public["paths"]
