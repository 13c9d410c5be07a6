"""Cached API lists (api.list_cache), the grants kept under the user's access version
(core.accounts.selectors.user_grants) and the sliding-window throttle (api.throttles): what a
client sees stays right after every change, and nothing crosses clusters, roles or callers."""

from __future__ import annotations

import pytest
from django.core.cache.backends.redis import RedisCache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context
from rest_framework.throttling import SimpleRateThrottle

from api.throttles import UserAccountThrottle
from core.accounts.models import ApiToken, Grant
from core.accounts.services import grant_revoke
from core.audit.services import Actor
from tenants.content.models import Article, News
from tenants.content.services import news_create, news_delete, news_update
from tenants.models import Cluster
from tests.conftest import ROLE, TESTS_REDIS_URL, MakeUser, api_client, host_of, token_for

pytestmark = pytest.mark.django_db


def titles(client: Client, path: str = "/api/v1/news/", **headers: str) -> list[str]:
    response = client.get(path, headers=headers)
    assert response.status_code == 200, response.content
    return sorted(item["title"] for item in response.json()["results"])


def draft_and_published(cluster: Cluster) -> None:
    with schema_context(cluster.schema_name):
        news_create(title="Черновик", publish=False)
        news_create(title="Опубликовано")


def news_reads(client: Client, path: str = "/api/v1/news/") -> int:
    """How many statements of a GET read the news table (0: served from the cache)."""
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return sum('"content_news"' in q["sql"] for q in queries.captured_queries)


def test_a_repeated_list_is_served_from_the_cache_and_every_write_shows_at_once(
    cluster_a: Cluster, make_user: MakeUser
) -> None:
    with schema_context(cluster_a.schema_name):
        first = news_create(title="Первая")
    staff = api_client(token_for(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a), cluster_a)
    assert titles(staff) == ["Первая"]
    assert news_reads(staff) == 0

    created = staff.post("/api/v1/news/", {"title": "Вторая"}, content_type="application/json")
    assert created.status_code == 201
    assert titles(staff) == ["Вторая", "Первая"]
    staff.patch(f"/api/v1/news/{first.pk}/", {"title": "Первая, исправлена"}, content_type="application/json")
    assert titles(staff) == ["Вторая", "Первая, исправлена"]
    assert staff.delete(f"/api/v1/news/{created.json()['id']}/").status_code == 204
    assert titles(staff) == ["Первая, исправлена"]
    # writes that bypass the API: services, a bulk update, a raw delete
    with schema_context(cluster_a.schema_name):
        news_update(news=News.objects.get(pk=first.pk), actor=Actor.system(cluster_a), title="Сервис")
        assert titles(staff) == ["Сервис"]
        News.objects.update(title="Массово")
        assert titles(staff) == ["Массово"]
        news_delete(news=News.objects.get(pk=first.pk), actor=Actor.system(cluster_a))
    assert titles(staff) == []
    # another table's write leaves the news list cached
    with schema_context(cluster_a.schema_name):
        Article.objects.create(title="Статья")
    assert news_reads(staff) == 0


def test_drafts_never_reach_a_member_through_the_cache_and_query_strings_are_kept_apart(
    cluster_a: Cluster, make_user: MakeUser
) -> None:
    draft_and_published(cluster_a)
    staff, member = (
        api_client(token_for(make_user(role, cluster_a), cluster_a), cluster_a)
        for role in (ROLE.CLUSTER_STAFF, ROLE.MEMBER_REPRESENTATIVE)
    )
    assert titles(staff) == ["Опубликовано", "Черновик"]
    assert titles(member) == ["Опубликовано"]
    assert titles(staff) == ["Опубликовано", "Черновик"]
    assert titles(member, "/api/v1/news/?search=Черн") == []
    assert titles(staff, "/api/v1/news/?search=Черн") == ["Черновик"]
    assert titles(member, "/api/v1/news/?search=Черн") == []
    # a session caller with the same role gets the same visibility, not the token user's list
    assert member.get("/api/v1/articles/").status_code == 200


