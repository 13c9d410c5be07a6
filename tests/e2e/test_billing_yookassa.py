"""A member representative pays an invoice through YooKassa by SBP in Chromium, on the local
YooKassa-compatible server: «Оплатить: СБП» on the invoice → YooKassa's page → «Оплатить» → back
on the invoice, which shows «Оплачен» and the receipt.

The notification is delivered the way YooKassa delivers it: the local server POSTs
payment.succeeded to the cluster's endpoint on the public host (registered with its
/_config/notifications/<shop> by billing.demo.yookassa_notifications_register); the endpoint
re-reads the payment through the API before anything is marked paid.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from pytest_django import Settings

from billing.demo import yookassa_notifications_register
from billing.models import GatewayEvent, Invoice, Payment
from core.accounts.models import User
from tests.billing.conftest import with_yookassa
from tests.conftest import PASSWORD

from .conftest import UI
from .test_billing_payment import REP_EMAIL, REP_NAME, db_closed_after, member_invoice  # noqa: F401 - fixtures

pytestmark = pytest.mark.browser


def test_representative_pays_an_invoice_by_sbp_through_yookassa(
    member_invoice: tuple[User, Invoice],  # noqa: F811
    ui: UI,
    db_closed_after: None,  # noqa: F811
    settings: Settings,
    yookassa_local: str,
) -> None:
    user, invoice = member_invoice
    settings.YOOKASSA_API_BASE = yookassa_local
    from billing.models import Payee

    with_yookassa(Payee.objects.get(cluster=invoice.cluster))
    assert yookassa_notifications_register(public_url=ui.url(None, "")) >= 1
    page = ui.page
    page.goto(ui.url("alpha", "/login/"))
    form = page.locator("form.form")
    form.locator("#id_email").fill(REP_EMAIL)
    form.locator("#id_password").fill(PASSWORD)
    form.get_by_role("button", name="Войти").click()
    expect(page.locator("header .account")).to_contain_text(REP_NAME)

    page.goto(ui.url("alpha", f"/billing/invoices/{invoice.pk}/"))
    expect(page.locator("#invoice-status")).to_have_text("Выставлен")
    expect(page.locator("#pay-button")).to_have_text("Оплатить: Банковская карта (Stripe)")
    ui.shot("yookassa-01-invoice-options")
    page.get_by_role("button", name="Оплатить: СБП (Система быстрых платежей)").click()

    # YooKassa's page (the local server): the payer confirms in their bank's app — here, a button.
    expect(page.locator("#method")).to_have_text("СБП (Система быстрых платежей)")
    expect(page.locator("h1")).to_have_text("15000,00 ₽")
    assert page.url.startswith(yookassa_local + "/checkout/")
    ui.shot("yookassa-02-checkout")
    page.locator("#pay").click()

    # Back on the invoice: paid once the verified notification was applied, with the receipt.
    expect(page.locator("h1")).to_contain_text(f"Счёт № {invoice.number}")
    expect(page.locator("#invoice-status")).to_have_text("Оплачен", timeout=30_000)
    expect(page.get_by_role("link", name="Скачать квитанцию (PDF)")).to_be_visible()
    expect(page.locator("table.grid").last).to_contain_text("Онлайн: СБП (Система быстрых платежей)")
    ui.shot("yookassa-03-paid")

    invoice.refresh_from_db()
    assert (invoice.status, invoice.paid_kopecks) == (Invoice.Status.PAID, 1_500_000)
    payment = Payment.objects.get(invoice=invoice)
    assert (payment.status, payment.gateway, payment.gateway_method) == ("succeeded", "yookassa", "sbp")
    assert (
        GatewayEvent.objects.filter(
            cluster=invoice.cluster, provider="yookassa", status=GatewayEvent.Status.PROCESSED
        ).count()
        == 1
    )
    receipt = page.evaluate(
        "async (url) => { const r = await fetch(url); return [r.status, r.headers.get('content-type')]; }",
        f"/billing/invoices/{invoice.pk}/receipt/",
    )
    assert receipt == [200, "application/pdf"]
