"""Settling what a gateway reports about a payment (notifications, webhook events and
reconciliation): forward-only statuses, amount and currency checked, alerts for what does not
match — the same rules for Stripe PaymentIntents and YooKassa payments."""

from __future__ import annotations

import dataclasses
import functools
from typing import Any

from django.db import connection
from django.db.models import Model
from django.utils import timezone

from core.audit.services import Actor, audit_entry, audit_record, diff, saved_with_audit, snapshot
from core.queue import enqueue_on_commit
from core.ru.money import format_roubles
from tenants.models import Cluster

from ..gateways.base import GatewayPayment, GatewayRefund
from ..gateways.stripe import intent_state, refund_status
from ..models import BillingAlert, GatewayEvent, Invoice, Payee, Payment, Refund
from .common import Status, apply_money, locked

INTENT_STATUSES = {
    "succeeded": Payment.Status.SUCCEEDED,
    "processing": Payment.Status.PROCESSING,
    "canceled": Payment.Status.CANCELED,
}


def _alert(
    *,
    cluster: Cluster,
    kind: str,
    message: str,
    invoice: Invoice | None,
    intent_id: str,
    event: GatewayEvent | None,
    expected: int | None = None,
    received: int | None = None,
    expected_currency: str = "",
    received_currency: str = "",
) -> BillingAlert:
    alert, created = BillingAlert.objects.get_or_create(
        cluster=cluster,
        kind=kind,
        payment_intent_id=intent_id,
        defaults={
            "invoice": invoice,
            "event": event,
            "message": message,
            "expected_kopecks": expected,
            "received_kopecks": received,
            "expected_currency": expected_currency,
            "received_currency": received_currency,
        },
    )
    if created:
        audit_record(
            actor=Actor.system(cluster),
            action="billing.alert",
            obj=alert,
            changes={"kind": [None, kind], "message": [None, message]},
        )
        enqueue_on_commit("billing.alert_notify", alert.pk)
    return alert


def intent_apply(
    *, cluster: Cluster, intent: dict[str, Any], actor: Actor, event: GatewayEvent | None = None
) -> str:
    """Apply what Stripe says about a PaymentIntent of `cluster`; call inside a transaction.

    Only this cluster's payments are looked at. A status never moves back (a late
    payment_failed after succeeded is ignored). A success whose amount or currency differs from
    the payment asked for is recorded as an alert (staff get an e-mail) and pays nothing.
    Returns what happened: paid, mismatch, stale, ignored, unknown or the new payment status."""
    state = intent_state(intent)
    if not state.id:
        return _unknown(cluster=cluster, state=state, event=event)
    if state.status is None:
        return "ignored"
    invoice, payment = _locked_pair(cluster, "stripe_payment_intent_id", state.id)
    if invoice is None or payment is None:
        return _unknown(cluster=cluster, state=state, event=event)
    return _settle(cluster=cluster, invoice=invoice, payment=payment, state=state, actor=actor, event=event)


# The payment's column a gateway names it by (never user input: interpolated into SQL below).
PAYMENT_ID_COLUMNS = frozenset({"stripe_payment_intent_id", "yookassa_payment_id"})


def _locked_pair(cluster: Cluster, column: str, payment_id: str) -> tuple[Invoice | None, Payment | None]:
    """The invoice of the cluster's payment whose `column` is `payment_id`, and that payment, both
    locked in ONE statement (FOR UPDATE OF invoice, payment: PostgreSQL takes the row locks in
    that order, the order every writer locks them, invoice first). A row changed by a concurrent
    transaction is re-read once its lock is granted (READ COMMITTED re-check), so the payment's
    status is the latest. Plain SQL (no ORDER BY, no join of the cluster): compiling ORM queries
    cost a third of a webhook's CPU; one statement instead of two saves a round trip."""
    if column not in PAYMENT_ID_COLUMNS:
        raise ValueError(column)
    sql, invoice_names, payment_names = _locked_pair_sql(column)
    with connection.cursor() as cursor:
        cursor.execute(sql, [cluster.pk, payment_id, cluster.pk])
        row = cursor.fetchone()
    if row is None:
        return None, None
    split = len(invoice_names)
    invoice = Invoice.from_db(connection.alias, invoice_names, row[:split])
    payment = Payment.from_db(connection.alias, payment_names, row[split:])
    invoice.cluster = cluster
    payment.cluster = cluster
    payment.invoice = invoice
    return invoice, payment


