"""What core.federal reads from a cluster: the figures the areas' metrics selectors provide.

core.federal never imports a tenant app. Each area that feeds the annual report or the
warehouse has a metrics selector (`tenants/<area>/metrics.py`, `billing/metrics.py`) named in
settings.FEDERAL_METRICS; it is called inside the cluster's schema and returns `AreaMetrics`:

* `sources`: source key (the report form's vocabulary, core.federal.compute) → a callable giving
  the `SourceFigure` (value, drill-down rows, note). Called only when a form asks for the key,
  so a report runs only the queries its indicators need.
* `live`: the area's fields of the warehouse's ClusterSnapshot (current figures).
* `registry`: the participants and their cooperation, for the registry checks (members only),
  with the rows each criterion is decided on (evidence: contracts, revenue rows).
* `projects`: the cluster's joint projects with their indicators and support, for the warehouse's
  project rows (the projects area only).

This module holds the plain data those selectors return and the registry that loads them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from tenants.models import Cluster


@dataclass(frozen=True)
class DrillRow:
    """One row behind a figure (a company, a contract, a roadmap item…), frozen with the report."""

    label: str
    display: str
    value: int | str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"label": self.label, "display": self.display, "value": self.value, **self.extra}


@dataclass(frozen=True)
class SourceFigure:
    """A base figure: its value (None: no data, `note` says why) and the rows it was counted from."""

    value: int | None
    rows: list[DrillRow]
    note: str = ""


@dataclass(frozen=True)
class Participant:
    id: int
    name: str
    inn: str
    full_name: str = ""
    ogrn: str = ""
    kpp: str = ""
    address: str = ""
    region_code: str = ""
    kind: str = ""  # the label of the company's kind, in Russian
    special_territory: str = ""  # "", or the label: single-industry town / priority territory

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "inn": self.inn}

    def card_json(self) -> dict[str, Any]:
        """Everything the registry application lists about a participant."""
        return {
            **self.as_json(),
            "full_name": self.full_name,
            "ogrn": self.ogrn,
            "kpp": self.kpp,
            "address": self.address,
            "region_code": self.region_code,
            "kind": self.kind,
            "special_territory": self.special_territory,
        }


@dataclass(frozen=True)
class CooperationRow:
    """A cooperation contract between two participants: the evidence that binds them."""

    id: int
    number: str
    signed_on: dt.date
    kind: str  # the label, in Russian
    party_a_id: int
    party_a: str
    party_b_id: int
    party_b: str
    amount_kopecks: int
    subject: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "number": self.number,
            "signed_on": self.signed_on.isoformat(),
            "date": f"{self.signed_on:%d.%m.%Y}",
            "kind": self.kind,
            "party_a_id": self.party_a_id,
            "party_a": self.party_a,
            "party_b_id": self.party_b_id,
            "party_b": self.party_b,
            "amount_kopecks": self.amount_kopecks,
            "subject": self.subject,
        }


@dataclass(frozen=True)
class RevenueRow:
    """A participant's revenue in its accepted figures of the year (the functional dependence's base)."""

    company_id: int
    name: str
    inn: str
    revenue_kopecks: int

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.company_id,
            "name": self.name,
            "inn": self.inn,
            "revenue_kopecks": self.revenue_kopecks,
        }


@dataclass(frozen=True)
class RegistryFigures:
    """The cluster's participants and their cooperation, for the Decree No. 779 checks of `year`."""

    participants: list[Participant]
    linked_ids: frozenset[
        int
    ]  # participants with a cooperation contract with another one up to the year's end
    revenue_kopecks: int  # participants' revenue in their accepted KPIs of the year
    cooperation_kopecks: int  # contracts between participants signed in the year
    with_kpi_ids: frozenset[int]  # participants with accepted KPIs of the year
    # evidence: the contracts between participants up to the year's end (signed_on.year == year: counted
    # in the functional dependence) and the accepted revenue of each participant in the year
    contracts: list[CooperationRow] = field(default_factory=list)
    revenue_rows: list[RevenueRow] = field(default_factory=list)


