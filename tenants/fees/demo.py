"""Demo fees inside each cluster: the cluster's own fee schedule (amounts and tiers are demo
values, different per cluster — no public tariff exists), set by the general meeting's «fee
regulation» decision of the demo protocol; an assessment of last period and of the current
one; most of last period's invoices paid by bank transfer with one left overdue, a few of the
current period's paid (one partly), the rest open. Synthetic members («Демо-компания N») get
accepted figures for last year so that tiers apply; real organizations get no invented figures.
Everything goes through the services. Runs once per cluster (nothing is duplicated).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from billing.models import Invoice
from billing.selectors import invoices_for_cluster
from billing.services import payment_record_manual
from core.audit.services import Actor
from core.clock import cluster_today
from tenants.governance.models import Decision
from tenants.members import services as members
from tenants.members.models import Company, KpiReport
from tenants.models import Cluster

from . import services
from .models import FeeSchedule
from .periods import period_containing
from .selectors import fee_decisions

RUB = 100


@dataclass(frozen=True)
class DemoSchedule:
    period: str
    amount: int  # roubles
    entrance: int  # roubles
    basis: str = FeeSchedule.TierBasis.NONE
    tiers: tuple[tuple[int, int], ...] = ()  # (bound: persons or roubles, roubles)
    due_month: int = 1
    due_day: int = 31
    grace_days: int = 0
    proration: str = FeeSchedule.Proration.NONE
    extra: dict[str, Any] = field(default_factory=dict)


SCHEDULES = {
    "mosreg": DemoSchedule(
        FeeSchedule.Period.YEAR,
        120_000,
        50_000,
        FeeSchedule.TierBasis.HEADCOUNT,
        ((0, 60_000), (50, 120_000), (250, 240_000)),
        due_month=3,
        due_day=31,
        grace_days=15,
        proration=FeeSchedule.Proration.MONTHLY,
    ),
    "technopolis": DemoSchedule(
        FeeSchedule.Period.QUARTER,
        30_000,
        25_000,
        due_month=1,
        due_day=25,
        grace_days=10,
        proration=FeeSchedule.Proration.DAILY,
    ),
    "nso": DemoSchedule(
        FeeSchedule.Period.YEAR,
        40_000,
        0,
        FeeSchedule.TierBasis.REVENUE,
        ((0, 40_000), (100_000_000, 80_000), (1_000_000_000, 150_000)),
        due_month=4,
        due_day=30,
        grace_days=30,
    ),
    "bashkortostan": DemoSchedule(
        FeeSchedule.Period.YEAR,
        75_000,
        15_000,
        due_month=2,
        due_day=31,
        proration=FeeSchedule.Proration.MONTHLY,
    ),
}
DEFAULT = DemoSchedule(FeeSchedule.Period.YEAR, 100_000, 30_000, due_month=3, due_day=31, grace_days=10)
# Last year's figures of synthetic members, by their number: (headcount, revenue in roubles).
FIGURES = [(35, 80_000_000), (120, 450_000_000), (310, 1_800_000_000), (12, 20_000_000), (64, 150_000_000)]


def _decision() -> Decision | None:
    """The fee regulation adopted by the general meeting in the demo protocol."""
    return fee_decisions().first()


def _figures(actor: Actor, year: int) -> None:
    """Accepted figures for last year of a few synthetic members (for the tiers)."""
    demo = list(
        Company.objects.filter(is_demo=True, status=Company.Status.ACTIVE).order_by("id")[: len(FIGURES)]
    )
    for company, (headcount, revenue) in zip(demo, FIGURES, strict=False):
        if KpiReport.objects.filter(company=company, year=year).exists():
            continue
        report = members.kpi_create(
            actor=actor, company=company, year=year, employees=headcount, revenue=revenue * RUB
        )
        members.kpi_accept(report=members.kpi_submit(report=report, actor=actor), actor=actor)


def _run(actor: Actor, schedule: FeeSchedule, key: str, issue_date: dt.date) -> None:
    run = services.assessment_start(actor=actor, schedule=schedule, period=key, issue_date=issue_date)
    services.assessment_execute(run_id=run.pk)  # the queued task then finds it finished


def _pay(actor: Actor, invoice: Invoice, amount: int, order: str, on: dt.date) -> None:
    payment_record_manual(
        actor=actor, invoice=invoice, amount_kopecks=amount, order_number=order, order_date=on
    )


def demo_fees(cluster: Cluster, *, tz: str) -> None:
    if FeeSchedule.objects.exists():
        return
    actor = Actor.system(cluster)
    decision = _decision()
    if decision is None:
        return  # no general-meeting decision on fees in this cluster's demo protocol
    spec = SCHEDULES.get(cluster.schema_name, DEFAULT)
    today = cluster_today(cluster)
    current = period_containing(spec.period, today)
    previous = current.previous()
    _figures(actor, today.year - 1)
    meeting = decision.meeting
    adopted = meeting.held_at.astimezone(cluster.tzinfo).date()
    protocol = f" № {meeting.number}" if meeting.number else ""
    schedule = services.fee_schedule_create(
        actor=actor,
        name=f"Положение об уплате взносов (протокол{protocol} от {adopted:%d.%m.%Y})",
        decision=decision,
        effective_from=adopted,
        period=spec.period,
        amount_kopecks=spec.amount * RUB,
        entrance_fee_kopecks=spec.entrance * RUB,
        tier_basis=spec.basis,
        tiers=[
            (bound * RUB if spec.basis == FeeSchedule.TierBasis.REVENUE else bound, amount * RUB)
            for bound, amount in spec.tiers
        ],
        due_month=spec.due_month,
        due_day=spec.due_day,
        grace_days=spec.grace_days,
        proration=spec.proration,
        notes="Демо-данные: суммы и ступени условные.",
    )
    _run(actor, schedule, previous.key, previous.start + dt.timedelta(days=9))
    _run(actor, schedule, current.key, today)

    earlier = [
        i for i in invoices_for_cluster(cluster, ordering="company") if i.period_label == previous.label
    ]
    for number, invoice in enumerate(earlier[:-1], start=1):  # all paid but the last: overdue
        on = min(invoice.due_date - dt.timedelta(days=3), today)
        _pay(actor, invoice, invoice.outstanding_kopecks, f"{100 + number}", max(on, invoice.issue_date))
    latest = [
        i
        for i in invoices_for_cluster(cluster, ordering="company")
        if i.period_label == current.label and i.is_payable
    ]
    for number, invoice in enumerate(latest[: max(1, len(latest) // 3)], start=1):
        _pay(actor, invoice, invoice.outstanding_kopecks, f"{500 + number}", today)
    if len(latest) > 2:
        partial = latest[-1]
        _pay(actor, partial, partial.outstanding_kopecks // 2, "777", today)
