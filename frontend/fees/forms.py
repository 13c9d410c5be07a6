"""Forms of the fees pages: parse and validate input, nothing more."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.ru.money import AmountError, format_roubles, parse_roubles
from frontend.members.forms import DATE_WIDGET, RoublesField
from tenants.fees.models import FeeExemption, FeeSchedule
from tenants.governance.models import Decision
from tenants.members.models import Company

_TIER_LINE = re.compile(r"^\s*([^;:=→]+?)\s*[;:=→]\s*(.+?)\s*$")


class DecisionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Decision) -> str:
        meeting = obj.meeting
        number = f" № {meeting.number}" if meeting.number else ""
        held = timezone.localtime(meeting.held_at).strftime("%d.%m.%Y")
        return f"{meeting.body}, протокол{number} от {held}, решение {obj.number}: {obj.text[:90]}"


def tiers_text(schedule: FeeSchedule) -> str:
    """The schedule's tiers as the form shows them: one «bound; amount» per line."""
    lines = []
    for tier in schedule.tiers.all():
        bound = (
            format_roubles(tier.lower_bound).removesuffix(",00")
            if schedule.tier_basis == FeeSchedule.TierBasis.REVENUE
            else str(tier.lower_bound)
        )
        lines.append(f"{bound}; {format_roubles(tier.amount_kopecks)}")
    return "\n".join(lines)


