"""Errors as JSON with a Russian message: {"detail": ..., "code": ..., "errors": {...}}."""

from __future__ import annotations

import sys
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.defaults import page_not_found
from django.views.defaults import server_error as django_server_error
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


# Seconds a client is asked to wait when the database does not answer (a restart or failover
# of PostgreSQL, pgbouncer or the network between them usually takes seconds).
DATABASE_RETRY_AFTER_SECONDS = 15


def server_error(request: HttpRequest) -> HttpResponseBase:
    """handler500 of both URLconfs. A database that does not answer (OperationalError or
    InterfaceError while connecting or querying: PostgreSQL restarting, pgbouncer without a
    server) is not a bug of ours: it answers 503 with Retry-After — a Russian status page, or
    JSON under /api/ — never a 500. Anything else is Django's 500.

    Django calls the handler inside its `except` block, so the exception is sys.exc_info().
    The page is rendered without the request (no context processors: they would query the
    database that is down)."""
    exc = sys.exc_info()[1]
    if not isinstance(exc, OperationalError | InterfaceError):
        return django_server_error(request)
    retry = str(DATABASE_RETRY_AFTER_SECONDS)
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {"detail": "Сервис временно недоступен. Повторите запрос позже.", "code": "service_unavailable"},
            status=503,
        )
    else:
        body = render_to_string(
            "frontend/status_page.html",
            {
                "status": 503,
                "title": _("Сервис временно недоступен"),
                "message": _("База данных не отвечает. Обновите страницу через минуту."),
            },
        )
        response = HttpResponse(body, status=503)
    response["Retry-After"] = retry
    response["Cache-Control"] = "no-store"
    return response
