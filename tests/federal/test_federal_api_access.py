"""/api/v1/federal/: clusters, submitted reports, the dashboard, registry checks — by scope, and nobody else."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.federal.models import RegistryCheckResult
from tenants.models import Cluster
from tests.conftest import ROLE, MakeUser, api_client, client_for, token_for

from . import warehouse_rows as w

pytestmark = pytest.mark.django_db
PATHS = [
    "/api/v1/federal/clusters/",
    "/api/v1/federal/reports/",
    "/api/v1/federal/dashboard/",
    "/api/v1/federal/registry-checks/",
]


@pytest.fixture
def reported(cluster_a: Cluster, cluster_b: Cluster) -> tuple[Cluster, Cluster]:
    for year in (2024, 2025):
        w.standard(cluster_a, year, revenue=100_000_000_00, employees=400)
        w.standard(
            cluster_b,
            year,
            revenue=50_000_000_00,
            employees=200,
            checks={"participants_min": "fail", "cooperation_each": "pass"} if year == 2025 else None,
        )
    w.report(
        cluster_a,
        2025,
        {"members_total": 12, "revenue": 120_000_000_00, "employees": 400},
        correction_reason="Уточнена выручка",
    )
    w.snapshot(cluster_a, members=25, invoiced=1_000_000_00, paid=750_000_00, items=20, done=15)
    return cluster_a, cluster_b


def _api(make_user: MakeUser, role: str = ROLE.MINISTRY_FEDERAL, **kwargs: Any) -> Client:
    return api_client(token_for(make_user(role, **kwargs), None), None)


def test_clusters_carry_the_years_figures_and_the_current_ones(
    reported: tuple[Cluster, Cluster], make_user: MakeUser
) -> None:
    api = _api(make_user)
    data = api.get("/api/v1/federal/clusters/?year=2025&ordering=-revenue").json()
    alpha, beta = data["results"][0], data["results"][1]
    assert alpha["slug"] == "alpha" and beta["slug"] == "beta"
    assert alpha["year"] == 2025 and alpha["report"]["version"] == 2
    assert alpha["figures"]["revenue"] == 120_000_000_00 and alpha["figures"]["employees"] == 400
    assert alpha["figures"]["export"] is None  # the correction left it out
    assert alpha["live"]["member_count"] == 25 and alpha["live"]["dues_collection_rate"] == 75
    assert beta["registry_checks"] == "fail" and alpha["registry_checks"] == "pass"
    assert beta["live"] is None  # no snapshot yet
    assert api.get("/api/v1/federal/clusters/?checks=fail").json()["count"] == 1
    detail = api.get("/api/v1/federal/clusters/beta/?year=2024").json()
    assert detail["report"]["version"] == 1 and detail["registry_checks"] == "pass"


def test_regional_user_gets_only_its_regions(reported: tuple[Cluster, Cluster], make_user: MakeUser) -> None:
    inter = w.bare_cluster("Межрегиональный", regions=["RU-NVS", "RU-BA"])
    w.standard(inter, 2025, checks={"participants_min": "fail"})
    api = _api(make_user, ROLE.MINISTRY_REGIONAL, region_codes=["RU-NVS"])
    slugs = {c["slug"] for c in api.get("/api/v1/federal/clusters/").json()["results"]}
    assert slugs == {"beta", inter.schema_name}
    assert api.get("/api/v1/federal/clusters/alpha/").status_code == 404
    reports = api.get("/api/v1/federal/reports/").json()["results"]
    assert {r["cluster"] for r in reports} == {"beta", inter.schema_name}
    alpha_report = reported[0].annual_reports.first()
    assert api.get(f"/api/v1/federal/reports/{alpha_report.pk}/").status_code == 404
    checks = api.get("/api/v1/federal/registry-checks/?status=fail").json()["results"]
    assert {c["cluster"] for c in checks} == {"beta", inter.schema_name}
    alpha_check = alpha_report.check_results.first()
    assert api.get(f"/api/v1/federal/registry-checks/{alpha_check.pk}/").status_code == 404
    board = api.get("/api/v1/federal/dashboard/?year=2025").json()
    assert board["live"]["clusters"] == 2
    revenue_2025 = next(
        i for t in board["totals"] if t["year"] == 2025 for i in t["indicators"] if i["code"] == "revenue"
    )
    assert revenue_2025["value"] == 50_000_000_00 + 100_000_000_00 and revenue_2025["clusters"] == 2
    assert board["registry_checks"]["fail"] == 2


def test_reports_list_every_version_and_the_detail_has_the_snapshot(
    reported: tuple[Cluster, Cluster], make_user: MakeUser
) -> None:
    api = _api(make_user)
    versions = api.get("/api/v1/federal/reports/?cluster=alpha&year=2025").json()["results"]
    assert [(r["version"], r["is_latest"]) for r in versions] == [(2, True), (1, False)]
    assert versions[0]["correction_reason"] == "Уточнена выручка" and "values" not in versions[0]
    latest = api.get("/api/v1/federal/reports/?latest=true").json()
    assert latest["count"] == 4
    detail = api.get(f"/api/v1/federal/reports/{versions[0]['id']}/").json()
    assert detail["values"]["revenue"]["value"] == 120_000_000_00
    assert detail["values"]["revenue"]["display"] == "120 000 000,00 ₽"


def test_dashboard_totals_and_checks_for_everyone_in_scope(
    reported: tuple[Cluster, Cluster], make_user: MakeUser
) -> None:
    board = _api(make_user).get("/api/v1/federal/dashboard/").json()
    assert board["year"] == 2025 and board["years"] == [2025, 2024]
    by_year = {t["year"]: {i["code"]: i for i in t["indicators"]} for t in board["totals"]}
    assert by_year[2024]["revenue"]["value"] == 150_000_000_00
    assert by_year[2025]["revenue"]["value"] == 170_000_000_00  # alpha's correction counts, not v1
    assert by_year[2024]["dues_collection"]["value"] == 90  # weighted Σpaid / Σinvoiced
    assert board["live"]["member_count"] == 25 and board["live"]["dues_collection_rate"] == 75
    assert board["registry_checks"]["fail"] == 1 and board["registry_checks"]["pass"] == 1


def test_registry_checks_are_the_submitted_ones(
    reported: tuple[Cluster, Cluster], make_user: MakeUser
) -> None:
    RegistryCheckResult.objects.create(
        cluster=reported[0],
        report=None,
        code="participants_min",
        status="fail",
        reason="Живая проверка, не отправлена",
        computed_at=timezone.now(),
    )
    api = _api(make_user)
    rows = api.get("/api/v1/federal/registry-checks/?cluster=alpha").json()["results"]
    assert rows and all(r["report"] is not None and r["is_latest"] for r in rows)
    assert "Живая проверка, не отправлена" not in str(rows)
    every = api.get("/api/v1/federal/registry-checks/?cluster=alpha&latest=false").json()["count"]
    assert every > len(rows)


def test_nobody_else_reaches_the_federal_api(reported: tuple[Cluster, Cluster], make_user: MakeUser) -> None:
    anonymous = client_for(None)
    for path in PATHS:
        assert anonymous.get(path).status_code == 401, path
    for role in (ROLE.CLUSTER_ADMIN, ROLE.CLUSTER_STAFF, ROLE.MEMBER_REPRESENTATIVE):
        api = api_client(token_for(make_user(role, reported[0]), None), None)
        for path in PATHS:
            response = api.get(path)
            assert response.status_code == 403 and "министерства" in response.json()["detail"], (role, path)
    federal_token = token_for(make_user(ROLE.MINISTRY_FEDERAL), None)
    on_cluster_host = api_client(federal_token, reported[0])
    for path in PATHS:
        assert on_cluster_host.get(path).status_code == 404, path
    # …and a ministry token opens none of a cluster's own API.
    assert on_cluster_host.get("/api/v1/members/").status_code == 403


def test_federal_api_in_the_openapi_schema(cluster_a: Cluster) -> None:
    paths = client_for(None).get("/api/schema/", HTTP_ACCEPT="application/json").json()["paths"]
    for path in PATHS:
        assert path in paths, path
    assert "/api/v1/federal/reports/{id}/" in paths and "/api/v1/federal/clusters/{slug}/" in paths
    names = {p["name"] for p in paths["/api/v1/federal/clusters/"]["get"]["parameters"]}
    assert {"year", "region", "kind", "registry_status", "checks", "search", "ordering", "page"} <= names


def test_lists_and_dashboard_run_the_same_queries_for_4_and_40_clusters(
    cluster_a: Cluster, make_user: MakeUser
) -> None:
    api = _api(make_user)

    def grow_to(total: int) -> None:
        while Cluster.objects.count() < total:
            cluster = w.bare_cluster(regions=["RU-TA"])
            w.standard(cluster, 2025, checks={"participants_min": "fail"})
            w.snapshot(cluster, members=11, invoiced=100_00, paid=50_00, items=4, done=1)

    def count(path: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert api.get(path).status_code == 200
        # the paginator's COUNT is left out: a first page that holds the whole list skips it
        return len([q for q in ctx.captured_queries if not q["sql"].startswith("SELECT COUNT(*)")])

    paths = [*PATHS, "/api/v1/federal/clusters/?ordering=-revenue&checks=fail"]
    api.get(
        "/api/v1/me/"
    )  # a user's first token request reads its grants (one query); the next ones use the process's copy
    grow_to(4)
    small = {p: count(p) for p in paths}
    grow_to(40)
    large = {p: count(p) for p in paths}
    assert small == large
