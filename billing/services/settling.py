"""Settling what Stripe reports about a PaymentIntent (webhook events and reconciliation):
forward-only statuses, amount and currency checked, alerts for what does not match."""

from __future__ import annotations

import dataclasses
from typing import Any

from django.utils import timezone

from core.audit.services import Actor, audit_record, diff, snapshot
from core.queue import enqueue_on_commit
from core.ru.money import format_roubles
from tenants.models import Cluster

from ..models import BillingAlert, GatewayEvent, Invoice, Payment
from .common import Status, apply_money, locked

INTENT_STATUSES = {
    "succeeded": Payment.Status.SUCCEEDED,
    "processing": Payment.Status.PROCESSING,
    "canceled": Payment.Status.CANCELED,
}


def _intent_status(intent: dict[str, Any]) -> str | None:
    status = str(intent.get("status") or "")
    if status in INTENT_STATUSES:
        return INTENT_STATUSES[status]
    if status == "requires_payment_method" and intent.get("last_payment_error"):
        return Payment.Status.FAILED
    return None


def _alert(*, cluster: Cluster, kind: str, message: str, invoice: Invoice | None, intent_id: str,
           event: GatewayEvent | None, expected: int | None = None, received: int | None = None,
           expected_currency: str = "", received_currency: str = "") -> BillingAlert:
    alert, created = BillingAlert.objects.get_or_create(
        cluster=cluster, kind=kind, payment_intent_id=intent_id,
        defaults={"invoice": invoice, "event": event, "message": message, "expected_kopecks": expected,
                  "received_kopecks": received, "expected_currency": expected_currency,
                  "received_currency": received_currency},
    )
    if created:
        audit_record(actor=Actor.system(cluster), action="billing.alert", obj=alert,
                     changes={"kind": [None, kind], "message": [None, message]})
        enqueue_on_commit("billing.alert_notify", alert.pk)
    return alert


def intent_apply(*, cluster: Cluster, intent: dict[str, Any], actor: Actor,
                 event: GatewayEvent | None = None) -> str:
    """Apply what Stripe says about a PaymentIntent of `cluster`; call inside a transaction.

    Only this cluster's payments are looked at. A status never moves back (a late
    payment_failed after succeeded is ignored). A success whose amount or currency differs from
    the payment asked for is recorded as an alert (staff get an e-mail) and pays nothing.
    Returns what happened: paid, mismatch, stale, ignored, unknown or the new payment status."""
    intent_id = str(intent.get("id") or "")
    metadata = intent.get("metadata") or {}
    payment = (Payment.objects.filter(cluster=cluster, stripe_payment_intent_id=intent_id)
               .select_related("invoice").first()) if intent_id else None
    if payment is None:
        if metadata.get("cluster") == cluster.schema_name and intent.get("status") == "succeeded":
            _alert(cluster=cluster, kind=BillingAlert.Kind.UNKNOWN_INVOICE, invoice=None, intent_id=intent_id,
                   event=event, received=intent.get("amount"), received_currency=str(intent.get("currency", "")),
                   message=f"Поступил платёж {intent_id}, которого нет среди платежей по счетам кластера.")
            return "unknown"
        return "ignored"  # another cluster's (or another system's) PaymentIntent
    new_status = _intent_status(intent)
    if new_status is None:
        return "ignored"
    invoice = locked(payment.invoice)
    payment = Payment.objects.select_for_update().get(pk=payment.pk, cluster=cluster)
    if Payment.RANK[new_status] <= Payment.RANK[payment.status]:  # type: ignore[index]
        return "stale"
    actor = dataclasses.replace(actor, cluster=cluster)
    before = snapshot(payment, ["status", "failure_message", "succeeded_at"])
    if new_status != Payment.Status.SUCCEEDED:
        payment.status = new_status
        error = intent.get("last_payment_error") or {}
        payment.failure_message = str(error.get("message") or "")[:500] if new_status == Payment.Status.FAILED else ""
        payment.save(update_fields=["status", "failure_message", "updated_at"])
        audit_record(actor=actor, action=f"billing.payment_{new_status}", obj=payment,
                     changes=diff(before, snapshot(payment, ["status", "failure_message", "succeeded_at"])))
        return new_status
    received = intent.get("amount_received")
    received = int(received if received not in (None, 0) else intent.get("amount") or 0)
    currency = str(intent.get("currency") or "").upper()
    if currency != payment.currency:
        payment.failure_message = f"Валюта платежа {currency or '—'} вместо {payment.currency}; счёт не оплачен."
        payment.save(update_fields=["failure_message", "updated_at"])
        _alert(cluster=cluster, kind=BillingAlert.Kind.CURRENCY_MISMATCH, invoice=invoice, intent_id=intent_id,
               event=event, expected=payment.amount_kopecks, received=received,
               expected_currency=payment.currency, received_currency=currency,
               message=f"Счёт № {invoice.number}: платёж {intent_id} пришёл в валюте {currency or '—'}, "
                       f"ожидалась {payment.currency}. Счёт не отмечен оплаченным.")
        return "mismatch"
    if received != payment.amount_kopecks:
        payment.failure_message = (f"Получено {format_roubles(received)} ₽ вместо "
                                   f"{format_roubles(payment.amount_kopecks)} ₽; счёт не оплачен.")
        payment.save(update_fields=["failure_message", "updated_at"])
        _alert(cluster=cluster, kind=BillingAlert.Kind.AMOUNT_MISMATCH, invoice=invoice, intent_id=intent_id,
               event=event, expected=payment.amount_kopecks, received=received,
               expected_currency=payment.currency, received_currency=currency,
               message=f"Счёт № {invoice.number}: по платежу {intent_id} получено {format_roubles(received)} ₽, "
                       f"ожидалось {format_roubles(payment.amount_kopecks)} ₽. Счёт не отмечен оплаченным.")
        return "mismatch"
    payment.status = Payment.Status.SUCCEEDED
    payment.succeeded_at = timezone.now()
    payment.failure_message = ""
    payment.save(update_fields=["status", "succeeded_at", "failure_message", "updated_at"])
    audit_record(actor=actor, action="billing.payment_succeeded", obj=payment,
                 changes=diff(before, snapshot(payment, ["status", "failure_message", "succeeded_at"])))
    if invoice.status == Status.VOID or received > invoice.outstanding_kopecks:
        _alert(cluster=cluster, kind=BillingAlert.Kind.AMOUNT_MISMATCH, invoice=invoice, intent_id=intent_id,
               event=event, expected=invoice.outstanding_kopecks, received=received,
               expected_currency=invoice.currency, received_currency=currency,
               message=f"Счёт № {invoice.number}: поступило {format_roubles(received)} ₽ при остатке "
                       f"{format_roubles(invoice.outstanding_kopecks)} ₽ (счёт «{invoice.get_status_display()}»). "
                       "Проверьте и при необходимости оформите возврат.")
    if invoice.status != Status.VOID:
        apply_money(invoice=invoice, delta_kopecks=received, actor=actor, action="billing.invoice_paid")
    return "paid"
