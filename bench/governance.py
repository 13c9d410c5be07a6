"""Governance: closing an absentee meeting with 500 member companies and 10 decisions, and the
live count staff watch while voting is open (500 ballots in).

`voting_fixture` and `close_measured` are also used by tests/governance/test_voting.py (call
them inside a cluster schema).

* Close, ours = tenants.governance.services.voting_close: the tally in a fixed number of
  queries (votes summed per decision and choice in SQL), one bulk update of the decisions, the
  meeting, one audit row.
* Close, baseline = the per-ballot loop one writes first: every ballot's votes read on its own
  and counted in Python, then each decision saved on its own.
Both count the same 500 ballots × 10 decisions; each run is rolled back so the next one closes
the same open meeting. The live count = GET /governance/meetings/<id>/tally/ (the JSON the page
polls) and the whole staff meeting page (tally, the register's first page of 50, proxies),
through Django's test client on the cluster's host, each with its p95 beside the 50 ms goal; the
page's SQL queries at 50 and at 500 ballots show they do not grow with the ballots.
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from core.accounts.models import Grant
from core.accounts.services import grant_role
from core.audit.services import Actor
from frontend.governance.views.voting import REGISTER_PAGE_SIZE
from tenants.governance import services
from tenants.governance.models import Ballot, BallotVote, Body, Decision, Meeting
from tenants.governance.selectors import meeting_voter_ids
from tenants.members.models import Company
from tenants.models import Cluster
from tenants.services import cluster_provision

from .fixtures import PASSWORD, host_of, slug, to_public_schema

if TYPE_CHECKING:
    from .fixtures import RequestFixture
    from .report import Row

MEMBERS = 500
DECISIONS = 10
SAMPLES = 5
REQUESTS = 60
CLOSE_GOAL_S = 1.0
PAGE_GOAL_MS = 50.0
CLUSTER = slug(91)
# for / against / abstain in turn: decision 1 of 500 ballots counts 167 / 167 / 166
CHOICES = [BallotVote.Choice.FOR, BallotVote.Choice.AGAINST, BallotVote.Choice.ABSTAIN]
NOTES = [
    f"  Governance: closing an absentee meeting of {MEMBERS} member companies (all voted) and {DECISIONS} "
    "decisions; ours = services.voting_close (tally summed in SQL, bulk update, one audit row), baseline = "
    "per-ballot loop (each ballot's votes read on its own, decisions saved one by one); median of "
    f"{SAMPLES} runs, each rolled back. Live count: p95 of {REQUESTS} GETs of the tally JSON the staff page "
    f"polls, and of the whole staff meeting page (register {REGISTER_PAGE_SIZE} a page), at {MEMBERS} ballots "
    "(test client, no network).",
]


def _counting() -> tuple[list[int], Callable[..., Any]]:
    counter = [0]

    def wrapper(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        counter[0] += 1
        return execute(sql, params, many, context)

    return counter, wrapper


def voting_fixture(
    *, cluster: Cluster, companies: int = MEMBERS, decisions: int = DECISIONS, prefix: str = "Собрание"
) -> Meeting:
    """An absentee general meeting, published through the services (deadline in 30 days), with
    `companies` active members, each with a ballot voting on every one of `decisions` decisions
    (for / against / abstain in turn). Companies, ballots and votes are bulk inserts (setup
    only: ballot_cast is measured by the tests)."""
    actor = Actor.system(cluster)
    stamp = timezone.now().strftime("%H%M%S%f")
    members = Company.objects.bulk_create(
        [
            Company(
                full_name=f"ООО «{prefix} {stamp}-{i:04d}»",
                short_name=f"{prefix} {stamp}-{i:04d}",
                status=Company.Status.ACTIVE,
            )
            for i in range(companies)
        ],
        batch_size=1000,
    )
    body = Body.objects.create(kind=Body.Kind.GENERAL_MEETING, name=f"Общее собрание ({prefix} {stamp})")
    deadline = timezone.now() + dt.timedelta(days=30)
    meeting = services.meeting_create(
        actor=actor, body=body, held_at=deadline, number=f"Н-{companies}", form=Meeting.Form.ABSENTEE
    )
    for n in range(decisions):
        services.decision_draft_add(meeting=meeting, actor=actor, text=f"Решение {n + 1} (нагрузка)")
    services.meeting_publish(meeting=meeting, actor=actor, deadline=deadline)
    now = timezone.now()
    ballots = Ballot.objects.bulk_create(
        [Ballot(meeting=meeting, company=c, cast_at=now, representative_name="Нагрузка") for c in members],
        batch_size=1000,
    )
    drafts = list(Decision.objects.filter(meeting=meeting).order_by("number"))
    BallotVote.objects.bulk_create(
        [
            BallotVote(ballot=b, decision=d, choice=CHOICES[(i + j) % len(CHOICES)])
            for i, b in enumerate(ballots)
            for j, d in enumerate(drafts)
        ],
        batch_size=5000,
    )
    meeting.refresh_from_db()
    return meeting


def close_measured(*, meeting: Meeting, cluster: Cluster) -> tuple[int, float]:
    """voting_close as staff call it, once and kept: (queries, seconds)."""
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        services.voting_close(meeting=meeting, actor=Actor.system(cluster))
        seconds = time.perf_counter() - started
    return len(queries), seconds


def naive_close(meeting: Meeting) -> None:
    """The per-ballot loop: voters, then each ballot's votes on their own, each decision saved."""
    voters = meeting_voter_ids(meeting=meeting)
    decisions = {d.pk: d for d in Decision.objects.filter(meeting=meeting)}
    counts = {pk: {"for": 0, "against": 0, "abstain": 0} for pk in decisions}
    ballots = 0
    for ballot in Ballot.objects.filter(meeting=meeting):
        if ballot.company_id not in voters:
            continue
        ballots += 1
        for vote in BallotVote.objects.filter(ballot=ballot):
            counts[vote.decision_id][vote.choice] += ballot.weight
    present = ballots
    for pk, decision in decisions.items():
        c = counts[pk]
        decision.votes_for, decision.votes_against, decision.votes_abstained = (
            c["for"],
            c["against"],
            c["abstain"],
        )
        decision.adopted = present * 2 > len(voters) and c["for"] * 2 > c["for"] + c["against"] + c["abstain"]
        decision.save()
    Meeting.objects.filter(pk=meeting.pk).update(
        voting_closed_at=timezone.now(), quorum_present=present, quorum_total=len(voters)
    )


