"""migrate_all_clusters: schemas in parallel, each in one transaction; a broken one is reported
and left as it was, the others are migrated.

The command runs in a subprocess with tests/ops/migapp_settings.py, whose extra tenant app
(tests/ops/migapp, label "opsmig") has two migrations that no schema has applied yet.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from psycopg2 import sql

from tenants import schemas
from tenants.models import Cluster
from tenants.services import cluster_provision
from tests.conftest import tenant_connection
from tests.ops.conftest import database_url

ROOT = Path(__file__).resolve().parents[2]
SLUGS = ["mgx", "mgy", "mgz"]


@pytest.fixture
def three_clusters(transactional_db: None) -> Iterator[list[str]]:
    for slug in SLUGS:
        cluster_provision(slug=slug, name=f"Кластер {slug}", region_codes=["RU-MOS"])
    yield SLUGS
    tenant_connection.set_schema_to_public()
    Cluster.objects.filter(schema_name__in=SLUGS).delete()
    for slug in SLUGS:
        schemas.schema_drop(name=slug)


def _migrate(*args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.ops.migapp_settings",
        "DATABASE_URL": database_url(),
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "platform")]),
    }
    return subprocess.run(
        [sys.executable, "manage.py", "migrate_all_clusters", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )


def _tables(schema: str) -> set[str]:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s "
            "AND table_name LIKE 'opsmig%%'",
            [schema],
        )
        return {row[0] for row in cur.fetchall()}


def _applied(schema: str) -> list[str]:
    with connection.cursor() as cur:
        cur.execute(
            sql.SQL("SELECT name FROM {}.django_migrations WHERE app = 'opsmig' ORDER BY name").format(
                sql.Identifier(schema)
            )
        )
        return [row[0] for row in cur.fetchall()]


def _content_types(schema: str) -> list[str]:
    with connection.cursor() as cur:
        cur.execute(
            sql.SQL(
                "SELECT model FROM {}.django_content_type WHERE app_label = 'opsmig' ORDER BY model"
            ).format(sql.Identifier(schema))
        )
        return [row[0] for row in cur.fetchall()]


def test_a_broken_schema_is_reported_and_rolled_back_while_the_others_migrate(
    three_clusters: list[str],
) -> None:
    # mgy already has the table 0002 creates: there, 0001 applies, then 0002 fails.
    with connection.cursor() as cur:
        cur.execute("CREATE TABLE mgy.opsmig_gadget (id bigint)")

    result = _migrate("--schemas", ",".join(SLUGS), "--processes", "2")

    assert result.returncode == 1, result.stdout + result.stderr
    assert "Схем: 3; есть что применить: 3; мигрировать: 3; процессов: 2." in result.stdout
    assert "OK     mgx: применено 2" in result.stdout
    assert "OK     mgz: применено 2" in result.stdout
    assert "СБОЙ   mgy: ProgrammingError" in result.stderr
    assert 'relation "opsmig_gadget" already exists' in result.stderr
    assert "Миграция не удалась в 1 схемах: mgy" in result.stderr

    for good in ("mgx", "mgz"):
        # The three lacked the same two migrations: their SQL was collected once and replayed
        # in each (mgy's replay failed, then Django's migrate there failed the same way).
        assert _tables(good) == {"opsmig_thing", "opsmig_gadget"}
        assert _applied(good) == ["0001_initial", "0002_gadget"]
        assert _content_types(good) == ["gadget", "thing"]  # post_migrate ran, as migrate sends it
    # mgy: not half-migrated. 0001 had succeeded inside the same transaction: gone too.
    assert _tables("mgy") == {"opsmig_gadget"}  # only the obstacle we put there
    assert _applied("mgy") == []

    # Fixed, run again: mgy migrates, mgx and mgz have nothing to apply and are skipped.
    with connection.cursor() as cur:
        cur.execute("DROP TABLE mgy.opsmig_gadget")
    again = _migrate("--schemas", ",".join(SLUGS), "--processes", "2")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "Схем: 3; есть что применить: 1; мигрировать: 1; процессов: 1." in again.stdout
    assert "OK     mgy: применено 2" in again.stdout
    assert "mgx" not in again.stdout
    assert _applied("mgy") == ["0001_initial", "0002_gadget"]
    assert _tables("mgy") == _tables("mgx")  # Django's migrate (one schema) == the replayed SQL
    assert _content_types("mgy") == _content_types("mgx")


def test_plan_lists_pending_migrations_without_changing_anything(three_clusters: list[str]) -> None:
    result = _migrate("--schemas", "mgx,mgz", "--plan")
    assert result.returncode == 0, result.stderr
    assert "  mgx: opsmig.0001_initial, opsmig.0002_gadget" in result.stdout
    assert _applied("mgx") == []


def test_unknown_schema_is_a_clear_error(three_clusters: list[str]) -> None:
    result = _migrate("--schemas", "mgx,nosuch")
    assert result.returncode == 1
    assert "Нет таких схем: nosuch" in result.stderr


def test_in_process_with_the_projects_apps_everything_is_up_to_date(
    cluster_a: Cluster,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The normal settings: public, template and clusters have nothing to apply (no subprocess)."""
    call_command("migrate_all_clusters", "--processes", "1", "--schemas", cluster_a.schema_name)
    out = capsys.readouterr().out
    assert "Схем: 1; есть что применить: 0; мигрировать: 0" in out
