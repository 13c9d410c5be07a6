"""The request parsers every API view uses (settings REST_FRAMEWORK DEFAULT_PARSER_CLASSES).

JSON goes through core.json_input.json_loads (nesting limited: 400, never a RecursionError);
text in any body (JSON, form, multipart) is checked by core.text's one validator: a control
character anywhere answers 400 naming the field, before a view or a service sees the data.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, Any

from django.http import QueryDict
from rest_framework import parsers
from rest_framework.exceptions import ParseError, ValidationError

from core.json_input import JSONInputError, json_loads
from core.text import CONTROL_CHARACTERS_MESSAGE, has_control_characters


def _control_characters_refuse(data: Any) -> None:
    """ValidationError {"<path>": [message]} for the first text holding a control character."""
    stack: list[tuple[str, Any]] = [("", data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            if has_control_characters(value):
                raise ValidationError({path or "non_field_errors": [str(CONTROL_CHARACTERS_MESSAGE)]})
        elif isinstance(value, QueryDict):
            stack.extend((key, item) for key, items in value.lists() for item in items)
            stack.extend(("", key) for key in value)
        elif isinstance(value, Mapping):
            for key, item in value.items():
                stack.append((f"{path}.{key}" if path else str(key), item))
                stack.append((path, key))
        elif isinstance(value, list):
            stack.extend((f"{path}[{index}]", item) for index, item in enumerate(value))


class JSONParser(parsers.JSONParser):
    def parse(
        self, stream: IO[Any], media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> Any:
        try:
            data = json_loads(stream.read() if stream is not None else b"")
        except JSONInputError as exc:
            raise ParseError(exc.message) from exc
        _control_characters_refuse(data)
        return data


class FormParser(parsers.FormParser):
    def parse(
        self, stream: IO[Any], media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> Any:
        data = super().parse(stream, media_type, parser_context)
        _control_characters_refuse(data)
        return data


class MultiPartParser(parsers.MultiPartParser):
    def parse(
        self, stream: IO[Any], media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> Any:
        result = super().parse(stream, media_type, parser_context)
        _control_characters_refuse(result.data)  # the text fields; uploaded files are not text
        return result
