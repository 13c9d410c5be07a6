"""Kept importable for older imports: the Stripe gateway now lives in billing.gateways.stripe,
the errors every gateway raises in billing.gateways.base."""

from .gateways.base import GatewayDeclined, GatewayError, GatewayUnavailable
from .gateways.stripe import (
    DECLINED,
    NOT_CONFIGURED,
    TIMEOUT_SECONDS,
    UNAVAILABLE,
    WEBHOOK_EVENTS,
    as_dict,
    call,
    client_for,
)

__all__ = [
    "DECLINED",
    "NOT_CONFIGURED",
    "TIMEOUT_SECONDS",
    "UNAVAILABLE",
    "WEBHOOK_EVENTS",
    "GatewayDeclined",
    "GatewayError",
    "GatewayUnavailable",
    "as_dict",
    "call",
    "client_for",
]
