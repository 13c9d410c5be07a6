"""Migrate one schema inside one transaction (used by migrate_all_clusters and backups).

PostgreSQL DDL is transactional: when any migration of the schema fails, the whole run
rolls back and the schema is exactly as before. Migrations marked ``atomic = False``
cannot run inside a transaction; :func:`needs_non_atomic` tells the caller to run such a
schema without the outer transaction (Django then commits migration by migration).
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass
from typing import Any

from django.core.management import call_command
from django.db import connection, transaction
from django.db.migrations.recorder import MigrationRecorder
from django_tenants.utils import get_public_schema_name, get_tenant_base_migrate_command_class

from clusterhub import schema_state


@dataclass
class SchemaResult:
    schema: str
    ok: bool
    seconds: float
    applied: int = 0
    atomic: bool = True
    error: str = ""
    output: str = ""


def _set_schema(name: str, *, include_public: bool = True) -> None:
    tenant_connection: Any = connection
    tenant_connection.set_schema(name, include_public=include_public)


def migrate_one_schema(
    schema: str, *, atomic: bool = True, verbosity: int = 0, applied: int = 0
) -> SchemaResult:
    """Run Django's migrate in `schema`, all in one transaction when `atomic`."""
    started = time.perf_counter()
    out = io.StringIO()
    migrate_command = get_tenant_base_migrate_command_class()
    try:
        # django_migrations must exist in the schema itself, else public's table is found.
        _set_schema(schema, include_public=False)
        MigrationRecorder(connection).ensure_schema()
        _set_schema(schema)
        options = {
            "interactive": False,
            "verbosity": verbosity,
            "stdout": out,
            "stderr": out,
            "skip_checks": True,
        }
        if atomic:
            with transaction.atomic():
                call_command(migrate_command(), **options)
        else:
            call_command(migrate_command(), **options)
        return SchemaResult(
            schema, True, time.perf_counter() - started, applied=applied, atomic=atomic, output=out.getvalue()
        )
    except Exception as exc:
        return SchemaResult(
            schema,
            False,
            time.perf_counter() - started,
            atomic=atomic,
            error=f"{exc.__class__.__name__}: {exc}".strip(),
            output=out.getvalue(),
        )
    finally:
        try:
            _set_schema(get_public_schema_name())
        except Exception:  # the connection may be broken after a failure; the next schema reconnects
            connection.close()


def needs_non_atomic(pending: list[tuple[str, str]]) -> bool:
    graph = schema_state._loader().graph
    return any(key in graph.nodes and not getattr(graph.nodes[key], "atomic", True) for key in pending)


def migrate_schema(schema: str, *, verbosity: int = 0) -> SchemaResult:
    """Apply whatever `schema` lacks (atomically when possible)."""
    pending = schema_state.pending_by_schema([schema]).get(schema, [])
    return migrate_one_schema(
        schema, atomic=not needs_non_atomic(pending), verbosity=verbosity, applied=len(pending)
    )
