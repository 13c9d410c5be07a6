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

DATABASE_CONNECT_RETRY_SECONDS (production 1 s, elsewhere 0 = off): a failed connect() is tried
again every CONNECT_RETRY_STEP seconds while that budget lasts. After PostgreSQL comes back,
pgbouncer still refuses new server logins until its server_login_retry has passed since its last
failed one (deploy/ sets 0.25 s), and the refusal reaches Django inside connect() — most often as
"server closed the connection unexpectedly" from init_connection_state's `SET TIME ZONE`, not from
get_new_connection — so the whole connect() is retried: the half-made connection is closed first.
Never inside an atomic block (a new connection there would silently lose the transaction; Django
refuses it anyway). The cost: while PostgreSQL is down every request waits the budget before its
503. Off outside production: tests and development talk to PostgreSQL directly (no pgbouncer
window to bridge), and a test of the 503 should not wait.
"""

from __future__ import annotations

import logging
import select
import time

import psycopg2
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.db.backends.postgresql import base
from psycopg2.extensions import TRANSACTION_STATUS_IDLE

logger = logging.getLogger(__name__)

CONNECT_RETRY_STEP = 0.1  # seconds between connect attempts (each one a TCP + SCRAM login)
_CONNECT_ERRORS = (
    psycopg2.OperationalError,
    psycopg2.InterfaceError,
    OperationalError,  # raised wrapped from nested cursors, and by pg_version below
    InterfaceError,
)


class DatabaseWrapper(base.DatabaseWrapper):
    def connect(self) -> None:
        budget = float(getattr(settings, "DATABASE_CONNECT_RETRY_SECONDS", 0) or 0)
        if budget <= 0 or self.in_atomic_block:
            super().connect()
            return
        started = time.monotonic()
        deadline = started + budget
        attempts = 1
        while True:
            try:
                super().connect()
            except _CONNECT_ERRORS:
                self._drop_half_made_connection()
                pause = min(CONNECT_RETRY_STEP, deadline - time.monotonic())
                if pause <= 0:
                    raise
                time.sleep(pause)
                attempts += 1
                continue
            if attempts > 1:
                logger.warning(
                    "database connection made on attempt %d, %.2f s after the first",
                    attempts,
                    time.monotonic() - started,
                )
            return

    def _drop_half_made_connection(self) -> None:
        connection, self.connection = self.connection, None
        if connection is not None:
            try:
                connection.close()
            except psycopg2.Error:
                pass

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