@functools.cache
def _locked_pair_sql(column: str) -> tuple[str, list[str], list[str]]:
    """The statement of `_locked_pair` for a payment id column and the attnames it returns."""

    def quote(name: str | None) -> str:
        return str(connection.ops.quote_name(str(name)))

    invoice_fields, payment_fields = Invoice._meta.concrete_fields, Payment._meta.concrete_fields
    columns = [f"i.{quote(f.column)}" for f in invoice_fields] + [
        f"p.{quote(f.column)}" for f in payment_fields
    ]
    sql = (
        f"SELECT {', '.join(columns)} FROM {quote(Invoice._meta.db_table)} i "  # noqa: S608 - names are ours
        f"JOIN {quote(Payment._meta.db_table)} p ON p.invoice_id = i.id "
        f"WHERE p.cluster_id = %s AND p.{quote(column)} = %s AND i.cluster_id = %s "
        "FOR UPDATE OF i, p"
    )
    return sql, [f.attname for f in invoice_fields], [f.attname for f in payment_fields]


def _unknown(*, cluster: Cluster, state: GatewayPayment, event: GatewayEvent | None) -> str:
    """A payment the gateway reports that none of our invoices asked for."""
    if state.metadata.get("cluster") == cluster.schema_name and state.status == Payment.Status.SUCCEEDED:
        _alert(
            cluster=cluster,
            kind=BillingAlert.Kind.UNKNOWN_INVOICE,
            invoice=None,
            intent_id=state.id,
            event=event,
            received=state.amount_kopecks,
            received_currency=state.currency,
            message=f"Поступил платёж {state.id}, которого нет среди платежей по счетам кластера.",
        )
        return "unknown"
    return "ignored"  # another cluster's (or another system's) payment


def yookassa_payment_apply(
    *,
    cluster: Cluster,
    state: GatewayPayment,
    actor: Actor,
    event: GatewayEvent | None = None,
    payee: Payee | None = None,
) -> str:
    """Apply a YooKassa payment as the API reported it with the payee's credentials (never a
    notification's body); call inside a transaction. The payment must belong to the payee's shop
    and carry this cluster and the invoice of our payment row in its metadata; then the same
    forward-only, amount- and currency-checked rules as Stripe apply. `payee`: the cluster's
    payee when the caller has read it already (a notification), else it is read here."""
    if payee is None or payee.cluster_id != cluster.pk:
        payee = Payee.objects.filter(cluster=cluster).first()
    if payee is None or not state.id or state.account_id != payee.yookassa_shop_id:
        return "ignored"  # not this payee's shop
    if state.metadata.get("cluster") != cluster.schema_name:
        return "ignored"  # another cluster's payment in a shared shop
    if state.status is None:
        return "ignored"
    invoice, payment = _locked_pair(cluster, "yookassa_payment_id", state.id)
    if invoice is None or payment is None:
        return _unknown(cluster=cluster, state=state, event=event)
    if state.metadata.get("invoice_id") != str(payment.invoice_id):
        return "ignored"  # metadata names another invoice than the one this payment was made for
    return _settle(cluster=cluster, invoice=invoice, payment=payment, state=state, actor=actor, event=event)


def payment_state_apply(
    *,
    cluster: Cluster,
    payment: Payment,
    state: GatewayPayment,
    actor: Actor,
    event: GatewayEvent | None = None,
) -> str:
    """The rules every gateway shares: forward-only statuses; a success pays the invoice only when
    amount and currency are the ones asked for (else an alert, e-mailed to staff)."""
    if state.status is None:
        return "ignored"
    invoice = locked(payment.invoice)
    payment = Payment.objects.select_for_update().get(pk=payment.pk, cluster=cluster)
    return _settle(cluster=cluster, invoice=invoice, payment=payment, state=state, actor=actor, event=event)


