"""Output serializers without DRF's per-field machinery on every row.

DRF builds a ModelSerializer's fields again for every request (model introspection) and, for
each row, walks them through a generator, `get_attribute` and `to_representation`. For a list of
plain columns that is most of an API list's CPU. `PlainFieldsSerializer` builds, once per class,
the plan of its fields (name, attribute, the field's own `to_representation`) and applies it to
each row: the same JSON (the same field objects convert each value: time zone, formats), the same
OpenAPI schema (the declared fields are untouched). A serializer with any field that is not a
plain attribute of a supported type (relations, method fields, nested serializers, dotted
sources) keeps DRF's path.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from rest_framework import fields, serializers

# Fields whose to_representation reads nothing but the value and the field's own options.
PLAIN_FIELDS = (
    fields.BigIntegerField,
    fields.BooleanField,
    fields.CharField,
    fields.DateField,
    fields.DateTimeField,
    fields.DecimalField,
    fields.EmailField,
    fields.FloatField,
    fields.IntegerField,
    fields.UUIDField,
)

Plan = tuple[tuple[str, str, Callable[[Any], Any]], ...]


class PlainFieldsSerializer(serializers.ModelSerializer):
    _plans: ClassVar[dict[type, Plan | None]] = {}

    def _plan(self) -> Plan | None:
        cls = type(self)
        if cls not in PlainFieldsSerializer._plans:
            readable = list(self._readable_fields)
            plain = all(type(f) in PLAIN_FIELDS and len(f.source_attrs) == 1 for f in readable)
            PlainFieldsSerializer._plans[cls] = (
                tuple((str(f.field_name), f.source_attrs[0], f.to_representation) for f in readable)
                if plain
                else None
            )
        return PlainFieldsSerializer._plans[cls]

    def to_representation(self, instance: Any) -> dict[str, Any]:
        plan = self._plan()
        if plan is None:
            return super().to_representation(instance)
        out: dict[str, Any] = {}
        for name, attribute, convert in plan:
            value = getattr(instance, attribute)
            out[name] = None if value is None else convert(value)
        return out
