"""The test database is migrated once per set of migrations, then copied (pytest-django's
django_db_setup, replaced by tests/conftest.py).

Migrating a new test database (the public schema, the cluster template, its DDL snapshot and the
spare schemas: 136 migrations, Django rendering its model states about 17,000 times) costs
40-50 CPU seconds, and every pytest-xdist worker has a database of its own. The first session
that finds no copy for the current migrations migrates its database as pytest-django does and then
keeps a copy on the server (`CREATE DATABASE … TEMPLATE`): test_<name>_tpl_<key>, where <key> is a
hash of every migration file, the migrate command, the settings and the Django and django-tenants
versions. Every later session (and the other worker) creates its database from that copy and runs
`migrate`, which then has nothing to apply. A copy of older migrations of the same checkout is
dropped when a new one is made. --reuse-db keeps pytest-django's own behaviour.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, connections
from psycopg2 import sql
from pytest_django import DjangoDbBlocker
from pytest_django.fixtures import _get_databases_for_setup
from pytest_django.fixtures import django_db_setup as _pytest_django_setup

from clusterhub.env import maintenance_connection

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("api", "billing", "core", "frontend", "platform", "tenants")
# What decides the migrated database besides the migration files.
ALSO = (
    "tenants/schemas.py",
    "tenants/management/commands/migrate_schemas.py",
    "platform/clusterhub/settings/base.py",
    "platform/clusterhub/settings/test.py",
)


def migrations_key() -> str:
    digest = hashlib.sha1(usedforsecurity=False)
    files = sorted(path for package in PACKAGES for path in (ROOT / package).rglob("migrations/*.py"))
    for path in [*files, *(ROOT / name for name in ALSO)]:
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    digest.update(f"django {version('django')} django-tenants {version('django-tenants')}".encode())
    return digest.hexdigest()[:10]


def _exists(cur: Any, name: str) -> bool:
    cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
    return cur.fetchone() is not None


@pytest.fixture(scope="session", name="django_db_setup")
def copied_django_db_setup(
    request: pytest.FixtureRequest,
    django_test_environment: None,
    django_db_blocker: DjangoDbBlocker,
    django_db_use_migrations: bool,
    django_db_keepdb: bool,
    django_db_createdb: bool,
    django_db_modify_db_settings: None,
) -> Iterator[None]:
    from django.test.utils import setup_databases, teardown_databases

    aliases, serialized_aliases = _get_databases_for_setup(request.session.items)
    verbosity = request.config.option.verbose
    if django_db_keepdb or not django_db_use_migrations:  # --reuse-db, --nomigrations: pytest-django's way
        yield from _pytest_django_setup.__wrapped__(  # type: ignore[attr-defined]
            request,
            django_test_environment,
            django_db_blocker,
            django_db_use_migrations,
            django_db_keepdb,
            django_db_createdb,
            django_db_modify_db_settings,
        )
        return

    settings = connection.settings_dict
    test_name = settings["TEST"]["NAME"] or "test_" + settings["NAME"]  # as pytest-django set it
    prefix = f"test_{settings['NAME']}_tpl_"
    template = prefix + migrations_key()
    maintenance = maintenance_connection(settings)
    try:
        with maintenance.cursor() as cur, django_db_blocker.unblock():
            # one session at a time: the second xdist worker waits for the first one's copy
            cur.execute("SELECT pg_advisory_lock(hashtext(%s))", [prefix])
            have_copy = bool(aliases) and _exists(cur, template)
            if have_copy:
                cur.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(test_name)))
                cur.execute(
                    sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                        sql.Identifier(test_name), sql.Identifier(template)
                    )
                )
            db_cfg = setup_databases(
                verbosity=verbosity,
                interactive=False,
                aliases=dict.fromkeys(aliases),  # what django-stubs expects (setup_databases asks `in`)
                serialized_aliases=serialized_aliases,
                keepdb=have_copy,  # the copy exists: migrate finds nothing to apply
            )
            if aliases and not have_copy:
                connections.close_all()  # CREATE DATABASE … TEMPLATE needs the source unused
                cur.execute(
                    sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                        sql.Identifier(template), sql.Identifier(test_name)
                    )
                )
                cur.execute(
                    "SELECT datname FROM pg_database WHERE starts_with(datname, %s) AND datname <> %s",
                    [prefix, template],
                )
                for (stale,) in cur.fetchall():
                    cur.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(stale)))
            cur.execute("SELECT pg_advisory_unlock(hashtext(%s))", [prefix])
    finally:
        maintenance.close()

    yield

    with django_db_blocker.unblock():
        try:
            teardown_databases(db_cfg, verbosity=verbosity)  # drops this session's database
        except Exception as exc:  # as pytest-django: a warning, not an error
            request.node.warn(pytest.PytestWarning(f"Error when trying to teardown test databases: {exc!r}"))
