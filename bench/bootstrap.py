"""Process setup for the benchmark: sys.path, its own database, Django, migrations.

Must run before anything imports Django models. The bench never uses the demo
database ("clusterhub") or the test database: it works in "clusterhub_bench".
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH_DB_NAME = "clusterhub_bench"
SETTINGS_MODULE = "clusterhub.settings.test"


def _add_paths() -> None:
    # Same as manage.py: the repository root and platform/ (for the clusterhub package).
    for entry in (str(ROOT), str(ROOT / "platform")):
        if entry not in sys.path:
            sys.path.insert(0, entry)


def _choose_database() -> str:
    """Point DATABASE_URL at the bench database when the local server answers. Returns a label."""
    from clusterhub.env import tcp_reachable

    if os.environ.get("DATABASE_URL"):
        return "DATABASE_URL (from the environment)"
    if tcp_reachable("127.0.0.1", 5432):
        os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{BENCH_DB_NAME}"
        return f"127.0.0.1:5432/{BENCH_DB_NAME}"
    return "embedded PostgreSQL"


def setup(before_migrate: Callable[[], Any] | None = None) -> dict[str, Any]:
    """Configure and start Django on the bench database; migrate it. Returns facts for the report.

    before_migrate runs first when the database is already migrated (e.g. to drop a previous
    run's leftover cluster schemas, which migrate_schemas would otherwise visit one by one)."""
    _add_paths()
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS_MODULE
    where = _choose_database()

    import django
    from django.conf import settings

    from clusterhub.env import database_config, ensure_database_exists

    if where == "embedded PostgreSQL":
        # No server on 127.0.0.1:5432 and no DATABASE_URL: the embedded server, bench database.
        settings.DATABASES = {"default": database_config(name=BENCH_DB_NAME)}
    django.setup()

    db = settings.DATABASES["default"]
    ensure_database_exists(db)

    from django.core.management import call_command
    from django.db import connection

    if before_migrate is not None and "tenants_cluster" in connection.introspection.table_names():
        before_migrate()
    call_command("migrate_schemas", interactive=False, verbosity=0)
    return {"database": f"{where} (NAME={db['NAME']})"}
