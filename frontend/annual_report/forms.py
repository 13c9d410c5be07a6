"""Forms of the annual report pages: parse input, nothing more (the services validate figures)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from core.federal.compute import Figure
from core.federal.models import Indicator

COMMENT_PREFIX = "comment__"
REPORT_COMMENTS = "report_comments"


class DraftForm(forms.Form):
    """One field per entered indicator (named by its code), a comment per indicator, a general comment."""

    def __init__(self, *args: Any, figures: list[Figure], comments: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.figures = figures
        for figure in figures:
            if figure.takes_input:
                widget: forms.Widget = (
                    forms.Textarea(attrs={"rows": 3})
                    if figure.value_type == Indicator.ValueType.TEXT
                    else forms.TextInput(attrs={"inputmode": "decimal"})
                )
                self.fields[figure.code] = forms.CharField(
                    label=figure.name_ru,
                    required=False,
                    widget=widget,
                    initial=figure.raw,
                    max_length=5000,
                    help_text=_(
                        "Пусто — по данным кластера; другое значение — только с причиной в комментарии."
                    )
                    if figure.is_overridable
                    else "",
                )
            self.fields[COMMENT_PREFIX + figure.code] = forms.CharField(
                label=_("Комментарий"),
                required=False,
                initial=figure.comment,
                max_length=5000,
                widget=forms.TextInput(attrs={"class": "comment"}),
            )
        self.fields[REPORT_COMMENTS] = forms.CharField(
            label=_("Комментарий к отчёту"),
            required=False,
            initial=comments,
            max_length=5000,
            widget=forms.Textarea(attrs={"rows": 4}),
        )

    def entered_values(self) -> dict[str, str]:
        return {f.code: self.cleaned_data.get(f.code, "") for f in self.figures if f.takes_input}

    def indicator_comments(self) -> dict[str, str]:
        return {f.code: self.cleaned_data.get(COMMENT_PREFIX + f.code, "") for f in self.figures}

    def rows(self) -> list[tuple[Figure, Any, Any]]:
        """(figure, value field or None, comment field) in the form's order, for the template."""
        return [
            (f, self[f.code] if f.takes_input else None, self[COMMENT_PREFIX + f.code]) for f in self.figures
        ]


class SubmitForm(forms.Form):
    correction_reason = forms.CharField(
        label=_("Причина исправления"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    confirm = forms.BooleanField(
        label=_("Я проверил(а) отчёт и подтверждаю отправку"),
        required=True,
        error_messages={"required": _("Подтвердите отправку отчёта.")},
    )
