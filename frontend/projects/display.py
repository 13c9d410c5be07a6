"""How the pages show target indicators: values in the displayed unit and the shortfall badge."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from core.ru.money import format_roubles
from tenants.projects.models import ProjectIndicator


def unit_of(indicator: ProjectIndicator) -> str:
    if indicator.kind in ProjectIndicator.MONEY_KINDS:
        return _("руб.")
    if indicator.kind == ProjectIndicator.Kind.NEW_JOBS:
        return _("чел.")
    if indicator.kind == ProjectIndicator.Kind.IMPORT_SHARE:
        return "%"
    return indicator.unit


def value_text(indicator: ProjectIndicator, value: int | None) -> str:
    """«1 234 567,89» for money, «12» for jobs, «12,5» for a share or a custom figure; «—» unknown."""
    if value is None:
        return "—"
    if ProjectIndicator.SCALE[indicator.kind] == 1:
        return f"{value:,}".replace(",", " ")
    text = format_roubles(value)
    return text if indicator.kind in ProjectIndicator.MONEY_KINDS else text.removesuffix(",00")


def value_input(indicator: ProjectIndicator, value: int | None) -> str:
    """The value as the form expects it typed back."""
    if value is None:
        return ""
    return value_text(indicator, value)


def percent_text(percent: float) -> str:
    return f"{percent:g}".replace(".", ",")


@dataclass(frozen=True)
class IndicatorRow:
    indicator: ProjectIndicator
    title: str
    unit: str
    planned: str
    actual: str
    done_percent: str
    shortfall: str

    @classmethod
    def of(cls, indicator: ProjectIndicator) -> IndicatorRow:
        title = (
            indicator.name if indicator.kind == ProjectIndicator.Kind.CUSTOM else indicator.get_kind_display()
        )
        done = ""
        if indicator.actual is not None and indicator.planned:
            done = percent_text(round(indicator.actual * 100 / indicator.planned, 1)) + " %"
        shortfall = indicator.shortfall_percent
        return cls(
            indicator=indicator,
            title=title,
            unit=unit_of(indicator),
            planned=value_text(indicator, indicator.planned),
            actual=value_text(indicator, indicator.actual),
            done_percent=done,
            shortfall=f"−{percent_text(shortfall)} %" if shortfall is not None else "",
        )


def indicators_by_year(indicators: list[ProjectIndicator]) -> list[tuple[int, list[IndicatorRow]]]:
    years: dict[int, list[IndicatorRow]] = {}
    for indicator in indicators:
        years.setdefault(indicator.year, []).append(IndicatorRow.of(indicator))
    return sorted(years.items())
