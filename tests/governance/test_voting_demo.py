"""The voting demo hook: an open absentee meeting one ballot short of the quorum, made once."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from tenants.governance.demo import NUMBER, demo_voting, open_demo_meeting
from tenants.governance.models import Ballot, Meeting
from tenants.governance.selectors import meeting_tally
from tenants.models import Cluster

from . import factories as f

pytestmark = pytest.mark.django_db


def test_demo_meeting_is_open_one_short_of_quorum_and_made_once(cluster_a: Cluster) -> None:
    with schema_context(cluster_a.schema_name):
        f.body(cluster_a)
        voters = f.companies(9)
        meeting = open_demo_meeting(cluster=cluster_a, actor=f.system(cluster_a), keep_free={voters[0].pk})
        assert (
            meeting is not None and meeting.voting_status == "open" and meeting.form == Meeting.Form.ABSENTEE
        )
        assert [d.kind for d in meeting.decisions.order_by("number")] == [
            "admit_member",
            "approve_roadmap",
            "set_fees",
        ]
        tally = meeting_tally(meeting=meeting)
        assert tally.quorum.total == 9 and tally.quorum.present == tally.quorum.required - 1 == 4
        assert not tally.quorum.reached
        assert not Ballot.objects.filter(meeting=meeting, company=voters[0]).exists()
        assert all(b.paper and b.scan for b in Ballot.objects.filter(meeting=meeting))
        assert open_demo_meeting(cluster=cluster_a, actor=f.system(cluster_a)) is None
        assert Meeting.objects.filter(number=NUMBER).count() == 1
        assert demo_voting(cluster_a, tz="Europe/Moscow") is False  # only mosreg
