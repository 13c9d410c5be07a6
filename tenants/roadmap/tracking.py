"""Tracking a roadmap (reads): overdue and «due soon» items, progress per section, committee and
executor, the timeline (Gantt-like) geometry and «my items» of the signed-in person.

«Today» is always the CLUSTER'S date (`core.clock.cluster_today`): an item due on 10 March is overdue
from 11 March 00:00 in the cluster's time zone, whatever the server's clock says.

Which deadlines can be missed
-----------------------------
Only deadlines that name a date or a bounded span can be overdue (`DATED_KINDS`): a date
(«2 октября 2018 г.»), «до 08 июля 2018 г.», a month, a quarter and a range. The item is
overdue when its `deadline_end` is before today and it is neither done nor cancelled
(an item marked «не выполнено» past its deadline still counts as overdue: it was not done).

Never overdue:
- recurring («Ежеквартально»): there is no last date to miss;
- the whole period («В течение года»): the activity runs through the roadmap's whole validity
  period. The importer copies the period's end into `deadline_end` so the timeline can draw
  the bar, but reaching the roadmap's end is not missing a deadline: such an item is settled
  by the yearly report (done / not done) when the roadmap is closed or replaced by a new
  version. A start («с марта 2018 г.») is the same open-ended activity from its first month
  on, so it is not overdue either;
- «По отдельному плану», no deadline («–», empty) and unparsed text: no date to compare.

Progress counts every item except cancelled ones; «done» is status done. Aggregates run in SQL,
a fixed number of queries whatever the size of the roadmap.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Concat, Lower, NullIf, Trim

from core.accounts.models import Grant, User
from core.accounts.selectors import user_grants
from tenants.governance.models import CommitteeMember
from tenants.models import Cluster

from .deadlines import DeadlineKind
from .models import Executor, Item, Roadmap, Section

# Deadlines that name a date or a bounded span: the only ones that can be missed.
DATED_KINDS = (
    DeadlineKind.DATE,
    DeadlineKind.UNTIL,
    DeadlineKind.MONTH,
    DeadlineKind.QUARTER,
    DeadlineKind.RANGE,
)
# The activity runs through the roadmap's period (or from a month to its end): drawn full-width.
PERIOD_KINDS = (DeadlineKind.WHOLE_PERIOD, DeadlineKind.RECURRING)
CLOSED_STATUSES = (Item.Status.DONE, Item.Status.CANCELLED)
DEFAULT_REMINDER_DAYS = 7


def reminder_days() -> int:
    """How many days before a deadline an item counts as «due soon» (and its executors are reminded)."""
    return int(getattr(settings, "ROADMAP_REMINDER_DAYS_BEFORE", DEFAULT_REMINDER_DAYS))


# --- conditions --------------------------------------------------------------------------------


def open_q(prefix: str = "") -> Q:
    return ~Q(**{f"{prefix}status__in": CLOSED_STATUSES})


def overdue_q(today: dt.date, prefix: str = "") -> Q:
    """Items past a dated deadline (see the module's docstring), not done and not cancelled."""
    return Q(**{f"{prefix}deadline_kind__in": DATED_KINDS, f"{prefix}deadline_end__lt": today}) & open_q(
        prefix
    )


def due_soon_q(today: dt.date, days: int | None = None, prefix: str = "") -> Q:
    """Open items with a dated deadline from today to `days` days ahead (both included)."""
    last = today + dt.timedelta(days=reminder_days() if days is None else days)
    return Q(
        **{
            f"{prefix}deadline_kind__in": DATED_KINDS,
            f"{prefix}deadline_end__gte": today,
            f"{prefix}deadline_end__lte": last,
        }
    ) & open_q(prefix)


def is_overdue(item: Item, today: dt.date) -> bool:
    """The Python twin of overdue_q for one loaded item."""
    return (
        item.deadline_kind in DATED_KINDS
        and item.deadline_end is not None
        and item.deadline_end < today
        and item.status not in CLOSED_STATUSES
    )


def is_due_soon(item: Item, today: dt.date, days: int | None = None) -> bool:
    last = today + dt.timedelta(days=reminder_days() if days is None else days)
    return (
        item.deadline_kind in DATED_KINDS
        and item.deadline_end is not None
        and today <= item.deadline_end <= last
        and item.status not in CLOSED_STATUSES
    )


def overdue_items(*, roadmap: Roadmap, today: dt.date) -> QuerySet[Item]:
    return (
        Item.objects.filter(roadmap=roadmap)
        .filter(overdue_q(today))
        .select_related("section")
        .order_by("deadline_end", "position")
    )


def due_soon_items(*, roadmap: Roadmap, today: dt.date, days: int | None = None) -> QuerySet[Item]:
    return (
        Item.objects.filter(roadmap=roadmap)
        .filter(due_soon_q(today, days))
        .select_related("section")
        .order_by("deadline_end", "position")
    )


# --- progress ----------------------------------------------------------------------------------


@dataclass
class ProgressRow:
    key: str
    label: str
    total: int = 0
    done: int = 0
    overdue: int = 0
    kind: str = ""
    number: str = ""
    section_id: int | None = None
    user_id: int | None = None
    company_id: int | None = None
    committee_id: int | None = None

    @property
    def percent(self) -> int | None:
        """Done of total, whole percent (None when nothing counts)."""
        return round(100 * self.done / self.total) if self.total else None

    @property
    def open(self) -> int:
        return self.total - self.done

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "kind": self.kind,
            "number": self.number,
            "section_id": self.section_id,
            "user_id": self.user_id,
            "company_id": self.company_id,
            "committee_id": self.committee_id,
            "total": self.total,
            "done": self.done,
            "overdue": self.overdue,
            "percent": self.percent,
        }


