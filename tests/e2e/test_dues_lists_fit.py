"""The dues lists (fees and «Мои счета») in Chromium at 390 and 1366 px: the filter bar, the
sortable headers and the table fit the viewport (a wide table scrolls in its own box), a header
click sorts the arrears report, money stays on one line, and a representative's «Мои счета» offers
«Оплатить». Screenshots go to test-artifacts/e2e/dues-<page>-<width>.png."""

from __future__ import annotations

import datetime as dt

import pytest
from django_tenants.utils import schema_context
from playwright.sync_api import expect

from billing.models import Invoice
from billing.services import payment_record_manual
from billing.statements.models import BankStatement
from core.accounts.models import Grant
from core.accounts.services import grant_role, user_create
from core.audit.services import Actor
from core.clock import cluster_today
from tenants.fees import services
from tenants.models import Cluster
from tests.conftest import PASSWORD
from tests.fees import factories as fees

from .conftest import UI

ADMIN = "admin.dues@alpha.example"
MEMBER = "member.dues@alpha.example"
LONG = "Общество с ограниченной ответственностью «Научно-производственное объединение {}»"
MANAGER_PAGES = {
    "schedules": "/fees/",
    "runs": "/fees/runs/",
    "arrears": "/fees/arrears/",
    "statements": "/fees/statements/",
    "cluster-invoices": "/billing/invoices/",
}


@pytest.fixture
def prepared(transactional_db: None, cluster_a: Cluster) -> None:
    admin = user_create(email=ADMIN, password=PASSWORD, full_name="Анна Сергеевна Взносова")
    grant_role(user=admin, role=Grant.Role.CLUSTER_ADMIN, cluster=cluster_a)
    year = cluster_today(cluster_a).year + 1
    with schema_context(cluster_a.schema_name):
        schedule = fees.schedule(
            cluster_a,
            name="Положение об уплате вступительных и членских взносов участников кластера",
            amount_kopecks=1_250_000_00,
            entrance_fee_kopecks=100_000_00,
            due_day=31,
            due_month=3,
        )
        companies = [fees.member(cluster_a, LONG.format(n)) for n in ("Альфа", "Бета", "Гамма", "Дельта")]
        run = services.assessment_start(actor=Actor.system(cluster_a), schedule=schedule, period=str(year))
        services.assessment_execute(run_id=run.pk)
    member = user_create(email=MEMBER, password=PASSWORD, full_name="Борис Плательщиков")
    grant_role(
        user=member, role=Grant.Role.MEMBER_REPRESENTATIVE, cluster=cluster_a, company_id=companies[0].pk
    )
    invoices = {i.company_id: i for i in Invoice.objects.filter(cluster=cluster_a)}
    for company, paid in zip(companies[1:], (1_250_000_00, 400_000_00), strict=False):
        payment_record_manual(
            actor=Actor.system(cluster_a),
            invoice=invoices[company.pk],
            amount_kopecks=paid,
            order_number="15",
            order_date=cluster_today(cluster_a),
        )
    BankStatement.objects.create(
        cluster=cluster_a,
        file_name="kl_to_1c_выписка_за_февраль_2026_года_по_расчётному_счёту.txt",
        file_sha256="2" * 64,
        account="40702810900000000001",
        date_from=dt.date(2026, 2, 1),
        date_to=dt.date(2026, 2, 28),
        credits=1_234,
        status=BankStatement.Status.APPLIED,
        uploaded_by=admin,
    )


def test_dues_lists_fit_phone_and_desktop_and_sort_by_header(prepared: None, ui: UI) -> None:
    page = ui.page
    ui.sign_in("alpha", ADMIN, PASSWORD, name="Анна")
    for name, path in MANAGER_PAGES.items():
        ui.list_fits("alpha", path, f"dues-{name}")
    # two clicks on «Долг»: the smallest debt first (paid in full), then the largest
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(ui.url("alpha", "/fees/arrears/?sort=company"))
    ui.sort_by("Долг", ascending_first="Бета", money="1\u00a0250\u00a0000,00\u00a0₽", money_cell=2)
    # the representative's own «Мои счета», with «Оплатить»
    ui.context.clear_cookies()
    ui.sign_in("alpha", MEMBER, PASSWORD, name="Борис")
    ui.list_fits("alpha", "/billing/invoices/", "dues-my-invoices")
    expect(page.locator("table.grid tbody").get_by_role("link", name="Оплатить")).to_have_count(1)
    assert not ui.problems, ui.problems
