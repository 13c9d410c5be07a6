"""Finding 9: the signature's timestamp is checked both ways; refunds Stripe answers «pending»
are not booked as money back; refund and dispute (chargeback) events reach the ledger."""

from __future__ import annotations

import json
import time
from types import SimpleNamespace
from typing import Any

import pytest
from pytest_django import DjangoCaptureOnCommitCallbacks

from billing import reconcile
from billing.models import BillingAlert, GatewayEvent, Invoice, Payee, Payment, Refund
from billing.services import payment_refund
from core.audit.models import AuditEntry
from core.audit.services import Actor
from tenants.models import Cluster

from .conftest import deliver, intent_event, intent_for, issue, post_webhook, sign, webhook_secret

pytestmark = pytest.mark.django_db
Status = Invoice.Status


@pytest.fixture
def paid(cluster_a: Cluster, payee_a: Payee) -> Payment:
    invoice = issue(cluster_a, amount=1_000_000)
    Payment.objects.create(
        cluster=cluster_a,
        invoice=invoice,
        method=Payment.Method.ONLINE,
        amount_kopecks=1_000_000,
        stripe_payment_intent_id="pi_paid_1",
    )
    assert deliver(cluster_a, intent_event(intent_for(invoice, "pi_paid_1"))).json()["detail"] == "processed"
    return Payment.objects.get(stripe_payment_intent_id="pi_paid_1")


def _invoice(payment: Payment) -> tuple[str, int]:
    invoice = Invoice.objects.get(pk=payment.invoice_id)
    return invoice.status, invoice.paid_kopecks


@pytest.mark.parametrize("skew", [3600, 301])
def test_a_signature_from_the_future_is_refused(cluster_a: Cluster, payee_a: Payee, skew: int) -> None:
    invoice = issue(cluster_a, amount=1_000_000)
    Payment.objects.create(
        cluster=cluster_a,
        invoice=invoice,
        method=Payment.Method.ONLINE,
        amount_kopecks=1_000_000,
        stripe_payment_intent_id="pi_future",
    )
    body = json.dumps(intent_event(intent_for(invoice, "pi_future"))).encode()

    response = post_webhook(cluster_a, body, sign(body, webhook_secret(cluster_a), int(time.time()) + skew))

    assert response.status_code == 400 and response.json()["detail"] == "Подпись не прошла проверку."
    assert GatewayEvent.objects.count() == 0
    invoice.refresh_from_db()
    assert (invoice.status, invoice.paid_kopecks) == (Status.OPEN, 0)


