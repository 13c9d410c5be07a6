"""Fixtures of the operations tests: the production middleware stack on the test settings."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

import pytest
from django.db import connection
from pytest_django import Settings

from clusterhub import ops, schema_state
from clusterhub.settings.base import MIDDLEWARE as BASE_MIDDLEWARE


@pytest.fixture
def production_middleware(settings: Settings) -> None:
    """MIDDLEWARE as production.py builds it (the test Client picks it up when created)."""
    settings.MIDDLEWARE = [*ops.OPS_MIDDLEWARE, *BASE_MIDDLEWARE]


@pytest.fixture(autouse=True)
def _fresh_readiness() -> Iterator[None]:
    ops.migrations_verdict.reset()
    schema_state.forget()
    yield
    ops.migrations_verdict.reset()


def database_url() -> str:
    """The URL of the database this test session uses (for subprocesses)."""
    s = connection.settings_dict
    auth = quote(s["USER"] or "postgres", safe="")
    if s.get("PASSWORD"):
        auth += ":" + quote(s["PASSWORD"], safe="")
    host = quote(s["HOST"] or "", safe="")
    port = f":{s['PORT']}" if s.get("PORT") else ""
    return f"postgres://{auth}@{host}{port}/{quote(s['NAME'], safe='')}"
