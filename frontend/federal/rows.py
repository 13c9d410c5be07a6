"""How dashboard figures read: one row per cluster for the page, the XLSX and the PDF alike."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.federal import dashboard as selectors
from core.federal.models import RegistryCheckResult
from core.ru.regions import region_name
from tenants.models import Cluster

from .charts import Series, bar_chart, compact_number

CHECK_LABELS = {
    RegistryCheckResult.Status.PASS.value: gettext_lazy("Требования выполнены"),
    RegistryCheckResult.Status.FAIL.value: gettext_lazy("Есть невыполненные требования"),
    RegistryCheckResult.Status.NO_DATA.value: gettext_lazy("Недостаточно данных"),
    selectors.CHECK_NONE: gettext_lazy("Нет отчёта"),
}


def _group(digits: str) -> str:
    return f"{int(digits):,}".replace(",", "\u00a0")


def roubles(kopecks: Decimal | int | None) -> str:
    """Kopecks → «1 234 567 ₽» (whole roubles; the table compares, the report keeps kopecks)."""
    if kopecks is None:
        return "—"
    value = (Decimal(kopecks) / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    sign = "-" if value < 0 else ""
    return f"{sign}{_group(str(abs(int(value))))}\u00a0₽"


def count(value: Decimal | int | None) -> str:
    return "—" if value is None else _group(str(int(value)))


def percent(value: Decimal | float | None) -> str:
    if value is None:
        return "—"
    text = f"{Decimal(value).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}".replace(".", ",")
    return f"{text.removesuffix(',0')}\u00a0%"


def millions(kopecks: Decimal | int | None) -> str:
    """Kopecks → «90,5» million roubles (the unit is in the header): the page's compact money."""
    if kopecks is None:
        return "—"
    value = (Decimal(kopecks) / 100_000_000).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    sign = "-" if value < 0 else ""
    whole, _dot, tenth = str(abs(value)).partition(".")
    return f"{sign}{_group(whole)},{tenth or '0'}"


def money_short(kopecks: float) -> str:
    return compact_number(kopecks / 100, "₽")


def local_date(value: dt.datetime | None) -> str:
    return timezone.localtime(value).strftime("%d.%m.%Y") if value else ""


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    width: int
    text: Callable[[Cluster], str]
    number: Callable[[Cluster], Any] | None = None  # the XLSX cell when it is a number
    number_format: str = ""
    sort: str = ""
    short: str = ""  # the page's compact header (the full title goes to its <abbr title>)
    page_text: Callable[[Cluster], str] | None = None  # the page's compact cell (else `text`)


def _rate_value(value: Decimal | None) -> float | None:
    return None if value is None else float(Decimal(value).quantize(Decimal("0.1")))


def _kopecks_to_roubles(value: Decimal | None) -> float | None:
    return None if value is None else float(Decimal(value) / 100)


def _int(value: Decimal | int | None) -> int | None:
    return None if value is None else int(value)


def _report_text(c: Cluster) -> str:
    if c.report_id is None:
        return _("не отправлен")
    text = _("версия %(n)s от %(date)s") % {"n": c.report_version, "date": local_date(c.report_submitted_at)}
    return text + (" " + _("(демо)") if c.report_is_demo else "")


