"""The ministry's cluster table fits the screen: every column visible without a scroll box at
1366 px (compact headers with the full title in <abbr title>, money in millions), and a card
per cluster on a 390 px phone — in Chromium, with screenshots in the test artifacts."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from core.accounts.models import User
from tests.conftest import PASSWORD

from .conftest import UI
from .test_ministry_dashboard import EMAIL, analyst

pytestmark = pytest.mark.browser

__all__ = ["analyst"]  # the fixture, shared with the dashboard's walk-through


def _widths(ui: UI) -> dict[str, int]:
    return ui.page.evaluate(
        """() => {
            const wrap = document.querySelector('.fed-table-wrap');
            const table = wrap.querySelector('table');
            return {doc: document.documentElement.scrollWidth, view: window.innerWidth,
                    wrapScroll: wrap.scrollWidth, wrapClient: wrap.clientWidth,
                    tableScroll: table.scrollWidth, tableClient: table.clientWidth};
        }"""
    )


def test_the_cluster_table_fits_1366_and_is_cards_on_a_phone(analyst: User, ui: UI) -> None:
    page = ui.page
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(ui.url(None, "/login/"))
    form = page.locator("form.form")
    form.locator("#id_email").fill(EMAIL)
    form.locator("#id_password").fill(PASSWORD)
    form.get_by_role("button", name="Войти").click()
    page.goto(ui.url(None, "/ministry/"))
    table = page.locator("table.fed-table")
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(table.locator("caption")).to_contain_text("в миллионах рублей")
    expect(table.locator("thead abbr[title='Выручка участников, 2025']")).to_have_text("Выручка, млн ₽")
    expect(table.locator("tbody tr", has_text="Кластер Альфа (тест)")).to_contain_text("90,0")
    wide = _widths(ui)
    ui.shot("ministry-table-1366")
    assert wide["wrapScroll"] <= wide["wrapClient"], wide  # no column hidden in a scroll box
    assert wide["tableScroll"] <= wide["tableClient"], wide
    assert wide["doc"] <= wide["view"], wide
    last = table.locator("thead th").last.bounding_box()
    assert last is not None and last["x"] + last["width"] <= 1366, (last, wide)

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    phone = _widths(ui)
    ui.shot("ministry-table-390")
    assert phone["doc"] <= phone["view"], phone
    card = table.locator("tbody tr", has_text="Кластер Бета (тест)")
    assert card.evaluate("tr => getComputedStyle(tr).display") == "block"
    label = card.locator("td[data-label='Выручка, млн ₽']")
    expect(label).to_have_text("45,0")
    assert label.evaluate("td => getComputedStyle(td, '::before').content") == '"Выручка, млн ₽"'
    problems = [p for p in ui.problems if "ERR_ABORTED" not in p]  # the reload aborts the favicon
    assert not problems, problems
