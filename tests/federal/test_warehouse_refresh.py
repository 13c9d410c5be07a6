"""The warehouse: live snapshots refreshed from a cluster's own data by tenant-aware tasks, refresh on
submission and on schedule, and the rebuild command."""

from __future__ import annotations

import datetime as dt
import io
from typing import TYPE_CHECKING

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_tenants.utils import schema_context
from pytest_django import DjangoCaptureOnCommitCallbacks

from core.audit.services import Actor
from core.federal.compute import LiveMetrics
from core.federal.models import ClusterSnapshot, RegistryCheckResult, ReportFact
from core.federal.tasks import warehouse_refresh_all, warehouse_refresh_cluster
from tenants.members.models import Company
from tenants.models import Cluster
from tenants.reporting import services as reporting
from tenants.roadmap.models import Item, Roadmap, Section
from tests.conftest import ROLE, InCluster, MakeUser, tenant_connection

from . import factories as f
from . import warehouse_rows as w

if TYPE_CHECKING:
    from billing.models import Invoice

pytestmark = pytest.mark.django_db


def _this_year(cluster: Cluster) -> int:
    return timezone.localtime(timezone.now(), cluster.tzinfo).year


def _roadmap(year: int, statuses: list[str]) -> None:
    plan = Roadmap.objects.create(
        title="Дорожная карта", period_start=dt.date(year, 1, 1), period_end=dt.date(year, 12, 31)
    )
    part = Section.objects.create(roadmap=plan, number="1.", title="Раздел", position=1)
    for n, status in enumerate(statuses, start=1):
        Item.objects.create(
            roadmap=plan, section=part, number=f"1.{n}.", position=n, title=f"Мероприятие {n}", status=status
        )


def _invoice(cluster: Cluster, company: Company, amount: int, paid: int, status: str = "open") -> Invoice:
    from billing.models import Invoice

    today = timezone.localdate()
    return Invoice.objects.create(
        cluster=cluster,
        number=f"{today.year}-{company.pk:04d}{amount}"[:20],
        company_id=company.pk,
        company_name=company.short_name,
        issue_date=today,
        due_date=today,
        amount_kopecks=amount,
        paid_kopecks=paid,
        status=status,
        source_key=f"test:{company.pk}:{amount}",
    )


def test_refresh_fills_the_snapshot_from_the_clusters_data(cluster_a: Cluster) -> None:
    year = _this_year(cluster_a)
    with schema_context(cluster_a.schema_name):
        firms = [f.member() for _ in range(3)]
        f.member("Университет", kind=Company.Kind.UNIVERSITY)
        f.member("Соискатель", status=Company.Status.APPLIED)  # not a member: not counted
        _roadmap(year, [Item.Status.DONE, Item.Status.DONE, Item.Status.PLANNED, Item.Status.CANCELLED])
        _invoice(cluster_a, firms[0], 100_000_00, 100_000_00, "paid")
        _invoice(cluster_a, firms[1], 50_000_00, 10_000_00, "partially_paid")
        _invoice(cluster_a, firms[2], 70_000_00, 0, "void")  # a void invoice is not owed
        result = warehouse_refresh_cluster.delay(reason="test").get()
    assert result["refreshed"] and result["schema"] == "alpha"
    snap = ClusterSnapshot.objects.get(cluster=cluster_a)
    assert snap.member_count == 4 and snap.members_by_kind == {"company": 3, "university": 1}
    assert (snap.dues_invoiced_kopecks, snap.dues_paid_kopecks) == (150_000_00, 110_000_00)
    assert (snap.roadmap_items_total, snap.roadmap_items_done) == (3, 2)
    live = RegistryCheckResult.objects.filter(cluster=cluster_a, report__isnull=True)
    assert live.count() == 4 and live.get(code="participants_min").status == "fail"

    with schema_context(cluster_a.schema_name):  # a change, then the same task again
        Company.objects.filter(short_name="Соискатель").update(status=Company.Status.ACTIVE)
        warehouse_refresh_cluster.delay(reason="test").get()
        warehouse_refresh_cluster.delay(reason="test again").get()  # idempotent
    snap.refresh_from_db()
    assert snap.member_count == 5 and snap.members_by_kind == {"company": 4, "university": 1}
    assert ClusterSnapshot.objects.filter(cluster=cluster_a).count() == 1
    assert RegistryCheckResult.objects.filter(cluster=cluster_a, report__isnull=True).count() == 4


