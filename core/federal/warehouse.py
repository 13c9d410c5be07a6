"""The federal warehouse: public-schema rows the ministry dashboards read, and how they are filled.

Two kinds of rows:

* per cluster, live: ClusterSnapshot (members, dues, roadmap progress, joint projects and support),
  the cluster's FederalProject rows (a project each, with plan-vs-actual indicators) and the live
  registry checks (RegistryCheckResult with report=NULL). Computed INSIDE the cluster's schema by
  `cluster_refresh` (the Celery task `federal.warehouse_refresh_cluster` runs it there) and written
  to the public schema. Triggers: a report submission (core.federal.services queues the task after
  commit), the periodic `federal.warehouse_refresh_all` (beat; one task per cluster), any area that
  calls `refresh_soon()` after its own change, and the `warehouse_rebuild` command.
* per submitted report: ReportFact rows, the flat projection of AnnualReport.values that SQL can
  aggregate. Written at submission; the rebuild re-derives them from the immutable snapshots with
  the same function (core.federal.services.annual_report_facts_rebuild).

Everything here is derived data: idempotent, safe to run twice, and not audited row by row (the
rebuild command writes one audit entry per run). Dashboards never call into this module.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django_tenants.utils import get_public_schema_name, schema_context

from core.clock import cluster_today
from core.queue import enqueue, enqueue_on_commit
from tenants.models import Cluster

from .metrics import ClusterMetrics, ProjectRow
from .models import AnnualReport, ClusterSnapshot, FederalProject

REFRESH_TASK = "federal.warehouse_refresh_cluster"

logger = logging.getLogger(__name__)
SNAPSHOT_FIELDS = (
    "member_count",
    "members_by_kind",
    "dues_invoiced_kopecks",
    "dues_paid_kopecks",
    "roadmap_items_total",
    "roadmap_items_done",
)
ACTIVE_PROJECT_STATUSES = frozenset({"approved", "in_progress"})


def _current_cluster() -> Cluster | None:
    """The cluster whose schema the connection points at (None in the public schema)."""
    schema = getattr(connection, "schema_name", get_public_schema_name())
    if schema == get_public_schema_name():
        return None
    tenant = getattr(connection, "tenant", None)
    if isinstance(tenant, Cluster) and tenant.schema_name == schema:
        return tenant
    return Cluster.objects.filter(schema_name=schema).first()


@dataclass(frozen=True)
class RefreshResult:
    cluster: str
    snapshot: dict[str, Any]
    checks: dict[str, str]
    seconds: float


def cluster_refresh(*, cluster: Cluster) -> RefreshResult:
    """Recompute the cluster's live snapshot and live registry checks. Runs in the cluster's schema."""
    from . import compute, services

    if getattr(connection, "schema_name", None) != cluster.schema_name:
        raise RuntimeError(
            f"cluster_refresh({cluster.schema_name}) called in schema "
            f"{getattr(connection, 'schema_name', '?')}"
        )
    started = time.perf_counter()
    metrics = compute.live_metrics(cluster=cluster)
    values = {name: getattr(metrics, name) for name in SNAPSHOT_FIELDS}
    values["members_by_kind"] = dict(sorted((values["members_by_kind"] or {}).items()))
    projects = ClusterMetrics(cluster=cluster, year=cluster_today(cluster).year).projects()
    values.update(project_totals(projects))
    with transaction.atomic():
        ClusterSnapshot.objects.update_or_create(cluster=cluster, defaults=values)
        projects_store(cluster=cluster, projects=projects)
        checks = services.registry_checks_refresh_live(cluster=cluster)
    return RefreshResult(
        cluster=cluster.schema_name,
        snapshot=values,
        checks={c.code: c.status for c in checks},
        seconds=time.perf_counter() - started,
    )


def project_totals(projects: list[ProjectRow]) -> dict[str, int]:
    """The snapshot's project fields: how many, how many running, shortfalls, support granted and received."""
    return {
        "projects_total": len(projects),
        "projects_active": sum(1 for p in projects if p.status in ACTIVE_PROJECT_STATUSES),
        "project_shortfalls": sum(len(p.shortfalls) for p in projects),
        "support_granted_kopecks": sum(p.support_granted_kopecks for p in projects),
        "support_received_kopecks": sum(p.support_received_kopecks for p in projects),
    }


def project_row(cluster: Cluster, p: ProjectRow) -> FederalProject:
    return FederalProject(
        cluster=cluster,
        project_id=p.id,
        title=p.title[:500],
        kind=p.kind[:120],
        status=p.status[:30],
        status_label=p.status_label[:120],
        period_start=p.start,
        period_end=p.end,
        lead=p.lead[:500],
        participants=p.participants,
        budget_kopecks=p.budget_kopecks,
        budget_by_source=p.budget_by_source,
        support_requested_kopecks=p.support_requested_kopecks,
        support_granted_kopecks=p.support_granted_kopecks,
        support_received_kopecks=p.support_received_kopecks,
        support_measures=p.support_measures,
        indicators=[i.as_json() for i in p.indicators],
        shortfalls=len(p.shortfalls),
        worst_shortfall_percent=p.worst_shortfall_percent,
    )


def projects_store(*, cluster: Cluster, projects: list[ProjectRow]) -> None:
    """Replace the cluster's project rows (two statements whatever the number of projects)."""
    FederalProject.objects.filter(cluster=cluster).delete()
    FederalProject.objects.bulk_create([project_row(cluster, p) for p in projects], batch_size=500)


