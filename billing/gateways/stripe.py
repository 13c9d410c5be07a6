"""Stripe behind the gateway interface: the `stripe` SDK, configured per payee (no database writes).

Each cluster's payee has its own Stripe keys; STRIPE_API_BASE points the SDK at localstripe
in the demo and the tests. Network failures become `GatewayUnavailable`, card problems
`GatewayDeclined`; both carry a Russian message for the member.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import stripe
from django.conf import settings

from ..crypto import decrypt
from .base import (
    DECLINED,
    NOT_CONFIGURED,
    REFUSED,
    UNAVAILABLE,
    GatewayDeclined,
    GatewayError,
    GatewayNotFound,
    GatewayPayment,
    GatewayRefund,
    GatewayUnavailable,
    NotificationRejected,
    PaymentRequest,
    StartedPayment,
    VerifiedNotification,
)

if TYPE_CHECKING:
    from ..models import Payee

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10
# The events our webhook endpoint acts on (configure the same list in Stripe's dashboard).
INTENT_EVENTS = frozenset(
    {
        "payment_intent.succeeded",
        "payment_intent.payment_failed",
        "payment_intent.processing",
        "payment_intent.canceled",
    }
)
# A refund's status as Stripe settles it (a refund answered «pending» is not money back yet).
REFUND_EVENTS = frozenset({"refund.created", "refund.updated", "refund.failed", "charge.refund.updated"})
# Chargebacks: a cardholder disputes a payment with the bank.
DISPUTE_EVENTS = frozenset(
    {
        "charge.dispute.created",
        "charge.dispute.updated",
        "charge.dispute.closed",
        "charge.dispute.funds_withdrawn",
        "charge.dispute.funds_reinstated",
    }
)
WEBHOOK_EVENTS = INTENT_EVENTS | REFUND_EVENTS | DISPUTE_EVENTS
DEFAULT_TOLERANCE = 300  # seconds; Stripe's own default


def signed_at(header: str) -> int | None:
    """The `t=` timestamp of a Stripe-Signature header (None when absent or not a number)."""
    for part in (header or "").split(","):
        key, _, value = part.strip().partition("=")
        if key == "t":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _tolerance() -> int:
    return int(getattr(settings, "STRIPE_WEBHOOK_TOLERANCE", DEFAULT_TOLERANCE))


def _refuse_from_future(payload: bytes, header: str, tolerance: int) -> None:
    """The SDK refuses a signature older than the tolerance but accepts any from the future,
    which a replay with a clock set ahead (or a leaked secret) could use: refuse one signed more
    than the tolerance ahead."""
    import time

    at = signed_at(header)
    if at is None or at > time.time() + tolerance:
        raise stripe.SignatureVerificationError("Timestamp outside the tolerance zone", header, payload)


def verify_signature(payload: bytes, header: str, secret: str) -> None:
    """The SDK's check of the raw body's signature and age (`stripe.WebhookSignature.verify_header`,
    what construct_event runs first) with the tolerance both ways. Raises
    stripe.SignatureVerificationError. Builds no stripe.Event: the webhook parses the JSON itself
    (the SDK's StripeObject tree was most of construct_event's cost and nothing used it)."""
    tolerance = _tolerance()
    stripe.WebhookSignature.verify_header(payload, header or "", secret, tolerance)
    _refuse_from_future(payload, header, tolerance)


def construct_event(payload: bytes, header: str, secret: str) -> stripe.Event:
    """`stripe.Webhook.construct_event` with the tolerance both ways (see verify_signature)."""
    tolerance = _tolerance()
    event = stripe.Webhook.construct_event(payload, header or "", secret, tolerance=tolerance)
    _refuse_from_future(payload, header, tolerance)
    return event


def client_for(payee: Payee) -> stripe.StripeClient:
    secret = decrypt(payee.stripe_secret_key_encrypted)
    if not secret:
        raise GatewayError(NOT_CONFIGURED)
    options: dict[str, Any] = {}
    if settings.STRIPE_API_BASE:
        options["base_addresses"] = {"api": settings.STRIPE_API_BASE}
    return stripe.StripeClient(
        secret,
        max_network_retries=0,
        http_client=stripe.new_default_http_client(timeout=TIMEOUT_SECONDS),
        **options,
    )


def call(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Run one SDK call, translating its errors."""
    try:
        return fn(*args, **kwargs)
    except stripe.CardError as exc:
        raise GatewayDeclined(DECLINED) from exc
    except (stripe.APIConnectionError, stripe.RateLimitError) as exc:
        raise GatewayUnavailable from exc
    except stripe.StripeError as exc:
        status = getattr(exc, "http_status", None) or 0
        if status >= 500 or status == 0:
            raise GatewayUnavailable from exc
        if status == 402:
            raise GatewayDeclined(DECLINED) from exc
        if status == 404:
            raise GatewayNotFound(REFUSED) from exc
        logger.warning("stripe refused a request: %s", exc)
        raise GatewayError(REFUSED) from exc


