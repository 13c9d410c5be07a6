"""Sentry: on when SENTRY_DSN is set; every event tagged with the cluster slug; no PII."""

from __future__ import annotations

from typing import Any

import sentry_sdk
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.django import DjangoIntegration


def _scrub(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any] | None:
    """Drop what could identify a person even if an integration added it."""
    user = event.get("user")
    if user:
        event["user"] = {"id": user.get("id")} if user.get("id") else {}
    request = event.get("request") or {}
    for key in ("cookies", "data"):
        request.pop(key, None)
    headers = request.get("headers") or {}
    for name in list(headers):
        if name.lower() in {"cookie", "authorization", "x-csrftoken"}:
            headers.pop(name)
    return event


def init_sentry(*, dsn: str, environment: str, transport: Any = None) -> None:
    options: dict[str, Any] = {
        "dsn": dsn,
        "environment": environment,
        # Deprecated in sentry-sdk 2.75 for `data_collection`, whose defaults still send the
        # session cookie (tests/test_sentry.py caught it); keep the option that sends no PII.
        "send_default_pii": False,
        "integrations": [DjangoIntegration(), CeleryIntegration()],
        "before_send": _scrub,
        "traces_sample_rate": 0.0,
    }
    if transport is not None:
        options["transport"] = transport
    sentry_sdk.init(**options)


def tag_cluster(slug: str | None) -> None:
    """Tag every event of the current request or task with its cluster."""
    sentry_sdk.get_isolation_scope().set_tag("cluster", slug or "public")
