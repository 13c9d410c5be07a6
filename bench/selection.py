"""Selection rows: the ranking of a PROКЛАСТЕРЫ call with 300 applications × 3 experts, beside a
naive ranking that reads each application's assignments and scores one by one.

* Ours = core.selection.selectors.call_ranking (criteria, applications with cluster and decision,
  submitted scores, assignment counts: a constant number of queries), and GET
  /selection/{id}/ranking/ (the ministry's page, HTML) signed in as a federal user.
* Naive = the same figures with a query per application (its assignments) and per assignment (its
  scores), the way a page iterating `application.assignments.all()` would read them.
* Data: APPLICATIONS schema-less SYNTHETIC clusters (the ranking never enters a schema), one call
  with 4 weighted criteria, each application submitted, EXPERTS experts each with every criterion
  scored and submitted; inserted directly (bulk_create), not through the services.

`python -m bench.area bench.selection` runs these rows alone. Everything created is removed at the
end (and at the start, if a previous run died): clusters named selbench*, the call, the experts.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .fixtures import RequestFixture
    from .report import Row

APPLICATIONS = 300
EXPERTS = 3
WARMUP, SAMPLES = 3, 30
NAIVE_SAMPLES = 10
PREFIX = "selbench"
PASSWORD = "selbench-pass"  # noqa: S105 - a throwaway bench account, removed at the end
CALL_TITLE = "selbench call"
NOTES: list[str] = []


def cleanup() -> int:
    from core.accounts.models import User
    from core.selection.models import Application, Assignment, Call, Score
    from tenants.models import Cluster

    from .fixtures import to_public_schema

    to_public_schema()
    calls = Call.objects.filter(title=CALL_TITLE)
    Score.objects.filter(assignment__application__call__in=calls).delete()
    Assignment.objects.filter(application__call__in=calls).delete()
    Application.objects.filter(call__in=calls).delete()
    calls.delete()
    User.objects.filter(email__endswith="@selbench.test").delete()
    removed, _ = Cluster.objects.filter(schema_name__startswith=PREFIX).delete()
    return removed


def setup() -> Any:
    import datetime as dt

    from django.db import transaction
    from django.utils import timezone

    from core.accounts.models import Grant, User
    from core.accounts.services import grant_role, user_create
    from core.selection.models import Application, Assignment, Call, Criterion, ExpertAssignment, Score
    from tenants.models import Cluster

    now = timezone.now()
    with transaction.atomic():
        call = Call.objects.create(
            title=CALL_TITLE,
            year=2026,
            opens_at=now - dt.timedelta(days=30),
            closes_at=now - dt.timedelta(days=1),
            status=Call.Status.CLOSED,
            experts_per_application=EXPERTS,
        )
        criteria = Criterion.objects.bulk_create(
            [
                Criterion(call=call, code=f"c{i}", name=f"Критерий {i}", weight=Decimal(w), position=i)
                for i, w in enumerate(("2", "2", "1.5", "1"))
            ]
        )
        experts = [
            User.objects.create(email=f"expert{i}@selbench.test", full_name=f"Эксперт {i}")
            for i in range(EXPERTS)
        ]
        ExpertAssignment.objects.bulk_create([ExpertAssignment(call=call, expert=e) for e in experts])
        clusters = Cluster.objects.bulk_create(
            [
                Cluster(
                    schema_name=f"{PREFIX}{n:04d}",
                    name=f"Синтетический кластер {n:04d}",
                    region_codes=["RU-MOS"],
                )
                for n in range(1, APPLICATIONS + 1)
            ],
            batch_size=500,
        )
        applications = Application.objects.bulk_create(
            [
                Application(
                    call=call,
                    cluster=c,
                    status=Application.Status.RANKED,
                    version=1,
                    submitted_at=now,
                    goals="Цели",
                    snapshot={"sections": {}},
                )
                for c in clusters
            ],
            batch_size=500,
        )
        assignments = Assignment.objects.bulk_create(
            [Assignment(application=a, expert=e, submitted_at=now) for a in applications for e in experts],
            batch_size=1000,
        )
        Score.objects.bulk_create(
            [
                Score(
                    assignment=s,
                    criterion=c,
                    value=Decimal((s.pk * 7 + c.pk * 3) % 11),
                    comment="Комментарий",
                    submitted=True,
                )
                for s in assignments
                for c in criteria
            ],
            batch_size=2000,
        )
    federal = user_create(email="federal@selbench.test", password=PASSWORD, full_name="Аналитик")
    grant_role(user=federal, role=Grant.Role.MINISTRY_FEDERAL)
    return call


def naive_ranking(call: Any) -> list[tuple[str, Decimal | None]]:
    """The same scores read per application and per assignment (N + N×E queries)."""
    from core.selection.models import Application, Criterion

    criteria = list(Criterion.objects.filter(call=call))
    weights = sum((c.weight for c in criteria), Decimal(0))
    rows = []
    for application in Application.objects.filter(call=call).select_related("cluster"):
        totals = []
        for assignment in application.assignments.all():
            values = {s.criterion_id: s.value for s in assignment.scores.filter(submitted=True)}
            if values:
                totals.append(
                    sum((c.weight * values.get(c.pk, Decimal(0)) for c in criteria), Decimal(0)) / weights
                )
        rows.append((application.cluster.name, sum(totals, Decimal(0)) / len(totals) if totals else None))
    rows.sort(key=lambda r: -(r[1] or 0))
    return rows


@dataclass
class Timing:
    ms: list[float]
    queries: list[int]

    @property
    def p50(self) -> float:
        return statistics.median(self.ms)

    @property
    def p95(self) -> float:
        return statistics.quantiles(self.ms, n=20, method="inclusive")[-1]


def _counter() -> tuple[list[int], Any]:
    counter = [0]

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        counter[0] += 1
        return execute(sql, params, many, context)

    return counter, count


def _time(call: Any, samples: int, warmup: int) -> Timing:
    from django.db import connection

    for _ in range(warmup):
        call()
    ms, queries = [], []
    for _ in range(samples):
        counter, count = _counter()
        with connection.execute_wrapper(count):
            start = time.perf_counter()
            call()
            ms.append((time.perf_counter() - start) * 1000)
        queries.append(counter[0])
    return Timing(ms, queries)


@dataclass
class SelectionResult:
    ranking: Timing
    page: Timing
    naive: Timing
    small_queries: int
    setup_s: float


def measure() -> SelectionResult:
    from django.test import Client

    from core.selection.models import Application
    from core.selection.selectors import call_ranking

    cleanup()
    started = time.perf_counter()
    call = setup()
    setup_s = time.perf_counter() - started
    ranking = _time(lambda: call_ranking(call=call), SAMPLES, WARMUP)
    ours = {r.cluster: r.score for r in call_ranking(call=call).rows}
    naive_scores = dict(naive_ranking(call))
    assert all(
        abs(Decimal(ours[name] or 0) - Decimal(score or 0)) < Decimal("0.02")
        for name, score in naive_scores.items()
    )
    client = Client(HTTP_HOST="localhost")
    assert client.post("/login/", {"email": "federal@selbench.test", "password": PASSWORD}).status_code == 302
    url = f"/selection/{call.pk}/ranking/"

    def page() -> None:
        response = client.get(url)
        assert response.status_code == 200, response.status_code

    page_timing = _time(page, SAMPLES, WARMUP)
    naive = _time(lambda: naive_ranking(call), NAIVE_SAMPLES, 1)
    # The same ranking with 10 applications: the query count must not change.
    keep = list(Application.objects.filter(call=call).order_by("pk").values_list("pk", flat=True)[:10])
    from django.db import connection, transaction

    with transaction.atomic():
        Application.objects.filter(call=call).exclude(pk__in=keep).update(status=Application.Status.DRAFT)
        counter, count = _counter()
        with connection.execute_wrapper(count):
            call_ranking(call=call)
        transaction.set_rollback(True)
    return SelectionResult(ranking, page_timing, naive, counter[0], setup_s)


def _q(t: Timing) -> str:
    lo, hi = min(t.queries), max(t.queries)
    return f"{lo}" if lo == hi else f"{lo}-{hi}"


def rows(r: SelectionResult) -> list[Row]:
    from .report import Row

    NOTES[:] = [
        "Selection (ranking of a call):",
        f"  Ours: core.selection.selectors.call_ranking over {APPLICATIONS} submitted applications × {EXPERTS} "
        f"experts × 4 criteria (synthetic schema-less clusters, rows inserted directly), {SAMPLES} runs after "
        f"{WARMUP} warm-up; the page is GET /selection/{{id}}/ranking/ by a federal user (in-process Client).",
        f"  Naive: per application its assignments, per assignment its scores ({NAIVE_SAMPLES} runs).",
        f"  Queries with {APPLICATIONS} applications: {_q(r.ranking)}; with 10: {r.small_queries}. "
        f"Set-up of the data: {r.setup_s:.1f} s (not measured).",
    ]
    return [
        Row(
            f"6. Selection ranking at {APPLICATIONS} applications × {EXPERTS} experts "
            "(baseline = naive per-application reads)",
            section=True,
        ),
        Row(
            "  call_ranking p50 / p95 ms",
            f"{r.naive.p50:,.0f} / {r.naive.p95:,.0f} (naive)",
            f"{r.ranking.p50:.0f} / {r.ranking.p95:.0f}",
            ("p95 ≤ 50 ms" if r.ranking.p95 <= 50 else "p95 > 50 ms (target 50)")
            + f", {r.naive.p50 / r.ranking.p50:,.0f}x faster (p50)",
        ),
        Row(
            "  GET /selection/{id}/ranking/ p50 / p95 ms",
            "-",
            f"{r.page.p50:.0f} / {r.page.p95:.0f}",
            "the HTML page with decision forms",
        ),
        Row(
            "  SQL queries per ranking (300 / 10 applications)",
            f"{statistics.median(r.naive.queries):,.0f} (naive)",
            f"{_q(r.ranking)} / {r.small_queries}",
            "constant" if min(r.ranking.queries) == r.small_queries else "GROWS",
        ),
    ]


def run(fixture: RequestFixture | None = None) -> list[Row]:
    try:
        return rows(measure())
    finally:
        cleanup()
