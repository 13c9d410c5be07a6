"""Request ids, structured JSON logs and per-request metrics.

RequestObservabilityMiddleware goes first in MIDDLEWARE (production.py puts it there):

- it takes the request id from ``X-Request-ID`` (nginx sets it to its ``$request_id``)
  when it looks like one, else makes one; the response carries it back in
  ``X-Request-ID``, every log line of the request carries it, Sentry events are tagged;
- after the response it counts the request in the Prometheus metrics (clusterhub.metrics)
  and writes one access log line (logger ``clusterhub.request``) with the cluster slug,
  method, path, status and duration.

JsonFormatter writes one JSON object per line. Every record gets ``cluster`` (the schema
the connection is on: the cluster slug, or ``public``) and ``request_id`` (or, inside a
Celery task, ``task_id``), whichever logger wrote it. Secrets carried in links (invitation
and password-reset tokens, ``?token=``/``?key=``/``?secret=``) are replaced by ``[redacted]`` in
every line (``redact``), as nginx does in its access log (deploy/nginx).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sys
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.core.signals import request_finished
from django.http import HttpRequest, HttpResponse

from clusterhub import metrics

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{8,128}$")
_request_id: ContextVar[str | None] = ContextVar("clusterhub_request_id", default=None)

access_logger = logging.getLogger("clusterhub.request")

# Link secrets: the token of an invitation, the uid and token of a password reset, query keys.
_SECRETS_IN_PATHS = (
    (re.compile(r"(/invitations/)[^/?\s\"']+"), r"\1[redacted]"),
    (re.compile(r"(/reset/)[^/?\s\"']+/[^/?\s\"']+"), r"\1[redacted]/[redacted]"),
    (re.compile(r"([?&](?:token|key|secret)=)[^&\s\"']*"), r"\1[redacted]"),
)


def redact(text: str) -> str:
    """`text` (a path, a URL, a log message) with the secrets of links replaced."""
    for pattern, replacement in _SECRETS_IN_PATHS:
        text = pattern.sub(replacement, text)
    return text


# Paths that are neither counted nor access-logged (probes and scrapes every few seconds).
OPS_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


def current_request_id() -> str | None:
    return _request_id.get()


def current_cluster() -> str | None:
    """The schema of this thread's database connection (no query): the cluster slug, or public."""
    try:
        from django.db import connection

        return getattr(connection, "schema_name", None)
    except Exception:  # settings not configured yet (gunicorn master at start-up)
        return None


def _current_task_id() -> str | None:
    if "celery" not in sys.modules:
        return None
    from celery import current_task

    try:
        return current_task.request.id if current_task else None
    except Exception:  # no task context
        return None


_RESERVED = frozenset(vars(logging.LogRecord("x", 0, "x", 0, "x", None, None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, message, cluster, request_id, extras."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "cluster": getattr(record, "cluster", None) or current_cluster(),
            "request_id": getattr(record, "request_id", None) or current_request_id(),
        }
        task_id = _current_task_id()
        if task_id:
            payload["task_id"] = task_id
        for key, value in vars(record).items():
            if key not in _RESERVED and key not in payload:
                payload[key] = value
        if record.exc_info:
            payload["exc"] = self.formatException(record.exc_info)
        if record.stack_info:
            payload["stack"] = self.formatStack(record.stack_info)
        # the whole line: a message, an extra, a request's repr (django.request) or a traceback
        return redact(json.dumps(payload, ensure_ascii=False, default=str))


def _cluster_label(request: HttpRequest) -> str:
    cluster = getattr(request, "cluster", None)
    if cluster is not None:
        return str(cluster.schema_name)
    if getattr(request, "urlconf", None) == settings.PUBLIC_SCHEMA_URLCONF:
        return "public"
    return "unknown"


def _view_label(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unresolved"
    return match.view_name or "unnamed"


class RequestObservabilityMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if _REQUEST_ID_RE.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        # Cleared on request_finished, not here: Django logs 4xx/5xx (django.request) after
        # the middleware chain has returned, and those lines must carry the id too.
        _request_id.set(request_id)
        started = time.perf_counter()
        if "sentry_sdk" in sys.modules:
            import sentry_sdk

            sentry_sdk.get_isolation_scope().set_tag("request_id", request_id)
        response = self.get_response(request)
        seconds = time.perf_counter() - started
        response[REQUEST_ID_HEADER] = request_id
        if request.path not in OPS_PATHS:
            cluster = _cluster_label(request)
            view = _view_label(request)
            metrics.request_observe(
                cluster=cluster,
                method=request.method or "",
                status=response.status_code,
                seconds=seconds,
                view=view,
            )
            access_logger.info(
                "%s %s %s",
                request.method,
                redact(request.path),
                response.status_code,
                extra={
                    "cluster": cluster,
                    "method": request.method,
                    "path": redact(request.path),
                    "status": response.status_code,
                    "duration_ms": round(seconds * 1000, 2),
                    "view": view,
                },
            )
        return response


def _forget_request_id(**_: Any) -> None:
    _request_id.set(None)


request_finished.connect(_forget_request_id, dispatch_uid="clusterhub_forget_request_id")
