"""A local YooKassa-compatible server for the demo and the tests, in the spirit of localstripe.

    python -m billing.gateways.yookassa_local --port 8430

Standard library only (no Django): an in-memory implementation of the subset of YooKassa's API
v3 that clusterhub uses, built from the published reference:

- HTTP Basic auth with the shop id and secret key. Test secret keys start with «test_»; the first
  secret used for a shop binds it (or pass `--shop ID:SECRET`); another secret answers 401.
- `POST /v3/payments` (Idempotence-Key required; the same key answers the same payment):
  amount, capture, confirmation {type: redirect, return_url}, payment_method_data {type:
  bank_card | sbp | b2b_sberbank — b2b_sberbank requires payment_purpose and vat_data {type:
  calculated (rate, amount) | mixed (amount) | untaxed}}, description (≤ 128), metadata.
- `GET /v3/payments/{id}`, `POST /v3/payments/{id}/capture`, `POST /v3/payments/{id}/cancel`
  (only a payment waiting_for_capture).
- `POST /v3/refunds` (Idempotence-Key; payment_id, amount ≤ what is left), `GET /v3/refunds/{id}`.
  Card refunds succeed at once; SBP and SberBusiness refunds are `pending` and succeed
  `--refund-delay` seconds later.
- Statuses as documented: pending → succeeded (capture: true) or waiting_for_capture → succeeded,
  or canceled with cancellation_details {party, reason}.
- `confirmation_url` leads to `/checkout/{id}`: the payer's page where they choose success or
  failure (card / SBP / SberBusiness); then the server notifies and redirects to return_url.
- Notifications `{"type": "notification", "event": "payment.succeeded" | "payment.canceled" |
  "payment.waiting_for_capture" | "refund.succeeded", "object": {…}}` are POSTed to the URL set
  for the shop with `POST /_config/notifications/<shop>` (`{"url": …}`) — one attempt at once,
  then retries in the background, like YooKassa's own (which retries for 24 hours).
  `GET /_outbox/<shop>` lists every notification made for the shop (tests replay them).

Errors are YooKassa's: `{"type": "error", "id": …, "code": "invalid_request" |
"invalid_credentials" | "not_found", "description": …, "parameter": …}` with 400 / 401 / 404.
"""

from __future__ import annotations

import argparse
import base64
import html
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

DEFAULT_PORT = 8430
METHODS = {
    "bank_card": "Банковская карта",
    "sbp": "СБП (Система быстрых платежей)",
    "b2b_sberbank": "СберБизнес",
    "yoo_money": "ЮMoney",
}
CURRENCIES = {"RUB", "USD", "EUR", "BYN", "KZT", "UAH", "UZS", "TRY", "INR", "MDL", "AZN", "AMD"}
VAT_TYPES = {"calculated", "mixed", "untaxed"}
VAT_RATES = {5, 7, 10, 20, 22}
AMOUNT = re.compile(r"^\d{1,12}(\.\d{1,2})?$")
NOTIFY_RETRIES = (0.5, 2.0, 5.0)


