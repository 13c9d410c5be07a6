"""The fees demo: a schedule on the demo protocol's decision, paid, open and overdue invoices; idempotent."""

from __future__ import annotations

import datetime as dt

import pytest
from django_tenants.utils import schema_context

from billing.models import Invoice
from tenants.fees.demo import demo_fees
from tenants.fees.models import AssessmentRun, FeeSchedule
from tenants.models import Cluster

from . import factories as f

pytestmark = pytest.mark.django_db


def test_demo_fees_bill_the_members_and_run_once(cluster_a: Cluster) -> None:
    with schema_context(cluster_a.schema_name):
        decision = f.fee_decision()
        for name in ("Один", "Два", "Три", "Четыре"):
            f.member(cluster_a, name)
        f.member(cluster_a, "Новичок", admitted=dt.datetime(2024, 12, 10, 12, tzinfo=f.MSK))
        demo_fees(cluster_a, tz="Europe/Moscow")
        schedule = FeeSchedule.objects.get()
        assert schedule.decision == decision and schedule.effective_from == dt.date(2024, 12, 10)
        assert AssessmentRun.objects.filter(status="done").count() == 2
        demo_fees(cluster_a, tz="Europe/Moscow")
        assert FeeSchedule.objects.count() == 1 and AssessmentRun.objects.count() == 2
    statuses = list(Invoice.objects.filter(cluster=cluster_a).values_list("status", flat=True))
    assert statuses.count(Invoice.Status.OVERDUE) == 1
    assert statuses.count(Invoice.Status.PARTIALLY_PAID) == 1
    assert Invoice.Status.PAID in statuses and Invoice.Status.OPEN in statuses
    entrance = Invoice.objects.get(cluster=cluster_a, source_key__startswith="entrance:")
    assert entrance.lines.get().description.startswith(
        "Вступительный взнос (принят в члены кластера 10.12.2024"
    )
