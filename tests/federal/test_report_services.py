"""Annual report: computed figures, submission as an immutable snapshot, versions, corrections."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django_tenants.utils import schema_context
from pytest_django import DjangoAssertNumQueries, DjangoCaptureOnCommitCallbacks

from core.audit.models import AuditEntry
from core.audit.services import Actor
from core.federal.compute import annual_report_compute
from core.federal.models import AnnualReport, RegistryCheckResult, ReportFact
from tenants.members.models import KpiReport
from tenants.models import Cluster
from tenants.reporting import services as reporting
from tenants.reporting.selectors import annual_report_draft_get
from tests.conftest import ROLE, MakeUser, tenant_connection

from . import factories as f

pytestmark = pytest.mark.django_db
YEAR = 2025


def test_compute_sums_accepted_kpis_only_with_rows_behind(cluster_a: Cluster) -> None:
    with schema_context(cluster_a.schema_name):
        a, b, c = f.member("Альфа-Мед"), f.member("Бета-Мед"), f.member("Гамма-Мед")
        f.kpi(a, YEAR, revenue=1_000_00, employees=5)
        f.kpi(b, YEAR, revenue=2_500_00, employees=7)
        f.kpi(c, YEAR, revenue=9_999_00, status=KpiReport.Status.SUBMITTED)  # not accepted: left out
        report = annual_report_compute(cluster=cluster_a, year=YEAR, entered_values={})
    revenue = f.figure_of(report, "revenue")
    assert revenue.value == 3_500_00
    assert revenue.display == "3 500,00 ₽"
    assert [r.label for r in revenue.rows] == ["Альфа-Мед", "Бета-Мед"]
    assert f.figure_of(report, "employees").value == 12
    assert f.figure_of(report, "members_total").value == 3
    assert f.figure_of(report, "roadmap_completion").value is None  # no roadmap: «нет данных»
    assert "нет" in f.figure_of(report, "roadmap_completion").note
    assert report.errors == {}  # support received comes from the (absent) tranches: 0 ₽
    assert f.figure_of(report, "support_received").display == "0,00 ₽"


def test_compute_runs_a_constant_number_of_queries(
    cluster_a: Cluster,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    with schema_context(cluster_a.schema_name):
        f.healthy_cluster(YEAR, members=12)
        with django_assert_max_num_queries(25):
            annual_report_compute(cluster=cluster_a, year=YEAR, entered_values=f.ENTERED)
        f.healthy_cluster(YEAR, members=30)
        with django_assert_max_num_queries(25):
            annual_report_compute(cluster=cluster_a, year=YEAR, entered_values=f.ENTERED)


def test_submitted_report_does_not_change_when_kpis_change_but_a_new_version_does(
    cluster_a: Cluster,
    make_user: MakeUser,
) -> None:
    admin = make_user(ROLE.CLUSTER_ADMIN, cluster_a)
    with schema_context(cluster_a.schema_name):
        companies = f.healthy_cluster(YEAR)
        actor = Actor(user=admin, cluster=cluster_a)
        first = reporting.annual_report_submit(
            actor=actor, cluster=cluster_a, year=YEAR, entered_values=f.ENTERED, comments="Первая версия"
        )
        kpi = KpiReport.objects.get(company=companies[0], year=YEAR)
        KpiReport.objects.filter(pk=kpi.pk).update(revenue=kpi.revenue + 50_000_00)
        first.refresh_from_db()
        assert first.values["revenue"]["value"] == 10 * 100_000_00
        assert ReportFact.objects.get(report=first, code="revenue").value == Decimal(10 * 100_000_00)
        with pytest.raises(ValidationError) as missing:
            reporting.annual_report_submit(
                actor=actor, cluster=cluster_a, year=YEAR, entered_values=f.ENTERED, comments=""
            )
        assert "причину исправления" in str(missing.value)
        second = reporting.annual_report_submit(
            actor=actor,
            cluster=cluster_a,
            year=YEAR,
            entered_values=f.ENTERED,
            comments="",
            correction_reason="Уточнена выручка участника",
        )
    first.refresh_from_db()
    assert (second.version, second.is_latest, first.is_latest) == (2, True, False)
    assert second.values["revenue"]["value"] == 10 * 100_000_00 + 50_000_00
    assert first.values["revenue"]["value"] == 10 * 100_000_00
    latest = ReportFact.objects.filter(cluster=cluster_a, year=YEAR, code="revenue", is_latest=True)
    assert [fact.report_id for fact in latest] == [second.pk]
    assert RegistryCheckResult.objects.filter(report=second).count() == 4
    assert AuditEntry.objects.filter(action="annual_report.correct", object_id=str(second.pk)).exists()


def test_snapshot_row_cannot_be_updated_and_only_one_version_is_latest(cluster_a: Cluster) -> None:
    with schema_context(cluster_a.schema_name):
        f.healthy_cluster(YEAR)
        report = reporting.annual_report_submit(
            actor=f.system(cluster_a), cluster=cluster_a, year=YEAR, entered_values=f.ENTERED, comments=""
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        AnnualReport.objects.filter(pk=report.pk).update(comments="подправлено задним числом")
    with pytest.raises(IntegrityError), transaction.atomic():
        AnnualReport.objects.create(
            cluster=cluster_a,
            year=YEAR,
            version=9,
            form=report.form,
            correction_reason="ещё одна последняя",
            submitted_at=report.submitted_at,
            is_latest=True,
        )
    AnnualReport.objects.filter(pk=report.pk).update(is_latest=False)  # the one change allowed
    with pytest.raises(IntegrityError), transaction.atomic():
        AnnualReport.objects.filter(pk=report.pk).update(is_latest=True)


def test_only_the_clusters_admin_submits(cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser) -> None:
    staff = make_user(ROLE.CLUSTER_STAFF, cluster_a)
    other_admin = make_user(ROLE.CLUSTER_ADMIN, cluster_b)
    with schema_context(cluster_a.schema_name):
        f.healthy_cluster(YEAR)
        for actor in (
            Actor(user=staff, cluster=cluster_a),
            Actor(user=other_admin, cluster=cluster_b),
            Actor(user=other_admin, cluster=cluster_a),
        ):
            with pytest.raises(PermissionDenied):
                reporting.annual_report_submit(
                    actor=actor, cluster=cluster_a, year=YEAR, entered_values=f.ENTERED, comments=""
                )
    assert not AnnualReport.objects.filter(cluster=cluster_a).exists()


def test_invalid_entered_values_are_refused_with_the_indicator(
    cluster_a: Cluster, make_user: MakeUser
) -> None:
    admin = make_user(ROLE.CLUSTER_ADMIN, cluster_a)
    actor = Actor(user=admin, cluster=cluster_a)
    with schema_context(cluster_a.schema_name):
        with pytest.raises(ValidationError) as bad:
            reporting.annual_report_draft_save(
                actor=actor,
                cluster=cluster_a,
                year=YEAR,
                entered_values={"support_received": "много", "participants_special_territory": "-3"},
            )
        assert set(bad.value.message_dict) == {"support_received", "participants_special_territory"}
        draft = reporting.annual_report_draft_save(
            actor=actor,
            cluster=cluster_a,
            year=YEAR,
            entered_values={"support_received": "1500000,5"},
            indicator_comments={"support_received": "Субсидия по ПП № 41"},
            comments="Черновик",
        )
        assert draft.entered_values == {"support_received": "1 500 000,50"}
        saved = annual_report_draft_get(year=YEAR)
        assert saved is not None
        assert saved.indicator_comments == {"support_received": "Субсидия по ПП № 41"}
        with pytest.raises(ValidationError) as no_form:
            reporting.annual_report_draft_save(actor=actor, cluster=cluster_a, year=2019, entered_values={})
        assert "не опубликована" in str(no_form.value)
    assert tenant_connection.schema_name == "public"


def test_submission_queues_the_warehouse_refresh_after_commit(
    cluster_a: Cluster,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    queued: list[tuple[str, str]] = []
    monkeypatch.setattr(
        "core.federal.tasks.warehouse_refresh_cluster.apply_async",
        lambda args=None, kwargs=None, **options: queued.append(
            (options["headers"]["_schema_name"], kwargs["reason"])
        ),
    )
    with schema_context(cluster_a.schema_name):
        f.healthy_cluster(YEAR)
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            reporting.annual_report_submit(
                actor=f.system(cluster_a), cluster=cluster_a, year=YEAR, entered_values=f.ENTERED, comments=""
            )
        assert queued == []  # nothing before commit
        for callback in callbacks:
            callback()
    assert queued == [("alpha", "report_submitted")]
