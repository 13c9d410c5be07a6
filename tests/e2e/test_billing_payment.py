"""A member representative opens an invoice, pays it with the test card 4242… through
localstripe's Stripe.js, and the page shows «Оплачен» once the webhook has arrived.

The webhook is delivered the way Stripe delivers it: localstripe POSTs the signed
payment_intent.succeeded event to the cluster's endpoint on the public host (registered with
localstripe's /_config/webhooks/<cluster> by billing.demo.localstripe_webhooks_register).
The page itself never marks anything paid; it polls the invoice status.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.db import connections
from django.utils import timezone
from django_tenants.utils import schema_context
from playwright.sync_api import expect
from pytest_django import Settings

from billing.demo import localstripe_webhooks_register
from billing.models import GatewayEvent, Invoice, Payment
from billing.services import InvoiceLineSpec, invoice_issue
from core.accounts.models import Grant, User
from core.accounts.services import grant_role, user_create
from core.audit.services import Actor
from tenants.members.models import Company
from tenants.models import Cluster
from tests.billing.conftest import make_payee
from tests.conftest import PASSWORD
from tests.members import factories

from .conftest import UI

pytestmark = pytest.mark.browser

REP_EMAIL = "anna.buh@medtech.example"
REP_NAME = "Анна Сергеевна Кузнецова"


@pytest.fixture
def member_invoice(
    transactional_db: None, cluster_a: Cluster, settings: Settings, localstripe: str
) -> tuple[User, Invoice]:
    settings.STRIPE_API_BASE = localstripe
    make_payee(cluster_a)
    with schema_context(cluster_a.schema_name):
        company = factories.company(cluster_a, "Медтех", status=Company.Status.ACTIVE)
    user = user_create(email=REP_EMAIL, password=PASSWORD, full_name=REP_NAME)
    grant_role(user=user, role=Grant.Role.MEMBER_REPRESENTATIVE, cluster=cluster_a, company_id=company.pk)
    today = timezone.localdate()
    invoice, _ = invoice_issue(
        actor=Actor.system(cluster_a),
        cluster=cluster_a,
        company_id=company.pk,
        company_name=company.full_name,
        company_inn=company.inn,
        company_kpp="",
        period_label=str(today.year),
        source_key="e2e:membership",
        lines=[InvoiceLineSpec(f"Членский взнос за {today.year} год", 1_500_000, code="membership")],
        issue_date=today,
        due_date=today + dt.timedelta(days=30),
    )
    return user, invoice


@pytest.fixture
def db_closed_after(ui: UI) -> Iterator[None]:
    """ORM calls made while Playwright's loop runs use their own connection: close it, so the
    test database can be dropped at the end of the session."""
    yield
    connections.close_all()


def test_representative_pays_an_invoice_by_card(
    member_invoice: tuple[User, Invoice], ui: UI, db_closed_after: None
) -> None:
    user, invoice = member_invoice
    assert localstripe_webhooks_register(public_url=ui.url(None, "")) == 1
    page = ui.page
    page.goto(ui.url("alpha", "/login/"))
    form = page.locator("form.form")
    form.locator("#id_email").fill(REP_EMAIL)
    form.locator("#id_password").fill(PASSWORD)
    form.get_by_role("button", name="Войти").click()
    expect(page.locator("header .account")).to_contain_text(REP_NAME)

    page.locator("nav.nav").get_by_role("link", name="Мои счета").click()
    expect(page.locator("h1")).to_have_text("Мои счета")
    row = page.locator("table.grid tbody tr").filter(has_text=invoice.number)
    expect(row).to_contain_text("15 000,00")
    expect(row).to_contain_text("Выставлен")
    ui.shot("billing-01-my-invoices")

    row.get_by_role("link", name=f"№ {invoice.number}").click()
    expect(page.locator("h1")).to_contain_text(f"Счёт № {invoice.number}")
    expect(page.locator("#invoice-status")).to_have_text("Выставлен")
    ui.shot("billing-02-invoice")

    page.get_by_role("button", name="Оплатить", exact=True).click()
    expect(page.locator("h1")).to_have_text(f"Оплата счёта № {invoice.number}")
    card = page.locator("#card-element")
    expect(card).to_contain_text("localstripe")  # the fake Stripe.js mounted its card Element
    card.get_by_placeholder("number").fill("4242424242424242")
    card.get_by_placeholder("exp_month").fill("12")
    card.get_by_placeholder("exp_year").fill("34")
    card.get_by_placeholder("cvc").fill("123")
    card.get_by_placeholder("postal_code").fill("141980")
    ui.shot("billing-03-card")
    page.get_by_role("button", name="Оплатить 15 000,00 ₽").click()

    # Stripe charged the card; the page waits for the webhook, then shows the new status.
    expect(page.locator("#invoice-status")).to_have_text("Оплачен", timeout=30_000)
    expect(page.locator("#payment-message")).to_have_text("Оплата получена. Спасибо!")
    # paid: the card form is gone and the receipt is one click away
    expect(page.locator("#payment-form")).to_be_hidden()
    expect(page.locator("#payment-done").get_by_role("link", name="Скачать квитанцию (PDF)")).to_be_visible()
    ui.shot("billing-04-paid")

    invoice.refresh_from_db()
    assert (invoice.status, invoice.paid_kopecks) == (Invoice.Status.PAID, 1_500_000)
    payment = Payment.objects.get(invoice=invoice)
    assert payment.status == Payment.Status.SUCCEEDED and payment.stripe_payment_intent_id
    assert (
        GatewayEvent.objects.filter(
            cluster=invoice.cluster, type="payment_intent.succeeded", status=GatewayEvent.Status.PROCESSED
        ).count()
        == 1
    )

    page.goto(ui.url("alpha", f"/billing/invoices/{invoice.pk}/"))
    expect(page.locator("#invoice-status")).to_have_text("Оплачен")
    expect(page.get_by_role("link", name="Скачать квитанцию (PDF)")).to_be_visible()
    ui.shot("billing-05-invoice-paid")
    assert not [p for p in ui.problems if "js.stripe.com" in p or "/static/" in p], ui.problems
