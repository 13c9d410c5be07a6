"""The one interface every payment gateway implements, and the errors they raise.

A gateway starts a payment (answering what the payment page needs: a redirect URL or Stripe.js
client secrets), reads a payment's status, refunds, cancels, and turns a notification into a
status it has verified. It never writes the database: billing.services settles what it reports
(forward-only, amount and currency checked) through the same event store for every gateway.
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from ..models import Payee

UNAVAILABLE = (
    "Платёжный сервис сейчас недоступен. Счёт не изменён — попробуйте оплатить ещё раз через несколько минут."
)
DECLINED = "Банк отклонил оплату картой. Проверьте данные карты или попробуйте другую карту."
NOT_CONFIGURED = (
    "Онлайн-оплата в этом кластере не настроена. Оплатите счёт банковским переводом по реквизитам из счёта."
)
REFUSED = (
    "Платёжный сервис отклонил запрос. Попробуйте позже или оплатите по реквизитам "
    "счёта; если ошибка повторится, сообщите в дирекцию кластера."
)

# Our payment statuses (billing.models.Payment.Status values) a gateway reports in.
PENDING, PROCESSING, FAILED, CANCELED, SUCCEEDED = "pending", "processing", "failed", "canceled", "succeeded"


class GatewayError(Exception):
    """A gateway call failed; `message` is for the member (Russian)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class GatewayUnavailable(GatewayError):
    """The gateway cannot be reached now: nothing was changed, the member may retry. Services let
    it go up; the adapters answer it once (api/exceptions.py: 503 JSON; frontend/access.py: 503)."""

    def __init__(self, message: str = UNAVAILABLE) -> None:
        super().__init__(message)


class GatewayDeclined(GatewayError):
    pass


class GatewayNotFound(GatewayError):
    """The gateway does not know the object under these credentials (unknown or not this shop's)."""

    def __init__(self, message: str = "Платёж не найден в платёжном сервисе.") -> None:
        super().__init__(message)


class NotificationRejected(Exception):
    """A notification that cannot be verified (bad body, wrong sender); `status_code` to answer."""

    def __init__(self, status_code: int, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.status_code, self.reason, self.detail = status_code, reason, detail


@dataclasses.dataclass(frozen=True)
class PaymentRequest:
    """What to ask a gateway for: the amount of one attempt and what identifies it."""

    amount_kopecks: int
    currency: str
    method: str  # a method of the gateway: "card" (Stripe); "bank_card", "sbp", "b2b_sberbank" (YooKassa)
    description: str
    metadata: Mapping[str, str]
    idempotence_key: str
    return_url: str = ""
    purpose: str = ""  # the payment order's purpose (SberBusiness requires one)
    vat: Mapping[str, Any] | None = None  # SberBusiness: {"type": "untaxed"} or calculated / mixed


@dataclasses.dataclass(frozen=True)
class StartedPayment:
    """What the payment page needs: where to send the payer, or the client secret for Stripe.js."""

    id: str
    status: str  # ours (PENDING …)
    confirmation_url: str = ""
    client_secret: str = ""


@dataclasses.dataclass(frozen=True)
class GatewayPayment:
    """A payment as the gateway reports it when asked with the payee's credentials."""

    id: str
    status: str | None  # ours (PENDING, PROCESSING, FAILED, CANCELED, SUCCEEDED) or None: nothing to apply
    amount_kopecks: int
    currency: str  # upper case
    metadata: Mapping[str, str]
    account_id: str = ""  # the shop / account the payment belongs to
    failure_message: str = ""
    raw: Mapping[str, Any] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class GatewayRefund:
    id: str
    payment_id: str
    status: str  # "pending", "succeeded" or "canceled"
    amount_kopecks: int
    currency: str
    raw: Mapping[str, Any] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class VerifiedNotification:
    """A notification turned into what the gateway itself says now (never what the body said).

    `event_id` is derived from the verified state, so the same state is stored and applied once
    whatever the body claimed."""

    event_id: str
    event_type: str
    payment: GatewayPayment | None = None
    refund: GatewayRefund | None = None


class PaymentGateway(Protocol):
    code: str

    def start_payment(self, payee: Payee, request: PaymentRequest) -> StartedPayment: ...

    def read_payment(self, payee: Payee, payment_id: str) -> GatewayPayment: ...

    def refund(
        self,
        payee: Payee,
        *,
        payment_id: str,
        amount_kopecks: int,
        currency: str,
        idempotence_key: str,
        description: str = "",
    ) -> GatewayRefund: ...

    def cancel(self, payee: Payee, payment_id: str) -> None: ...

    def verify_notification(
        self, payee: Payee, body: bytes, headers: Mapping[str, str]
    ) -> VerifiedNotification: ...


GATEWAYS = {"stripe": "billing.gateways.stripe", "yookassa": "billing.gateways.yookassa"}


def gateway_for(code: str) -> PaymentGateway:
    """The gateway object of a code ("stripe", "yookassa")."""
    if code not in GATEWAYS:
        raise KeyError(code)
    gateway: PaymentGateway = importlib.import_module(GATEWAYS[code]).GATEWAY
    return gateway
