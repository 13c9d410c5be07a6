"""Roadmap figures for federal reporting (core.federal reads them through settings.FEDERAL_METRICS).

Runs inside the cluster's schema: the items of the roadmaps in force during the year (the newest
version of each), cancelled ones aside; each figure keeps its items (drill-down).
"""

from __future__ import annotations

import datetime as dt
from functools import cached_property, partial
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from core.federal.metrics import AreaMetrics, DrillRow, SourceFigure

from .models import Item, Roadmap

if TYPE_CHECKING:
    from tenants.models import Cluster


def roadmap_items_of_year(year: int) -> QuerySet[Item]:
    """Items of the roadmaps in force during the year (the newest version of each), not cancelled."""
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    roadmaps = (
        Roadmap.objects.filter(period_start__lte=end, period_end__gte=start)
        .exclude(next_versions__isnull=False)
        .values("pk")
    )
    return (
        Item.objects.filter(roadmap__in=roadmaps)
        .exclude(status=Item.Status.CANCELLED)
        .order_by("roadmap_id", "position")
    )


def _item_row(item: Item) -> DrillRow:
    return DrillRow(
        label=f"{item.number} {item.title[:200]}",
        display=str(item.get_status_display()),
        value=None,
        extra={"item_id": item.pk, "roadmap_id": item.roadmap_id, "status": item.status},
    )


class _Year:
    def __init__(self, year: int) -> None:
        self.year = year

    @cached_property
    def items(self) -> list[Item]:
        return list(roadmap_items_of_year(self.year))

    def items_figure(self, done_only: bool) -> SourceFigure:
        if not self.items:
            return SourceFigure(
                None, [], _("нет дорожной карты, действующей в %(year)s году") % {"year": self.year}
            )
        chosen = [i for i in self.items if not done_only or i.status == Item.Status.DONE]
        return SourceFigure(len(chosen), [_item_row(i) for i in chosen])

    def live(self) -> dict[str, Any]:
        return {
            "roadmap_items_total": len(self.items),
            "roadmap_items_done": sum(1 for i in self.items if i.status == Item.Status.DONE),
        }


def federal_metrics(*, cluster: Cluster, year: int) -> AreaMetrics:
    data = _Year(year)
    return AreaMetrics(
        sources={
            "roadmap_items_total": partial(data.items_figure, False),
            "roadmap_items_done": partial(data.items_figure, True),
        },
        live=data.live,
    )