def columns(year: int | None) -> list[Column]:
    """The table's columns; report figures are of `year`, the rest is the cluster's current state."""
    y = str(year or "—")
    return [
        Column("name", _("Кластер"), 48, lambda c: c.name, sort="name"),
        Column(
            "regions",
            _("Регионы"),
            30,
            lambda c: ", ".join(region_name(r) for r in c.region_codes),
            sort="region",
        ),
        Column("kind", _("Тип"), 16, lambda c: str(c.get_kind_display())),
        Column("registry", _("Реестр"), 20, lambda c: str(c.get_registry_status_display())),
        Column(
            "checks",
            _("Проверка требований реестра, %(year)s") % {"year": y},
            26,
            lambda c: str(CHECK_LABELS[c.check_status]),
            sort="checks",
            short=_("Проверка реестра"),
        ),
        Column(
            "members",
            _("Участников сейчас"),
            12,
            lambda c: count(c.live_members),
            number=lambda c: _int(c.live_members),
            number_format="#,##0",
            sort="members",
            short=_("Участники"),
        ),
        Column(
            "revenue",
            _("Выручка участников, %(year)s") % {"year": y},
            20,
            lambda c: roubles(getattr(c, f"v_{selectors.REVENUE}")),
            number=lambda c: _kopecks_to_roubles(getattr(c, f"v_{selectors.REVENUE}")),
            number_format="#,##0 ₽",
            sort="revenue",
            short=_("Выручка, млн ₽"),
            page_text=lambda c: millions(getattr(c, f"v_{selectors.REVENUE}")),
        ),
        Column(
            "employees",
            _("Работников, %(year)s") % {"year": y},
            14,
            lambda c: count(getattr(c, f"v_{selectors.EMPLOYEES}")),
            number=lambda c: _int(getattr(c, f"v_{selectors.EMPLOYEES}")),
            number_format="#,##0",
            sort="employees",
            short=_("Работники"),
        ),
        Column(
            "export",
            _("Экспорт, %(year)s") % {"year": y},
            18,
            lambda c: roubles(getattr(c, f"v_{selectors.EXPORT}")),
            number=lambda c: _kopecks_to_roubles(getattr(c, f"v_{selectors.EXPORT}")),
            number_format="#,##0 ₽",
            sort="export",
            short=_("Экспорт, млн ₽"),
            page_text=lambda c: millions(getattr(c, f"v_{selectors.EXPORT}")),
        ),
        Column(
            "dues",
            _("Собираемость взносов сейчас"),
            14,
            lambda c: percent(c.live_dues_rate),
            number=lambda c: _rate_value(c.live_dues_rate),
            number_format="0.0",
            sort="dues",
            short=_("Взносы"),
        ),
        Column(
            "roadmap",
            _("Выполнение дорожной карты сейчас"),
            14,
            lambda c: percent(c.live_roadmap_rate),
            number=lambda c: _rate_value(c.live_roadmap_rate),
            number_format="0.0",
            sort="roadmap",
            short=_("Дорожная карта"),
        ),
        Column("report", _("Отчёт за %(year)s") % {"year": y}, 24, _report_text, sort="submitted"),
        Column(
            "projects",
            _("Совместных проектов сейчас"),
            12,
            lambda c: count(c.live_projects),
            number=lambda c: _int(c.live_projects),
            number_format="#,##0",
            sort="projects",
            short=_("Проекты"),
        ),
        Column(
            "support",
            _("Господдержка получена"),
            18,
            lambda c: roubles(c.live_support_received),
            number=lambda c: _kopecks_to_roubles(c.live_support_received),
            number_format="#,##0 ₽",
            sort="support",
            short=_("Господдержка, млн ₽"),
            page_text=lambda c: millions(c.live_support_received),
        ),
        Column(
            "shortfalls",
            _("Показателей проектов ниже плана"),
            12,
            lambda c: count(c.live_shortfalls),
            number=lambda c: _int(c.live_shortfalls),
            number_format="#,##0",
            sort="shortfalls",
            short=_("Ниже плана"),
        ),
    ]


# --- charts -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChartSpec:
    code: str
    title: Any
    kind: str  # "money", "count", "percent"


CHARTS = (
    ChartSpec(selectors.MEMBERS, gettext_lazy("Участники кластеров"), "count"),
    ChartSpec(selectors.REVENUE, gettext_lazy("Выручка участников"), "money"),
    ChartSpec(selectors.EMPLOYEES, gettext_lazy("Численность работников"), "count"),
    ChartSpec(selectors.EXPORT, gettext_lazy("Экспорт"), "money"),
    ChartSpec(selectors.DUES_RATE, gettext_lazy("Собираемость членских взносов, %"), "percent"),
    ChartSpec(selectors.ROADMAP_RATE, gettext_lazy("Выполнение дорожных карт, %"), "percent"),
)


def _chart_value(kind: str, value: Decimal | None) -> float | None:
    if value is None:
        return None
    return float(value)


def charts(board: selectors.Dashboard, *, width: int = 340, height: int = 200) -> list[Any]:
    """One year-over-year bar chart per headline indicator (figures of the submitted reports)."""
    years = [str(y) for y in board.series_years]
    out = []
    for spec in CHARTS:
        values = [_chart_value(spec.kind, v) for v in board.series(spec.code)]
        fmt: Callable[[float], str]
        if spec.kind == "money":
            fmt = money_short
        elif spec.kind == "percent":
            fmt = lambda v: f"{v:.0f}\u00a0%"  # noqa: E731
        else:
            fmt = compact_number
        out.append(
            bar_chart(
                title=str(spec.title),
                categories=years,
                series=[Series(str(spec.title), values)],
                fmt=fmt,
                width=width,
                height=height,
                maximum=100.0 if spec.kind == "percent" else None,
                empty_text=_("Нет данных в отправленных отчётах") if years else _("Нет отправленных отчётов"),
            )
        )
    return out


def total_text(kind: str, total: selectors.Total | None) -> str:
    if total is None:
        return "—"
    if kind == "percent":
        return percent(total.rate)
    if kind == "money":
        return roubles(total.value)
    return count(total.value)
