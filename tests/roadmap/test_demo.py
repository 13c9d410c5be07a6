"""The demo roadmaps go through the importer: seed 001 verbatim, then this year's plan."""

from __future__ import annotations

import datetime as dt

import pytest

from core.accounts.models import Grant
from tenants.models import Cluster
from tenants.roadmap import demo
from tenants.roadmap.models import Item, Roadmap
from tests.conftest import InCluster, MakeUser


def test_demo_imports_seed_001_and_a_current_plan_once(
    cluster_a: Cluster, in_cluster: InCluster, make_user: MakeUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_user(Grant.Role.CLUSTER_ADMIN, cluster_a)
    monkeypatch.setattr(demo, "SEED_001_CLUSTERS", {"alpha"})
    monkeypatch.setitem(demo.PLANS, "alpha", demo.PLANS["mosreg"])
    monkeypatch.setitem(demo.PROGRESS, "alpha", demo.PROGRESS["mosreg"])
    with in_cluster(cluster_a):
        assert demo.demo_roadmaps(cluster_a, tz="Europe/Moscow") is True
        report, *past, plan = Roadmap.objects.order_by("period_start")
        assert report.approved_by is not None
        assert report.status == Roadmap.Status.CLOSED and report.approved_by.meeting.held_at.year == 2018
        assert report.sections.count() == 6 and report.items.count() == 24
        assert report.items.get(number="2.2.").executors.count() == 4
        assert plan.status == Roadmap.Status.APPROVED and plan.period_start == dt.date(2026, 1, 1)
        assert plan.items.get(number="2.2.").status == Item.Status.DONE
        assert plan.items.get(number="3.2.").deadline_end == dt.date(2026, 9, 30)
        # closed plans of the demo reporting years, some items done and the rest not done
        assert [(r.period_start.year, r.status) for r in past] == [(2024, "closed"), (2025, "closed")]
        for roadmap in past:
            assert roadmap.approved_by is not None
            statuses = list(roadmap.items.values_list("status", flat=True))
            assert len(statuses) == 8 and set(statuses) <= {"done", "not_done"} and "done" in statuses
            assert roadmap.approved_by.meeting.held_at.year == roadmap.period_start.year - 1
        assert past[1].items.get(number="1.2.").title == "Подготовить отчёт о работе кластера за 2024 год"
        assert demo.demo_roadmaps(cluster_a, tz="Europe/Moscow") is False
        assert Roadmap.objects.count() == 4
