"""YooKassa against the local YooKassa-compatible server through the official SDK: card, SBP and
SberBusiness payments, notifications verified by re-reading the API (each bad case of the issue),
refunds, reconciliation, and the pages / API / payee form with their negative cases."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.db import connection
from pytest_django import DjangoCaptureOnCommitCallbacks, Settings
from yookassa import Payment as SdkPayment

from billing.gateways.yookassa import PUBLISHED_NETWORKS, ShopClient, _bound
from billing.models import BillingAlert, GatewayEvent, Invoice, Payee, Payment, Refund
from billing.reconcile import reconcile_cluster
from billing.services import payment_refund, payment_start_yookassa
from core.accounts.models import User
from core.audit.services import Actor
from tenants.models import Cluster
from tests.conftest import ROLE, MakeUser, api_client, client_for, signed_in, token_for

from .conftest import (
    COMPANY,
    OTHER_COMPANY,
    YOOKASSA_SHOPS,
    issue,
    make_payee,
    post_notification,
    with_yookassa,
    yookassa_checkout,
    yookassa_notification,
    yookassa_outbox,
    yookassa_secret,
)

pytestmark = pytest.mark.django_db
Status = Invoice.Status
RETURN = "http://alpha.localhost/billing/invoices/1/?payment=return"


@pytest.fixture
def rep(make_user: MakeUser, cluster_a: Cluster) -> User:
    return make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=COMPANY)


@pytest.fixture
def payee_yk(yookassa_on: str, cluster_a: Cluster) -> Payee:
    return with_yookassa(make_payee(cluster_a))


def sdk(base: str, slug: str) -> Any:
    """The SDK's Payment resource with a shop's credentials, for what a test makes by hand."""
    shop = YOOKASSA_SHOPS[slug]
    return _bound(
        SdkPayment, ShopClient(shop_id=shop, secret_key=yookassa_secret(shop), endpoint=f"{base}/v3")
    )


def start(rep: User, invoice: Invoice, method: str = "sbp") -> Any:
    return payment_start_yookassa(
        actor=Actor(user=rep, cluster=invoice.cluster), invoice=invoice, method=method, return_url=RETURN
    )


def pay_and_notify(
    base: str, invoice: Invoice, payment_id: str, confirmation_url: str, outcome: str = "succeeded"
) -> Any:
    assert yookassa_checkout(confirmation_url, outcome) == 303
    event = "payment.succeeded" if outcome == "succeeded" else "payment.canceled"
    body = yookassa_notification(base, YOOKASSA_SHOPS[invoice.cluster.schema_name], event, payment_id)
    return post_notification(invoice.cluster.schema_name, body)


def test_sbp_payment_is_created_once_and_settled_once_by_the_verified_notification(
    payee_yk: Payee,
    cluster_a: Cluster,
    rep: User,
    yookassa_on: str,
) -> None:
    invoice = issue(cluster_a, amount=1_500_000)
    first = start(rep, invoice)
    again = start(rep, invoice)
    assert first.payment.pk == again.payment.pk and first.confirmation_url == again.confirmation_url
    assert first.confirmation_url.startswith(f"{yookassa_on}/checkout/")
    remote = dict(sdk(yookassa_on, "alpha").find_one(first.payment.yookassa_payment_id))
    assert remote["amount"] == {"value": "15000.00", "currency": "RUB"} and remote["status"] == "pending"
    assert remote["payment_method"]["type"] == "sbp" and remote["recipient"]["account_id"] == "100001"
    assert remote["metadata"]["cluster"] == "alpha" and remote["metadata"]["invoice_id"] == str(invoice.pk)
    assert remote["confirmation"]["return_url"] == RETURN

    response = pay_and_notify(yookassa_on, invoice, first.payment.yookassa_payment_id, first.confirmation_url)
    assert response.status_code == 200 and response.json()["detail"] == "processed"
    invoice.refresh_from_db()
    assert invoice.status == Status.PAID and invoice.paid_kopecks == 1_500_000
    payment = Payment.objects.get(pk=first.payment.pk)
    assert (payment.status, payment.gateway, payment.gateway_method) == ("succeeded", "yookassa", "sbp")
    assert payment.method_label == "Онлайн: СБП (Система быстрых платежей)"
    assert payment.yookassa_payment_id is not None
    body = yookassa_notification(yookassa_on, "100001", "payment.succeeded", payment.yookassa_payment_id)
    for _ in range(3):  # replayed: answered without applying
        replay = post_notification("alpha", body)
        assert replay.status_code == 200 and replay.json()["detail"] == "duplicate"
    invoice.refresh_from_db()
    assert invoice.paid_kopecks == 1_500_000
    assert GatewayEvent.objects.filter(cluster=cluster_a, provider="yookassa").count() == 1


def test_card_and_sberbusiness_requests_carry_what_the_method_requires(
    payee_yk: Payee, cluster_a: Cluster, rep: User, yookassa_on: str
) -> None:
    invoice = issue(cluster_a, amount=1_500_000)
    b2b = start(rep, invoice, "b2b_sberbank")
    remote = dict(sdk(yookassa_on, "alpha").find_one(b2b.payment.yookassa_payment_id))
    method = remote["payment_method"]
    assert method["type"] == "b2b_sberbank" and method["vat_data"] == {"type": "untaxed"}
    assert f"Оплата по счёту № {invoice.number}" in method["payment_purpose"]
    card = start(rep, invoice, "bank_card")  # another way to pay: a new payment, the SBP attempt is closed
    assert card.payment.pk != b2b.payment.pk
    assert Payment.objects.get(pk=b2b.payment.pk).status == Payment.Status.CANCELED
    assert (
        dict(sdk(yookassa_on, "alpha").find_one(card.payment.yookassa_payment_id))["payment_method"]["type"]
        == "bank_card"
    )
    # the SberBusiness payment, if the payer still confirms it, is not lost: succeeded outranks cancelled
    assert (
        pay_and_notify(yookassa_on, invoice, b2b.payment.yookassa_payment_id, b2b.confirmation_url).json()[
            "detail"
        ]
        == "processed"
    )
    invoice.refresh_from_db()
    assert invoice.status == Status.PAID


def test_a_refused_payment_is_cancelled_and_the_next_attempt_is_a_new_payment(
    payee_yk: Payee, cluster_a: Cluster, rep: User, yookassa_on: str
) -> None:
    invoice = issue(cluster_a)
    first = start(rep, invoice, "bank_card")
    response = pay_and_notify(
        yookassa_on, invoice, first.payment.yookassa_payment_id, first.confirmation_url, outcome="canceled"
    )
    assert response.status_code == 200
    payment = Payment.objects.get(pk=first.payment.pk)
    assert payment.status == Payment.Status.CANCELED and payment.failure_message == "Банк отклонил оплату."
    invoice.refresh_from_db()
    assert invoice.status == Status.OPEN and invoice.paid_kopecks == 0
    second = start(rep, invoice, "bank_card")
    assert second.payment.yookassa_payment_id != first.payment.yookassa_payment_id


def test_unknown_payment_and_payments_of_another_payee_or_cluster_change_nothing(
    payee_yk: Payee,
    cluster_a: Cluster,
    cluster_b: Cluster,
    rep: User,
    yookassa_on: str,
    make_user: MakeUser,
) -> None:
    invoice = issue(cluster_a)
    unknown = post_notification(
        "alpha",
        {
            "type": "notification",
            "event": "payment.succeeded",
            "object": {"id": "2419a771-000f-5000-9000-1edaf29243f2"},
        },
    )
    assert unknown.status_code == 200 and unknown.json()["detail"] == "unknown"
    # beta's payee (another shop) and a payment of beta's invoice
    with_yookassa(make_payee(cluster_b))
    beta_rep = make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_b, company_id=COMPANY)
    beta_invoice = issue(cluster_b)
    beta = start(beta_rep, beta_invoice)
    assert yookassa_checkout(beta.confirmation_url) == 303
    body = yookassa_notification(yookassa_on, "100002", "payment.succeeded", beta.payment.yookassa_payment_id)
    # sent to alpha's endpoint: alpha's credentials cannot read it
    assert post_notification("alpha", body).json()["detail"] == "unknown"
    beta_invoice.refresh_from_db()
    assert beta_invoice.status == Status.OPEN
    # a payment in alpha's shop that names another cluster, or another invoice than its payment row's
    foreign = dict(
        sdk(yookassa_on, "alpha").create(
            {
                "amount": {"value": "15000.00", "currency": "RUB"},
                "capture": True,
                "confirmation": {"type": "redirect", "return_url": RETURN},
                "payment_method_data": {"type": "sbp"},
                "metadata": {"cluster": "beta", "invoice_id": str(beta_invoice.pk)},
            },
            "foreign-cluster",
        )
    )
    yookassa_checkout(foreign["confirmation"]["confirmation_url"])
    assert (
        post_notification(
            "alpha", yookassa_notification(yookassa_on, "100001", "payment.succeeded", foreign["id"])
        ).json()["detail"]
        == "ignored"
    )
    other_invoice = issue(cluster_a)
    ours = start(rep, invoice)
    wrong = dict(
        sdk(yookassa_on, "alpha").create(
            {
                "amount": {"value": "15000.00", "currency": "RUB"},
                "capture": True,
                "confirmation": {"type": "redirect", "return_url": RETURN},
                "payment_method_data": {"type": "sbp"},
                "metadata": {"cluster": "alpha", "invoice_id": str(other_invoice.pk)},
            },
            "other-invoice",
        )
    )
    Payment.objects.filter(pk=ours.payment.pk).update(yookassa_payment_id=wrong["id"])
    yookassa_checkout(wrong["confirmation"]["confirmation_url"])
    post_notification("alpha", yookassa_notification(yookassa_on, "100001", "payment.succeeded", wrong["id"]))
    for each in (invoice, other_invoice, beta_invoice):
        each.refresh_from_db()
        assert each.status == Status.OPEN and each.paid_kopecks == 0
    assert not BillingAlert.objects.filter(cluster=cluster_b).exists()


@pytest.mark.parametrize(
    ("value", "currency", "kind"),
    [("100.00", "RUB", "amount_mismatch"), ("15000.00", "USD", "currency_mismatch")],
)
def test_amount_or_currency_that_differ_raise_an_alert_and_pay_nothing(
    payee_yk: Payee,
    cluster_a: Cluster,
    rep: User,
    yookassa_on: str,
    value: str,
    currency: str,
    kind: str,
) -> None:
    invoice = issue(cluster_a, amount=1_500_000)
    ours = start(rep, invoice)
    # the gateway reports a payment for this invoice with another amount or currency
    other = dict(
        sdk(yookassa_on, "alpha").create(
            {
                "amount": {"value": value, "currency": currency},
                "capture": True,
                "confirmation": {"type": "redirect", "return_url": RETURN},
                "payment_method_data": {"type": "sbp"},
                "metadata": {"cluster": "alpha", "invoice_id": str(invoice.pk)},
            },
            f"mismatch-{kind}",
        )
    )
    Payment.objects.filter(pk=ours.payment.pk).update(yookassa_payment_id=other["id"])
    yookassa_checkout(other["confirmation"]["confirmation_url"])
    response = post_notification(
        "alpha", yookassa_notification(yookassa_on, "100001", "payment.succeeded", other["id"])
    )
    assert response.status_code == 200
    invoice.refresh_from_db()
    assert invoice.status == Status.OPEN and invoice.paid_kopecks == 0
    alert = BillingAlert.objects.get(cluster=cluster_a, payment_intent_id=other["id"])
    assert alert.kind == kind and invoice.number in alert.message
    assert "счёт не оплачен" in Payment.objects.get(pk=ours.payment.pk).failure_message


def test_the_body_is_not_trusted_and_out_of_order_notifications_do_not_move_back(
    payee_yk: Payee,
    cluster_a: Cluster,
    rep: User,
    yookassa_on: str,
) -> None:
    invoice = issue(cluster_a)
    ours = start(rep, invoice)
    payment_id = ours.payment.yookassa_payment_id
    lie = {
        "type": "notification",
        "event": "payment.succeeded",
        "object": {
            "id": payment_id,
            "status": "succeeded",
            "paid": True,
            "amount": {"value": "15000.00", "currency": "RUB"},
        },
    }
    assert post_notification("alpha", lie).status_code == 200  # the API says pending: nothing paid
    invoice.refresh_from_db()
    assert invoice.status == Status.OPEN
    # the real success afterwards is not mistaken for a replay of the lie
    assert (
        pay_and_notify(yookassa_on, invoice, payment_id, ours.confirmation_url).json()["detail"]
        == "processed"
    )
    late = {
        "type": "notification",
        "event": "payment.canceled",
        "object": {"id": payment_id, "status": "canceled"},
    }
    assert post_notification("alpha", late).status_code == 200
    invoice.refresh_from_db()
    assert invoice.status == Status.PAID and Payment.objects.get(pk=ours.payment.pk).status == "succeeded"


def test_gateway_unreachable_while_verifying_answers_503_and_applies_nothing(
    payee_yk: Payee,
    cluster_a: Cluster,
    rep: User,
    yookassa_on: str,
    settings: Settings,
) -> None:
    invoice = issue(cluster_a)
    ours = start(rep, invoice)
    assert yookassa_checkout(ours.confirmation_url) == 303
    body = yookassa_notification(yookassa_on, "100001", "payment.succeeded", ours.payment.yookassa_payment_id)
    settings.YOOKASSA_API_BASE = "http://127.0.0.1:9"  # nothing listens there
    response = post_notification("alpha", body)
    assert response.status_code == 503 and "повторите позже" in response.json()["detail"]
    assert not GatewayEvent.objects.filter(cluster=cluster_a, provider="yookassa").exists()
    invoice.refresh_from_db()
    assert invoice.status == Status.OPEN
    settings.YOOKASSA_API_BASE = yookassa_on  # YooKassa retries later
    assert post_notification("alpha", body).json()["detail"] == "processed"
    invoice.refresh_from_db()
    assert invoice.status == Status.PAID


def test_only_yookassa_networks_when_configured(
    payee_yk: Payee, cluster_a: Cluster, rep: User, yookassa_on: str, settings: Settings
) -> None:
    invoice = issue(cluster_a)
    ours = start(rep, invoice)
    assert yookassa_checkout(ours.confirmation_url) == 303
    body = yookassa_notification(yookassa_on, "100001", "payment.succeeded", ours.payment.yookassa_payment_id)
    settings.YOOKASSA_NOTIFY_NETWORKS = list(PUBLISHED_NETWORKS)
    refused = post_notification("alpha", body, remote="93.184.216.34")
    assert refused.status_code == 403 and "сетей ЮKassa" in refused.json()["detail"]
    spoofed = post_notification("alpha", body, remote="93.184.216.34", HTTP_X_REAL_IP="185.71.76.5")
    assert spoofed.status_code == 403  # X-Real-IP counts only from our own proxy
    invoice.refresh_from_db()
    assert invoice.status == Status.OPEN
    proxied = post_notification("alpha", body, remote="127.0.0.1", HTTP_X_REAL_IP="185.71.76.5")
    assert proxied.status_code == 200 and proxied.json()["detail"] == "processed"
    invoice.refresh_from_db()
    assert invoice.status == Status.PAID


def test_notification_endpoint_refuses_bad_requests(
    payee_yk: Payee, cluster_a: Cluster, cluster_b: Cluster
) -> None:
    body = {"type": "notification", "event": "payment.succeeded", "object": {"id": "x"}}
    assert post_notification("alpha", body, host="alpha.localhost").status_code == 404  # cluster host
    assert post_notification("nosuch", body).status_code == 404
    assert post_notification("beta", body).status_code == 404  # beta has no YooKassa payee
    assert post_notification("alpha", b"not json").status_code == 400
    assert (
        post_notification("alpha", {"type": "notification", "event": "payment.succeeded"}).status_code == 400
    )
    assert client_for(None).get("/billing/yookassa/notify/alpha/").status_code == 405


def test_refunds_go_through_the_api_and_refund_succeeded_settles_them(
    payee_yk: Payee,
    cluster_a: Cluster,
    rep: User,
    yookassa_on: str,
    make_user: MakeUser,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    invoice = issue(cluster_a, amount=1_500_000)
    ours = start(rep, invoice)  # SBP: YooKassa answers refunds «pending», then notifies
    pay_and_notify(yookassa_on, invoice, ours.payment.yookassa_payment_id, ours.confirmation_url)
    staff = Actor(user=make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster=cluster_a)
    with django_capture_on_commit_callbacks(execute=True):
        refund = payment_refund(
            actor=staff,
            payment=Payment.objects.get(pk=ours.payment.pk),
            amount_kopecks=500_000,
            reason="Переплата",
        )
    refund.refresh_from_db()
    assert refund.status == Refund.Status.PENDING and refund.yookassa_refund_id
    deadline = time.monotonic() + 10
    while not any(
        b["event"] == "refund.succeeded" and b["object"]["id"] == refund.yookassa_refund_id
        for b in yookassa_outbox(yookassa_on, "100001")
    ):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    body = yookassa_notification(yookassa_on, "100001", "refund.succeeded", refund.yookassa_refund_id)
    assert post_notification("alpha", body).json()["detail"] == "processed"
    assert post_notification("alpha", body).json()["detail"] == "duplicate"
    refund.refresh_from_db()
    invoice.refresh_from_db()
    assert refund.status == Refund.Status.SUCCEEDED
    assert (invoice.status, invoice.paid_kopecks) == (Status.PARTIALLY_PAID, 1_000_000)
    assert Payment.objects.get(pk=ours.payment.pk).refunded_kopecks == 500_000
    remote = dict(sdk(yookassa_on, "alpha").find_one(ours.payment.yookassa_payment_id))
    assert remote["refunded_amount"]["value"] == "5000.00"


def test_card_refund_succeeds_at_once(
    payee_yk: Payee,
    cluster_a: Cluster,
    rep: User,
    yookassa_on: str,
    make_user: MakeUser,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    invoice = issue(cluster_a, amount=1_500_000)
    ours = start(rep, invoice, "bank_card")
    pay_and_notify(yookassa_on, invoice, ours.payment.yookassa_payment_id, ours.confirmation_url)
    staff = Actor(user=make_user(ROLE.CLUSTER_ADMIN, cluster_a), cluster=cluster_a)
    with django_capture_on_commit_callbacks(execute=True):
        refund = payment_refund(
            actor=staff,
            payment=Payment.objects.get(pk=ours.payment.pk),
            amount_kopecks=1_500_000,
            reason="Ошибочный платёж",
        )
    refund.refresh_from_db()
    invoice.refresh_from_db()
    assert refund.status == Refund.Status.SUCCEEDED and invoice.status == Status.OPEN


def test_reconciliation_settles_a_lost_notification(
    payee_yk: Payee, cluster_a: Cluster, rep: User, yookassa_on: str
) -> None:
    invoice = issue(cluster_a)
    ours = start(rep, invoice)
    assert yookassa_checkout(ours.confirmation_url) == 303  # the notification never arrives
    counts = reconcile_cluster(cluster=cluster_a)
    assert counts["settled"] == 1
    invoice.refresh_from_db()
    assert invoice.status == Status.PAID
    late = yookassa_notification(yookassa_on, "100001", "payment.succeeded", ours.payment.yookassa_payment_id)
    assert post_notification("alpha", late).json()["detail"] == "duplicate"
    assert invoice.paid_kopecks == Invoice.objects.get(pk=invoice.pk).paid_kopecks == 1_500_000


# --- pages, API, payee form ---------------------------------------------------------------


def test_pay_button_offers_what_the_payee_enabled_and_redirects_to_yookassa(
    payee_yk: Payee, cluster_a: Cluster, rep: User, yookassa_on: str
) -> None:
    invoice = issue(cluster_a)
    browser = signed_in(rep, cluster_a)
    html = browser.get(f"/billing/invoices/{invoice.pk}/").content.decode()
    for label in (
        "Оплатить: Банковская карта",
        "Оплатить: СБП (Система быстрых платежей)",
        "Оплатить: СберБизнес",
        "Оплатить: Банковская карта (Stripe)",
    ):
        assert label in html
    response = browser.post(f"/billing/invoices/{invoice.pk}/pay/", {"method": "yookassa:sbp"})
    assert response.status_code == 302 and response["Location"].startswith(f"{yookassa_on}/checkout/")
    payment = Payment.objects.get(invoice=invoice)
    remote = dict(sdk(yookassa_on, "alpha").find_one(payment.yookassa_payment_id))
    assert (
        remote["confirmation"]["return_url"]
        == f"http://alpha.localhost/billing/invoices/{invoice.pk}/?payment=return"
    )
    back = browser.get(f"/billing/invoices/{invoice.pk}/?payment=return").content.decode()
    assert "Ждём подтверждения от ЮKassa" in back
    with_yookassa(Payee.objects.get(cluster=cluster_a), methods=["bank_card"])
    refused = browser.post(f"/billing/invoices/{invoice.pk}/pay/", {"method": "yookassa:sbp"}, follow=True)
    assert "Этот способ оплаты в кластере не подключён" in refused.content.decode()
    html = browser.get(f"/billing/invoices/{invoice.pk}/").content.decode()
    assert "СберБизнес" not in html


def test_pay_page_refuses_others(
    payee_yk: Payee, cluster_a: Cluster, cluster_b: Cluster, rep: User, make_user: MakeUser, yookassa_on: str
) -> None:
    invoice = issue(cluster_a)
    url = f"/billing/invoices/{invoice.pk}/pay/"
    data = {"method": "yookassa:sbp"}
    other_admin = signed_in(make_user(ROLE.CLUSTER_ADMIN, cluster_b), cluster_b)
    assert other_admin.post(url, data).status_code == 404  # another cluster's host: not found
    no_role = make_user(None)
    assert client_for(cluster_a).post("/login/", {"email": no_role.email, "password": "x"}).status_code != 302
    other_rep = signed_in(
        make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=OTHER_COMPANY), cluster_a
    )
    assert other_rep.post(url, data).status_code == 404
    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    assert staff.post(url, data).status_code == 403  # managers record bank transfers, they do not pay
    anonymous = client_for(cluster_a).post(url, data)
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    assert not Payment.objects.filter(invoice=invoice).exists()


def test_api_pay_with_yookassa_and_its_refusals(
    payee_yk: Payee, cluster_a: Cluster, cluster_b: Cluster, rep: User, make_user: MakeUser, yookassa_on: str
) -> None:
    invoice = issue(cluster_a)
    api = api_client(token_for(rep, cluster_a), cluster_a)
    listed = api.get("/api/v1/invoices/").json()["results"]
    assert [o["method"] for o in listed[0]["payment_options"]] == [
        "yookassa:bank_card",
        "yookassa:sbp",
        "yookassa:b2b_sberbank",
        "stripe:card",
    ]
    response = api.post(
        f"/api/v1/invoices/{invoice.pk}/pay/", {"method": "yookassa:sbp"}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["gateway"] == "yookassa" and data["confirmation_url"].startswith(f"{yookassa_on}/checkout/")
    assert data["amount_kopecks"] == 1_500_000 and data["payment_id"]
    bad = api.post(
        f"/api/v1/invoices/{invoice.pk}/pay/", {"method": "yookassa:cash"}, content_type="application/json"
    )
    assert bad.status_code == 400 and "способ оплаты" in bad.content.decode()
    staff = make_user(ROLE.CLUSTER_STAFF, cluster_a)
    staff_api = api_client(token_for(staff, cluster_a), cluster_a)
    assert staff_api.get("/api/v1/invoices/").json()["results"][0]["payment_options"] == []
    assert (
        staff_api.post(
            f"/api/v1/invoices/{invoice.pk}/pay/", {"method": "yookassa:sbp"}, content_type="application/json"
        ).status_code
        == 403
    )
    other = api_client(token_for(make_user(ROLE.CLUSTER_ADMIN, cluster_b), cluster_b), cluster_b)
    assert (
        other.post(
            f"/api/v1/invoices/{invoice.pk}/pay/", {"method": "yookassa:sbp"}, content_type="application/json"
        ).status_code
        == 404
    )
    other_rep = api_client(
        token_for(make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=OTHER_COMPANY), cluster_a),
        cluster_a,
    )
    assert (
        other_rep.post(
            f"/api/v1/invoices/{invoice.pk}/pay/", {"method": "yookassa:sbp"}, content_type="application/json"
        ).status_code
        == 404
    )
    assert (
        client_for(cluster_a)
        .post(
            f"/api/v1/invoices/{invoice.pk}/pay/", {"method": "yookassa:sbp"}, content_type="application/json"
        )
        .status_code
        == 401
    )
    assert Payment.objects.filter(invoice=invoice).count() == 1


def test_payee_form_saves_yookassa_credentials_encrypted_and_never_shows_them(
    cluster_a: Cluster, make_user: MakeUser
) -> None:
    payee = make_payee(cluster_a)
    admin = signed_in(make_user(ROLE.CLUSTER_ADMIN, cluster_a), cluster_a)
    form = {
        name: getattr(payee, name)
        for name in (
            "name",
            "inn",
            "kpp",
            "address",
            "bank_name",
            "bik",
            "account",
            "correspondent_account",
            "director",
            "accountant",
            "vat_note",
            "stripe_publishable_key",
        )
    }
    missing = admin.post(
        "/billing/payee/", {**form, "gateways": ["yookassa", "stripe"], "yookassa_methods": ["sbp"]}
    )
    html = missing.content.decode()
    assert missing.status_code == 200 and "Для оплаты через ЮKassa укажите shopId." in html
    assert "Для оплаты через ЮKassa укажите секретный ключ." in html
    wrong = admin.post(
        "/billing/payee/",
        {
            **form,
            "gateways": ["yookassa"],
            "yookassa_shop_id": "100001",
            "yookassa_secret_key": "sk_wrong",
            "yookassa_methods": ["sbp"],
        },
    )
    assert "Секретный ключ ЮKassa начинается с «live_» или «test_»." in wrong.content.decode()
    saved = admin.post(
        "/billing/payee/",
        {
            **form,
            "gateways": ["yookassa", "stripe"],
            "yookassa_shop_id": "100001",
            "yookassa_secret_key": "test_secret_100001",
            "yookassa_methods": ["sbp", "b2b_sberbank"],
        },
        follow=True,
    )
    html = saved.content.decode()
    assert "Реквизиты получателя сохранены." in html and "test_secret_100001" not in html
    payee.refresh_from_db()
    assert payee.enabled_gateways == ["stripe", "yookassa"] and payee.yookassa_methods == [
        "sbp",
        "b2b_sberbank",
    ]
    assert payee.yookassa_secret_key_encrypted and "test_secret" not in payee.yookassa_secret_key_encrypted
    assert [code for code, _ in payee.payment_options()] == [
        "yookassa:sbp",
        "yookassa:b2b_sberbank",
        "stripe:card",
    ]
    assert "/billing/yookassa/notify/alpha/" in html
    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    assert staff.post("/billing/payee/", {**form, "gateways": []}).status_code == 403


def test_a_notification_whose_id_is_more_than_the_payment_id_verifies_nothing(
    payee_yk: Payee, cluster_a: Cluster, rep: User, yookassa_on: str
) -> None:
    """The id in the body goes into the API path as one quoted segment: «<id>/» or «<id>?x» is not
    the payment <id> (the SDK's own find_one would have sent them unquoted and read <id>)."""
    invoice = issue(cluster_a)
    started = start(rep, invoice)
    assert yookassa_checkout(started.confirmation_url) == 303
    payment_id = str(started.payment.yookassa_payment_id)
    for forged in (f"{payment_id}/", f"{payment_id}?a=1", f"{payment_id}#x"):
        body = {"type": "notification", "event": "payment.succeeded", "object": {"id": forged}}
        answer = post_notification("alpha", body)
        assert answer.status_code == 200 and answer.json()["detail"] == "unknown", forged
    invoice.refresh_from_db()
    assert invoice.status == Status.OPEN and invoice.paid_kopecks == 0
    assert not GatewayEvent.objects.filter(cluster=cluster_a, provider="yookassa").exists()
    genuine = yookassa_notification(yookassa_on, "100001", "payment.succeeded", payment_id)
    assert post_notification("alpha", genuine).json()["detail"] == "processed"
    invoice.refresh_from_db()
    assert invoice.status == Status.PAID and invoice.paid_kopecks == 1_500_000


@pytest.mark.django_db(transaction=True)
def test_the_same_notification_delivered_twice_at_the_same_moment_pays_once(
    cluster_a: Cluster, yookassa_on: str, make_user: MakeUser
) -> None:
    """Both deliveries re-read the payment from the API, then meet right before storing it."""
    from billing import webhooks

    with_yookassa(make_payee(cluster_a))
    invoice = issue(cluster_a)
    started = start(make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=COMPANY), invoice)
    assert yookassa_checkout(started.confirmation_url) == 303
    body = yookassa_notification(
        yookassa_on, "100001", "payment.succeeded", str(started.payment.yookassa_payment_id)
    )
    barrier = threading.Barrier(2)
    answers: list[tuple[int, str]] = []
    real_ingest = webhooks.event_ingest

    def ingest_together(**kwargs: Any) -> str:
        barrier.wait(timeout=10)
        return real_ingest(**kwargs)

    def post() -> None:
        try:
            response = post_notification("alpha", body)
            answers.append((response.status_code, response.json()["detail"]))
        finally:
            connection.close()

    webhooks.event_ingest = ingest_together
    threads = [threading.Thread(target=post) for _ in range(2)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
    finally:
        webhooks.event_ingest = real_ingest
    assert sorted(answers) == [(200, "duplicate"), (200, "processed")]
    invoice.refresh_from_db()
    assert (invoice.status, invoice.paid_kopecks) == (Status.PAID, 1_500_000)
    assert Payment.objects.filter(invoice=invoice, status=Payment.Status.SUCCEEDED).count() == 1
    assert GatewayEvent.objects.filter(cluster=cluster_a, provider="yookassa").count() == 1


def test_the_kept_api_connection_survives_a_server_restart_and_a_server_down_is_unavailable() -> None:
    """The re-read keeps one connection per thread: when YooKassa closes it between requests the
    next request opens a new one (answered by the server, here a restarted one that no longer
    knows the payment), and a server that is down is «unavailable» (the notification gets 503)."""
    from billing.gateways.base import GatewayNotFound, GatewayUnavailable
    from billing.gateways.yookassa import _read, call
    from billing.gateways.yookassa_local import ensure_server

    base, first = ensure_server(0)  # a server of this test's own, on a free port
    assert first is not None
    port = int(base.rsplit(":", 1)[1])
    client = ShopClient(shop_id="100009", secret_key="test_restart", endpoint=f"{base}/v3")
    second = None
    try:
        created = dict(
            _bound(SdkPayment, client).create(
                {
                    "amount": {"value": "10.00", "currency": "RUB"},
                    "capture": True,
                    "confirmation": {"type": "redirect", "return_url": RETURN},
                    "payment_method_data": {"type": "sbp"},
                    "metadata": {"cluster": "alpha"},
                },
                "restart-1",
            )
        )
        assert call(_read, client, SdkPayment.base_path, created["id"])["status"] == "pending"
        first.terminate()
        first.wait(timeout=10)
        _, second = ensure_server(port)
        assert second is not None
        with pytest.raises(GatewayNotFound):  # the new server's answer, on a new connection
            call(_read, client, SdkPayment.base_path, created["id"])
        second.terminate()
        second.wait(timeout=10)
        with pytest.raises(GatewayUnavailable):
            call(_read, client, SdkPayment.base_path, created["id"])
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(timeout=10)