def test_other_clusters_unprivileged_and_anonymous_callers_get_no_cached_list(
    cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser
) -> None:
    with schema_context(cluster_a.schema_name):
        news_create(title="Новость Альфы")
    with schema_context(cluster_b.schema_name):
        news_create(title="Новость Беты")
    staff_a = api_client(token_for(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a), cluster_a)
    staff_b_token = token_for(make_user(ROLE.CLUSTER_STAFF, cluster_b), cluster_b)
    assert titles(staff_a) == ["Новость Альфы"]
    assert titles(api_client(staff_b_token, cluster_b)) == ["Новость Беты"]
    # beta's staff on alpha's host: refused, never alpha's cached list
    other = api_client(staff_b_token, cluster_a).get("/api/v1/news/")
    assert other.status_code in (401, 403) and "Новость" not in other.content.decode()
    # anonymous
    anonymous = Client(HTTP_HOST=host_of(cluster_a)).get("/api/v1/news/")
    assert anonymous.status_code in (401, 403) and "Новость" not in anonymous.content.decode()
    # a user with no role anywhere (a token from the public host)
    nobody = make_user(ROLE.CLUSTER_STAFF, cluster_b)
    token = token_for(nobody, cluster_b)
    Grant.objects.filter(user=nobody).delete()
    refused = api_client(token, cluster_a).get("/api/v1/news/")
    assert refused.status_code in (401, 403) and "Новость" not in refused.content.decode()
    assert titles(staff_a) == ["Новость Альфы"]


