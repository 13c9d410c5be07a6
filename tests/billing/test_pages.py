"""Member portal pages: «Мои счета», the invoice with its PDF and receipt, the payment page, the
payee settings; and who may not see them."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from pytest_django import DjangoAssertNumQueries, Settings

from billing.documents import amount_in_words
from billing.models import Invoice, Payee
from billing.services import InvoiceLineSpec, payment_record_manual
from core.accounts.models import User
from core.audit.services import Actor
from core.clock import cluster_today
from tenants.models import Cluster
from tests.conftest import ROLE, MakeUser, client_for, signed_in

from .conftest import COMPANY, OTHER_COMPANY, issue

pytestmark = pytest.mark.django_db


def pdf_text(content: bytes, tmp_path: Path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(content)
    result = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
    )
    return " ".join(result.stdout.decode("utf-8").split())


@pytest.fixture
def rep(make_user: MakeUser, cluster_a: Cluster) -> User:
    return make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=COMPANY)


def test_amount_in_words() -> None:
    assert amount_in_words(1_500_000) == "Пятнадцать тысяч рублей 00 копеек"
    assert amount_in_words(2_122_101) == "Двадцать одна тысяча двести двадцать один рубль 01 копейка"
    assert amount_in_words(100_000_000_002) == "Один миллиард рублей 02 копейки"


def test_my_invoices_shows_only_own_company(
    cluster_a: Cluster,
    cluster_b: Cluster,
    rep: User,
    make_user: MakeUser,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    mine = [issue(cluster_a, name="ООО «Медтех»") for _ in range(3)]
    theirs = issue(cluster_a, company_id=OTHER_COMPANY, name="АО «Чужая»")
    issue(cluster_b, name="ООО «Бета-компания»")
    browser = signed_in(rep, cluster_a)
    with django_assert_max_num_queries(12):
        page = browser.get("/billing/invoices/")
    html = page.content.decode()
    assert page.status_code == 200 and "Мои счета" in html
    for invoice in mine:
        assert f"№ {invoice.number}" in html
    assert f"/billing/invoices/{theirs.pk}/" not in html and "Бета-компания" not in html
    assert '<td class="money">15\u00a0000,00\u00a0₽</td>' in html  # right-aligned, never wraps
    empty = browser.get("/billing/invoices/?q=нет-такого")
    assert "Ничего не найдено." in empty.content.decode()
    for _ in range(30):
        issue(cluster_a)
    with django_assert_max_num_queries(12):
        assert browser.get("/billing/invoices/?status=unpaid&sort=due_date").status_code == 200
    manager = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    staff_page = manager.get("/billing/invoices/?q=Чужая").content.decode()
    assert "Счета кластера" in staff_page and "АО «Чужая»" in staff_page


def test_invoice_pages_refuse_other_companies_clusters_and_anonymous(
    cluster_a: Cluster, cluster_b: Cluster, rep: User, make_user: MakeUser
) -> None:
    theirs = issue(cluster_a, company_id=OTHER_COMPANY)
    beta = issue(cluster_b)
    browser = signed_in(rep, cluster_a)
    for url in (
        f"/billing/invoices/{theirs.pk}/",
        f"/billing/invoices/{theirs.pk}/pdf/",
        f"/billing/invoices/{theirs.pk}/pay/",
        f"/billing/invoices/{theirs.pk}/status/",
        f"/billing/invoices/{beta.pk}/",
        f"/billing/invoices/{beta.pk}/pdf/",
    ):
        assert browser.get(url).status_code == 404, url
    assert (
        browser.post(
            f"/billing/invoices/{theirs.pk}/pay/confirm/",
            data={"setup_intent": "seti_x"},
            content_type="application/json",
        ).status_code
        == 404
    )
    outsider = signed_in(make_user(ROLE.CLUSTER_ADMIN, cluster_b), cluster_b)
    assert outsider.get(f"/billing/invoices/{beta.pk}/").status_code == 200
    # cluster B's session replayed on cluster A's host does not count
    replay = outsider.get(f"/billing/invoices/{theirs.pk}/", HTTP_HOST="alpha.localhost")
    assert replay.status_code == 302 and replay["Location"].startswith("/login/")
    # a signed-in user who holds no role in cluster A any more
    from core.accounts.services import grant_revoke

    former = make_user(ROLE.CLUSTER_STAFF, cluster_a)
    former_client = signed_in(former, cluster_a)
    grant_revoke(user=former, role=ROLE.CLUSTER_STAFF, cluster=cluster_a)
    assert former_client.get(f"/billing/invoices/{theirs.pk}/").status_code == 403
    assert former_client.get("/billing/invoices/").status_code == 403
    anonymous = client_for(cluster_a).get(f"/billing/invoices/{theirs.pk}/pdf/")
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    assert client_for(cluster_a).get("/billing/invoices/").status_code == 302
    # staff may see any invoice of the cluster, but do not pay with cards
    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    assert staff.get(f"/billing/invoices/{theirs.pk}/").status_code == 200
    assert staff.get(f"/billing/invoices/{theirs.pk}/pay/").status_code == 403


def test_invoice_pdf_is_a_russian_invoice_with_bank_details(
    cluster_a: Cluster, payee_a: Payee, rep: User, tmp_path: Path
) -> None:
    invoice = issue(
        cluster_a,
        lines=[
            InvoiceLineSpec("Вступительный взнос", 5_000_000, code="entrance"),
            InvoiceLineSpec("Членский взнос за 2026 год", 1_500_000, code="membership"),
        ],
    )
    browser = signed_in(rep, cluster_a)
    detail = browser.get(f"/billing/invoices/{invoice.pk}/").content.decode()
    assert "Скачать счёт (PDF)" in detail and "Оплатить" in detail and "Вступительный взнос" in detail
    response = browser.get(f"/billing/invoices/{invoice.pk}/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    text = pdf_text(response.content, tmp_path)
    assert f"Счёт на оплату № {invoice.number} от" in text
    for expected in (
        "ПАО «Тестовый банк»",
        "044525999",
        "40703810900000000001",
        "30101810600000000999",
        payee_a.inn,
        "АНО «Развитие alpha»",
        "ООО «Медтех»",
        "Вступительный взнос",
        "65 000,00",
        "Шестьдесят пять тысяч рублей 00 копеек",
        "Всего наименований 2",
        "Без налога (НДС)",
        "Руководитель Иванов",
    ):
        assert expected in text, expected
    assert (
        browser.get(f"/billing/invoices/{invoice.pk}/receipt/", follow=True)
        .content.decode()
        .count("Квитанция будет доступна")
        == 1
    )


def test_receipt_when_paid(
    cluster_a: Cluster, payee_a: Payee, rep: User, make_user: MakeUser, tmp_path: Path
) -> None:
    invoice = issue(cluster_a, amount=1_000_000)
    payment_record_manual(
        actor=Actor(user=make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster=cluster_a),
        invoice=invoice,
        amount_kopecks=1_000_000,
        order_number="321",
        order_date=cluster_today(cluster_a),
    )
    browser = signed_in(rep, cluster_a)
    detail = browser.get(f"/billing/invoices/{invoice.pk}/").content.decode()
    assert "Оплачен" in detail and "Скачать квитанцию (PDF)" in detail and "/pay/" not in detail
    text = pdf_text(browser.get(f"/billing/invoices/{invoice.pk}/receipt/").content, tmp_path)
    assert f"Квитанция об оплате счёта № {invoice.number}" in text
    assert "платёжное поручение № 321" in text and "Счёт оплачен полностью" in text
    status = browser.get(f"/billing/invoices/{invoice.pk}/status/").json()
    assert status == {
        "status": "paid",
        "status_display": "Оплачен",
        "paid": "10 000,00",
        "outstanding": "0,00",
    }


def test_without_online_payments_the_page_says_bank_transfer(cluster_a: Cluster, rep: User) -> None:
    invoice = issue(cluster_a)
    html = signed_in(rep, cluster_a).get(f"/billing/invoices/{invoice.pk}/").content.decode()
    assert "банковским переводом" in html and f"/billing/invoices/{invoice.pk}/pay/" not in html


def test_payment_page_csp_allows_only_the_configured_stripe(
    stripe_on: str, cluster_a: Cluster, payee_a: Payee, rep: User, settings: Settings
) -> None:
    settings.CONTENT_SECURITY_POLICY = {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "connect-src": ["'self'"],
    }
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "clusterhub.security.ContentSecurityPolicyMiddleware"]
    invoice = issue(cluster_a)
    browser = signed_in(rep, cluster_a)
    pay = browser.post(f"/billing/invoices/{invoice.pk}/pay/")
    csp = pay["Content-Security-Policy"]
    assert f"script-src 'self' {stripe_on}" in csp and f"connect-src 'self' {stripe_on}" in csp
    assert "js.stripe.com" not in csp.replace(f"{stripe_on}", "")
    other = browser.get(f"/billing/invoices/{invoice.pk}/")["Content-Security-Policy"]
    assert stripe_on not in other


def test_payee_page_is_for_cluster_admins_and_never_shows_secrets(
    cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser, payee_a: Payee
) -> None:
    admin = signed_in(make_user(ROLE.CLUSTER_ADMIN, cluster_a), cluster_a)
    page = admin.get("/billing/payee/").content.decode()
    assert (
        "сохранён (не показывается)" in page
        and "sk_test_alpha" not in page
        and "whsec_test_alpha" not in page
    )
    assert "/billing/stripe/webhook/alpha/" in page
    form = {
        "name": "АНО «Новое имя»",
        "inn": payee_a.inn,
        "kpp": "000001001",
        "address": "",
        "bank_name": "Банк",
        "bik": "044525999",
        "account": "40703810900000000001",
        "correspondent_account": "30101810600000000999",
        "director": "",
        "accountant": "",
        "vat_note": "Без налога (НДС)",
        "stripe_publishable_key": "pk_test_alpha",
        "stripe_secret_key": "",
        "stripe_webhook_secret": "",
    }
    assert admin.post("/billing/payee/", form).status_code == 302
    payee = Payee.objects.get(cluster=cluster_a)
    assert payee.name == "АНО «Новое имя»" and payee.has_stripe_secret_key and payee.has_webhook_secret
    bad = admin.post("/billing/payee/", form | {"bik": "12", "stripe_secret_key": "oops"}).content.decode()
    assert "БИК: ровно 9 цифр." in bad and "oops" not in bad
    for user in (
        make_user(ROLE.CLUSTER_STAFF, cluster_a),
        make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=COMPANY),
    ):
        assert signed_in(user, cluster_a).get("/billing/payee/").status_code == 403
    b_admin = signed_in(make_user(ROLE.CLUSTER_ADMIN, cluster_b), cluster_b)
    assert b_admin.get("/billing/payee/").status_code == 200  # its own cluster
    replay = b_admin.get("/billing/payee/", HTTP_HOST="alpha.localhost")
    assert replay.status_code == 302 and replay["Location"].startswith("/login/")
    assert client_for(cluster_a).get("/billing/payee/").status_code == 302
    assert client_for(None).get("/billing/payee/").status_code == 404
    assert Invoice.objects.count() == 0


def test_status_poll_reads_the_invoice_row_only(
    cluster_a: Cluster, payee_a: Payee, rep: User, make_user: MakeUser
) -> None:
    """What pay.js polls while it waits for the webhook: the same answer as the invoice page knows,
    in as many queries for an invoice with many lines and payments as for a fresh one, and none
    of them on the lines, payments or refunds tables."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    fresh = issue(cluster_a, amount=1_000_000)
    busy = issue(
        cluster_a,
        lines=[
            InvoiceLineSpec(description=f"Услуга {i}", unit_price_kopecks=100_000, code=f"s{i}")
            for i in range(10)
        ],
    )
    staff = Actor(user=make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster=cluster_a)
    for number in ("11", "12", "13"):
        payment_record_manual(
            actor=staff,
            invoice=busy,
            amount_kopecks=100_000,
            order_number=number,
            order_date=cluster_today(cluster_a),
        )
    browser = signed_in(rep, cluster_a)
    browser.get(f"/billing/invoices/{fresh.pk}/status/")  # the session's first request
    answers, counts = [], []
    for invoice in (fresh, busy):
        with CaptureQueriesContext(connection) as queries:
            answers.append(browser.get(f"/billing/invoices/{invoice.pk}/status/").json())
        counts.append(len(queries))
        assert not [
            q["sql"] for q in queries if "billing_invoiceline" in q["sql"] or "billing_payment" in q["sql"]
        ]
    assert counts[0] == counts[1]
    assert answers == [
        {"status": "open", "status_display": "Выставлен", "paid": "0,00", "outstanding": "10 000,00"},
        {
            "status": "partially_paid",
            "status_display": "Оплачен частично",
            "paid": "3 000,00",
            "outstanding": "7 000,00",
        },
    ]
    # Another company's invoice stays a 404 for this representative.
    theirs = issue(cluster_a, company_id=OTHER_COMPANY, name="АО «Чужая»")
    assert browser.get(f"/billing/invoices/{theirs.pk}/status/").status_code == 404
