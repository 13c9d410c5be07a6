"""Migrate one schema inside one transaction (used by migrate_all_clusters and backups).

PostgreSQL DDL is transactional: when any migration of the schema fails, the whole run
rolls back and the schema is exactly as before. Migrations marked ``atomic = False``
cannot run inside a transaction; :func:`needs_non_atomic` tells the caller to run such a
schema without the outer transaction (Django then commits migration by migration).

Cluster schemas are clones of one template, so the schemas that lack the same migrations
need the same SQL. :func:`sql_plan_for` collects that SQL once (Django's ``sqlmigrate``
machinery: the loader, the project state and the schema editor in collect mode, with the
search_path on one of those schemas) and :func:`replay_sql_plan` runs it in each of the
others inside one transaction, records the migrations and sends ``post_migrate`` (content
types) as ``migrate`` does when the plan adds, drops or renames a model: a few milliseconds per schema instead of rebuilding the
migration graph and the project state in every one. Only plans that are pure SQL qualify
(no RunPython, every migration atomic); if a replay fails, the schema is rolled back and
migrated the ordinary way, whose error (if any) is what gets reported.
"""

from __future__ import annotations

import io
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.management import call_command
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.migration import Migration
from django.db.migrations.operations.base import Operation
from django.db.migrations.operations.models import CreateModel, DeleteModel, RenameModel
from django.db.migrations.operations.special import SeparateDatabaseAndState
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


@dataclass(frozen=True)
class SqlPlan:
    """The SQL that brings a schema with a given set of missing migrations up to date."""

    statements: tuple[str, ...]
    records: tuple[tuple[str, str], ...]  # django_migrations rows, in order
    # post_migrate's receivers here are content types (one per model): sent only when the
    # plan creates, deletes or renames a model (~0.1 s per schema, 40 queries).
    models_changed: bool = True


def _pure_sql(operations: Sequence[Operation]) -> bool:
    for operation in operations:
        if isinstance(operation, SeparateDatabaseAndState):
            if not _pure_sql(operation.database_operations):
                return False
        elif not operation.reduces_to_sql:
            return False
    return True


def _changes_models(operations: Sequence[Operation]) -> bool:
    for operation in operations:
        if isinstance(operation, SeparateDatabaseAndState):
            if _changes_models(operation.state_operations):
                return True
        elif isinstance(operation, CreateModel | DeleteModel | RenameModel):
            return True
    return False


def _records(migration: Migration) -> list[tuple[str, str]]:
    # As MigrationExecutor.record_migration: a squashed migration records what it replaces.
    if migration.replaces:
        return [tuple(key) for key in migration.replaces]  # type: ignore[misc]
    return [(migration.app_label, migration.name)]


def sql_plan_for(schema: str, pending: list[tuple[str, str]]) -> SqlPlan | None:
    """The SQL migrate would run in `schema` (collected, nothing executed), or None when the
    plan cannot stand for other schemas: a non-SQL operation or a non-atomic migration."""
    try:
        _set_schema(schema)
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        keys = {(migration.app_label, migration.name) for migration, _ in plan}
        if not plan or keys != set(pending) or any(backwards for _, backwards in plan):
            return None
        if not all(migration.atomic and _pure_sql(migration.operations) for migration, _ in plan):
            return None
        # sqlmigrate's output less its "-- Add field …" comment lines (an empty query to psycopg2).
        statements = tuple(
            statement
            for statement in executor.loader.collect_sql(plan)
            if not all(line.strip().startswith("--") or not line.strip() for line in statement.splitlines())
        )
        records = tuple(key for migration, _ in plan for key in _records(migration))
        models_changed = any(_changes_models(migration.operations) for migration, _ in plan)
        return SqlPlan(statements, records, models_changed)
    finally:
        _set_schema(get_public_schema_name())


def replay_sql_plan(schema: str, plan: SqlPlan, *, verbosity: int = 0, applied: int = 0) -> SchemaResult:
    """Run `plan` in `schema` in one transaction; on any error fall back to migrate_one_schema."""
    from django.apps import apps
    from django.core.management.sql import emit_post_migrate_signal

    started = time.perf_counter()
    try:
        _set_schema(schema)
        with transaction.atomic():
            if plan.statements:
                with connection.cursor() as cur:
                    cur.execute("\n".join(plan.statements))  # one round trip; no parameters
            recorder = MigrationRecorder(connection)
            recorder.migration_qs.bulk_create(
                [recorder.Migration(app=app, name=name) for app, name in plan.records]
            )
            if plan.models_changed:
                emit_post_migrate_signal(verbosity, False, connection.alias, apps=apps)
        return SchemaResult(schema, True, time.perf_counter() - started, applied=applied)
    except Exception:
        try:
            _set_schema(get_public_schema_name())
        except Exception:
            connection.close()
        return migrate_one_schema(schema, atomic=True, verbosity=verbosity, applied=applied)
    finally:
        try:
            _set_schema(get_public_schema_name())
        except Exception:
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
