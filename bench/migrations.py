"""`python -m bench.migrations [--clusters N] [--sample S]`: migrations at scale (issue 18.7).

Rows, each beside django-tenants' own `migrate_schemas` (its stock command class and standard
executor: Django's `migrate` run schema after schema, in this process) on the same schemas:

* nothing to migrate: `manage.py migrate_all_clusters` (ours: public, the template, then one
  query per 200 schemas finds that no cluster lacks anything, so no cluster's `migrate` runs);
* one new field: a throwaway migration (events.0002_migbench_note: AddField events.Event.note,
  a CharField with a default — on PostgreSQL ≥ 11 a catalogue-only change) applied to every
  cluster schema by `migrate_all_clusters --schemas …` (the same per-schema code path as a
  release: one transaction per schema, --processes workers), then a second one
  (events.0003_migbench_note2) by the stock executor.

The migrations are real files, in a temporary package that MIGRATION_MODULES points the events
app at (a copy of its migrations plus the throwaway ones): the same loader, graph, recorder and
schema editor as a real release. Only the N bench cluster schemas receive them (public and the
template are not touched by --schemas), and the schemas are dropped at the end.

The N clusters are made as tenants.services.cluster_provision makes them (validated row and
primary domain, schema replayed from the template's DDL snapshot; the spare pool is not used),
in bulk: one INSERT of the rows, the clones over BENCH_PROVISION_PROCESSES connections (see
provision()) — named migbench0001…. N = BENCH_MIGRATE_SCHEMAS (default 1,000).
The stock baseline is timed on the first S of them and extrapolated linearly to N (said so in
the row), because at ~1-2 s per schema it would take most of an hour at N = 1,000.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PREFIX = "migbench"
CLUSTERS = int(os.environ.get("BENCH_MIGRATE_SCHEMAS", "1000"))
SAMPLE = 20
# Connections that clone the bench schemas at once (BENCH_PROVISION_PROCESSES).
PROVISION_PROCESSES = int(os.environ.get("BENCH_PROVISION_PROCESSES", "6"))
APP = "events"
PACKAGE = "migbench_events_migrations"

ADD_FIELD = """from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("events", "{after}")]
    operations = [
        migrations.AddField(
            model_name="event", name="{field}", field=models.CharField(max_length=40, default="", blank=True)
        )
    ]
"""


def _public() -> None:
    from .fixtures import to_public_schema

    to_public_schema()


def slugs(n: int) -> list[str]:
    return [f"{PREFIX}{i:04d}" for i in range(1, n + 1)]


def _schema_jobs(function: Any, names: list[str], processes: int) -> None:
    """Run function(name) for every name in `processes` forked workers, one connection each."""
    import multiprocessing

    from django.db import connections

    connections.close_all()  # the workers must not share this process's connection
    chunks = [names[i::processes] for i in range(processes)]
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        pool.starmap(_in_worker, [(function, chunk) for chunk in chunks if chunk])


def _in_worker(function: Any, names: list[str]) -> None:
    from django.db import connections

    try:
        for name in names:
            function(name)
    finally:
        connections.close_all()


def _drop(name: str) -> None:
    from tenants import schemas

    schemas.schema_drop(name=name)


def cleanup(processes: int = 1) -> int:
    """Drop every migbench cluster: rows (domains with them) and schemas."""
    from django.db import connection

    from tenants.models import Cluster

    _public()
    clusters = Cluster.objects.filter(schema_name__startswith=PREFIX)
    removed = clusters.count()
    clusters.delete()
    with connection.cursor() as cur:
        cur.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE %s", [f"{PREFIX}%"])
        names = [name for (name,) in cur.fetchall()]
    if names:
        _schema_jobs(_drop, names, max(1, min(processes, len(names))))
    return removed


def _clone(name: str) -> None:
    from django.db import transaction

    from tenants import schemas

    with transaction.atomic():  # the same clone as cluster_provision's: snapshot DDL + migration rows
        schemas._replay_snapshot(target=name)


def provision(n: int, processes: int = PROVISION_PROCESSES) -> float:
    """N clusters as cluster_provision makes them, in bulk; seconds taken.

    The rows and primary domains are validated one by one (tenants.services._cluster_candidate,
    as cluster_provision does) and inserted with one bulk INSERT each; the schemas are the
    template's DDL snapshot replayed under each name (cluster_provision's clone, without the
    spare pool), by `processes` connections at once: each clone is ~250 CREATE TABLE / INDEX
    statements whose cost is mostly the server's fsync of every new index file (PostgreSQL 15
    syncs each index it builds), so connections in parallel overlap those waits.
    """
    from tenants import schemas
    from tenants.models import Cluster, Domain
    from tenants.services import _cluster_candidate

    started = time.perf_counter()
    _public()
    candidates = [
        _cluster_candidate(slug=name, name=f"Миграции {name}", region_codes=["RU-MOS"]) for name in slugs(n)
    ]
    clusters = Cluster.objects.bulk_create([cluster for cluster, _ in candidates], batch_size=500)
    Domain.objects.bulk_create(
        [
            Domain(domain=domain, tenant=cluster, is_primary=True)
            for cluster, (_, domain) in zip(clusters, candidates, strict=True)
        ],
        batch_size=500,
    )
    schemas.template_snapshot_ddl()  # read once here; the forked workers inherit it
    names = slugs(n)
    done = 0
    step = max(processes * 25, 100)
    for start in range(0, n, step):
        _schema_jobs(_clone, names[start : start + step], processes)
        done = min(n, start + step)
        sys.stderr.write(f"  provisioned {done}/{n} ({time.perf_counter() - started:.0f} s)\n")
    _public()
    return time.perf_counter() - started


def _migration_package(root: Path, extra: list[tuple[str, str, str]]) -> None:
    """The events app's migrations copied into root/PACKAGE, plus (name, after, field) AddFields."""
    import tenants.events.migrations as original

    target = root / PACKAGE
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(Path(original.__file__).parent, target, ignore=shutil.ignore_patterns("__pycache__"))
    for name, after, field in extra:
        (target / f"{name}.py").write_text(ADD_FIELD.format(after=after, field=field), encoding="utf-8")


