"""The metrics provider and the annual report: «support received» from tranches, with drill-down."""

from __future__ import annotations

import datetime as dt

from django_tenants.utils import schema_context

from core.audit.services import Actor
from core.federal.compute import annual_report_compute
from core.federal.services import form_ensure_year
from tenants.models import Cluster
from tenants.projects import services
from tenants.projects.demo import demo_projects
from tenants.projects.metrics import federal_metrics
from tenants.projects.models import JointProject, ProjectIndicator, SupportApplication

from .factories import member, project


def _supported(cluster: Cluster) -> tuple[JointProject, ProjectIndicator]:
    system = Actor.system(cluster)
    lead = member("Лид")
    p = project(cluster, lead, member())
    app = services.support_create(
        project=p,
        company=lead,
        actor=system,
        measure="decree_41",
        amount_requested_kopecks=10_000_00,
        submitted_on=dt.date(2024, 2, 1),
    )
    services.support_decide(
        application=app,
        actor=system,
        decision="granted",
        decided_on=dt.date(2024, 3, 1),
        amount_granted_kopecks=9_000_00,
    )
    services.tranche_add(
        application=app, actor=system, received_on=dt.date(2025, 4, 1), amount_kopecks=3_000_00
    )
    services.tranche_add(
        application=app, actor=system, received_on=dt.date(2024, 4, 1), amount_kopecks=1_000_00
    )
    ind = services.indicator_create(
        project=p, actor=system, year=2025, kind="output_volume", planned=1_000_00, actual=600_00
    )
    return p, ind


def test_provider_figures(cluster_a: Cluster) -> None:
    with schema_context(cluster_a.schema_name):
        p, ind = _supported(cluster_a)
        metrics = federal_metrics(cluster=cluster_a, year=2025)
        support = metrics.sources["support_received"]()
        assert support.value == 3_000_00
        assert [r.as_json()["received_on"] for r in support.rows] == ["2025-04-01"]
        assert metrics.sources["projects_total"]().value == 1
        short = metrics.sources["project_indicator_shortfalls"]()
        assert short.value == 1 and short.rows[0].value == "40.0"
        assert metrics.live is not None
        live = metrics.live()
        assert live["projects_total"] == 1 and live["project_shortfalls_by_year"] == {"2025": 1}


def test_annual_report_support_drills_down_and_override_needs_reason(cluster_a: Cluster) -> None:
    form_ensure_year(actor=Actor.system(), year=2025)
    with schema_context(cluster_a.schema_name):
        _supported(cluster_a)
        report = annual_report_compute(cluster=cluster_a, year=2025)
        figure = report.figure("support_received")
        assert figure is not None and figure.value == 3_000_00 and figure.display == "3 000,00 ₽"
        assert figure.rows[0].extra["measure"] == "decree_41"
        typed = annual_report_compute(
            cluster=cluster_a, year=2025, entered_values={"support_received": "5 000,00"}
        )
        assert "причин" in typed.errors["support_received"]
        with_reason = annual_report_compute(
            cluster=cluster_a,
            year=2025,
            entered_values={"support_received": "5 000,00"},
            indicator_comments={"support_received": "Переходный год"},
        )
        overridden = with_reason.figure("support_received")
        assert overridden is not None and overridden.value == 5_000_00 and "Переходный год" in overridden.note
        assert len(overridden.rows) == 1 and "support_received" not in with_reason.errors


def test_demo_hook_makes_projects_with_subsidy_and_shortfall(cluster_a: Cluster) -> None:
    with schema_context(cluster_a.schema_name):
        for n in range(4):
            member(f"Демо {n}")
        demo_projects(cluster_a, tz="Europe/Moscow")
        demo_projects(cluster_a, tz="Europe/Moscow")  # again: nothing duplicated
        assert 2 <= JointProject.objects.count() <= 4
        assert SupportApplication.objects.filter(measure="decree_41", decision="granted").count() == 1
        metrics = federal_metrics(cluster=cluster_a, year=2025)
        assert metrics.sources["support_received"]().value == 35_000_000_00
        shortfalls = metrics.sources["project_indicator_shortfalls"]().value
        assert shortfalls is not None and shortfalls >= 1
