"""Forms of the roadmap pages: parse and validate input, nothing more."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from tenants.governance.models import Decision
from tenants.roadmap.models import Item, Roadmap
from tenants.roadmap.services import MAX_IMPORT_BYTES

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Файл таблицы"),
        help_text=_(
            "Таблица из шести столбцов, как в отчёте: .txt (столбцы через табуляцию), "
            ".xlsx или .docx, до 10 МБ."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".txt,.tsv,.xlsx,.docx"}),
    )
    title = forms.CharField(
        label=_("Название"), max_length=500, required=False, help_text=_("Пусто — из заголовка таблицы.")
    )
    period_start = forms.DateField(
        label=_("Действует с"),
        required=False,
        widget=DATE,
        help_text=_("Пусто — год из заголовка («… за 2018 год»)."),
    )
    period_end = forms.DateField(label=_("Действует по"), required=False, widget=DATE)
    replaces = forms.ModelChoiceField(
        label=_("Новая версия карты"),
        queryset=Roadmap.objects.none(),
        required=False,
        empty_label=_("— нет, новая дорожная карта —"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        replaces = cast(forms.ModelChoiceField, self.fields["replaces"])
        replaces.queryset = Roadmap.objects.filter(next_versions__isnull=True).order_by(
            "-period_start", "-version"
        )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(_("Файл слишком большой: дорожная карта занимает не больше 10 МБ."))
        return upload


class RoadmapForm(forms.Form):
    title = forms.CharField(label=_("Название"), max_length=500)
    period_start = forms.DateField(label=_("Действует с"), widget=DATE)
    period_end = forms.DateField(label=_("Действует по"), widget=DATE)


class DecisionField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.meeting} — № {obj.number}: {obj.text[:80]}"


class ApproveForm(forms.Form):
    decision = DecisionField(
        label=_("Решение общего собрания"), queryset=Decision.objects.none(), empty_label=None
    )

    def __init__(self, *args: Any, decisions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(DecisionField, self.fields["decision"]).queryset = decisions


class ProgressForm(forms.Form):
    status = forms.ChoiceField(label=_("Статус"), choices=Item.Status.choices)
    actual_result = forms.CharField(
        label=_("Результат"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Ссылки в тексте станут кликабельными."),
    )
    comments = forms.CharField(
        label=_("Комментарии"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class PlanForm(forms.Form):
    title = forms.CharField(label=_("Наименование мероприятия"), widget=forms.Textarea(attrs={"rows": 2}))
    executors_text = forms.CharField(
        label=_("Ответственные исполнители"),
        required=False,
        help_text=_("Через запятую; люди — «Фамилия И.О.»."),
    )
    deadline_text = forms.CharField(
        label=_("Сроки исполнения"),
        max_length=300,
        required=False,
        help_text=_(
            "Как в документе: «2 октября 2018 г.», «II квартал 2019 г.», «Ежеквартально», «В течение года»."
        ),
    )
    expected_result = forms.CharField(
        label=_("Ожидаемый результат, примечание"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class EvidenceForm(forms.Form):
    title = forms.CharField(label=_("Название"), max_length=300, required=False)
    file = forms.FileField(label=_("Файл"))
