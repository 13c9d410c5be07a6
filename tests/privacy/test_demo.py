"""The demo hook: consents, an open request near its deadline, a closed incident; once only."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from core.clock import cluster_today
from tenants.models import Cluster
from tenants.privacy import demo
from tenants.privacy.models import Consent, Incident, ProcessingActivity, SubjectRequest
from tests.conftest import ROLE, MakeUser

pytestmark = pytest.mark.django_db


def test_demo_fills_the_area_once(
    cluster_a: Cluster, make_user: MakeUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(demo, "PRIVACY_DEMO_CLUSTERS", {cluster_a.schema_name})
    make_user(ROLE.CLUSTER_ADMIN, cluster_a)
    make_user(ROLE.CLUSTER_STAFF, cluster_a)
    with schema_context(cluster_a.schema_name):
        assert demo.demo_privacy(cluster_a, tz="Europe/Moscow")
        assert Consent.objects.count() == 4 and ProcessingActivity.objects.count() == 3
        assert {c.text.version for c in Consent.objects.all()} == {1}  # the revised text came later
        request = SubjectRequest.objects.get()
        days_left = (request.deadline - cluster_today(cluster_a)).days
        assert request.status == "open" and 0 <= days_left <= 3
        incident = Incident.objects.get()
        assert incident.closed_at is not None and incident.notified_at is not None
        assert not demo.demo_privacy(cluster_a, tz="Europe/Moscow")
        assert Consent.objects.count() == 4