class ScheduleForm(forms.Form):
    name = forms.CharField(
        label=_("Наименование"), max_length=200, help_text=_("Например: «Положение о взносах на 2025 год».")
    )
    decision = DecisionChoiceField(
        label=_("Решение общего собрания"),
        queryset=Decision.objects.none(),
        help_text=_("Принятые решения общего собрания вида «Установление взносов»."),
    )
    effective_from = forms.DateField(label=_("Действует с"), widget=DATE_WIDGET)
    effective_until = forms.DateField(label=_("Действует по"), widget=DATE_WIDGET, required=False)
    entrance_fee_kopecks = RoublesField(
        label=_("Вступительный взнос, руб."), help_text=_("0 — без вступительного взноса.")
    )
    period = forms.ChoiceField(label=_("Период членского взноса"), choices=FeeSchedule.Period.choices)
    amount_kopecks = RoublesField(
        label=_("Членский взнос за период, руб."),
        help_text=_("Без ступеней — для всех; со ступенями — для участников без принятого годового отчёта."),
    )
    tier_basis = forms.ChoiceField(label=_("Ступени взноса"), choices=FeeSchedule.TierBasis.choices)
    tiers = forms.CharField(
        label=_("Ступени"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "По одной в строке: «нижняя граница; взнос за период, руб.». Граница — численность "
            "работников или выручка в рублях по последнему принятому годовому отчёту до периода. "
            "Например: «0; 50 000» и «100; 150 000»."
        ),
    )
    due_month = forms.IntegerField(
        label=_("Месяц периода для оплаты"),
        min_value=1,
        max_value=12,
        initial=1,
        help_text=_("1 — первый месяц года или квартала."),
    )
    due_day = forms.IntegerField(
        label=_("День месяца для оплаты"),
        min_value=1,
        max_value=31,
        initial=31,
        help_text=_("31 — последний день месяца."),
    )
    grace_days = forms.IntegerField(
        label=_("Льготный период, дней"),
        min_value=0,
        max_value=365,
        initial=0,
        help_text=_("Сколько дней после срока счёт ещё не считается просроченным."),
    )
    payment_days = forms.IntegerField(
        label=_("Срок оплаты поздних и вступительных счетов, дней"),
        min_value=0,
        max_value=365,
        initial=30,
        help_text=_(
            "Для счетов, выставленных после срока оплаты (новые участники), и для вступительного взноса."
        ),
    )
    proration = forms.ChoiceField(
        label=_("Принятым в середине периода"), choices=FeeSchedule.Proration.choices
    )
    notes = forms.CharField(label=_("Примечания"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, decisions: QuerySet[Decision], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["decision"].queryset = decisions  # type: ignore[attr-defined]

    @staticmethod
    def initial_for(schedule: FeeSchedule) -> dict[str, Any]:
        names = [
            "name",
            "decision",
            "effective_from",
            "effective_until",
            "entrance_fee_kopecks",
            "period",
            "amount_kopecks",
            "tier_basis",
            "due_month",
            "due_day",
            "grace_days",
            "payment_days",
            "proration",
            "notes",
        ]
        initial = {name: getattr(schedule, name) for name in names}
        initial["tiers"] = tiers_text(schedule)
        return initial

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        basis = data.get("tier_basis")
        rows: list[tuple[int, int]] = []
        for number, line in enumerate((data.get("tiers") or "").splitlines(), start=1):
            if not line.strip():
                continue
            match = _TIER_LINE.match(line)
            if not match:
                self.add_error("tiers", _("Строка %(n)s: ожидается «граница; сумма».") % {"n": number})
                continue
            try:
                amount = parse_roubles(match.group(2))
                bound_text = match.group(1)
                bound = (
                    parse_roubles(bound_text)
                    if basis == FeeSchedule.TierBasis.REVENUE
                    else int("".join(bound_text.split()))
                )
            except (AmountError, ValueError):
                self.add_error(
                    "tiers", _("Строка %(n)s: граница и сумма — неотрицательные числа.") % {"n": number}
                )
                continue
            if bound < 0:
                self.add_error(
                    "tiers", _("Строка %(n)s: граница и сумма — неотрицательные числа.") % {"n": number}
                )
                continue
            rows.append((bound, amount))
        data["tiers"] = rows
        return data

    def service_fields(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class ExemptionForm(forms.Form):
    company = forms.ModelChoiceField(label=_("Организация"), queryset=Company.objects.none())
    starts_on = forms.DateField(label=_("С"), widget=DATE_WIDGET)
    ends_on = forms.DateField(
        label=_("По"), widget=DATE_WIDGET, required=False, help_text=_("Пусто — бессрочно.")
    )
    percent = forms.IntegerField(
        label=_("Освобождение, %"),
        min_value=1,
        max_value=100,
        initial=100,
        help_text=_("100 — полностью; меньше — скидка с членского взноса."),
    )
    covers_entrance = forms.BooleanField(label=_("И от вступительного взноса"), required=False)
    reason = forms.CharField(
        label=_("Основание"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Например: решение совета № 4 от 12.03.2025."),
    )

    def __init__(self, *args: Any, companies: QuerySet[Company], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["company"].queryset = companies  # type: ignore[attr-defined]

    @staticmethod
    def initial_for(exemption: FeeExemption) -> dict[str, Any]:
        return {
            "company": exemption.company_id,
            "starts_on": exemption.starts_on,
            "ends_on": exemption.ends_on,
            "percent": exemption.percent,
            "covers_entrance": exemption.covers_entrance,
            "reason": exemption.reason,
        }


class RunForm(forms.Form):
    schedule = forms.ModelChoiceField(label=_("Положение о взносах"), queryset=FeeSchedule.objects.none())
    period = forms.CharField(
        label=_("Период"),
        max_length=10,
        help_text=_("Год (2025) для годового взноса или квартал (2025-Q2) для квартального."),
    )

    def __init__(self, *args: Any, schedules: QuerySet[FeeSchedule], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["schedule"].queryset = schedules  # type: ignore[attr-defined]


class PaymentForm(forms.Form):
    amount_kopecks = RoublesField(
        label=_("Сумма, руб."), required=True, help_text=_("Можно меньше остатка: частичная оплата.")
    )
    order_number = forms.CharField(label=_("Номер платёжного поручения"), max_length=40)
    order_date = forms.DateField(label=_("Дата платёжного поручения"), widget=DATE_WIDGET)


class RefundForm(forms.Form):
    amount_kopecks = RoublesField(label=_("Сумма возврата, руб."), required=True)
    reason = forms.CharField(label=_("Причина"), widget=forms.Textarea(attrs={"rows": 2}))


class VoidForm(forms.Form):
    reason = forms.CharField(label=_("Причина аннулирования"), widget=forms.Textarea(attrs={"rows": 2}))


class LedgerForm(forms.Form):
    date_from = forms.DateField(label=_("С"), widget=DATE_WIDGET)
    date_to = forms.DateField(label=_("По"), widget=DATE_WIDGET)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if isinstance(start, dt.date) and isinstance(end, dt.date):
            if end < start:
                raise ValidationError(_("Дата «по» раньше даты «с»."))
            if (end - start).days > 366 * 5:
                raise ValidationError(_("Выгрузка — не больше чем за пять лет."))
        return data


class ConfirmForm(forms.Form):
    pass