@dataclass
class RoadmapProgress:
    today: dt.date
    overall: ProgressRow
    sections: list[ProgressRow]
    committees: list[ProgressRow]
    executors: list[ProgressRow]


def _counts(today: dt.date, prefix: str = "") -> tuple[Count, Count, Count]:
    """(total, done, overdue) of the items reached through `prefix` ("" for Item itself)."""
    counted = f"{prefix}id"
    return (
        Count(counted, distinct=True, filter=~Q(**{f"{prefix}status": Item.Status.CANCELLED})),
        Count(counted, distinct=True, filter=Q(**{f"{prefix}status": Item.Status.DONE})),
        Count(counted, distinct=True, filter=overdue_q(today, prefix)),
    )


def progress_by_section(*, roadmap: Roadmap, today: dt.date) -> list[ProgressRow]:
    """Every section of the roadmap (also empty ones) with its counts: one query."""
    total, done, overdue = _counts(today, "items__")
    rows = (
        Section.objects.filter(roadmap=roadmap)
        .annotate(total=total, done=done, overdue=overdue)
        .values("id", "number", "title", "total", "done", "overdue")
        .order_by("position")
    )
    return [
        ProgressRow(
            key=f"section:{r['id']}",
            label=r["title"],
            number=r["number"],
            section_id=r["id"],
            total=r["total"],
            done=r["done"],
            overdue=r["overdue"],
        )
        for r in rows
    ]


def _executor_key() -> Case:
    def tagged(tag: str, column: str) -> Concat:
        return Concat(Value(tag), Cast(column, output_field=CharField()), output_field=CharField())

    return Case(
        When(user_id__isnull=False, then=tagged("user:", "user_id")),
        When(company_id__isnull=False, then=tagged("company:", "company_id")),
        When(committee_id__isnull=False, then=tagged("committee:", "committee_id")),
        default=Concat(Value("name:"), Lower(Trim("name")), output_field=CharField()),
        output_field=CharField(),
    )


def progress_by_executor(*, roadmap: Roadmap, today: dt.date) -> list[ProgressRow]:
    """Executors grouped by who they are: a user, a member company, a committee (matched rows),
    else the name as written (case-insensitive). One query; the most loaded first."""
    total, done, overdue = _counts(today, "item__")
    rows = (
        Executor.objects.filter(item__roadmap=roadmap)
        .annotate(key=_executor_key())
        .values("key")
        .annotate(
            kind=Min("kind"),
            user_ref=Max("user_id"),
            company_ref=Max("company_id"),
            committee_ref=Max("committee_id"),
            label=Min(
                Coalesce(
                    "company__short_name", "committee__name", NullIf("user__full_name", Value("")), "name"
                )
            ),
            total=total,
            done=done,
            overdue=overdue,
        )
        .order_by("-total", "label")
    )
    return [
        ProgressRow(
            key=r["key"],
            label=r["label"],
            kind=r["kind"],
            user_id=r["user_ref"],
            company_id=r["company_ref"],
            committee_id=r["committee_ref"],
            total=r["total"],
            done=r["done"],
            overdue=r["overdue"],
        )
        for r in rows
    ]


def roadmap_progress(*, roadmap: Roadmap, today: dt.date) -> RoadmapProgress:
    """Progress of the whole roadmap and per section, committee and executor: two queries.

    The roadmap's totals add up the sections (every item sits in exactly one section); the
    committees are the executors that are committees or working groups (linked or as text)."""
    sections = progress_by_section(roadmap=roadmap, today=today)
    executors = progress_by_executor(roadmap=roadmap, today=today)
    overall = ProgressRow(
        key=f"roadmap:{roadmap.pk}",
        label=roadmap.title,
        total=sum(s.total for s in sections),
        done=sum(s.done for s in sections),
        overdue=sum(s.overdue for s in sections),
    )
    committees = [e for e in executors if e.kind == Executor.Kind.COMMITTEE]
    return RoadmapProgress(
        today=today, overall=overall, sections=sections, committees=committees, executors=executors
    )