def test_refresh_queued_in_the_public_schema_touches_nothing(cluster_a: Cluster) -> None:
    tenant_connection.set_schema_to_public()
    result = warehouse_refresh_cluster.delay(reason="public").get()
    assert result == {"reason": "public", "refreshed": False, "schema": "public"}
    assert not ClusterSnapshot.objects.exists()


def test_scheduled_refresh_runs_one_task_per_cluster_in_its_schema(
    cluster_a: Cluster, cluster_b: Cluster
) -> None:
    with schema_context(cluster_b.schema_name):
        f.member()
    assert warehouse_refresh_all.delay().get() >= 2
    assert ClusterSnapshot.objects.get(cluster=cluster_a).member_count == 0
    assert ClusterSnapshot.objects.get(cluster=cluster_b).member_count == 1


def test_a_submission_refreshes_the_warehouse_after_commit(
    cluster_a: Cluster,
    make_user: MakeUser,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    admin = make_user(ROLE.CLUSTER_ADMIN, cluster_a)
    year = _this_year(cluster_a) - 1
    with schema_context(cluster_a.schema_name):
        f.healthy_cluster(year, members=11)
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            reporting.annual_report_submit(
                actor=Actor(user=admin, cluster=cluster_a),
                cluster=cluster_a,
                year=year,
                entered_values=f.ENTERED,
                comments="",
            )
    assert callbacks  # the refresh was queued after commit, and ran (eager Celery)
    assert ClusterSnapshot.objects.get(cluster=cluster_a).member_count == 11
    assert ReportFact.objects.filter(cluster=cluster_a, year=year, code="members_total").get().value == 11


def test_rebuild_recomputes_snapshots_and_facts(cluster_a: Cluster, cluster_b: Cluster) -> None:
    with schema_context(cluster_a.schema_name):
        f.member()
        f.member()
    w.standard(cluster_a, 2025, revenue=42_000_00)
    facts_before = sorted(ReportFact.objects.values_list("report_id", "code", "value"))
    ReportFact.objects.all().delete()
    ClusterSnapshot.objects.all().delete()

    out = io.StringIO()
    call_command("warehouse_rebuild", stdout=out)
    text = out.getvalue()
    assert "Кластеров пересчитано: 2" in text and "показателей:" in text and " с;" in text
    assert sorted(ReportFact.objects.values_list("report_id", "code", "value")) == facts_before
    assert ClusterSnapshot.objects.get(cluster=cluster_a).member_count == 2
    assert ClusterSnapshot.objects.get(cluster=cluster_b).member_count == 0

    call_command("warehouse_rebuild", "beta", "--no-facts", stdout=io.StringIO())
    with pytest.raises(CommandError, match="nosuch"):
        call_command("warehouse_rebuild", "nosuch", stdout=io.StringIO())


def test_rebuild_goes_on_when_one_cluster_fails(
    cluster_a: Cluster, cluster_b: Cluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    from core.federal import compute

    real = compute.live_metrics

    def broken(*, cluster: Cluster) -> LiveMetrics:
        if cluster.schema_name == "alpha":
            raise RuntimeError("сбой")
        return real(cluster=cluster)

    monkeypatch.setattr(compute, "live_metrics", broken)
    err = io.StringIO()
    with pytest.raises(CommandError, match="Не удалось пересчитать кластеров: 1"):
        call_command("warehouse_rebuild", "--no-facts", stdout=io.StringIO(), stderr=err)
    assert "alpha" in err.getvalue() and ClusterSnapshot.objects.filter(cluster=cluster_b).exists()


def test_a_change_in_members_or_roadmap_queues_one_refresh_per_transaction(
    cluster_a: Cluster,
    in_cluster: InCluster,
    make_user: MakeUser,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    from core.accounts.models import Grant
    from core.audit.services import Actor
    from core.federal.models import ClusterSnapshot
    from tenants.roadmap import services as roadmap_services
    from tenants.roadmap.demo import SEED_001

    admin = make_user(Grant.Role.CLUSTER_ADMIN, cluster_a)
    actor = Actor(user=admin, cluster=cluster_a)
    with in_cluster(cluster_a), django_capture_on_commit_callbacks(execute=True) as callbacks:
        roadmap = roadmap_services.roadmap_import_file(
            actor=actor, data=SEED_001.read_bytes(), filename="s.txt"
        )
        for item in roadmap.items.filter(status="planned")[:3]:
            roadmap_services.item_update(actor=actor, item=item, status="cancelled")
    refreshes = [c for c in callbacks if "warehouse_refresh_cluster" in repr(c)]
    assert len(refreshes) == 1, callbacks
    assert ClusterSnapshot.objects.filter(cluster=cluster_a).exists()  # the one refresh ran at commit
