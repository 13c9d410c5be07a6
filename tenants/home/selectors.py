"""The home of each role, read in a fixed number of queries (tests/home bound them).

`manager_home` (cluster admin and staff, inside the cluster's schema): arrears and overdue
invoices, roadmap deadlines, applications to admit, members' figures waiting for acceptance, the
next meeting, dues collected by month and roadmap progress. `member_home` (a member's
representative): its debt, open votes, events, its roadmap items, figures to submit.
`platform_home` (the platform's admin, public schema): every cluster with its health.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, Max, OuterRef, Q, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from billing.models import Invoice, Payee, Payment
from core.audit.models import AuditEntry
from core.federal.models import AnnualReport
from tenants.events.models import Event
from tenants.governance.models import Ballot, Meeting
from tenants.members.models import Company, KpiReport
from tenants.models import Cluster
from tenants.roadmap.models import Item, Roadmap
from tenants.roadmap.tracking import CLOSED_STATUSES, due_soon_q, overdue_q
from tenants.selectors import cluster_list

LIST_SIZE = 5
CHART_MONTHS = 6
PAYABLE = sorted(Invoice.PAYABLE)


@dataclass(frozen=True)
class Debtor:
    company_id: int
    company_name: str
    outstanding_kopecks: int
    overdue_kopecks: int


@dataclass(frozen=True)
class MonthAmount:
    month: dt.date
    kopecks: int


@dataclass(frozen=True)
class Progress:
    """Items of the current roadmaps (approved or draft, not closed, not superseded) by state."""

    total: int = 0
    done: int = 0
    in_progress: int = 0
    overdue: int = 0
    due_soon: int = 0
    cancelled: int = 0

    @property
    def waiting(self) -> int:
        """Open and not yet late: planned or in progress, minus the overdue among them."""
        return max(self.total - self.done - self.cancelled - self.overdue - self.in_progress, 0)

    @property
    def percent_done(self) -> int:
        counted = self.total - self.cancelled
        return round(100 * self.done / counted) if counted else 0


@dataclass(frozen=True)
class ManagerHome:
    outstanding_kopecks: int
    overdue_kopecks: int
    overdue_invoices: int
    unpaid_invoices: int
    debtors: list[Debtor]
    overdue_items: list[Item]
    due_soon_items: list[Item]
    progress: Progress
    applications: list[Company]
    applications_count: int
    figures_waiting: list[KpiReport]
    figures_waiting_count: int
    next_meeting: Meeting | None
    dues_by_month: list[MonthAmount]
    billing_ready: bool
    has_roadmap: bool


@dataclass(frozen=True)
class OpenVote:
    meeting: Meeting
    voted: bool


@dataclass(frozen=True)
class MemberHome:
    companies: list[Company]
    outstanding_kopecks: int
    overdue_kopecks: int
    unpaid: list[Invoice]
    votes: list[OpenVote]
    events: list[Event]
    items: list[Item]
    items_overdue: int
    figures_year: int
    figures_missing: list[Company]
    figures_drafts: list[KpiReport]


@dataclass(frozen=True)
class ClusterHealth:
    cluster: Cluster
    last_activity: dt.datetime | None
    billing_ready: bool
    report_year: int
    report_submitted: dt.datetime | None


def _current_roadmaps() -> Q:
    """Items of roadmaps in force or in preparation: not closed, without a newer version."""
    newer = Roadmap.objects.filter(previous=OuterRef("roadmap_id"))
    return ~Q(roadmap__status=Roadmap.Status.CLOSED) & ~Q(Exists(newer))


def _months(today: dt.date, count: int) -> list[dt.date]:
    first = today.replace(day=1)
    months = []
    for _ in range(count):
        months.append(first)
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return list(reversed(months))


def manager_home(*, cluster: Cluster, today: dt.date) -> ManagerHome:
    """12 queries whatever the data (the cluster's schema must be active)."""
    invoices = Invoice.objects.filter(cluster=cluster).exclude(
        status__in=[Invoice.Status.VOID, Invoice.Status.DRAFT]
    )
    overdue = Q(status=Invoice.Status.OVERDUE)
    totals = invoices.aggregate(
        invoiced=Coalesce(Sum("amount_kopecks"), 0),
        paid=Coalesce(Sum("paid_kopecks"), 0),
        overdue_amount=Coalesce(Sum("amount_kopecks", filter=overdue), 0),
        overdue_paid=Coalesce(Sum("paid_kopecks", filter=overdue), 0),
        overdue_count=Count("id", filter=overdue),
        unpaid_count=Count("id", filter=Q(status__in=PAYABLE)),
    )
    debtors = [
        Debtor(
            company_id=row["company_id"],
            company_name=row["name"],
            outstanding_kopecks=row["owed"],
            overdue_kopecks=max(row["overdue_amount"] - row["overdue_paid"], 0),
        )
        for row in invoices.filter(status__in=PAYABLE)
        .values("company_id")
        .annotate(
            name=Max("company_name"),
            owed=Sum("amount_kopecks") - Sum("paid_kopecks"),
            overdue_amount=Coalesce(Sum("amount_kopecks", filter=overdue), 0),
            overdue_paid=Coalesce(Sum("paid_kopecks", filter=overdue), 0),
        )
        .filter(owed__gt=0)
        .order_by("-owed", "name")[:LIST_SIZE]
    ]
    items = Item.objects.filter(_current_roadmaps())
    counts = items.aggregate(
        total=Count("id"),
        done=Count("id", filter=Q(status=Item.Status.DONE)),
        cancelled=Count("id", filter=Q(status=Item.Status.CANCELLED)),
        in_progress=Count("id", filter=Q(status=Item.Status.IN_PROGRESS) & ~overdue_q(today)),
        overdue=Count("id", filter=overdue_q(today)),
        due_soon=Count("id", filter=due_soon_q(today)),
    )
    listed = items.select_related("roadmap").order_by("deadline_end", "roadmap_id", "position")
    applied = Company.objects.filter(status=Company.Status.APPLIED)
    submitted = KpiReport.objects.filter(status=KpiReport.Status.SUBMITTED)
    months = _months(today, CHART_MONTHS)
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(months[0], dt.time(), tzinfo=tz)
    collected = {
        row["month"].date() if isinstance(row["month"], dt.datetime) else row["month"]: row["total"]
        for row in Payment.objects.filter(
            cluster=cluster, status=Payment.Status.SUCCEEDED, succeeded_at__gte=start
        )
        .annotate(month=TruncMonth("succeeded_at", tzinfo=tz))
        .values("month")
        .annotate(total=Sum("amount_kopecks") - Sum("refunded_kopecks"))
        .order_by("month")
    }
    return ManagerHome(
        outstanding_kopecks=max(totals["invoiced"] - totals["paid"], 0),
        overdue_kopecks=max(totals["overdue_amount"] - totals["overdue_paid"], 0),
        overdue_invoices=totals["overdue_count"],
        unpaid_invoices=totals["unpaid_count"],
        debtors=debtors,
        overdue_items=list(listed.filter(overdue_q(today))[:LIST_SIZE]),
        due_soon_items=list(listed.filter(due_soon_q(today))[:LIST_SIZE]),
        progress=Progress(**counts),
        applications=list(applied.order_by("status_changed_at", "id")[:LIST_SIZE]),
        applications_count=applied.count(),
        figures_waiting=list(submitted.select_related("company").order_by("submitted_at", "id")[:LIST_SIZE]),
        figures_waiting_count=submitted.count(),
        next_meeting=Meeting.objects.select_related("body")
        .filter(status=Meeting.Status.PLANNED, held_at__gte=timezone.now())
        .order_by("held_at", "id")
        .first(),
        dues_by_month=[MonthAmount(m, collected.get(m, 0)) for m in months],
        billing_ready=Payee.objects.filter(cluster=cluster).exists(),
        has_roadmap=counts["total"] > 0,
    )


def member_home(*, cluster: Cluster, company_ids: frozenset[int], today: dt.date) -> MemberHome:
    """8 queries whatever the data: only the representative's own companies' rows."""
    ids = sorted(company_ids)
    companies = list(Company.objects.filter(pk__in=ids).order_by("short_name", "id"))
    invoices = Invoice.objects.filter(cluster=cluster, company_id__in=ids, status__in=PAYABLE)
    overdue = Q(status=Invoice.Status.OVERDUE)
    totals = invoices.aggregate(
        owed=Coalesce(Sum("amount_kopecks"), 0) - Coalesce(Sum("paid_kopecks"), 0),
        overdue_owed=Coalesce(Sum("amount_kopecks", filter=overdue), 0)
        - Coalesce(Sum("paid_kopecks", filter=overdue), 0),
    )
    now = timezone.now()
    meetings = (
        Meeting.objects.select_related("body")
        .filter(
            form__in=[Meeting.Form.ABSENTEE, Meeting.Form.MIXED],
            published_at__isnull=False,
            voting_closed_at__isnull=True,
        )
        .exclude(status=Meeting.Status.CANCELLED)
        .filter(Q(deadline__isnull=True) | Q(deadline__gte=now))
        .annotate(voted=Exists(Ballot.objects.filter(meeting=OuterRef("pk"), company_id__in=ids)))
        .order_by("deadline", "id")[:LIST_SIZE]
    )
    items = Item.objects.filter(_current_roadmaps(), executors__company_id__in=ids).exclude(
        status__in=CLOSED_STATUSES
    )
    year = today.year - 1
    reports = list(
        KpiReport.objects.filter(company_id__in=ids, year__gte=year)
        .select_related("company")
        .order_by("company__short_name", "year")
    )
    reported = {r.company_id for r in reports if r.year == year}
    return MemberHome(
        companies=companies,
        outstanding_kopecks=max(totals["owed"], 0),
        overdue_kopecks=max(totals["overdue_owed"], 0),
        unpaid=list(invoices.order_by("due_date", "id")[:LIST_SIZE]),
        votes=[OpenVote(m, bool(getattr(m, "voted", False))) for m in meetings],
        events=list(Event.objects.filter(ends_on__gte=today).order_by("starts_on", "id")[:LIST_SIZE]),
        items=list(
            items.select_related("roadmap").distinct().order_by("deadline_end", "roadmap_id", "position")[:8]
        ),
        items_overdue=items.filter(overdue_q(today)).values("pk").distinct().count(),
        figures_year=year,
        figures_missing=[
            c
            for c in companies
            if c.pk not in reported and c.status in {Company.Status.ACTIVE, Company.Status.ADMITTED}
        ],
        figures_drafts=[r for r in reports if r.status == KpiReport.Status.DRAFT],
    )


def platform_home(*, today: dt.date) -> list[ClusterHealth]:
    """Every cluster with its health: 5 queries whatever the number of clusters."""
    clusters = list(cluster_list().prefetch_related("domains"))
    last = dict(
        AuditEntry.objects.filter(cluster__isnull=False)
        .values("cluster_id")
        .annotate(last=Max("at"))
        .values_list("cluster_id", "last")
    )
    payees = set(Payee.objects.values_list("cluster_id", flat=True))
    year = today.year - 1
    reports = dict(
        AnnualReport.objects.filter(year=year)
        .values("cluster_id")
        .annotate(at=Max("submitted_at"))
        .values_list("cluster_id", "at")
    )
    return [
        ClusterHealth(
            cluster=c,
            last_activity=last.get(c.pk),
            billing_ready=c.pk in payees,
            report_year=year,
            report_submitted=reports.get(c.pk),
        )
        for c in clusters
    ]
