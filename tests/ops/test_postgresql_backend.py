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