def _use_migrations(root: Path, extra: list[tuple[str, str, str]]) -> None:
    import importlib

    from django.conf import settings

    from clusterhub import schema_state

    _migration_package(root, extra)
    for name in [m for m in sys.modules if m == PACKAGE or m.startswith(f"{PACKAGE}.")]:
        del sys.modules[name]
    importlib.invalidate_caches()
    settings.MIGRATION_MODULES = {**getattr(settings, "MIGRATION_MODULES", {}), APP: PACKAGE}
    schema_state.forget()


def _ours(*schemas: str, processes: int | None = None) -> float:
    from django.core.management import call_command

    args = ["--schemas", ",".join(schemas)] if schemas else []
    if processes:
        args += ["--processes", str(processes)]
    started = time.perf_counter()
    call_command("migrate_all_clusters", *args, verbosity=0)
    return time.perf_counter() - started


def _stock(schemas: list[str]) -> float:
    """django-tenants' MigrateSchemasCommand as its handle() runs the tenant schemas (standard executor)."""
    from django_tenants.management.commands import SyncCommon
    from django_tenants.management.commands.migrate_schemas import MigrateSchemasCommand
    from django_tenants.migration_executors import get_executor

    command = MigrateSchemasCommand()
    options = vars(command.create_parser("manage.py", "migrate_schemas").parse_args(["--noinput", "-v", "0"]))
    options["skip_checks"] = True
    SyncCommon.handle(command, **options)
    executor = get_executor(codename=command.executor)(command.args, command.options)
    started = time.perf_counter()
    executor.run_migrations(tenants=list(schemas))
    elapsed = time.perf_counter() - started
    _public()
    return elapsed


def _has_column(schemas: list[str], column: str) -> int:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(*) FROM information_schema.columns "
            "WHERE table_name = 'events_event' AND column_name = %s AND table_schema = ANY(%s)",
            [column, schemas],
        )
        return int(cur.fetchone()[0])


@dataclass
class MigrationsResult:
    clusters: int
    sample: int
    processes: int
    provision_s: float
    noop_ours_s: float
    noop_stock_s: float
    field_ours_s: float
    field_stock_s: float
    field_ours_applied: int
    field_stock_applied: int
    field_ours_sample_s: float  # ours on the baseline's sample, one process: per schema like for like

    def per_schema_stock(self, seconds: float) -> float:
        return seconds / self.sample


