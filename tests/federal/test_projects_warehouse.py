"""Joint projects on the ministry side: warehouse rows refreshed from the cluster, the dashboard and the
cluster page, /api/v1/federal/projects/ by scope, nobody else, and a constant number of queries."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from core.federal.models import ClusterSnapshot, FederalProject
from core.federal.warehouse import cluster_refresh
from tenants.models import Cluster
from tests.conftest import ROLE, MakeUser, api_client, client_for, signed_in, token_for
from tests.registry.test_application_pack import _cluster_data

from . import warehouse_rows as w

pytestmark = pytest.mark.django_db
API = "/api/v1/federal/projects/"


def _project(cluster: Cluster, n: int, *, shortfall: bool = False, received: int = 0) -> FederalProject:
    actual = "750000.00" if shortfall else "1000000.00"
    return FederalProject.objects.create(
        cluster=cluster,
        project_id=n,
        title=f"Проект {cluster.schema_name} {n}",
        kind="Импортозамещение",
        status="in_progress",
        status_label="Реализуется",
        lead="ООО «Головной»",
        participants=3,
        budget_kopecks=10_000_000_00,
        support_granted_kopecks=received * 2,
        support_received_kopecks=received,
        support_measures=["Субсидия по постановлению № 41"] if received else [],
        indicators=[
            {
                "year": 2025,
                "name": "Объём выпуска продукции",
                "unit": "₽",
                "planned": "1000000.00",
                "actual": actual,
                "status": "accepted",
                "shortfall_percent": "25.00" if shortfall else None,
            }
        ],
        shortfalls=1 if shortfall else 0,
        worst_shortfall_percent=Decimal("25.00") if shortfall else None,
    )


def _snapshot_projects(cluster: Cluster) -> None:
    rows = FederalProject.objects.filter(cluster=cluster)
    w.snapshot(cluster, members=12)
    ClusterSnapshot.objects.filter(cluster=cluster).update(
        projects_total=rows.count(),
        projects_active=rows.count(),
        project_shortfalls=sum(r.shortfalls for r in rows),
        support_granted_kopecks=sum(r.support_granted_kopecks for r in rows),
        support_received_kopecks=sum(r.support_received_kopecks for r in rows),
    )


@pytest.fixture
def projects(cluster_a: Cluster, cluster_b: Cluster) -> tuple[Cluster, Cluster]:
    """alpha (RU-MOS): a project short of plan with a Decree 41 subsidy; beta (RU-NVS): one on plan."""
    _project(cluster_a, 1, shortfall=True, received=2_000_000_00)
    _project(cluster_b, 1, received=0)
    for cluster in (cluster_a, cluster_b):
        _snapshot_projects(cluster)
    return cluster_a, cluster_b


def test_the_refresh_reads_the_clusters_projects_into_the_warehouse(
    cluster_a: Cluster, cluster_b: Cluster
) -> None:
    with schema_context(cluster_a.schema_name):
        _cluster_data()
        cluster_refresh(cluster=cluster_a)
        cluster_refresh(cluster=cluster_a)  # idempotent: still one row per project
    row = FederalProject.objects.get(cluster=cluster_a)
    assert row.title == "Импортозамещение эндоскопов" and row.participants == 2
    assert row.support_granted_kopecks == 4_000_000_00 and row.support_received_kopecks == 2_000_000_00
    assert row.support_measures == ["Субсидия по постановлению № 41"]
    assert row.indicators == [
        {
            "year": 2025,
            "name": "Объём выпуска продукции",
            "unit": "₽",
            "planned": "10000000.00",
            "actual": "7500000.00",
            "status": "draft",
            "shortfall_percent": "25.00",
        }
    ]
    assert row.shortfalls == 1 and row.worst_shortfall_percent == Decimal("25.00")
    snapshot = ClusterSnapshot.objects.get(cluster=cluster_a)
    assert (snapshot.projects_total, snapshot.project_shortfalls, snapshot.support_received_kopecks) == (
        1,
        1,
        2_000_000_00,
    )
    assert not FederalProject.objects.filter(cluster=cluster_b).exists()


def test_dashboard_and_cluster_page_show_projects_support_and_shortfalls(
    projects: tuple[Cluster, Cluster], make_user: MakeUser
) -> None:
    federal = signed_in(make_user(ROLE.MINISTRY_FEDERAL), None)
    body = federal.get("/ministry/").content.decode()
    assert "Совместные проекты и господдержка по регионам" in body
    assert "Московская область" in body and "Новосибирская область" in body
    assert "2\u00a0000\u00a0000\u00a0₽" in body  # support received, alpha
    assert "Проекты с недовыполнением плана" in body and "Проект alpha 1" in body
    assert "Проект beta 1" not in body.split("Проекты с недовыполнением плана")[1].split("</table>")[0]
    assert "25\u00a0%" in body
    page = federal.get("/ministry/clusters/alpha/").content.decode()
    assert "Проект alpha 1" in page and "Субсидия по постановлению № 41" in page and "25\u00a0%" in page
    regional = signed_in(make_user(ROLE.MINISTRY_REGIONAL, region_codes=["RU-NVS"]), None)
    assert "Проект alpha 1" not in regional.get("/ministry/").content.decode()


def test_api_lists_projects_with_their_cluster_and_region_by_scope(
    projects: tuple[Cluster, Cluster], make_user: MakeUser
) -> None:
    federal = api_client(token_for(make_user(ROLE.MINISTRY_FEDERAL), None), None)
    data = federal.get(API).json()
    assert data["count"] == 2 and {"next", "previous"} <= data.keys()
    alpha = next(r for r in data["results"] if r["cluster"] == "alpha")
    assert alpha["region_codes"] == ["RU-MOS"] and alpha["regions"] == ["Московская область"]
    assert (
        alpha["support_received_kopecks"] == 2_000_000_00
        and alpha["indicators"][0]["shortfall_percent"] == "25.00"
    )
    assert [r["cluster"] for r in federal.get(f"{API}?shortfall=true").json()["results"]] == ["alpha"]
    assert federal.get(f"{API}?region=RU-NVS").json()["count"] == 1
    assert federal.get(f"{API}{alpha['id']}/").json()["title"] == "Проект alpha 1"

    regional = api_client(token_for(make_user(ROLE.MINISTRY_REGIONAL, region_codes=["RU-NVS"]), None), None)
    rows = regional.get(API).json()["results"]
    assert [r["cluster"] for r in rows] == ["beta"]
    assert regional.get(f"{API}{alpha['id']}/").status_code == 404  # out of scope looks missing
    assert regional.get(f"{API}?region=RU-MOS").json()["count"] == 0  # a filter never widens the scope
    platform = api_client(token_for(make_user(ROLE.PLATFORM_ADMIN), None), None)
    assert platform.get(API).json()["count"] == 2
    dashboard = federal.get("/api/v1/federal/dashboard/").json()
    assert dashboard["live"]["support_received_kopecks"] == 2_000_000_00
    assert dashboard["live"]["project_shortfalls"] == 1
    assert {r["region"] for r in dashboard["regions"]} == {"RU-MOS", "RU-NVS"}


def test_nobody_else_reaches_the_projects_export(
    projects: tuple[Cluster, Cluster], make_user: MakeUser
) -> None:
    assert client_for(None).get(API).status_code == 401
    for role in (ROLE.CLUSTER_ADMIN, ROLE.CLUSTER_STAFF, ROLE.MEMBER_REPRESENTATIVE):
        api = api_client(token_for(make_user(role, projects[0]), None), None)
        response = api.get(API)
        assert response.status_code == 403 and "министерства" in response.json()["detail"], role
    federal_token = token_for(make_user(ROLE.MINISTRY_FEDERAL), None)
    assert api_client(federal_token, projects[0]).get(API).status_code == 404  # not on a cluster host
    assert client_for(None).get("/api/schema/", HTTP_ACCEPT="application/json").json()["paths"].get(API)


def test_the_same_queries_for_4_and_40_clusters_with_20_projects_each(
    cluster_a: Cluster, make_user: MakeUser
) -> None:
    page = signed_in(make_user(ROLE.MINISTRY_FEDERAL), None)
    api = api_client(token_for(make_user(ROLE.MINISTRY_FEDERAL), None), None)

    def grow_to(total: int) -> None:
        while Cluster.objects.count() < total:
            cluster = w.bare_cluster(regions=["RU-TA"])
            w.standard(cluster, 2025)
            for n in range(1, 21):
                _project(cluster, n, shortfall=n % 4 == 0, received=n * 100_000_00)
            _snapshot_projects(cluster)

    def count(client: Client, path: str) -> int:
        client.get(path)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(path).status_code == 200
        # the paginator's COUNT is left out: a first page that holds the whole list skips it
        return len([q for q in ctx.captured_queries if not q["sql"].startswith("SELECT COUNT(*)")])

    paths = [
        (page, "/ministry/"),
        (page, "/ministry/?sort=-support"),
        (api, API),
        (api, f"{API}?shortfall=true"),
        (api, "/api/v1/federal/dashboard/"),
    ]
    grow_to(4)
    small = [count(c, p) for c, p in paths]
    grow_to(40)
    large = [count(c, p) for c, p in paths]
    assert small == large
    assert large[0] <= 10 and large[4] <= 7  # page and API dashboard: 12 and 9 before