# --- timeline ------------------------------------------------------------------------------------

MAX_TIMELINE_MONTHS = 48


@dataclass
class TimelineMonth:
    start: dt.date
    left: float
    width: float

    @property
    def first_of_year(self) -> bool:
        return self.start.month == 1


@dataclass
class TimelineBar:
    """Where an item sits on the timeline, in percent of the timeline's width.

    shape: "span" (start..end), "point" (a single due date), "period" (the whole roadmap
    period: recurring or «в течение года»), "open" (from a month to the period's end), or
    "none" (no date: by a separate plan, none, unparsed)."""

    shape: str
    left: float = 0.0
    width: float = 0.0
    clipped_start: bool = False
    clipped_end: bool = False


@dataclass
class Timeline:
    start: dt.date
    end: dt.date
    months: list[TimelineMonth]
    today: dt.date
    today_left: float | None
    period_left: float
    period_width: float
    rows: list[tuple[Item, TimelineBar]] = field(default_factory=list)

    @property
    def years(self) -> list[tuple[int, float, float]]:
        """(year, left, width) bands over the months, for the header."""
        bands: dict[int, list[float]] = {}
        for month in self.months:
            band = bands.setdefault(month.start.year, [month.left, 0.0])
            band[1] = round(band[1] + month.width, 3)
        return [(year, left, width) for year, (left, width) in bands.items()]

    def position(self, day: dt.date) -> float:
        total = (self.end - self.start).days + 1
        return round(100 * min(max((day - self.start).days, 0), total) / total, 3)

    def span(self, first: dt.date, last: dt.date) -> tuple[float, float, bool, bool]:
        clipped_start, clipped_end = first < self.start, last > self.end
        left = self.position(max(first, self.start))
        right = self.position(min(last, self.end) + dt.timedelta(days=1))
        return left, max(right - left, 0.4), clipped_start, clipped_end

    def bar(self, item: Item) -> TimelineBar:
        kind, start, end = item.deadline_kind, item.deadline_start, item.deadline_end
        if kind in PERIOD_KINDS:
            return TimelineBar("period", self.period_left, self.period_width)
        if kind == DeadlineKind.START and start is not None:
            left, width, cs, ce = self.span(start, end or self.end)
            return TimelineBar("open", left, width, cs, ce)
        if end is not None and start is not None and start <= end:
            left, width, cs, ce = self.span(start, end)
            return TimelineBar("span", left, width, cs, ce)
        if end is not None:
            return TimelineBar(
                "point",
                self.position(min(max(end, self.start), self.end)),
                0.0,
                end < self.start,
                end > self.end,
            )
        return TimelineBar("none")


