"""Online payment against localstripe with the real stripe SDK: PaymentIntents, the card flow
of the payment page, reconciliation of lost webhooks, refunds, and Stripe being down."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from pytest_django import DjangoCaptureOnCommitCallbacks, Settings

from billing.models import Invoice, Payee, Payment, Refund
from billing.reconcile import reconcile_cluster
from billing.services import payment_record_manual, payment_refund, payment_start
from core.accounts.models import User
from core.audit.services import Actor
from core.clock import cluster_today
from tenants.models import Cluster
from tests.conftest import ROLE, MakeUser, signed_in

from .conftest import COMPANY, deliver, intent_event, issue

pytestmark = pytest.mark.django_db
Status = Invoice.Status
TEST_CARD = {"number": "4242424242424242", "exp_month": "12", "exp_year": "2034", "cvc": "123"}


def stripe_post(
    base: str, path: str, payload: dict[str, Any], secret_key: str | None = None
) -> dict[str, Any]:
    headers = {"Content-Type": "application/json"}
    if secret_key:
        headers["Authorization"] = f"Bearer {secret_key}"
    request = urllib.request.Request(  # noqa: S310
        base + path,
        data=json.dumps(payload).encode(),
        headers=headers,
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - localstripe
        return json.loads(response.read())


def save_card(base: str, start: Any, card: dict[str, str] = TEST_CARD) -> str:
    """What Stripe.js confirmCardSetup does in the browser: the card goes to Stripe, not to us."""
    seti = start.setup_client_secret.split("_secret_")[0]
    result = stripe_post(
        base,
        f"/v1/setup_intents/{seti}/confirm",
        {
            "key": start.publishable_key,
            "use_stripe_sdk": True,
            "client_secret": start.setup_client_secret,
            "payment_method_data": {"type": "card", "card": card},
        },
    )
    return str(result["id"])


@pytest.fixture
def rep(make_user: MakeUser, cluster_a: Cluster) -> User:
    return make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=COMPANY)


def test_payment_intent_is_created_once_and_follows_the_outstanding_amount(
    stripe_on: str, payee_a: Payee, cluster_a: Cluster, rep: User, make_user: MakeUser
) -> None:
    import stripe

    invoice = issue(cluster_a, amount=1_500_000)
    actor = Actor(user=rep, cluster=cluster_a)
    first = payment_start(actor=actor, invoice=invoice)
    again = payment_start(actor=actor, invoice=invoice)
    assert first.payment_intent_id == again.payment_intent_id and first.payment.pk == again.payment.pk
    client = stripe.StripeClient("sk_test_alpha", base_addresses={"api": stripe_on})
    intent = client.v1.payment_intents.retrieve(first.payment_intent_id)
    assert (intent.amount, intent.currency, intent.metadata["invoice_id"]) == (
        1_500_000,
        "rub",
        str(invoice.pk),
    )
    payment_record_manual(
        actor=Actor(user=make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster=cluster_a),
        invoice=invoice,
        amount_kopecks=500_000,
        order_number="9",
        order_date=cluster_today(cluster_a),
    )
    third = payment_start(actor=actor, invoice=invoice)
    assert third.payment_intent_id != first.payment_intent_id and third.amount_kopecks == 1_000_000
    assert (
        Payment.objects.get(stripe_payment_intent_id=first.payment_intent_id).status
        == Payment.Status.CANCELED
    )
    assert client.v1.payment_intents.retrieve(first.payment_intent_id).status == "canceled"


def test_card_payment_is_settled_by_stripe_not_by_the_return_path(
    stripe_on: str, payee_a: Payee, cluster_a: Cluster, rep: User
) -> None:
    invoice = issue(cluster_a, amount=1_500_000)
    browser = signed_in(rep, cluster_a)
    page = browser.post(f"/billing/invoices/{invoice.pk}/pay/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f"{stripe_on}/js.stripe.com/v3/" in html and "Оплатить 15 000,00 ₽" in html
    start = payment_start(
        actor=Actor(user=rep, cluster=cluster_a), invoice=invoice
    )  # same intent as the page's
    setup_id = save_card(stripe_on, start)
    response = browser.post(
        f"/billing/invoices/{invoice.pk}/pay/confirm/",
        data={"setup_intent": setup_id},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "submitted"
    invoice.refresh_from_db()
    assert invoice.status == Status.OPEN  # Stripe charged the card; only Stripe's word marks it paid
    # The webhook was lost: the reconciliation task asks Stripe and settles.
    assert reconcile_cluster(cluster=cluster_a) == {"checked": 1, "settled": 1, "errors": 0}
    invoice.refresh_from_db()
    assert (invoice.status, invoice.paid_kopecks) == (Status.PAID, 1_500_000)
    assert reconcile_cluster(cluster=cluster_a)["checked"] == 0
    # The late webhook finds nothing to do.
    import stripe

    intent = stripe.StripeClient(
        "sk_test_alpha", base_addresses={"api": stripe_on}
    ).v1.payment_intents.retrieve(start.payment_intent_id)
    assert deliver(cluster_a, intent_event(intent.to_dict())).status_code == 200
    invoice.refresh_from_db()
    assert invoice.paid_kopecks == 1_500_000
    assert Payment.objects.filter(invoice=invoice, status=Payment.Status.SUCCEEDED).count() == 1


def test_declined_card_leaves_the_invoice_unchanged(
    stripe_on: str, payee_a: Payee, cluster_a: Cluster, rep: User
) -> None:
    invoice = issue(cluster_a)
    browser = signed_in(rep, cluster_a)
    start = payment_start(actor=Actor(user=rep, cluster=cluster_a), invoice=invoice)
    setup_id = save_card(stripe_on, start, TEST_CARD | {"number": "4000000000000341"})  # declined on charge
    response = browser.post(
        f"/billing/invoices/{invoice.pk}/pay/confirm/",
        data={"setup_intent": setup_id},
        content_type="application/json",
    )
    assert response.json() == {
        "status": "failed",
        "client_secret": "",
        "detail": "Банк отклонил оплату картой. Проверьте данные карты или попробуйте другую карту.",
    }
    invoice.refresh_from_db()
    assert (invoice.status, invoice.paid_kopecks) == (Status.OPEN, 0)


def test_a_setup_intent_of_another_invoice_is_refused(
    stripe_on: str, payee_a: Payee, cluster_a: Cluster, rep: User
) -> None:
    mine, other = issue(cluster_a), issue(cluster_a)
    actor = Actor(user=rep, cluster=cluster_a)
    payment_start(actor=actor, invoice=mine)
    setup_id = save_card(stripe_on, payment_start(actor=actor, invoice=other))
    response = signed_in(rep, cluster_a).post(
        f"/billing/invoices/{mine.pk}/pay/confirm/",
        data={"setup_intent": setup_id},
        content_type="application/json",
    )
    assert response.status_code == 400 and "другому платежу" in response.json()["detail"]


def test_stripe_down_gives_a_russian_error_and_retry_works_later(
    stripe_on: str, payee_a: Payee, cluster_a: Cluster, rep: User, settings: Settings
) -> None:
    invoice = issue(cluster_a)
    browser = signed_in(rep, cluster_a)
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens: localstripe is down
    response = browser.post(f"/billing/invoices/{invoice.pk}/pay/", follow=True)
    assert "Платёжный сервис сейчас недоступен. Счёт не изменён" in response.content.decode()
    api = browser.post(f"/api/v1/invoices/{invoice.pk}/pay/")
    assert api.status_code == 503
    assert api.json()["detail"].startswith("Платёжный сервис сейчас недоступен. Счёт не изменён")
    invoice.refresh_from_db()
    assert invoice.status == Status.OPEN and not invoice.payments.exists()
    settings.STRIPE_API_BASE = stripe_on  # it is back
    assert browser.post(f"/billing/invoices/{invoice.pk}/pay/").status_code == 200
    assert invoice.payments.get().status == Payment.Status.PENDING


def test_online_refund_goes_through_stripe(
    stripe_on: str,
    payee_a: Payee,
    cluster_a: Cluster,
    rep: User,
    make_user: MakeUser,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    invoice = issue(cluster_a, amount=1_000_000)
    start = payment_start(actor=Actor(user=rep, cluster=cluster_a), invoice=invoice)
    setup_id = save_card(stripe_on, start)
    signed_in(rep, cluster_a).post(
        f"/billing/invoices/{invoice.pk}/pay/confirm/",
        data={"setup_intent": setup_id},
        content_type="application/json",
    )
    reconcile_cluster(cluster=cluster_a)
    payment = Payment.objects.get(invoice=invoice, status=Payment.Status.SUCCEEDED)
    staff = Actor(user=make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster=cluster_a)
    with django_capture_on_commit_callbacks(execute=True):
        refund = payment_refund(
            actor=staff, payment=payment, amount_kopecks=400_000, reason="Ошибочная оплата"
        )
    refund.refresh_from_db()
    invoice.refresh_from_db()
    assert refund.status == Refund.Status.SUCCEEDED and (refund.stripe_refund_id or "").startswith("re_")
    assert (invoice.status, invoice.paid_kopecks) == (Status.PARTIALLY_PAID, 600_000)
    with pytest.raises(ValidationError):
        payment_refund(actor=staff, payment=payment, amount_kopecks=600_001, reason="ещё")


def test_opening_the_pay_address_by_get_starts_nothing(
    stripe_on: str, payee_a: Payee, cluster_a: Cluster, rep: User
) -> None:
    invoice = issue(cluster_a)
    browser = signed_in(rep, cluster_a)
    response = browser.get(f"/billing/invoices/{invoice.pk}/pay/")
    assert response.status_code == 302 and response["Location"] == f"/billing/invoices/{invoice.pk}/"
    assert not Payment.objects.filter(invoice=invoice).exists()
    detail = browser.get(response["Location"]).content.decode()
    assert 'id="pay-button">Оплатить</button>' in detail and 'method="post"' in detail


def test_an_intent_the_gateway_no_longer_knows_is_closed_and_a_new_one_started(
    stripe_on: str, payee_a: Payee, cluster_a: Cluster, rep: User
) -> None:
    # A pending attempt whose PaymentIntent is not in the payee's Stripe account (keys changed,
    # or localstripe restarted empty, as in the payment fault of `make prod-faults`).
    invoice = issue(cluster_a, amount=1_000_000)
    actor = Actor(user=rep, cluster=cluster_a)
    lost = payment_start(actor=actor, invoice=invoice).payment
    Payment.objects.filter(pk=lost.pk).update(stripe_payment_intent_id="pi_unknown_to_stripe")
    retried = payment_start(actor=actor, invoice=invoice)
    lost.refresh_from_db()
    assert lost.status == Payment.Status.CANCELED
    assert retried.payment.pk != lost.pk and retried.payment.status == Payment.Status.PENDING
    assert retried.payment_intent_id.startswith("pi_") and retried.amount_kopecks == 1_000_000
    setup_id = save_card(stripe_on, retried)
    response = signed_in(rep, cluster_a).post(
        f"/billing/invoices/{invoice.pk}/pay/confirm/",
        data={"setup_intent": setup_id},
        content_type="application/json",
    )
    assert response.json()["status"] == "submitted"
    reconcile_cluster(cluster=cluster_a)
    invoice.refresh_from_db()
    assert (invoice.status, invoice.paid_kopecks) == (Status.PAID, 1_000_000)
