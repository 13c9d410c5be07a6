"""Online payment through Stripe: who may pay an invoice, the PaymentIntent of its outstanding
amount (with a SetupIntent for the card Element) and the server-side confirmation. Nothing is
marked paid here: only the webhook or reconciliation does (billing.services.settling).

Stripe being unreachable is not a refusal of the member's request: `GatewayUnavailable` goes up
to the adapters, which answer it once (api/exceptions.py: 503 JSON; frontend/access.py: the
503 page). Other gateway refusals become a `ValidationError` with the gateway's Russian message.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from core.accounts.access import member_access
from core.audit.services import Actor, audit_record, diff, snapshot
from tenants.models import Cluster

from .. import gateway
from ..models import CURRENCY, Invoice, Payee, Payment
from .common import OTHER_CLUSTER, locked

logger = logging.getLogger("billing.services")

PAYERS_ONLY = "Оплатить счёт может только представитель организации-плательщика."

@dataclasses.dataclass(frozen=True)
class PaymentStart:
    """What the payment page needs: the Stripe.js key, a SetupIntent for the card Element and
    the PaymentIntent of this invoice's outstanding amount."""

    payment: Payment
    publishable_key: str
    payment_intent_id: str
    payment_client_secret: str
    setup_client_secret: str
    amount_kopecks: int


def may_pay(*, actor: Actor, invoice: Invoice) -> bool:
    """Whether the actor may pay the invoice online: a representative of the invoiced company
    (staff and admins record bank transfers instead); the system actor may."""
    if actor.cluster is not None and actor.cluster.pk != invoice.cluster_id:
        return False
    if actor.user is None:
        return True
    return invoice.company_id in member_access(user=actor.user, cluster=invoice.cluster).company_ids


def require_payer(*, actor: Actor, invoice: Invoice) -> Actor:
    """The actor, checked by `may_pay`, with the invoice's cluster set (audit rows carry it)."""
    if actor.cluster is not None and actor.cluster.pk != invoice.cluster_id:
        raise PermissionDenied(OTHER_CLUSTER)
    if not may_pay(actor=actor, invoice=invoice):
        raise PermissionDenied(PAYERS_ONLY)
    return dataclasses.replace(actor, cluster=invoice.cluster)


def _payee_for_online(cluster: Cluster) -> Payee:
    payee = Payee.objects.filter(cluster=cluster).first()
    if payee is None or not payee.online_payments_enabled:
        raise ValidationError(gateway.NOT_CONFIGURED)
    return payee


def _intent_metadata(invoice: Invoice) -> dict[str, str]:
    return {"cluster": invoice.cluster.schema_name, "invoice_id": str(invoice.pk),
            "invoice_number": invoice.number, "company_id": str(invoice.company_id)}


def payment_start(*, actor: Actor, invoice: Invoice) -> PaymentStart:
    """Create (or reuse) the PaymentIntent for the invoice's outstanding amount.

    The idempotency key is derived from the invoice, its outstanding amount and the number of
    earlier cancelled attempts, so a retried click never creates a second charge. The invoice
    row stays locked during the Stripe calls: two clicks at once wait for each other. When
    Stripe cannot be reached, nothing is written and the member gets a Russian message."""
    actor = require_payer(actor=actor, invoice=invoice)
    payee = _payee_for_online(invoice.cluster)
    try:
        client = gateway.client_for(payee)
        with transaction.atomic():
            invoice = locked(invoice)
            if not invoice.is_payable:
                raise ValidationError("Этот счёт не ждёт оплаты.")
            outstanding = invoice.outstanding_kopecks
            current = None
            for payment in invoice.payments.select_for_update().filter(
                    method=Payment.Method.ONLINE, status__in=[Payment.Status.PENDING, Payment.Status.FAILED]):
                if payment.amount_kopecks == outstanding and current is None:
                    current = payment
                else:  # an attempt for an amount that is no longer due
                    _payment_cancel_attempt(client=client, payment=payment, actor=actor)
            if invoice.payments.filter(method=Payment.Method.ONLINE, status=Payment.Status.PROCESSING).exists():
                raise ValidationError("Оплата по этому счёту уже обрабатывается банком. Обновите страницу позже.")
            intent: Any = None
            if current is not None:
                intent = gateway.call(client.v1.payment_intents.retrieve, current.stripe_payment_intent_id)
                if intent.status in {"succeeded", "processing"}:
                    raise ValidationError("Оплата по этому счёту уже обрабатывается банком. Обновите страницу позже.")
                if intent.status == "canceled":
                    _payment_cancel_attempt(client=None, payment=current, actor=actor)
                    current, intent = None, None
            if current is None:
                attempt = invoice.payments.filter(method=Payment.Method.ONLINE,
                                                  status=Payment.Status.CANCELED).count()
                key = f"clusterhub:{invoice.cluster.schema_name}:invoice:{invoice.pk}:{outstanding}:{attempt}"
                intent = gateway.call(
                    client.v1.payment_intents.create,
                    params={"amount": outstanding, "currency": CURRENCY.lower(),
                            "metadata": _intent_metadata(invoice), "payment_method_types": ["card"]},
                    options={"idempotency_key": key},
                )
                current = Payment.objects.filter(stripe_payment_intent_id=intent.id).first()
                if current is None:
                    current = Payment.objects.create(
                        cluster=invoice.cluster, invoice=invoice, method=Payment.Method.ONLINE,
                        status=Payment.Status.PENDING, amount_kopecks=outstanding, currency=CURRENCY,
                        stripe_payment_intent_id=intent.id, recorded_by=actor.user,
                    )
                    audit_record(actor=actor, action="billing.payment_intent", obj=current,
                                 changes=diff({}, snapshot(current, ["invoice", "method", "amount_kopecks",
                                                                    "stripe_payment_intent_id", "status"])))
            setup = gateway.call(client.v1.setup_intents.create, params={
                "usage": "on_session", "payment_method_types": ["card"],
                "metadata": {**_intent_metadata(invoice), "payment_intent": intent.id}})
    except gateway.GatewayUnavailable:
        raise  # the adapters answer it: 503
    except gateway.GatewayError as exc:
        raise ValidationError(exc.message) from exc
    return PaymentStart(payment=current, publishable_key=payee.stripe_publishable_key,
                        payment_intent_id=intent.id, payment_client_secret=intent.client_secret,
                        setup_client_secret=setup.client_secret, amount_kopecks=current.amount_kopecks)


