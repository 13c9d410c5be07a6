"""E-mails about invoices: issued, reminder, overdue, payment received — once each, in the
cluster's own time zone and daytime."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from pytest_django import DjangoCaptureOnCommitCallbacks

from billing.models import Invoice, Notification
from billing.notifications import notification_send, notifications_sweep
from core.clock import cluster_today
from tenants.models import Cluster
from tests.conftest import ROLE, MakeUser

from .conftest import COMPANY, issue

pytestmark = pytest.mark.django_db


def at(cluster: Cluster, day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=cluster.tzinfo)


def test_issued_mail_goes_to_the_company_representatives_once(
    cluster_a: Cluster,
    make_user: MakeUser,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    rep = make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=COMPANY)
    make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=999)  # another company: not told
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        invoice = issue(cluster_a, amount=1_500_000)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [rep.email] and message.subject.startswith(f"Счёт № {invoice.number} на 15 000,00 ₽")
    assert f"http://alpha.localhost/billing/invoices/{invoice.pk}/" in message.body
    assert notification_send(invoice_id=invoice.pk, kind="issued") is False
    assert Notification.objects.filter(invoice=invoice).count() == 1


def test_sweep_reminds_before_due_date_and_flags_overdue_in_daytime_only(
    cluster_a: Cluster, make_user: MakeUser
) -> None:
    make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=COMPANY)
    today = cluster_today(cluster_a)
    soon = issue(cluster_a, issue_date=today - dt.timedelta(days=27), due_in_days=29)  # due in 2 days
    late = issue(cluster_a, issue_date=today - dt.timedelta(days=40), due_in_days=10)
    Invoice.objects.filter(pk=late.pk).update(status=Invoice.Status.OPEN)
    later = issue(cluster_a, due_in_days=20)
    Notification.objects.all().delete()  # as if «issued» had been sent long ago
    for invoice in (soon, late, later):
        Notification.objects.create(cluster=cluster_a, invoice=invoice, kind="issued")
    mail.outbox.clear()
    night = notifications_sweep(cluster=cluster_a, now=at(cluster_a, today, 3))
    assert night == {"overdue_marked": 1} and mail.outbox == []  # flagged, but nobody is woken up
    day = notifications_sweep(cluster=cluster_a, now=at(cluster_a, today, 10))
    subjects = sorted(m.subject for m in mail.outbox)
    assert day["sent"] == 2
    assert subjects == sorted(
        [
            f"Напоминание: счёт № {soon.number}, срок оплаты {soon.due_date:%d.%m.%Y}",
            f"Счёт № {late.number} просрочен",
        ]
    )
    notifications_sweep(cluster=cluster_a, now=at(cluster_a, today, 11))
    assert len(mail.outbox) == 2  # once per invoice and kind


def test_no_representative_no_mail_and_nothing_recorded(cluster_a: Cluster) -> None:
    invoice = issue(cluster_a)
    assert notification_send(invoice_id=invoice.pk, kind="issued") is False
    assert not Notification.objects.filter(invoice=invoice).exists()


def test_many_invoices_are_told_by_batched_messages_each_once(
    cluster_a: Cluster,
    make_user: MakeUser,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from django.db import transaction

    from billing.services import common

    rep = make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=COMPANY)
    with django_capture_on_commit_callbacks(execute=False):  # issued quietly
        invoices = [issue(cluster_a, amount=100_000 * n) for n in (1, 2, 3)]
    queued: list[tuple[object, ...]] = []
    real = common.enqueue

    def counted(name: str, *args: Any, **kwargs: Any) -> None:
        queued.append((name, *args))
        real(name, *args, **kwargs)

    monkeypatch.setattr(common, "enqueue", counted)
    monkeypatch.setattr(common, "NOTIFY_BATCH", 2)
    mail.outbox.clear()
    ids = [invoice.pk for invoice in invoices]
    for _ in range(2):  # the second time (a redelivered message) sends nothing again
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            common.notify_on_commit(*ids, kind="issued")
    assert (
        queued
        == [("billing.invoice_notify", ids[:2], "issued"), ("billing.invoice_notify", ids[2:], "issued")] * 2
    )
    assert sorted(m.subject.split(" на ")[0] for m in mail.outbox) == sorted(
        f"Счёт № {i.number}" for i in invoices
    )
    assert all(m.to == [rep.email] for m in mail.outbox)