def _settle(
    *,
    cluster: Cluster,
    invoice: Invoice,
    payment: Payment,
    state: GatewayPayment,
    actor: Actor,
    event: GatewayEvent | None,
) -> str:
    """`payment_state_apply` on the invoice and payment locked (in that order) by the caller."""
    intent_id = state.id
    new_status = state.status
    if new_status is None:
        return "ignored"
    if Payment.RANK[new_status] <= Payment.RANK[payment.status]:  # type: ignore[index]
        return "stale"
    actor = dataclasses.replace(actor, cluster=cluster)
    before = snapshot(payment, ["status", "failure_message", "succeeded_at"])
    if new_status != Payment.Status.SUCCEEDED:
        payment.status = new_status
        payment.failure_message = (
            state.failure_message[:500]
            if new_status in {Payment.Status.FAILED, Payment.Status.CANCELED}
            else ""
        )
        payment.save(update_fields=["status", "failure_message", "updated_at"])
        audit_record(
            actor=actor,
            action=f"billing.payment_{new_status}",
            obj=payment,
            changes=diff(before, snapshot(payment, ["status", "failure_message", "succeeded_at"])),
        )
        return new_status
    received = state.amount_kopecks
    currency = state.currency
    if currency != payment.currency:
        payment.failure_message = (
            f"Валюта платежа {currency or '—'} вместо {payment.currency}; счёт не оплачен."
        )
        payment.save(update_fields=["failure_message", "updated_at"])
        _alert(
            cluster=cluster,
            kind=BillingAlert.Kind.CURRENCY_MISMATCH,
            invoice=invoice,
            intent_id=intent_id,
            event=event,
            expected=payment.amount_kopecks,
            received=received,
            expected_currency=payment.currency,
            received_currency=currency,
            message=f"Счёт № {invoice.number}: платёж {intent_id} пришёл в валюте {currency or '—'}, "
            f"ожидалась {payment.currency}. Счёт не отмечен оплаченным.",
        )
        return "mismatch"
    if received != payment.amount_kopecks:
        payment.failure_message = (
            f"Получено {format_roubles(received)} ₽ вместо "
            f"{format_roubles(payment.amount_kopecks)} ₽; счёт не оплачен."
        )
        payment.save(update_fields=["failure_message", "updated_at"])
        _alert(
            cluster=cluster,
            kind=BillingAlert.Kind.AMOUNT_MISMATCH,
            invoice=invoice,
            intent_id=intent_id,
            event=event,
            expected=payment.amount_kopecks,
            received=received,
            expected_currency=payment.currency,
            received_currency=currency,
            message=f"Счёт № {invoice.number}: по платежу {intent_id} получено {format_roubles(received)} ₽, "
            f"ожидалось {format_roubles(payment.amount_kopecks)} ₽. Счёт не отмечен оплаченным.",
        )
        return "mismatch"
    payment.status = Payment.Status.SUCCEEDED
    payment.succeeded_at = timezone.now()
    payment.failure_message = ""
    # The payment's and the invoice's rows and their audit rows: written in one statement at the end.
    saves: list[tuple[Model, list[str]]] = [
        (payment, ["status", "succeeded_at", "failure_message", "updated_at"])
    ]
    audit = [
        audit_entry(
            actor=actor,
            action="billing.payment_succeeded",
            obj=payment,
            changes=diff(before, snapshot(payment, ["status", "failure_message", "succeeded_at"])),
        )
    ]
    if invoice.status == Status.VOID or received > invoice.outstanding_kopecks:
        _alert(
            cluster=cluster,
            kind=BillingAlert.Kind.AMOUNT_MISMATCH,
            invoice=invoice,
            intent_id=intent_id,
            event=event,
            expected=invoice.outstanding_kopecks,
            received=received,
            expected_currency=invoice.currency,
            received_currency=currency,
            message=f"Счёт № {invoice.number}: поступило {format_roubles(received)} ₽ при остатке "
            f"{format_roubles(invoice.outstanding_kopecks)} ₽ (счёт «{invoice.get_status_display()}»). "
            "Проверьте и при необходимости оформите возврат.",
        )
    if invoice.status != Status.VOID:
        apply_money(
            invoice=invoice,
            delta_kopecks=received,
            actor=actor,
            action="billing.invoice_paid",
            audit=audit,
            saves=saves,
        )
    saved_with_audit(saves, audit)  # one round trip for the three (or two) writes
    return "paid"


def yookassa_refund_apply(*, cluster: Cluster, state: GatewayRefund) -> str:
    """Settle our refund from what YooKassa reports about it (re-read with the payee's
    credentials): only a refund of this cluster, of the payment it was made for, for its amount."""
    from .payments import refund_settle

    refund = (
        (
            Refund.objects.filter(cluster=cluster, yookassa_refund_id=state.id)
            .select_related("payment")
            .first()
        )
        if state.id
        else None
    )
    if refund is None:
        return "unknown"
    if (
        state.payment_id != refund.payment.yookassa_payment_id
        or state.amount_kopecks != refund.amount_kopecks
        or state.currency != refund.payment.currency
    ):
        return "ignored"
    if refund.status != Refund.Status.PENDING:
        return "stale"
    if state.status == "succeeded":
        refund_settle(refund_id=refund.pk, succeeded=True, yookassa_refund_id=state.id)
        return "refunded"
    if state.status == "canceled":
        refund_settle(
            refund_id=refund.pk,
            succeeded=False,
            yookassa_refund_id=state.id,
            message="ЮKassa отклонила возврат.",
        )
        return "refund_failed"
    return "ignored"


