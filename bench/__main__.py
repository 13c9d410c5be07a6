"""`python -m bench`: run every benchmark, print the table, write bench/results/latest.txt.

`python -m bench billing federal` runs only those area benches (names as in AREA_BENCHES, without
the `bench.` prefix) and writes bench/results/partial.txt instead."""

from __future__ import annotations

import datetime as dt
import importlib
import logging
import os
import platform
import sys
import time
from pathlib import Path

RESULTS_DIR = Path(__file__).resolve().parent / "results"
# One module per product area, each with run(fixture) -> list[report.Row] (rows with their
# baseline beside ours) and an optional NOTES list of strings printed under the table.
AREA_BENCHES: list[str] = [
    "bench.roadmap",
    "bench.federal",
    "bench.fees",
    "bench.billing",
    "bench.statements",
    "bench.governance",
    "bench.selection",
]


def _cores() -> str:
    logical = os.cpu_count() or 0
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        usable = logical
    return f"{logical} logical" + (f", {usable} usable by this process" if usable != logical else "")


def main(argv: list[str] | None = None) -> int:
    started = time.perf_counter()
    only = list(sys.argv[1:] if argv is None else argv)
    unknown = [name for name in only if f"bench.{name}" not in [*AREA_BENCHES, "bench.members"]]
    if unknown:
        sys.stderr.write(
            f"unknown bench area(s): {', '.join(unknown)}; known: "
            f"members, {', '.join(n.removeprefix('bench.') for n in AREA_BENCHES)}\n"
        )
        return 2
    from bench import bootstrap

    facts = bootstrap.setup()
    # Quiet: "cluster provisioned" (INFO) per clone, "Not Found" for the stock 404 probe.
    logging.getLogger("tenants").setLevel(logging.WARNING)
    logging.getLogger("django.request").setLevel(logging.ERROR)

    import django
    from django.db import connection
    from django_tenants.utils import get_limit_set_calls

    from bench import fixtures, latency, members, provisioning, report, routing

    leftovers = fixtures.cleanup()
    try:
        fixture = fixtures.provision_request_fixture()
        area_rows: list = []
        area_notes: list[str] = []
        if "members" in only:
            area_rows += members.run(fixture)
        for name in AREA_BENCHES:
            if only and name.removeprefix("bench.") not in only:
                continue
            module = importlib.import_module(name)
            area_rows += module.run(fixture)
            area_notes += list(getattr(module, "NOTES", []))
        if only:
            text = report.render_table(area_rows) + "\n" + "\n".join(area_notes) + "\n"
            sys.stdout.write(text)
            RESULTS_DIR.mkdir(parents=True, exist_ok=True)
            (RESULTS_DIR / "partial.txt").write_text(text, encoding="utf-8")
            return 0
        routing_result = routing.run(fixture)
        latency_result = latency.run()
        members_rows = members.run(fixture)
        provision_result, _ = provisioning.run(first_number=2, samples=5)
    finally:
        removed = fixtures.cleanup()

    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        pg_version = cur.fetchone()[0]
    from importlib.metadata import version

    rows = [
        *report.provisioning_rows(provision_result),
        *report.routing_rows(routing_result),
        *report.latency_rows(latency_result),
        *members_rows,
        *area_rows,
    ]
    header = [
        f"clusterhub benchmark, {dt.datetime.now(tz=dt.UTC):%Y-%m-%d %H:%M:%S} UTC",
        f"cores: {_cores()}; Python {platform.python_version()}; Django {django.get_version()}; "
        f"django-tenants {version('django-tenants')}; PostgreSQL {pg_version}",
        f"database: {facts['database']}; TENANT_LIMIT_SET_CALLS={get_limit_set_calls()}",
        "",
    ]
    notes = [
        "",
        "Notes:",
        "  1. Ours = tenants.services.cluster_provision (row + domain + clone of the template schema). "
        "Baseline = the same service with the schema step replaced by CREATE SCHEMA + "
        "migrate_schemas(schema_name=..., tenant=True) (django-tenants' create_schema). Samples interleaved, timed with perf_counter in this process. Every new schema was checked "
        f"to match the template: {provision_result.template}.",
        "  2. Counted with connection.execute_wrapper around django.test.Client requests. Steady = median of "
        f"{routing.STEADY_SAMPLES} requests after one warm-up; cold = next request after clearing the "
        "'platform' cache (host -> cluster). Stock = TenantMainMiddleware (bench.stock adds request.cluster, "
        "no SQL).",
        "   * stock has no Domain row for 'localhost': without SHOW_PUBLIC_IF_NO_TENANT_FOUND it answers HTTP "
        f"{routing_result.stock_public_without_fallback_status} there; the public-home baseline is measured "
        "with SHOW_PUBLIC_IF_NO_TENANT_FOUND=True (a Domain lookup that misses, then the public URLconf).",
        f"  3. Public home lists the active clusters; during the request benchmarks only "
        f"{fixtures.REQUEST_CLUSTER} exists. The test client keeps the DB connection between requests.",
        f"  Leftover bench clusters removed at start: {leftovers}; removed at end: {removed}. "
        f"Total runtime {time.perf_counter() - started:.1f} s.",
        "",
        *area_notes,
        *report.sql_details(routing_result),
    ]
    text = "\n".join([*header, report.render_table(rows), *notes]) + "\n"
    sys.stdout.write(text)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / "latest.txt").write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
