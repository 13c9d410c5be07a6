"""Reads of the events area (inside the current cluster schema)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Prefetch, Q, QuerySet

from core.accounts.access import MANAGER_ROLES
from core.accounts.models import Grant, User
from core.accounts.selectors import user_grants
from core.clock import cluster_today
from tenants.members.models import Company
from tenants.models import Cluster

from .models import Event, Participation

# Companies that may take part in the cluster's events.
PARTICIPANT_STATUSES = (Company.Status.ADMITTED, Company.Status.ACTIVE)
EVENT_ORDERINGS = {
    "starts_on": ("starts_on", "id"),
    "-starts_on": ("-starts_on", "-id"),
    "title": ("title", "id"),
    "-title": ("-title", "-id"),
}


@dataclass(frozen=True)
class EventAccess:
    """What a user may do with events in one cluster."""

    sees_all: bool  # any cluster role: non-public events too
    manages: bool  # cluster admin or staff
    company_ids: frozenset[int]  # companies the user represents here

    def may_act_for(self, company_id: int) -> bool:
        return self.manages or company_id in self.company_ids


def event_access(*, user: User | AnonymousUser | None, cluster: Cluster | None) -> EventAccess:
    if user is None or cluster is None:
        return EventAccess(sees_all=False, manages=False, company_ids=frozenset())
    grants = [g for g in user_grants(user) if g.cluster_id == cluster.pk]
    roles = {g.role for g in grants}
    companies = frozenset(
        g.company_id
        for g in grants
        if g.role == Grant.Role.MEMBER_REPRESENTATIVE and g.company_id is not None
    )
    return EventAccess(sees_all=bool(roles), manages=bool(roles & MANAGER_ROLES), company_ids=companies)


def _participations_prefetch() -> Prefetch:
    return Prefetch("participations", queryset=Participation.objects.select_related("company"))


def event_list(
    *,
    public_only: bool,
    query: str = "",
    kind: str = "",
    period: str = "",
    ordering: str = "",
    today: dt.date | None = None,
) -> QuerySet[Event]:
    """Events with their participant count; `period` is "upcoming", "past" or empty (all)."""
    # Meta.ordering does not apply to GROUP BY queries: order explicitly.
    qs = Event.objects.annotate(participant_count=Count("participations")).order_by("-starts_on", "-id")
    if public_only:
        qs = qs.filter(is_public=True)
    if query:
        qs = qs.filter(Q(title__icontains=query) | Q(place__icontains=query) | Q(organizer__icontains=query))
    if kind in Event.Kind.values:
        qs = qs.filter(kind=kind)
    if period in {"upcoming", "past"}:
        today = today or cluster_today()
        qs = (
            qs.filter(ends_on__gte=today).order_by("starts_on", "id")
            if period == "upcoming"
            else qs.filter(ends_on__lt=today)
        )
    if ordering in EVENT_ORDERINGS:
        qs = qs.order_by(*EVENT_ORDERINGS[ordering])
    return qs


def events_between(*, start: dt.date, end: dt.date, public_only: bool) -> QuerySet[Event]:
    """Events overlapping the days start..end (inclusive), earliest first."""
    qs = Event.objects.filter(starts_on__lte=end, ends_on__gte=start).order_by("starts_on", "title", "id")
    return qs.filter(is_public=True) if public_only else qs


def event_get(*, event_id: int, public_only: bool) -> Event | None:
    qs = Event.objects.prefetch_related(_participations_prefetch())
    if public_only:
        qs = qs.filter(is_public=True)
    return qs.filter(pk=event_id).first()


def participation_get(*, event: Event, company_id: int) -> Participation | None:
    return Participation.objects.select_related("company").filter(event=event, company_id=company_id).first()


def participant_companies() -> QuerySet[Company]:
    """Companies that may be registered for events: admitted and active members."""
    return Company.objects.filter(status__in=PARTICIPANT_STATUSES).order_by("short_name", "id")
