"""Reads of the governance area (inside the current cluster schema)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from core.accounts.access import MANAGER_ROLES
from core.accounts.models import Grant, User
from core.accounts.selectors import user_cluster_roles, user_grants
from tenants.members.models import Company, MembershipEvent
from tenants.models import Cluster

from .models import (
    AgendaItem,
    Attendance,
    Body,
    Committee,
    CommitteeDocument,
    CommitteeMember,
    Decision,
    Meeting,
    Officer,
)
from .quorum import Quorum, quorum_for

# Statuses that give a vote at a meeting (suspended members keep membership but not the vote).
VOTING_STATUSES = (Company.Status.ADMITTED, Company.Status.ACTIVE)


# --- bodies and officers ----------------------------------------------------------------

def body_list() -> QuerySet[Body]:
    return Body.objects.annotate(meeting_count=Count("meetings")).order_by("kind", "name", "id")


def body_get(*, body_id: int) -> Body | None:
    return Body.objects.filter(pk=body_id).first()


def officer_list() -> QuerySet[Officer]:
    return Officer.objects.select_related("body", "company")


def officers_current(*, today: dt.date) -> QuerySet[Officer]:
    """Officers whose term covers `today` (the cluster's local date)."""
    return officer_list().filter(Q(term_end__isnull=True) | Q(term_end__gte=today), term_start__lte=today)


def officer_get(*, officer_id: int) -> Officer | None:
    return officer_list().filter(pk=officer_id).first()


# --- committees -----------------------------------------------------------------------

def committee_list() -> QuerySet[Committee]:
    return Committee.objects.annotate(
        people_count=Count("people", distinct=True), document_count=Count("documents", distinct=True),
    ).order_by("name", "id")


def committee_people() -> QuerySet[CommitteeMember]:
    return CommitteeMember.objects.select_related("company")


def committee_documents() -> QuerySet[CommitteeDocument]:
    return CommitteeDocument.objects.all()


def committee_detail() -> QuerySet[Committee]:
    """Committees with their people and documents, in three queries whatever their number."""
    return committee_list().prefetch_related(
        Prefetch("people", queryset=committee_people()),
        Prefetch("documents", queryset=committee_documents()),
    )


def committee_get(*, committee_id: int) -> Committee | None:
    return committee_detail().filter(pk=committee_id).first()


def committee_ids_of(*, user_id: int | None, company_ids: Iterable[int]) -> set[int]:
    """Committees where the user sits, in person or through the company it represents."""
    condition = Q(company_id__in=[c for c in company_ids if c])
    if user_id:
        condition |= Q(user_id=user_id)
    return set(CommitteeMember.objects.filter(condition).values_list("committee_id", flat=True))


def committees_with_documents_for(*, user: User | AnonymousUser, cluster: Cluster) -> set[int] | None:
    """Committees whose documents the user may see: None means all (cluster managers);
    a representative sees those of the committees it sits on (itself or its company)."""
    roles = user_cluster_roles(user, cluster)
    if roles & MANAGER_ROLES:
        return None
    if Grant.Role.MEMBER_REPRESENTATIVE not in roles:
        return set()
    company_ids = [g.company_id for g in user_grants(user) if g.cluster_id == cluster.pk
                   and g.role == Grant.Role.MEMBER_REPRESENTATIVE and g.company_id]
    return committee_ids_of(user_id=user.pk, company_ids=company_ids)


def committee_member_get(*, committee_id: int, member_id: int) -> CommitteeMember | None:
    return CommitteeMember.objects.filter(pk=member_id, committee_id=committee_id).first()


def seat_account(*, cluster: Cluster, email: str = "", user_id: int | None = None) -> User | None:
    """The account a committee seat may name: found by e-mail (case-insensitive) or id AND holding
    a role in `cluster`. «No such account» and «no role here» both give None, so the staff who add
    seats cannot tell which accounts exist elsewhere on the platform."""
    accounts = User.objects.filter(is_active=True)
    if email:
        user = accounts.filter(email__iexact=email).first()
    elif user_id is not None:
        user = accounts.filter(pk=user_id).first()
    else:
        return None
    if user is None or not user_cluster_roles(user, cluster):
        return None
    return user


def committee_document_get(*, committee_id: int, document_id: int) -> CommitteeDocument | None:
    return CommitteeDocument.objects.filter(pk=document_id, committee_id=committee_id).first()


# --- members at a date ----------------------------------------------------------------

def voting_members_at(*, at: dt.datetime) -> QuerySet[Company]:
    """Companies holding a vote just before `at`, from their membership history.

    The status at `at` is the target of the last event before it; failing that, the
    starting status of the first event from `at` on; failing that (no history), the
    current status. A company admitted at the meeting itself therefore does not vote there.
    """
    before = (MembershipEvent.objects.filter(company=OuterRef("pk"), at__lt=at)
              .order_by("-at", "-id").values("to_status")[:1])
    after = (MembershipEvent.objects.filter(company=OuterRef("pk"), at__gte=at)
             .order_by("at", "id").values("from_status")[:1])
    return (Company.objects.annotate(status_at=Coalesce(Subquery(before), Subquery(after), F("status")))
            .filter(status_at__in=VOTING_STATUSES))


# --- meetings -------------------------------------------------------------------------

def meeting_list() -> QuerySet[Meeting]:
    return Meeting.objects.select_related("body").annotate(
        agenda_count=Count("agenda_items", distinct=True),
        present_count=Count("attendance", filter=Q(attendance__present=True), distinct=True),
        decision_count=Count("decisions", distinct=True),
        adopted_count=Count("decisions", filter=Q(decisions__adopted=True), distinct=True),
    ).order_by("-held_at", "-id")


def meeting_detail() -> QuerySet[Meeting]:
    """Meetings with agenda, attendance and decisions prefetched (constant query count)."""
    return meeting_list().prefetch_related(
        Prefetch("agenda_items", queryset=AgendaItem.objects.all()),
        Prefetch("attendance", queryset=Attendance.objects.select_related("company")
                 .order_by("company__short_name", "company_id")),
        Prefetch("decisions", queryset=Decision.objects.select_related("subject_company", "agenda_item")),
    )


def meeting_get(*, meeting_id: int) -> Meeting | None:
    return meeting_detail().filter(pk=meeting_id).first()


def agenda_item_get(*, meeting_id: int, item_id: int) -> AgendaItem | None:
    return AgendaItem.objects.filter(pk=item_id, meeting_id=meeting_id).first()


def meeting_voter_ids(*, meeting: Meeting) -> set[int]:
    return set(voting_members_at(at=meeting.held_at).values_list("pk", flat=True))


def meeting_quorum(*, meeting: Meeting) -> Quorum:
    """The quorum of a meeting by its body's rule over the voting members at its date; once
    decisions are recorded, the quorum fixed at that moment."""
    if meeting.quorum_total is not None and meeting.quorum_present is not None and meeting.quorum_required is not None:
        return Quorum(rule=meeting.body.quorum_rule, total=meeting.quorum_total, present=meeting.quorum_present,
                      required=meeting.quorum_required)
    voters = meeting_voter_ids(meeting=meeting)
    present = (Attendance.objects.filter(meeting=meeting, present=True, company_id__in=voters).count()
               if voters else 0)
    return quorum_for(body=meeting.body, total=len(voters), present=present)


def meeting_attendance_sheet(*, meeting: Meeting) -> list[tuple[Company, Attendance | None]]:
    """Every voting member at the meeting date with its attendance row (None: not marked yet)."""
    rows = {a.company_id: a for a in Attendance.objects.filter(meeting=meeting)}
    return [(company, rows.get(company.pk)) for company in voting_members_at(at=meeting.held_at)]
