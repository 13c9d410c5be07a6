"""Payments recorded by staff (bank transfers) and refunds: a bank-transfer refund is recorded
at once, an online one is sent to Stripe after commit and settled by `refund_settle`."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.audit.services import Actor, audit_record, diff, snapshot
from core.clock import cluster_today
from core.queue import enqueue_on_commit
from core.ru.money import format_roubles

from ..models import CURRENCY, Invoice, Payment, Refund
from .common import apply_money, locked, scoped


def payment_record_manual(
    *, actor: Actor, invoice: Invoice, amount_kopecks: int, order_number: str, order_date: dt.date
) -> Payment:
    """Record a bank transfer (payment order number and date); partial payments allowed."""
    actor = scoped(actor, invoice.cluster)
    order_number = (order_number or "").strip()
    errors: dict[str, list[str]] = {}
    if not order_number:
        errors["order_number"] = ["Укажите номер платёжного поручения."]
    if order_date is None:
        errors["order_date"] = ["Укажите дату платёжного поручения."]
    elif order_date > cluster_today(invoice.cluster):
        errors["order_date"] = ["Дата платёжного поручения не может быть в будущем."]
    if amount_kopecks is None or amount_kopecks <= 0:
        errors["amount_kopecks"] = ["Сумма платежа должна быть больше нуля."]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        invoice = locked(invoice)
        if invoice.status not in Invoice.PAYABLE:
            raise ValidationError(f"Счёт в статусе «{invoice.get_status_display()}» не принимает платежи.")
        if amount_kopecks > invoice.outstanding_kopecks:
            raise ValidationError(
                {
                    "amount_kopecks": [
                        f"Сумма больше остатка по счёту ({format_roubles(invoice.outstanding_kopecks)} ₽)."
                    ]
                }
            )
        if invoice.payments.filter(
            method=Payment.Method.MANUAL,
            order_number=order_number,
            order_date=order_date,
            status=Payment.Status.SUCCEEDED,
        ).exists():
            raise ValidationError(
                {"order_number": ["Платёжное поручение с таким номером и датой уже учтено."]}
            )
        payment = Payment.objects.create(
            cluster=invoice.cluster,
            invoice=invoice,
            method=Payment.Method.MANUAL,
            status=Payment.Status.SUCCEEDED,
            amount_kopecks=amount_kopecks,
            currency=CURRENCY,
            order_number=order_number,
            order_date=order_date,
            recorded_by=actor.user,
            succeeded_at=timezone.now(),
        )
        audit_record(
            actor=actor,
            action="billing.payment_manual",
            obj=payment,
            changes=diff(
                {},
                snapshot(
                    payment, ["invoice", "method", "amount_kopecks", "order_number", "order_date", "status"]
                ),
            ),
        )
        apply_money(invoice=invoice, delta_kopecks=amount_kopecks, actor=actor, action="billing.invoice_paid")
    return payment


def payment_refund(*, actor: Actor, payment: Payment, amount_kopecks: int, reason: str) -> Refund:
    """Give money back on a succeeded payment. A bank-transfer refund is recorded at once; an
    online one is sent to its gateway after commit (idempotency key per refund) and settles when
    the gateway says it succeeded (Stripe's answer; YooKassa's answer or refund.succeeded)."""
    actor = scoped(actor, payment.cluster)
    reason = (reason or "").strip()
    errors: dict[str, list[str]] = {}
    if not reason:
        errors["reason"] = ["Укажите причину возврата."]
    if amount_kopecks is None or amount_kopecks <= 0:
        errors["amount_kopecks"] = ["Сумма возврата должна быть больше нуля."]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        invoice = locked(payment.invoice)
        payment = Payment.objects.select_for_update().get(pk=payment.pk, cluster_id=invoice.cluster_id)
        if payment.status != Payment.Status.SUCCEEDED:
            raise ValidationError("Вернуть можно только проведённый платёж.")
        pending = sum(r.amount_kopecks for r in payment.refunds.filter(status=Refund.Status.PENDING))
        available = payment.amount_kopecks - payment.refunded_kopecks - pending
        if amount_kopecks > available:
            raise ValidationError(
                {"amount_kopecks": [f"Можно вернуть не больше {format_roubles(max(available, 0))} ₽."]}
            )
        online = payment.method == Payment.Method.ONLINE and bool(payment.gateway_payment_id)
        refund = Refund.objects.create(
            cluster=invoice.cluster,
            payment=payment,
            amount_kopecks=amount_kopecks,
            reason=reason,
            status=Refund.Status.PENDING if online else Refund.Status.SUCCEEDED,
            created_by=actor.user,
        )
        audit_record(
            actor=actor,
            action="billing.refund",
            obj=refund,
            changes=diff({}, snapshot(refund, ["payment", "amount_kopecks", "reason", "status"])),
        )
        if online:
            enqueue_on_commit("billing.refund_submit", refund.pk)
        else:
            _refund_apply(refund=refund, payment=payment, invoice=invoice, actor=actor)
    return refund


def chargeback_book(*, payment: Payment, dispute_id: str, amount_kopecks: int, actor: Actor) -> Refund | None:
    """A lost dispute: the bank took the money back. Booked like a refund (the payment's refunded
    sum and the invoice's paid sum go down, so the invoice is owed again); once per dispute."""
    reason = f"Спор (chargeback) {dispute_id} проигран: банк вернул деньги плательщику."
    with transaction.atomic():
        invoice = locked(payment.invoice)
        payment = Payment.objects.select_for_update().get(pk=payment.pk, cluster_id=invoice.cluster_id)
        if payment.refunds.filter(reason=reason).exists():
            return None
        amount = min(amount_kopecks, payment.amount_kopecks - payment.refunded_kopecks)
        if amount <= 0:
            return None
        refund = Refund.objects.create(
            cluster=invoice.cluster,
            payment=payment,
            amount_kopecks=amount,
            reason=reason,
            status=Refund.Status.SUCCEEDED,
        )
        audit_record(
            actor=actor,
            action="billing.chargeback",
            obj=refund,
            changes=diff({}, snapshot(refund, ["payment", "amount_kopecks", "reason", "status"])),
        )
        _refund_apply(refund=refund, payment=payment, invoice=invoice, actor=actor)
    return refund


def _refund_apply(*, refund: Refund, payment: Payment, invoice: Invoice, actor: Actor) -> None:
    """Money of a succeeded refund leaves the payment and the invoice (both locked by the caller)."""
    before = snapshot(payment, ["refunded_kopecks"])
    payment.refunded_kopecks += refund.amount_kopecks
    payment.save(update_fields=["refunded_kopecks", "updated_at"])
    audit_record(
        actor=actor,
        action="billing.payment_refunded",
        obj=payment,
        changes=diff(before, snapshot(payment, ["refunded_kopecks"])),
    )
    apply_money(
        invoice=invoice, delta_kopecks=-refund.amount_kopecks, actor=actor, action="billing.invoice_refund"
    )


def refund_settle(
    *,
    refund_id: int,
    stripe_refund_id: str = "",
    succeeded: bool,
    message: str = "",
    yookassa_refund_id: str = "",
) -> Refund:
    """Record the gateway's answer to a refund (system actor; idempotent: a settled refund stays)."""
    with transaction.atomic():
        refund = Refund.objects.select_related("payment__invoice__cluster").get(pk=refund_id)
        invoice = locked(refund.payment.invoice)
        refund = Refund.objects.select_for_update().get(pk=refund_id, cluster_id=invoice.cluster_id)
        if refund.status != Refund.Status.PENDING:
            return refund
        actor = Actor.system(invoice.cluster)
        fields = ["status", "stripe_refund_id", "yookassa_refund_id"]
        before = snapshot(refund, fields)
        refund.status = Refund.Status.SUCCEEDED if succeeded else Refund.Status.FAILED
        refund.stripe_refund_id = stripe_refund_id or refund.stripe_refund_id or None
        refund.yookassa_refund_id = yookassa_refund_id or refund.yookassa_refund_id or None
        refund.save(update_fields=fields)
        changes = diff(before, snapshot(refund, fields))
        if message:
            changes["message"] = [None, message]
        audit_record(actor=actor, action="billing.refund_settle", obj=refund, changes=changes)
        if succeeded:
            payment = Payment.objects.select_for_update().get(pk=refund.payment_id)
            _refund_apply(refund=refund, payment=payment, invoice=invoice, actor=actor)
    return refund


def refund_note_gateway_id(
    *, refund_id: int, yookassa_refund_id: str = "", stripe_refund_id: str = ""
) -> None:
    """Remember the gateway's id of a refund that is still pending there (its notification or
    webhook, or the next retry with the same idempotence key, settles it)."""
    field, value = (
        ("stripe_refund_id", stripe_refund_id)
        if stripe_refund_id
        else ("yookassa_refund_id", yookassa_refund_id)
    )
    with transaction.atomic():
        refund = Refund.objects.select_for_update().get(pk=refund_id)
        if refund.status == Refund.Status.PENDING and getattr(refund, field) != value:
            before = snapshot(refund, [field])
            setattr(refund, field, value)
            refund.save(update_fields=[field])
            audit_record(
                actor=Actor.system(refund.cluster),
                action="billing.refund_submitted",
                obj=refund,
                changes=diff(before, snapshot(refund, [field])),
            )
