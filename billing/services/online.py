"""Online payment: who may pay an invoice and what the payee offers; Stripe (the PaymentIntent of
the outstanding amount with a SetupIntent for the card Element, and the server-side
confirmation) and YooKassa (a payment by card, SBP or SberBusiness the payer confirms on
YooKassa's page). Nothing is marked paid here: only notifications, webhooks or reconciliation
do (billing.services.settling).

A gateway being unreachable is not a refusal of the member's request: `GatewayUnavailable` goes up
to the adapters, which answer it once (api/exceptions.py: 503 JSON; frontend/access.py: the
503 page). Other gateway refusals become a `ValidationError` with the gateway's Russian message.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from core.accounts.access import member_access
from core.audit.services import Actor, audit_record, diff, snapshot
from tenants.models import Cluster

from ..gateways import stripe as gateway
from ..gateways.base import GatewayError, GatewayNotFound, GatewayUnavailable, PaymentRequest
from ..gateways.yookassa import GATEWAY as YOOKASSA
from ..models import CURRENCY, METHOD_LABELS, YOOKASSA_METHODS, Invoice, Payee, Payment
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


def _payee_for_online(cluster: Cluster, option: str = "stripe:card") -> Payee:
    payee = Payee.objects.filter(cluster=cluster).first()
    if payee is None or not payee.online_payments_enabled:
        raise ValidationError(gateway.NOT_CONFIGURED)
    if option not in dict(payee.payment_options()):
        raise ValidationError({"method": ["Этот способ оплаты в кластере не подключён. Выберите другой."]})
    return payee


def _intent_metadata(invoice: Invoice) -> dict[str, str]:
    return {
        "cluster": invoice.cluster.schema_name,
        "invoice_id": str(invoice.pk),
        "invoice_number": invoice.number,
        "company_id": str(invoice.company_id),
    }


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
                method=Payment.Method.ONLINE, status__in=[Payment.Status.PENDING, Payment.Status.FAILED]
            ):
                if (
                    payment.amount_kopecks == outstanding
                    and current is None
                    and payment.stripe_payment_intent_id
                ):
                    current = payment
                else:  # an attempt for an amount that is no longer due
                    _payment_cancel_attempt(client=client, payment=payment, actor=actor)
            if invoice.payments.filter(
                method=Payment.Method.ONLINE, status=Payment.Status.PROCESSING
            ).exists():
                raise ValidationError(
                    "Оплата по этому счёту уже обрабатывается банком. Обновите страницу позже."
                )
            intent: Any = None
            if current is not None:
                try:
                    intent = gateway.call(
                        client.v1.payment_intents.retrieve, current.stripe_payment_intent_id
                    )
                except GatewayNotFound:
                    # Not in the payee's Stripe account (its keys changed, test data cleared): it
                    # can never be charged. Close the attempt; a new one is made below.
                    _payment_cancel_attempt(client=None, payment=current, actor=actor)
                    current = None
            if current is not None:
                if intent.status in {"succeeded", "processing"}:
                    raise ValidationError(
                        "Оплата по этому счёту уже обрабатывается банком. Обновите страницу позже."
                    )
                if intent.status == "canceled":
                    _payment_cancel_attempt(client=None, payment=current, actor=actor)
                    current, intent = None, None
            if current is None:
                attempt = invoice.payments.filter(
                    method=Payment.Method.ONLINE, status=Payment.Status.CANCELED
                ).count()
                key = f"clusterhub:{invoice.cluster.schema_name}:invoice:{invoice.pk}:{outstanding}:{attempt}"
                intent = gateway.call(
                    client.v1.payment_intents.create,
                    params={
                        "amount": outstanding,
                        "currency": CURRENCY.lower(),
                        "metadata": _intent_metadata(invoice),
                        "payment_method_types": ["card"],
                    },
                    options={"idempotency_key": key},
                )
                current = Payment.objects.filter(stripe_payment_intent_id=intent.id).first()
                if current is None:
                    current = Payment.objects.create(
                        cluster=invoice.cluster,
                        invoice=invoice,
                        method=Payment.Method.ONLINE,
                        status=Payment.Status.PENDING,
                        amount_kopecks=outstanding,
                        currency=CURRENCY,
                        stripe_payment_intent_id=intent.id,
                        recorded_by=actor.user,
                        gateway="stripe",
                        gateway_method="card",
                    )
                    audit_record(
                        actor=actor,
                        action="billing.payment_intent",
                        obj=current,
                        changes=diff(
                            {},
                            snapshot(
                                current,
                                ["invoice", "method", "amount_kopecks", "stripe_payment_intent_id", "status"],
                            ),
                        ),
                    )
            setup = gateway.call(
                client.v1.setup_intents.create,
                params={
                    "usage": "on_session",
                    "payment_method_types": ["card"],
                    "metadata": {**_intent_metadata(invoice), "payment_intent": intent.id},
                },
            )
    except gateway.GatewayUnavailable:
        raise  # the adapters answer it: 503
    except gateway.GatewayError as exc:
        raise ValidationError(exc.message) from exc
    return PaymentStart(
        payment=current,
        publishable_key=payee.stripe_publishable_key,
        payment_intent_id=intent.id,
        payment_client_secret=intent.client_secret,
        setup_client_secret=setup.client_secret,
        amount_kopecks=current.amount_kopecks,
    )


def _payment_cancel_attempt(*, client: Any, payment: Payment, actor: Actor) -> None:
    if client is not None and payment.stripe_payment_intent_id:
        try:
            gateway.call(client.v1.payment_intents.cancel, payment.stripe_payment_intent_id)
        except gateway.GatewayError:
            logger.warning("billing: could not cancel %s", payment.stripe_payment_intent_id)
    before = snapshot(payment, ["status"])
    payment.status = Payment.Status.CANCELED
    payment.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action="billing.payment_cancel",
        obj=payment,
        changes=diff(before, snapshot(payment, ["status"])),
    )


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
    payment = (
        invoice.payments.filter(
            method=Payment.Method.ONLINE,
            stripe_payment_intent_id__isnull=False,
            status__in=[Payment.Status.PENDING, Payment.Status.FAILED],
        )
        .order_by("-created_at", "-id")
        .first()
    )
    if payment is None or not payment.stripe_payment_intent_id:
        raise ValidationError(
            "Платёж не начат или уже завершён. Обновите страницу и нажмите «Оплатить» ещё раз."
        )
    try:
        client = gateway.client_for(payee)
        setup = gateway.call(client.v1.setup_intents.retrieve, str(setup_intent_id or "")[:255])
        metadata = gateway.as_dict(setup).get("metadata") or {}
        if (
            metadata.get("payment_intent") != payment.stripe_payment_intent_id
            or metadata.get("cluster") != invoice.cluster.schema_name
        ):
            raise ValidationError("Данные карты относятся к другому платежу. Обновите страницу.")
        if setup.status != "succeeded" or not setup.payment_method:
            raise ValidationError(gateway.DECLINED)
        intent_id = payment.stripe_payment_intent_id
        intent = gateway.call(client.v1.payment_intents.retrieve, intent_id)
        if intent.status in {"requires_payment_method", "requires_confirmation"}:
            if intent.status == "requires_payment_method":
                gateway.call(
                    client.v1.payment_intents.update,
                    intent_id,
                    params={"payment_method": setup.payment_method},
                )
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


# --- YooKassa ----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class RedirectStart:
    """A payment the payer confirms on the gateway's page (YooKassa): where to send them."""

    payment: Payment
    confirmation_url: str
    amount_kopecks: int


