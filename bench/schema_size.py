"""Bytes per cluster schema and SQL statements per request: the inputs of deploy/README.md's
«Going past one PostgreSQL server» arithmetic.

`python -m bench.schema_size` (DATABASE_URL names the database; run `manage.py demo_setup` on
it first to have demo-sized clusters) prints, per schema: tables, rows, and the sum of
pg_total_relation_size over its tables (heap + indexes + TOAST), for `public`, the template
(an empty cluster: what a new cluster costs before it has data) and every cluster schema.
Then the statements of one request per scenario of bench.routing (ours, steady state),
measured on a provisioned bench cluster.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

SIZE_SQL = """
SELECT n.nspname,
       count(c.oid),
       coalesce(sum(c.reltuples) FILTER (WHERE c.reltuples > 0), 0)::bigint,
       coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'
GROUP BY n.nspname ORDER BY n.nspname
"""


@dataclass(frozen=True)
class SchemaSize:
    schema: str
    tables: int
    rows: int
    bytes: int


def schema_sizes() -> list[SchemaSize]:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("ANALYZE")  # reltuples: row estimates without counting every table
        cur.execute(SIZE_SQL)
        return [SchemaSize(*row) for row in cur.fetchall()]


def statements_per_request() -> dict[str, tuple[int, int]]:
    """Scenario label -> (statements, of which SET search_path), ours, steady state."""
    from . import fixtures, routing

    fixtures.cleanup()
    try:
        fixture = fixtures.provision_request_fixture()
        out = {}
        for scenario in routing.scenarios(fixture):
            measured = routing.measure(scenario)
            capture = measured.steady[-1]
            out[scenario.label] = (len(capture.statements), capture.set_count)
        return out
    finally:
        fixtures.cleanup()


def main() -> int:
    from . import bootstrap

    facts = bootstrap.setup()
    lines = [f"Schema sizes in {facts['database']}"]
    lines.append(f"  {'schema':<34} {'tables':>6} {'rows':>9} {'MB':>8} {'bytes':>12}")
    for size in schema_sizes():
        lines.append(
            f"  {size.schema:<34} {size.tables:>6} {size.rows:>9} {size.bytes / 2**20:>8.1f} {size.bytes:>12}"
        )
    lines.append("SQL statements per request (ours, steady state, one request after warm-up)")
    for label, (total, sets) in statements_per_request().items():
        lines.append(f"  {label:<60} {total:>3} statements, {sets} SET search_path")
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
