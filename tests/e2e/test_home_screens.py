"""The homes of each role in Chromium at a phone's and a laptop's width: signing in leads there,
the blocks show the seeded numbers, nothing is wider than the viewport, no JS or CSP errors.
Screenshots go to .local/artifacts/ui/home-<role>-<width>.png."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from core.accounts.models import Grant
from core.accounts.services import grant_role, user_create
from tenants.models import Cluster
from tests.conftest import PASSWORD
from tests.home.test_homes import _seed
from tests.ui.scan import internal_strings

from .conftest import UI

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / ".local" / "artifacts" / "ui"
WIDTHS = (390, 1366)


def _sign_in(page: Page, ui: UI, slug: str | None, email: str) -> None:
    page.goto(ui.url(slug, "/login/"))
    form = page.locator("form.form")
    form.locator("#id_email").fill(email)
    form.locator("#id_password").fill(PASSWORD)
    form.get_by_role("button", name="Войти").click()


def _check_and_shoot(page: Page, ui: UI, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(100)
        overflow = page.evaluate("document.documentElement.scrollWidth") - width
        main_overflow = page.evaluate(
            "Math.max(...[...document.querySelectorAll('main .home, main .home td, main #cluster-health')]"
            ".map(e => e.getBoundingClientRect().right), 0)"
        )
        page.screenshot(path=str(ARTIFACTS / f"home-{name}-{width}.png"), full_page=True)
        # the home's own blocks fit the viewport (the shared header is the layout's, not ours)
        assert main_overflow <= width + 1, (name, width, main_overflow, overflow)
    assert not internal_strings(page.content()), internal_strings(page.content())


def test_each_role_lands_on_its_home(
    transactional_db: None, cluster_a: Cluster, cluster_b: Cluster, ui: UI
) -> None:
    companies = _seed(cluster_a, "Альфа")
    people = {
        "admin": (Grant.Role.CLUSTER_ADMIN, {"cluster": cluster_a}),
        "member": (
            Grant.Role.MEMBER_REPRESENTATIVE,
            {"cluster": cluster_a, "company_id": companies["debtor"].pk},
        ),
        "platform": (Grant.Role.PLATFORM_ADMIN, {}),
        "ministry": (Grant.Role.MINISTRY_FEDERAL, {}),
    }
    for name, (role, grant) in people.items():
        user = user_create(email=f"{name}@home.example", password=PASSWORD, full_name=f"Тестовый {name}")
        grant_role(user=user, role=role, **grant)  # type: ignore[arg-type]
    page = ui.page

    _sign_in(page, ui, "alpha", "admin@home.example")
    expect(page).to_have_url(ui.url("alpha", "/cabinet/"))
    expect(page.locator("#home-dues")).to_contain_text("120\u00a0000,00\u00a0₽")
    expect(page.locator("#home-roadmap")).to_contain_text("Просроченные мероприятия (1)")
    expect(page.locator("#home-admissions")).to_contain_text("Заявитель Альфа")
    expect(page.locator("#home-meeting")).to_contain_text("Совет Альфа")
    expect(page.locator("#home-dues svg title").first).to_contain_text("Взносы, собранные по месяцам")
    _check_and_shoot(page, ui, "admin")
    page.locator("header").get_by_role("button", name="Выйти").click()
    expect(page.locator("header")).to_contain_text("Войти")  # signed out before the next sign-in

    ui.context.clear_cookies()
    _sign_in(page, ui, "alpha", "member@home.example")
    expect(page).to_have_url(ui.url("alpha", "/cabinet/"))
    expect(page.locator("#home-debt")).to_contain_text("100\u00a0000,00\u00a0₽")
    page.locator("#home-debt").get_by_role("link", name="Оплатить").first.click()
    expect(page.locator("h1")).to_contain_text("Счёт № alpha-1")
    expect(page.locator("#pay, .muted").first).to_be_visible()
    page.wait_for_load_state("load")  # its stylesheet too, before leaving
    page.go_back()
    page.wait_for_load_state("load")
    _check_and_shoot(page, ui, "member")

    ui.context.clear_cookies()
    _sign_in(page, ui, None, "platform@home.example")
    expect(page).to_have_url(ui.url(None, "/cabinet/"))
    expect(page.locator("#cluster-health")).to_contain_text("Кластер Альфа (тест)")
    expect(page.locator("#cluster-health")).to_contain_text("Новосибирская область")
    _check_and_shoot(page, ui, "platform")

    ui.context.clear_cookies()
    _sign_in(page, ui, None, "ministry@home.example")
    expect(page).to_have_url(ui.url_pattern(None, "/ministry/"))
    _check_and_shoot(page, ui, "ministry")

    assert not ui.problems, ui.problems
