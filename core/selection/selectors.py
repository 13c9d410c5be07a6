"""Reads of the PROКЛАСТЕРЫ selection, filtered by what the caller may see.

The ranking reads a constant number of queries whatever the number of applications and experts.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from core.accounts.models import User
from core.accounts.selectors import MinistryScope
from tenants.models import Cluster

from .models import Application, Assignment, Call, Clarification, Criterion, Decision, Score

Q2 = Decimal("0.01")


def calls_for_cluster(*, cluster: Cluster) -> list[Call]:
    """Open and published calls the cluster is eligible for (its home page)."""
    calls = Call.objects.filter(status__in=[Call.Status.OPEN, Call.Status.PUBLISHED])
    calls = calls.filter(Q(eligible_kinds=[]) | Q(eligible_kinds__contains=[cluster.kind]))
    calls = calls.filter(
        Q(eligible_registry_statuses=[]) | Q(eligible_registry_statuses__contains=[cluster.registry_status])
    )
    return list(calls.order_by("-year", "-opens_at"))


def calls_public() -> list[Call]:
    """Open calls and published results (the platform home)."""
    return list(
        Call.objects.filter(status__in=[Call.Status.OPEN, Call.Status.PUBLISHED]).order_by(
            "-year", "-opens_at"
        )
    )


def calls_for_expert(*, user: User) -> QuerySet[Call]:
    return Call.objects.filter(experts__expert=user).order_by("-year", "-opens_at")


def applications_visible(*, call: Call, scope: MinistryScope) -> QuerySet[Application]:
    """Submitted applications of the call (drafts never leave the cluster), within the user's regions."""
    qs = (
        Application.objects.filter(call=call)
        .exclude(status=Application.Status.DRAFT)
        .select_related("cluster")
    )
    if not scope.federal:
        qs = qs.filter(cluster__region_codes__overlap=sorted(scope.region_codes))
    return qs.order_by("cluster__name")


def application_for_ministry(*, call: Call, application_id: int, scope: MinistryScope) -> Application | None:
    return applications_visible(call=call, scope=scope).filter(pk=application_id).first()


def applications_of_cluster(*, cluster: Cluster) -> QuerySet[Application]:
    return (
        Application.objects.filter(cluster=cluster)
        .select_related("call", "decision")
        .order_by("-call__year", "-pk")
    )


def application_of_cluster(*, cluster: Cluster, application_id: int) -> Application | None:
    return applications_of_cluster(cluster=cluster).filter(pk=application_id).first()


def assignments_of_expert(*, user: User) -> QuerySet[Assignment]:
    return (
        Assignment.objects.filter(expert=user, application__call__experts__expert=user)
        .select_related("application__call", "application__cluster")
        .order_by("submitted_at", "pk")
    )


def assignment_of_expert(*, user: User, assignment_id: int) -> Assignment | None:
    return assignments_of_expert(user=user).filter(pk=assignment_id).first()


def clarifications_of(application: Application) -> list[Clarification]:
    return list(application.clarifications.order_by("requested_at", "pk"))


@dataclass(frozen=True)
class ExpertScores:
    expert_id: int
    expert: str
    total: Decimal
    scores: dict[int, tuple[Decimal, str]]  # criterion id → (value, comment)


def others_scores(*, assignment: Assignment, user: User) -> list[ExpertScores]:
    """Other experts' submitted scores of the same application, only once this expert submitted."""
    if assignment.expert_id != user.pk:
        raise PermissionDenied("Эта заявка не назначена вам на экспертизу.")
    if assignment.submitted_at is None:
        raise PermissionDenied("Оценки других экспертов откроются после того, как вы отправите свои.")
    criteria = list(Criterion.objects.filter(call_id=assignment.application.call_id))
    rows = (
        Score.objects.filter(assignment__application_id=assignment.application_id, submitted=True)
        .exclude(assignment=assignment)
        .select_related("assignment__expert")
    )
    by_expert: dict[int, dict[int, tuple[Decimal, str]]] = defaultdict(dict)
    names: dict[int, str] = {}
    for s in rows:
        by_expert[s.assignment.expert_id][s.criterion_id] = (s.value, s.comment)
        names[s.assignment.expert_id] = str(s.assignment.expert)
    return [
        ExpertScores(
            expert_id=e,
            expert=names[e],
            total=weighted_total(criteria, {c: v for c, (v, _) in sc.items()}),
            scores=sc,
        )
        for e, sc in by_expert.items()
    ]


def weighted_total(criteria: list[Criterion], values: dict[int, Decimal]) -> Decimal:
    """An expert's total: the weighted mean of the criteria's scores (on the criteria's scale)."""
    weights = sum((c.weight for c in criteria), Decimal(0))
    if not weights:
        return Decimal(0)
    total = sum((c.weight * values.get(c.pk, Decimal(0)) for c in criteria), Decimal(0))
    return (total / weights).quantize(Q2)


