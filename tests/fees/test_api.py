"""/api/v1/fee-schedules/ and /api/v1/assessments/: managers only, nothing across clusters,
Russian errors, a run started over the API is idempotent, bounded queries."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django_tenants.utils import schema_context
from pytest_django import DjangoAssertNumQueries, DjangoCaptureOnCommitCallbacks

from billing.models import Invoice
from tenants.fees.models import AssessmentRun, FeeSchedule
from tenants.governance.models import Decision
from tenants.models import Cluster
from tests.conftest import ROLE, MakeUser, api_client, client_for, token_for

from . import factories as f

pytestmark = pytest.mark.django_db

JSON = "application/json"


def _api(make_user: MakeUser, cluster: Cluster, role: str = ROLE.CLUSTER_STAFF, **kwargs: Any) -> Client:
    user = make_user(role, cluster, **kwargs)
    return api_client(token_for(user, cluster), cluster)


def test_anonymous_other_clusters_representatives_and_no_role_are_refused(
    cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser
) -> None:
    with schema_context(cluster_a.schema_name):
        schedule = f.schedule(cluster_a)
        company = f.member(cluster_a, "Представляемая")
        decision = f.fee_decision()
    beta_admin = make_user(ROLE.CLUSTER_ADMIN, cluster_b)
    other_cluster = api_client(token_for(beta_admin, cluster_b), cluster_a)
    rep = _api(make_user, cluster_a, ROLE.MEMBER_REPRESENTATIVE, company_id=company.pk)
    no_role = api_client(token_for(make_user(None), None), cluster_a)
    urls = [
        "/api/v1/fee-schedules/",
        f"/api/v1/fee-schedules/{schedule.pk}/",
        "/api/v1/assessments/",
        "/api/v1/assessments/1/",
    ]
    for url in urls:
        assert client_for(cluster_a).get(url).status_code == 401, url
        for client in (other_cluster, rep, no_role):
            denied = client.get(url)
            assert denied.status_code == 403, url
            assert denied.json()["detail"] == "У вас нет прав на это действие в этом кластере."
    body = {"name": "Чужое положение", "decision": decision.pk, "effective_from": "2025-01-01"}
    for client in (client_for(cluster_a), other_cluster, rep, no_role):
        assert client.post("/api/v1/fee-schedules/", body, content_type=JSON).status_code in (401, 403)
        assert client.post("/api/v1/assessments/", {"period": "2025"}, content_type=JSON).status_code in (
            401,
            403,
        )
        assert client.patch(
            f"/api/v1/fee-schedules/{schedule.pk}/", {"amount_kopecks": 1}, content_type=JSON
        ).status_code in (401, 403)
        assert client.delete(f"/api/v1/fee-schedules/{schedule.pk}/").status_code in (401, 403)
    with schema_context(cluster_a.schema_name):
        assert FeeSchedule.objects.count() == 1 and not AssessmentRun.objects.exists()
        assert FeeSchedule.objects.get().amount_kopecks == 120_000_00
    # beta's own staff see beta's (empty) schedules, never alpha's
    beta = api_client(token_for(beta_admin, cluster_b), cluster_b)
    assert beta.get("/api/v1/fee-schedules/").json()["count"] == 0
    assert beta.get(f"/api/v1/fee-schedules/{schedule.pk}/").status_code == 404


def test_staff_create_change_and_delete_a_schedule(cluster_a: Cluster, make_user: MakeUser) -> None:
    staff = _api(make_user, cluster_a)
    with schema_context(cluster_a.schema_name):
        decision = f.fee_decision()
        not_fees = f.fee_decision(kind=Decision.Kind.OTHER)
    body = {
        "name": "Положение о взносах",
        "decision": decision.pk,
        "effective_from": "2025-01-01",
        "period": "quarter",
        "amount_kopecks": 3_000_000,
        "tier_basis": "revenue",
        "tiers": [
            {"lower_bound": 0, "amount_kopecks": 2_000_000},
            {"lower_bound": 10_000_000_000, "amount_kopecks": 5_000_000},
        ],
        "due_month": 1,
        "due_day": 25,
        "grace_days": 5,
        "proration": "daily",
        "entrance_fee_kopecks": 1_000_000,
    }
    refused = staff.post("/api/v1/fee-schedules/", {**body, "decision": not_fees.pk}, content_type=JSON)
    assert refused.status_code == 400
    assert refused.json()["errors"]["decision"] == ["Это не решение об установлении взносов."]
    quarter = staff.post("/api/v1/fee-schedules/", {**body, "due_month": 5}, content_type=JSON)
    assert quarter.json()["errors"]["due_month"] == [
        "В квартале три месяца: укажите месяц периода от 1 до 3."
    ]
    created = staff.post("/api/v1/fee-schedules/", body, content_type=JSON)
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["tiers"] == body["tiers"] and data["decision"]["id"] == decision.pk
    assert (data["period_display"], data["proration_display"]) == ("Квартал", "Пропорционально дням членства")
    changed = staff.patch(
        f"/api/v1/fee-schedules/{data['id']}/",
        {"tier_basis": "none", "amount_kopecks": 4_000_000},
        content_type=JSON,
    )
    assert changed.status_code == 200 and changed.json()["tiers"] == []
    listed = staff.get("/api/v1/fee-schedules/?search=Положение").json()
    assert listed["count"] == 1 and listed["results"][0]["amount_kopecks"] == 4_000_000
    assert staff.delete(f"/api/v1/fee-schedules/{data['id']}/").status_code == 204
    assert staff.get("/api/v1/fee-schedules/").json()["count"] == 0


def test_start_an_assessment_over_the_api_twice(
    cluster_a: Cluster,
    make_user: MakeUser,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    staff = _api(make_user, cluster_a)
    with schema_context(cluster_a.schema_name):
        schedule = f.schedule(cluster_a, effective_from=dt.date(2020, 1, 1))
        for name in ("Один", "Два", "Три"):
            f.member(cluster_a, name)
    with django_capture_on_commit_callbacks(execute=True):
        first = staff.post("/api/v1/assessments/", {"period": "2024"}, content_type=JSON)
    assert first.status_code == 202, first.content
    run = staff.get(f"/api/v1/assessments/{first.json()['id']}/").json()
    assert (run["status"], run["created_count"], run["percent"], run["finished"]) == ("done", 3, 100, True)
    assert run["schedule"] == schedule.pk  # the schedule in force today was taken
    with django_capture_on_commit_callbacks(execute=True):
        second = staff.post(
            "/api/v1/assessments/", {"period": "2024", "schedule": schedule.pk}, content_type=JSON
        )
    again = staff.get(f"/api/v1/assessments/{second.json()['id']}/").json()
    assert (again["created_count"], again["existing_count"]) == (0, 3)
    assert Invoice.objects.filter(cluster=cluster_a).count() == 3
    bad = staff.post("/api/v1/assessments/", {"period": "2024-Q9"}, content_type=JSON)
    assert bad.status_code == 400 and "period" in bad.json()["errors"]
    assert staff.get("/api/v1/assessments/999999/").json()["detail"] == "Нет такого начисления."
    listed = staff.get("/api/v1/assessments/?period=2024&ordering=created_at").json()
    assert [r["id"] for r in listed["results"]] == [first.json()["id"], second.json()["id"]]
    with django_assert_max_num_queries(8):
        staff.get("/api/v1/assessments/")
    with django_assert_max_num_queries(8):
        staff.get("/api/v1/fee-schedules/")


def test_no_schedule_in_force_is_a_clear_error(cluster_a: Cluster, make_user: MakeUser) -> None:
    staff = _api(make_user, cluster_a)
    response = staff.post("/api/v1/assessments/", {"period": "2025"}, content_type=JSON)
    assert response.status_code == 400
    assert response.json()["errors"]["schedule"] == [
        "Нет действующего положения о взносах: укажите положение."
    ]
