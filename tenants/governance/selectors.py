"""Reads of the governance area (inside the current cluster schema)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.core.files import File
from django.db import connection
from django.db.models import Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from core.accounts.access import MANAGER_ROLES
from core.accounts.models import Grant, User
from core.accounts.selectors import user_cluster_roles, user_grants
from core.clock import cluster_tz
from tenants.fees.models import FeeSchedule, FeeTier
from tenants.members.models import Company, KpiReport, MembershipEvent
from tenants.models import Cluster

from .models import (
    AgendaItem,
    Attendance,
    Ballot,
    BallotChange,
    BallotVote,
    Body,
    Committee,
    CommitteeDocument,
    CommitteeMember,
    Decision,
    Majority,
    MajorityRule,
    Meeting,
    MeetingMaterial,
    Officer,
    Proxy,
)
from .quorum import Quorum, majority_reached, quorum_for

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
        people_count=Count("people", distinct=True),
        document_count=Count("documents", distinct=True),
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
    company_ids = [
        g.company_id
        for g in user_grants(user)
        if g.cluster_id == cluster.pk and g.role == Grant.Role.MEMBER_REPRESENTATIVE and g.company_id
    ]
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
    before = (
        MembershipEvent.objects.filter(company=OuterRef("pk"), at__lt=at)
        .order_by("-at", "-id")
        .values("to_status")[:1]
    )
    after = (
        MembershipEvent.objects.filter(company=OuterRef("pk"), at__gte=at)
        .order_by("at", "id")
        .values("from_status")[:1]
    )
    return Company.objects.annotate(
        status_at=Coalesce(Subquery(before), Subquery(after), F("status"))
    ).filter(status_at__in=VOTING_STATUSES)


# --- meetings -------------------------------------------------------------------------


def meeting_list() -> QuerySet[Meeting]:
    return (
        Meeting.objects.select_related("body")
        .annotate(
            agenda_count=Count("agenda_items", distinct=True),
            present_count=Count("attendance", filter=Q(attendance__present=True), distinct=True),
            decision_count=Count("decisions", distinct=True),
            adopted_count=Count("decisions", filter=Q(decisions__adopted=True), distinct=True),
        )
        .order_by("-held_at", "-id")
    )


def meeting_detail() -> QuerySet[Meeting]:
    """Meetings with agenda, attendance and decisions prefetched (constant query count)."""
    return meeting_list().prefetch_related(
        Prefetch("agenda_items", queryset=AgendaItem.objects.all()),
        Prefetch(
            "attendance",
            queryset=Attendance.objects.select_related("company").order_by(
                "company__short_name", "company_id"
            ),
        ),
        Prefetch("decisions", queryset=Decision.objects.select_related("subject_company", "agenda_item")),
    )


def meeting_get(*, meeting_id: int) -> Meeting | None:
    return meeting_detail().filter(pk=meeting_id).first()


def agenda_item_get(*, meeting_id: int, item_id: int) -> AgendaItem | None:
    return AgendaItem.objects.filter(pk=item_id, meeting_id=meeting_id).first()


def meeting_voting_cutoff(*, meeting: Meeting) -> dt.datetime:
    """The moment whose membership gives the vote: the end of the record date (the cluster's
    local day) for a meeting voting by ballots that has one, else the meeting's start."""
    if meeting.record_date is not None and meeting.by_ballots:
        next_day = meeting.record_date + dt.timedelta(days=1)
        return dt.datetime.combine(next_day, dt.time.min, tzinfo=cluster_tz())
    return meeting.held_at


def meeting_voter_ids(*, meeting: Meeting) -> set[int]:
    return set(voting_members_at(at=meeting_voting_cutoff(meeting=meeting)).values_list("pk", flat=True))


def meeting_quorum(*, meeting: Meeting) -> Quorum:
    """The quorum of a meeting by its body's rule over the voting members at its date; once
    decisions are recorded, the quorum fixed at that moment."""
    if (
        meeting.quorum_total is not None
        and meeting.quorum_present is not None
        and meeting.quorum_required is not None
    ):
        return Quorum(
            rule=meeting.body.quorum_rule,
            total=meeting.quorum_total,
            present=meeting.quorum_present,
            required=meeting.quorum_required,
        )
    voters = meeting_voter_ids(meeting=meeting)
    present = (
        Attendance.objects.filter(meeting=meeting, present=True, company_id__in=voters).count()
        if voters
        else 0
    )
    return quorum_for(body=meeting.body, total=len(voters), present=present)


def meeting_attendance_sheet(*, meeting: Meeting) -> list[tuple[Company, Attendance | None]]:
    """Every voting member at the meeting date with its attendance row (None: not marked yet)."""
    rows = {a.company_id: a for a in Attendance.objects.filter(meeting=meeting)}
    return [
        (company, rows.get(company.pk))
        for company in voting_members_at(at=meeting_voting_cutoff(meeting=meeting))
    ]


