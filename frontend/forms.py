"""Forms of the UI: parse and validate input, nothing more."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core import display
from core.ru.regions import REGION_CHOICES

from .pages import apply_errors

__all__ = ["ClusterCreateForm", "LoginForm", "apply_errors"]


class LoginForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail"), widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )
    password = forms.CharField(
        label=_("Пароль"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class ClusterCreateForm(forms.Form):
    slug = forms.CharField(
        label=_("Код (поддомен)"),
        max_length=30,
        help_text=_("Строчные латинские буквы и цифры, например nso."),
    )
    name = forms.CharField(label=_("Полное наименование"), max_length=300)
    short_name = forms.CharField(label=_("Краткое наименование"), max_length=120, required=False)
    region_codes = forms.MultipleChoiceField(label=_("Регионы"), choices=REGION_CHOICES)
    base_territory = forms.CharField(label=_("Базовая территория"), max_length=300, required=False)
    specialized_organization = forms.CharField(
        label=_("Специализированная организация"), max_length=300, required=False
    )
    founded_on = forms.DateField(
        label=_("Дата создания"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    # the Russian zones by city and offset («Новосибирск (UTC+7)»), not raw tz names
    time_zone = forms.ChoiceField(
        label=_("Часовой пояс"), choices=display.time_zone_choices, initial="Europe/Moscow"
    )
    admin_email = forms.EmailField(
        label=_("E-mail администратора кластера"),
        help_text=_("Ему придёт приглашение: он задаст пароль, подготовит кластер и активирует его."),
    )
