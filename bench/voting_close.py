"""Closing voting by ballots at scale: helpers for the governance bench row (part B adds the row).

Call inside a cluster schema:

    meeting = voting_fixture(cluster=cluster, companies=500, decisions=10)
    ours = close_measured(meeting=meeting, cluster=cluster)        # (queries, seconds)
    baseline = per_ballot_count_measured(meeting=meeting)          # the count ballot by ballot

The fixture writes companies, ballots and votes with bulk inserts (not through ballot_cast:
that is measured by the tests); the meeting is published with its deadline in the future, so
close_measured closes it the way staff do.
"""

from __future__ import annotations

import datetime as dt
import time

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.audit.services import Actor
from tenants.governance import services
from tenants.governance.models import Ballot, BallotVote, Body, Decision, Meeting
from tenants.members.models import Company
from tenants.models import Cluster


def voting_fixture(*, cluster: Cluster, companies: int = 500, decisions: int = 10, prefix: str = "Бенч") -> Meeting:
    """An absentee general meeting with `companies` active members, each with a ballot voting on
    every one of `decisions` decisions (for / against / abstain in turn)."""
    system = Actor.system(cluster)
    stamp = timezone.now().strftime("%H%M%S%f")
    members = Company.objects.bulk_create([
        Company(full_name=f"ООО «{prefix} {stamp}-{i:04d}»", short_name=f"{prefix} {stamp}-{i:04d}",
                status=Company.Status.ACTIVE) for i in range(companies)])
    body = services.body_create(actor=system, kind=Body.Kind.GENERAL_MEETING, name=f"Общее собрание {stamp}")
    deadline = timezone.now() + dt.timedelta(days=30)
    meeting = services.meeting_create(actor=system, body=body, held_at=deadline, form=Meeting.Form.ABSENTEE)
    drafts = [services.decision_draft_add(meeting=meeting, actor=system, text=f"Решение {n + 1}")
              for n in range(decisions)]
    services.meeting_publish(meeting=meeting, actor=system, deadline=deadline)
    now = timezone.now()
    ballots = Ballot.objects.bulk_create([Ballot(meeting=meeting, company=c, cast_at=now) for c in members])
    choices = list(BallotVote.Choice.values)
    BallotVote.objects.bulk_create([BallotVote(ballot=b, decision=d, choice=choices[(i + j) % 3])
                                    for i, b in enumerate(ballots) for j, d in enumerate(drafts)], batch_size=2000)
    return meeting


def close_measured(*, meeting: Meeting, cluster: Cluster) -> tuple[int, float]:
    """voting_close as staff call it: (queries, seconds)."""
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        services.voting_close(meeting=meeting, actor=Actor.system(cluster))
        seconds = time.perf_counter() - started
    return len(queries), seconds


def per_ballot_count_measured(*, meeting: Meeting) -> tuple[int, float]:
    """The naive count (read-only baseline): each ballot's votes read one ballot at a time."""
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        totals: dict[tuple[int, str], int] = {}
        for ballot in Ballot.objects.filter(meeting=meeting):
            for vote in BallotVote.objects.filter(ballot=ballot):
                key = (vote.decision_id, vote.choice)
                totals[key] = totals.get(key, 0) + ballot.weight
        Decision.objects.filter(meeting=meeting).count()
        seconds = time.perf_counter() - started
    return len(queries), seconds
