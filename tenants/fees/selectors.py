"""Reads of the fees area (inside the current cluster schema). Only cluster managers read them,
except `dues_visible`, which also lets a representative see its own company's dues."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.db.models import Count, Max, Q, QuerySet

from billing.models import Invoice
from tenants.governance.models import Body, Decision
from tenants.members.models import Company, KpiReport, MembershipEvent

from .models import AssessmentRun, FeeExemption, FeeSchedule, FeeTier
from .periods import Period

if TYPE_CHECKING:
    from tenants.models import Cluster

# Members who owe dues: admitted and not gone (a suspended member keeps its obligations).
LIABLE_STATUSES = (Company.Status.ADMITTED, Company.Status.ACTIVE, Company.Status.SUSPENDED)


# --- schedules ----------------------------------------------------------------------------


def schedule_list() -> QuerySet[FeeSchedule]:
    """Schedules, newest first, with their run and tier counts."""
    qs = FeeSchedule.objects.select_related("decision__meeting__body").annotate(
        run_count=Count("runs", distinct=True), tier_count=Count("tiers", distinct=True)
    )
    return qs.order_by("-effective_from", "-id")


def schedule_get(*, schedule_id: int) -> FeeSchedule | None:
    return (
        FeeSchedule.objects.select_related("decision__meeting__body")
        .prefetch_related("tiers")
        .filter(pk=schedule_id)
        .first()
    )


def schedule_tiers(*, schedule: FeeSchedule) -> list[FeeTier]:
    return list(FeeTier.objects.filter(schedule=schedule).order_by("lower_bound"))


def schedule_in_force(*, day: dt.date) -> FeeSchedule | None:
    """The schedule that governs `day`: the latest one started on or before it and not ended."""
    return (
        FeeSchedule.objects.filter(
            Q(effective_until__isnull=True) | Q(effective_until__gte=day), effective_from__lte=day
        )
        .order_by("-effective_from", "-id")
        .first()
    )


def schedule_has_runs(*, schedule: FeeSchedule) -> bool:
    return AssessmentRun.objects.filter(schedule=schedule).exists()


def fee_decisions() -> QuerySet[Decision]:
    """Adopted general-meeting decisions that set fees: what a schedule may rest on."""
    return (
        Decision.objects.filter(
            kind=Decision.Kind.SET_FEES, adopted=True, meeting__body__kind=Body.Kind.GENERAL_MEETING
        )
        .select_related("meeting__body")
        .order_by("-meeting__held_at", "number")
    )


# --- exemptions ---------------------------------------------------------------------------

EXEMPTION_ORDERINGS: dict[str, tuple[str, ...]] = {
    "company": ("company__short_name", "-starts_on", "id"),
    "starts": ("-starts_on", "-id"),
}


def exemption_list(*, query: str = "", ordering: str = "") -> QuerySet[FeeExemption]:
    qs = FeeExemption.objects.select_related("company", "created_by")
    query = query.strip()
    if query:
        qs = qs.filter(
            Q(company__short_name__icontains=query)
            | Q(company__inn__startswith=query)
            | Q(reason__icontains=query)
        )
    return qs.order_by(*EXEMPTION_ORDERINGS.get(ordering, EXEMPTION_ORDERINGS["starts"]))


def exemption_get(*, exemption_id: int) -> FeeExemption | None:
    return FeeExemption.objects.select_related("company").filter(pk=exemption_id).first()


def liable_companies() -> QuerySet[Company]:
    return Company.objects.filter(status__in=LIABLE_STATUSES).order_by("short_name", "id")


# --- runs ---------------------------------------------------------------------------------


def run_list() -> QuerySet[AssessmentRun]:
    """Assessment runs, latest first."""
    return AssessmentRun.objects.select_related("schedule", "created_by").order_by("-created_at", "-id")


def run_get(*, run_id: int) -> AssessmentRun | None:
    return run_list().filter(pk=run_id).first()


def run_in_progress(*, schedule: FeeSchedule, period: str) -> AssessmentRun | None:
    return AssessmentRun.objects.filter(
        schedule=schedule,
        period=period,
        status__in=[AssessmentRun.Status.QUEUED, AssessmentRun.Status.RUNNING],
    ).first()


# --- what an assessment reads (a constant number of queries whatever the member count) -----


@dataclass(frozen=True)
class MemberFacts:
    """What the assessment needs to know about one liable member."""

    company_id: int
    name: str
    inn: str
    kpp: str
    admitted_on: dt.date | None  # local date of the latest admission; None: before the records
    headcount: int | None  # from the latest accepted yearly report before the period
    revenue: int | None  # kopecks, same report


def member_facts(*, period: Period, tz: ZoneInfo) -> list[MemberFacts]:
    """Every member liable for `period`, in three queries: companies, admissions, reports."""
    companies = list(liable_companies().values_list("pk", "full_name", "short_name", "inn", "kpp"))
    liable = Q(company__status__in=LIABLE_STATUSES)
    admitted = dict(
        MembershipEvent.objects.filter(liable, to_status=Company.Status.ADMITTED)
        .values("company_id")
        .annotate(at=Max("at"))
        .values_list("company_id", "at")
    )
    reports = {
        company_id: (employees, revenue)
        for company_id, employees, revenue in KpiReport.objects.filter(
            liable, status=KpiReport.Status.ACCEPTED, year__lt=period.start.year
        )
        .order_by("company_id", "-year")
        .distinct("company_id")
        .values_list("company_id", "employees", "revenue")
    }
    facts = []
    for pk, full_name, short_name, inn, kpp in companies:
        at = admitted.get(pk)
        admitted_on = at.astimezone(tz).date() if at is not None else None
        if admitted_on is not None and admitted_on > period.end:
            continue  # admitted after the period: not liable for it
        headcount, revenue = reports.get(pk, (None, None))
        facts.append(
            MemberFacts(
                company_id=pk,
                name=full_name or short_name,
                inn=inn,
                kpp=kpp,
                admitted_on=admitted_on,
                headcount=headcount,
                revenue=revenue,
            )
        )
    return facts


def exemptions_by_company(*, start: dt.date, end: dt.date) -> dict[int, list[FeeExemption]]:
    """Exemptions of liable members overlapping [start, end], by company (one query)."""
    found: dict[int, list[FeeExemption]] = defaultdict(list)
    for exemption in FeeExemption.objects.filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=start),
        company__status__in=LIABLE_STATUSES,
        starts_on__lte=end,
    ):
        found[exemption.company_id].append(exemption)
    return found


def company_exemptions(*, company_id: int) -> QuerySet[FeeExemption]:
    return FeeExemption.objects.filter(company_id=company_id).order_by("-starts_on", "-id")


def issued_source_keys(*, cluster: Cluster, keys: list[str]) -> set[str]:
    """Which of these invoice source keys the cluster has already issued (one query; a read of
    billing's public table, filtered by the cluster)."""
    if not keys:
        return set()
    return set(
        Invoice.objects.filter(cluster=cluster, source_key__in=keys).values_list("source_key", flat=True)
    )