def payment_options(*, actor: Actor, invoice: Invoice) -> list[tuple[str, str]]:
    """What the «Оплатить» of this invoice offers the actor: ("gateway:method", label) pairs."""
    if not invoice.is_payable or not may_pay(actor=actor, invoice=invoice):
        return []
    payee = Payee.objects.filter(cluster_id=invoice.cluster_id).first()
    return payee.payment_options() if payee is not None else []


def payment_begin(
    *, actor: Actor, invoice: Invoice, option: str, return_url: str = ""
) -> PaymentStart | RedirectStart:
    """Start paying the invoice the way the member chose: "stripe:card" (the card form of
    Stripe.js) or "yookassa:<bank_card|sbp|b2b_sberbank>" (a redirect to YooKassa)."""
    require_payer(actor=actor, invoice=invoice)
    gateway_code, _, method = (option or "").partition(":")
    if gateway_code == "yookassa":
        return payment_start_yookassa(actor=actor, invoice=invoice, method=method, return_url=return_url)
    if option != "stripe:card":
        raise ValidationError({"method": ["Выберите способ оплаты."]})
    _payee_for_online(invoice.cluster, option)
    return payment_start(actor=actor, invoice=invoice)


def _idempotence_key(invoice: Invoice, outstanding: int, attempt: int, method: str) -> str:
    """One key per attempt (≤ 64 characters, as YooKassa requires): a retried click never
    creates a second payment; a new attempt after a cancelled one gets a new key."""
    raw = f"clusterhub:{invoice.cluster.schema_name}:invoice:{invoice.pk}:{outstanding}:{attempt}:yookassa:{method}"
    return "ch-" + hashlib.sha256(raw.encode()).hexdigest()[:48]


def _purpose(invoice: Invoice) -> str:
    """The payment order's purpose (SberBusiness): names the invoice number, so the statement
    line can be matched to it later."""
    return (
        f"Оплата по счёту № {invoice.number} от {invoice.issue_date:%d.%m.%Y}"
        + (f" ({invoice.period_label})" if invoice.period_label else "")
        + ". НДС не облагается"
    )


