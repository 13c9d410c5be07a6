"""The joint projects as rows for the ministry's warehouse (core.federal reads them through
settings.FEDERAL_METRICS, inside the cluster's schema; core.federal.warehouse stores them as
FederalProject rows and sums them into ClusterSnapshot).

One row per project: kind, status, period, lead, participants, budget by source, support asked /
granted / received (tranches), and every target indicator with plan, actual and shortfall. Six
queries whatever the number of projects.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from core.federal.metrics import AreaMetrics, ProjectIndicatorRow, ProjectRow

from .models import JointProject, ProjectIndicator, ProjectParticipant

if TYPE_CHECKING:
    from tenants.models import Cluster

UNITS = {
    "output_volume": "₽",
    "cluster_sales": "₽",
    "investment": "₽",
    "new_jobs": "чел.",
    "import_share": "%",
}


def _value(kind: str, raw: int | None) -> Decimal | int | None:
    if raw is None:
        return None
    scale = ProjectIndicator.SCALE.get(kind, 1)
    return raw if scale == 1 else (Decimal(raw) / scale).quantize(Decimal("0.01"))


def _indicator(i: ProjectIndicator) -> ProjectIndicatorRow:
    custom = i.kind == ProjectIndicator.Kind.CUSTOM
    planned = _value(i.kind, i.planned)
    return ProjectIndicatorRow(
        year=i.year,
        name=i.name if custom else str(i.get_kind_display()),
        unit=i.unit if custom else UNITS.get(i.kind, ""),
        planned=planned if planned is not None else 0,
        actual=_value(i.kind, i.actual),
        status=i.status,
    )


def project_rows() -> list[ProjectRow]:
    projects = JointProject.objects.prefetch_related(
        "participants__company", "budget", "indicators", "support_applications__tranches"
    ).order_by("title", "id")
    rows = []
    for p in projects:
        members = list(p.participants.all())
        lead = next((m.company for m in members if m.role == ProjectParticipant.Role.LEAD), None)
        by_source: dict[str, int] = {}
        for b in p.budget.all():
            label = str(b.get_source_display())
            by_source[label] = by_source.get(label, 0) + b.amount_kopecks
        applications = list(p.support_applications.all())
        rows.append(
            ProjectRow(
                id=p.pk,
                title=p.title,
                kind=str(p.get_kind_display()),
                status=p.status,
                status_label=str(p.get_status_display()),
                start=p.period_start,
                end=p.period_end,
                lead=str(lead) if lead else "",
                participants=len(members),
                budget_kopecks=sum(by_source.values()),
                budget_by_source=by_source,
                support_requested_kopecks=sum(a.amount_requested_kopecks for a in applications),
                support_granted_kopecks=sum(a.amount_granted_kopecks for a in applications),
                support_received_kopecks=sum(
                    t.amount_kopecks for a in applications for t in a.tranches.all()
                ),
                support_measures=sorted({str(a.get_measure_display()) for a in applications}),
                indicators=[_indicator(i) for i in p.indicators.all()],
            )
        )
    return rows


def federal_project_rows(*, cluster: Cluster, year: int) -> AreaMetrics:
    return AreaMetrics(projects=project_rows)
