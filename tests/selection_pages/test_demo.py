"""The selection demo: an open 2026 call with bashkortostan ahead of mosreg, the demo expert with
one review done and one to do, an answered clarification, a published 2025 ranking; idempotent."""

from __future__ import annotations

import pytest
from django.test import Client

from clusterhub.demo import DEMO_PASSWORD
from clusterhub.demo.selection import demo_selection
from core.selection import selectors
from core.selection.models import Application, Assignment, Call, Clarification
from tenants.models import Cluster

pytestmark = pytest.mark.django_db


def test_demo_selection(cluster_a: Cluster, cluster_b: Cluster, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        "clusterhub.demo.selection.SLUG_ALIASES", {"alpha": "bashkortostan", "beta": "mosreg"}
    )
    demo_selection([cluster_a, cluster_b])
    demo_selection([cluster_a, cluster_b])  # again: nothing new
    current = Call.objects.get(title="PROКЛАСТЕРЫ 2026")
    past = Call.objects.get(title="PROКЛАСТЕРЫ 2025")
    assert current.status == Call.Status.OPEN and past.status == Call.Status.PUBLISHED
    assert past.closes_at.year == 2025 and Call.objects.count() == 2
    ranking = selectors.call_ranking(call=current).rows
    assert [r.cluster for r in ranking] == [
        "Кластер Альфа (тест)",
        "Кластер Бета (тест)",
    ]  # bashkortostan ahead
    assert (
        ranking[0].score is not None and ranking[1].score is not None and ranking[0].score > ranking[1].score
    )
    mine = Assignment.objects.filter(expert__email="expert@ministry.demo", application__call=current)
    assert sorted((a.application.cluster.schema_name, a.submitted_at is not None) for a in mine) == [
        ("alpha", True),
        ("beta", False),
    ]
    clarification = Clarification.objects.get(application__call=current)
    assert clarification.answered_at is not None and clarification.application.version == 2
    published = selectors.call_ranking(call=past).rows
    assert [(r.cluster, r.decision) for r in published] == [
        ("Кластер Альфа (тест)", "winner"),
        ("Кластер Бета (тест)", "supported"),
    ]
    assert Application.objects.filter(is_demo=True).count() == 4
    # The demo expert signs in with the demo password and finds the review to do.
    client = Client(HTTP_HOST="localhost")
    assert (
        client.post("/login/", {"email": "expert@ministry.demo", "password": DEMO_PASSWORD}).status_code
        == 302
    )
    body = client.get("/selection/reviews/").content.decode()
    assert "ждёт оценки" in body and "Кластер Бета (тест)" in body
