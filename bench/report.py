"""The plain-text table (and the notes under it)."""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass

from .latency import LatencyResult
from .members import MembersResult
from .provisioning import ProvisionResult
from .routing import SET_SEARCH_PATH_RE, Capture, Measurement, RoutingResult

HEADERS = ("Metric", "Baseline", "Ours", "Ratio / verdict")
CLONE_GOAL_MS = 500.0
SPEEDUP_GOAL = 10.0
SET_GOAL = 1


@dataclass(frozen=True)
class Row:
    metric: str
    baseline: str = ""
    ours: str = ""
    verdict: str = ""
    section: bool = False  # a heading line spanning the table


def render_table(rows: list[Row]) -> str:
    cells = [HEADERS, *[(r.metric, r.baseline, r.ours, r.verdict) for r in rows if not r.section]]
    widths = [max(len(c[i]) for c in cells) for i in range(len(HEADERS))]

    def line(values: tuple[str, ...]) -> str:
        return " | ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)).rstrip()

    rule = "-+-".join("-" * w for w in widths)
    out = [line(HEADERS), rule]
    for r in rows:
        out.append(r.metric if r.section else line((r.metric, r.baseline, r.ours, r.verdict)))
    return "\n".join(out)


def _pass(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def _count(m: Measurement) -> str:
    counts = m.steady_counts
    median = m.steady_median
    text = f"{median:g}"
    if min(counts) != max(counts):
        text += f" ({min(counts)}-{max(counts)})"
    if not m.ok:
        text += f" [HTTP {','.join(map(str, sorted(m.statuses)))}]"
    return text


def _cold(c: Capture) -> str:
    return f"{c.set_count}" + ("" if c.status == 200 else f" [HTTP {c.status}]")


def provisioning_rows(p: ProvisionResult) -> list[Row]:
    speedup = p.replay_median / p.clone_median
    return [
        Row("1. Create one cluster (in-process, median of 5)", section=True),
        Row(
            "  create cluster, median ms",
            f"{p.replay_median:.1f} (replay migrations)",
            f"{p.clone_median:.1f} (spare clone renamed)",
            f"{speedup:.1f}x faster; goal >={SPEEDUP_GOAL:g}x: {_pass(speedup >= SPEEDUP_GOAL)}",
        ),
        Row(
            "  create cluster, min-max ms",
            f"{min(p.replay_ms):.1f}-{max(p.replay_ms):.1f}",
            f"{min(p.clone_ms):.1f}-{max(p.clone_ms):.1f}",
            "",
        ),
        Row(
            f"  clone median < {CLONE_GOAL_MS:g} ms",
            "-",
            f"{p.clone_median:.1f}",
            _pass(p.clone_median < CLONE_GOAL_MS),
        ),
        Row(
            "  pool empty: template DDL replayed, median ms",
            f"{p.replay_median:.1f} (replay migrations)",
            f"{p.ddl_median:.1f} (snapshot DDL)",
            f"{p.replay_median / p.ddl_median:.1f}x faster",
        ),
        Row(
            "  pool top-up after commit (Celery), median ms",
            "-",
            f"{p.refill_median:.1f}",
            "runs in the background",
        ),
    ]


def routing_rows(r: RoutingResult) -> list[Row]:
    rows = [
        Row(
            f"2. SET search_path per request (goal <= {SET_GOAL} in steady state; "
            "baseline = django-tenants TenantMainMiddleware)",
            section=True,
        )
    ]
    for key, label in r.labels.items():
        ours, stock = r.ours[key], r.stock[key]
        stock_note = " *" if key == "public_home" else ""
        rows.append(
            Row(
                f"  {label}, steady",
                _count(stock) + stock_note,
                _count(ours),
                f"{_pass(ours.ok and ours.steady_median <= SET_GOAL)} "
                f"({sum(1 for s in ours.steady[-1].statements if not SET_SEARCH_PATH_RE.match(s))} "
                "other queries)",
            )
        )
        rows.append(
            Row(
                f"  {label}, cold (host cache miss)", _cold(stock.cold) + stock_note, _cold(ours.cold), "info"
            )
        )
    rows.append(
        Row(
            "2b. What-if, not the project's settings: ours + TENANT_LIMIT_SET_CALLS=True "
            "(baseline = ours as configured)",
            section=True,
        )
    )
    for key, label in r.labels.items():
        ours, limited = r.ours[key], r.ours_limited[key]
        rows.append(
            Row(
                f"  {label}, steady",
                _count(ours),
                _count(limited),
                _pass(limited.ok and limited.steady_median <= SET_GOAL),
            )
        )
        rows.append(Row(f"  {label}, cold (host cache miss)", _cold(ours.cold), _cold(limited.cold), "info"))
    return rows


def latency_rows(lat: LatencyResult) -> list[Row]:
    c, p, s = lat.cluster_page, lat.public_home, lat.cluster_page_stock
    n = len(c.samples_ms)
    return [
        Row(
            f"3. Latency, in-process django.test.Client, {n} requests after warm-up "
            "(baseline = public home, ours = cluster page)",
            section=True,
        ),
        Row(
            "  GET / median ms",
            f"{p.median:.2f} (public home)",
            f"{c.median:.2f} (cluster page)",
            f"{c.median / p.median:.2f}x of public",
        ),
        Row(
            "  GET / p95 ms",
            f"{p.p95:.2f} (public home)",
            f"{c.p95:.2f} (cluster page)",
            f"{c.p95 / p.p95:.2f}x of public",
        ),
        Row(
            "  cluster page median ms: stock middleware vs ours",
            f"{s.median:.2f} (stock)",
            f"{c.median:.2f}",
            f"{c.median / s.median:.2f}x of stock",
        ),
        Row(
            "  cluster page p95 ms: stock middleware vs ours",
            f"{s.p95:.2f} (stock)",
            f"{c.p95:.2f}",
            f"{c.p95 / s.p95:.2f}x of stock",
        ),
    ]


_SELECT_LIST_RE = re.compile(r"^SELECT .*? FROM ")


def _sql_listing(capture: Capture, width: int = 140) -> list[str]:
    out = []
    for i, statement in enumerate(capture.statements, 1):
        # The column list says little; FROM ... WHERE ... says which query it is.
        one_line = _SELECT_LIST_RE.sub("SELECT ... FROM ", " ".join(statement.split()), count=1)
        if len(one_line) > width:
            one_line = one_line[: width - 3] + "..."
        mark = "SET>" if SET_SEARCH_PATH_RE.match(statement) else "    "
        out.append(f"    {mark} {i:2d}. {one_line}")
    return out


def sql_details(r: RoutingResult) -> list[str]:
    """The captured SQL of every steady-state request (ours) and of stock's cluster page."""
    lines = ["Captured SQL, one steady-state request each (SET> marks SET search_path):"]
    for key, label in r.labels.items():
        capture = r.ours[key].steady[-1]
        lines.append(f"  ours, {label}: {capture.set_count} SET of {len(capture.statements)} statements")
        lines.extend(_sql_listing(capture))
    stock = r.stock["cluster_page"].steady[-1]
    lines.append(
        f"  stock, {r.labels['cluster_page']}: {stock.set_count} SET of {len(stock.statements)} statements"
    )
    lines.extend(_sql_listing(stock))
    return lines


def _thousands(n: int) -> str:
    return f"{n:,}".replace(",", " ")


def members_rows(m: MembersResult) -> list[Row]:
    q = m.list_queries
    queries = f"{statistics.median(q):g}" + (f" ({min(q)}-{max(q)})" if min(q) != max(q) else "")
    imported = m.import_status == "done" and m.import_created == m.import_rows
    return [
        Row(f"4. Members area at {_thousands(m.companies)} companies in one cluster", section=True),
        Row(
            f"  GET /api/v1/members/?page_size=25 (staff token), p50 / p95 ms over {len(m.list_ms)}",
            "-",
            f"{m.list_p50:.1f} / {m.list_p95:.1f}",
            "",
        ),
        Row("  SQL queries per members list request", "-", queries, ""),
        Row(
            f"  import {_thousands(m.import_rows)}-row CSV (company_import), s",
            f"{m.baseline_seconds:.1f} (per-row audit INSERTs, {m.baseline_created} created)",
            f"{m.import_seconds:.1f}",
            f"{m.baseline_seconds / m.import_seconds:.1f}x; {m.import_created} created, "
            f"{m.import_audit_rows} audit rows: {_pass(imported and m.import_audit_rows == m.import_rows)}; "
            f"<= 10 s: {_pass(m.import_seconds <= 10)}",
        ),
        Row(
            "  import CPU s: app process + its PostgreSQL backend (less noisy than wall time on a busy machine)",
            f"{m.baseline_cpu:.1f} + {m.baseline_db_cpu:.1f}",
            f"{m.import_cpu:.1f} + {m.import_db_cpu:.1f} = {m.import_cpu + m.import_db_cpu:.1f}",
            f"{(m.baseline_cpu + m.baseline_db_cpu) / (m.import_cpu + m.import_db_cpu):.1f}x; "
            f"<= 10 s: {_pass(m.import_cpu + m.import_db_cpu <= 10)}"
            if m.import_cpu
            else "",
        ),
        Row("  import peak Python memory (tracemalloc), MB", "-", f"{m.import_peak_mb:.1f}", ""),
    ]