def outlier_spread(call: Call) -> Decimal:
    if call.outlier_spread is not None:
        return call.outlier_spread
    return Decimal(str(getattr(settings, "SELECTION_OUTLIER_SPREAD", "2.0")))


@dataclass
class RankingRow:
    place: int | None
    application_id: int
    cluster_id: int
    cluster: str
    region_codes: list[str]
    status: str
    status_label: str
    version: int
    score: Decimal | None  # mean of the submitted experts' totals
    spread: Decimal | None  # max − min of those totals
    outlier: bool
    experts_assigned: int
    experts_submitted: int
    expert_totals: list[Decimal] = field(default_factory=list)
    criteria_means: dict[int, Decimal] = field(default_factory=dict)
    decision: str = ""
    decision_label: str = ""
    protocol_ref: str = ""


@dataclass
class Ranking:
    call: Call
    criteria: list[Criterion]
    rows: list[RankingRow]
    outlier_spread: Decimal


def call_ranking(*, call: Call, scope: MinistryScope | None = None) -> Ranking:
    """The ranking table of a call, in three queries whatever the number of applications and experts:
    criteria, applications (with cluster and decision), submitted scores (with their assignments), plus
    one for the assignment counts."""
    criteria = list(Criterion.objects.filter(call=call).order_by("position", "pk"))
    apps = Application.objects.filter(call=call).exclude(status=Application.Status.DRAFT)
    if scope is not None and not scope.federal:
        apps = apps.filter(cluster__region_codes__overlap=sorted(scope.region_codes))
    applications = list(
        apps.select_related("cluster", "decision")
        .only(
            "pk",
            "status",
            "version",
            "cluster__name",
            "cluster__region_codes",
            "decision__outcome",
            "decision__protocol_ref",
            "decision__application_id",
        )
        .order_by("pk")
    )
    scores = Score.objects.filter(assignment__application__call=call, submitted=True).values_list(
        "assignment__application_id", "assignment_id", "criterion_id", "value"
    )
    per_assignment: dict[int, dict[int, dict[int, Decimal]]] = defaultdict(lambda: defaultdict(dict))
    for application_id, assignment_id, criterion_id, value in scores:
        per_assignment[application_id][assignment_id][criterion_id] = value
    assigned: dict[int, int] = defaultdict(int)
    for application_id in Assignment.objects.filter(application__call=call).values_list(
        "application_id", flat=True
    ):
        assigned[application_id] += 1
    spread_limit = outlier_spread(call)
    # Labels once per call: get_FOO_display() rebuilds a dict of lazy strings on every row.
    status_labels = {value: str(label) for value, label in Application.Status.choices}
    outcome_labels = {value: str(label) for value, label in Decision.Outcome.choices}
    # (pk, weight) once: weighted_total's c.pk per value was a third of the ranking's Python time.
    weights = [(c.pk, c.weight) for c in criteria]
    weight_sum = sum((w for _, w in weights), Decimal(0))

    def total_of(values: dict[int, Decimal]) -> Decimal:
        if not weight_sum:
            return Decimal(0)
        return (sum((w * values.get(pk, Decimal(0)) for pk, w in weights), Decimal(0)) / weight_sum).quantize(
            Q2
        )

    rows: list[RankingRow] = []
    for a in applications:
        totals = [total_of(v) for v in per_assignment[a.pk].values()]
        score = (sum(totals, Decimal(0)) / len(totals)).quantize(Q2) if totals else None
        spread = (max(totals) - min(totals)).quantize(Q2) if totals else None
        means = {}
        for pk, _ in weights:
            values = [v[pk] for v in per_assignment[a.pk].values() if pk in v]
            if values:
                means[pk] = (sum(values, Decimal(0)) / len(values)).quantize(Q2)
        decision: Decision | None = getattr(a, "decision", None)
        rows.append(
            RankingRow(
                place=None,
                application_id=a.pk,
                cluster_id=a.cluster_id,
                cluster=a.cluster.name,
                region_codes=list(a.cluster.region_codes),
                status=a.status,
                status_label=status_labels.get(a.status, a.status),
                version=a.version,
                score=score,
                spread=spread,
                outlier=spread is not None and len(totals) > 1 and spread > spread_limit,
                experts_assigned=assigned[a.pk],
                experts_submitted=len(totals),
                expert_totals=sorted(totals),
                criteria_means=means,
                decision=decision.outcome if decision else "",
                decision_label=outcome_labels.get(decision.outcome, decision.outcome) if decision else "",
                protocol_ref=decision.protocol_ref if decision else "",
            )
        )
    rows.sort(key=lambda r: (r.score is None, -(r.score or 0), r.cluster))
    for place, row in enumerate((r for r in rows if r.score is not None), start=1):
        row.place = place
    return Ranking(call=call, criteria=criteria, rows=rows, outlier_spread=spread_limit)
