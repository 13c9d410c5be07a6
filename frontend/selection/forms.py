"""Forms of the selection pages: parse and validate input, nothing more (the rules are in
core.selection.services; fields are named as the services' arguments so their errors land on the
right field)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.selection.models import Call, Criterion, Decision
from tenants.models import Cluster

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
TEXT = {"rows": 4}


def criteria_lines(criteria: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"{c['code']}; {c['name']}; {c['weight']}; {c['scale_min']}; {c['scale_max']}" for c in criteria
    )


class CriteriaField(forms.CharField):
    """One criterion a line: «код; название; вес; мин; макс» (e.g. «team; Команда проекта; 2; 0; 10»)."""

    widget = forms.Textarea(attrs={"rows": 6})

    def clean(self, value: Any) -> list[dict[str, Any]]:
        text = super().clean(value)
        criteria: list[dict[str, Any]] = []
        for number, line in enumerate((text or "").splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split(";")]
            if len(parts) != 5 or not parts[0] or not parts[1]:
                raise ValidationError(
                    _("Строка %(n)s: нужно «код; название; вес; мин; макс».") % {"n": number}
                )
            try:
                weight = Decimal(parts[2].replace(",", "."))
                low, high = int(parts[3]), int(parts[4])
            except (InvalidOperation, ValueError):
                raise ValidationError(
                    _("Строка %(n)s: вес — число, шкала — целые числа.") % {"n": number}
                ) from None
            criteria.append(
                {"code": parts[0], "name": parts[1], "weight": weight, "scale_min": low, "scale_max": high}
            )
        if not criteria:
            raise ValidationError(_("Укажите хотя бы один критерий оценки."))
        return criteria


class CallForm(forms.Form):
    title = forms.CharField(label=_("Название"), max_length=300)
    year = forms.IntegerField(label=_("Год"), min_value=2000, max_value=2100)
    description = forms.CharField(label=_("Описание"), required=False, widget=forms.Textarea(attrs=TEXT))
    eligible_kinds = forms.MultipleChoiceField(
        label=_("Кто может подать: типы кластеров"),
        required=False,
        choices=Cluster.Kind.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Ничего не отмечено — любой тип."),
    )
    eligible_registry_statuses = forms.MultipleChoiceField(
        label=_("Кто может подать: статус в реестре"),
        required=False,
        choices=Cluster.RegistryStatus.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Ничего не отмечено — любой статус."),
    )
    opens_at = forms.DateTimeField(label=_("Начало приёма заявок"), widget=DATETIME_WIDGET)
    closes_at = forms.DateTimeField(label=_("Окончание приёма заявок"), widget=DATETIME_WIDGET)
    criteria = CriteriaField(
        label=_("Критерии оценки"),
        help_text=_(
            "По строке на критерий: «код; название; вес; мин; макс», "
            "например «team; Команда проекта; 2; 0; 10»."
        ),
    )
    required_sections = forms.MultipleChoiceField(
        label=_("Обязательные разделы"),
        required=False,
        choices=Call.Section.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    required_attachments = forms.CharField(
        label=_("Обязательные приложения"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("По строке на приложение, например «Презентация проекта»."),
    )
    experts_per_application = forms.IntegerField(
        label=_("Экспертов на заявку"), min_value=1, max_value=20, initial=3
    )
    outlier_spread = forms.DecimalField(
        label=_("Допустимое расхождение оценок, баллов"),
        required=False,
        min_value=Decimal(0),
        max_digits=7,
        decimal_places=2,
    )

    def clean_required_attachments(self) -> list[str]:
        return [
            line.strip() for line in self.cleaned_data["required_attachments"].splitlines() if line.strip()
        ]


class ExpertForm(forms.Form):
    email = forms.EmailField(label=_("E-mail эксперта"))


class AssignForm(forms.Form):
    application = forms.IntegerField(widget=forms.HiddenInput)
    expert = forms.IntegerField(label=_("Эксперт"))


class ClarificationRequestForm(forms.Form):
    request_text = forms.CharField(label=_("Что уточнить"), widget=forms.Textarea(attrs=TEXT))


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Решение"), choices=Decision.Outcome.choices)
    protocol_ref = forms.CharField(label=_("Протокол"), max_length=200, required=False)
    comment = forms.CharField(
        label=_("Комментарий"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReviewForm(forms.Form):
    """A score and a comment per criterion of the call."""

    def __init__(
        self,
        *args: Any,
        criteria: list[Criterion],
        initial_scores: dict[int, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for criterion in criteria:
            known = (initial_scores or {}).get(criterion.pk)
            self.fields[f"value_{criterion.pk}"] = forms.DecimalField(
                label=f"{criterion.name} ({criterion.scale_min}–{criterion.scale_max}, "
                f"{_('вес')} {criterion.weight.normalize()})",
                max_digits=6,
                decimal_places=2,
                initial=getattr(known, "value", None),
            )
            self.fields[f"comment_{criterion.pk}"] = forms.CharField(
                label=_("Комментарий"),
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
                initial=getattr(known, "comment", ""),
            )

    def scores(self) -> dict[int, tuple[Any, str]]:
        """{criterion_id: (value, comment)}, as core.selection.services.scores_save takes them."""
        return {
            c.pk: (self.cleaned_data[f"value_{c.pk}"], self.cleaned_data[f"comment_{c.pk}"])
            for c in self.criteria
        }


class NarrativeForm(forms.Form):
    goals = forms.CharField(label=_("Цели проекта"), required=False, widget=forms.Textarea(attrs=TEXT))
    anchor_project = forms.CharField(
        label=_("Якорный проект"), required=False, widget=forms.Textarea(attrs=TEXT)
    )
    team = forms.CharField(label=_("Команда проекта"), required=False, widget=forms.Textarea(attrs=TEXT))
    expected_effects = forms.CharField(
        label=_("Ожидаемые эффекты"),
        required=False,
        widget=forms.Textarea(attrs=TEXT),
        help_text=_(
            "По строке на эффект: «показатель; единица; было; будет; год», например "
            "«Выручка участников; млн руб.; 1200; 1800; 2027»."
        ),
    )

    def clean_expected_effects(self) -> list[dict[str, Any]]:
        effects: list[dict[str, Any]] = []
        for number, line in enumerate(self.cleaned_data["expected_effects"].splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split(";")]
            if len(parts) != 5 or not parts[0] or not parts[3]:
                raise ValidationError(
                    _("Строка %(n)s: нужно «показатель; единица; было; будет; год».") % {"n": number}
                )
            if parts[4] and not parts[4].isdigit():
                raise ValidationError(_("Строка %(n)s: год — число.") % {"n": number})
            effects.append(
                {
                    "name": parts[0],
                    "unit": parts[1],
                    "baseline": parts[2] or None,
                    "target": parts[3],
                    "year": int(parts[4]) if parts[4] else None,
                }
            )
        return effects


def effects_lines(effects: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"{e.get('name', '')}; {e.get('unit', '')}; {e.get('baseline') or ''}; {e.get('target', '')}; "
        f"{e.get('year') or ''}"
        for e in effects
    )


class AttachmentForm(forms.Form):
    name = forms.CharField(label=_("Приложение"), max_length=200)
    file = forms.FileField(label=_("Файл"))


class SubmitForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("Подтверждаю: сведения верны, после отправки заявку нельзя изменить")
    )


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("Ответ"), widget=forms.Textarea(attrs=TEXT))
