"""What each member owes for a period under a schedule: a pure computation over facts read in
bulk (selectors.member_facts), so it costs no queries per member and is easy to test.

Rules (all amounts from the schedule, nothing hard-coded):
* the periodic fee is the schedule's amount, or the amount of the highest tier whose lower
  bound the member's figure reaches (headcount or revenue from its latest accepted yearly
  report before the period; no accepted report: the schedule's amount);
* a member admitted after the period began pays from its admission day, prorated as the
  schedule says (not at all, by months or by days);
* an exemption covering the first day the member owes for frees it from that share (100 %:
  no invoice at all); several exemptions: the largest share;
* the entrance fee is owed once by members admitted on or after the schedule came into force
  (an exemption marked «и от вступительного взноса» covering the admission day applies);
* the due date is the schedule's day in the period; an invoice issued on or after that day
  (a late run, a newcomer) and an entrance-fee invoice are due `payment_days` after issue.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from core.ru.money import format_roubles

from .models import FeeExemption, FeeSchedule, FeeTier
from .periods import Period, due_date, prorate
from .selectors import MemberFacts

MEMBERSHIP = "membership"
ENTRANCE = "entrance"


def membership_key(period: Period, company_id: int) -> str:
    """Source key of a member's periodic-fee invoice: one per period, whatever schedule set it."""
    return f"fees:{period.key}:{company_id}"


def entrance_key(company_id: int) -> str:
    """Source key of a member's entrance-fee invoice: once per company."""
    return f"entrance:{company_id}"


@dataclass(frozen=True)
class Charge:
    """One invoice to issue (a single line)."""

    kind: str
    member: MemberFacts
    source_key: str
    description: str
    amount_kopecks: int
    due_date: dt.date
    period_label: str


@dataclass
class Plan:
    charges: list[Charge] = field(default_factory=list)
    exempt: list[int] = field(default_factory=list)  # company ids freed from the periodic fee


def tier_amount(
    schedule: FeeSchedule, tiers: Sequence[FeeTier], member: MemberFacts
) -> tuple[int, FeeTier | None]:
    """The periodic fee before proration and exemptions, and the tier that set it."""
    if schedule.tier_basis == FeeSchedule.TierBasis.NONE or not tiers:
        return schedule.amount_kopecks, None
    figure = member.headcount if schedule.tier_basis == FeeSchedule.TierBasis.HEADCOUNT else member.revenue
    if figure is None:
        return schedule.amount_kopecks, None
    chosen = None
    for tier in sorted(tiers, key=lambda t: t.lower_bound):
        if figure >= tier.lower_bound:
            chosen = tier
    return (chosen.amount_kopecks, chosen) if chosen else (schedule.amount_kopecks, None)


def tier_label(schedule: FeeSchedule, tier: FeeTier) -> str:
    if schedule.tier_basis == FeeSchedule.TierBasis.HEADCOUNT:
        return f"численность от {tier.lower_bound} чел."
    return f"выручка от {format_roubles(tier.lower_bound)} ₽"


def exemption_percent(exemptions: Iterable[FeeExemption], day: dt.date, *, entrance: bool = False) -> int:
    shares = [e.percent for e in exemptions if e.covers(day) and (e.covers_entrance or not entrance)]
    return max(shares, default=0)


def _discounted(amount: int, percent: int) -> int:
    return amount - (amount * percent * 2 + 100) // 200


def _due(nominal: dt.date, issue_date: dt.date, payment_days: int) -> dt.date:
    return nominal if nominal > issue_date else issue_date + dt.timedelta(days=payment_days)


def plan_assessment(
    *,
    schedule: FeeSchedule,
    tiers: Sequence[FeeTier],
    period: Period,
    members: Iterable[MemberFacts],
    exemptions: dict[int, list[FeeExemption]],
    issue_date: dt.date,
) -> Plan:
    plan = Plan()
    nominal_due = due_date(period, due_month=schedule.due_month, due_day=schedule.due_day)
    for member in members:
        own = exemptions.get(member.company_id, [])
        if (
            schedule.entrance_fee_kopecks > 0
            and member.admitted_on is not None
            and schedule.effective_from <= member.admitted_on <= period.end
        ):
            percent = exemption_percent(own, member.admitted_on, entrance=True)
            amount = _discounted(schedule.entrance_fee_kopecks, percent)
            if amount > 0:
                note = f"; освобождение {percent} %" if percent else ""
                plan.charges.append(
                    Charge(
                        kind=ENTRANCE,
                        member=member,
                        source_key=entrance_key(member.company_id),
                        description=f"Вступительный взнос (принят в члены кластера {member.admitted_on:%d.%m.%Y}{note})",
                        amount_kopecks=amount,
                        due_date=issue_date + dt.timedelta(days=schedule.payment_days),
                        period_label=period.label,
                    )
                )
        since = max(period.start, member.admitted_on or period.start)
        base, tier = tier_amount(schedule, tiers, member)
        amount = prorate(base, period, since=since, mode=schedule.proration)
        percent = exemption_percent(own, since)
        amount = _discounted(amount, percent)
        if amount <= 0:
            plan.exempt.append(member.company_id)
            continue
        notes = []
        if tier is not None:
            notes.append(tier_label(schedule, tier))
        if since > period.start and schedule.proration != FeeSchedule.Proration.NONE:
            notes.append(f"членство с {since:%d.%m.%Y}")
        if percent:
            notes.append(f"освобождение {percent} %")
        suffix = f" ({'; '.join(notes)})" if notes else ""
        plan.charges.append(
            Charge(
                kind=MEMBERSHIP,
                member=member,
                source_key=membership_key(period, member.company_id),
                description=f"Членский взнос за {period.label}{suffix}",
                amount_kopecks=amount,
                due_date=_due(nominal_due, issue_date, schedule.payment_days),
                period_label=period.label,
            )
        )
    return plan
