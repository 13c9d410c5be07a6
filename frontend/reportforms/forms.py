"""Forms of the report-form editor: parse input; the services validate."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.federal.models import Indicator


class FormCreateForm(forms.Form):
    year = forms.IntegerField(label=_("Год отчёта"), min_value=2015, max_value=2100)
    title = forms.CharField(label=_("Название"), max_length=300, required=False)


class FormCopyForm(forms.Form):
    year = forms.IntegerField(label=_("Для какого года"), min_value=2015, max_value=2100)


class IndicatorForm(forms.Form):
    code = forms.SlugField(
        label=_("Код"),
        max_length=60,
        help_text=_("Латинские буквы, цифры, «_»: по нему показатель сравнивают между годами."),
    )
    name_ru = forms.CharField(label=_("Название (рус.)"), max_length=300)
    name_en = forms.CharField(label=_("Название (англ.)"), max_length=300, required=False)
    unit = forms.CharField(label=_("Единица измерения"), max_length=30, required=False)
    value_type = forms.ChoiceField(label=_("Тип значения"), choices=Indicator.ValueType.choices)
    method = forms.ChoiceField(label=_("Способ получения"), choices=Indicator.Method.choices)
    source = forms.CharField(
        label=_("Источник"),
        max_length=120,
        required=False,
        help_text=_("Для вводимых показателей — пусто; для отношения — «числитель/знаменатель»."),
    )
    required = forms.BooleanField(label=_("Обязательный"), required=False)
    hint = forms.CharField(label=_("Пояснение"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    position = forms.IntegerField(label=_("Порядок"), min_value=0, required=False)
