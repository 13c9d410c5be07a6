"""Django's PostgreSQL backend, except that an unknown server version is not remembered.

Django checks the server version once per process, on its first connection, and caches it
(`pg_version`). Through pgbouncer, a connection made while PostgreSQL is down or restarting
can report version 0; Django then caches 0 and raises NotSupportedError ("PostgreSQL 14 or
later is required (found 0.0)") on every later connection of that process — a Celery worker
that first touched the database during an outage stays broken after the database is back
(`make prod-faults` found it). Here version 0 is an OperationalError (a 503 for a request, a
retry for a task) and is not cached; the next connection asks again.
"""

from __future__ import annotations

from django.db import OperationalError
from django.db.backends.postgresql import base


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
