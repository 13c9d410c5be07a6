"""Figures of a cluster's annual report, computed from the cluster's own data.

Runs inside the cluster's schema. Every figure keeps the rows it was computed from (drill-down).
The indicators come from the year's published ReportForm; how each value is obtained is named by
the indicator's `method` and `source` (SOURCES below), so a new form needs no code.
A constant number of queries whatever the number of members.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.clock import cluster_today
from core.ru.money import AmountError, format_roubles, parse_roubles
from tenants.models import Cluster

from .checks import CheckOutcome, registry_checks_compute
from .metrics import ClusterMetrics, DrillRow, SourceFigure
from .models import AnnualReport, Indicator, ReportForm

Value = int | Decimal | str | None
VT = Indicator.ValueType
M = Indicator.Method
NO_DATA = gettext_lazy("нет данных")
MAX_TEXT = 5000
MAX_INTEGER = 10**15

# --- what a value can be computed from -------------------------------------------------------

KPI_SOURCES: dict[str, Any] = {
    "revenue": gettext_lazy("Выручка участников (принятые показатели)"),
    "revenue_medical_devices": gettext_lazy("Выручка участников от медицинских изделий"),
    "investment": gettext_lazy("Инвестиции участников"),
    "export": gettext_lazy("Экспорт участников"),
    "rnd_spend": gettext_lazy("Расходы участников на НИОКР"),
    "taxes_paid": gettext_lazy("Налоги, уплаченные участниками"),
    "employees": gettext_lazy("Численность работников участников"),
    "new_jobs": gettext_lazy("Новые рабочие места у участников"),
    "products_launched": gettext_lazy("Продукты, выведенные участниками на рынок"),
}
COUNT_SOURCES: dict[str, Any] = {
    "members_total": gettext_lazy("Участники кластера"),
    "members_company": gettext_lazy("Участники — компании"),
    "members_university": gettext_lazy("Участники — вузы и научные организации"),
    "members_fund": gettext_lazy("Участники — фонды и институты развития"),
    "members_sez_management": gettext_lazy("Участники — управляющие компании ОЭЗ"),
    "members_other": gettext_lazy("Участники — другие организации"),
    "members_non_company": gettext_lazy("Участники — организации, кроме компаний"),
    "members_other_kinds": gettext_lazy("Участники — фонды, управляющие компании ОЭЗ и другие организации"),
    "members_sez_residents": gettext_lazy("Участники — резиденты ОЭЗ"),
    "contracts_total": gettext_lazy("Договоры о кооперации, заключённые за год"),
    "contracts_supply": gettext_lazy("Договоры поставки продукции кластера за год"),
    "contracts_joint_project": gettext_lazy("Совместные проекты (договоры) за год"),
    "contracts_works_services": gettext_lazy("Договоры на работы и услуги за год"),
    "kpi_reports_accepted": gettext_lazy("Принятые отчёты участников о показателях"),
    "roadmap_items_total": gettext_lazy("Мероприятия дорожной карты за год (кроме отменённых)"),
    "roadmap_items_done": gettext_lazy("Выполненные мероприятия дорожной карты за год"),
    "projects_total": gettext_lazy("Совместные проекты, реализуемые в году (кроме остановленных)"),
    "projects_active": gettext_lazy("Совместные проекты в стадии реализации"),
    "project_indicator_shortfalls": gettext_lazy("Целевые показатели проектов, не выполненные за год"),
}
COMPUTED_SOURCES: dict[str, Any] = {
    "contracts_amount": gettext_lazy("Сумма договоров о кооперации за год"),
    "dues_invoiced": gettext_lazy("Начислено взносов за год"),
    "dues_paid": gettext_lazy("Оплачено взносов за год"),
    "support_received": gettext_lazy("Господдержка, полученная за год (транши по заявкам)"),
}
# Computed figures the cluster may replace by a typed value with a reason (the transition year:
# support received before the applications were recorded). The rows stay for the drill-down.
OVERRIDABLE_SOURCES = frozenset({"support_received"})
ALL_BASE_SOURCES = {**KPI_SOURCES, **COUNT_SOURCES, **COMPUTED_SOURCES}
MONEY_SOURCES = frozenset(
    {
        "revenue",
        "revenue_medical_devices",
        "investment",
        "export",
        "rnd_spend",
        "taxes_paid",
        "contracts_amount",
        "dues_invoiced",
        "dues_paid",
        "support_received",
    }
)


def source_error(method: str, source: str) -> str | None:
    """Why `source` cannot be used with `method` (Russian), or None."""
    if method == M.ENTERED:
        return None if not source else _("У вводимого показателя источника нет: оставьте поле пустым.")
    if method == M.SUM_KPI and source not in KPI_SOURCES:
        return _("Сумма показателей участников считается по одному из полей: %(names)s.") % {
            "names": ", ".join(KPI_SOURCES)
        }
    if method == M.COUNT and source not in COUNT_SOURCES:
        return _("Неизвестный источник количества. Возможные: %(names)s.") % {
            "names": ", ".join(COUNT_SOURCES)
        }
    if method == M.COMPUTED and source not in COMPUTED_SOURCES:
        return _("Неизвестное правило. Возможные: %(names)s.") % {"names": ", ".join(COMPUTED_SOURCES)}
    if method == M.RATIO:
        parts = source.split("/")
        if len(parts) != 2 or any(p not in ALL_BASE_SOURCES for p in parts):
            return _(
                "Отношение записывается как «числитель/знаменатель», например "
                "roadmap_items_done/roadmap_items_total."
            )
    return None


# --- values and their display ----------------------------------------------------------------


def _q2(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), ROUND_HALF_UP)


def format_value(value: Value, value_type: str, unit: str = "") -> str:
    if value is None or value == "":
        return str(NO_DATA)
    if value_type == VT.MONEY:
        return f"{format_roubles(int(value))} ₽"
    if value_type == VT.INTEGER:
        text = f"{int(value):,}".replace(",", "\u00a0")
    elif value_type in (VT.PERCENT, VT.DECIMAL):
        text = f"{Decimal(value):,}".replace(",", "\u00a0").replace(".", ",")
        if value_type == VT.PERCENT:
            return f"{text} %"
    else:
        return str(value)
    return f"{text} {unit}".strip() if unit and unit not in {"₽", "%"} else text


def value_to_json(value: Value) -> int | str | None:
    if isinstance(value, Decimal):
        return str(value)
    return value


def value_from_json(value: Any, value_type: str) -> Value:
    if value is None:
        return None
    if value_type in (VT.INTEGER, VT.MONEY):
        return int(value)
    if value_type in (VT.PERCENT, VT.DECIMAL):
        return Decimal(str(value))
    return str(value)


_NUMBER = re.compile(r"^-?\d+(?:[.,]\d+)?$")
_SPACES = re.compile(r"[\s\u00a0\u202f']+")


def parse_entered(raw: Any, value_type: str) -> Value:
    """A typed-in value → its stored form. Empty → None. Raises ValueError with a Russian message."""
    if raw is None:
        return None
    if value_type == VT.TEXT:
        text = str(raw).strip()
        if len(text) > MAX_TEXT:
            raise ValueError(_("Текст длиннее %(max)s символов.") % {"max": MAX_TEXT})
        return text or None
    text = _SPACES.sub("", str(raw))
    if not text:
        return None
    if value_type == VT.MONEY:
        try:
            return parse_roubles(text)
        except AmountError as exc:
            raise ValueError(str(exc)) from exc
    if value_type == VT.INTEGER:
        if not text.isdigit():
            raise ValueError(_("Введите целое неотрицательное число."))
        if int(text) > MAX_INTEGER:
            raise ValueError(_("Слишком большое число."))
        return int(text)
    text = text.removesuffix("%")
    if not _NUMBER.match(text):
        raise ValueError(_("Введите число, например 12,5."))
    try:
        number = Decimal(text.replace(",", "."))
    except InvalidOperation as exc:  # pragma: no cover - the pattern guards it
        raise ValueError(_("Введите число, например 12,5.")) from exc
    if number < 0:
        raise ValueError(_("Значение не может быть отрицательным."))
    if abs(number) >= Decimal(10) ** 15:
        raise ValueError(_("Слишком большое число."))
    return _q2(number) if value_type == VT.PERCENT else number.quantize(Decimal("0.0001")).normalize()


def entered_to_text(value: Value, value_type: str) -> str:
    """The stored form back to what a person would type."""
    if value is None:
        return ""
    if value_type == VT.MONEY:
        return format_roubles(int(value))
    if value_type in (VT.PERCENT, VT.DECIMAL):
        return str(value).replace(".", ",")
    return str(value)


# --- the report --------------------------------------------------------------------------------


@dataclass
class Figure:
    code: str
    name_ru: str
    name_en: str
    unit: str
    value_type: str
    method: str
    source: str
    required: bool
    hint: str
    value: Value = None
    numerator: Value = None
    denominator: Value = None
    rows: list[DrillRow] = field(default_factory=list)
    note: str = ""
    comment: str = ""
    error: str = ""
    raw: str = ""  # entered values: the text as typed

    @property
    def display(self) -> str:
        return format_value(self.value, self.value_type, self.unit)

    @property
    def method_label(self) -> str:
        return str(dict(M.choices).get(self.method, self.method))

    @property
    def is_entered(self) -> bool:
        return self.method == M.ENTERED

    @property
    def is_overridable(self) -> bool:
        return self.method == M.COMPUTED and self.source in OVERRIDABLE_SOURCES

    @property
    def takes_input(self) -> bool:
        """The draft form has a field for it: entered figures, and overridable computed ones."""
        return self.is_entered or self.is_overridable

    @property
    def has_data(self) -> bool:
        return self.value is not None

    def value_json(self) -> dict[str, Any]:
        return {
            "value": value_to_json(self.value),
            "display": self.display,
            "method": self.method,
            "value_type": self.value_type,
            "unit": self.unit,
            "name_ru": self.name_ru,
            "name_en": self.name_en,
            "source": self.source,
            "comment": self.comment,
            "numerator": value_to_json(self.numerator),
            "denominator": value_to_json(self.denominator),
            "note": self.note,
        }


@dataclass
class ComputedReport:
    cluster: Cluster
    year: int
    form: ReportForm | None
    figures: list[Figure]
    checks: list[CheckOutcome]
    errors: dict[str, str]
    computed_at: dt.datetime

    def figure(self, code: str) -> Figure | None:
        return next((f for f in self.figures if f.code == code), None)

    @property
    def general_error(self) -> str:
        return self.errors.get("__all__", "")

    @property
    def is_valid(self) -> bool:
        return self.form is not None and not self.errors

    def entered_values(self) -> dict[str, Value]:
        return {f.code: f.value for f in self.figures if f.is_entered}


def _base(metrics: ClusterMetrics, key: str) -> SourceFigure:
    return metrics.source(key) or SourceFigure(None, [], str(NO_DATA))


def _base_display(key: str, value: int | None) -> str:
    return format_value(value, VT.MONEY if key in MONEY_SOURCES else VT.INTEGER)


def _fill_computed(figure: Figure, data: ClusterMetrics) -> None:
    if source_error(figure.method, figure.source):
        figure.note = _("источник показателя задан неверно")
        return
    if figure.method == M.RATIO:
        num_key, den_key = figure.source.split("/")
        num, den = _base(data, num_key), _base(data, den_key)
        figure.numerator, figure.denominator = num.value, den.value
        figure.rows = [
            DrillRow(
                label=str(ALL_BASE_SOURCES[num_key]),
                display=_base_display(num_key, num.value),
                value=num.value,
                extra={"part": "numerator"},
            ),
            DrillRow(
                label=str(ALL_BASE_SOURCES[den_key]),
                display=_base_display(den_key, den.value),
                value=den.value,
                extra={"part": "denominator"},
            ),
            *den.rows,
        ]
        if num.value is None or den.value is None or den.value == 0:
            figure.note = num.note or den.note or _("знаменатель равен нулю")
            return
        ratio = Decimal(num.value) * 100 / Decimal(den.value)
        figure.value = _q2(ratio) if figure.value_type == VT.PERCENT else _q2(ratio / 100)
        return
    base = _base(data, figure.source)
    figure.rows, figure.note = base.rows, base.note
    if base.value is None:
        return
    if figure.value_type in (VT.PERCENT, VT.DECIMAL):
        figure.value = Decimal(base.value)
    elif figure.value_type == VT.TEXT:
        figure.value = str(base.value)
    else:
        figure.value = int(base.value)


def _apply_override(figure: Figure, raw: Any) -> None:
    """A typed value replaces the computed one when the comment gives the reason; rows stay."""
    figure.raw = raw if isinstance(raw, str) else entered_to_text(raw, figure.value_type)
    try:
        typed = parse_entered(figure.raw, figure.value_type)
    except ValueError as exc:
        figure.error = str(exc)
        return
    if typed is None:
        return
    if not figure.comment:
        figure.error = _("Значение вместо рассчитанного вводится с причиной: напишите её в комментарии.")
        return
    computed = figure.display
    figure.value = typed
    figure.note = _("введено вручную вместо рассчитанного (%(computed)s): %(reason)s") % {
        "computed": computed,
        "reason": figure.comment,
    }


def annual_report_compute(
    *,
    cluster: Cluster,
    year: int,
    entered_values: dict[str, Any] | None = None,
    indicator_comments: dict[str, str] | None = None,
) -> ComputedReport:
    """The report for `year` as it would be submitted now (inside the cluster's schema).

    entered_values: {code: text as typed or already-parsed value}; None reads the cluster's draft.
    Entered values are parsed and validated; problems land in `errors` ({code: message}).
    """
    from .selectors import form_published

    now = timezone.now()
    form = form_published(year=year)
    entered_values = entered_values or {}
    indicator_comments = indicator_comments or {}
    if form is None:
        return ComputedReport(
            cluster,
            year,
            None,
            [],
            [],
            {"__all__": _("Форма отчёта за %(year)s год ещё не опубликована.") % {"year": year}},
            now,
        )
    data = ClusterMetrics(cluster=cluster, year=year)
    figures: list[Figure] = []
    errors: dict[str, str] = {}
    for ind in form.indicators.all():
        figure = Figure(
            code=ind.code,
            name_ru=ind.name_ru,
            name_en=ind.name_en,
            unit=ind.unit,
            value_type=ind.value_type,
            method=ind.method,
            source=ind.source,
            required=ind.required,
            hint=ind.hint,
            comment=str(indicator_comments.get(ind.code, "") or "").strip()[:MAX_TEXT],
        )
        if ind.method == M.ENTERED:
            raw = entered_values.get(ind.code)
            figure.raw = raw if isinstance(raw, str) else entered_to_text(raw, ind.value_type)
            try:
                figure.value = parse_entered(figure.raw, ind.value_type)
            except ValueError as exc:
                figure.error = str(exc)
            if figure.value is None and not figure.error and ind.required:
                figure.error = _("Заполните обязательный показатель.")
            if figure.error:
                errors[ind.code] = figure.error
        else:
            _fill_computed(figure, data)
            if figure.is_overridable:
                _apply_override(figure, entered_values.get(ind.code))
                if figure.error:
                    errors[ind.code] = figure.error
        figures.append(figure)
    entered = {f.code: f.value for f in figures if f.is_entered}
    checks = registry_checks_compute(cluster=cluster, year=year, entered_values=entered)
    return ComputedReport(cluster, year, form, figures, checks, errors, now)


# --- live metrics (for the warehouse's ClusterSnapshot) ---------------------------------------


@dataclass(frozen=True)
class LiveMetrics:
    member_count: int
    members_by_kind: dict[str, int]
    dues_invoiced_kopecks: int
    dues_paid_kopecks: int
    roadmap_items_total: int
    roadmap_items_done: int


def live_metrics(*, cluster: Cluster) -> LiveMetrics:
    """Current figures of the cluster (inside its schema): members now, dues and roadmap this year."""
    live = ClusterMetrics(cluster=cluster, year=cluster_today(cluster).year).live()
    return LiveMetrics(
        member_count=live.get("member_count", 0),
        members_by_kind=live.get("members_by_kind", {}),
        dues_invoiced_kopecks=live.get("dues_invoiced_kopecks", 0),
        dues_paid_kopecks=live.get("dues_paid_kopecks", 0),
        roadmap_items_total=live.get("roadmap_items_total", 0),
        roadmap_items_done=live.get("roadmap_items_done", 0),
    )


# --- a submitted snapshot, read back -------------------------------------------------------------


def figures_from_snapshot(report: AnnualReport) -> list[Figure]:
    """The figures of a submitted report as they were frozen, in the form's order (rows included)."""
    order = {
        code: n
        for n, code in enumerate(
            report.form.indicators.order_by("position", "id").values_list("code", flat=True)
        )
    }
    figures = []
    for code, entry in sorted((report.values or {}).items(), key=lambda kv: (order.get(kv[0], 10**6), kv[0])):
        value_type = entry.get("value_type", VT.INTEGER)
        figure = Figure(
            code=code,
            name_ru=entry.get("name_ru", code),
            name_en=entry.get("name_en", ""),
            unit=entry.get("unit", ""),
            value_type=value_type,
            method=entry.get("method", M.ENTERED),
            source=entry.get("source", ""),
            required=False,
            hint="",
            value=value_from_json(entry.get("value"), value_type),
            numerator=entry.get("numerator"),
            denominator=entry.get("denominator"),
            note=entry.get("note", ""),
            comment=entry.get("comment", ""),
        )
        figure.rows = [
            DrillRow(
                label=str(r.get("label", "")),
                display=str(r.get("display", "")),
                value=r.get("value"),
                extra={k: v for k, v in r.items() if k not in {"label", "display", "value"}},
            )
            for r in (report.details or {}).get(code, [])
        ]
        figures.append(figure)
    return figures


def checks_from_snapshot(report: AnnualReport) -> list[CheckOutcome]:
    return [
        CheckOutcome(
            code=c.get("code", ""),
            status=c.get("status", ""),
            reason=c.get("reason", ""),
            companies=list(c.get("companies", [])),
            data=dict(c.get("data", {})),
            evidence=dict(c.get("evidence", {})),
        )
        for c in report.checks or []
    ]