# --- voting by ballots ------------------------------------------------------------------


def body_majorities(*, body: Body) -> dict[str, str]:
    """The majority rule per decision kind (kinds without a row: simple majority of votes cast)."""
    rules = dict(MajorityRule.objects.filter(body=body).values_list("decision_kind", "rule"))
    return {kind: rules.get(kind, Majority.SIMPLE_OF_CAST) for kind in Decision.Kind.values}


def vote_weights(*, body: Body, company_ids: Iterable[int], on: dt.date) -> dict[int, int]:
    """How many votes each company holds at a meeting of `body` (record date `on`).

    One per company by default. By fee tier: 1 + the number of the company's tier in the fee
    schedule in force on `on` (tiers sorted by their lower bound; no tier or no figure: 1),
    measured like the assessment does, on the latest accepted yearly report before that year.
    Four queries whatever the number of companies.
    """
    ids = list(company_ids)
    weights = dict.fromkeys(ids, 1)
    if body.vote_weights != Body.VoteWeights.FEE_TIER or not ids:
        return weights
    schedule = (
        FeeSchedule.objects.filter(
            Q(effective_until__isnull=True) | Q(effective_until__gte=on), effective_from__lte=on
        )
        .order_by("-effective_from", "-id")
        .first()
    )
    if schedule is None or schedule.tier_basis == FeeSchedule.TierBasis.NONE:
        return weights
    bounds = list(
        FeeTier.objects.filter(schedule=schedule)
        .order_by("lower_bound")
        .values_list("lower_bound", flat=True)
    )
    field = "employees" if schedule.tier_basis == FeeSchedule.TierBasis.HEADCOUNT else "revenue"
    figures = dict(
        KpiReport.objects.filter(company_id__in=ids, status=KpiReport.Status.ACCEPTED, year__lt=on.year)
        .order_by("company_id", "-year")
        .distinct("company_id")
        .values_list("company_id", field)
    )
    for company_id, figure in figures.items():
        weights[company_id] = 1 + sum(1 for bound in bounds if figure >= bound)
    return weights


@dataclass(frozen=True)
class DecisionTally:
    decision: Decision
    rule: str
    votes_for: int
    votes_against: int
    votes_abstained: int
    adopted: bool

    @property
    def id(self) -> int:
        return self.decision.pk

    @property
    def text(self) -> str:
        return self.decision.text

    @property
    def rule_label(self) -> str:
        return str(Majority(self.rule).label) if self.rule in Majority.values else self.rule


@dataclass(frozen=True)
class Tally:
    status: str  # "open" | "closed" ("draft" before the notice)
    quorum: Quorum  # total: voting members; present: ballots received; required
    all_votes: int  # the weight of every voting member
    abstentions_counted: bool
    decisions: list[DecisionTally]

    @property
    def ballots(self) -> int:
        return self.quorum.present


def meeting_tally(*, meeting: Meeting) -> Tally:
    """Quorum and per-decision results of a meeting voting by ballots.

    While voting is open: counted from the ballots, in six queries whatever the number of
    ballots and decisions (voters, weights, rules, decisions, ballot count, votes summed per
    decision and choice). Once closed: the results frozen on the decisions and the meeting.
    """
    body = meeting.body
    decisions = list(Decision.objects.filter(meeting=meeting).order_by("number", "id"))
    if meeting.voting_closed_at is not None:
        quorum = meeting_quorum(meeting=meeting)
        counted = bool(decisions[0].abstentions_counted) if decisions else body.abstentions_counted
        return Tally(
            status="closed",
            quorum=quorum,
            all_votes=quorum.total,
            abstentions_counted=counted,
            decisions=[
                DecisionTally(
                    decision=d,
                    rule=d.majority_rule,
                    votes_for=d.votes_for,
                    votes_against=d.votes_against,
                    votes_abstained=d.votes_abstained,
                    adopted=d.adopted,
                )
                for d in decisions
            ],
        )
    voters = meeting_voter_ids(meeting=meeting)
    on = meeting.record_date or meeting_voting_cutoff(meeting=meeting).date()
    weights = vote_weights(body=body, company_ids=voters, on=on)
    rules = body_majorities(body=body)
    # Ballots are accepted only from voters at the record date (ballot_cast checks), so the
    # counts need no 500-id filter.
    ballots = Ballot.objects.filter(meeting=meeting).count()
    quorum = quorum_for(body=body, total=len(voters), present=ballots)
    sums: dict[tuple[int, str], int] = {}
    for row in (
        BallotVote.objects.filter(ballot__meeting=meeting)
        .values("decision_id", "choice")
        .annotate(votes=Sum("ballot__weight"))
        .order_by()
    ):
        sums[(row["decision_id"], row["choice"])] = row["votes"] or 0
    all_votes = sum(weights.values())
    rows = []
    for decision in decisions:
        votes_for = sums.get((decision.pk, BallotVote.Choice.FOR), 0)
        votes_against = sums.get((decision.pk, BallotVote.Choice.AGAINST), 0)
        votes_abstained = sums.get((decision.pk, BallotVote.Choice.ABSTAIN), 0)
        rule = rules[decision.kind]
        adopted = quorum.reached and majority_reached(
            rule=rule,
            votes_for=votes_for,
            votes_against=votes_against,
            votes_abstained=votes_abstained,
            abstentions_counted=body.abstentions_counted,
            all_votes=all_votes,
        )
        rows.append(
            DecisionTally(
                decision=decision,
                rule=rule,
                votes_for=votes_for,
                votes_against=votes_against,
                votes_abstained=votes_abstained,
                adopted=adopted,
            )
        )
    return Tally(
        status="open" if meeting.published_at else "draft",
        quorum=quorum,
        all_votes=all_votes,
        abstentions_counted=body.abstentions_counted,
        decisions=rows,
    )