def test_etag_answers_304_until_the_list_changes(cluster_a: Cluster, make_user: MakeUser) -> None:
    with schema_context(cluster_a.schema_name):
        item = news_create(title="Старая")
    staff = api_client(token_for(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a), cluster_a)
    member = api_client(token_for(make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a), cluster_a), cluster_a)
    first = staff.get("/api/v1/news/")
    etag = first["ETag"]
    assert etag.startswith('"') and first.status_code == 200
    again = staff.get("/api/v1/news/", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again["ETag"] == etag
    # the weak form nginx sends back after compressing
    assert staff.get("/api/v1/news/", headers={"If-None-Match": f"W/{etag}"}).status_code == 304
    # another role's list, another page: another tag
    assert member.get("/api/v1/news/", headers={"If-None-Match": etag}).status_code == 200
    assert staff.get("/api/v1/news/?page_size=5", headers={"If-None-Match": etag}).status_code == 200
    with schema_context(cluster_a.schema_name):
        news_update(news=News.objects.get(pk=item.pk), actor=Actor.system(cluster_a), title="Новая")
    changed = staff.get("/api/v1/news/", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert [n["title"] for n in changed.json()["results"]] == ["Новая"]
    # negotiation: JSON for no particular type, 406 for a type the API does not speak
    assert staff.get("/api/v1/news/", headers={"Accept": "application/json"})["Content-Type"] == (
        "application/json"
    )
    assert staff.get("/api/v1/news/", headers={"Accept": "text/html"}).status_code == 406


def test_a_revoked_role_is_refused_at_once_and_a_changed_role_shows_at_once(
    cluster_a: Cluster, make_user: MakeUser
) -> None:
    draft_and_published(cluster_a)
    staff = make_user(ROLE.CLUSTER_STAFF, cluster_a)
    api = api_client(token_for(staff, cluster_a), cluster_a)
    assert titles(api) == ["Опубликовано", "Черновик"]
    me = api.get("/api/v1/me/").json()
    assert me["roles_here"] == ["cluster_staff"]
    assert [(g["role"], g["cluster"]) for g in me["grants"]] == [("cluster_staff", "alpha")]
    # demoted by a bulk update (no service, no signal): drafts are gone on the next call
    Grant.objects.filter(user=staff, cluster=cluster_a).update(role=ROLE.MEMBER_REPRESENTATIVE)
    assert titles(api) == ["Опубликовано"]
    assert api.get("/api/v1/me/").json()["roles_here"] == ["member_representative"]
    # the role deleted outright: 403 on the next call, the token itself still live
    Grant.objects.filter(user=staff).delete()
    refused = api.get("/api/v1/news/")
    assert refused.status_code == 403
    assert refused.json()["detail"] == "У вас нет прав на это действие в этом кластере."
    # given back
    Grant.objects.create(user=staff, role=ROLE.CLUSTER_ADMIN, cluster=cluster_a)
    assert titles(api) == ["Опубликовано", "Черновик"]
    # revoked through the service: the tokens die with it
    grant_revoke(user=staff, role=ROLE.CLUSTER_ADMIN, cluster=cluster_a)
    assert api.get("/api/v1/news/").status_code == 401


def test_a_revoked_token_is_refused_at_once(cluster_a: Cluster, make_user: MakeUser) -> None:
    staff = make_user(ROLE.CLUSTER_STAFF, cluster_a)
    api = api_client(token_for(staff, cluster_a), cluster_a)
    assert api.get("/api/v1/news/").status_code == 200
    token_id = ApiToken.objects.get(user=staff).pk
    assert api.delete(f"/api/v1/auth/tokens/{token_id}/").status_code in (200, 204)
    assert api.get("/api/v1/news/").status_code == 401


@pytest.mark.django_db(transaction=True)
def test_committed_grant_changes_reach_the_next_request(cluster_a: Cluster, make_user: MakeUser) -> None:
    """The versions are rows written with the change's own commit (migrations accounts.0005,
    content.0004): outside a test transaction too."""
    with schema_context(cluster_a.schema_name):
        news_create(title="Черновик", publish=False)
    staff = make_user(ROLE.CLUSTER_STAFF, cluster_a)
    api = api_client(token_for(staff, cluster_a), cluster_a)
    assert titles(api) == ["Черновик"]
    Grant.objects.filter(user=staff).delete()
    assert api.get("/api/v1/news/").status_code == 403
    Grant.objects.create(user=staff, role=ROLE.CLUSTER_STAFF, cluster=cluster_a)
    assert titles(api) == ["Черновик"]
    with schema_context(cluster_a.schema_name):
        News.objects.all().delete()
    assert titles(api) == []


# --- the throttle's counting ------------------------------------------------------------------


class FakeRequest:
    def __init__(self, user_pk: int) -> None:
        self.user = type("U", (), {"is_authenticated": True, "pk": user_pk})()


def counted(throttle_cache: object, times: list[float], user_pk: int) -> list[bool]:
    answers = []
    for now in times:
        throttle = UserAccountThrottle()
        throttle.cache = throttle_cache  # type: ignore[assignment]
        throttle.timer = lambda now=now: now
        answers.append(throttle.allow_request(FakeRequest(user_pk), None))  # type: ignore[arg-type]
    return answers


@pytest.mark.parametrize("backend", ["redis", "default"])
def test_the_throttle_allows_the_rate_over_a_sliding_minute(
    backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.core.cache import caches

    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "user", "4/minute")
    store = (
        RedisCache(TESTS_REDIS_URL, {"KEY_PREFIX": "test-throttle"})
        if backend == "redis"
        else caches["platform"]
    )
    user_pk = 10_000_000 + (1 if backend == "redis" else 2)
    store.delete_many([f"throttle_user_{user_pk}:{w}" for w in range(1000, 1010)])
    base = 1000 * 60.0  # the start of a window
    # four in the first window, the fifth refused (and not counted), again refused later in it
    assert counted(store, [base + 1, base + 2, base + 3, base + 4, base + 5, base + 50], user_pk) == [
        True,
        True,
        True,
        True,
        False,
        False,
    ]
    throttle = UserAccountThrottle()
    throttle.cache = store
    throttle.timer = lambda: base + 55
    assert not throttle.allow_request(FakeRequest(user_pk), None)  # type: ignore[arg-type]
    assert 5 < throttle.wait() <= 60 + 15
    # 15 s into the next window the last one still counts 3 of its 4: one more place
    assert counted(store, [base + 75, base + 76], user_pk) == [True, False]
    # 45 s in, the last window counts 1: two more places (3 in this window in all)
    assert counted(store, [base + 105, base + 106, base + 107], user_pk) == [True, True, False]
    # two windows later, a full allowance again
    assert counted(store, [base + 181, base + 182, base + 183, base + 184, base + 185], user_pk) == [
        True,
        True,
        True,
        True,
        False,
    ]
    store.delete_many([f"throttle_user_{user_pk}:{w}" for w in range(1000, 1010)])