def as_dict(obj: Any) -> dict[str, Any]:
    """A StripeObject (or a plain dict from an event) as plain JSON-like data."""
    if isinstance(obj, stripe.StripeObject):
        return obj.to_dict()
    return dict(obj)


INTENT_STATUSES = {"succeeded": "succeeded", "processing": "processing", "canceled": "canceled"}


def intent_state(intent: Mapping[str, Any]) -> GatewayPayment:
    """A PaymentIntent (as a dict) in the interface's terms."""
    status = str(intent.get("status") or "")
    ours: str | None = INTENT_STATUSES.get(status)
    error = intent.get("last_payment_error") or {}
    if ours is None and status == "requires_payment_method" and error:
        ours = "failed"
    received = intent.get("amount_received")
    amount = int(received if received not in (None, 0) else intent.get("amount") or 0)
    return GatewayPayment(
        id=str(intent.get("id") or ""),
        status=ours,
        amount_kopecks=amount,
        currency=str(intent.get("currency") or "").upper(),
        metadata=dict(intent.get("metadata") or {}),
        failure_message=str(error.get("message") or "")[:500],
        raw=dict(intent),
    )


def refund_status(status: str | None) -> str:
    """Stripe's refund status in our words: succeeded, pending (not money back yet) or canceled."""
    if status == "succeeded":
        return "succeeded"
    if status in {"pending", "requires_action"}:
        return "pending"
    return "canceled"  # failed, canceled


class StripeGateway:
    """Card payments through Stripe (PaymentIntents; the card Element of Stripe.js on the page)."""

    code = "stripe"

    def start_payment(self, payee: Payee, request: PaymentRequest) -> StartedPayment:
        intent = call(
            client_for(payee).v1.payment_intents.create,
            params={
                "amount": request.amount_kopecks,
                "currency": request.currency.lower(),
                "metadata": dict(request.metadata),
                "payment_method_types": ["card"],
            },
            options={"idempotency_key": request.idempotence_key},
        )
        return StartedPayment(id=intent.id, status="pending", client_secret=intent.client_secret)

    def read_payment(self, payee: Payee, payment_id: str) -> GatewayPayment:
        return intent_state(as_dict(call(client_for(payee).v1.payment_intents.retrieve, payment_id)))

    def refund(
        self,
        payee: Payee,
        *,
        payment_id: str,
        amount_kopecks: int,
        currency: str,
        idempotence_key: str,
        description: str = "",
        metadata: Mapping[str, str] | None = None,
    ) -> GatewayRefund:
        result = call(
            client_for(payee).v1.refunds.create,
            params={"payment_intent": payment_id, "amount": amount_kopecks, "metadata": dict(metadata or {})},
            options={"idempotency_key": idempotence_key},
        )
        status = refund_status(result.status)
        return GatewayRefund(
            id=result.id,
            payment_id=payment_id,
            status=status,
            amount_kopecks=amount_kopecks,
            currency=currency.upper(),
            raw=as_dict(result),
        )

    def cancel(self, payee: Payee, payment_id: str) -> None:
        call(client_for(payee).v1.payment_intents.cancel, payment_id)

    def verify_notification(
        self, payee: Payee, body: bytes, headers: Mapping[str, str]
    ) -> VerifiedNotification:
        """A webhook event checked by its signature on the raw body (Stripe signs its events)."""
        secret = decrypt(payee.stripe_webhook_secret_encrypted)
        if not secret:
            raise NotificationRejected(404, "unknown_endpoint", "Нет такого получателя платежей.")
        try:
            event = construct_event(body, headers.get("Stripe-Signature", ""), secret)
        except stripe.SignatureVerificationError as exc:
            raise NotificationRejected(400, "signature", "Подпись не прошла проверку.") from exc
        except ValueError as exc:
            raise NotificationRejected(400, "payload", "Тело запроса не JSON.") from exc
        data = as_dict(event)
        intent = (data.get("data") or {}).get("object") or {}
        return VerifiedNotification(
            event_id=str(data.get("id") or ""),
            event_type=str(data.get("type") or ""),
            payment=intent_state(intent) if str(data.get("type")) in INTENT_EVENTS else None,
        )


GATEWAY = StripeGateway()

__all__ = [
    "DECLINED",
    "DISPUTE_EVENTS",
    "GATEWAY",
    "INTENT_EVENTS",
    "NOT_CONFIGURED",
    "REFUND_EVENTS",
    "TIMEOUT_SECONDS",
    "UNAVAILABLE",
    "WEBHOOK_EVENTS",
    "GatewayDeclined",
    "GatewayError",
    "GatewayUnavailable",
    "StripeGateway",
    "as_dict",
    "call",
    "client_for",
    "construct_event",
    "intent_state",
    "refund_status",
    "signed_at",
    "verify_signature",
]