def ballot_list(*, meeting: Meeting, company_ids: Iterable[int] | None = None) -> QuerySet[Ballot]:
    """Ballots of a meeting with company, proxy and votes (three queries); `company_ids`
    limits them to those companies (None: all)."""
    found = (
        Ballot.objects.filter(meeting=meeting)
        .select_related("company", "proxy__holder")
        .prefetch_related(
            Prefetch(
                "votes",
                queryset=BallotVote.objects.select_related("decision").order_by(
                    "decision__number", "decision_id"
                ),
            )
        )
        .order_by("company__short_name", "company_id")
    )
    if company_ids is not None:
        found = found.filter(company_id__in=list(company_ids))
    return found


def ballot_get(*, meeting: Meeting, ballot_id: int) -> Ballot | None:
    return ballot_list(meeting=meeting).filter(pk=ballot_id).first()


def ballot_history(*, ballot: Ballot) -> QuerySet[BallotChange]:
    return BallotChange.objects.filter(ballot=ballot).order_by("at", "id")


def meeting_materials(*, meeting: Meeting) -> QuerySet[MeetingMaterial]:
    return MeetingMaterial.objects.filter(meeting=meeting).order_by("id")


def meeting_material_get(*, meeting_id: int, material_id: int) -> MeetingMaterial | None:
    return MeetingMaterial.objects.filter(pk=material_id, meeting_id=meeting_id).first()


def meeting_material_file(*, material: MeetingMaterial) -> File | None:
    """The stored file, opened for streaming, if it lies in the folder of the current cluster's
    meeting it belongs to (anything else — another cluster's, another meeting's: None)."""
    name = material.file.name or ""
    schema = getattr(connection, "schema_name", "public")  # django-tenants' wrapper
    if not name.startswith(f"clusters/{schema}/meetings/{material.meeting_id}/"):
        return None
    try:
        return material.file.storage.open(name, "rb")
    except FileNotFoundError:
        return None


def meetings_voting_due(*, now: dt.datetime) -> QuerySet[Meeting]:
    """Meetings whose ballot deadline has passed and whose voting is still open."""
    return (
        Meeting.objects.filter(published_at__isnull=False, voting_closed_at__isnull=True, deadline__lte=now)
        .exclude(status=Meeting.Status.CANCELLED)
        .order_by("deadline", "id")
    )


def proxy_list(*, company_ids: Iterable[int] | None = None) -> QuerySet[Proxy]:
    """Proxies, newest first; `company_ids` (None: all) keeps those given or held by them."""
    found = Proxy.objects.select_related("grantor", "holder").order_by("-created_at", "-id")
    if company_ids is not None:
        ids = list(company_ids)
        found = found.filter(Q(grantor_id__in=ids) | Q(holder_id__in=ids))
    return found


def proxy_get(*, proxy_id: int, company_ids: Iterable[int] | None = None) -> Proxy | None:
    return proxy_list(company_ids=company_ids).filter(pk=proxy_id).first()


def proxy_in_force(*, grantor_id: int, holder_ids: Iterable[int], day: dt.date) -> Proxy | None:
    """An approved proxy of `grantor_id` to one of `holder_ids` valid on `day` (latest first)."""
    return (
        Proxy.objects.filter(
            grantor_id=grantor_id,
            holder_id__in=list(holder_ids),
            status=Proxy.Status.APPROVED,
            valid_from__lte=day,
            valid_until__gte=day,
        )
        .select_related("holder")
        .order_by("-valid_until", "-id")
        .first()
    )
