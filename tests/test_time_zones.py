"""A cluster in Novosibirsk sees every time in its own zone, on every page and in its tasks.

One instant, 2026-03-01 12:34 UTC, is 19:34 in Novosibirsk (UTC+7) and 15:34 in Moscow (UTC+3,
the platform's default zone). Each page below shows a record made at that instant to an admin of
the Novosibirsk cluster: the body must show 19:34 and never 15:34. Tasks run in the cluster's zone
too: at 20:00 UTC it is already the next day in Novosibirsk while Moscow is still on the first.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import caches
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from billing.models import Payment
from billing.services import payment_record_manual
from clusterhub.celery_app import app
from core.audit.models import AuditEntry
from core.audit.services import Actor
from core.clock import cluster_today
from tenants.content.models import Article
from tenants.governance.models import Body, Meeting
from tenants.members.models import Company, MembershipEvent
from tenants.models import Cluster
from tenants.reporting import services as reporting
from tenants.selectors import forget_hosts_in_this_process
from tests.billing.conftest import issue, make_payee
from tests.conftest import ROLE, ClientResponse, MakeUser, signed_in
from tests.federal import factories as federal_factories

pytestmark = pytest.mark.django_db

INSTANT = dt.datetime(2026, 3, 1, 12, 34, tzinfo=dt.UTC)
NOVOSIBIRSK = "01.03.2026 19:34"
MOSCOW = "15:34"


@pytest.fixture
def nsk(cluster_b: Cluster) -> Cluster:
    """The second cluster, moved to Novosibirsk (the host cache forgets its old row)."""
    Cluster.objects.filter(pk=cluster_b.pk).update(time_zone="Asia/Novosibirsk")
    caches["platform"].clear()
    forget_hosts_in_this_process()
    cluster_b.refresh_from_db()
    return cluster_b


@pytest.fixture
def admin(nsk: Cluster, make_user: MakeUser) -> Client:
    return signed_in(make_user(ROLE.CLUSTER_ADMIN, nsk), nsk)


def assert_local_time(response: ClientResponse) -> None:
    assert response.status_code == 200
    body = response.content.decode()
    assert NOVOSIBIRSK in body
    assert MOSCOW not in body


def test_members_history(nsk: Cluster, admin: Client) -> None:
    with schema_context(nsk.schema_name):
        company = Company.objects.create(
            full_name="ООО «Сибирское время»", short_name="Сибирское время", status=Company.Status.ACTIVE
        )
        MembershipEvent.objects.create(
            company=company, from_status=Company.Status.APPLIED, to_status=Company.Status.ACTIVE, at=INSTANT
        )
    assert_local_time(admin.get(f"/members/{company.pk}/"))


def test_audit_log(nsk: Cluster, admin: Client) -> None:
    entry = AuditEntry.objects.create(
        cluster=nsk,
        action="news.update",
        object_type="content.news",
        object_id="1",
        object_repr="Новость о времени",
    )
    AuditEntry.objects.filter(pk=entry.pk).update(at=INSTANT)
    assert_local_time(admin.get("/audit/"))


def test_payments_of_an_invoice(nsk: Cluster, admin: Client) -> None:
    make_payee(nsk)
    invoice = issue(nsk, issue_date=dt.date(2026, 2, 1))
    payment = payment_record_manual(
        actor=Actor.system(nsk),
        invoice=invoice,
        amount_kopecks=100_000,
        order_number="17",
        order_date=dt.date(2026, 3, 1),
    )
    Payment.objects.filter(pk=payment.pk).update(created_at=INSTANT, succeeded_at=INSTANT)
    assert_local_time(admin.get(f"/fees/invoices/{invoice.pk}/"))


def test_site_articles(nsk: Cluster, admin: Client) -> None:
    with schema_context(nsk.schema_name):
        Article.objects.create(title="Статья о часовых поясах", is_published=True, published_at=INSTANT)
    assert_local_time(admin.get("/site/manage/articles/"))


def test_annual_report(nsk: Cluster, admin: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        timezone, "now", lambda: INSTANT
    )  # a submitted report is immutable: submit at INSTANT
    with schema_context(nsk.schema_name):
        report = reporting.annual_report_submit(
            actor=federal_factories.system(nsk),
            cluster=nsk,
            year=2025,
            entered_values=federal_factories.ENTERED,
            comments="Отчёт",
        )
    monkeypatch.undo()
    assert report.submitted_at == INSTANT
    assert_local_time(admin.get(f"/annual-report/reports/{report.pk}/"))


def test_meetings(nsk: Cluster, admin: Client) -> None:
    with schema_context(nsk.schema_name):
        body = Body.objects.create(kind=Body.Kind.GENERAL_MEETING, name="Общее собрание участников")
        meeting = Meeting.objects.create(body=body, held_at=INSTANT, number="1")
    assert_local_time(admin.get("/governance/meetings/"))
    assert_local_time(admin.get(f"/governance/meetings/{meeting.pk}/"))


@app.task(name="tests.time_zones.today")
def today_in_task() -> list[str]:
    """What a tenant task takes for "today": the active zone's date and core.clock's."""
    return [timezone.localdate().isoformat(), cluster_today().isoformat()]


LATE_EVENING_IN_MOSCOW = dt.datetime(2026, 3, 1, 20, 0, tzinfo=dt.UTC)  # 23:00 MSK, 03:00 on 2 March in NSK


def test_a_task_queued_for_the_cluster_computes_today_in_its_zone(
    nsk: Cluster, cluster_a: Cluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As a worker runs it: it starts on the public schema and switches to the task's cluster."""
    monkeypatch.setattr(timezone, "now", lambda: LATE_EVENING_IN_MOSCOW)
    in_novosibirsk = today_in_task.apply_async(headers={"_schema_name": nsk.schema_name}).get()
    in_moscow = today_in_task.apply_async(headers={"_schema_name": cluster_a.schema_name}).get()
    assert in_novosibirsk == ["2026-03-02", "2026-03-02"]
    assert in_moscow == ["2026-03-01", "2026-03-01"]


def test_a_task_queued_inside_the_clusters_schema_computes_today_in_its_zone(
    nsk: Cluster,
    cluster_a: Cluster,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Queued eagerly from code already in the cluster's schema (a command, the demo, a loop
    over clusters): nothing switches, yet the task still works in the cluster's zone."""
    monkeypatch.setattr(timezone, "now", lambda: LATE_EVENING_IN_MOSCOW)
    with schema_context(nsk.schema_name):
        in_novosibirsk = today_in_task.delay().get()
    with schema_context(cluster_a.schema_name):
        in_moscow = today_in_task.delay().get()
    assert in_novosibirsk == ["2026-03-02", "2026-03-02"]
    assert in_moscow == ["2026-03-01", "2026-03-01"]