def _payment_cancel_attempt(*, client: Any, payment: Payment, actor: Actor) -> None:
    if client is not None and payment.stripe_payment_intent_id:
        try:
            gateway.call(client.v1.payment_intents.cancel, payment.stripe_payment_intent_id)
        except gateway.GatewayError:
            logger.warning("billing: could not cancel %s", payment.stripe_payment_intent_id)
    before = snapshot(payment, ["status"])
    payment.status = Payment.Status.CANCELED
    payment.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, action="billing.payment_cancel", obj=payment,
                 changes=diff(before, snapshot(payment, ["status"])))


@dataclasses.dataclass(frozen=True)
class CardConfirmation:
    """Stripe's answer after the server confirmed the PaymentIntent with the card of a SetupIntent.

    status: "submitted" (wait for the webhook), "requires_action" (3-D Secure in the browser with
    `client_secret`) or "failed" (`message` says why). Nothing is marked paid here."""

    status: str
    client_secret: str = ""
    message: str = ""


def payment_confirm_card(*, actor: Actor, invoice: Invoice, setup_intent_id: str) -> CardConfirmation:
    """Attach the card saved by Stripe.js (a succeeded SetupIntent of this invoice) to the
    invoice's PaymentIntent and confirm it on the server. Only the webhook (or reconciliation)
    records the payment."""
    actor = require_payer(actor=actor, invoice=invoice)
    payee = _payee_for_online(invoice.cluster)
    payment = (invoice.payments.filter(method=Payment.Method.ONLINE, status__in=[Payment.Status.PENDING,
                                                                               Payment.Status.FAILED])
               .order_by("-created_at", "-id").first())
    if payment is None or not payment.stripe_payment_intent_id:
        raise ValidationError("Платёж не начат или уже завершён. Обновите страницу и нажмите «Оплатить» ещё раз.")
    try:
        client = gateway.client_for(payee)
        setup = gateway.call(client.v1.setup_intents.retrieve, str(setup_intent_id or "")[:255])
        metadata = gateway.as_dict(setup).get("metadata") or {}
        if (metadata.get("payment_intent") != payment.stripe_payment_intent_id
                or metadata.get("cluster") != invoice.cluster.schema_name):
            raise ValidationError("Данные карты относятся к другому платежу. Обновите страницу.")
        if setup.status != "succeeded" or not setup.payment_method:
            raise ValidationError(gateway.DECLINED)
        intent_id = payment.stripe_payment_intent_id
        intent = gateway.call(client.v1.payment_intents.retrieve, intent_id)
        if intent.status in {"requires_payment_method", "requires_confirmation"}:
            if intent.status == "requires_payment_method":
                gateway.call(client.v1.payment_intents.update, intent_id,
                             params={"payment_method": setup.payment_method})
            intent = gateway.call(client.v1.payment_intents.confirm, intent_id)
    except gateway.GatewayDeclined as exc:
        return CardConfirmation(status="failed", message=exc.message)
    except gateway.GatewayUnavailable:
        raise  # the adapters answer it: 503
    except gateway.GatewayError as exc:
        raise ValidationError(exc.message) from exc
    if intent.status == "requires_action":
        return CardConfirmation(status="requires_action", client_secret=intent.client_secret)
    if intent.status == "requires_payment_method":
        return CardConfirmation(status="failed", message=gateway.DECLINED)
    return CardConfirmation(status="submitted")
