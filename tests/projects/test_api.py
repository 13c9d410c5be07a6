"""API of joint projects: scoping (other cluster 404, no role 403, anonymous 401, another company's
representative 404) and the rules' Russian errors."""

from __future__ import annotations

import datetime as dt

from django_tenants.utils import schema_context

from core.audit.services import Actor
from tenants.projects import services
from tenants.projects.models import JointProject
from tests.conftest import ROLE, api_client, client_for, token_for

from .factories import member, project


def _setup(cluster):  # type: ignore[no-untyped-def]
    with schema_context(cluster.schema_name):
        lead, other, outsider = member("Лид"), member("Другой"), member("Посторонний")
        p = project(cluster, lead, other, title="Катетеры")
        hidden = project(cluster, other, title="Без лида")
        app = services.support_create(
            project=p,
            company=lead,
            actor=Actor.system(cluster),
            measure="decree_41",
            amount_requested_kopecks=100_00,
            submitted_on=dt.date(2024, 2, 1),
        )
    return lead, other, outsider, p, hidden, app


def test_manager_creates_and_lists(cluster_a, make_user, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    lead, other, _outsider, p, _hidden, _app = _setup(cluster_a)
    staff = api_client(token_for(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a), cluster_a)
    response = staff.post(
        "/api/v1/projects/",
        {
            "title": "Новый",
            "kind": "joint_rnd",
            "period_start": "2024-01-01",
            "period_end": "2025-12-31",
            "participants": [{"company": lead.pk, "role": "lead"}, {"company": other.pk, "role": "supplier"}],
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert [x["role"] for x in response.json()["participants"]] == ["lead", "supplier"]
    with django_assert_max_num_queries(15):
        body = staff.get("/api/v1/projects/?search=Катетеры").json()
    assert [r["title"] for r in body["results"]] == ["Катетеры"]
    bad = staff.post(
        "/api/v1/projects/",
        {
            "title": "Плохой",
            "kind": "joint_rnd",
            "period_start": "2024-01-01",
            "period_end": "2025-12-31",
            "participants": [{"company": lead.pk, "role": "lead"}],
            "contract_ids": [987654],
        },
        content_type="application/json",
    )
    assert bad.status_code == 400 and "нет в этом кластере" in bad.json()["errors"]["contracts"][0]


def test_representative_sees_only_its_projects(cluster_a, make_user) -> None:  # type: ignore[no-untyped-def]
    lead, _other, outsider, p, hidden, app = _setup(cluster_a)
    rep = api_client(
        token_for(make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=lead.pk), cluster_a), cluster_a
    )
    assert [r["id"] for r in rep.get("/api/v1/projects/").json()["results"]] == [p.pk]
    assert rep.get(f"/api/v1/projects/{hidden.pk}/").status_code == 404
    assert rep.get(f"/api/v1/projects/{hidden.pk}/indicators/").status_code == 404
    assert [r["id"] for r in rep.get("/api/v1/support-applications/").json()["results"]] == [app.pk]
    created = rep.post(
        f"/api/v1/projects/{p.pk}/indicators/",
        {"year": 2025, "kind": "new_jobs", "planned": 10, "actual": 7},
        content_type="application/json",
    )
    assert created.status_code == 201 and created.json()["shortfall_percent"] == 30.0
    assert rep.post("/api/v1/projects/", {}, content_type="application/json").status_code == 403
    stranger = api_client(
        token_for(make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=outsider.pk), cluster_a),
        cluster_a,
    )
    assert stranger.get("/api/v1/projects/").json()["count"] == 0
    assert stranger.get(f"/api/v1/projects/{p.pk}/").status_code == 404
    assert stranger.get(f"/api/v1/support-applications/{app.pk}/").status_code == 404


def test_other_cluster_no_role_anonymous(cluster_a, cluster_b, make_user) -> None:  # type: ignore[no-untyped-def]
    _lead, _other, _outsider, p, _hidden, app = _setup(cluster_a)
    foreign = api_client(token_for(make_user(ROLE.CLUSTER_ADMIN, cluster_b), cluster_b), cluster_a)
    for url in ("/api/v1/projects/", f"/api/v1/projects/{p.pk}/indicators/", "/api/v1/support-applications/"):
        assert foreign.get(url).status_code in (401, 403)
    beta_admin = api_client(token_for(make_user(ROLE.CLUSTER_ADMIN, cluster_b), cluster_b), cluster_b)
    assert beta_admin.get(f"/api/v1/projects/{p.pk}/").status_code == 404
    assert beta_admin.get(f"/api/v1/support-applications/{app.pk}/").status_code == 404
    nobody = api_client(token_for(make_user(None), None), cluster_a)
    assert nobody.get("/api/v1/projects/").status_code in (401, 403)
    anonymous = client_for(cluster_a)
    for url in ("/api/v1/projects/", f"/api/v1/projects/{p.pk}/indicators/", "/api/v1/support-applications/"):
        assert anonymous.get(url).status_code == 401
    with schema_context(cluster_a.schema_name):
        assert JointProject.objects.count() == 2


def test_tranche_over_grant_is_400(cluster_a, make_user) -> None:  # type: ignore[no-untyped-def]
    _lead, _other, _outsider, _p, _hidden, app = _setup(cluster_a)
    staff = api_client(token_for(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a), cluster_a)
    ok = staff.post(
        f"/api/v1/support-applications/{app.pk}/decision/",
        {"decision": "granted", "decided_on": "2024-03-01", "amount_granted_kopecks": 90_00},
        content_type="application/json",
    )
    assert ok.status_code == 200, ok.content
    over = staff.post(
        f"/api/v1/support-applications/{app.pk}/tranches/",
        {"received_on": "2024-04-01", "amount_kopecks": 91_00},
        content_type="application/json",
    )
    assert over.status_code == 400 and "больше предоставленных" in over.json()["errors"]["amount_kopecks"][0]
    assert staff.get(f"/api/v1/support-applications/{app.pk}/").json()["tranches"] == []
