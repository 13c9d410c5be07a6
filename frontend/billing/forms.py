"""Forms of the billing pages (payee settings). Parsing only; the services validate."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from billing.models import DEFAULT_VAT_NOTE, GATEWAYS, YOOKASSA_METHODS


class PayeeForm(forms.Form):
    name = forms.CharField(label=_("Получатель (специализированная организация)"), max_length=300)
    inn = forms.CharField(label=_("ИНН"), max_length=14)
    kpp = forms.CharField(label=_("КПП"), max_length=11, required=False)
    address = forms.CharField(label=_("Адрес"), max_length=500, required=False)
    bank_name = forms.CharField(label=_("Банк"), max_length=300)
    bik = forms.CharField(label=_("БИК"), max_length=11)
    account = forms.CharField(label=_("Расчётный счёт"), max_length=24)
    correspondent_account = forms.CharField(label=_("Корреспондентский счёт"), max_length=24)
    director = forms.CharField(label=_("Руководитель (подпись в счёте)"), max_length=200, required=False)
    accountant = forms.CharField(label=_("Главный бухгалтер"), max_length=200, required=False)
    vat_note = forms.CharField(
        label=_("Строка НДС в счёте"),
        max_length=200,
        initial=DEFAULT_VAT_NOTE,
        help_text=_("Печатается под итогом счёта и в конце назначения платежа, например «Без налога (НДС)»."),
    )
    gateways = forms.MultipleChoiceField(
        label=_("Онлайн-оплата"),
        choices=list(GATEWAYS.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Что предлагает кнопка «Оплатить» в счетах участников. Без шлюзов счёт оплачивают "
            "банковским переводом."
        ),
    )
    yookassa_shop_id = forms.CharField(label=_("shopId ЮKassa"), max_length=40, required=False)
    yookassa_secret_key = forms.CharField(
        label=_("Секретный ключ ЮKassa (live_… или test_…)"),
        max_length=255,
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_(
            "Хранится в зашифрованном виде и больше не показывается. Оставьте пустым, чтобы не менять."
        ),
    )
    yookassa_methods = forms.MultipleChoiceField(
        label=_("Способы оплаты через ЮKassa"),
        choices=list(YOOKASSA_METHODS.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    stripe_publishable_key = forms.CharField(
        label=_("Публикуемый ключ Stripe (pk_…)"), max_length=255, required=False
    )
    stripe_secret_key = forms.CharField(
        label=_("Секретный ключ Stripe (sk_…)"),
        max_length=255,
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_(
            "Хранится в зашифрованном виде и больше не показывается. Оставьте пустым, чтобы не менять."
        ),
    )
    stripe_webhook_secret = forms.CharField(
        label=_("Секрет подписи вебхуков Stripe (whsec_…)"),
        max_length=255,
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_(
            "Хранится в зашифрованном виде и больше не показывается. Оставьте пустым, чтобы не менять."
        ),
    )