class ApiError(Exception):
    def __init__(self, status: int, code: str, description: str, parameter: str = "") -> None:
        super().__init__(description)
        self.status, self.code, self.description, self.parameter = status, code, description, parameter

    def body(self) -> dict[str, Any]:
        data = {"type": "error", "id": str(uuid.uuid4()), "code": self.code, "description": self.description}
        if self.parameter:
            data["parameter"] = self.parameter
        return data


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{datetime.now(UTC).microsecond // 1000:03d}Z"


def _invalid(description: str, parameter: str = "") -> ApiError:
    return ApiError(400, "invalid_request", description, parameter)


def _amount(data: Any, parameter: str = "amount") -> dict[str, str]:
    if not isinstance(data, dict):
        raise _invalid("Amount is required", parameter)
    value, currency = str(data.get("value", "")), str(data.get("currency", ""))
    if not AMOUNT.match(value) or Decimal(value) <= 0:
        raise _invalid("Invalid amount value", f"{parameter}.value")
    if currency not in CURRENCIES:
        raise _invalid("Invalid currency", f"{parameter}.currency")
    return {"value": f"{Decimal(value):.2f}", "currency": currency}


class State:
    """Everything the server knows, in memory, behind one lock."""

    def __init__(self, *, base_url: str, refund_delay: float) -> None:
        self.lock = threading.RLock()
        self.base_url = base_url
        self.refund_delay = refund_delay
        self.shops: dict[str, str] = {}
        self.payments: dict[str, dict[str, Any]] = {}
        self.payment_shop: dict[str, str] = {}
        self.refunds: dict[str, dict[str, Any]] = {}
        self.refund_shop: dict[str, str] = {}
        self.idempotence: dict[tuple[str, str, str], dict[str, Any]] = {}
        self.notify_urls: dict[str, str] = {}
        self.outbox: dict[str, list[dict[str, Any]]] = {}

    # --- auth ------------------------------------------------------------------------------

    def authenticate(self, header: str) -> str:
        scheme, _, token = header.partition(" ")
        try:
            shop, _, secret = base64.b64decode(token).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            shop, secret = "", ""
        if scheme.lower() != "basic" or not shop or not secret.startswith("test_"):
            raise ApiError(
                401,
                "invalid_credentials",
                "Basic authorization with shopId and a test secret key is required",
            )
        with self.lock:
            known = self.shops.setdefault(shop, secret)
        if known != secret:
            raise ApiError(401, "invalid_credentials", "Invalid secret key for this shopId")
        return shop

    def idempotent(self, shop: str, key: str, kind: str, make: Any) -> dict[str, Any]:
        if not key:
            raise _invalid("Idempotence-Key header is required", "Idempotence-Key")
        if len(key) > 64:
            raise _invalid("Idempotence-Key is longer than 64 characters", "Idempotence-Key")
        with self.lock:
            stored = self.idempotence.get((shop, kind, key))
            if stored is None:
                stored = self.idempotence[(shop, kind, key)] = make()
            return stored

    # --- payments --------------------------------------------------------------------------

    def payment_create(self, shop: str, body: dict[str, Any]) -> dict[str, Any]:
        amount = _amount(body.get("amount"))
        capture = body.get("capture", False)
        if not isinstance(capture, bool):
            raise _invalid("capture must be a boolean", "capture")
        method = body.get("payment_method_data")
        if not isinstance(method, dict) or method.get("type") not in METHODS:
            raise _invalid("Unsupported payment_method_data.type", "payment_method_data.type")
        method_out: dict[str, Any] = {"type": method["type"], "id": str(uuid.uuid4()), "saved": False}
        if method["type"] == "b2b_sberbank":
            purpose = method.get("payment_purpose")
            if not isinstance(purpose, str) or not purpose.strip() or len(purpose) > 210:
                raise _invalid(
                    "payment_purpose is required (at most 210 characters)",
                    "payment_method_data.payment_purpose",
                )
            method_out["payment_purpose"] = purpose
            method_out["vat_data"] = self._vat(method.get("vat_data"))
        confirmation = body.get("confirmation")
        if not isinstance(confirmation, dict) or confirmation.get("type") != "redirect":
            raise _invalid("Only confirmation.type redirect is supported here", "confirmation.type")
        return_url = str(confirmation.get("return_url") or "")
        if not return_url.startswith(("http://", "https://")) or len(return_url) > 2048:
            raise _invalid("confirmation.return_url is required", "confirmation.return_url")
        description = body.get("description")
        if description is not None and (not isinstance(description, str) or len(description) > 128):
            raise _invalid("description is at most 128 characters", "description")
        metadata = body.get("metadata") or {}
        if (
            not isinstance(metadata, dict)
            or len(metadata) > 16
            or any(len(str(k)) > 32 or len(str(v)) > 512 for k, v in metadata.items())
        ):
            raise _invalid("metadata: at most 16 keys of 32 characters, values of 512", "metadata")
        payment_id = (
            f"{uuid.uuid4().hex[:8]}-000f-5000-{'9' if method['type'] == 'sbp' else 'a'}000-"
            f"{uuid.uuid4().hex[:12]}"
        )
        payment: dict[str, Any] = {
            "id": payment_id,
            "status": "pending",
            "paid": False,
            "amount": amount,
            "recipient": {"account_id": shop, "gateway_id": f"{shop}01"},
            "payment_method": method_out,
            "created_at": _now(),
            "confirmation": {
                "type": "redirect",
                "return_url": return_url,
                "confirmation_url": f"{self.base_url}/checkout/{payment_id}",
            },
            "test": True,
            "refundable": False,
            "metadata": {str(k): str(v) for k, v in metadata.items()},
            "_capture": capture,
        }
        if description:
            payment["description"] = description
        with self.lock:
            self.payments[payment_id] = payment
            self.payment_shop[payment_id] = shop
        return self.public(payment)

    @staticmethod
    def _vat(vat: Any) -> dict[str, Any]:
        if not isinstance(vat, dict) or vat.get("type") not in VAT_TYPES:
            raise _invalid(
                "vat_data.type must be calculated, mixed or untaxed", "payment_method_data.vat_data.type"
            )
        out: dict[str, Any] = {"type": vat["type"]}
        if vat["type"] == "calculated":
            if vat.get("rate") not in VAT_RATES and str(vat.get("rate")) not in {str(r) for r in VAT_RATES}:
                raise _invalid(
                    "vat_data.rate is required for calculated VAT", "payment_method_data.vat_data.rate"
                )
            out["rate"] = str(vat["rate"])
        if vat["type"] in {"calculated", "mixed"}:
            out["amount"] = _amount(vat.get("amount"), "payment_method_data.vat_data.amount")
        return out

    @staticmethod
    def public(payment: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in payment.items() if not k.startswith("_")}

    def payment_get(self, shop: str, payment_id: str) -> dict[str, Any]:
        with self.lock:
            payment = self.payments.get(payment_id)
            if payment is None or self.payment_shop.get(payment_id) != shop:
                raise ApiError(404, "not_found", "Payment not found", "payment_id")
            return self.public(payment)

    def payment_finish(self, payment_id: str, outcome: str) -> tuple[dict[str, Any], str]:
        """The payer's choice on the checkout page: "succeeded" or "canceled"."""
        with self.lock:
            payment = self.payments.get(payment_id)
            if payment is None:
                raise ApiError(404, "not_found", "Payment not found")
            if payment["status"] != "pending":
                return self.public(payment), ""
            if outcome == "succeeded":
                self._paid(payment)
                if payment["_capture"]:
                    self._captured(payment)
                    event = "payment.succeeded"
                else:
                    payment["status"] = "waiting_for_capture"
                    event = "payment.waiting_for_capture"
            else:
                self._canceled(payment, party="payment_network", reason="general_decline")
                event = "payment.canceled"
            return self.public(payment), event

    @staticmethod
    def _paid(payment: dict[str, Any]) -> None:
        payment["paid"] = True
        payment.pop("confirmation", None)
        method = payment["payment_method"]
        if method["type"] == "bank_card":
            method["title"] = "Bank card *4444"
            method["card"] = {
                "first6": "555555",
                "last4": "4444",
                "expiry_month": "12",
                "expiry_year": "2030",
                "card_type": "MasterCard",
                "issuer_country": "RU",
            }
        elif method["type"] == "sbp":
            method["sbp_operation_id"] = uuid.uuid4().hex[:20].upper()
        payment["authorization_details"] = {"rrn": str(int(time.time() * 1000))[-12:], "auth_code": "000000"}

    @staticmethod
    def _captured(payment: dict[str, Any]) -> None:
        payment["status"] = "succeeded"
        payment["captured_at"] = _now()
        payment["income_amount"] = dict(payment["amount"])
        payment["refundable"] = True
        payment["refunded_amount"] = {"value": "0.00", "currency": payment["amount"]["currency"]}

    @staticmethod
    def _canceled(payment: dict[str, Any], *, party: str, reason: str) -> None:
        payment["status"] = "canceled"
        payment["paid"] = False
        payment.pop("confirmation", None)
        payment["cancellation_details"] = {"party": party, "reason": reason}

    def payment_capture(self, shop: str, payment_id: str) -> tuple[dict[str, Any], str]:
        with self.lock:
            self.payment_get(shop, payment_id)
            payment = self.payments[payment_id]
            if payment["status"] == "succeeded":
                return self.public(payment), ""
            if payment["status"] != "waiting_for_capture":
                raise _invalid("Payment is not waiting for capture", "payment_id")
            self._captured(payment)
            return self.public(payment), "payment.succeeded"

    def payment_cancel(self, shop: str, payment_id: str) -> tuple[dict[str, Any], str]:
        with self.lock:
            self.payment_get(shop, payment_id)
            payment = self.payments[payment_id]
            if payment["status"] == "canceled":
                return self.public(payment), ""
            if payment["status"] != "waiting_for_capture":
                raise _invalid("Only a payment waiting for capture can be canceled", "payment_id")
            self._canceled(payment, party="merchant", reason="canceled_by_merchant")
            return self.public(payment), "payment.canceled"

    # --- refunds ---------------------------------------------------------------------------

    def refund_create(self, shop: str, body: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        payment_id = str(body.get("payment_id") or "")
        amount = _amount(body.get("amount"))
        with self.lock:
            payment = self.payments.get(payment_id)
            if payment is None or self.payment_shop.get(payment_id) != shop:
                raise _invalid("Payment not found", "payment_id")
            if payment["status"] != "succeeded":
                raise _invalid("Only a succeeded payment can be refunded", "payment_id")
            if amount["currency"] != payment["amount"]["currency"]:
                raise _invalid("Currency differs from the payment's", "amount.currency")
            refunded = Decimal(payment["refunded_amount"]["value"])
            pending = sum(
                (
                    Decimal(r["amount"]["value"])
                    for r in self.refunds.values()
                    if r["payment_id"] == payment_id and r["status"] == "pending"
                ),
                Decimal(0),
            )
            if Decimal(amount["value"]) > Decimal(payment["amount"]["value"]) - refunded - pending:
                raise _invalid("Refund amount exceeds what is left on the payment", "amount.value")
            delayed = payment["payment_method"]["type"] in {"sbp", "b2b_sberbank"}
            refund: dict[str, Any] = {
                "id": f"{uuid.uuid4().hex[:8]}-0015-5000-8000-{uuid.uuid4().hex[:12]}",
                "payment_id": payment_id,
                "status": "pending" if delayed else "succeeded",
                "created_at": _now(),
                "amount": amount,
            }
            if body.get("description"):
                refund["description"] = str(body["description"])[:250]
            self.refunds[refund["id"]] = refund
            self.refund_shop[refund["id"]] = shop
            if not delayed:
                self._refund_apply(refund)
            return dict(refund), not delayed

    def _refund_apply(self, refund: dict[str, Any]) -> None:
        payment = self.payments[refund["payment_id"]]
        refunded = Decimal(payment["refunded_amount"]["value"]) + Decimal(refund["amount"]["value"])
        payment["refunded_amount"]["value"] = f"{refunded:.2f}"
        payment["refundable"] = refunded < Decimal(payment["amount"]["value"])

    def refund_succeed(self, refund_id: str) -> dict[str, Any] | None:
        with self.lock:
            refund = self.refunds.get(refund_id)
            if refund is None or refund["status"] != "pending":
                return None
            refund["status"] = "succeeded"
            self._refund_apply(refund)
            return dict(refund)

    def refund_get(self, shop: str, refund_id: str) -> dict[str, Any]:
        with self.lock:
            refund = self.refunds.get(refund_id)
            if refund is None or self.refund_shop.get(refund_id) != shop:
                raise ApiError(404, "not_found", "Refund not found", "refund_id")
            return dict(refund)

    # --- notifications ---------------------------------------------------------------------

    def notify_later(self, shop: str, event: str, obj: dict[str, Any]) -> None:
        """Notify from another thread (the caller may hold the lock; the receiver calls back)."""
        threading.Thread(target=self.notify, args=(shop, event, obj), daemon=True).start()

    def notify(self, shop: str, event: str, obj: dict[str, Any]) -> None:
        body = {"type": "notification", "event": event, "object": obj}
        with self.lock:
            self.outbox.setdefault(shop, []).append(body)
            url = self.notify_urls.get(shop)
        if not url:
            return
        if not _post(url, body):
            threading.Thread(target=_post_with_retries, args=(url, body), daemon=True).start()


def _post(url: str, body: dict[str, Any]) -> bool:
    request = urllib.request.Request(  # noqa: S310 - configured
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - the configured URL
            return bool(200 <= response.status < 300)
    except (urllib.error.URLError, OSError):
        return False


def _post_with_retries(url: str, body: dict[str, Any]) -> None:
    for delay in NOTIFY_RETRIES:
        time.sleep(delay)
        if _post(url, body):
            return


CHECKOUT = """<!doctype html><html lang="ru"><head><meta charset="utf-8">
<title>Оплата — локальная ЮKassa</title>
<style>body{{font-family:sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}}
.box{{border:1px solid #ccc;border-radius:8px;padding:1.5rem}}button{{font-size:1rem;padding:.6rem 1.2rem;margin:.3rem}}
.pay{{background:#0070f0;color:#fff;border:0;border-radius:6px}}.muted{{color:#666;font-size:.9rem}}</style></head>
<body><div class="box"><p class="muted">Локальный тестовый сервер, совместимый с API ЮKassa. Деньги не списываются.</p>
<h1>{amount} {currency}</h1><p>{description}</p><p>Способ оплаты: <strong id="method">{method}</strong></p>
{body}</div></body></html>"""


def _checkout_html(payment: dict[str, Any]) -> str:
    method = payment["payment_method"]["type"]
    common = {
        "amount": html.escape(payment["amount"]["value"].replace(".", ",")),
        "currency": "₽"
        if payment["amount"]["currency"] == "RUB"
        else html.escape(payment["amount"]["currency"]),
        "description": html.escape(payment.get("description", "")),
        "method": html.escape(METHODS[method]),
    }
    if payment["status"] != "pending":
        status = {
            "succeeded": "Платёж проведён.",
            "canceled": "Платёж отменён.",
            "waiting_for_capture": "Платёж ждёт подтверждения магазином.",
        }[payment["status"]]
        return CHECKOUT.format(**common, body=f'<p id="result">{status}</p>')
    hint = {
        "bank_card": "Тестовая карта 5555 5555 5555 4444 уже выбрана.",
        "sbp": "Отсканируйте QR-код в приложении банка (здесь — выберите исход).",
        "b2b_sberbank": "Подтвердите платёжное поручение в СберБизнесе (здесь — выберите исход).",
    }.get(method, "")
    body = (
        f'<p class="muted">{html.escape(hint)}</p>'
        f'<form method="post"><button class="pay" name="outcome" value="succeeded" id="pay">Оплатить</button>'
        f'<button name="outcome" value="canceled" id="decline">Отказаться</button></form>'
    )
    return CHECKOUT.format(**common, body=body)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the SDK's session reuses its connection
    disable_nagle_algorithm = True
    wbufsize = 64 * 1024  # headers and body leave in one packet (flushed after each request)
    server: Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's signature
        if self.server.verbose:
            super().log_message(format, *args)

    # --- plumbing --------------------------------------------------------------------------

    def _send(
        self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, data: Any) -> None:
        self._send(status, json.dumps(data, ensure_ascii=False).encode(), "application/json; charset=utf-8")

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _json_body(self) -> dict[str, Any]:
        try:
            data = json.loads(self._body() or b"{}")
        except ValueError as exc:
            raise _invalid("Request body is not JSON") from exc
        if not isinstance(data, dict):
            raise _invalid("Request body must be a JSON object")
        return data

    def _handle(self, method: str) -> None:
        state = self.server.state
        path = urllib.parse.urlsplit(self.path).path.rstrip("/")
        try:
            if path == "/_health":
                return self._json(200, {"ok": True})
            if path.startswith("/_config/notifications/") and method == "POST":
                shop = path.rsplit("/", 1)[1]
                url = str(self._json_body().get("url") or "")
                with state.lock:
                    state.notify_urls[shop] = url
                return self._json(200, {"shop": shop, "url": url})
            if path.startswith("/_outbox/") and method == "GET":
                with state.lock:
                    return self._json(200, list(state.outbox.get(path.rsplit("/", 1)[1], [])))
            if path.startswith("/checkout/"):
                return self._checkout(method, path.rsplit("/", 1)[1])
            if not path.startswith("/v3/"):
                raise ApiError(404, "not_found", "Unknown path")
            shop = state.authenticate(self.headers.get("Authorization", ""))
            key = self.headers.get("Idempotence-Key", "")
            parts = path.split("/")[2:]
            if parts == ["payments"] and method == "POST":
                body = self._json_body()
                return self._json(
                    200, state.idempotent(shop, key, "payment", lambda: state.payment_create(shop, body))
                )
            if len(parts) == 2 and parts[0] == "payments" and method == "GET":
                return self._json(200, state.payment_get(shop, parts[1]))
            if (
                len(parts) == 3
                and parts[0] == "payments"
                and parts[2] in {"capture", "cancel"}
                and method == "POST"
            ):
                self._body()
                act = state.payment_capture if parts[2] == "capture" else state.payment_cancel

                def change() -> dict[str, Any]:
                    payment, event = act(shop, parts[1])
                    if event:
                        state.notify_later(shop, event, payment)
                    return payment

                return self._json(200, state.idempotent(shop, key, f"{parts[2]}:{parts[1]}", change))
            if parts == ["refunds"] and method == "POST":
                body = self._json_body()

                def create() -> dict[str, Any]:
                    refund, done = state.refund_create(shop, body)
                    if done:
                        state.notify_later(shop, "refund.succeeded", refund)
                    else:
                        threading.Timer(
                            state.refund_delay, self._refund_later, args=(shop, refund["id"])
                        ).start()
                    return refund

                return self._json(200, state.idempotent(shop, key, "refund", create))
            if len(parts) == 2 and parts[0] == "refunds" and method == "GET":
                return self._json(200, state.refund_get(shop, parts[1]))
            raise ApiError(404, "not_found", "Unknown path")
        except ApiError as exc:
            return self._json(exc.status, exc.body())

    def _refund_later(self, shop: str, refund_id: str) -> None:
        refund = self.server.state.refund_succeed(refund_id)
        if refund is not None:
            self.server.state.notify(shop, "refund.succeeded", refund)

    def _checkout(self, method: str, payment_id: str) -> None:
        state = self.server.state
        with state.lock:
            payment = state.payments.get(payment_id)
            snapshot = json.loads(json.dumps(payment)) if payment else None
        if snapshot is None:
            return self._send(404, "Платёж не найден.".encode(), "text/plain; charset=utf-8")
        if method == "GET":
            return self._send(200, _checkout_html(snapshot).encode(), "text/html; charset=utf-8")
        form = urllib.parse.parse_qs(self._body().decode())
        outcome = (form.get("outcome") or ["canceled"])[0]
        public, event = state.payment_finish(
            payment_id, "succeeded" if outcome == "succeeded" else "canceled"
        )
        if event:
            state.notify(state.payment_shop[payment_id], event, public)
        return_url = snapshot.get("confirmation", {}).get("return_url", "")
        if return_url:
            return self._send(303, b"", "text/plain", {"Location": return_url})
        return self._send(200, _checkout_html(public).encode(), "text/html; charset=utf-8")

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self,
        host: str,
        port: int,
        *,
        public_url: str = "",
        refund_delay: float = 0.5,
        verbose: bool = False,
        shops: dict[str, str] | None = None,
    ) -> None:
        super().__init__((host, port), Handler)
        base = public_url.rstrip("/") or f"http://{host}:{self.server_address[1]}"
        self.state = State(base_url=base, refund_delay=refund_delay)
        self.state.shops.update(shops or {})
        self.verbose = verbose


def ensure_server(
    port: int = DEFAULT_PORT, *, log_path: str = "", timeout: float = 20.0
) -> tuple[str, subprocess.Popen[bytes] | None]:
    """The API root to use and the process we started (None if we started none): YOOKASSA_API_BASE
    when set, a server already answering on `port`, else a new one (`port` 0: a free port)."""
    configured = os.environ.get("YOOKASSA_API_BASE")
    if configured:
        return configured.rstrip("/"), None
    if port and _reachable(port):
        return f"http://127.0.0.1:{port}", None
    if not port:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
    log = open(log_path or os.devnull, "ab")
    root = Path(__file__).resolve().parents[2]
    process = subprocess.Popen(  # noqa: S603 - our own module with this interpreter
        [sys.executable, "-m", "billing.gateways.yookassa_local", "--port", str(port)],
        cwd=root,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _reachable(port):
            return f"http://127.0.0.1:{port}", process
        if process.poll() is not None:
            break
        time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"yookassa_local did not start on port {port}")


def _reachable(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Local YooKassa-compatible API server (demo and tests).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument(
        "--public-url", default="", help="the address payers' browsers use (default: host:port)"
    )
    parser.add_argument(
        "--refund-delay", type=float, default=0.5, help="seconds until an SBP/B2B refund succeeds"
    )
    parser.add_argument(
        "--shop", action="append", default=[], metavar="ID:SECRET", help="pre-register a shop"
    )
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    shops = dict(item.split(":", 1) for item in args.shop)
    server = Server(
        args.host,
        args.port,
        public_url=args.public_url,
        refund_delay=args.refund_delay,
        verbose=args.verbose,
        shops=shops,
    )
    print(f"yookassa_local: http://{args.host}:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
