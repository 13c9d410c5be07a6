"""The filter backend every API list uses (settings REST_FRAMEWORK DEFAULT_FILTER_BACKENDS).

A filter on a relation (`?company=<id>`) is a plain number, never a choice among all rows of
the related table: django-filter's default ModelChoiceFilter answered 400 for an unknown id and
200 for an existing one the caller may not see (id enumeration), and listed every row in the
browsable API's filter form. Now any id the caller cannot see gives the same empty page.
A yes/no filter takes true/false (or 1/0); anything else is refused (400), not ignored.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db import models
from django_filters import rest_framework as filters
from django_filters.filters import BooleanFilter

TRUE = {"true", "1", "yes"}
FALSE = {"false", "0", "no"}


class StrictBooleanField(forms.NullBooleanField):
    widget = forms.TextInput

    def to_python(self, value: Any) -> bool | None:  # type: ignore[override]  # None: not filtered
        if value is None:  # not given: not filtered
            return None
        text = str(value).strip().lower()
        if text in TRUE:
            return True
        if text in FALSE:
            return False
        raise forms.ValidationError("Укажите true или false.", code="invalid")

    def validate(self, value: Any) -> None:
        pass


class StrictBooleanFilter(BooleanFilter):  # django-filter's, not its DRF one (whose widget maps junk to None)
    field_class = StrictBooleanField


class FilterSet(filters.FilterSet):
    FILTER_DEFAULTS = {
        **filters.FilterSet.FILTER_DEFAULTS,
        models.ForeignKey: {"filter_class": filters.NumberFilter},
        models.OneToOneField: {"filter_class": filters.NumberFilter},
        models.BooleanField: {"filter_class": StrictBooleanFilter},
    }


class FilterBackend(filters.DjangoFilterBackend):
    filterset_base = FilterSet
