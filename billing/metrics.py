"""Dues figures for federal reporting (core.federal reads them through settings.FEDERAL_METRICS).

Dues invoiced in the year (void invoices aside) and what was paid on them, per company, from the
cluster's invoices (public schema, filtered by the cluster).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, partial
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from core.federal.metrics import AreaMetrics, DrillRow, SourceFigure
from core.ru.money import format_roubles

from .models import Invoice
from .selectors import invoices_for_cluster

if TYPE_CHECKING:
    from tenants.models import Cluster


@dataclass(frozen=True)
class DuesFigures:
    invoiced_kopecks: int
    paid_kopecks: int
    rows: list[DrillRow]


def dues_figures(*, cluster: Cluster, year: int) -> DuesFigures | None:
    """None: no invoice of that year."""
    per_company: dict[int, list[Any]] = {}
    invoices = (
        invoices_for_cluster(cluster)
        .filter(issue_date__year=year)
        .exclude(status=Invoice.Status.VOID)
        .order_by("company_name", "id")
        .values_list("company_id", "company_name", "company_inn", "amount_kopecks", "paid_kopecks")
    )
    for company_id, name, inn, amount, paid in invoices:
        entry = per_company.setdefault(company_id, [name, inn, 0, 0, 0])
        entry[2] += amount
        entry[3] += paid
        entry[4] += 1
    if not per_company:
        return None
    rows = [
        DrillRow(
            label=name,
            display=_("оплачено %(paid)s ₽ из %(amount)s ₽")
            % {"paid": format_roubles(paid), "amount": format_roubles(amount)},
            value=paid,
            extra={"company_id": company_id, "inn": inn, "invoiced": amount, "invoices": count},
        )
        for company_id, (name, inn, amount, paid, count) in per_company.items()
    ]
    return DuesFigures(sum(e[2] for e in per_company.values()), sum(e[3] for e in per_company.values()), rows)


class _Year:
    def __init__(self, cluster: Cluster, year: int) -> None:
        self.cluster, self.year = cluster, year

    @cached_property
    def dues(self) -> DuesFigures | None:
        return dues_figures(cluster=self.cluster, year=self.year)

    def figure(self, paid: bool) -> SourceFigure:
        if self.dues is None:
            return SourceFigure(None, [], _("нет данных о взносах"))
        return SourceFigure(self.dues.paid_kopecks if paid else self.dues.invoiced_kopecks, self.dues.rows)

    def live(self) -> dict[str, Any]:
        return {
            "dues_invoiced_kopecks": self.dues.invoiced_kopecks if self.dues else 0,
            "dues_paid_kopecks": self.dues.paid_kopecks if self.dues else 0,
        }


def federal_metrics(*, cluster: Cluster, year: int) -> AreaMetrics:
    data = _Year(cluster, year)
    return AreaMetrics(
        sources={"dues_invoiced": partial(data.figure, False), "dues_paid": partial(data.figure, True)},
        live=data.live,
    )