def cluster_refresh_current(*, reason: str = "") -> RefreshResult | None:
    """The task body: refresh the cluster the connection is in; nothing in the public schema."""
    cluster = _current_cluster()
    if cluster is None or cluster.status in {Cluster.Status.ARCHIVED, Cluster.Status.PREPARING}:
        return None
    return cluster_refresh(cluster=cluster)


def refresh_soon() -> None:
    """For any area whose change moves a live metric (members, dues, roadmap): queue a refresh of the
    current cluster after the transaction commits. Call it inside the cluster's schema."""
    if _current_cluster() is None or _refresh_already_queued(REFRESH_TASK):
        return
    # through core.queue: a broker that is down keeps the task in the outbox
    enqueue_on_commit(REFRESH_TASK, reason="changed")


def _refresh_already_queued(task_name: str) -> bool:
    """One refresh per transaction and cluster, however many rows it changes (an import of
    10,000 members queues one task). Reads the callbacks Django keeps for this transaction;
    callbacks of a rolled-back savepoint are gone from that list, so nothing is lost."""
    if not connection.in_atomic_block:
        return False
    schema = connection.schema_name  # type: ignore[attr-defined]
    for entry in connection.run_on_commit:  # (savepoint ids, callback, robust)
        func = entry[1]
        if (
            isinstance(func, functools.partial)
            and func.func is enqueue
            and func.args[:1] == (task_name,)
            and (func.keywords.get("headers") or {}).get("_schema_name") == schema
        ):
            return True
    return False


def refreshable_clusters() -> list[Cluster]:
    """Clusters whose schema exists and the ministry may see: every cluster but the archived ones
    and those still «в подготовке» (activation queues their first refresh)."""
    return list(
        Cluster.objects.exclude(status__in=[Cluster.Status.ARCHIVED, Cluster.Status.PREPARING]).order_by(
            "schema_name"
        )
    )


def refresh_all_queue(*, reason: str = "scheduled") -> int:
    """Queue one refresh task per cluster, each stamped with that cluster's schema (beat calls this)."""
    from .tasks import warehouse_refresh_cluster

    clusters = refreshable_clusters()
    for cluster in clusters:
        try:
            with schema_context(cluster.schema_name):
                warehouse_refresh_cluster.apply_async(kwargs={"reason": reason})
        except Exception:  # eager Celery runs the task here: one cluster's failure stops no other
            logger.exception("warehouse refresh of %s failed", cluster.schema_name)
    return len(clusters)


# --- rebuilding everything ------------------------------------------------------------------


@dataclass
class RebuildResult:
    clusters: int = 0
    failed: dict[str, str] = field(default_factory=dict)
    reports: int = 0
    facts: int = 0
    refresh_seconds: float = 0.0
    facts_seconds: float = 0.0
    per_cluster: list[RefreshResult] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return self.refresh_seconds + self.facts_seconds


def warehouse_rebuild(
    *,
    slugs: Iterable[str] | None = None,
    facts: bool = True,
    live: bool = True,
    progress: Callable[[str], None] | None = None,
) -> RebuildResult:
    """Recompute the warehouse from the clusters' data: each cluster's live rows in its own schema,
    then every submitted report's facts. One cluster failing does not stop the others."""
    from .services import annual_report_facts_rebuild

    connection.set_schema_to_public()  # type: ignore[attr-defined]
    wanted = set(slugs or [])
    clusters = [c for c in refreshable_clusters() if not wanted or c.schema_name in wanted]
    unknown = wanted - {c.schema_name for c in clusters}
    if unknown:
        raise ValueError(f"unknown or archived clusters: {', '.join(sorted(unknown))}")
    result = RebuildResult()
    started = time.perf_counter()
    if live:
        for index, cluster in enumerate(clusters, start=1):
            try:
                with schema_context(cluster.schema_name):
                    one = cluster_refresh(cluster=cluster)
            except Exception as exc:  # reported per cluster; the others go on
                result.failed[cluster.schema_name] = f"{type(exc).__name__}: {exc}"
                if progress:
                    progress(f"{index}/{len(clusters)} {cluster.schema_name}: FAILED {exc}")
                continue
            result.clusters += 1
            result.per_cluster.append(one)
            if progress:
                progress(f"{index}/{len(clusters)} {cluster.schema_name}: {one.seconds * 1000:.0f} ms")
    result.refresh_seconds = time.perf_counter() - started
    if facts:
        started = time.perf_counter()
        reports = AnnualReport.objects.all()
        if wanted:
            reports = reports.filter(cluster__schema_name__in=wanted)
        ids = list(reports.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), 100):  # one transaction per 100 reports, not one per report
            with transaction.atomic():
                for report in AnnualReport.objects.filter(pk__in=ids[start : start + 100]).order_by("pk"):
                    result.facts += annual_report_facts_rebuild(report=report)
                    result.reports += 1
        result.facts_seconds = time.perf_counter() - started
    return result


def demo_refresh(clusters: list[Cluster]) -> None:
    """Demo hook (PLATFORM_DEMOS, keep it last): the warehouse reflects every demo cluster's members,
    dues and roadmap at once, without waiting for the beat. Idempotent."""
    for cluster in clusters:
        with schema_context(cluster.schema_name):
            cluster_refresh(cluster=cluster)
