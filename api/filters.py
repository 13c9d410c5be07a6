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


# The FilterSet django-filter builds from a view's `filterset_fields`, by (model, fields): it built
# the class (a metaclass walk over the model's fields) again on every request.
_built: dict[tuple[type[models.Model], str], Any] = {}


class FilterBackend(filters.DjangoFilterBackend):
    """django-filter's backend; the FilterSet class built once per (model, fields), and not run at
    all when the request names none of its filters (there is nothing for it to filter or refuse)."""

    filterset_base = FilterSet

    def get_filterset_class(self, view: Any, queryset: models.QuerySet | None = None) -> Any:
        fields = getattr(view, "filterset_fields", None)
        if getattr(view, "filterset_class", None) or queryset is None or not fields:
            return super().get_filterset_class(view, queryset)
        key = (queryset.model, repr(fields))
        found = _built.get(key)
        if found is None:
            found = _built[key] = super().get_filterset_class(view, queryset)
        return found

    def filter_queryset(self, request: Any, queryset: models.QuerySet, view: Any) -> models.QuerySet:
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None:
            return queryset
        names = tuple(filterset_class.base_filters)
        if not any(param.startswith(names) for param in request.query_params):
            return queryset
        return super().filter_queryset(request, queryset, view)