def measured(call: Callable[[], Any], samples: int = SAMPLES) -> tuple[float, int]:
    """Median seconds and the query count of `call`, each run rolled back."""
    times, queries = [], 0
    for _ in range(samples):
        counter, wrapper = _counting()
        with transaction.atomic(), connection.execute_wrapper(wrapper):
            start = time.perf_counter()
            call()
            times.append(time.perf_counter() - start)
            transaction.set_rollback(True)
        queries = counter[0]
    return statistics.median(times), queries


def _page_queries(client: Client, url: str) -> tuple[int, int]:
    """(SQL queries, HTTP status) of one GET."""
    counter, wrapper = _counting()
    with connection.execute_wrapper(wrapper):
        status = client.get(url).status_code
    return counter[0], status


def _p95(client: Client, url: str) -> tuple[float, int]:
    samples = []
    status = 200
    for _ in range(REQUESTS):
        start = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - start) * 1000)
        status = max(status, response.status_code)
    samples.sort()
    return samples[int(len(samples) * 0.95) - 1], status


def run(fixture: RequestFixture) -> list[Row]:
    from .report import Row

    to_public_schema()
    cluster = cluster_provision(slug=CLUSTER, name="Bench governance", region_codes=["RU-MOS"])
    with schema_context(cluster.schema_name):
        meeting = voting_fixture(cluster=cluster)
        small = voting_fixture(cluster=cluster, companies=50, prefix="Малое")
        actor = Actor.system(cluster)
        ours_s, ours_q = measured(lambda: services.voting_close(meeting=meeting, actor=actor))
        _small_s, small_q = measured(lambda: services.voting_close(meeting=small, actor=actor))
        naive_s, naive_q = measured(lambda: naive_close(meeting))
    grant_role(user=fixture.user, role=Grant.Role.CLUSTER_STAFF, cluster=cluster)
    client = Client(HTTP_HOST=host_of(CLUSTER))
    client.post("/login/", {"email": fixture.user.email, "password": PASSWORD})
    tally_ms, tally_status = _p95(client, f"/governance/meetings/{meeting.pk}/tally/")
    page_ms, page_status = _p95(client, f"/governance/meetings/{meeting.pk}/")
    page_q, _ = _page_queries(client, f"/governance/meetings/{meeting.pk}/")
    small_page_q, _ = _page_queries(client, f"/governance/meetings/{small.pk}/")
    shown = client.get(f"/governance/meetings/{meeting.pk}/").content.decode().count('/pdf/">PDF</a>')
    to_public_schema()

    def verdict(ok: bool) -> str:
        return "PASS" if ok else "FAIL"

    return [
        Row(f"9. Governance: closing a meeting of {MEMBERS} companies × {DECISIONS} decisions", section=True),
        Row(
            "  close voting, s (median)",
            f"{naive_s:.2f} (per ballot)",
            f"{ours_s:.3f} (summed in SQL)",
            f"{naive_s / ours_s:.0f}× faster; goal ≤ {CLOSE_GOAL_S:g} s: {verdict(ours_s <= CLOSE_GOAL_S)}",
        ),
        Row(
            "  close voting, SQL queries",
            f"{naive_q}",
            f"{ours_q} (50 companies: {small_q})",
            f"constant: {verdict(ours_q == small_q)}",
        ),
        Row(
            f"  live count JSON at {MEMBERS} ballots, p95 ms",
            "",
            f"{tally_ms:.1f} [HTTP {tally_status}]",
            f"goal ≤ {PAGE_GOAL_MS:g} ms: {verdict(tally_ms <= PAGE_GOAL_MS and tally_status == 200)}",
        ),
        Row(
            f"  staff meeting page at {MEMBERS} ballots, p95 ms",
            "",
            f"{page_ms:.1f} [HTTP {page_status}, {shown} register rows]",
            f"goal ≤ {PAGE_GOAL_MS:g} ms: {verdict(page_ms <= PAGE_GOAL_MS and page_status == 200)}",
        ),
        Row(
            "  staff meeting page, SQL queries",
            "",
            f"{page_q} (50 ballots: {small_page_q})",
            f"constant: {verdict(page_q == small_page_q)}",
        ),
    ]
