"""Voting by ballots: notice, ballots, proxies, the count and the freeze (services)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context
from pytest_django import DjangoCaptureOnCommitCallbacks

from core.audit.models import AuditEntry
from core.audit.services import Actor
from tenants.governance import services
from tenants.governance.models import Ballot, BallotChange, Body, Decision, Majority, Meeting, Proxy
from tenants.governance.quorum import majority_reached
from tenants.governance.selectors import meeting_tally
from tenants.members.models import Company, MembershipEvent
from tenants.models import Cluster
from tests.conftest import ROLE, MakeUser

from . import factories as f

pytestmark = pytest.mark.django_db

V = services.VoteInput


def pdf_file(name: str = "scan.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4 test", content_type="application/pdf")


def absentee(
    cluster: Cluster,
    *,
    members: int = 5,
    drafts: int = 2,
    publish: bool = True,
    subject: Company | None = None,
    deadline_days: int = 15,
) -> tuple[Meeting, list[Company], list[Decision]]:
    """An absentee general meeting with `drafts` decisions (the first admits `subject` if given)."""
    system = f.system(cluster)
    voters = f.companies(members)
    body = f.body(cluster)
    deadline = timezone.now() + dt.timedelta(days=deadline_days)
    meeting = services.meeting_create(
        actor=system,
        body=body,
        held_at=deadline,
        number="7",
        form=Meeting.Form.ABSENTEE,
        chair_name="Иванов И. И.",
        counter_name="Петрова А. С.",
    )
    decisions = []
    for n in range(drafts):
        if n == 0 and subject is not None:
            decisions.append(
                services.decision_draft_add(
                    meeting=meeting,
                    actor=system,
                    kind=Decision.Kind.ADMIT_MEMBER,
                    text=f"Принять «{subject}» в члены кластера",
                    subject_company=subject,
                )
            )
        else:
            decisions.append(
                services.decision_draft_add(meeting=meeting, actor=system, text=f"Решение {n + 1}")
            )
    if publish:
        services.meeting_publish(meeting=meeting, actor=system, deadline=deadline)
    meeting.refresh_from_db()
    return meeting, voters, decisions


def rep(make_user: MakeUser, cluster: Cluster, company: Company) -> Actor:
    user = make_user(ROLE.MEMBER_REPRESENTATIVE, cluster, company_id=company.pk)
    return Actor(user=user, cluster=cluster)


def test_majority_rules() -> None:
    def ok(rule: str, f_: int, a: int, ab: int, counted: bool = True, all_: int = 10) -> bool:
        return majority_reached(
            rule=rule,
            votes_for=f_,
            votes_against=a,
            votes_abstained=ab,
            abstentions_counted=counted,
            all_votes=all_,
        )

    assert ok(Majority.SIMPLE_OF_CAST, 3, 2, 0) and not ok(Majority.SIMPLE_OF_CAST, 3, 2, 1)
    assert ok(Majority.SIMPLE_OF_CAST, 3, 2, 1, counted=False)
    assert not ok(Majority.SIMPLE_OF_ALL, 5, 0, 0) and ok(Majority.SIMPLE_OF_ALL, 6, 0, 0)
    assert ok(Majority.TWO_THIRDS, 4, 2, 0) and not ok(Majority.TWO_THIRDS, 3, 2, 0)
    assert ok(Majority.THREE_QUARTERS, 3, 1, 0) and not ok(Majority.THREE_QUARTERS, 2, 1, 0)
    assert ok(Majority.UNANIMOUS, 4, 0, 0) and not ok(Majority.UNANIMOUS, 4, 0, 1)
    assert ok(Majority.UNANIMOUS, 4, 0, 1, counted=False)
    assert not ok(Majority.SIMPLE_OF_CAST, 0, 0, 0)


def test_publish_needs_a_reason_for_short_notice_and_mails_the_representatives(
    cluster_a: Cluster,
    make_user: MakeUser,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    with schema_context(cluster_a.schema_name):
        meeting, voters, _ = absentee(cluster_a, publish=False)
        outsider = f.companies(1, status=Company.Status.APPLIED, prefix="Кандидат")[0]
        reps = [make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=c.pk) for c in voters[:2]]
        make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=outsider.pk)
        soon = timezone.now() + dt.timedelta(days=3)
        with pytest.raises(ValidationError) as refused:
            services.meeting_publish(meeting=meeting, actor=f.system(cluster_a), deadline=soon)
        assert "не позднее чем за 10 дн." in str(refused.value)
        assert Meeting.objects.get(pk=meeting.pk).published_at is None
        with django_capture_on_commit_callbacks(execute=True):
            services.meeting_publish(
                meeting=meeting,
                actor=f.system(cluster_a),
                deadline=soon,
                late_notice_reason="Срочный приём нового участника",
            )
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in reps)
    letter = mail.outbox[0]
    assert "Бюллетени принимаются до" in letter.body and "Решение 1" in letter.body
    assert f"/governance/meetings/{meeting.pk}/ballot/" in letter.body
    with schema_context(cluster_a.schema_name):
        meeting.refresh_from_db()
        assert meeting.late_notice_reason == "Срочный приём нового участника"
        with pytest.raises(ValidationError, match="уже разослано"):
            services.decision_draft_add(meeting=meeting, actor=f.system(cluster_a), text="Поздний вопрос")


def test_cast_recast_history_and_live_tally(cluster_a: Cluster, make_user: MakeUser) -> None:
    with schema_context(cluster_a.schema_name):
        meeting, voters, (d1, d2) = absentee(cluster_a)
        first, second = rep(make_user, cluster_a, voters[0]), rep(make_user, cluster_a, voters[0])
        services.ballot_cast(
            meeting=meeting, company=voters[0], actor=first, votes=[V(d1.pk, "for"), V(d2.pk, "for")]
        )
        services.ballot_cast(
            meeting=meeting, company=voters[0], actor=second, votes=[V(d1.pk, "against"), V(d2.pk, "abstain")]
        )
        ballot = Ballot.objects.get(meeting=meeting, company=voters[0])
        assert Ballot.objects.filter(meeting=meeting).count() == 1
        assert {v.decision_id: v.choice for v in ballot.votes.all()} == {d1.pk: "against", d2.pk: "abstain"}
        history = list(BallotChange.objects.filter(ballot=ballot).order_by("id"))
        assert [h.votes for h in history] == [
            {str(d1.pk): "for", str(d2.pk): "for"},
            {str(d1.pk): "against", str(d2.pk): "abstain"},
        ]
        assert first.user is not None and second.user is not None
        assert [h.user_id for h in history] == [first.user.pk, second.user.pk]
        assert AuditEntry.objects.filter(action="ballot.cast").count() == 2
        tally = meeting_tally(meeting=meeting)
        assert (tally.status, tally.quorum.total, tally.quorum.present, tally.quorum.required) == (
            "open",
            5,
            1,
            3,
        )
        assert [(d.votes_for, d.votes_against, d.votes_abstained) for d in tally.decisions] == [
            (0, 1, 0),
            (0, 0, 1),
        ]


def test_bad_ballots_are_refused_and_record_nothing(cluster_a: Cluster, make_user: MakeUser) -> None:
    with schema_context(cluster_a.schema_name):
        meeting, voters, (d1, d2) = absentee(cluster_a)
        assert meeting.deadline is not None
        other, _, (foreign, _) = absentee(cluster_a, members=1)
        mine = rep(make_user, cluster_a, voters[0])
        late = MembershipEvent.objects.create(
            company=f.companies(1, prefix="Новичок")[0],
            from_status="applied",
            to_status="admitted",
            at=timezone.now() + dt.timedelta(days=2),
        )
        cases: list[tuple[dict[str, Any], type[Exception], str]] = [
            (
                dict(company=voters[1], actor=mine, votes=[V(d1.pk, "for")]),
                PermissionDenied,
                "не представляете",
            ),
            (
                dict(company=voters[0], actor=mine, votes=[V(foreign.pk, "for")]),
                ValidationError,
                "не относится к этому собранию",
            ),
            (
                dict(company=voters[0], actor=mine, votes=[V(d1.pk, "for"), V(d1.pk, "against")]),
                ValidationError,
                "голос указан дважды",
            ),
            (
                dict(company=voters[0], actor=mine, votes=[V(d1.pk, "maybe")]),
                ValidationError,
                "«за», «против»",
            ),
            (dict(company=voters[0], actor=mine, votes=[]), ValidationError, "хотя бы по одному"),
            (
                dict(
                    company=voters[0],
                    actor=mine,
                    votes=[V(d1.pk, "for")],
                    now=meeting.deadline + dt.timedelta(1),
                ),
                ValidationError,
                "Приём бюллетеней закончился",
            ),
            (
                dict(
                    company=late.company,
                    actor=rep(make_user, cluster_a, late.company),
                    votes=[V(d1.pk, "for")],
                ),
                ValidationError,
                "не имеет права голоса",
            ),
        ]
        for kwargs, error, text in cases:
            with pytest.raises(error, match=text):
                services.ballot_cast(meeting=meeting, **kwargs)
        assert not Ballot.objects.filter(meeting=meeting).exists()
        assert not BallotChange.objects.exists()
        services.meeting_update(meeting=meeting, actor=f.system(cluster_a), status=Meeting.Status.CANCELLED)
        with pytest.raises(ValidationError, match="Заседание отменено"):
            services.ballot_cast(meeting=meeting, company=voters[0], actor=mine, votes=[V(d1.pk, "for")])
        assert other.pk != meeting.pk


def test_proxies_must_be_approved_and_valid(cluster_a: Cluster, make_user: MakeUser) -> None:
    with schema_context(cluster_a.schema_name):
        meeting, voters, (d1, _) = absentee(cluster_a)
        holder = rep(make_user, cluster_a, voters[1])
        proxy = services.proxy_upload(
            actor=holder,
            grantor=voters[0],
            holder=voters[1],
            file=pdf_file(),
            valid_from=timezone.localdate(),
            valid_until=timezone.localdate(),
        )
        with pytest.raises(PermissionDenied, match="не подтверждена"):
            services.ballot_cast(meeting=meeting, company=voters[0], actor=holder, votes=[V(d1.pk, "for")])
        with pytest.raises(PermissionDenied):
            services.proxy_approve(proxy=proxy, actor=holder)
        services.proxy_approve(proxy=proxy, actor=f.system(cluster_a))
        with pytest.raises(PermissionDenied, match="не действует"):
            services.ballot_cast(
                meeting=meeting,
                company=voters[0],
                actor=holder,
                votes=[V(d1.pk, "for")],
                now=timezone.now() + dt.timedelta(days=3),
            )
        ballot = services.ballot_cast(
            meeting=meeting, company=voters[0], actor=holder, votes=[V(d1.pk, "for")]
        )
        assert ballot.proxy_id == proxy.pk and "по доверенности" in ballot.representative_name
        assert Proxy.objects.get(pk=proxy.pk).status == Proxy.Status.APPROVED
        with pytest.raises(ValidationError, match="самой себе"):
            services.proxy_upload(
                actor=holder,
                grantor=voters[1],
                holder=voters[1],
                file=pdf_file(),
                valid_from=timezone.localdate(),
                valid_until=timezone.localdate(),
            )


def test_paper_ballot_by_staff_with_scan(cluster_a: Cluster, make_user: MakeUser) -> None:
    with schema_context(cluster_a.schema_name):
        meeting, voters, (d1, d2) = absentee(cluster_a)
        with pytest.raises(ValidationError, match="подписал"):
            services.ballot_enter_paper(
                meeting=meeting,
                company=voters[2],
                actor=f.system(cluster_a),
                scan=pdf_file(),
                representative_name=" ",
                votes=[V(d1.pk, "for")],
            )
        with pytest.raises(PermissionDenied):
            services.ballot_enter_paper(
                meeting=meeting,
                company=voters[2],
                actor=rep(make_user, cluster_a, voters[2]),
                scan=pdf_file(),
                representative_name="Сидоров",
                votes=[V(d1.pk, "for")],
            )
        ballot = services.ballot_enter_paper(
            meeting=meeting,
            company=voters[2],
            actor=f.system(cluster_a),
            scan=pdf_file(),
            representative_name="Сидоров С. С., директор",
            votes=[V(d1.pk, "for"), V(d2.pk, "against")],
        )
        scan_name = ballot.scan.name
        assert scan_name is not None
        assert ballot.paper and scan_name.endswith("scan.pdf")
        assert BallotChange.objects.get(ballot=ballot).paper


def test_close_freezes_results_admits_the_company_and_refuses_later_changes(
    cluster_a: Cluster, make_user: MakeUser
) -> None:
    with schema_context(cluster_a.schema_name):
        applicant = f.companies(1, status=Company.Status.APPLIED, prefix="Заявитель")[0]
        meeting, voters, (admit, other) = absentee(cluster_a, subject=applicant)
        services.body_voting_rules_set(
            body=meeting.body, actor=f.system(cluster_a), majorities={Decision.Kind.OTHER: Majority.UNANIMOUS}
        )
        actors = [rep(make_user, cluster_a, c) for c in voters]
        for company, actor_, choice in zip(
            voters[:4], actors, ["for", "for", "for", "against"], strict=False
        ):
            services.ballot_cast(
                meeting=meeting,
                company=company,
                actor=actor_,
                votes=[V(admit.pk, "for"), V(other.pk, choice)],
            )
        services.voting_close(meeting=meeting, actor=f.system(cluster_a))
        admit.refresh_from_db()
        other.refresh_from_db()
        assert (admit.votes_for, admit.adopted, admit.majority_rule) == (4, True, Majority.SIMPLE_OF_CAST)
        assert (other.votes_for, other.votes_against, other.adopted, other.majority_rule) == (
            3,
            1,
            False,
            Majority.UNANIMOUS,
        )
        meeting.refresh_from_db()
        assert (meeting.status, meeting.quorum_total, meeting.quorum_present, meeting.quorum_required) == (
            Meeting.Status.HELD,
            5,
            4,
            3,
        )
        assert Company.objects.get(pk=applicant.pk).status == Company.Status.ADMITTED
        # frozen: no ballot, no recount, no second close, no typed tallies
        with pytest.raises(ValidationError, match="Голосование завершено"):
            services.ballot_cast(
                meeting=meeting, company=voters[4], actor=actors[4], votes=[V(other.pk, "for")]
            )
        with pytest.raises(ValidationError, match="уже завершено"):
            services.voting_close(meeting=meeting, actor=f.system(cluster_a))
        with pytest.raises(ValidationError, match="бюллетенями"):
            f.decide(cluster_a, meeting, services.DecisionInput(text="Иное", votes_for=5))
        Ballot.objects.filter(meeting=meeting).delete()  # even if rows vanished, the frozen count stays
        tally = meeting_tally(meeting=meeting)
        assert tally.status == "closed" and [d.votes_for for d in tally.decisions] == [4, 3]
        assert services.voting_close_due() == []


def test_the_scheduled_close_runs_once(cluster_a: Cluster, make_user: MakeUser) -> None:
    with schema_context(cluster_a.schema_name):
        meeting, voters, (d1, _) = absentee(cluster_a, members=2)
        services.ballot_cast(
            meeting=meeting,
            company=voters[0],
            actor=rep(make_user, cluster_a, voters[0]),
            votes=[V(d1.pk, "for")],
        )
        assert services.voting_close_due() == []  # before the deadline
        assert meeting.deadline is not None
        later = meeting.deadline + dt.timedelta(minutes=1)
        assert services.voting_close_due(now=later) == [meeting.pk]
        assert services.voting_close_due(now=later) == []
        assert AuditEntry.objects.filter(action="meeting.voting_close").count() == 1
        assert Decision.objects.get(pk=d1.pk).votes_for == 1


def _close_queries(cluster: Cluster, make_user: MakeUser, members: int) -> int:
    with schema_context(cluster.schema_name):
        meeting, voters, decisions = absentee(cluster, members=members, drafts=4)
        for company in voters:
            ballot = Ballot.objects.create(meeting=meeting, company=company, cast_at=timezone.now())
            ballot.votes.bulk_create(
                [ballot.votes.model(ballot=ballot, decision=d, choice="for") for d in decisions]
            )
        with CaptureQueriesContext(connection) as queries:
            services.voting_close(meeting=meeting, actor=f.system(cluster))
        assert Decision.objects.filter(meeting=meeting, adopted=True, votes_for=members).count() == 4
        return len(queries)


def test_close_takes_a_constant_number_of_queries(cluster_a: Cluster, make_user: MakeUser) -> None:
    assert _close_queries(cluster_a, make_user, 3) == _close_queries(cluster_a, make_user, 40)


def test_fee_tier_weights(cluster_a: Cluster, make_user: MakeUser) -> None:
    from tenants.governance.selectors import vote_weights

    with schema_context(cluster_a.schema_name):
        body = f.body(cluster_a)
        body.vote_weights = Body.VoteWeights.ONE_PER_COMPANY
        assert vote_weights(body=body, company_ids=[1, 2], on=timezone.localdate()) == {1: 1, 2: 1}


def test_closing_500_members_and_10_decisions_is_fast_and_constant(cluster_a: Cluster) -> None:
    from bench.governance import close_measured, measured, naive_close, voting_fixture

    with schema_context(cluster_a.schema_name):
        small = voting_fixture(cluster=cluster_a, companies=20, decisions=10, prefix="Мало")
        big = voting_fixture(cluster=cluster_a, companies=500, decisions=10)
        baseline_seconds, baseline_queries = measured(lambda: naive_close(big), samples=1)  # rolled back
        with CaptureQueriesContext(connection) as tally_queries:
            timings = []
            for _ in range(20):
                started = timezone.now()
                meeting_tally(meeting=big)
                timings.append((timezone.now() - started).total_seconds())
        print(
            f"\nlive tally 500×10: {len(tally_queries) // 20} queries, p95 {sorted(timings)[18] * 1000:.1f} ms"
        )
        assert len(tally_queries) // 20 <= 7
        small_queries, _ = close_measured(meeting=small, cluster=cluster_a)
        queries, seconds = close_measured(meeting=big, cluster=cluster_a)
        print(
            f"\nclose 500×10: {queries} queries, {seconds * 1000:.0f} ms; per-ballot close: "
            f"{baseline_queries} queries, {baseline_seconds * 1000:.0f} ms"
        )
        assert queries == small_queries
        assert seconds <= 1.0
        results = list(
            Decision.objects.filter(meeting=big)
            .order_by("number")
            .values_list("votes_for", "votes_against", "votes_abstained")
        )
        assert results[0] == (167, 167, 166) and all(sum(r) == 500 for r in results)