def stripe_refund_apply(*, cluster: Cluster, refund: dict[str, Any]) -> str:
    """Settle our refund from a signed Stripe refund event: only a refund of this cluster, of the
    payment it was made for, for its amount. «pending» stays pending (it is not money back yet)."""
    from .payments import refund_note_gateway_id, refund_settle

    refund_id = str(refund.get("id") or "")
    ours_pk = str((refund.get("metadata") or {}).get("refund_id") or "")
    rows = Refund.objects.filter(cluster=cluster).select_related("payment")
    ours = rows.filter(stripe_refund_id=refund_id).first() if refund_id else None
    if ours is None and ours_pk.isdigit():
        ours = rows.filter(pk=int(ours_pk), stripe_refund_id__isnull=True).first()
    if ours is None:
        return "unknown"
    if (
        str(refund.get("payment_intent") or "") != ours.payment.stripe_payment_intent_id
        or refund.get("amount") != ours.amount_kopecks
    ):
        return "ignored"
    if ours.status != Refund.Status.PENDING:
        return "stale"
    status = refund_status(refund.get("status"))
    if status == "succeeded":
        refund_settle(refund_id=ours.pk, succeeded=True, stripe_refund_id=refund_id)
        return "refunded"
    if status == "canceled":
        refund_settle(
            refund_id=ours.pk,
            succeeded=False,
            stripe_refund_id=refund_id,
            message=f"Stripe отклонил возврат ({refund.get('failure_reason') or refund.get('status')}).",
        )
        return "refund_failed"
    refund_note_gateway_id(refund_id=ours.pk, stripe_refund_id=refund_id)
    return "pending"


DISPUTE_STATUSES = {
    "warning_needs_response": "требуется ответ (предупреждение)",
    "warning_under_review": "на рассмотрении",
    "warning_closed": "закрыт",
    "needs_response": "требуется ответ",
    "under_review": "на рассмотрении банка",
    "won": "выигран",
    "lost": "проигран",
}


def stripe_dispute_apply(
    *, cluster: Cluster, dispute: dict[str, Any], actor: Actor, event: GatewayEvent | None = None
) -> str:
    """A chargeback on one of this cluster's card payments: staff get an alert (and an e-mail) on
    the first event, every event leaves an audit row on the payment, and a lost dispute is booked
    (the money the bank took back leaves the payment and the invoice is owed again)."""
    from .payments import chargeback_book

    intent_id = str(dispute.get("payment_intent") or "")
    payment = (
        (
            Payment.objects.filter(cluster=cluster, stripe_payment_intent_id=intent_id)
            .select_related("invoice")
            .first()
        )
        if intent_id
        else None
    )
    if payment is None:
        return "unknown"
    dispute_id = str(dispute.get("id") or "")[:100]
    status = str(dispute.get("status") or "")
    raw_amount = dispute.get("amount")
    amount = raw_amount if isinstance(raw_amount, int) else payment.amount_kopecks
    invoice = payment.invoice
    actor = dataclasses.replace(actor, cluster=cluster)
    _alert(
        cluster=cluster,
        kind=BillingAlert.Kind.DISPUTE,
        invoice=invoice,
        intent_id=intent_id,
        event=event,
        expected=payment.amount_kopecks,
        received=amount,
        expected_currency=payment.currency,
        received_currency=str(dispute.get("currency") or "").upper(),
        message=f"Счёт № {invoice.number}: плательщик оспорил платёж {intent_id} на {format_roubles(amount)} ₽ "
        f"(спор {dispute_id}, причина: {dispute.get('reason') or '—'}). Ответьте в кабинете Stripe.",
    )
    audit_record(
        actor=actor,
        action="billing.payment_disputed",
        obj=payment,
        changes={
            "dispute": [None, dispute_id],
            "dispute_status": [None, DISPUTE_STATUSES.get(status, status)],
            "amount_kopecks": [None, amount],
        },
    )
    if status == "lost":
        chargeback_book(payment=payment, dispute_id=dispute_id, amount_kopecks=amount, actor=actor)
        return "chargeback"
    return "disputed"