def measure(n: int, sample: int) -> MigrationsResult:
    from django.conf import settings

    names = slugs(n)
    # What migrate_all_clusters uses without --processes.
    processes = int(getattr(settings, "TENANT_MULTIPROCESSING_MAX_PROCESSES", 0) or 0) or os.cpu_count() or 1
    cleanup(PROVISION_PROCESSES)
    provision_s = provision(n)
    root = Path(tempfile.mkdtemp(prefix="migbench"))
    sys.path.insert(0, str(root))
    saved_modules = dict(getattr(settings, "MIGRATION_MODULES", {}))
    try:
        noop_ours = _ours()  # the whole command: public, template, plan over every cluster
        noop_stock = _stock(names[:sample])

        _use_migrations(root, [("0002_migbench_note", "0001_initial", "migbench_note")])
        field_ours = _ours(*names)
        ours_applied = _has_column(names, "migbench_note")

        steps = [
            ("0002_migbench_note", "0001_initial", "migbench_note"),
            ("0003_migbench_note2", "0002_migbench_note", "migbench_note2"),
        ]
        _use_migrations(root, steps)
        field_stock = _stock(names[:sample])
        stock_applied = _has_column(names[:sample], "migbench_note2")

        steps.append(("0004_migbench_note3", "0003_migbench_note2", "migbench_note3"))
        _use_migrations(root, steps)
        field_ours_sample = _ours(*names[:sample], processes=1)
    finally:
        settings.MIGRATION_MODULES = saved_modules
        from clusterhub import schema_state

        schema_state.forget()
        sys.path.remove(str(root))
        shutil.rmtree(root, ignore_errors=True)
        _public()
    return MigrationsResult(
        clusters=n,
        sample=sample,
        processes=processes,
        provision_s=provision_s,
        noop_ours_s=noop_ours,
        noop_stock_s=noop_stock,
        field_ours_s=field_ours,
        field_stock_s=field_stock,
        field_ours_applied=ours_applied,
        field_stock_applied=stock_applied,
        field_ours_sample_s=field_ours_sample,
    )


def rows(r: MigrationsResult) -> list[Any]:
    from .report import Row, _pass

    def stock(seconds: float) -> str:
        per = seconds / r.sample
        return f"{per * r.clusters:,.0f} ({per:.2f} s/schema × {r.clusters:,}, timed on {r.sample})"

    n = f"{r.clusters:,}"
    return [
        Row(
            f"7. Migrations at {n} cluster schemas (baseline = django-tenants' migrate_schemas)", section=True
        ),
        Row(
            "  nothing to migrate: migrate_all_clusters (public + template + every cluster), s",
            stock(r.noop_stock_s),
            f"{r.noop_ours_s:.1f}",
            f"{r.noop_stock_s / r.sample * r.clusters / r.noop_ours_s:,.0f}x; <= 60 s: {_pass(r.noop_ours_s <= 60)}",
        ),
        Row(
            f"  one new field (AddField) in {n} schemas, s",
            stock(r.field_stock_s),
            f"{r.field_ours_s:.1f} ({r.processes} processes)",
            f"{r.field_stock_s / r.sample * r.clusters / r.field_ours_s:,.1f}x; added in "
            f"{r.field_ours_applied:,}/{n} (baseline {r.field_stock_applied}/{r.sample}): "
            f"{_pass(r.field_ours_applied == r.clusters and r.field_stock_applied == r.sample)}",
        ),
        Row(
            f"  one new field, the same {r.sample} schemas, ONE process each side, s per schema",
            f"{r.field_stock_s / r.sample:.2f}",
            f"{r.field_ours_sample_s / r.sample:.2f}",
            f"{r.field_stock_s / r.field_ours_sample_s:.2f}x (like for like: ours replays the SQL collected once, one transaction per schema)",
        ),
    ]


def notes(r: MigrationsResult) -> list[str]:
    return [
        "Migrations:",
        f"  {r.clusters:,} cluster schemas made as cluster_provision makes them (template DDL replay, no spare pool; rows "
        f"in bulk, {PROVISION_PROCESSES} connections cloning) in {r.provision_s:.0f} s (not measured), dropped at the end. Ours = manage.py migrate_all_clusters "
        f"(nothing to migrate: the whole command; new field: --schemas <the {r.clusters:,}>, one transaction "
        f"per schema, {r.processes} processes). Baseline = django-tenants' MigrateSchemasCommand with the "
        f"standard executor on the first {r.sample} schemas, extrapolated linearly. The new fields are "
        "throwaway migrations of the events app in a temporary MIGRATION_MODULES package.",
    ]


def main(argv: list[str] | None = None) -> int:
    import logging

    parser = argparse.ArgumentParser(prog="python -m bench.migrations")
    parser.add_argument("--clusters", type=int, default=CLUSTERS)
    parser.add_argument("--sample", type=int, default=SAMPLE)
    opts = parser.parse_args(argv)
    from bench import bootstrap

    bootstrap.setup(before_migrate=lambda: cleanup(PROVISION_PROCESSES))  # a dead run's 1,000 schemas
    logging.getLogger("tenants").setLevel(logging.WARNING)
    from bench.report import render_table

    try:
        result = measure(opts.clusters, min(opts.sample, opts.clusters))
    finally:
        removed = cleanup(PROVISION_PROCESSES)
    text = render_table(rows(result)) + "\n" + "\n".join(notes(result)) + f"\n  Removed {removed} clusters.\n"
    sys.stdout.write(text)
    results = Path(__file__).resolve().parent / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / "migrations.txt").write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