def test_a_refund_stripe_answers_pending_is_not_money_back_until_its_event(
    paid: Payment,
    cluster_a: Cluster,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    def pending_refund(fn: Any, *args: Any, **kwargs: Any) -> Any:
        return SimpleNamespace(id="re_pending_1", status="pending")

    monkeypatch.setattr(reconcile.gateway, "call", pending_refund)
    monkeypatch.setattr(
        reconcile.gateway,
        "client_for",
        lambda payee: SimpleNamespace(v1=SimpleNamespace(refunds=SimpleNamespace(create=None))),
    )
    with django_capture_on_commit_callbacks(execute=True):
        refund = payment_refund(
            actor=Actor.system(cluster_a), payment=paid, amount_kopecks=400_000, reason="Ошибочная оплата"
        )
    refund.refresh_from_db()
    assert (refund.status, refund.stripe_refund_id) == (Refund.Status.PENDING, "re_pending_1")
    assert _invoice(paid) == (Status.PAID, 1_000_000)

    still = {
        "id": "re_pending_1",
        "object": "refund",
        "status": "pending",
        "amount": 400_000,
        "payment_intent": "pi_paid_1",
        "metadata": {"refund_id": str(refund.pk)},
    }
    assert deliver(cluster_a, intent_event(still, kind="refund.updated")).status_code == 200
    refund.refresh_from_db()
    assert refund.status == Refund.Status.PENDING and _invoice(paid) == (Status.PAID, 1_000_000)

    done = deliver(cluster_a, intent_event({**still, "status": "succeeded"}, kind="refund.updated"))
    assert done.json()["detail"] == "processed"
    refund.refresh_from_db()
    assert refund.status == Refund.Status.SUCCEEDED
    assert _invoice(paid) == (Status.PARTIALLY_PAID, 600_000)


def test_a_failed_refund_event_leaves_the_money_where_it_is(paid: Payment, cluster_a: Cluster) -> None:
    refund = Refund.objects.create(
        cluster=cluster_a,
        payment=paid,
        amount_kopecks=300_000,
        reason="x",
        status=Refund.Status.PENDING,
        stripe_refund_id="re_failing",
    )
    event = {
        "id": "re_failing",
        "object": "refund",
        "status": "failed",
        "amount": 300_000,
        "payment_intent": "pi_paid_1",
        "failure_reason": "expired_or_canceled_card",
    }
    assert deliver(cluster_a, intent_event(event, kind="refund.failed")).json()["detail"] == "processed"
    refund.refresh_from_db()
    assert refund.status == Refund.Status.FAILED and _invoice(paid) == (Status.PAID, 1_000_000)


def test_another_clusters_refund_event_changes_nothing(
    paid: Payment, cluster_a: Cluster, cluster_b: Cluster, payee_b: Payee
) -> None:
    refund = Refund.objects.create(
        cluster=cluster_a,
        payment=paid,
        amount_kopecks=300_000,
        reason="x",
        status=Refund.Status.PENDING,
        stripe_refund_id="re_alpha",
    )
    event = {
        "id": "re_alpha",
        "object": "refund",
        "status": "succeeded",
        "amount": 300_000,
        "payment_intent": "pi_paid_1",
    }
    assert deliver(cluster_b, intent_event(event, kind="refund.updated")).json()["detail"] == "ignored"
    refund.refresh_from_db()
    assert refund.status == Refund.Status.PENDING and _invoice(paid) == (Status.PAID, 1_000_000)


def test_a_chargeback_alerts_staff_and_a_lost_one_reopens_the_invoice(
    paid: Payment,
    cluster_a: Cluster,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    dispute = {
        "id": "dp_1",
        "object": "dispute",
        "amount": 1_000_000,
        "currency": "rub",
        "charge": "ch_1",
        "payment_intent": "pi_paid_1",
        "reason": "fraudulent",
        "status": "needs_response",
    }

    opened = deliver(cluster_a, intent_event(dispute, kind="charge.dispute.created"))

    assert opened.json()["detail"] == "processed"
    alert = BillingAlert.objects.get(cluster=cluster_a, kind=BillingAlert.Kind.DISPUTE)
    assert "оспорил платёж pi_paid_1" in alert.message and alert.invoice_id == paid.invoice_id
    assert _invoice(paid) == (Status.PAID, 1_000_000)  # still paid while the dispute runs

    lost = intent_event({**dispute, "status": "lost"}, kind="charge.dispute.closed")
    assert deliver(cluster_a, lost).json()["detail"] == "processed"
    assert deliver(cluster_a, lost).json()["detail"] == "duplicate"

    assert _invoice(paid) == (Status.OPEN, 0)
    paid.refresh_from_db()
    assert paid.refunded_kopecks == 1_000_000
    assert Refund.objects.filter(payment=paid, reason__contains="dp_1").count() == 1
    statuses = [
        e.changes["dispute_status"][1]
        for e in AuditEntry.objects.filter(cluster=cluster_a, action="billing.payment_disputed").order_by(
            "pk"
        )
    ]
    assert statuses == ["требуется ответ", "проигран"]


def test_a_won_dispute_keeps_the_invoice_paid(paid: Payment, cluster_a: Cluster) -> None:
    dispute = {
        "id": "dp_2",
        "object": "dispute",
        "amount": 1_000_000,
        "currency": "rub",
        "payment_intent": "pi_paid_1",
        "reason": "general",
        "status": "won",
    }
    assert (
        deliver(cluster_a, intent_event(dispute, kind="charge.dispute.closed")).json()["detail"]
        == "processed"
    )
    assert _invoice(paid) == (Status.PAID, 1_000_000)
    assert BillingAlert.objects.filter(kind=BillingAlert.Kind.DISPUTE).count() == 1
