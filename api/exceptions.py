"""Errors as JSON with a Russian message: {"detail": ..., "code": ..., "errors": {...}}."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, HttpResponseBase, JsonResponse
from django.views.defaults import page_not_found
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from billing.gateway import GatewayUnavailable


class ServiceUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "gateway_unavailable"


def _field_errors(detail: Any) -> dict[str, list[str]]:
    """{"field": [message, …]}; errors of nested input get the path of the value that failed
    («items[2].title», «address.city»), never a Python repr of the nested structure."""
    errors: dict[str, list[str]] = {}

    def walk(path: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                walk(f"{path}.{key}" if path else str(key), item)
        elif isinstance(value, list):
            if all(not isinstance(item, dict | list) for item in value):
                errors.setdefault(path or "non_field_errors", []).extend(str(item) for item in value)
            else:  # a list serializer's errors: one entry per item, empty ones for valid items
                for index, item in enumerate(value):
                    walk(f"{path}[{index}]", item)
        else:
            errors.setdefault(path or "non_field_errors", []).append(str(value))

    walk("", detail)
    return errors


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, GatewayUnavailable):  # a payment gateway is down: nothing changed, retry later
        exc = ServiceUnavailable(detail=exc.message)
    if isinstance(exc, DjangoValidationError):
        detail: Any = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        exc = exceptions.ValidationError(detail=detail)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = {
            "detail": "Проверьте введённые данные.",
            "code": "invalid",
            "errors": _field_errors(exc.detail),
        }
        response.status_code = status.HTTP_400_BAD_REQUEST
    elif isinstance(exc, exceptions.Throttled):  # DRF's own text is half English
        seconds = getattr(exc, "wait", None)
        wait = f" Повторите через {int(seconds) + 1} с." if seconds is not None else ""
        response.data = {"detail": f"Слишком много запросов.{wait}", "code": "throttled"}
    elif isinstance(exc, exceptions.APIException):
        detail = exc.detail
        response.data = {"detail": str(detail), "code": getattr(detail, "code", exc.default_code)}
    return response


def not_found(request: HttpRequest, exception: Exception) -> HttpResponseBase:
    """handler404 of both URLconfs: an unknown URL under /api/ answers JSON like the API's own
    404s (the pages keep Django's)."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Такой страницы нет.", "code": "not_found"}, status=404)
    return page_not_found(request, exception)
