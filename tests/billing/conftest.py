"""Fixtures of the billing tests: payees with known secrets, invoices, signed webhook deliveries."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import itertools
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from billing.models import Invoice, Payee
from billing.services import InvoiceLineSpec, invoice_issue, payee_save
from core.audit.services import Actor
from core.clock import cluster_today
from core.ru.identifiers import inn_with_check_digits
from tenants.models import Cluster
from tests.conftest import CLUSTER_SPECS, ensure_cluster, tenant_connection

_numbers = itertools.count(1)
COMPANY = 101
OTHER_COMPANY = 202


def webhook_secret(cluster: Cluster) -> str:
    return f"whsec_test_{cluster.schema_name}"


def make_payee(cluster: Cluster) -> Payee:
    return payee_save(
        actor=Actor.system(cluster),
        cluster=cluster,
        fields={
            "name": f"АНО «Развитие {cluster.schema_name}»",
            "inn": inn_with_check_digits("000000777"),
            "kpp": "000001001",
            "bank_name": "ПАО «Тестовый банк»",
            "bik": "044525999",
            "account": "40703810900000000001",
            "correspondent_account": "30101810600000000999",
            "director": "Иванов И. И.",
            "accountant": "Петрова П. П.",
            "stripe_publishable_key": f"pk_test_{cluster.schema_name}",
        },
        stripe_secret_key=f"sk_test_{cluster.schema_name}",
        stripe_webhook_secret=webhook_secret(cluster),
    )


def issue(
    cluster: Cluster,
    *,
    company_id: int = COMPANY,
    amount: int = 1_500_000,
    source: str | None = None,
    due_in_days: int = 30,
    issue_date: dt.date | None = None,
    lines: list[InvoiceLineSpec] | None = None,
    name: str = "ООО «Медтех»",
) -> Invoice:
    today = issue_date or cluster_today(cluster)
    invoice, _ = invoice_issue(
        actor=Actor.system(cluster),
        cluster=cluster,
        company_id=company_id,
        company_name=name,
        company_inn=inn_with_check_digits(f"50{company_id:07d}"),
        company_kpp="500101001",
        lines=lines
        or [
            InvoiceLineSpec(
                description="Членский взнос за 2026 год", unit_price_kopecks=amount, code="membership"
            )
        ],
        issue_date=today,
        due_date=today + dt.timedelta(days=due_in_days),
        period_label="2026",
        source_key=source or f"test:{next(_numbers)}",
    )
    return invoice


@pytest.fixture(scope="package", autouse=True)
def _clusters_back_after_flush(django_db_setup: None, django_db_blocker: Any) -> Any:
    """One test here is transactional (two threads, two connections): it flushes the database.
    Put alpha and beta back for the tests after it."""
    yield
    with django_db_blocker.unblock():
        tenant_connection.set_schema_to_public()
        for slug in CLUSTER_SPECS:
            ensure_cluster(slug)


@pytest.fixture
def payee_a(cluster_a: Cluster) -> Payee:
    return make_payee(cluster_a)


@pytest.fixture
def payee_b(cluster_b: Cluster) -> Payee:
    return make_payee(cluster_b)


@pytest.fixture
def stripe_on(settings: Any, localstripe: str) -> str:
    """The stripe SDK of the app points at the tests' localstripe."""
    settings.STRIPE_API_BASE = localstripe
    return localstripe


