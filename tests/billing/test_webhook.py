"""The Stripe webhook on the public host: signature, exactly-once, ordering, isolation, alerts."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from prometheus_client import REGISTRY
from pytest_django import DjangoCaptureOnCommitCallbacks, Settings

from billing.models import BillingAlert, GatewayEvent, Invoice, Payee, Payment
from billing.webhooks import events_process_pending
from core.audit.models import AuditEntry
from tenants.models import Cluster
from tests.conftest import ROLE, MakeUser

from .conftest import (
    COMPANY,
    deliver,
    intent_event,
    intent_for,
    issue,
    make_payee,
    post_webhook,
    sign,
    webhook_secret,
)

Status = Invoice.Status


def online_payment(invoice: Invoice, intent_id: str = "pi_test_1") -> Payment:
    """A pending card payment, as payment_start leaves it (the Stripe side is not needed here)."""
    return Payment.objects.create(
        cluster=invoice.cluster,
        invoice=invoice,
        method=Payment.Method.ONLINE,
        amount_kopecks=invoice.outstanding_kopecks,
        stripe_payment_intent_id=intent_id,
    )


def failures(reason: str) -> float:
    return (
        REGISTRY.get_sample_value(
            "clusterhub_webhook_failures_total", {"provider": "stripe", "reason": reason}
        )
        or 0.0
    )


def state(invoice: Invoice) -> tuple[str, int, int, int]:
    invoice.refresh_from_db()
    return (
        invoice.status,
        invoice.paid_kopecks,
        GatewayEvent.objects.count(),
        Payment.objects.filter(status=Payment.Status.SUCCEEDED).count(),
    )


@pytest.fixture
def paying(db: None, cluster_a: Cluster, payee_a: Payee) -> Invoice:
    invoice = issue(cluster_a, amount=1_500_000)
    online_payment(invoice)
    return invoice


@pytest.mark.django_db
def test_a_signed_success_pays_the_invoice_once(
    paying: Invoice,
    make_user: MakeUser,
    cluster_a: Cluster,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    rep = make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=COMPANY)
    mail.outbox.clear()
    event = intent_event(intent_for(paying, "pi_test_1"))
    with django_capture_on_commit_callbacks(execute=True):
        response = deliver(cluster_a, event)
    assert response.status_code == 200, response.content
    assert response.json()["detail"] == "processed"
    assert state(paying) == (Status.PAID, 1_500_000, 1, 1)
    again = deliver(cluster_a, event)  # Stripe retries the same event
    assert again.status_code == 200 and again.json()["detail"] == "duplicate"
    assert state(paying) == (Status.PAID, 1_500_000, 1, 1)
    assert [m.to for m in mail.outbox if "получена" in m.subject] == [[rep.email]]
    assert AuditEntry.objects.filter(cluster=cluster_a, action="billing.payment_succeeded").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("case", ["tampered", "stale", "wrong_secret", "missing", "garbage"])
def test_bad_deliveries_are_refused_and_change_nothing(
    paying: Invoice, cluster_a: Cluster, case: str
) -> None:
    event = intent_event(intent_for(paying, "pi_test_1"))
    body = json.dumps(event).encode()
    header: str | None = sign(body, webhook_secret(cluster_a))
    if case == "tampered":
        body = body.replace(b'"amount": 1500000', b'"amount": 1')
    elif case == "stale":
        header = sign(body, webhook_secret(cluster_a), timestamp=int(time.time()) - 301)
    elif case == "wrong_secret":
        header = sign(body, "whsec_someone_else")
    elif case == "missing":
        header = None
    else:
        header = "t=abc,v1=zzz"
    before = failures("signature")
    response = post_webhook(cluster_a, body, header)
    assert response.status_code == 400
    assert response.json()["detail"] == "Подпись не прошла проверку."
    assert state(paying) == (Status.OPEN, 0, 0, 0)
    assert failures("signature") == before + 1


@pytest.mark.django_db
def test_forged_header_under_production_settings(
    paying: Invoice, cluster_a: Cluster, settings: Settings
) -> None:
    """Production-like: DEBUG off, HTTPS behind a proxy, CSP. A forged v1 (or a v0 test
    signature, or a signature for a different timestamp) is refused the same way."""
    settings.DEBUG = False
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_SSL_REDIRECT = True
    event = intent_event(intent_for(paying, "pi_test_1"))
    body = json.dumps(event).encode()
    good = sign(body, webhook_secret(cluster_a))
    ts = good.split(",")[0]
    forged = [
        f"{ts},v1={'0' * 64}",
        f"{ts},v0={good.split('v1=')[1]}",
        f"t={int(time.time()) + 5},v1={good.split('v1=')[1]}",
        good.replace("v1=", "v1=ff"),
    ]
    from django.test import Client

    client = Client(HTTP_HOST="localhost", HTTP_X_FORWARDED_PROTO="https")
    for header in forged:
        response = client.post(
            "/billing/stripe/webhook/alpha/",
            data=body,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=header,
        )
        assert response.status_code == 400, header
    assert state(paying) == (Status.OPEN, 0, 0, 0)
    ok = client.post(
        "/billing/stripe/webhook/alpha/",
        data=body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=good,
    )
    assert ok.status_code == 200
    assert state(paying)[0] == Status.PAID


@pytest.mark.django_db
def test_unknown_cluster_or_payee_is_404_and_cluster_host_does_not_serve_it(
    cluster_a: Cluster, paying: Invoice
) -> None:
    body = b"{}"
    assert post_webhook("nosuchcluster", body, sign(body, "whsec_x")).status_code == 404
    assert post_webhook("beta", body, sign(body, "whsec_x")).status_code == 404  # beta has no payee
    from django.test import Client

    on_cluster_host = Client(HTTP_HOST="alpha.localhost").post(
        "/billing/stripe/webhook/alpha/", data=body, content_type="application/json"
    )
    assert on_cluster_host.status_code in {404, 405}


@pytest.mark.django_db
def test_events_out_of_order_never_move_a_status_back(paying: Invoice, cluster_a: Cluster) -> None:
    succeeded = intent_event(intent_for(paying, "pi_test_1"))
    failed = intent_event(
        intent_for(paying, "pi_test_1", status="requires_payment_method", error="declined"),
        kind="payment_intent.payment_failed",
    )
    processing = intent_event(
        intent_for(paying, "pi_test_1", status="processing"), kind="payment_intent.processing"
    )
    assert deliver(cluster_a, failed).status_code == 200
    payment = Payment.objects.get()
    assert payment.status == Payment.Status.FAILED and payment.failure_message == "declined"
    assert deliver(cluster_a, succeeded).status_code == 200  # the retry with another card succeeded
    assert deliver(cluster_a, processing).status_code == 200  # a late "processing"
    assert deliver(cluster_a, failed | {"id": "evt_late_fail"}).status_code == 200  # a late failure
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED and payment.failure_message == ""
    assert state(paying)[:2] == (Status.PAID, 1_500_000)


@pytest.mark.django_db
def test_a_webhook_for_cluster_a_never_touches_cluster_b(
    cluster_a: Cluster, cluster_b: Cluster, payee_a: Payee, payee_b: Payee
) -> None:
    invoice_a = issue(cluster_a)
    invoice_b = issue(cluster_b)
    online_payment(invoice_a, "pi_alpha")
    online_payment(invoice_b, "pi_beta")
    # B's endpoint receives (correctly signed for B) an event about A's PaymentIntent: ignored.
    event_a = intent_event(intent_for(invoice_a, "pi_alpha"))
    response = deliver(cluster_b, event_a)
    assert response.status_code == 200 and response.json()["detail"] == "ignored"
    # A's secret on B's endpoint: refused.
    event_b = intent_event(intent_for(invoice_b, "pi_beta"))
    assert deliver(cluster_b, event_b, secret=webhook_secret(cluster_a)).status_code == 400
    invoice_a.refresh_from_db()
    invoice_b.refresh_from_db()
    assert (invoice_a.status, invoice_b.status) == (Status.OPEN, Status.OPEN)
    assert not BillingAlert.objects.exists()
    # The same event id may reach both endpoints (localstripe sends every event to all): each cluster
    # stores its own copy; A's is processed, B's ignored.
    assert deliver(cluster_a, event_a).json()["detail"] == "processed"
    invoice_a.refresh_from_db()
    invoice_b.refresh_from_db()
    assert (invoice_a.status, invoice_b.status) == (Status.PAID, Status.OPEN)
    assert GatewayEvent.objects.filter(event_id=event_a["id"]).count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("amount", "currency", "kind"),
    [(1_000, "rub", BillingAlert.Kind.AMOUNT_MISMATCH), (None, "usd", BillingAlert.Kind.CURRENCY_MISMATCH)],
)
def test_wrong_amount_or_currency_is_recorded_not_paid_and_staff_alerted(
    paying: Invoice,
    cluster_a: Cluster,
    make_user: MakeUser,
    amount: int | None,
    currency: str,
    kind: str,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    admin = make_user(ROLE.CLUSTER_ADMIN, cluster_a)
    mail.outbox.clear()
    event = intent_event(intent_for(paying, "pi_test_1", amount=amount, currency=currency))
    with django_capture_on_commit_callbacks(execute=True):
        assert deliver(cluster_a, event).status_code == 200
    assert state(paying)[:2] == (Status.OPEN, 0)
    alert = BillingAlert.objects.get()
    assert alert.kind == kind and alert.invoice_id == paying.pk and alert.event is not None
    assert "не отмечен оплаченным" in alert.message
    assert GatewayEvent.objects.get().status == GatewayEvent.Status.PROCESSED
    assert Payment.objects.get().failure_message
    staff_mail = [m for m in mail.outbox if admin.email in m.to]
    assert len(staff_mail) == 1 and "требуется проверка" in staff_mail[0].subject
    assert deliver(cluster_a, event | {"id": "evt_again"}).status_code == 200  # seen again: one alert
    assert BillingAlert.objects.count() == 1


@pytest.mark.django_db
def test_unknown_payment_intent_of_this_cluster_alerts(cluster_a: Cluster, payee_a: Payee) -> None:
    invoice = issue(cluster_a)
    event = intent_event(intent_for(invoice, "pi_never_created"))
    assert deliver(cluster_a, event).status_code == 200
    assert BillingAlert.objects.get().kind == BillingAlert.Kind.UNKNOWN_INVOICE


@pytest.mark.django_db
def test_broker_down_event_stored_processed_and_mail_sent_when_worker_is_back(
    paying: Invoice,
    cluster_a: Cluster,
    make_user: MakeUser,
    settings: Settings,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    rep = make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=COMPANY)
    from clusterhub.celery_app import app

    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.task_always_eager = False
    app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens there
    app.conf.broker_connection_timeout = 1
    mail.outbox.clear()
    try:
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            response = deliver(cluster_a, intent_event(intent_for(paying, "pi_test_1")))
    finally:
        app.conf.task_always_eager = True
        app.conf.broker_url = ""
    assert response.status_code == 200
    assert state(paying)[:2] == (Status.PAID, 1_500_000)  # the money never waits for the broker
    assert GatewayEvent.objects.get().status == GatewayEvent.Status.PROCESSED
    assert callbacks and mail.outbox == []  # the e-mail was due but could not be queued
    # The worker is back: the beat sweep sends what was missed, once.
    from billing.notifications import notifications_sweep

    noon = (
        __import__("django.utils.timezone", fromlist=["now"])
        .now()
        .astimezone(cluster_a.tzinfo)
        .replace(hour=12)
    )
    notifications_sweep(cluster=cluster_a, now=noon)
    notifications_sweep(cluster=cluster_a, now=noon)
    received = [m for m in mail.outbox if "получена" in m.subject]
    assert [m.to for m in received] == [[rep.email]]


@pytest.mark.django_db
def test_an_event_whose_processing_failed_is_stored_and_processed_by_the_sweep(
    paying: Invoice,
    cluster_a: Cluster,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def boom(**_: object) -> str:
        raise RuntimeError("database hiccup")

    monkeypatch.setattr("billing.webhooks.intent_apply", boom)
    response = deliver(cluster_a, intent_event(intent_for(paying, "pi_test_1")))
    assert response.status_code == 200 and response.json()["detail"] == "error"
    event = GatewayEvent.objects.get()
    assert event.status == GatewayEvent.Status.RECEIVED and "database hiccup" in event.error
    assert state(paying)[:2] == (Status.OPEN, 0)
    monkeypatch.undo()
    assert events_process_pending(older_than_seconds=0) == 1
    assert events_process_pending(older_than_seconds=0) == 0
    assert state(paying) == (Status.PAID, 1_500_000, 1, 1)


@pytest.mark.django_db(transaction=True)
def test_the_same_event_delivered_twice_at_the_same_moment_makes_one_payment(cluster_a: Cluster) -> None:
    make_payee(cluster_a)
    invoice = issue(cluster_a)
    online_payment(invoice)
    event = intent_event(intent_for(invoice, "pi_test_1"))
    body = json.dumps(event).encode()
    header = sign(body, webhook_secret(cluster_a))
    barrier = threading.Barrier(2)
    results: list[int] = []
    outcomes: list[str] = []

    # Both requests pass verification, then meet at the barrier right before storing.
    from billing import webhooks

    real_ingest = webhooks.event_ingest

    def ingest_together(**kwargs: Any) -> str:
        barrier.wait(timeout=10)
        return real_ingest(**kwargs)

    webhooks.event_ingest = ingest_together

    def post() -> None:
        try:
            response = post_webhook(cluster_a, body, header)
            results.append(response.status_code)
            outcomes.append(response.json()["detail"])
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(2)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
    finally:
        webhooks.event_ingest = real_ingest
    assert results == [200, 200]
    assert sorted(outcomes) == ["duplicate", "processed"]
    invoice.refresh_from_db()
    assert (invoice.status, invoice.paid_kopecks) == (Status.PAID, 1_500_000)
    assert Payment.objects.filter(status=Payment.Status.SUCCEEDED).count() == 1
    assert GatewayEvent.objects.count() == 1
    assert AuditEntry.objects.filter(action="billing.invoice_paid").count() == 1


@pytest.mark.django_db
def test_an_event_failing_after_its_writes_leaves_none_of_them_and_is_stored_for_the_sweep(
    paying: Invoice, cluster_a: Cluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new event is applied without a savepoint: when its effects fail half-way (the payment
    row already updated, an alert row written), the whole transaction rolls back, and the event
    alone is stored with its error; the sweep then applies it once."""
    from billing.services import settling

    def fail(*_: object, **__: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(settling, "saved_with_audit", fail)
    event = intent_event(intent_for(paying, "pi_test_1"), event_id="evt_half")  # the full amount
    paying.status = Status.VOID  # void: the payment alerts staff before the writes fail
    paying.save(update_fields=["status"])
    response = deliver(cluster_a, event)
    assert response.status_code == 200 and response.json()["detail"] == "error"
    stored = GatewayEvent.objects.get()
    assert (stored.event_id, stored.status, stored.attempts) == ("evt_half", GatewayEvent.Status.RECEIVED, 1)
    assert "disk full" in stored.error and stored.processed_at is None
    assert Payment.objects.get().status == Payment.Status.PENDING
    assert (
        not BillingAlert.objects.exists() and not AuditEntry.objects.filter(action="billing.alert").exists()
    )
    # Stripe delivers it again while it is still failing: one more attempt counted, nothing applied.
    assert deliver(cluster_a, event).json() == {
        "detail": "error",
        "event": "evt_half",
    }
    assert GatewayEvent.objects.get().attempts == 2
    monkeypatch.undo()
    assert events_process_pending(older_than_seconds=0) == 1
    assert Payment.objects.get().status == Payment.Status.SUCCEEDED
    assert BillingAlert.objects.count() == 1
    assert events_process_pending(older_than_seconds=0) == 0


@pytest.mark.django_db(transaction=True)
def test_two_different_success_events_for_one_payment_at_the_same_moment_pay_once(cluster_a: Cluster) -> None:
    """The invoice is locked first (found through the payment), then the payment is read under
    its own lock: the second of two events for the same payment (Stripe sends a retry of a
    success under a new event id, or reconciliation) sees the payment succeeded and is stale."""
    make_payee(cluster_a)
    invoice = issue(cluster_a)
    online_payment(invoice)
    bodies = [
        json.dumps(intent_event(intent_for(invoice, "pi_test_1"), event_id=f"evt_same_{i}")).encode()
        for i in range(2)
    ]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    from billing import webhooks

    real_ingest = webhooks.event_ingest

    def ingest_together(**kwargs: Any) -> str:
        barrier.wait(timeout=10)
        return real_ingest(**kwargs)

    webhooks.event_ingest = ingest_together

    def post(body: bytes) -> None:
        try:
            response = post_webhook(cluster_a, body, sign(body, webhook_secret(cluster_a)))
            outcomes.append(f"{response.status_code} {response.json()['detail']}")
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(body,)) for body in bodies]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
    finally:
        webhooks.event_ingest = real_ingest
    assert sorted(outcomes) == ["200 processed", "200 processed"]  # both stored as done
    invoice.refresh_from_db()
    assert (invoice.status, invoice.paid_kopecks) == (Status.PAID, 1_500_000)
    assert AuditEntry.objects.filter(action="billing.invoice_paid").count() == 1
    assert AuditEntry.objects.filter(action="billing.payment_succeeded").count() == 1
    assert GatewayEvent.objects.filter(status=GatewayEvent.Status.PROCESSED).count() == 2
