"""Row 1: create one cluster by cloning the template vs by replaying migrations."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field
from unittest import mock

from django.core.management import call_command
from django.db import connection
from psycopg2 import sql

from tenants import schemas
from tenants.services import cluster_provision

from .fixtures import slug, to_public_schema


@dataclass(frozen=True)
class SchemaShape:
    """What a cluster schema holds: enough to tell a real copy from an empty schema."""

    tables: int
    indexes: int
    constraints: int
    migrations: int

    def __str__(self) -> str:
        return (
            f"{self.tables} tables, {self.indexes} indexes, {self.constraints} constraints, "
            f"{self.migrations} django_migrations rows"
        )


def schema_shape(name: str) -> SchemaShape:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT (SELECT count(*) FROM information_schema.tables WHERE table_schema = %(s)s), "
            "(SELECT count(*) FROM pg_indexes WHERE schemaname = %(s)s), "
            "(SELECT count(*) FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace "
            " WHERE n.nspname = %(s)s)",
            {"s": name},
        )
        tables, indexes, constraints = cur.fetchone()
        cur.execute(sql.SQL("SELECT count(*) FROM {}.django_migrations").format(sql.Identifier(name)))
        (migrations,) = cur.fetchone()
    return SchemaShape(tables, indexes, constraints, migrations)


@dataclass
class ProvisionResult:
    template: SchemaShape
    clone_ms: list[float] = field(default_factory=list)  # a spare schema is renamed
    ddl_ms: list[float] = field(default_factory=list)  # pool empty: the snapshot DDL is replayed
    refill_ms: list[float] = field(default_factory=list)  # the background top-up of the pool
    replay_ms: list[float] = field(default_factory=list)

    @property
    def ddl_median(self) -> float:
        return statistics.median(self.ddl_ms)

    @property
    def refill_median(self) -> float:
        return statistics.median(self.refill_ms)

    @property
    def clone_median(self) -> float:
        return statistics.median(self.clone_ms)

    @property
    def replay_median(self) -> float:
        return statistics.median(self.replay_ms)


def _provision(cluster_slug: str) -> float:
    """Our way, as a request runs it. The pool top-up that the service schedules on commit
    runs in a Celery worker in production; here (eager tasks) it is kept out of the timing
    and measured on its own."""
    import tenants.services as services

    to_public_schema()
    with mock.patch.object(
        services, "enqueue_on_commit"
    ):  # the refill it queues ("tenants.spare_schemas_refill")
        start = time.perf_counter()
        cluster_provision(slug=cluster_slug, name=f"Bench {cluster_slug}", region_codes=["RU-MOS"])
        return (time.perf_counter() - start) * 1000


def _clone(cluster_slug: str) -> float:
    """Our normal path: a spare (pre-cloned) schema is renamed."""
    return _provision(cluster_slug)


def _ddl(cluster_slug: str) -> float:
    """Our path when the pool is empty: the template's snapshot DDL is replayed."""
    from django.conf import settings

    spares, settings.CLUSTER_SPARE_SCHEMAS = settings.CLUSTER_SPARE_SCHEMAS, 0
    try:
        return _provision(cluster_slug)
    finally:
        settings.CLUSTER_SPARE_SCHEMAS = spares


def _refill() -> float:
    to_public_schema()
    start = time.perf_counter()
    schemas.spare_schemas_refresh()
    return (time.perf_counter() - start) * 1000


def _replay_schema(*, target: str) -> None:
    """django-tenants' classic schema creation (TenantMixin.create_schema): replay migrations."""
    with connection.cursor() as cur:
        cur.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(target)))
    call_command("migrate_schemas", schema_name=target, tenant=True, interactive=False, verbosity=0)


def _replay(cluster_slug: str) -> float:
    """The same service with only the schema step swapped for replaying every migration,
    so both sides do the same validation and bookkeeping (row, domain, one transaction)."""
    to_public_schema()
    clone = schemas.schema_clone_from_template
    schemas.schema_clone_from_template = _replay_schema
    try:
        start = time.perf_counter()
        cluster_provision(slug=cluster_slug, name=f"Bench {cluster_slug}", region_codes=["RU-MOS"])
        elapsed = (time.perf_counter() - start) * 1000
    finally:
        schemas.schema_clone_from_template = clone
    to_public_schema()
    return elapsed


def run(*, first_number: int, samples: int = 5) -> tuple[ProvisionResult, int]:
    """Provision `samples` clusters each way. Returns the result and the next free bench number."""
    to_public_schema()
    result = ProvisionResult(template=schema_shape(schemas.template_schema()))
    n = first_number
    # Interleaved, so drift (caches, autovacuum, a growing catalog) hits both sides alike.
    _refill()
    for _ in range(samples):
        result.clone_ms.append(_clone(slug(n)))
        result.refill_ms.append(_refill())
        result.ddl_ms.append(_ddl(slug(n + 1)))
        result.replay_ms.append(_replay(slug(n + 2)))
        # Outside the timings: every way must have built the template's structure.
        for name in (slug(n), slug(n + 1), slug(n + 2)):
            shape = schema_shape(name)
            if shape != result.template:
                raise RuntimeError(f"schema {name}: {shape}; template: {result.template}")
        n += 3
    return result, n
