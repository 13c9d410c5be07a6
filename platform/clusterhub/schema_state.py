"""Which migrations each schema lacks, read cheaply from its django_migrations table.

Every schema (public, the cluster template, each cluster) records every migration of
every app in its own ``django_migrations`` table: django-tenants runs Django's
``migrate`` per schema and the router only skips the *operations* of apps that do not
live there, so the rows are the same everywhere. The expected set comes from the
migration files on disk (``MigrationLoader`` without a connection, built once per
process); the applied sets of many schemas come back from one UNION ALL query.

Used by ``/readyz`` (leaf nodes only: a leaf is applied only after its ancestors) and by
``migrate_all_clusters`` (the full set: which schemas have anything to apply at all).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django_tenants.utils import get_public_schema_name
from psycopg2 import sql

Migration = tuple[str, str]
# One statement reads this many schemas; keeps the SQL text bounded for thousands of clusters.
BATCH = 200


@functools.cache
def _loader() -> MigrationLoader:
    # connection=None: the graph from the files alone; squashed migrations replace the
    # migrations they squash (as on a fresh database).
    return MigrationLoader(None, ignore_no_migrations=True)


def expected_leaves() -> frozenset[Migration]:
    """The newest migration of every app (a schema with all of them applied is up to date)."""
    return frozenset(_loader().graph.leaf_nodes())


def expected_all() -> frozenset[Migration]:
    return frozenset(_loader().graph.nodes)


def _replaced_by() -> dict[Migration, list[Migration]]:
    """Squashed migration -> the migrations it replaces (applied either way counts)."""
    return {key: list(migration.replaces) for key, migration in _loader().replacements.items()}


def forget() -> None:
    """Reload the migration files next time (tests; a process never sees new files otherwise)."""
    _loader.cache_clear()


def existing_schemas(names: Iterable[str]) -> set[str]:
    names = list(names)
    if not names:
        return set()
    with connection.cursor() as cur:
        cur.execute("SELECT nspname FROM pg_namespace WHERE nspname = ANY(%s)", [names])
        return {row[0] for row in cur.fetchall()}


def applied_by_schema(schemas: Sequence[str]) -> dict[str, set[Migration]]:
    """{schema: applied (app, name)} for the given schemas that exist and have the table.

    One query per BATCH schemas. A schema without a django_migrations table maps to an
    empty set; a schema that does not exist is left out.
    """
    present = existing_schemas(schemas)
    with connection.cursor() as cur:
        # pg_class by name (its index), not information_schema.tables: that view checks
        # privileges on every relation of every schema (seconds at 1,000 clusters).
        cur.execute(
            "SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relname = 'django_migrations' AND c.relkind IN ('r', 'p') AND n.nspname = ANY(%s)",
            [list(present)],
        )
        with_table = {row[0] for row in cur.fetchall()}
        result: dict[str, set[Migration]] = {name: set() for name in schemas if name in present}
        ordered = [name for name in schemas if name in with_table]
        for start in range(0, len(ordered), BATCH):
            parts = [
                sql.SQL("SELECT {}::text, app, name FROM {}.django_migrations").format(
                    sql.Literal(name), sql.Identifier(name)
                )
                for name in ordered[start : start + BATCH]
            ]
            cur.execute(sql.SQL(" UNION ALL ").join(parts))
            for schema, app, name in cur.fetchall():
                result[schema].add((app, name))
    return result


def _missing(expected: frozenset[Migration], applied: set[Migration]) -> list[Migration]:
    replaced = _replaced_by()
    missing = []
    for key in expected - applied:
        originals = replaced.get(key)
        if originals and all(original in applied for original in originals):
            continue  # applied before it was squashed
        missing.append(key)
    return sorted(missing)


def pending_by_schema(schemas: Sequence[str], *, leaves_only: bool = False) -> dict[str, list[Migration]]:
    """{schema: migrations it lacks} for every given schema that lacks any.

    A schema that does not exist at all is reported with the single entry
    ("<schema>", "<missing>").
    """
    expected = expected_leaves() if leaves_only else expected_all()
    applied = applied_by_schema(schemas)
    pending: dict[str, list[Migration]] = {}
    for name in schemas:
        if name not in applied:
            pending[name] = [("<schema>", "<missing>")]
            continue
        missing = _missing(expected, applied[name])
        if missing:
            pending[name] = missing
    return pending


def live_cluster_schemas() -> list[str]:
    """Schemas of every cluster that has one (archived clusters were dumped and dropped)."""
    from tenants.models import Cluster

    return list(
        Cluster.objects.exclude(status=Cluster.Status.ARCHIVED)
        .order_by("schema_name")
        .values_list("schema_name", flat=True)
    )


def schemas_to_check() -> list[str]:
    """public, the template and every live cluster: what migrate_schemas keeps migrated."""
    return [get_public_schema_name(), settings.CLUSTER_TEMPLATE_SCHEMA, *live_cluster_schemas()]
