"""The Stripe SDK, configured per payee (no database writes here).

Each cluster's payee has its own Stripe keys; STRIPE_API_BASE points the SDK at localstripe
in the demo and the tests. Network failures become `GatewayUnavailable`, card problems
`GatewayDeclined`; both carry a Russian message for the member.
"""

from __future__ import annotations

import logging
from typing import Any

import stripe
from django.conf import settings

from .crypto import decrypt
from .models import Payee

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10
# The events our webhook endpoint acts on (configure the same list in Stripe's dashboard).
WEBHOOK_EVENTS = frozenset({"payment_intent.succeeded", "payment_intent.payment_failed",
                            "payment_intent.processing", "payment_intent.canceled"})
UNAVAILABLE = ("Платёжный сервис сейчас недоступен. Счёт не изменён — попробуйте оплатить ещё раз "
               "через несколько минут.")
DECLINED = "Банк отклонил оплату картой. Проверьте данные карты или попробуйте другую карту."
NOT_CONFIGURED = ("Онлайн-оплата в этом кластере не настроена. Оплатите счёт банковским переводом "
                  "по реквизитам из счёта.")


class GatewayError(Exception):
    """A Stripe call failed; `message` is for the member (Russian)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class GatewayUnavailable(GatewayError):
    """Stripe cannot be reached now: nothing was changed, the member may retry. Services let it
    go up; the adapters answer it once (api/exceptions.py: 503 JSON; frontend/access.py: 503)."""

    def __init__(self, message: str = UNAVAILABLE) -> None:
        super().__init__(message)


class GatewayDeclined(GatewayError):
    pass


def client_for(payee: Payee) -> stripe.StripeClient:
    secret = decrypt(payee.stripe_secret_key_encrypted)
    if not secret:
        raise GatewayError(NOT_CONFIGURED)
    options: dict[str, Any] = {}
    if settings.STRIPE_API_BASE:
        options["base_addresses"] = {"api": settings.STRIPE_API_BASE}
    return stripe.StripeClient(secret, max_network_retries=0,
                               http_client=stripe.new_default_http_client(timeout=TIMEOUT_SECONDS), **options)


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
        logger.warning("stripe refused a request: %s", exc)
        raise GatewayError("Платёжный сервис отклонил запрос. Попробуйте позже или оплатите по реквизитам "
                           "счёта; если ошибка повторится, сообщите в дирекцию кластера.") from exc


def as_dict(obj: Any) -> dict[str, Any]:
    """A StripeObject (or a plain dict from an event) as plain JSON-like data."""
    if isinstance(obj, stripe.StripeObject):
        return obj.to_dict()
    return dict(obj)
