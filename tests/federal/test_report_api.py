"""/api/v1/annual-reports/: drafts, computed figures, submission and versions; who may call what."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context
from pytest_django import DjangoAssertNumQueries

from core.federal.models import AnnualReport
from tenants.models import Cluster
from tenants.reporting import services as reporting
from tenants.reporting.models import AnnualReportDraft
from tests.conftest import ROLE, MakeUser, api_client, client_for, token_for

from . import factories as f

pytestmark = pytest.mark.django_db
YEAR = 2025
BASE = "/api/v1/annual-reports/"


def test_admin_saves_a_draft_reads_it_computed_and_submits_versions(
    cluster_a: Cluster,
    make_user: MakeUser,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    with schema_context(cluster_a.schema_name):
        f.healthy_cluster(YEAR)
    admin = api_client(token_for(make_user(ROLE.CLUSTER_ADMIN, cluster_a), cluster_a), cluster_a)
    empty = admin.get(f"{BASE}drafts/{YEAR}/").json()
    assert empty["is_valid"] is True and not empty["errors"]  # support received: from tranches
    revenue = next(x for x in empty["figures"] if x["code"] == "revenue")
    assert (revenue["value"], revenue["display"], revenue["row_count"]) == (100_000_000, "1 000 000,00 ₽", 10)
    bad = admin.put(
        f"{BASE}drafts/{YEAR}/",
        {"entered_values": {"support_received": "много"}},
        content_type="application/json",
    )
    assert bad.status_code == 400 and "support_received" in bad.json()["errors"]
    saved = admin.put(
        f"{BASE}drafts/{YEAR}/",
        {
            "entered_values": {"support_received": 150_000_000, "highlights": "Запуск линии"},
            "comments": "Черновик",
            "indicator_comments": {"support_received": "Переходный год"},
        },
        content_type="application/json",
    )
    assert saved.status_code == 200 and saved.json()["is_valid"] is True
    support = next(x for x in saved.json()["figures"] if x["code"] == "support_received")
    assert (support["value"], support["entered_text"]) == (150_000_000, "1 500 000,00")
    assert any(d["year"] == YEAR and d["has_draft"] for d in admin.get(f"{BASE}drafts/").json())
    with_rows = admin.get(f"{BASE}drafts/{YEAR}/?rows=1").json()
    assert len(next(x for x in with_rows["figures"] if x["code"] == "revenue")["rows"]) == 10
    created = admin.post(
        BASE,
        {
            "year": YEAR,
            "entered_values": {"support_received": 150_000_000},
            "comments": "Итог",
            "indicator_comments": {"support_received": "Переходный год"},
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["version"], body["is_latest"], body["values"]["support_received"]["value"]) == (
        1,
        True,
        150_000_000,
    )
    assert [c["status"] for c in body["checks"]] == ["pass", "pass", "pass", "pass"]
    again = admin.post(
        BASE,
        {
            "year": YEAR,
            "entered_values": {"support_received": 1},
            "indicator_comments": {"support_received": "Переходный год"},
        },
        content_type="application/json",
    )
    assert again.status_code == 400 and "correction_reason" in again.json()["errors"]
    second = admin.post(
        BASE,
        {
            "year": YEAR,
            "entered_values": {"support_received": 1},
            "indicator_comments": {"support_received": "Переходный год"},
            "correction_reason": "Опечатка",
        },
        content_type="application/json",
    )
    assert second.status_code == 201 and second.json()["version"] == 2
    with django_assert_max_num_queries(10):
        listing = admin.get(f"{BASE}?year={YEAR}&ordering=version").json()
    assert [(r["version"], r["is_latest"]) for r in listing["results"]] == [(1, False), (2, True)]
    assert admin.get(f"{BASE}?is_latest=true").json()["count"] == 1
    detail = admin.get(f"{BASE}{body['id']}/").json()
    assert detail["values"]["support_received"]["value"] == 150_000_000 and detail["details"]["revenue"]


def test_nobody_else_sees_drafts_or_reports(
    cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser
) -> None:
    with schema_context(cluster_a.schema_name):
        company = f.member("Своя")
        f.healthy_cluster(YEAR)
        report = reporting.annual_report_submit(
            actor=f.system(cluster_a),
            cluster=cluster_a,
            year=YEAR,
            entered_values=f.ENTERED,
            comments="Альфа",
        )
        reporting.annual_report_draft_save(
            actor=f.system(cluster_a),
            cluster=cluster_a,
            year=2026,
            entered_values={"highlights": "секретный черновик"},
        )
    urls = [BASE, f"{BASE}{report.pk}/", f"{BASE}drafts/", f"{BASE}drafts/{YEAR}/"]
    for url in urls:  # anonymous
        assert client_for(cluster_a).get(url).status_code in (401, 403), url
    assert client_for(cluster_a).post(BASE, {"year": YEAR}).status_code in (401, 403)
    rep = api_client(
        token_for(make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=company.pk), cluster_a),
        cluster_a,
    )
    for url in urls:
        response = rep.get(url)
        assert response.status_code == 403 and response.json()["detail"], url
    staff = api_client(token_for(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a), cluster_a)
    assert staff.get(f"{BASE}drafts/2026/").json()["figures"]
    assert (
        staff.put(f"{BASE}drafts/2026/", {"entered_values": {}}, content_type="application/json").status_code
        == 403
    )
    assert (
        staff.post(
            BASE, {"year": YEAR, "correction_reason": "x"}, content_type="application/json"
        ).status_code
        == 403
    )
    beta_token = token_for(make_user(ROLE.CLUSTER_ADMIN, cluster_b), cluster_b)
    beta_here = api_client(beta_token, cluster_a)  # a token of beta's admin on alpha's host
    for url in urls:
        assert beta_here.get(url).status_code == 403, url
    beta = api_client(beta_token, cluster_b)
    assert beta.get(f"{BASE}{report.pk}/").status_code == 404
    assert beta.get(BASE).json()["count"] == 0
    assert "секретный черновик" not in beta.get(f"{BASE}drafts/2026/").content.decode()
    assert api_client(beta_token, None).get(BASE).status_code == 404  # not on the public host
    assert AnnualReport.objects.filter(cluster=cluster_a).count() == 1
    with schema_context(cluster_b.schema_name):
        assert not AnnualReportDraft.objects.exists()


def test_unknown_year_and_future_year_are_refused(cluster_a: Cluster, make_user: MakeUser) -> None:
    admin = api_client(token_for(make_user(ROLE.CLUSTER_ADMIN, cluster_a), cluster_a), cluster_a)
    assert admin.get(f"{BASE}drafts/2019/").status_code == 404
    response = admin.post(BASE, {"year": 2030}, content_type="application/json")
    assert response.status_code == 400 and "year" in response.json()["errors"]
