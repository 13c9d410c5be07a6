"""python manage.py migrate_all_clusters [--processes N] [--schemas a,b] [--force] [--plan]

Migrates public, then the cluster template (and refreshes its DDL snapshot when the
template's migrations changed, and the spare schemas, as migrate_schemas does), then every
live cluster schema in parallel, at most --processes at a time. Each schema is migrated
inside ONE transaction: PostgreSQL DDL is transactional, so a schema whose migration fails
is left exactly as it was (none of its new migrations applied) and the others are not
touched by its failure. Failures are listed at the end and the command exits non-zero.

Schemas with nothing to apply are found with one query per 200 schemas and skipped
(--force runs Django's migrate in them anyway). Schemas that lack the same migrations get
the same SQL: it is collected once (as sqlmigrate does) and replayed in each of them, one
transaction per schema, when those migrations are pure SQL (no RunPython); otherwise, and
when a replay fails, Django's migrate runs in the schema (clusterhub.schema_migrate).
A migration marked atomic = False (e.g. CREATE INDEX CONCURRENTLY) cannot run in a
transaction: a schema that needs one is migrated without the outer transaction, and the
report says so.

Two runs never overlap: the command holds a PostgreSQL advisory lock while it works.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, connections
from django_tenants.utils import get_public_schema_name
from psycopg2 import sql

from clusterhub import schema_state
from clusterhub.schema_migrate import (
    SchemaResult,
    SqlPlan,
    migrate_one_schema,
    migrate_schema,
    needs_non_atomic,
    replay_sql_plan,
    sql_plan_for,
)

# pg_try_advisory_lock key: "clusterhub migrate" (any fixed bigint works).
LOCK_KEY = 0x636C7573746D6967
OUTPUT_TAIL = 1500


@dataclass
class Plan:
    run: list[str] = field(default_factory=list)
    up_to_date: list[str] = field(default_factory=list)
    pending: dict[str, list[tuple[str, str]]] = field(default_factory=dict)


def _worker_init() -> None:
    # Close this process's connections cleanly when the pool shuts down.
    from multiprocessing import util

    util.Finalize(None, connections.close_all, exitpriority=10)


def _worker(job: tuple[str, bool, int, int, SqlPlan | None]) -> SchemaResult:
    schema, atomic, verbosity, applied, sql_plan = job
    if sql_plan is not None:
        return replay_sql_plan(schema, sql_plan, verbosity=verbosity, applied=applied)
    return migrate_one_schema(schema, atomic=atomic, verbosity=verbosity, applied=applied)


class Command(BaseCommand):
    help = (
        "Мигрирует public, шаблонную схему и все схемы кластеров параллельно; каждая схема — "
        "в одной транзакции, сбой одной не затрагивает остальные."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--processes",
            type=int,
            default=None,
            help="сколько схем мигрировать одновременно (по умолчанию "
            "TENANT_MULTIPROCESSING_MAX_PROCESSES или число ядер)",
        )
        parser.add_argument(
            "--schemas",
            default="",
            help="только эти схемы кластеров, через запятую (public и шаблон не трогаются)",
        )
        parser.add_argument(
            "--force", action="store_true", help="запускать migrate и там, где применять нечего"
        )
        parser.add_argument("--plan", action="store_true", help="только показать, где есть что применить")

    def handle(self, *args: Any, **opts: Any) -> None:
        self.verbosity = int(opts["verbosity"])
        processes = (
            opts["processes"]
            or getattr(settings, "TENANT_MULTIPROCESSING_MAX_PROCESSES", None)
            or os.cpu_count()
            or 1
        )
        processes = max(1, int(processes))
        only = [s.strip() for s in opts["schemas"].split(",") if s.strip()]
        started = time.perf_counter()

        # Fork the workers before this process opens any database connection: they start clean.
        pool = None
        if processes > 1 and not opts["plan"]:
            context = multiprocessing.get_context("fork")
            connections.close_all()
            pool = context.Pool(processes=processes, initializer=_worker_init)
        try:
            self._lock()
            try:
                failures = self._run(pool, processes, only, force=opts["force"], plan_only=opts["plan"])
            finally:
                self._unlock()
        finally:
            if pool is not None:
                pool.close()
                pool.join()
        elapsed = time.perf_counter() - started
        if failures:
            raise CommandError(
                f"Миграция не удалась в {len(failures)} схемах: {', '.join(failures)} "
                f"({elapsed:.1f} с). Эти схемы остались без изменений; остальные мигрированы."
            )
        if not opts["plan"]:
            self.stdout.write(self.style.SUCCESS(f"Готово за {elapsed:.1f} с."))

    # --- steps ---------------------------------------------------------------------------------

    def _lock(self) -> None:
        with connection.cursor() as cur:
            cur.execute("SELECT pg_try_advisory_lock(%s)", [LOCK_KEY])
            if not cur.fetchone()[0]:
                raise CommandError("Другая миграция уже идёт (блокировка migrate_all_clusters занята).")

    def _unlock(self) -> None:
        try:
            with connection.cursor() as cur:
                cur.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])
        except Exception:  # the session ends anyway; its lock goes with it
            connection.close()

    def _migrate_here(self, schema: str) -> None:
        result = migrate_schema(schema, verbosity=max(0, self.verbosity - 1))
        self._report(result)
        if not result.ok:
            raise CommandError(f"Схема {schema} не мигрирована (изменения отменены): {result.error}")

    def _run(self, pool: Any, processes: int, only: list[str], *, force: bool, plan_only: bool) -> list[str]:
        from tenants import schemas as tenant_schemas

        if only:
            unknown = set(only) - schema_state.existing_schemas(only)
            if unknown:
                raise CommandError(f"Нет таких схем: {', '.join(sorted(unknown))}")
            targets = only
        else:
            public, template = get_public_schema_name(), tenant_schemas.template_schema()
            if plan_only:
                targets = [public, template, *schema_state.live_cluster_schemas()]
            else:
                self._migrate_here(public)
                with connection.cursor() as cur:
                    cur.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(template)))
                self._migrate_here(template)
                tenant_schemas.template_snapshot_current()
                tenant_schemas.spare_schemas_refresh()
                targets = schema_state.live_cluster_schemas()

        plan = self._plan(targets, force=force)
        self.stdout.write(
            f"Схем: {len(targets)}; есть что применить: {len(plan.pending)}; "
            f"мигрировать: {len(plan.run)}; процессов: {min(processes, max(1, len(plan.run)))}."
        )
        if plan_only:
            for schema, missing in sorted(plan.pending.items()):
                self.stdout.write(f"  {schema}: {', '.join(f'{a}.{n}' for a, n in missing)}")
            return []

        verbosity = max(0, self.verbosity - 1)
        # Schemas that lack the same migrations need the same SQL: collected once per group
        # from one of them (nothing executed), then replayed in each, one transaction per
        # schema (clusterhub.schema_migrate). --force and single schemas take the ordinary way.
        groups: dict[tuple[tuple[str, str], ...], list[str]] = {}
        for s in plan.run:
            groups.setdefault(tuple(plan.pending.get(s, [])), []).append(s)
        sql_plans: dict[tuple[tuple[str, str], ...], SqlPlan | None] = {
            key: sql_plan_for(members[0], list(key)) if key and len(members) > 1 and not force else None
            for key, members in groups.items()
        }
        jobs = [
            (s, not needs_non_atomic(list(key)), verbosity, len(key), sql_plans[key])
            for key, members in groups.items()
            for s in members
        ]
        return sorted(self._jobs(pool, jobs))

    def _jobs(self, pool: Any, jobs: list[tuple[str, bool, int, int, SqlPlan | None]]) -> list[str]:
        failures = []
        if pool is None or len(jobs) <= 1:
            results = (_worker(job) for job in jobs)
        else:
            connections.close_all()
            results = pool.imap_unordered(_worker, jobs)
        for result in results:
            self._report(result)
            if not result.ok:
                failures.append(result.schema)
        return failures

    def _plan(self, targets: list[str], *, force: bool) -> Plan:
        pending = schema_state.pending_by_schema(targets)
        missing_schema = [s for s, p in pending.items() if p == [("<schema>", "<missing>")]]
        if missing_schema:
            raise CommandError(f"Схемы кластеров отсутствуют: {', '.join(missing_schema)}")
        run = list(targets) if force else [s for s in targets if s in pending]
        return Plan(run=run, up_to_date=[s for s in targets if s not in pending], pending=pending)

    def _report(self, result: SchemaResult) -> None:
        mode = "" if result.atomic else " [без общей транзакции: есть миграция atomic=False]"
        if result.ok:
            if self.verbosity >= 1:
                self.stdout.write(
                    f"  OK     {result.schema}: применено {result.applied} за {result.seconds:.2f} с{mode}"
                )
            if self.verbosity >= 2 and result.output:
                self.stdout.write(result.output)
            return
        self.stderr.write(self.style.ERROR(f"  СБОЙ   {result.schema}: {result.error}{mode}"))
        if result.output:
            self.stderr.write("         " + result.output[-OUTPUT_TAIL:].replace("\n", "\n         "))
