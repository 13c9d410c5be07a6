"""Reads of the personal data area (inside the current cluster schema)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from core.accounts.access import MemberAccess
from core.accounts.models import Grant, User
from tenants.models import Cluster

from .models import Consent, ConsentPurpose, ConsentText, Incident, ProcessingActivity, SubjectRequest

NOTIFY_WITHIN = dt.timedelta(hours=24)  # the first notice to Roskomnadzor
REPORT_WITHIN = dt.timedelta(hours=72)  # the results of the investigation


def cluster_person(*, cluster: Cluster, user_id: int | None) -> User | None:
    """A person of this cluster: an account holding a role in it (staff or a representative)."""
    if user_id is None:
        return None
    if not Grant.objects.filter(user_id=user_id, cluster=cluster).exists():
        return None
    return User.objects.filter(pk=user_id).first()


def cluster_people(*, cluster: Cluster) -> QuerySet[User]:
    return User.objects.filter(grants__cluster=cluster).distinct().order_by("full_name", "email")


def purpose_list() -> QuerySet[ConsentPurpose]:
    return ConsentPurpose.objects.prefetch_related(
        Prefetch("texts", queryset=ConsentText.objects.order_by("-version"))
    ).order_by("title", "id")


def purpose_current_text(purpose: ConsentPurpose) -> ConsentText | None:
    return purpose.texts.order_by("-version").first()


def consent_list(*, access: MemberAccess, user: User | None) -> QuerySet[Consent]:
    """Managers see every consent of the cluster; anyone else only their own."""
    qs = Consent.objects.select_related("purpose", "text", "company").order_by("-given_at", "-id")
    if access.manager:
        return qs
    return qs.filter(user_id=user.pk if user is not None else -1)


def consent_get(*, access: MemberAccess, user: User | None, consent_id: int) -> Consent | None:
    return consent_list(access=access, user=user).filter(pk=consent_id).first()


def activity_list() -> QuerySet[ProcessingActivity]:
    return ProcessingActivity.objects.order_by("name", "id")


def request_list() -> QuerySet[SubjectRequest]:
    return SubjectRequest.objects.order_by("-received_on", "-id")


def request_get(*, request_id: int) -> SubjectRequest | None:
    return SubjectRequest.objects.filter(pk=request_id).first()


def incident_list() -> QuerySet[Incident]:
    return Incident.objects.order_by("-detected_at", "-id")


@dataclass(frozen=True)
class Clock:
    """One notification deadline of an incident: due, done (when) and whether it is overdue."""

    due: dt.datetime
    done_at: dt.datetime | None
    overdue: bool

    @property
    def state(self) -> str:
        if self.done_at is not None:
            return "late" if self.done_at > self.due else "done"
        return "overdue" if self.overdue else "pending"


def _clock(due: dt.datetime, done_at: dt.datetime | None, now: dt.datetime) -> Clock:
    return Clock(due=due, done_at=done_at, overdue=done_at is None and now > due)


def incident_clocks(incident: Incident, now: dt.datetime | None = None) -> tuple[Clock, Clock]:
    """The 24-hour notice and the 72-hour results, from detection."""
    now = now or timezone.now()
    return (
        _clock(incident.detected_at + NOTIFY_WITHIN, incident.notified_at, now),
        _clock(incident.detected_at + REPORT_WITHIN, incident.reported_at, now),
    )
