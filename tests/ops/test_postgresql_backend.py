"""A connection that reports server version 0 (pgbouncer while PostgreSQL is down) is an
OperationalError and is not cached: once the server answers, the same process works again."""

from __future__ import annotations

from contextlib import nullcontext
from typing import Any
from unittest import mock

import pytest
from django.db import OperationalError, connections


def test_unknown_version_is_an_operational_error_and_not_remembered() -> None:
    wrapper: Any = connections.create_connection("default")
    fake = mock.Mock()
    fake.info.server_version = 0
    with (
        mock.patch.object(type(wrapper), "temporary_connection", return_value=nullcontext()),
        mock.patch.object(type(wrapper), "close"),
    ):
        wrapper.connection = fake
        with pytest.raises(OperationalError):
            _ = wrapper.pg_version
        fake.info.server_version = 150004  # the server is back
        assert wrapper.pg_version == 150004
        assert wrapper.get_database_version() == (15, 4)
        fake.info.server_version = 0  # remembered once known
        assert wrapper.pg_version == 150004
    wrapper.connection = None


def _kept_connection() -> Any:
    """A second connection to the test database, kept open between requests with health checks on."""
    wrapper: Any = connections.create_connection("default")
    wrapper.settings_dict = {**wrapper.settings_dict, "CONN_HEALTH_CHECKS": True, "CONN_MAX_AGE": 60}
    wrapper.ensure_connection()
    wrapper.health_check_enabled = True
    with wrapper.cursor() as cursor:  # a request's query; then the request ends
        cursor.execute("SELECT 1")
    wrapper.close_if_unusable_or_obsolete()
    return wrapper


@pytest.mark.django_db
def test_a_quiet_kept_connection_is_checked_without_a_round_trip() -> None:
    wrapper = _kept_connection()
    try:
        raw = wrapper.connection
        with mock.patch.object(type(wrapper), "is_usable", side_effect=AssertionError("SELECT 1 sent")):
            with wrapper.cursor() as cursor:  # the next request's first query
                cursor.execute("SELECT 2")
                assert cursor.fetchone() == (2,)
        assert wrapper.connection is raw  # kept
    finally:
        wrapper.close()


@pytest.mark.django_db
def test_a_connection_the_server_closed_is_replaced_before_the_next_request_queries() -> None:
    import time

    wrapper = _kept_connection()
    try:
        raw = wrapper.connection
        pid = raw.info.backend_pid
        with connections["default"].cursor() as cursor:  # the server ends it (as a restart would)
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        deadline = time.monotonic() + 5
        while wrapper._server_quiet() and time.monotonic() < deadline:
            time.sleep(0.02)
        with wrapper.cursor() as cursor:  # the next request: a new connection, no error
            cursor.execute("SELECT pg_backend_pid()")
            assert cursor.fetchone()[0] != pid
        assert wrapper.connection is not raw
    finally:
        wrapper.close()
