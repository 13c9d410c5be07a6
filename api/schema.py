"""What the OpenAPI schema (/api/schema/) says beyond each view's own `extend_schema`.

`error_responses` (a drf-spectacular postprocessing hook, SPECTACULAR_SETTINGS) documents on
every operation the errors api/exceptions.py sends as JSON: 400 (invalid input, a refused
action), 401 (no or bad credentials, where the operation needs them), 403 (no role), 404
(nothing with that id here), 429 (too many requests). `DOCUMENT_RESPONSE` is the honest
content type of a stored document's download: the type of the file, not «octet-stream».
Choice filters of the query also list "" (not filtered).
"""

from __future__ import annotations

import mimetypes
from typing import Any

from drf_spectacular.types import OpenApiTypes

from core.files import DOCUMENT_EXTENSIONS

ERROR_COMPONENT = "Error"
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Ошибка: сообщение на русском, код и (для 400) ошибки по полям.",
    "properties": {
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "errors": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
            "description": "Поле (для вложенных данных — путь: «items[2].title») → сообщения",
        },
    },
    "required": ["detail"],
}
ERROR_DESCRIPTIONS = {
    "400": "Неверные данные или действие отклонено (ошибки по полям в errors)",
    "401": "Нужен вход: нет или неверные учётные данные",
    "403": "Нет прав на это действие в этом кластере",
    "404": "Не найдено (или не видно вам)",
    "429": "Слишком много запросов; повторите позже",
}

DOCUMENT_CONTENT_TYPES = sorted(
    {mimetypes.guess_type(f"file{ext}")[0] or "application/octet-stream" for ext in DOCUMENT_EXTENSIONS}
)
DOCUMENT_RESPONSE: dict[Any, Any] = {
    (200, content_type): OpenApiTypes.BINARY for content_type in DOCUMENT_CONTENT_TYPES
}


def _needs_credentials(operation: dict[str, Any]) -> bool:
    security: list[dict[str, Any]] = operation.get("security") or []
    return bool(security) and {} not in security


def _empty_choice_allowed(operation: dict[str, Any]) -> None:
    """An empty query value of a choice filter (`?kind=`) means «not filtered», as in the pages'
    forms; the schema says so instead of listing only the choices."""
    for parameter in operation.get("parameters", []):
        schema = parameter.get("schema", {})
        if parameter.get("in") == "query" and "enum" in schema and "" not in schema["enum"]:
            schema["enum"] = [*schema["enum"], ""]


def error_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    result.setdefault("components", {}).setdefault("schemas", {})[ERROR_COMPONENT] = ERROR_SCHEMA
    reference = {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            _empty_choice_allowed(operation)
            responses = operation.setdefault("responses", {})
            for code, description in ERROR_DESCRIPTIONS.items():
                if code == "401" and not _needs_credentials(operation):
                    continue
                responses.setdefault(
                    code, {"description": description, "content": {"application/json": {"schema": reference}}}
                )
    return result