def sign(body: bytes, secret: str, timestamp: int | None = None) -> str:
    """A Stripe-Signature header the way Stripe (and localstripe) computes it."""
    ts = int(time.time()) if timestamp is None else timestamp
    signature = hmac.new(secret.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={ts},v1={signature}"


def intent_event(
    intent: dict[str, Any], *, kind: str = "payment_intent.succeeded", event_id: str | None = None
) -> dict[str, Any]:
    return {
        "id": event_id or f"evt_test_{next(_numbers)}",
        "object": "event",
        "type": kind,
        "created": int(time.time()),
        "api_version": "2017-08-15",
        "data": {"object": intent},
    }


def intent_for(
    invoice: Invoice,
    payment_intent_id: str,
    *,
    amount: int | None = None,
    currency: str = "rub",
    status: str = "succeeded",
    error: str | None = None,
) -> dict[str, Any]:
    return {
        "id": payment_intent_id,
        "object": "payment_intent",
        "status": status,
        "amount": invoice.outstanding_kopecks if amount is None else amount,
        "amount_received": (invoice.outstanding_kopecks if amount is None else amount)
        if status == "succeeded"
        else 0,
        "currency": currency,
        "metadata": {"cluster": invoice.cluster.schema_name, "invoice_id": str(invoice.pk)},
        "last_payment_error": {"message": error} if error else None,
    }


def post_webhook(cluster: Cluster | str, body: bytes, header: str | None) -> Any:
    slug = cluster if isinstance(cluster, str) else cluster.schema_name
    client = Client(HTTP_HOST="localhost")
    headers = {"Stripe-Signature": header} if header is not None else {}
    return client.post(
        f"/billing/stripe/webhook/{slug}/", data=body, content_type="application/json", headers=headers
    )


def deliver(cluster: Cluster, event: dict[str, Any], secret: str | None = None) -> Any:
    body = json.dumps(event).encode()
    return post_webhook(cluster, body, sign(body, secret or webhook_secret(cluster)))


# --- YooKassa (the local YooKassa-compatible server; billing/gateways/yookassa_local.py) -------

YOOKASSA_SHOPS = {"alpha": "100001", "beta": "100002"}


def yookassa_secret(shop_id: str) -> str:
    return f"test_secret_{shop_id}"


def with_yookassa(payee: Payee, methods: list[str] | None = None, gateways: list[str] | None = None) -> Payee:
    """The payee with YooKassa enabled (its own shop on the local server) beside Stripe."""
    shop = YOOKASSA_SHOPS[payee.cluster.schema_name]
    return payee_save(
        actor=Actor.system(payee.cluster),
        cluster=payee.cluster,
        fields={"yookassa_shop_id": shop},
        yookassa_secret_key=yookassa_secret(shop),
        gateways=gateways or ["yookassa", "stripe"],
        yookassa_methods=methods or ["bank_card", "sbp", "b2b_sberbank"],
    )


def forget_yookassa_notify_urls(base: str) -> None:
    """The local server sends no notification for the tests' shops until a test registers a URL: a
    browser test before (its live server still up) registered one, and the payment a later test
    made was then notified and applied behind that test's back."""
    import urllib.request

    for shop in YOOKASSA_SHOPS.values():
        request = urllib.request.Request(  # noqa: S310 - the tests' own local server
            f"{base}/_config/notifications/{shop}",
            data=json.dumps({"url": ""}).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            assert response.status == 200


@pytest.fixture
def yookassa_on(settings: Any, yookassa_local: str) -> Iterator[str]:
    """The yookassa SDK of the app points at the tests' local YooKassa server, which notifies no one."""
    settings.YOOKASSA_API_BASE = yookassa_local
    forget_yookassa_notify_urls(yookassa_local)
    yield yookassa_local
    forget_yookassa_notify_urls(yookassa_local)


def yookassa_checkout(confirmation_url: str, outcome: str = "succeeded") -> int:
    """What the payer does on YooKassa's page: pay (or refuse). Returns the HTTP status (303: sent back)."""
    import urllib.error
    import urllib.request

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        request = urllib.request.Request(  # noqa: S310
            confirmation_url,
            data=f"outcome={outcome}".encode(),
            method="POST",
        )
        with opener.open(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def yookassa_outbox(base: str, shop_id: str) -> list[dict[str, Any]]:
    """Every notification the local server made for the shop (oldest first)."""
    import urllib.request

    with urllib.request.urlopen(f"{base}/_outbox/{shop_id}", timeout=10) as response:  # noqa: S310 - local
        return list(json.loads(response.read()))


def yookassa_notification(base: str, shop_id: str, event: str, object_id: str) -> dict[str, Any]:
    for body in reversed(yookassa_outbox(base, shop_id)):
        if body["event"] == event and body["object"]["id"] == object_id:
            return body
    raise AssertionError(f"no {event} notification for {object_id}")


def post_notification(
    slug: str,
    body: dict[str, Any] | bytes,
    *,
    remote: str = "127.0.0.1",
    host: str = "localhost",
    **extra: Any,
) -> Any:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Client(HTTP_HOST=host).post(
        f"/billing/yookassa/notify/{slug}/",
        data=data,
        content_type="application/json",
        REMOTE_ADDR=remote,
        **extra,
    )
