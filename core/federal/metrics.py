"""What core.federal reads from a cluster: the figures the areas' metrics selectors provide.

core.federal never imports a tenant app. Each area that feeds the annual report or the
warehouse has a metrics selector (`tenants/<area>/metrics.py`, `billing/metrics.py`) named in
settings.FEDERAL_METRICS; it is called inside the cluster's schema and returns `AreaMetrics`:

* `sources`: source key (the report form's vocabulary, core.federal.compute) → a callable giving
  the `SourceFigure` (value, drill-down rows, note). Called only when a form asks for the key,
  so a report runs only the queries its indicators need.
* `live`: the area's fields of the warehouse's ClusterSnapshot (current figures).
* `registry`: the participants and their cooperation, for the registry checks (members only).

This module holds the plain data those selectors return and the registry that loads them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
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

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "inn": self.inn}


@dataclass(frozen=True)
class RegistryFigures:
    """The cluster's participants and their cooperation, for the Decree No. 779 checks of `year`."""

    participants: list[Participant]
    linked_ids: frozenset[int]  # participants with a cooperation contract with another one up to the year's end
    revenue_kopecks: int  # participants' revenue in their accepted KPIs of the year
    cooperation_kopecks: int  # contracts between participants signed in the year
    with_kpi_ids: frozenset[int]  # participants with accepted KPIs of the year


@dataclass(frozen=True)
class AreaMetrics:
    sources: Mapping[str, Callable[[], SourceFigure]] = field(default_factory=dict)
    live: Callable[[], dict[str, Any]] | None = None
    registry: Callable[[], RegistryFigures] | None = None


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
