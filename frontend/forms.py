"""Forms of the UI: parse and validate input, nothing more."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.ru.regions import REGION_CHOICES


def apply_errors(form: forms.Form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form: by field where the form has it."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
    else:
        for error in exc.messages:
            form.add_error(None, error)


class LoginForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"), widget=forms.EmailInput(attrs={"autofocus": True,
                                                                               "autocomplete": "email"}))
    password = forms.CharField(label=_("Пароль"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class ClusterCreateForm(forms.Form):
    slug = forms.CharField(label=_("Код (поддомен)"), max_length=30,
                           help_text=_("Строчные латинские буквы и цифры, например nso."))
    name = forms.CharField(label=_("Полное наименование"), max_length=300)
    short_name = forms.CharField(label=_("Краткое наименование"), max_length=120, required=False)
    region_codes = forms.MultipleChoiceField(label=_("Регионы"), choices=REGION_CHOICES)
    base_territory = forms.CharField(label=_("Базовая территория"), max_length=300, required=False)
    specialized_organization = forms.CharField(label=_("Специализированная организация"),
                                               max_length=300, required=False)
    founded_on = forms.DateField(label=_("Дата создания"), required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}))
    time_zone = forms.CharField(label=_("Часовой пояс"), initial="Europe/Moscow", max_length=64)
