"""/api/v1/invoices/ and /api/v1/payments/: scoping, filters, pagination, writes, refusals."""

from __future__ import annotations

import pytest
from django.test import Client
from pytest_django import DjangoAssertNumQueries

from billing.models import Invoice, Payee, Payment
from core.accounts.models import User
from core.clock import cluster_today
from tenants.models import Cluster
from tests.conftest import ROLE, MakeUser, api_client, client_for, token_for

from .conftest import COMPANY, OTHER_COMPANY, issue

pytestmark = pytest.mark.django_db


def as_user(user: User, cluster: Cluster) -> Client:
    return api_client(token_for(user, cluster), cluster)


def test_representative_lists_only_its_company_with_filters(
    cluster_a: Cluster,
    cluster_b: Cluster,
    make_user: MakeUser,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    rep = as_user(make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=COMPANY), cluster_a)
    mine = [issue(cluster_a, amount=100_000 * (i + 1)) for i in range(30)]
    other = issue(cluster_a, company_id=OTHER_COMPANY)
    issue(cluster_b)
    with django_assert_max_num_queries(10):
        page = rep.get("/api/v1/invoices/?page_size=10&ordering=-amount_kopecks")
    body = page.json()
    assert page.status_code == 200 and body["count"] == 30 and len(body["results"]) == 10
    assert (
        body["results"][0]["amount_kopecks"] == 3_000_000 and body["results"][0]["lines"][0]["position"] == 1
    )
    assert {r["company_id"] for r in body["results"]} == {COMPANY}
    assert rep.get(f"/api/v1/invoices/{other.pk}/").status_code == 404
    assert rep.get(f"/api/v1/invoices/?search={mine[3].number}").json()["count"] == 1
    assert rep.get("/api/v1/invoices/?status=paid").json()["count"] == 0
    assert rep.get(f"/api/v1/invoices/{mine[0].pk}/").json()["status_display"] == "Выставлен"


def test_managers_see_all_and_record_bank_transfers(cluster_a: Cluster, make_user: MakeUser) -> None:
    staff = as_user(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    invoice = issue(cluster_a, amount=1_000_000)
    issue(cluster_a, company_id=OTHER_COMPANY)
    assert staff.get("/api/v1/invoices/").json()["count"] == 2
    assert staff.get(f"/api/v1/invoices/?company_id={OTHER_COMPANY}").json()["count"] == 1
    today = cluster_today(cluster_a).isoformat()
    created = staff.post(
        "/api/v1/payments/",
        {"invoice": invoice.pk, "amount_kopecks": 400_000, "order_number": "12", "order_date": today},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["method"] == "manual" and created.json()["status"] == "succeeded"
    too_much = staff.post(
        "/api/v1/payments/",
        {"invoice": invoice.pk, "amount_kopecks": 700_000, "order_number": "13", "order_date": today},
        content_type="application/json",
    )
    assert too_much.status_code == 400
    assert too_much.json()["errors"]["amount_kopecks"] == ["Сумма больше остатка по счёту (6 000,00 ₽)."]
    assert staff.get(f"/api/v1/invoices/{invoice.pk}/").json()["status"] == "partially_paid"
    listed = staff.get("/api/v1/payments/?method=manual").json()
    assert listed["count"] == 1 and listed["results"][0]["invoice_number"] == invoice.number
    refund = staff.post(
        f"/api/v1/payments/{created.json()['id']}/refund/",
        {"amount_kopecks": 100_000, "reason": "Переплата"},
        content_type="application/json",
    )
    assert refund.status_code == 201 and refund.json()["status"] == "succeeded"
    assert Invoice.objects.get(pk=invoice.pk).paid_kopecks == 300_000
    unpaid = issue(cluster_a)
    voided = staff.post(
        f"/api/v1/invoices/{unpaid.pk}/void/", {"reason": "Ошибка"}, content_type="application/json"
    )
    assert voided.status_code == 200 and voided.json()["status"] == "void"


def test_payments_and_writes_are_refused_to_others(
    cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser
) -> None:
    invoice = issue(cluster_a)
    rep = as_user(make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=COMPANY), cluster_a)
    assert rep.get("/api/v1/payments/").status_code == 403
    assert (
        rep.post(
            "/api/v1/payments/",
            {"invoice": invoice.pk, "amount_kopecks": 1, "order_number": "1", "order_date": "2026-01-01"},
            content_type="application/json",
        ).status_code
        == 403
    )
    assert (
        rep.post(
            f"/api/v1/invoices/{invoice.pk}/void/", {"reason": "x"}, content_type="application/json"
        ).status_code
        == 403
    )
    other_rep = as_user(make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=OTHER_COMPANY), cluster_a)
    assert other_rep.post(f"/api/v1/invoices/{invoice.pk}/pay/").status_code == 404
    assert other_rep.get(f"/api/v1/invoices/{invoice.pk}/pdf/").status_code == 404
    staff = as_user(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    assert staff.post(f"/api/v1/invoices/{invoice.pk}/pay/").status_code == 403  # staff do not pay by card
    beta_staff = make_user(ROLE.CLUSTER_STAFF, cluster_b)
    beta = as_user(beta_staff, cluster_b)
    assert beta.get(f"/api/v1/invoices/{invoice.pk}/").status_code == 404
    assert beta.post(
        "/api/v1/payments/",
        {"invoice": invoice.pk, "amount_kopecks": 1, "order_number": "1", "order_date": "2026-01-01"},
        content_type="application/json",
    ).json()["errors"]["invoice"] == ["Такого счёта нет в этом кластере."]
    token_b = token_for(beta_staff, cluster_b)
    from django.test import Client

    replay = Client(HTTP_HOST="alpha.localhost", HTTP_AUTHORIZATION=f"Token {token_b}")
    assert replay.get("/api/v1/invoices/").status_code == 403
    for url in ("/api/v1/invoices/", f"/api/v1/invoices/{invoice.pk}/pdf/", "/api/v1/payments/"):
        assert client_for(cluster_a).get(url).status_code in {401, 403}, url
    assert client_for(cluster_a).post(f"/api/v1/invoices/{invoice.pk}/pay/").status_code in {401, 403}
    assert not Payment.objects.exists()


def test_pdf_and_pay_through_the_api(
    stripe_on: str, cluster_a: Cluster, payee_a: Payee, make_user: MakeUser
) -> None:
    rep = as_user(make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=COMPANY), cluster_a)
    invoice = issue(cluster_a, amount=2_500_000)
    pdf = rep.get(f"/api/v1/invoices/{invoice.pk}/pdf/")
    assert (
        pdf.status_code == 200
        and pdf["Content-Type"] == "application/pdf"
        and pdf.content.startswith(b"%PDF")
    )
    paid = rep.post(f"/api/v1/invoices/{invoice.pk}/pay/")
    assert paid.status_code == 200, paid.content
    body = paid.json()
    assert body["amount_kopecks"] == 2_500_000 and body["client_secret"].startswith(body["payment_intent"])
    assert body["setup_client_secret"].startswith("seti_") and body["publishable_key"] == "pk_test_alpha"
    assert rep.post(f"/api/v1/invoices/{invoice.pk}/pay/").json()["payment_intent"] == body["payment_intent"]
    assert Invoice.objects.get(pk=invoice.pk).status == "open"
