"""Quorum and adoption: the rules as tables, and who votes at a meeting's date."""

from __future__ import annotations

import datetime as dt

import pytest
from django_tenants.utils import schema_context

from tenants.governance.models import Attendance, Body
from tenants.governance.quorum import Quorum, is_adopted, quorum_required
from tenants.governance.selectors import meeting_quorum, voting_members_at
from tenants.members.models import Company, MembershipEvent
from tenants.models import Cluster

from . import factories as f

pytestmark = pytest.mark.django_db

MAJORITY, TWO_THIRDS, FIXED = Body.Quorum.MAJORITY, Body.Quorum.TWO_THIRDS, Body.Quorum.FIXED


@pytest.mark.parametrize(
    ("rule", "total", "fixed", "present", "reached"),
    [
        (MAJORITY, 25, None, 13, True),
        (MAJORITY, 25, None, 12, False),
        (MAJORITY, 24, None, 12, False),  # exactly half is not more than half
        (MAJORITY, 24, None, 13, True),
        (MAJORITY, 1, None, 1, True),
        (MAJORITY, 0, None, 0, False),  # nobody present is never a quorum
        (TWO_THIRDS, 25, None, 17, True),
        (TWO_THIRDS, 25, None, 16, False),
        (TWO_THIRDS, 3, None, 2, True),
        (TWO_THIRDS, 6, None, 4, True),
        (TWO_THIRDS, 6, None, 3, False),
        (TWO_THIRDS, 0, None, 0, False),
        (FIXED, 25, 10, 10, True),
        (FIXED, 25, 10, 9, False),
        (FIXED, 5, 10, 5, False),  # a fixed count above the membership is never reached
    ],
)
def test_quorum_rules(rule: str, total: int, fixed: int | None, present: int, reached: bool) -> None:
    required = quorum_required(rule=rule, total=total, fixed_count=fixed)
    assert Quorum(rule=rule, total=total, present=present, required=required).reached is reached


@pytest.mark.parametrize(
    ("present", "required", "votes_for", "adopted"),
    [
        (14, 13, 8, True),
        (14, 13, 7, False),  # exactly half of those present is not enough
        (14, 13, 14, True),
        (12, 13, 12, False),  # no quorum: nothing is adopted, even unanimously
        (1, 1, 1, True),
        (3, 2, 1, False),
    ],
)
def test_adoption_needs_quorum_and_more_than_half_of_those_present(
    present: int, required: int, votes_for: int, adopted: bool
) -> None:
    quorum = Quorum(rule=MAJORITY, total=25, present=present, required=required)
    assert is_adopted(quorum=quorum, votes_for=votes_for) is adopted


def test_quorum_labels_in_russian() -> None:
    assert Quorum(rule=MAJORITY, total=25, present=14, required=13).label == "Кворум есть: 14 из 25"
    assert Quorum(rule=MAJORITY, total=25, present=10, required=13).label == (
        "Кворума нет: 10 из 25, нужно не менее 13"
    )


def _event(company: Company, to: str, at: dt.datetime, frm: str = "") -> None:
    MembershipEvent.objects.create(company=company, from_status=frm, to_status=to, at=at)


def test_voters_at_a_date_follow_the_membership_history(cluster_a: Cluster) -> None:
    meeting_at = dt.datetime(2024, 3, 15, 11, 0, tzinfo=f.MSK)
    with schema_context(cluster_a.schema_name):
        long_ago, newcomer, suspended, left_later, no_history, applicant, at_meeting = f.companies(7)
        _event(long_ago, Company.Status.ADMITTED, dt.datetime(2017, 2, 16, tzinfo=f.MSK), "applied")
        _event(long_ago, Company.Status.ACTIVE, dt.datetime(2017, 3, 1, tzinfo=f.MSK), "admitted")
        _event(newcomer, Company.Status.ADMITTED, dt.datetime(2024, 6, 1, tzinfo=f.MSK), "applied")
        _event(suspended, Company.Status.SUSPENDED, dt.datetime(2024, 1, 10, tzinfo=f.MSK), "active")
        _event(suspended, Company.Status.ACTIVE, dt.datetime(2024, 5, 1, tzinfo=f.MSK), "suspended")
        _event(left_later, Company.Status.WITHDRAWN, dt.datetime(2024, 9, 1, tzinfo=f.MSK), "active")
        Company.objects.filter(pk=left_later.pk).update(status=Company.Status.WITHDRAWN)
        Company.objects.filter(pk=applicant.pk).update(status=Company.Status.APPLIED)
        _event(at_meeting, Company.Status.ADMITTED, meeting_at, "applied")  # admitted at that very meeting

        voters = set(voting_members_at(at=meeting_at).values_list("short_name", flat=True))
    assert voters == {long_ago.short_name, left_later.short_name, no_history.short_name}


def test_meeting_quorum_counts_present_voters_only(cluster_a: Cluster) -> None:
    with schema_context(cluster_a.schema_name):
        members = f.companies(25)
        guest = Company.objects.create(
            full_name="АО «Гость»", short_name="Гость", status=Company.Status.APPLIED
        )
        meeting = f.meeting(cluster_a, f.body(cluster_a))
        f.attend(cluster_a, meeting, present=members[:14], absent=members[14:])
        Attendance.objects.create(meeting=meeting, company=guest, present=True)  # not a voter: ignored
        quorum = meeting_quorum(meeting=meeting)
        assert (quorum.total, quorum.present, quorum.required, quorum.reached) == (25, 14, 13, True)
        assert quorum.label == "Кворум есть: 14 из 25"

        strict = f.meeting(
            cluster_a, f.body(cluster_a, kind=Body.Kind.COUNCIL, rule=TWO_THIRDS, name="Совет"), number="1"
        )
        f.attend(cluster_a, strict, present=members[:14])
        assert meeting_quorum(meeting=strict).label == "Кворума нет: 14 из 25, нужно не менее 17"