@dataclass(frozen=True)
class ProjectIndicatorRow:
    """One target indicator of a joint project for one year: plan against actual (None: not reported)."""

    year: int
    name: str
    unit: str
    planned: Decimal | int
    actual: Decimal | int | None
    status: str = ""  # draft / submitted / accepted, as the projects area says

    @property
    def shortfall_percent(self) -> Decimal | None:
        """How far the actual falls short of the plan, in percent (None: no actual, no plan, or none)."""
        if self.actual is None or not self.planned or Decimal(self.actual) >= Decimal(self.planned):
            return None
        gap = (Decimal(self.planned) - Decimal(self.actual)) * 100 / Decimal(self.planned)
        return gap.quantize(Decimal("0.01"))

    def as_json(self) -> dict[str, Any]:
        shortfall = self.shortfall_percent
        return {
            "year": self.year,
            "name": self.name,
            "unit": self.unit,
            "planned": str(self.planned),
            "actual": None if self.actual is None else str(self.actual),
            "status": self.status,
            "shortfall_percent": None if shortfall is None else str(shortfall),
        }


@dataclass(frozen=True)
class ProjectRow:
    """A joint project as the ministry sees it (the warehouse keeps one row per project)."""

    id: int
    title: str
    kind: str  # the label, in Russian
    status: str  # the code (idea, approved, in_progress, done, stopped…)
    status_label: str
    start: dt.date | None
    end: dt.date | None
    lead: str  # the lead participant's name
    participants: int
    budget_kopecks: int  # every year and source
    budget_by_source: dict[str, int] = field(default_factory=dict)  # source label → kopecks
    support_requested_kopecks: int = 0
    support_granted_kopecks: int = 0
    support_received_kopecks: int = 0
    support_measures: list[str] = field(default_factory=list)  # labels of the measures applied for
    indicators: list[ProjectIndicatorRow] = field(default_factory=list)

    @property
    def shortfalls(self) -> list[ProjectIndicatorRow]:
        return [i for i in self.indicators if i.shortfall_percent is not None]

    @property
    def worst_shortfall_percent(self) -> Decimal | None:
        return max(
            (i.shortfall_percent for i in self.shortfalls if i.shortfall_percent is not None), default=None
        )


@dataclass(frozen=True)
class AreaMetrics:
    sources: Mapping[str, Callable[[], SourceFigure]] = field(default_factory=dict)
    live: Callable[[], dict[str, Any]] | None = None
    registry: Callable[[], RegistryFigures] | None = None
    projects: Callable[[], list[ProjectRow]] | None = None


MetricsProvider = Callable[..., AreaMetrics]


@cache
def _providers(paths: tuple[str, ...]) -> tuple[MetricsProvider, ...]:
    return tuple(import_string(path) for path in paths)


def metrics_providers() -> tuple[MetricsProvider, ...]:
    """The metrics selectors named in settings.FEDERAL_METRICS."""
    return _providers(tuple(getattr(settings, "FEDERAL_METRICS", ())))


class ClusterMetrics:
    """Every area's metrics of one cluster and year, each figure computed at most once."""

    def __init__(self, *, cluster: Cluster, year: int) -> None:
        self.cluster, self.year = cluster, year
        self._areas = [provider(cluster=cluster, year=year) for provider in metrics_providers()]
        self._figures: dict[str, SourceFigure | None] = {}

    def source(self, key: str) -> SourceFigure | None:
        """The figure of `key`, or None when no area provides it."""
        if key not in self._figures:
            load = next((area.sources[key] for area in self._areas if key in area.sources), None)
            self._figures[key] = load() if load is not None else None
        return self._figures[key]

    def live(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for area in self._areas:
            if area.live is not None:
                values.update(area.live())
        return values

    def registry(self) -> RegistryFigures:
        load = next((area.registry for area in self._areas if area.registry is not None), None)
        if load is None:
            return RegistryFigures([], frozenset(), 0, 0, frozenset())
        return load()

    def projects(self) -> list[ProjectRow]:
        """The cluster's joint projects (none when no area provides them)."""
        load = next((area.projects for area in self._areas if area.projects is not None), None)
        return [] if load is None else load()
