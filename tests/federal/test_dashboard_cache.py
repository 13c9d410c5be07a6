"""The ministry dashboards' figures cached under the warehouse version: a write shows on the next
request, whatever way it was written; each scope has its own figures; warm requests read little."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from core.federal.dashboard import warehouse_version
from core.federal.models import ClusterSnapshot, ReportFact
from tenants.models import Cluster
from tests.conftest import ROLE, MakeUser, api_client, signed_in, token_for

from . import warehouse_rows as w

pytestmark = pytest.mark.django_db


@pytest.fixture
def reported(cluster_a: Cluster, cluster_b: Cluster) -> tuple[Cluster, Cluster]:
    for cluster, revenue in ((cluster_a, 100_000_000_00), (cluster_b, 50_000_000_00)):
        w.standard(cluster, 2025, revenue=revenue)
    w.snapshot(cluster_a, members=25, invoiced=1_000_000_00, paid=600_000_00, items=20, done=15)
    w.snapshot(cluster_b, members=6)
    return cluster_a, cluster_b


def _federal(make_user: MakeUser) -> Client:
    return signed_in(make_user(ROLE.MINISTRY_FEDERAL), None)


def test_every_kind_of_warehouse_write_moves_the_version(reported: tuple[Cluster, Cluster]) -> None:
    alpha, _ = reported
    seen = [warehouse_version()]
    ClusterSnapshot.objects.filter(cluster=alpha).update(member_count=26)  # no signals, no save()
    seen.append(warehouse_version())
    ReportFact.objects.filter(cluster=alpha, code="revenue").delete()
    seen.append(warehouse_version())
    Cluster.objects.filter(pk=alpha.pk).update(name="Переименован")
    seen.append(warehouse_version())
    w.bare_cluster("Новый", regions=["RU-TA"])
    seen.append(warehouse_version())
    assert seen == sorted(set(seen)), seen  # strictly growing


def test_a_write_shows_on_the_next_request_of_the_page_and_the_api(
    reported: tuple[Cluster, Cluster], make_user: MakeUser
) -> None:
    alpha, _ = reported
    page = _federal(make_user)
    assert "60\u00a0%" in page.get("/ministry/").content.decode()  # dues collected now
    assert "60\u00a0%" in page.get("/ministry/").content.decode()  # from the cache

    ClusterSnapshot.objects.filter(cluster=alpha).update(dues_paid_kopecks=250_000_00)
    body = page.get("/ministry/").content.decode()
    assert "25\u00a0%" in body and "60\u00a0%" not in body

    Cluster.objects.filter(pk=alpha.pk).update(name="Кластер Переименованный")
    body = page.get("/ministry/").content.decode()  # the table page is cached with the figures
    assert "Кластер Переименованный" in body and "Кластер Альфа (тест)" not in body

    api = api_client(token_for(make_user(ROLE.MINISTRY_FEDERAL), None), None)
    assert api.get("/api/v1/federal/dashboard/").json()["live"]["member_count"] == 31
    w.snapshot(alpha, members=40)
    assert api.get("/api/v1/federal/dashboard/").json()["live"]["member_count"] == 46


def test_a_regional_user_never_gets_the_federal_figures_from_the_cache(
    reported: tuple[Cluster, Cluster], make_user: MakeUser
) -> None:
    federal = _federal(make_user).get("/ministry/").content.decode()
    assert "150\u00a0000\u00a0000\u00a0₽" in federal and "Кластер Альфа (тест)" in federal
    novosibirsk = signed_in(make_user(ROLE.MINISTRY_REGIONAL, region_codes=["RU-NVS"]), None)
    for _ in range(2):  # computed, then cached: both times its own region only
        body = novosibirsk.get("/ministry/").content.decode()
        assert "Кластер Альфа (тест)" not in body and "Кластер Бета (тест)" in body
        assert "50\u00a0000\u00a0000\u00a0₽" in body and "150\u00a0000\u00a0000\u00a0₽" not in body


def test_a_warm_request_reads_the_version_instead_of_the_warehouse(
    reported: tuple[Cluster, Cluster], make_user: MakeUser
) -> None:
    client = _federal(make_user)
    alpha, _ = reported

    def statements() -> list[str]:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/ministry/?sort=-revenue").status_code == 200
        return [q["sql"] for q in ctx.captured_queries]

    client.get("/ministry/")  # the session and grants are read per request either way
    ClusterSnapshot.objects.filter(cluster=alpha).update(member_count=30)
    cold, warm = statements(), statements()
    warehouse = ("federal_reportfact", "federal_clustersnapshot", "federal_registrycheckresult")
    assert any(table in sql for sql in cold for table in warehouse)
    assert not any(table in sql for sql in warm for table in warehouse), warm
    assert len(warm) <= len(cold) - 6
    assert any("federal_warehouse_version" in sql for sql in warm)


def test_the_cached_table_rows_follow_the_language_and_the_sort(
    reported: tuple[Cluster, Cluster], make_user: MakeUser
) -> None:
    """The table's rows are cached as HTML beside the figures: per language and per sort."""
    client = _federal(make_user)
    alpha, beta = reported
    russian = client.get("/ministry/").content.decode()
    assert "Региональный" in russian or "Межрегиональный" in russian
    client.cookies["django_language"] = "en"
    english = client.get("/ministry/").content.decode()  # the same board key, another language
    assert "Regional" in english or "Interregional" in english
    assert "Региональный" not in english and "Межрегиональный" not in english

    def order(query: str) -> list[str]:
        body = client.get(f"/ministry/{query}").content.decode()
        where = {c.schema_name: body.index(f"/ministry/clusters/{c.schema_name}/") for c in (alpha, beta)}
        return sorted(where, key=where.__getitem__)

    assert order("?sort=name") == list(reversed(order("?sort=-name")))


def test_the_cached_charts_follow_a_write_and_the_language(
    reported: tuple[Cluster, Cluster], make_user: MakeUser
) -> None:
    """The year-over-year charts are cached as SVG beside the figures: a second request shows the
    same charts, a report of another year adds its bar on the next request, English has its own."""
    alpha, _ = reported
    client = _federal(make_user)

    def charts() -> str:
        body = client.get("/ministry/").content.decode()
        return body[
            body.index('<div class="fed-charts">') : body.index('<section aria-labelledby="clusters-h"')
        ]

    first = charts()
    assert "2025" in first and "2024" not in first and "<svg" in first
    assert charts() == first  # from the cache
    w.standard(alpha, 2024, revenue=70_000_000_00)
    after = charts()
    assert "2024" in after and "2025" in after
    client.cookies["django_language"] = "en"
    english = charts()
    assert english != after and "2024" in english
