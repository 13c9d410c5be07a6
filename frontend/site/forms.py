"""Forms of the site pages: parse and validate input, nothing more."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from tenants.events.models import Event, Participation
from tenants.members.models import Company

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class EventForm(forms.Form):
    kind = forms.ChoiceField(label=_("Вид"), choices=Event.Kind.choices)
    title = forms.CharField(label=_("Название"), max_length=300)
    starts_on = forms.DateField(label=_("Дата начала"), widget=DATE_INPUT)
    ends_on = forms.DateField(
        label=_("Дата окончания"),
        required=False,
        widget=DATE_INPUT,
        help_text=_("Для однодневного мероприятия можно не указывать."),
    )
    place = forms.CharField(label=_("Место проведения"), max_length=300, required=False)
    organizer = forms.CharField(label=_("Организатор"), max_length=300, required=False)
    description = forms.CharField(
        label=_("Описание"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    has_joint_stand = forms.BooleanField(label=_("Совместный стенд кластера"), required=False)
    is_public = forms.BooleanField(label=_("Показывать на сайте кластера"), required=False, initial=True)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", _("Дата окончания не может быть раньше даты начала."))
        return data


class ParticipationForm(forms.Form):
    """Staff pick the company; a representative registers its own (no company field)."""

    company = forms.ModelChoiceField(label=_("Организация"), queryset=Company.objects.none())
    role = forms.ChoiceField(
        label=_("Формат участия"),
        choices=Participation.Role.choices,
        initial=Participation.Role.BUSINESS_PROGRAMME,
    )
    note = forms.CharField(label=_("Примечание"), max_length=300, required=False)

    def __init__(
        self, *args: Any, companies: QuerySet[Company] | None = None, joint_stand: bool = True, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if companies is None:
            del self.fields["company"]
        else:
            self.fields["company"].queryset = companies  # type: ignore[attr-defined]
        if not joint_stand:  # the event has no joint stand to stand on
            role = self.fields["role"]
            role.choices = [  # type: ignore[attr-defined]
                c for c in Participation.Role.choices if c[0] != Participation.Role.JOINT_STAND
            ]


class NewsForm(forms.Form):
    title = forms.CharField(label=_("Заголовок"), max_length=300)
    body = forms.CharField(label=_("Текст"), required=False, widget=forms.Textarea(attrs={"rows": 8}))
    publish = forms.BooleanField(label=_("Опубликовать"), required=False)


class ArticleForm(forms.Form):
    title = forms.CharField(label=_("Заголовок"), max_length=300)
    lead = forms.CharField(label=_("Анонс"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    body = forms.CharField(label=_("Текст"), required=False, widget=forms.Textarea(attrs={"rows": 12}))
    author = forms.CharField(label=_("Автор"), max_length=200, required=False)
    publish = forms.BooleanField(label=_("Опубликовать"), required=False)


class JobForm(forms.Form):
    title = forms.CharField(label=_("Должность"), max_length=300)
    company = forms.ModelChoiceField(
        label=_("Организация"),
        queryset=Company.objects.none(),
        required=False,
        help_text=_("Участник кластера, если вакансия его; можно не указывать."),
    )
    description = forms.CharField(
        label=_("Описание"), required=False, widget=forms.Textarea(attrs={"rows": 8})
    )
    location = forms.CharField(label=_("Место работы"), max_length=300, required=False)
    salary = forms.CharField(
        label=_("Зарплата"),
        max_length=200,
        required=False,
        help_text=_("Как в объявлении, например «от 80 000 ₽»."),
    )
    expires_on = forms.DateField(label=_("Актуальна до"), required=False, widget=DATE_INPUT)
    publish = forms.BooleanField(label=_("Опубликовать"), required=False)

    def __init__(self, *args: Any, companies: QuerySet[Company] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if companies is not None:
            self.fields["company"].queryset = companies  # type: ignore[attr-defined]


class DocumentForm(forms.Form):
    title = forms.CharField(
        label=_("Название"),
        max_length=300,
        required=False,
        help_text=_("Если не указать, возьмём имя файла."),
    )
    description = forms.CharField(
        label=_("Описание"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    file = forms.FileField(label=_("Файл"))
    publish = forms.BooleanField(label=_("Опубликовать"), required=False)

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["title"].required = True
            self.fields["title"].help_text = ""
            self.fields["file"].required = False
            self.fields["file"].label = _("Новый файл")
            self.fields["file"].help_text = _("Только если нужно заменить файл.")
