"""Hosts: the public host, cluster subdomains, unknown, disallowed, suspended, archived."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from tenants.content.services import news_create
from tenants.models import Cluster
from tenants.services import cluster_add_domain, cluster_resume, cluster_suspend
from tests.conftest import MakeUser, client_for

pytestmark = pytest.mark.django_db


def test_public_host_shows_the_platform_home_with_clusters(cluster_a: Cluster, cluster_b: Cluster) -> None:
    body = client_for(None).get("/").content.decode()
    assert "платформа промышленных кластеров" in body
    assert cluster_a.name in body and cluster_b.name in body
    assert 'href="http://alpha.localhost/"' in body


def test_cluster_host_shows_its_own_cluster_and_news_only(cluster_a: Cluster, cluster_b: Cluster) -> None:
    with schema_context(cluster_a.schema_name):
        news_create(title="Новость Альфы")
    with schema_context(cluster_b.schema_name):
        news_create(title="Новость Беты")
    a = client_for(cluster_a).get("/").content.decode()
    b = client_for(cluster_b).get("/").content.decode()
    assert cluster_a.name in a and "Новость Альфы" in a and "Новость Беты" not in a
    assert cluster_b.name in b and "Новость Беты" in b and "Новость Альфы" not in b


def test_unknown_subdomain_is_404_and_never_public_content(cluster_a: Cluster) -> None:
    response = Client(HTTP_HOST="nosuch.localhost").get("/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "По этому адресу нет кластера" in body
    assert cluster_a.name not in body and "платформа промышленных кластеров" not in body
    assert Client(HTTP_HOST="nosuch.localhost").get("/api/v1/me/").status_code == 404


@pytest.mark.parametrize("host", ["evil.example.com", "alpha.localhost.evil.com", "bad_host.localhost"])
def test_host_outside_the_allowed_pattern_is_400(host: str) -> None:
    assert Client(HTTP_HOST=host).get("/").status_code == 400


def test_suspended_cluster_answers_403_on_every_host_and_resumes(cluster_a: Cluster) -> None:
    cluster_add_domain(cluster=cluster_a, domain="mtk-alpha.localhost")
    cluster_suspend(cluster=cluster_a)
    for host in ("alpha.localhost", "mtk-alpha.localhost"):
        for path in ("/", "/login/", "/api/v1/cluster/", "/api/docs/"):
            response = Client(HTTP_HOST=host).get(path)
            assert response.status_code == 403, (host, path)
            assert "Кластер приостановлен" in response.content.decode()
    cluster_resume(cluster=cluster_a)
    assert Client(HTTP_HOST="mtk-alpha.localhost").get("/").status_code == 200


def test_suspension_takes_effect_even_when_the_host_was_cached(cluster_a: Cluster) -> None:
    client = client_for(cluster_a)
    assert client.get("/").status_code == 200  # host -> cluster now cached
    cluster_suspend(cluster=cluster_a)
    assert client.get("/").status_code == 403


def test_a_suspension_made_by_another_process_stops_the_cluster_within_the_local_cache_time(
    cluster_a: Cluster, settings: Any
) -> None:
    """Another web process suspends the cluster: the shared cache forgets the host (its service
    did), this process's own copy expires after CLUSTER_HOST_LOCAL_SECONDS."""
    settings.CLUSTER_HOST_LOCAL_SECONDS = 0.5
    client = client_for(cluster_a)
    assert client.get("/").status_code == 200  # cached here and in the shared cache
    Cluster.objects.filter(pk=cluster_a.pk).update(status=Cluster.Status.SUSPENDED)
    caches["platform"].clear()  # what the other process's forget_cluster_hosts did
    time.sleep(0.6)
    response = client.get("/")
    assert response.status_code == 403
    assert "Кластер приостановлен" in response.content.decode()


def test_the_local_host_cache_keeps_clusters_apart_and_hands_out_copies(
    cluster_a: Cluster, cluster_b: Cluster
) -> None:
    from tenants.selectors import cluster_for_host

    for _ in range(2):  # the second round is served from this process's cache
        a = cluster_for_host(hostname="alpha.localhost")
        b = cluster_for_host(hostname="beta.localhost")
        assert a is not None and b is not None
        assert (a.pk, a.schema_name) == (cluster_a.pk, "alpha")
        assert (b.pk, b.schema_name) == (cluster_b.pk, "beta")
    assert a is not None
    a.domain_url = "changed.localhost"  # what the routing middleware does to its copy
    again = cluster_for_host(hostname="alpha.localhost")
    assert again is not None and again is not a and getattr(again, "domain_url", "") != "changed.localhost"
    alpha_page = client_for(cluster_a).get("/").content.decode()
    beta_page = client_for(cluster_b).get("/").content.decode()
    assert cluster_a.name in alpha_page and cluster_b.name not in alpha_page
    assert cluster_b.name in beta_page and cluster_a.name not in beta_page


def test_an_unknown_host_is_not_kept_in_this_process(cluster_a: Cluster) -> None:
    """A host answered 404 becomes a cluster as soon as the cluster is made (no local negative)."""
    assert Client(HTTP_HOST="fresh.localhost").get("/").status_code == 404
    cluster_add_domain(cluster=cluster_a, domain="fresh.localhost")
    assert Client(HTTP_HOST="fresh.localhost").get("/").status_code == 200


@pytest.mark.parametrize("path", ["/", "/cabinet/", "/api/v1/me/", "/api/v1/news/"])
def test_a_signed_in_cluster_request_issues_one_search_path_and_none_when_unchanged(
    cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser, path: str
) -> None:
    from tests.conftest import signed_in

    def sets_of(statements: list[str]) -> list[str]:
        return [s for s in statements if s.upper().startswith("SET SEARCH_PATH")]

    client = signed_in(make_user("cluster_staff", cluster_a), cluster_a)
    client.get(path)  # fill the host cache; the connection now points at alpha
    with CaptureQueriesContext(connection) as same:
        assert client.get(path).status_code == 200
    statements = [q["sql"] for q in same.captured_queries]
    assert len(statements) >= 3  # session, user, grants
    assert sets_of(statements) == [], statements  # the connection's search_path is alpha's already
    assert client_for(cluster_b).get("/").status_code == 200  # the connection moves to beta
    with CaptureQueriesContext(connection) as back:
        assert client.get(path).status_code == 200
    statements = [q["sql"] for q in back.captured_queries]
    assert sets_of(statements) == ['SET search_path = "alpha","public"'], statements


def test_public_home_runs_a_constant_number_of_queries(cluster_a: Cluster, cluster_b: Cluster) -> None:
    from tenants.services import cluster_provision

    client = client_for(None)
    with CaptureQueriesContext(connection) as few:
        client.get("/")
    for i in range(3):
        cluster_provision(slug=f"more{i}", name=f"Ещё кластер {i}", region_codes=["RU-TA"])
    with CaptureQueriesContext(connection) as more:
        body = client.get("/").content.decode()
    assert "Ещё кластер 2" in body
    assert len(more.captured_queries) == len(few.captured_queries)


def test_tenant_cache_keys_do_not_cross_clusters(cluster_a: Cluster, cluster_b: Cluster) -> None:
    cache = caches["default"]
    with schema_context(cluster_a.schema_name):
        cache.set("dashboard", "данные Альфы")
    with schema_context(cluster_b.schema_name):
        assert cache.get("dashboard") is None
        cache.set("dashboard", "данные Беты")
    with schema_context(cluster_a.schema_name):
        assert cache.get("dashboard") == "данные Альфы"
