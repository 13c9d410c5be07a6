"""Joint projects and state support for federal reporting (core.federal reads them through
settings.FEDERAL_METRICS, inside the cluster's schema).

* `support_received`: tranches received in the year, one drill-down row per tranche (project,
  participant, measure, date, amount).
* `projects_total` / `projects_active`: projects running during the year (stopped ones aside)
  and those in progress; rows are the projects.
* `project_indicator_shortfalls`: indicators of the year whose actual is below plan; each row
  carries plan, actual and the shortfall percentage.
* live: the same figures for the warehouse (`projects_*`, `support_received_kopecks`,
  `project_indicators` — plan vs actual per year and kind).
"""

from __future__ import annotations

import datetime as dt
from functools import cached_property, partial
from typing import TYPE_CHECKING, Any

from django.db.models import Sum
from django.utils.translation import gettext as _

from core.federal.metrics import AreaMetrics, DrillRow, SourceFigure
from core.ru.money import format_roubles

from .models import JointProject, ProjectIndicator, SupportTranche

if TYPE_CHECKING:
    from tenants.models import Cluster


def _tranche_row(t: SupportTranche) -> DrillRow:
    app = t.application
    return DrillRow(
        label=f"{app.project.title} — {app.company.short_name}",
        display=f"{format_roubles(t.amount_kopecks)} ₽, {t.received_on:%d.%m.%Y}",
        value=t.amount_kopecks,
        extra={
            "tranche_id": t.pk,
            "application_id": app.pk,
            "project_id": app.project_id,
            "company_id": app.company_id,
            "company": app.company.short_name,
            "measure": app.measure,
            "measure_display": str(app.get_measure_display()),
            "received_on": t.received_on.isoformat(),
        },
    )


def _project_row(p: JointProject) -> DrillRow:
    return DrillRow(
        label=p.title,
        display=str(p.get_status_display()),
        value=None,
        extra={
            "project_id": p.pk,
            "status": p.status,
            "kind": p.kind,
            "period": f"{p.period_start.isoformat()}/{p.period_end.isoformat()}",
        },
    )


def indicator_label(ind: ProjectIndicator) -> str:
    return ind.name if ind.kind == ProjectIndicator.Kind.CUSTOM else str(ind.get_kind_display())


def _shortfall_row(ind: ProjectIndicator) -> DrillRow:
    return DrillRow(
        label=f"{ind.project.title}: {indicator_label(ind)}",
        display=_("план %(planned)s, факт %(actual)s, недовыполнение %(percent)s %%")
        % {"planned": ind.planned, "actual": ind.actual, "percent": ind.shortfall_percent},
        value=None if ind.shortfall_percent is None else str(ind.shortfall_percent),
        extra={
            "project_id": ind.project_id,
            "indicator_id": ind.pk,
            "kind": ind.kind,
            "year": ind.year,
            "planned": ind.planned,
            "actual": ind.actual,
        },
    )


class _Year:
    def __init__(self, year: int) -> None:
        self.year = year
        self.start, self.end = dt.date(year, 1, 1), dt.date(year, 12, 31)

    @cached_property
    def tranches(self) -> list[SupportTranche]:
        return list(
            SupportTranche.objects.filter(received_on__gte=self.start, received_on__lte=self.end)
            .select_related("application__project", "application__company")
            .order_by("received_on", "id")
        )

    @cached_property
    def projects(self) -> list[JointProject]:
        return list(
            JointProject.objects.filter(period_start__lte=self.end, period_end__gte=self.start)
            .exclude(status=JointProject.Status.STOPPED)
            .order_by("title", "id")
        )

    @cached_property
    def indicators(self) -> list[ProjectIndicator]:
        return list(
            ProjectIndicator.objects.filter(year=self.year)
            .select_related("project")
            .order_by("project__title", "kind", "name", "id")
        )

    def support(self) -> SourceFigure:
        return SourceFigure(
            sum(t.amount_kopecks for t in self.tranches), [_tranche_row(t) for t in self.tranches]
        )

    def projects_figure(self, active_only: bool) -> SourceFigure:
        chosen = [p for p in self.projects if not active_only or p.status == JointProject.Status.IN_PROGRESS]
        return SourceFigure(len(chosen), [_project_row(p) for p in chosen])

    def shortfalls(self) -> SourceFigure:
        short = [i for i in self.indicators if i.shortfall_percent is not None]
        return SourceFigure(len(short), [_shortfall_row(i) for i in short])

    def live(self) -> dict[str, Any]:
        by_status = {s: 0 for s in JointProject.Status.values}
        for status in JointProject.objects.values_list("status", flat=True):
            by_status[status] += 1
        plan_vs_actual = [
            {
                "year": row["year"],
                "kind": row["kind"],
                "planned": row["planned"] or 0,
                "actual": row["actual"] or 0,
            }
            for row in ProjectIndicator.objects.exclude(kind=ProjectIndicator.Kind.CUSTOM)
            .values("year", "kind")
            .annotate(planned=Sum("planned"), actual=Sum("actual"))
            .order_by("year", "kind")
        ]
        shortfalls_by_year: dict[int, int] = {}
        for ind in ProjectIndicator.objects.filter(actual__isnull=False).only("year", "planned", "actual"):
            if ind.shortfall_percent is not None:
                shortfalls_by_year[ind.year] = shortfalls_by_year.get(ind.year, 0) + 1
        received = (
            SupportTranche.objects.filter(received_on__gte=self.start, received_on__lte=self.end).aggregate(
                total=Sum("amount_kopecks")
            )["total"]
            or 0
        )
        return {
            "projects_by_status": by_status,
            "projects_total": sum(by_status.values()),
            "support_received_kopecks": received,
            "project_indicators": plan_vs_actual,
            "project_shortfalls_by_year": {str(y): n for y, n in sorted(shortfalls_by_year.items())},
        }


def federal_metrics(*, cluster: Cluster, year: int) -> AreaMetrics:
    data = _Year(year)
    return AreaMetrics(
        sources={
            "support_received": data.support,
            "projects_total": partial(data.projects_figure, False),
            "projects_active": partial(data.projects_figure, True),
            "project_indicator_shortfalls": data.shortfalls,
        },
        live=data.live,
    )
