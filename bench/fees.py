"""Fees: an assessment run for 10,000 members in one cluster (seconds, SQL queries).

* Ours = tenants.fees.services.assessment_execute: facts about every member read in bulk
  (companies, admissions, accepted reports, exemptions, issued source keys: a constant
  number of queries), the plan computed in Python, then billing's invoices_issue_many per
  batch of 200 new invoices (a fixed number of queries per batch).
* Baseline = the naive loop: per member, one query each for its admission, its latest
  accepted report, its exemptions and whether its invoice exists, then invoice_issue.
Both issue the same 10,000 invoices (different periods, same members, same schedule). The
re-run rows repeat each for a period already billed: nothing new is created.
The «invoice issued» e-mail tasks are not executed (with a broker they are queued for a worker
after commit); everything else, audit rows included, is.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from unittest import mock

from django.db import connection
from django.db.models import Q
from django_tenants.utils import schema_context

from billing.models import Invoice
from billing.services import InvoiceLineSpec, invoice_issue
from billing.tasks import invoice_notify
from core.audit.services import Actor
from tenants.fees import services
from tenants.fees.assessment import membership_key, tier_amount
from tenants.fees.models import FeeExemption, FeeSchedule
from tenants.fees.periods import Period, parse_period, prorate
from tenants.fees.selectors import LIABLE_STATUSES, MemberFacts, schedule_tiers
from tenants.governance.models import Body, Decision, Meeting
from tenants.members.models import Company, KpiReport, MembershipEvent
from tenants.models import Cluster
from tenants.services import cluster_provision

from .fixtures import slug, to_public_schema

if TYPE_CHECKING:
    from .fixtures import RequestFixture
    from .report import Row

MEMBERS = 10_000
CLUSTER = slug(90)  # its own cluster: the members bench leaves 20,000 companies in bench1
NOTES = [
    "  Fees: ours = tenants.fees.services.assessment_execute (bulk reads, then billing.invoices_issue_many per "
    "batch of 200: one counter lock, bulk rows and audit entries); baseline = per-member loop with one query "
    "each for admission, accepted report, exemptions and the existing invoice, then billing.invoice_issue for "
    "one invoice at a time (about 11 queries each). Same 10,000 members (10% admitted mid-year, half with "
    "accepted figures, 2% exempt), same schedule, different periods. «Issued» e-mail tasks not executed.",
]


@dataclass(frozen=True)
class Measure:
    seconds: float
    queries: int
    created: int


def _counting() -> tuple[list[int], Callable[..., Any]]:
    counter = [0]

    def wrapper(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        counter[0] += 1
        return execute(sql, params, many, context)

    return counter, wrapper


def _setup(cluster: Cluster) -> FeeSchedule:
    """10,000 active members written in bulk (setup only), one schedule through the service."""
    companies = Company.objects.bulk_create(
        [
            Company(
                full_name=f"ООО «Взносы {i:05d}»", short_name=f"Взносы {i:05d}", status=Company.Status.ACTIVE
            )
            for i in range(MEMBERS)
        ],
        batch_size=2000,
    )
    long_ago = dt.datetime(2020, 1, 10, 12, tzinfo=cluster.tzinfo)
    MembershipEvent.objects.bulk_create(
        [
            MembershipEvent(
                company=c,
                from_status=Company.Status.APPLIED,
                to_status=Company.Status.ADMITTED,
                at=long_ago if i % 10 else dt.datetime(2025, 1 + i % 12, 15, 12, tzinfo=cluster.tzinfo),
            )
            for i, c in enumerate(companies)
        ],
        batch_size=2000,
    )
    KpiReport.objects.bulk_create(
        [
            KpiReport(company=c, year=2023, employees=(i * 37) % 600, status=KpiReport.Status.ACCEPTED)
            for i, c in enumerate(companies)
            if i % 2
        ],
        batch_size=2000,
    )
    FeeExemption.objects.bulk_create(
        [
            FeeExemption(company=c, starts_on=dt.date(2024, 1, 1), percent=100, reason="Нагрузочный тест")
            for i, c in enumerate(companies)
            if i % 50 == 0
        ],
        batch_size=2000,
    )
    body = Body.objects.create(kind=Body.Kind.GENERAL_MEETING, name="Общее собрание")
    meeting = Meeting.objects.create(body=body, number="1", held_at=long_ago, status=Meeting.Status.HELD)
    decision = Decision.objects.create(
        meeting=meeting,
        number=1,
        kind=Decision.Kind.SET_FEES,
        adopted=True,
        text="Утвердить положение о взносах.",
    )
    return services.fee_schedule_create(
        actor=Actor.system(cluster),
        name="Положение (нагрузка)",
        decision=decision,
        effective_from=dt.date(2020, 1, 1),
        amount_kopecks=100_000_00,
        tier_basis=FeeSchedule.TierBasis.HEADCOUNT,
        tiers=[(0, 60_000_00), (100, 120_000_00), (300, 240_000_00)],
        proration=FeeSchedule.Proration.MONTHLY,
        due_month=3,
        due_day=31,
    )


def _ours(cluster: Cluster, schedule: FeeSchedule, period: str) -> Measure:
    counter, wrapper = _counting()
    with connection.execute_wrapper(wrapper):
        start = time.perf_counter()
        started = services.assessment_start(
            actor=Actor.system(cluster), schedule=schedule, period=period, issue_date=dt.date(2025, 1, 10)
        )
        run = services.assessment_execute(run_id=started.pk)
        seconds = time.perf_counter() - start
    assert run is not None
    if run.errors:
        raise RuntimeError(f"fees bench run failed: {run.errors[:3]}")
    return Measure(seconds, counter[0], run.created_count)


def _naive(cluster: Cluster, schedule: FeeSchedule, period: Period) -> Measure:
    """The loop one writes first: every fact of every member fetched on its own."""
    actor = Actor.system(cluster)
    tz = cluster.tzinfo
    counter, wrapper = _counting()
    created = 0
    with connection.execute_wrapper(wrapper):
        start = time.perf_counter()
        tiers = schedule_tiers(schedule=schedule)
        for company in Company.objects.filter(status__in=LIABLE_STATUSES).order_by("id"):
            event = (
                MembershipEvent.objects.filter(company=company, to_status=Company.Status.ADMITTED)
                .order_by("-at")
                .first()
            )
            report = (
                KpiReport.objects.filter(
                    company=company, status=KpiReport.Status.ACCEPTED, year__lt=period.start.year
                )
                .order_by("-year")
                .first()
            )
            admitted = event.at.astimezone(tz).date() if event else None
            if admitted is not None and admitted > period.end:
                continue
            since = max(period.start, admitted or period.start)
            exempt = FeeExemption.objects.filter(
                Q(ends_on__isnull=True) | Q(ends_on__gte=since), company=company, starts_on__lte=since
            ).exists()
            key = membership_key(period, company.pk)
            if exempt or Invoice.objects.filter(cluster=cluster, source_key=key).exists():
                continue
            facts = MemberFacts(
                company_id=company.pk,
                name=company.full_name,
                inn=company.inn,
                kpp=company.kpp,
                admitted_on=admitted,
                headcount=report.employees if report else None,
                revenue=report.revenue if report else None,
            )
            amount = prorate(
                tier_amount(schedule, tiers, facts)[0], period, since=since, mode=schedule.proration
            )
            _, new = invoice_issue(
                actor=actor,
                cluster=cluster,
                company_id=company.pk,
                company_name=company.full_name,
                company_inn=company.inn,
                company_kpp=company.kpp,
                lines=[
                    InvoiceLineSpec(
                        description=f"Членский взнос за {period.label}", unit_price_kopecks=amount
                    )
                ],
                issue_date=dt.date(2025, 1, 10),
                due_date=dt.date(2025, 3, 31),
                period_label=period.label,
                source_key=key,
            )
            created += int(new)
        seconds = time.perf_counter() - start
    return Measure(seconds, counter[0], created)


def measure(fixture: RequestFixture) -> dict[str, Measure]:
    to_public_schema()
    cluster = cluster_provision(slug=CLUSTER, name="Bench fees cluster", region_codes=["RU-MOS"])
    results: dict[str, Measure] = {}
    with (
        mock.patch.object(invoice_notify, "apply_async", return_value=None),
        mock.patch.object(invoice_notify, "delay", return_value=None),
        schema_context(cluster.schema_name),
    ):
        schedule = _setup(cluster)
        results["naive"] = _naive(cluster, schedule, parse_period("year", "2025"))
        results["ours"] = _ours(cluster, schedule, "2026")
        results["naive_again"] = _naive(cluster, schedule, parse_period("year", "2025"))
        results["ours_again"] = _ours(cluster, schedule, "2026")
    to_public_schema()
    return results


def run(fixture: RequestFixture) -> list[Row]:
    from .report import Row

    m = measure(fixture)
    naive, ours, naive2, ours2 = m["naive"], m["ours"], m["naive_again"], m["ours_again"]

    def ratio(a: float, b: float) -> str:
        return f"{a / b:.1f}x fewer" if b else "-"

    return [
        Row(
            f"5. Fees: assessment run for {MEMBERS:,} members in one cluster".replace(",", " "), section=True
        ),
        Row(
            "  first run, s",
            f"{naive.seconds:.1f} (per-member queries)",
            f"{ours.seconds:.1f} (bulk reads)",
            f"{naive.seconds / ours.seconds:.2f}x faster",
        ),
        Row(
            "  first run, SQL queries",
            f"{naive.queries:,}".replace(",", " "),
            f"{ours.queries:,}".replace(",", " "),
            ratio(naive.queries, ours.queries),
        ),
        Row(
            "  SQL queries per invoice created",
            f"{naive.queries / max(naive.created, 1):.1f}",
            f"{(ours.queries - ours2.queries) / max(ours.created, 1):.1f}",
            f"ours reads: {ours2.queries} queries in all",
        ),
        Row(
            "  invoices created (same for both)",
            str(naive.created),
            str(ours.created),
            "PASS" if naive.created == ours.created > 0 else "FAIL",
        ),
        Row(
            "  re-run for the same period, s",
            f"{naive2.seconds:.2f}",
            f"{ours2.seconds:.2f}",
            f"{naive2.seconds / ours2.seconds:.0f}x faster",
        ),
        Row(
            "  re-run, SQL queries / invoices created",
            f"{naive2.queries:,} / {naive2.created}".replace(",", " "),
            f"{ours2.queries:,} / {ours2.created}".replace(",", " "),
            "idempotent: PASS" if naive2.created == ours2.created == 0 else "FAIL",
        ),
    ]
