"""Django's PostgreSQL backend, except that an unknown server version is not remembered and the
per-request health check asks the socket before it asks the server.

Django checks the server version once per process, on its first connection, and caches it
(`pg_version`). Through pgbouncer, a connection made while PostgreSQL is down or restarting
can report version 0; Django then caches 0 and raises NotSupportedError ("PostgreSQL 14 or
later is required (found 0.0)") on every later connection of that process — a Celery worker
that first touched the database during an outage stays broken after the database is back
(`make prod-faults` found it). Here version 0 is an OperationalError (a 503 for a request, a
retry for a task) and is not cached; the next connection asks again.

CONN_HEALTH_CHECKS (production): Django checks a kept connection at the first query of every
request with `SELECT 1`, a round trip to PostgreSQL per request (one of the seven of a new
Stripe webhook's). A server that closed the connection (restart, pg_terminate_backend, an idle
timeout, pgbouncer going away) has sent a FATAL error and EOF, so the idle socket is readable:
only then is `SELECT 1` needed. A socket with nothing to read on an idle connection is the
connection as we left it. After an error in the request (errors_occurred) Django's own check runs
unchanged.
"""

from __future__ import annotations

import select

from django.db import OperationalError
from django.db.backends.postgresql import base
from psycopg2.extensions import TRANSACTION_STATUS_IDLE


class DatabaseWrapper(base.DatabaseWrapper):
    @property
    def pg_version(self) -> int:
        known: int | None = self.__dict__.get("_known_pg_version")
        if known:
            return known
        with self.temporary_connection():
            version = int(self.connection.info.server_version)
        if not version:
            self.close()  # this connection is useless; the next one asks again
            raise OperationalError("the database server did not report its version (not reachable yet)")
        self.__dict__["_known_pg_version"] = version
        return version

    def close_if_health_check_failed(self) -> None:
        enabled = self.__dict__.get("health_check_enabled", False)  # set by Django's connect()
        if self.connection is None or not enabled or self.__dict__.get("health_check_done", False):
            return
        if not self._server_quiet() and not self.is_usable():
            self.close()
        self.health_check_done = True

    def _server_quiet(self) -> bool:
        """Whether the kept connection is open and idle with nothing from the server to read (a
        poll of its socket, no round trip). False means: ask the server (is_usable)."""
        connection = self.connection
        try:
            if connection.closed or connection.info.transaction_status != TRANSACTION_STATUS_IDLE:
                return False
            poller = select.poll()
            poller.register(connection.fileno(), select.POLLIN | select.POLLERR | select.POLLHUP)
            return not poller.poll(0)
        except (OSError, ValueError, AttributeError):
            return False