def _month_floor(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _month_ceil(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def timeline_range(*, roadmap: Roadmap) -> tuple[dt.date, dt.date]:
    """Whole months covering the roadmap's period and every item's dates (one query), at most
    MAX_TIMELINE_MONTHS long around the period (a mistyped year does not squash the chart)."""
    bounds = Item.objects.filter(roadmap=roadmap).aggregate(
        first_start=Min("deadline_start"),
        first_end=Min("deadline_end"),
        last_start=Max("deadline_start"),
        last_end=Max("deadline_end"),
    )
    firsts = [d for d in (roadmap.period_start, bounds["first_start"], bounds["first_end"]) if d]
    lasts = [d for d in (roadmap.period_end, bounds["last_start"], bounds["last_end"]) if d]
    start, end = _month_floor(min(firsts)), _month_ceil(max(lasts))
    lower = _add_months(_month_floor(roadmap.period_start), -(MAX_TIMELINE_MONTHS // 4))
    start = max(start, lower)
    upper = _add_months(start, MAX_TIMELINE_MONTHS) - dt.timedelta(days=1)
    return start, min(end, upper)


def timeline_build(
    *, roadmap: Roadmap, items: Iterable[Item], today: dt.date, bounds: tuple[dt.date, dt.date] | None = None
) -> Timeline:
    """The months across and one bar per item; `bounds` from timeline_range() (else computed)."""
    start, end = bounds or timeline_range(roadmap=roadmap)
    total = (end - start).days + 1
    months: list[TimelineMonth] = []
    month = start
    while month <= end:
        following = _add_months(month, 1)
        last = min(following - dt.timedelta(days=1), end)
        months.append(
            TimelineMonth(
                month,
                round(100 * (month - start).days / total, 3),
                round(100 * ((last - month).days + 1) / total, 3),
            )
        )
        month = following
    chart = Timeline(
        start=start, end=end, months=months, today=today, today_left=None, period_left=0.0, period_width=100.0
    )
    chart.period_left, chart.period_width, _, _ = chart.span(roadmap.period_start, roadmap.period_end)
    if start <= today <= end:
        chart.today_left = chart.position(today)
    chart.rows = [(item, chart.bar(item)) for item in items]
    return chart


def timeline_items(
    *, roadmap: Roadmap, today: dt.date, status: str = "", section_id: int | None = None
) -> QuerySet[Item]:
    """Items of the timeline in the roadmap's order; status: an item status, "open" or "overdue"."""
    qs = Item.objects.filter(roadmap=roadmap).select_related("section")
    if status == "overdue":
        qs = qs.filter(overdue_q(today))
    elif status == "open":
        qs = qs.filter(open_q())
    elif status in Item.Status.values:
        qs = qs.filter(status=status)
    if section_id:
        qs = qs.filter(section_id=section_id)
    return qs.order_by("position")


# --- my items -----------------------------------------------------------------------------------


def current_roadmaps() -> QuerySet[Roadmap]:
    """Roadmaps in force or being prepared: approved ones, and drafts that do not merely
    re-version an approved roadmap (that one still holds until the draft is approved).
    Closed roadmaps (and versions closed by a newer approved one) are history."""
    in_force = Q(status=Roadmap.Status.APPROVED)
    fresh_draft = Q(status=Roadmap.Status.DRAFT) & (
        Q(previous__isnull=True) | ~Q(previous__status=Roadmap.Status.APPROVED)
    )
    return Roadmap.objects.filter(in_force | fresh_draft)


@dataclass(frozen=True)
class MyScope:
    """Who «I» am as an executor: myself, the companies I represent, the committees I sit in
    (in person or through my company's seat)."""

    user_id: int | None
    company_ids: frozenset[int] = frozenset()

    @property
    def empty(self) -> bool:
        return self.user_id is None and not self.company_ids

    def committee_q(self) -> Q:
        seat = Q(company_id__in=list(self.company_ids))
        if self.user_id:
            seat |= Q(user_id=self.user_id)
        return Q(committee_id__in=CommitteeMember.objects.filter(seat).values("committee_id"))


def my_scope(*, user: User | Any, cluster: Cluster | None) -> MyScope:
    if cluster is None or not getattr(user, "is_authenticated", False):
        return MyScope(user_id=None)
    companies = frozenset(
        g.company_id
        for g in user_grants(user)
        if g.cluster_id == cluster.pk and g.role == Grant.Role.MEMBER_REPRESENTATIVE and g.company_id
    )
    return MyScope(user_id=user.pk, company_ids=companies)


MY_STATUSES = ("open", "overdue", *Item.Status.values)


def my_items(*, scope: MyScope, today: dt.date, status: str = "", query: str = "") -> QuerySet[Item]:
    """Items of the current roadmaps where I am an executor (see MyScope), overdue first, then
    by deadline (undated last). One query; `via_*` say why each item is mine.

    status: an item status, "open" (not done, not cancelled) or "overdue"."""
    if scope.empty:
        return Item.objects.none()
    executors = Executor.objects.filter(item=OuterRef("pk"))
    via_user = Exists(executors.filter(user_id=scope.user_id)) if scope.user_id else Value(False)
    via_company = (
        Exists(executors.filter(company_id__in=list(scope.company_ids)))
        if scope.company_ids
        else Value(False)
    )
    via_committee = Exists(executors.filter(scope.committee_q()))
    qs = (
        Item.objects.filter(roadmap__in=current_roadmaps())
        .annotate(
            via_user=via_user,
            via_company=via_company,
            via_committee=via_committee,
            overdue_flag=Case(
                When(overdue_q(today), then=Value(1)), default=Value(0), output_field=IntegerField()
            ),
        )
        .filter(Q(via_user=True) | Q(via_company=True) | Q(via_committee=True))
        .select_related("roadmap", "section")
    )
    if status == "open":
        qs = qs.filter(open_q())
    elif status == "overdue":
        qs = qs.filter(overdue_q(today))
    elif status in Item.Status.values:
        qs = qs.filter(status=status)
    query = query.strip()
    if query:
        qs = qs.filter(
            Q(title__icontains=query) | Q(number__startswith=query) | Q(roadmap__title__icontains=query)
        )
    return qs.order_by("-overdue_flag", "deadline_end", "roadmap_id", "position")
