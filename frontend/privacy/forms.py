"""Forms of the personal data pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tenants.privacy.models import ProcessingActivity, SubjectRequest


class PurposeForm(forms.Form):
    title = forms.CharField(label=_("Цель обработки"), max_length=300)
    text = forms.CharField(label=_("Текст согласия"), widget=forms.Textarea(attrs={"rows": 5}))


class TextForm(forms.Form):
    text = forms.CharField(
        label=_("Новая редакция текста согласия"), widget=forms.Textarea(attrs={"rows": 5})
    )


class ActivityForm(forms.Form):
    name = forms.CharField(label=_("Процесс"), max_length=300)
    data_categories = forms.CharField(label=_("Какие данные"), widget=forms.Textarea(attrs={"rows": 2}))
    purpose = forms.CharField(label=_("Цель"), widget=forms.Textarea(attrs={"rows": 2}))
    legal_basis = forms.ChoiceField(label=_("Правовое основание"), choices=ProcessingActivity.Basis.choices)
    retention = forms.CharField(label=_("Срок хранения"), max_length=300)
    access = forms.CharField(label=_("У кого доступ"), widget=forms.Textarea(attrs={"rows": 2}))


class RequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("Вид запроса"), choices=SubjectRequest.Kind.choices)
    user = forms.TypedChoiceField(label=_("Субъект"), coerce=int)
    received_on = forms.DateField(
        label=_("Дата получения"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, people: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = people  # type: ignore[attr-defined]


class RefuseForm(forms.Form):
    reason = forms.CharField(label=_("Причина отказа"), widget=forms.Textarea(attrs={"rows": 3}))


class IncidentForm(forms.Form):
    title = forms.CharField(label=_("Инцидент"), max_length=300)
    description = forms.CharField(
        label=_("Что произошло"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    detected_at = forms.DateTimeField(
        label=_("Обнаружен"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    affected = forms.IntegerField(label=_("Затронуто субъектов"), required=False, min_value=0)
