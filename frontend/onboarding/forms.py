from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.ru.regions import REGION_CHOICES


class NameForm(forms.Form):
    name = forms.CharField(label=_("Полное наименование"), max_length=300)
    short_name = forms.CharField(label=_("Краткое наименование"), max_length=120, required=False)


class RegionsForm(forms.Form):
    region_codes = forms.MultipleChoiceField(
        label=_("Регионы"),
        choices=REGION_CHOICES,
        help_text=_("Один регион — региональный кластер, несколько — межрегиональный."),
    )


class LogoForm(forms.Form):
    file = forms.FileField(label=_("Логотип"), help_text=_("PNG, JPEG или WebP, до 2 МБ."))
