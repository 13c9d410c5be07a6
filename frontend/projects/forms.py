"""Forms of the joint projects pages: parse and validate input, nothing more (rules are in
tenants.projects.services; fields are named as the services' arguments so their errors land on
the right field)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from core.ru.money import AmountError, parse_roubles
from frontend.members.forms import DATE_WIDGET, RoublesField
from tenants.governance.models import Decision
from tenants.members.models import Company, CooperationContract, Product
from tenants.projects.models import JointProject, ProjectBudget, ProjectIndicator, SupportApplication
from tenants.roadmap.models import Item

MULTI = {"size": 6}


class CompanyField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj)


class CompaniesField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj)


class ProductsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.company})"


class ItemsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.roadmap.title[:40]} — {obj.number} {obj.title[:80]}"


class ContractsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj}: {obj.party_a} — {obj.party_b}"


class DecisionField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.meeting} — № {obj.number}: {obj.text[:80]}"


class ProjectForm(forms.Form):
    """A project with its participants (one lead, participants, suppliers) and its links."""

    title = forms.CharField(label=_("Название"), max_length=500)
    kind = forms.ChoiceField(label=_("Вид проекта"), choices=JointProject.Kind.choices)
    description = forms.CharField(
        label=_("Описание"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    period_start = forms.DateField(label=_("Начало"), widget=DATE_WIDGET)
    period_end = forms.DateField(label=_("Окончание"), widget=DATE_WIDGET)
    lead = CompanyField(label=_("Головной участник"), queryset=Company.objects.none())
    participants = CompaniesField(
        label=_("Участники"),
        queryset=Company.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs=MULTI),
        help_text=_("Несколько — с Ctrl (Cmd на Mac)."),
    )
    suppliers = CompaniesField(
        label=_("Поставщики"),
        queryset=Company.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs=MULTI),
    )
    products = ProductsField(
        label=_("Продукция проекта"),
        queryset=Product.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs=MULTI),
        help_text=_("Из каталога продукции участников проекта."),
    )
    roadmap_items = ItemsField(
        label=_("Мероприятия дорожной карты"),
        queryset=Item.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs=MULTI),
    )
    contracts = ContractsField(
        label=_("Договоры о кооперации"),
        queryset=CooperationContract.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs=MULTI),
    )

    def __init__(
        self,
        *args: Any,
        companies: QuerySet[Company],
        products: QuerySet[Product],
        items: QuerySet[Item],
        contracts: QuerySet[CooperationContract],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        for name in ("lead", "participants", "suppliers"):
            cast(forms.ModelChoiceField, self.fields[name]).queryset = companies
        cast(forms.ModelChoiceField, self.fields["products"]).queryset = products
        cast(forms.ModelChoiceField, self.fields["roadmap_items"]).queryset = items
        cast(forms.ModelChoiceField, self.fields["contracts"]).queryset = contracts

    @staticmethod
    def initial_for(project: JointProject) -> dict[str, Any]:
        by_role: dict[str, list[int]] = {"lead": [], "participant": [], "supplier": []}
        for row in project.participants.all():
            by_role[row.role].append(row.company_id)
        return {
            "title": project.title,
            "kind": project.kind,
            "description": project.description,
            "period_start": project.period_start,
            "period_end": project.period_end,
            "lead": next(iter(by_role["lead"]), None),
            "participants": by_role["participant"],
            "suppliers": by_role["supplier"],
            "products": list(project.products.values_list("pk", flat=True)),
            "roadmap_items": list(project.roadmap_items.values_list("pk", flat=True)),
            "contracts": list(project.contracts.values_list("pk", flat=True)),
        }

    @staticmethod
    def service_kwargs(data: dict[str, Any]) -> dict[str, Any]:
        """The cleaned data as the services take it: participants with roles, links by id."""
        participants = [(data["lead"], "lead")]
        participants += [(company, "participant") for company in data.get("participants") or []]
        participants += [(company, "supplier") for company in data.get("suppliers") or []]
        return {
            "title": data["title"],
            "kind": data["kind"],
            "description": data.get("description", ""),
            "period_start": data["period_start"],
            "period_end": data["period_end"],
            "participants": participants,
            "product_ids": [p.pk for p in data.get("products") or []],
            "roadmap_item_ids": [i.pk for i in data.get("roadmap_items") or []],
            "contract_ids": [c.pk for c in data.get("contracts") or []],
        }


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=JointProject.Status.choices, widget=forms.HiddenInput)
    decision = DecisionField(
        label=_("Решение органа кластера"),
        queryset=Decision.objects.none(),
        required=False,
        empty_label=_("— выберите принятое решение —"),
    )

    def __init__(self, *args: Any, decisions: QuerySet[Decision], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(DecisionField, self.fields["decision"]).queryset = decisions


class BudgetForm(forms.Form):
    year = forms.TypedChoiceField(label=_("Год"), coerce=int, choices=())
    source = forms.ChoiceField(label=_("Источник"), choices=ProjectBudget.Source.choices)
    amount_kopecks = RoublesField(label=_("Сумма, руб."), required=True)

    def __init__(self, *args: Any, years: range, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.TypedChoiceField, self.fields["year"]).choices = [(y, str(y)) for y in years]


def parse_value(text: str, scale: int) -> int | None:
    """An indicator value as typed («1 234,5», «12») in the stored unit: × scale (100 or 1)."""
    value = str(text or "").strip()
    if not value:
        return None
    if scale == 1:
        cleaned = value.replace(" ", "").replace("\u00a0", "")
        if cleaned.startswith("-"):
            raise ValidationError(_("Значение не может быть отрицательным."), code="negative")
        if not cleaned.isdigit():
            raise ValidationError(_("Введите целое число, например «12»."), code="invalid")
        return int(cleaned)
    try:
        return parse_roubles(value.removesuffix("%").strip())
    except AmountError as exc:
        messages = {
            "negative": _("Значение не может быть отрицательным."),
            "invalid": _("Введите число, например «1 234,5»."),
            "too_big": _("Слишком большое значение."),
        }
        raise ValidationError(messages[exc.code], code=exc.code) from exc


class IndicatorValuesForm(forms.Form):
    """Plan, actual and comment; values are typed in the displayed unit and cleaned to the stored one."""

    planned = forms.CharField(label=_("План"), widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    actual = forms.CharField(
        label=_("Факт"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        help_text=_("Пусто — факт ещё не известен."),
    )
    comment = forms.CharField(
        label=_("Комментарий"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def scale(self) -> int:
        raise NotImplementedError

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ("planned", "actual"):
            if name in data:
                try:
                    data[name] = parse_value(data[name], self.scale())
                except ValidationError as exc:
                    self.add_error(name, exc)
        return data


class IndicatorForm(IndicatorValuesForm):
    year = forms.TypedChoiceField(label=_("Год"), coerce=int, choices=())
    kind = forms.ChoiceField(label=_("Показатель"), choices=ProjectIndicator.Kind.choices)
    name = forms.CharField(label=_("Название (для другого показателя)"), max_length=300, required=False)
    unit = forms.CharField(
        label=_("Единица измерения (для другого показателя)"), max_length=50, required=False
    )

    field_order = ["year", "kind", "name", "unit", "planned", "actual", "comment"]

    def __init__(self, *args: Any, years: range, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.TypedChoiceField, self.fields["year"]).choices = [(y, str(y)) for y in years]
        self.fields["planned"].help_text = _(
            "Деньги — в рублях («1 234 567,89»), доля — в процентах, рабочие места — целым числом."
        )

    def scale(self) -> int:
        return ProjectIndicator.SCALE.get(self.cleaned_data.get("kind") or "", 100)


class IndicatorEditForm(IndicatorValuesForm):
    name = forms.CharField(label=_("Название"), max_length=300, required=False)
    unit = forms.CharField(label=_("Единица измерения"), max_length=50, required=False)

    def __init__(self, *args: Any, indicator: ProjectIndicator, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.indicator = indicator
        if indicator.kind != ProjectIndicator.Kind.CUSTOM:
            del self.fields["name"]
            del self.fields["unit"]

    def scale(self) -> int:
        return ProjectIndicator.SCALE[self.indicator.kind]


class ReturnForm(forms.Form):
    reason = forms.CharField(label=_("Что исправить"), required=False, max_length=500)


class SupportForm(forms.Form):
    company = CompanyField(label=_("Заявитель"), queryset=Company.objects.none())
    measure = forms.ChoiceField(label=_("Мера поддержки"), choices=SupportApplication.Measure.choices)
    measure_name = forms.CharField(label=_("Название меры (для другой)"), max_length=300, required=False)
    amount_requested_kopecks = RoublesField(label=_("Запрошено, руб."), required=True)
    submitted_on = forms.DateField(label=_("Дата подачи"), widget=DATE_WIDGET)

    def __init__(self, *args: Any, companies: QuerySet[Company], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(CompanyField, self.fields["company"]).queryset = companies


class SupportDecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Решение"), choices=SupportApplication.Decision.choices)
    decided_on = forms.DateField(label=_("Дата решения"), required=False, widget=DATE_WIDGET)
    amount_granted_kopecks = RoublesField(
        label=_("Предоставлено, руб."), help_text=_("Только для одобренной заявки.")
    )
    decision_note = forms.CharField(
        label=_("Основание решения"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    @staticmethod
    def initial_for(application: SupportApplication) -> dict[str, Any]:
        return {
            "decision": application.decision,
            "decided_on": application.decided_on,
            "amount_granted_kopecks": application.amount_granted_kopecks or None,
            "decision_note": application.decision_note,
        }


class TrancheForm(forms.Form):
    received_on = forms.DateField(label=_("Дата поступления"), widget=DATE_WIDGET)
    amount_kopecks = RoublesField(label=_("Сумма транша, руб."), required=True)
    note = forms.CharField(label=_("Примечание"), max_length=300, required=False)


class DocumentForm(forms.Form):
    title = forms.CharField(
        label=_("Название"),
        max_length=300,
        required=False,
        help_text=_("Если не указать, будет взято имя файла."),
    )
    file = forms.FileField(label=_("Файл"), help_text=_("До 20 МБ."))
