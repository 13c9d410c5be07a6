"""The Stripe webhook runs as a lean endpoint (clusterhub/lean.py): host routing and security
headers, but no session, CSRF, language or 2FA middleware; a duplicate costs one query."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from pytest_django import DjangoAssertNumQueries, Settings

from billing.models import GatewayEvent, Invoice, Payee
from tenants.models import Cluster

from .conftest import deliver, intent_event, intent_for, issue, post_webhook, sign, webhook_secret
from .test_webhook import online_payment


@pytest.fixture
def paying(db: None, cluster_a: Cluster, payee_a: Payee) -> Invoice:
    invoice = issue(cluster_a, amount=1_500_000)
    online_payment(invoice, "pi_lean_1")
    return invoice


def _post_signed(host: str, cluster: Cluster, invoice: Invoice) -> Any:
    """A signed success for the invoice's payment, posted to the webhook path on `host`."""
    body = json.dumps(intent_event(intent_for(invoice, "pi_lean_1"))).encode()
    return Client(HTTP_HOST=host).post(
        "/billing/stripe/webhook/alpha/",
        data=body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=sign(body, webhook_secret(cluster)),
    )


@pytest.mark.django_db
def test_webhook_answers_without_session_or_language_but_with_security_headers(
    paying: Invoice, cluster_a: Cluster
) -> None:
    response = deliver(cluster_a, intent_event(intent_for(paying, "pi_lean_1")))
    assert response.status_code == 200 and response.json()["detail"] == "processed"
    assert response.cookies == {} and "Set-Cookie" not in response.headers
    assert "Content-Language" not in response.headers  # the language middleware did not run
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"  # SecurityMiddleware did
    paying.refresh_from_db()
    assert paying.status == Invoice.Status.PAID


@pytest.mark.django_db
def test_webhook_over_plain_http_is_redirected_under_production_settings(
    paying: Invoice, cluster_a: Cluster, settings: Settings
) -> None:
    """SecurityMiddleware stays in front of the lean path: HTTPS is still enforced."""
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    response = _post_signed("localhost", cluster_a, paying)
    assert response.status_code == 301 and response["Location"].startswith("https://")
    assert not GatewayEvent.objects.exists()


@pytest.mark.django_db
def test_a_duplicate_is_answered_with_one_query(
    paying: Invoice, cluster_a: Cluster, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    event = intent_event(intent_for(paying, "pi_lean_1"))
    assert deliver(cluster_a, event).json()["detail"] == "processed"
    with django_assert_num_queries(1):  # the payee, its cluster and the event's status
        again = deliver(cluster_a, event)
    assert again.status_code == 200 and again.json() == {"detail": "duplicate", "event": event["id"]}
    paying.refresh_from_db()
    assert paying.paid_kopecks == 1_500_000


@pytest.mark.django_db
def test_a_duplicate_with_a_bad_signature_is_still_refused(paying: Invoice, cluster_a: Cluster) -> None:
    """The stored status is read before the signature check, but answered only after it."""
    event = intent_event(intent_for(paying, "pi_lean_1"))
    assert deliver(cluster_a, event).json()["detail"] == "processed"
    body = json.dumps(event).encode()
    response = post_webhook(cluster_a, body, sign(body, "whsec_someone_else"))
    assert response.status_code == 400 and response.json()["detail"] == "Подпись не прошла проверку."


@pytest.mark.django_db
def test_a_lean_prefix_never_strips_a_page_of_its_csrf_check(db: None, settings: Settings) -> None:
    """Only @lean_endpoint views skip the middleware: the login page under a listed prefix still
    refuses a POST without its CSRF token and still answers in the chosen language."""
    settings.LEAN_PATH_PREFIXES = ("/login/", "/billing/stripe/webhook/")
    client = Client(HTTP_HOST="localhost", enforce_csrf_checks=True)
    response = client.post("/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403
    assert response.headers["Content-Language"] == "ru"


@pytest.mark.django_db
def test_the_webhook_path_on_a_cluster_host_is_not_served(paying: Invoice, cluster_a: Cluster) -> None:
    response = _post_signed("alpha.localhost", cluster_a, paying)
    assert response.status_code == 404
    assert not GatewayEvent.objects.exists()
