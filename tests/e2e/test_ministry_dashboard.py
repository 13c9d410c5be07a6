"""A federal ministry analyst opens the dashboard, filters by region, opens a cluster and downloads
the table as XLSX — in Chromium, on the public host."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from core.accounts.models import Grant, User
from core.accounts.services import grant_role, user_create
from tenants.models import Cluster
from tests.conftest import PASSWORD
from tests.federal import warehouse_rows as w

from .conftest import ARTIFACTS, UI

pytestmark = pytest.mark.browser

ANALYST = "Анна Сергеевна Громова"
EMAIL = "analyst@minpromtorg.example"


@pytest.fixture
def analyst(transactional_db: None, cluster_a: Cluster, cluster_b: Cluster) -> User:
    user = user_create(email=EMAIL, password=PASSWORD, full_name=ANALYST)
    grant_role(user=user, role=Grant.Role.MINISTRY_FEDERAL)
    for year in (2024, 2025):
        w.standard(cluster_a, year, revenue=90_000_000_00 + year, employees=420)
        w.standard(
            cluster_b,
            year,
            revenue=40_000_000_00,
            employees=180,
            checks={"participants_min": "fail", "cooperation_each": "pass"} if year == 2025 else None,
        )
    w.report(
        cluster_b,
        2025,
        {"members_total": 9, "revenue": 45_000_000_00, "employees": 180, "export": 1_000_000_00},
        correction_reason="Уточнена выручка",
        checks={"participants_min": "fail", "cooperation_each": "pass"},
    )
    w.snapshot(cluster_a, members=25, invoiced=1_000_000_00, paid=800_000_00, items=20, done=14)
    w.snapshot(cluster_b, members=9, invoiced=300_000_00, paid=150_000_00, items=10, done=3)
    return user


def test_ministry_analyst_filters_opens_a_cluster_and_downloads_xlsx(analyst: User, ui: UI) -> None:
    page = ui.page
    page.goto(ui.url(None, "/login/"))
    form = page.locator("form.form")
    form.locator("#id_email").fill(EMAIL)
    form.locator("#id_password").fill(PASSWORD)
    form.get_by_role("button", name="Войти").click()
    expect(page.locator("header .who")).to_have_text(ANALYST)

    # 1. The dashboard from the navigation: totals, charts, both clusters.
    page.locator("nav.nav summary", has_text="Министерство").click()  # the area menu drops down
    page.locator("nav.nav").get_by_role("link", name="Кластеры", exact=True).click()
    expect(page).to_have_url(ui.url_pattern(None, "/ministry/"))
    expect(page.locator("h1")).to_have_text("Сводка по кластерам")
    table = page.locator("table.fed-table tbody")
    expect(table.locator("tr")).to_have_count(2)
    expect(page.locator(".fed-charts svg")).to_have_count(6)
    expect(page.locator(".fed-checks")).to_contain_text("Есть невыполненные требования: 1")
    ui.shot("ministry-dashboard")

    # 2. Filter by region: only the Novosibirsk cluster is left.
    page.get_by_label("Фильтр по региону").select_option(label="Новосибирская область")
    page.get_by_role("button", name="Показать").click()
    expect(page).to_have_url(ui.url_pattern(None, "/ministry/"))
    assert "region=RU-NVS" in page.url
    expect(table.locator("tr")).to_have_count(1)
    expect(table).to_contain_text("Кластер Бета (тест)")
    expect(table).not_to_contain_text("Кластер Альфа (тест)")
    ui.shot("ministry-dashboard-filtered")

    # 3. Open the cluster: its versions and what the correction changed.
    table.get_by_role("link", name="Кластер Бета (тест)").click()
    expect(page).to_have_url(ui.url_pattern(None, "/ministry/clusters/beta/"))
    expect(page.locator("h1")).to_have_text("Кластер Бета (тест)")
    expect(page.locator("#report-h")).to_have_text("Отчёт за 2025 год, версия 2")
    expect(page.locator("table.fed-diff")).to_contain_text("45 000 000,00 ₽")
    expect(page.locator(".fed-check-list")).to_contain_text("Не выполнено")
    ui.shot("ministry-cluster")

    # 4. Back to the filtered overview and download the table.
    page.go_back()
    expect(table.locator("tr")).to_have_count(1)
    with page.expect_download() as info:
        page.get_by_role("link", name="Таблица в XLSX").click()
    download = info.value
    target = ARTIFACTS / "ministry-clusters.xlsx"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    download.save_as(target)
    assert download.suggested_filename.startswith("clusters-") and download.suggested_filename.endswith(
        ".xlsx"
    )
    sheet = load_workbook(target).active
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    assert [r[0] for r in rows[1:]] == ["Кластер Бета (тест)"]
    assert rows[1][header.index("Выручка участников, 2025")] == 45_000_000
    assert not ui.problems, ui.problems
