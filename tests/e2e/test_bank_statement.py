"""Cluster staff import the demo bank statement in Chromium: the preview shows each line's
state, applying records the payments, and importing the same file again books nothing twice.
Screenshots at 390 and 1366 px wide go to test-artifacts/e2e/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connections
from playwright.sync_api import expect

from billing.models import Invoice, Payment
from billing.statements import demo
from core.accounts.models import Grant
from core.accounts.services import grant_role, user_create
from tenants.models import Cluster
from tests.billing.conftest import issue, make_payee
from tests.conftest import PASSWORD

from .conftest import UI

pytestmark = pytest.mark.browser

STAFF_EMAIL = "staff@alpha.example"
WIDTHS = (390, 1366)


@pytest.fixture
def demo_statement(
    transactional_db: None, cluster_a: Cluster, settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, list[Invoice]]:
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(demo, "DEMO_SLUGS", frozenset({"alpha"}))
    make_payee(cluster_a)
    invoices = [
        issue(
            cluster_a,
            company_id=company,
            amount=1_000_000 + company * 10_000,
            name=f"ООО «Участник {company}»",
        )
        for company in (11, 12, 13, 14)
    ]
    user = user_create(email=STAFF_EMAIL, password=PASSWORD, full_name="Ольга Бухгалтерова")
    grant_role(user=user, role=Grant.Role.CLUSTER_STAFF, cluster=cluster_a)
    demo.demo_statements([cluster_a])
    return demo.demo_statement_path(cluster_a), invoices


@pytest.fixture
def db_closed_after(ui: UI) -> Iterator[None]:
    yield
    connections.close_all()


def shots(ui: UI, name: str) -> None:
    for width in WIDTHS:
        ui.page.set_viewport_size({"width": width, "height": 900})
        ui.shot(f"statement-{name}-{width}")
    ui.page.set_viewport_size({"width": 1280, "height": 800})


def upload(ui: UI, path: Path) -> None:
    page = ui.page
    page.goto(ui.url("alpha", "/fees/statements/"))
    expect(page.locator("h1")).to_have_text("Выписки банка")
    page.locator("input[type=file]").set_input_files(str(path))
    page.get_by_role("button", name="Загрузить").click()
    expect(page.locator("#statement-status")).to_have_text("Предпросмотр")


def test_staff_import_the_demo_statement_and_a_reimport_books_nothing_twice(
    demo_statement: tuple[Path, list[Invoice]], ui: UI, db_closed_after: None
) -> None:
    path, invoices = demo_statement
    page = ui.page
    page.goto(ui.url("alpha", "/login/"))
    form = page.locator("form.form")
    form.locator("#id_email").fill(STAFF_EMAIL)
    form.locator("#id_password").fill(PASSWORD)
    form.get_by_role("button", name="Войти").click()
    expect(page.locator("header .account")).to_contain_text("Ольга Бухгалтерова")

    upload(ui, path)
    rows = page.locator("#lines tbody tr")
    expect(rows).to_have_count(5)  # the bank fee (a debit) is not listed
    expect(rows.nth(0)).to_contain_text("Оплачен полностью")
    expect(rows.nth(0)).to_contain_text(f"№ {invoices[0].number}")
    expect(rows.nth(2)).to_contain_text("Частичная оплата")
    expect(rows.nth(3)).to_contain_text("найден по ИНН плательщика и сумме")
    expect(rows.nth(4)).to_contain_text("Счёт не найден")
    expect(page.locator("#state-counts")).to_contain_text("Оплачен полностью: 3")
    assert not Payment.objects.exists()
    shots(ui, "01-preview")

    page.get_by_role("link", name="Провести выписку").click()
    expect(page.locator("h1")).to_contain_text("Провести выписку")
    shots(ui, "02-confirm")
    page.get_by_role("button", name="Провести").click()
    expect(page.locator("#statement-status")).to_have_text("Проведена")
    expect(page.locator("ul.messages")).to_contain_text("Выписка проведена")
    assert Payment.objects.count() == 4
    paid = {i.number: i.status for i in Invoice.objects.filter(pk__in=[i.pk for i in invoices])}
    assert sorted(paid.values()) == ["paid", "paid", "paid", "partially_paid"]
    shots(ui, "03-applied")

    upload(ui, path)  # the same file again
    expect(page.locator("#state-counts")).to_contain_text("Уже учтён: 4")
    expect(page.locator("#state-counts")).not_to_contain_text("Оплачен полностью")
    shots(ui, "04-reimport")
    page.get_by_role("link", name="Провести выписку").click()
    page.get_by_role("button", name="Провести").click()
    expect(page.locator("#statement-status")).to_have_text("Проведена")
    assert Payment.objects.count() == 4

    page.goto(ui.url("alpha", "/fees/statements/queue/"))
    expect(page.locator("#lines tbody tr")).to_have_count(2)  # the donation, once per applied statement
    expect(page.locator("#lines")).to_contain_text("Меценат")
    shots(ui, "05-queue")
    assert not [p for p in ui.problems if "/static/" in p], ui.problems
