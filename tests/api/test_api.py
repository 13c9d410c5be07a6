"""API base: token, me, cluster card, news, federal clusters, errors, OpenAPI, isolation."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from core.accounts.models import User
from tenants.content.services import news_create
from tenants.models import Cluster
from tests.conftest import PASSWORD, ROLE, MakeUser, api_client, client_for, signed_in, token_for

pytestmark = pytest.mark.django_db


def test_token_for_email_and_password_then_me(cluster_a: Cluster, make_user: MakeUser) -> None:
    user = make_user(ROLE.CLUSTER_ADMIN, cluster_a)
    me = api_client(token_for(user, cluster_a), cluster_a).get("/api/v1/me/").json()
    assert me["email"] == user.email
    assert me["roles_here"] == ["cluster_admin"]
    assert me["grants"] == [
        {
            "role": "cluster_admin",
            "role_display": "Администратор кластера",
            "cluster": "alpha",
            "region_codes": [],
            "company_id": None,
        }
    ]


def test_token_refused_with_russian_errors(
    cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser
) -> None:
    user = make_user(ROLE.CLUSTER_ADMIN, cluster_a)
    bad = client_for(cluster_a).post("/api/v1/auth/token/", {"email": user.email, "password": "nope"})
    assert bad.status_code == 400 and bad.json()["detail"] == "Неверный e-mail или пароль."
    other = client_for(cluster_b).post("/api/v1/auth/token/", {"email": user.email, "password": PASSWORD})
    assert other.status_code == 403 and other.json()["detail"] == "У вас нет доступа к этому кластеру."
    malformed = client_for(cluster_a).post("/api/v1/auth/token/", {"email": "не-почта"})
    assert malformed.status_code == 400
    body = malformed.json()
    assert body["detail"] == "Проверьте введённые данные."
    assert set(body["errors"]) == {"email", "password"}


def test_me_works_with_session_too_and_refuses_anonymous(cluster_a: Cluster, make_user: MakeUser) -> None:
    user = make_user(ROLE.CLUSTER_STAFF, cluster_a)
    assert signed_in(user, cluster_a).get("/api/v1/me/").json()["roles_here"] == ["cluster_staff"]
    anonymous = client_for(cluster_a).get("/api/v1/me/")
    assert anonymous.status_code == 401
    assert anonymous.json()["detail"] == "Учетные данные не были предоставлены."


def test_cluster_card_for_own_cluster_only(
    cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser
) -> None:
    admin_a = make_user(ROLE.CLUSTER_ADMIN, cluster_a)
    token = token_for(admin_a, cluster_a)
    card = api_client(token, cluster_a).get("/api/v1/cluster/")
    assert card.status_code == 200
    assert card.json()["slug"] == "alpha" and card.json()["regions"] == ["Московская область"]
    assert api_client(token, cluster_b).get("/api/v1/cluster/").status_code == 403
    no_role = make_user(None)
    assert api_client(token_for(no_role, None), cluster_a).get("/api/v1/cluster/").status_code == 403
    assert client_for(cluster_a).get("/api/v1/cluster/").status_code == 401
    assert client_for(None).get("/api/v1/cluster/").status_code == 404


def test_news_by_guessed_id_from_another_cluster_is_404(
    cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser
) -> None:
    with schema_context(cluster_b.schema_name):
        secret = news_create(title="Черновик Беты", publish=False)
    with schema_context(cluster_a.schema_name):
        own = news_create(title="Новость Альфы")
    admin_a = make_user(ROLE.CLUSTER_ADMIN, cluster_a)
    api = api_client(token_for(admin_a, cluster_a), cluster_a)
    listing = api.get("/api/v1/news/").json()
    assert [n["title"] for n in listing["results"]] == ["Новость Альфы"]
    if secret.pk != own.pk:
        assert api.get(f"/api/v1/news/{secret.pk}/").status_code == 404
    assert api.get(f"/api/v1/news/{own.pk}/").json()["title"] == "Новость Альфы"
    assert api.get(f"/api/v1/news/{own.pk + 1000}/").status_code == 404


def test_news_drafts_only_for_managers_and_writes_need_a_manager_role(
    cluster_a: Cluster, make_user: MakeUser
) -> None:
    with schema_context(cluster_a.schema_name):
        news_create(title="Черновик", publish=False)
        news_create(title="Опубликовано")
    member = api_client(token_for(make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a), cluster_a), cluster_a)
    staff = api_client(token_for(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a), cluster_a)
    assert [n["title"] for n in member.get("/api/v1/news/").json()["results"]] == ["Опубликовано"]
    assert {n["title"] for n in staff.get("/api/v1/news/").json()["results"]} == {"Черновик", "Опубликовано"}
    denied = member.post("/api/v1/news/", {"title": "От участника"}, content_type="application/json")
    assert denied.status_code == 403
    assert denied.json()["detail"] == "У вас нет прав на это действие в этом кластере."
    created = staff.post("/api/v1/news/", {"title": "От сотрудника"}, content_type="application/json")
    assert created.status_code == 201 and created.json()["is_published"] is True
    invalid = staff.post("/api/v1/news/", {"title": ""}, content_type="application/json")
    assert invalid.status_code == 400
    assert "title" in invalid.json()["errors"]


def test_writes_into_another_cluster_are_refused(
    cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser
) -> None:
    staff_a = make_user(ROLE.CLUSTER_STAFF, cluster_a)
    api = api_client(token_for(staff_a, cluster_a), cluster_b)
    assert api.post("/api/v1/news/", {"title": "Чужая"}, content_type="application/json").status_code == 403
    with schema_context(cluster_b.schema_name):
        from tenants.content.models import News

        assert not News.objects.filter(title="Чужая").exists()


def test_list_pagination_search_and_ordering(cluster_a: Cluster, make_user: MakeUser) -> None:
    with schema_context(cluster_a.schema_name):
        for i in range(30):
            news_create(title=f"Новость {i:02d}")
    api = api_client(token_for(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a), cluster_a)
    page = api.get("/api/v1/news/?page_size=10&page=2&ordering=title").json()
    assert page["count"] == 30 and len(page["results"]) == 10
    assert page["results"][0]["title"] == "Новость 10"
    # 02, 12 and 20-29 contain "2"
    assert api.get("/api/v1/news/?search=2").json()["count"] == 12
    assert api.get("/api/v1/news/?page=99").status_code == 404


def test_a_list_that_fits_on_its_first_page_is_counted_without_a_count_query(
    cluster_a: Cluster, make_user: MakeUser
) -> None:
    with schema_context(cluster_a.schema_name):
        for i in range(30):
            news_create(title=f"Новость {i:02d}")
    api = api_client(token_for(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a), cluster_a)

    def listed(path: str) -> tuple[dict[str, Any], list[str]]:
        with CaptureQueriesContext(connection) as queries:
            response = api.get(path)
        assert response.status_code == 200
        return response.json(), [q["sql"] for q in queries.captured_queries]

    small, statements = listed("/api/v1/news/?search=2")  # 12 of 30 fit on the first page
    assert small["count"] == 12 and len(small["results"]) == 12 and small["next"] is None
    assert not any("COUNT(" in sql for sql in statements), statements
    full, statements = listed("/api/v1/news/?page_size=10")  # a full first page: counted
    assert full["count"] == 30 and len(full["results"]) == 10 and full["next"]
    assert sum("COUNT(" in sql for sql in statements) == 1
    exact, _ = listed("/api/v1/news/?page_size=30")  # exactly one full page
    assert exact["count"] == 30 and len(exact["results"]) == 30 and exact["next"] is None
    last, _ = listed("/api/v1/news/?page_size=25&page=last")
    assert last["count"] == 30 and len(last["results"]) == 5


def test_federal_clusters_by_scope(cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser) -> None:
    federal = make_user(ROLE.MINISTRY_FEDERAL)
    regional = make_user(ROLE.MINISTRY_REGIONAL, region_codes=["RU-MOS"])
    root = make_user(ROLE.PLATFORM_ADMIN)

    def slugs(user: User, query: str = "") -> set[str]:
        response = api_client(token_for(user, None), None).get(f"/api/v1/federal/clusters/{query}")
        assert response.status_code == 200
        return {c["slug"] for c in response.json()["results"]}

    assert {"alpha", "beta"} <= slugs(federal)
    assert {"alpha", "beta"} <= slugs(root)
    assert "beta" not in slugs(regional) and "alpha" in slugs(regional)
    assert slugs(federal, "?region=RU-NVS") >= {"beta"} and "alpha" not in slugs(federal, "?region=RU-NVS")
    regional_api = api_client(token_for(regional, None), None)
    assert regional_api.get("/api/v1/federal/clusters/beta/").status_code == 404
    assert regional_api.get("/api/v1/federal/clusters/alpha/").status_code == 200


def test_federal_clusters_refused_to_others(cluster_a: Cluster, make_user: MakeUser) -> None:
    admin_a = make_user(ROLE.CLUSTER_ADMIN, cluster_a)
    assert api_client(token_for(admin_a, None), None).get("/api/v1/federal/clusters/").status_code == 403
    assert client_for(None).get("/api/v1/federal/clusters/").status_code == 401
    federal = make_user(ROLE.MINISTRY_FEDERAL)
    # The federal API does not exist on a cluster host, whoever asks.
    assert api_client(token_for(federal, None), cluster_a).get("/api/v1/federal/clusters/").status_code == 404


def test_openapi_schema_and_offline_swagger_on_both_hosts(cluster_a: Cluster) -> None:
    public = client_for(None).get("/api/schema/", HTTP_ACCEPT="application/json")
    assert public.status_code == 200
    paths = public.json()["paths"]
    assert "/api/v1/federal/clusters/" in paths and "/api/v1/cluster/" not in paths
    tenant = client_for(cluster_a).get("/api/schema/", HTTP_ACCEPT="application/json").json()["paths"]
    assert {"/api/v1/cluster/", "/api/v1/news/", "/api/v1/me/", "/api/v1/auth/token/"} <= set(tenant)
    docs = client_for(None).get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in docs
    assert "cdn" not in docs.lower() and "https://" not in docs
    asset = Client(HTTP_HOST="localhost").get(
        "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js"
    )
    assert asset.status_code == 200