def payment_start_yookassa(*, actor: Actor, invoice: Invoice, method: str, return_url: str) -> RedirectStart:
    """Create (or reuse) the YooKassa payment of the invoice's outstanding amount by `method`.

    capture: true; metadata carries cluster and invoice; the Idempotence-Key is derived from the
    invoice, the outstanding amount, the method and the number of earlier cancelled attempts, so
    a retried click gets the same payment. A pending attempt with the same amount and method is
    reused (its page again); one that YooKassa cancelled is closed and a new one made. The
    invoice row stays locked during the API calls. YooKassa unreachable: nothing is written."""
    actor = require_payer(actor=actor, invoice=invoice)
    if method not in YOOKASSA_METHODS:
        raise ValidationError({"method": ["Выберите способ оплаты."]})
    payee = _payee_for_online(invoice.cluster, f"yookassa:{method}")
    try:
        with transaction.atomic():
            invoice = locked(invoice)
            if not invoice.is_payable:
                raise ValidationError("Этот счёт не ждёт оплаты.")
            outstanding = invoice.outstanding_kopecks
            if invoice.payments.filter(
                method=Payment.Method.ONLINE, status=Payment.Status.PROCESSING
            ).exists():
                raise ValidationError(
                    "Оплата по этому счёту уже обрабатывается банком. Обновите страницу позже."
                )
            current = None
            for payment in invoice.payments.select_for_update().filter(
                method=Payment.Method.ONLINE, status__in=[Payment.Status.PENDING, Payment.Status.FAILED]
            ):
                if (
                    current is None
                    and payment.yookassa_payment_id
                    and payment.amount_kopecks == outstanding
                    and payment.gateway_method == method
                    and payment.status == Payment.Status.PENDING
                ):
                    current = payment
                else:  # another way to pay or an amount no longer due
                    _payment_cancel_attempt(
                        client=_stripe_client_or_none(payee, payment), payment=payment, actor=actor
                    )
            if current is not None:
                state = YOOKASSA.read_payment(payee, str(current.yookassa_payment_id))
                if state.status in {Payment.Status.SUCCEEDED, Payment.Status.PROCESSING}:
                    raise ValidationError(
                        "Оплата по этому счёту уже обрабатывается банком. Обновите страницу позже."
                    )
                if state.status == Payment.Status.PENDING and current.confirmation_url:
                    return RedirectStart(
                        payment=current,
                        confirmation_url=current.confirmation_url,
                        amount_kopecks=current.amount_kopecks,
                    )
                _payment_cancel_attempt(client=None, payment=current, actor=actor)
            attempt = invoice.payments.filter(
                method=Payment.Method.ONLINE, status=Payment.Status.CANCELED
            ).count()
            started = YOOKASSA.start_payment(
                payee,
                PaymentRequest(
                    amount_kopecks=outstanding,
                    currency=CURRENCY,
                    method=method,
                    description=f"Счёт № {invoice.number} от {invoice.issue_date:%d.%m.%Y}, {invoice.company_name}",
                    metadata=_intent_metadata(invoice),
                    idempotence_key=_idempotence_key(invoice, outstanding, attempt, method),
                    return_url=return_url,
                    purpose=_purpose(invoice),
                    vat={"type": "untaxed"},
                ),
            )
            existing = Payment.objects.filter(yookassa_payment_id=started.id).first()
            if existing is not None:
                payment = existing
            else:
                payment = Payment.objects.create(
                    cluster=invoice.cluster,
                    invoice=invoice,
                    method=Payment.Method.ONLINE,
                    status=Payment.Status.PENDING,
                    amount_kopecks=outstanding,
                    currency=CURRENCY,
                    gateway="yookassa",
                    gateway_method=method,
                    yookassa_payment_id=started.id,
                    confirmation_url=started.confirmation_url[:2048],
                    recorded_by=actor.user,
                )
                audit_record(
                    actor=actor,
                    action="billing.payment_start",
                    obj=payment,
                    changes=diff(
                        {},
                        snapshot(
                            payment,
                            [
                                "invoice",
                                "method",
                                "gateway",
                                "gateway_method",
                                "amount_kopecks",
                                "yookassa_payment_id",
                                "status",
                            ],
                        ),
                    ),
                )
    except GatewayUnavailable:
        raise  # the adapters answer it: 503
    except GatewayNotFound as exc:
        raise ValidationError(
            "Платёж не найден в ЮKassa. Обновите страницу и нажмите «Оплатить» ещё раз."
        ) from exc
    except GatewayError as exc:
        raise ValidationError(exc.message) from exc
    if not started.confirmation_url:
        raise ValidationError("ЮKassa не вернула страницу оплаты. Попробуйте ещё раз.")
    return RedirectStart(
        payment=payment, confirmation_url=started.confirmation_url, amount_kopecks=outstanding
    )


def _stripe_client_or_none(payee: Payee, payment: Payment) -> Any:
    """The Stripe client to cancel a Stripe attempt with (None for other gateways' attempts)."""
    if not payment.stripe_payment_intent_id or not payee.stripe_secret_key_encrypted:
        return None
    try:
        return gateway.client_for(payee)
    except GatewayError:
        return None


def method_label(option: str) -> str:
    return str(METHOD_LABELS.get(option.partition(":")[2], option))
