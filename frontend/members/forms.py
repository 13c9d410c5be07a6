"""Forms of the members pages: parse and validate input, nothing more."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from core.ru.money import AmountError, format_roubles, parse_roubles
from core.ru.regions import REGIONS
from tenants.governance.models import Decision
from tenants.members.models import Company, CooperationContract, KpiReport, Product

REGION_CHOICES = [("", _("— не указан —")), *sorted(REGIONS.items(), key=lambda item: item[1])]
PUBLISHABLE_CHOICES = [
    (name, getattr(Company._meta.get_field(name), "verbose_name", name))
    for name in Company.PUBLISHABLE_FIELDS
]
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class RoublesField(forms.CharField):
    """Roubles as people type them («1 234 567,89»), cleaned to integer kopecks."""

    default_error_messages = {
        "invalid": _("Введите сумму в рублях, например «1 234 567,89»."),
        "negative": _("Сумма не может быть отрицательной."),
        "too_big": _("Слишком большая сумма."),
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "0,00"}))
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, int):
            return format_roubles(value)
        return value

    def to_python(self, value: Any) -> int:  # type: ignore[override]
        try:
            return parse_roubles(str(value or ""))
        except AmountError as exc:
            raise ValidationError(self.error_messages[exc.code], code=exc.code) from exc


class CompanyProfileForm(forms.Form):
    """What a representative may change in its own company's card."""

    region_code = forms.ChoiceField(label=_("Регион"), choices=REGION_CHOICES, required=False)
    address = forms.CharField(label=_("Адрес"), max_length=500, required=False)
    website = forms.CharField(label=_("Сайт"), max_length=200, required=False)
    okved_codes = forms.CharField(
        label=_("Коды ОКВЭД2"), required=False, help_text=_("Через запятую, например: 32.50, 26.60.")
    )
    description = forms.CharField(
        label=_("Описание"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    services = forms.CharField(label=_("Услуги"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    prospective_projects = forms.CharField(
        label=_("Перспективные проекты"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    public_fields = forms.MultipleChoiceField(
        label=_("Показывать в открытом каталоге участников"),
        required=False,
        choices=PUBLISHABLE_CHOICES,
        widget=forms.CheckboxSelectMultiple,
    )

    @staticmethod
    def initial_for(company: Company) -> dict[str, Any]:
        return {
            "full_name": company.full_name,
            "short_name": company.short_name,
            "kind": company.kind,
            "legal_form": company.legal_form,
            "inn": company.inn,
            "ogrn": company.ogrn,
            "kpp": company.kpp,
            "region_code": company.region_code,
            "address": company.address,
            "website": company.website,
            "is_sez_resident": company.is_sez_resident,
            "special_territory": company.special_territory,
            "okved_codes": ", ".join(company.okved_codes),
            "description": company.description,
            "services": company.services,
            "prospective_projects": company.prospective_projects,
            "public_fields": company.public_fields,
        }


class CompanyForm(CompanyProfileForm):
    full_name = forms.CharField(label=_("Полное наименование"), max_length=500)
    short_name = forms.CharField(
        label=_("Краткое наименование"),
        max_length=200,
        required=False,
        help_text=_("Если не указать, будет взято полное наименование."),
    )
    kind = forms.ChoiceField(label=_("Тип"), choices=Company.Kind.choices, initial=Company.Kind.COMPANY)
    legal_form = forms.CharField(label=_("Организационно-правовая форма"), max_length=100, required=False)
    inn = forms.CharField(label=_("ИНН"), max_length=14, required=False)
    ogrn = forms.CharField(label=_("ОГРН/ОГРНИП"), max_length=17, required=False)
    kpp = forms.CharField(label=_("КПП"), max_length=11, required=False)
    is_sez_resident = forms.BooleanField(label=_("Резидент ОЭЗ"), required=False)
    special_territory = forms.ChoiceField(
        label=_("Моногород или ТОР"),
        required=False,
        choices=[("", _("Нет")), *Company.SpecialTerritory.choices],
        help_text=_(
            "Если не менее 30 % участников в моногородах или на ТОР, порог функциональной зависимости "
            "для реестра — 10 % вместо 20 %."
        ),
    )

    field_order = [
        "full_name",
        "short_name",
        "kind",
        "legal_form",
        "inn",
        "ogrn",
        "kpp",
        "is_sez_resident",
        "special_territory",
    ]


class CompanyCreateForm(CompanyForm):
    status = forms.ChoiceField(
        label=_("Статус"),
        initial=Company.Status.INTERESTED,
        choices=[(s.value, s.label) for s in (Company.Status.INTERESTED, Company.Status.APPLIED)],
    )


class LifecycleForm(forms.Form):
    action = forms.ChoiceField(choices=Company.Action.choices, widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Основание"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    decision = forms.ModelChoiceField(
        label=_("Решение общего собрания"), queryset=Decision.objects.none(), required=False
    )

    def __init__(self, *args: Any, decisions: QuerySet[Decision], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["decision"]).queryset = decisions


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail представителя"))


class NewAccountForm(forms.Form):
    full_name = forms.CharField(label=_("Фамилия, имя, отчество"), max_length=200)
    password = forms.CharField(label=_("Пароль"), widget=forms.PasswordInput(render_value=False))
    password2 = forms.CharField(label=_("Пароль ещё раз"), widget=forms.PasswordInput(render_value=False))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") and data.get("password2") and data["password"] != data["password2"]:
            self.add_error("password2", _("Пароли не совпадают."))
        return data


class SignInForm(forms.Form):
    password = forms.CharField(label=_("Пароль"), widget=forms.PasswordInput(render_value=False))


class ConfirmForm(forms.Form):
    pass


class ProductForm(forms.Form):
    name = forms.CharField(label=_("Наименование"), max_length=300)
    kind = forms.ChoiceField(
        label=_("Вид"), choices=Product.Kind.choices, initial=Product.Kind.MEDICAL_DEVICE
    )
    registration_number = forms.CharField(
        label=_("Регистрационное удостоверение"),
        max_length=60,
        required=False,
        help_text=_("Например: РЗН 2024/23835, ФСР 2009/05719, ФСЗ 2010/07753."),
    )
    description = forms.CharField(
        label=_("Описание"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    in_innovation_registry = forms.BooleanField(label=_("В реестре инновационной продукции"), required=False)
    innovation_registry_date = forms.DateField(
        label=_("Дата включения в реестр"), required=False, widget=DATE_WIDGET
    )
    is_published = forms.BooleanField(label=_("Показывать в каталоге"), required=False, initial=True)

    @staticmethod
    def initial_for(product: Product) -> dict[str, Any]:
        return {
            name: getattr(product, name)
            for name in (
                "name",
                "kind",
                "registration_number",
                "description",
                "in_innovation_registry",
                "innovation_registry_date",
                "is_published",
            )
        }


class KpiForm(forms.Form):
    revenue = RoublesField(label=_("Выручка, руб."))
    revenue_medical_devices = RoublesField(label=_("Выручка от медицинских изделий, руб."))
    investment = RoublesField(label=_("Инвестиции, руб."))
    export = RoublesField(label=_("Экспорт, руб."))
    rnd_spend = RoublesField(label=_("Расходы на НИОКР, руб."))
    taxes_paid = RoublesField(label=_("Уплаченные налоги, руб."))
    employees = forms.IntegerField(label=_("Численность работников"), min_value=0, initial=0)
    new_jobs = forms.IntegerField(label=_("Новые рабочие места"), min_value=0, initial=0)
    products_launched = forms.IntegerField(label=_("Выведено продуктов на рынок"), min_value=0, initial=0)

    @staticmethod
    def initial_for(report: KpiReport) -> dict[str, Any]:
        return {name: getattr(report, name) for name in (*KpiReport.MONEY_FIELDS, *KpiReport.COUNT_FIELDS)}


class KpiCreateForm(KpiForm):
    year = forms.IntegerField(label=_("Год"), min_value=2000, max_value=2100)

    field_order = ["year"]


class KpiReturnForm(forms.Form):
    reason = forms.CharField(label=_("Что исправить"), required=False)


class ContractForm(forms.Form):
    kind = forms.ChoiceField(label=_("Вид"), choices=CooperationContract.Kind.choices)
    party_a = forms.ModelChoiceField(label=_("Поставщик (сторона А)"), queryset=Company.objects.none())
    party_b = forms.ModelChoiceField(label=_("Покупатель (сторона Б)"), queryset=Company.objects.none())
    number = forms.CharField(label=_("Номер договора"), max_length=100)
    signed_on = forms.DateField(label=_("Дата заключения"), widget=DATE_WIDGET)
    amount_kopecks = RoublesField(label=_("Сумма, руб."))
    subject = forms.CharField(label=_("Предмет договора"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, parties: QuerySet[Company], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["party_a"]).queryset = parties
        cast(forms.ModelChoiceField, self.fields["party_b"]).queryset = parties

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("party_a") is not None and data.get("party_a") == data.get("party_b"):
            self.add_error("party_b", _("Стороны договора должны быть разными организациями."))
        return data


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Файл CSV или XLSX"),
        help_text=_(
            "Первая строка — заголовок, например: «Полное наименование;Краткое "
            "наименование;ИНН;ОГРН;КПП;Регион;Адрес;Сайт;Резидент ОЭЗ;ОКВЭД2»."
        ),
    )
