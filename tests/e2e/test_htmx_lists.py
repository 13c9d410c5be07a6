"""htmx on the one list pattern in Chromium (frontend.tables.SWAP): changing a filter, sending
the search, clicking a sort header or the pager swaps the list in place — the page is not
reloaded (a marker set on the window survives) — and the address bar follows, so the URL can be
shared and «Назад» returns to the previous list. The CSP-strict page has no JS errors."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
from django.db import connections
from django_tenants.utils import schema_context
from playwright.sync_api import expect

from core.accounts.models import Grant
from core.accounts.services import grant_role, user_create
from core.clock import cluster_today
from tenants.models import Cluster
from tenants.roadmap.models import Roadmap
from tests.conftest import PASSWORD
from tests.roadmap import factories as roadmaps

from .conftest import UI

pytestmark = pytest.mark.browser

STAFF = "staff.htmx@alpha.example"
ROOT = "root.lists@platform.example"
WIDTHS = (390, 1366)


@pytest.fixture
def plans(transactional_db: None, cluster_a: Cluster) -> None:
    user = user_create(email=STAFF, password=PASSWORD, full_name="Ольга Спискова")
    grant_role(user=user, role=Grant.Role.CLUSTER_STAFF, cluster=cluster_a)
    with schema_context(cluster_a.schema_name):
        for title, year in (("Альфа-карта", 2024), ("Бета-карта", 2026)):
            roadmaps.roadmap(cluster_a, title, start=dt.date(year, 1, 1), end=dt.date(year, 12, 31))
        Roadmap.objects.create(
            title="Закрытая карта",
            period_start=dt.date(2020, 1, 1),
            period_end=dt.date(2020, 12, 31),
            status=Roadmap.Status.CLOSED,
        )
        for n in range(27):  # two pages of 25 under the search «Серия»
            Roadmap.objects.create(
                title=f"Серия {n:02d}", period_start=dt.date(2010, 1, 1), period_end=dt.date(2010, 12, 31)
            )


@pytest.fixture
def my_area(transactional_db: None, cluster_a: Cluster, cluster_b: Cluster) -> int:
    """A staff member executing items of a long plan (some overdue), and a platform admin."""
    staff = user_create(email=STAFF, password=PASSWORD, full_name="Ольга Спискова")
    grant_role(user=staff, role=Grant.Role.CLUSTER_STAFF, cluster=cluster_a)
    root = user_create(email=ROOT, password=PASSWORD, full_name="Пётр Платформов")
    grant_role(user=root, role=Grant.Role.PLATFORM_ADMIN)
    today = cluster_today(cluster_a)
    with schema_context(cluster_a.schema_name):
        plan = roadmaps.roadmap(
            cluster_a,
            "Дорожная карта развития медицинского кластера Новосибирской области на 2026–2028 годы",
            start=today - dt.timedelta(days=200),
            end=today + dt.timedelta(days=500),
        )
        part = roadmaps.section(plan, "Организация деятельности кластера и его участников")
        for n in range(30):
            roadmaps.item(
                plan,
                part,
                title=f"Проведение международной конференции по медицинским изделиям № {n}",
                end=today + dt.timedelta(days=10 * n - 60),
                executors=[roadmaps.person(staff, "Спискова О.")],
            )
        return plan.pk


@pytest.fixture
def db_closed_after(ui: UI) -> Iterator[None]:
    yield
    connections.close_all()


def test_filters_sort_and_pages_swap_the_list_in_place_and_update_the_url(
    plans: None, ui: UI, db_closed_after: None
) -> None:
    page = ui.page
    ui.sign_in("alpha", STAFF, PASSWORD, name="Ольга Спискова")
    page.goto(ui.url("alpha", "/roadmap/"))
    rows = page.locator("table.grid tbody tr")
    caption = page.locator("table.grid caption")
    expect(caption).to_contain_text("Найдено дорожных карт: 30")
    page.evaluate("window.notReloaded = true")

    # choosing a status swaps the list at once (no «Найти» click), and the URL carries it
    page.get_by_label("Статус").focus()
    page.get_by_label("Статус").select_option(label="Закрыта")
    expect(caption).to_contain_text("Найдено дорожных карт: 1")
    expect(rows.first).to_contain_text("Закрытая карта")
    expect(page).to_have_url(re.compile(r"/roadmap/\?q=&status=closed$"))
    assert page.evaluate("window.notReloaded") is True
    expect(page.get_by_label("Статус")).to_be_focused()  # the focus stays in the field

    # the search box: typed and sent with Enter
    page.get_by_label("Статус").select_option(label="Все статусы")
    expect(caption).to_contain_text("Найдено дорожных карт: 30")
    page.get_by_label("Поиск").fill("карта")
    page.get_by_label("Поиск").press("Enter")
    expect(caption).to_contain_text("Найдено дорожных карт: 3")
    expect(page).to_have_url(re.compile(r"\?q=%D0%BA%D0%B0%D1%80%D1%82%D0%B0&status=$"))

    # a sort header: oldest period first, then flipped back
    page.locator("thead").get_by_role("link", name="Период").click()
    expect(page.locator("th[aria-sort=ascending]")).to_contain_text("Период")
    expect(rows.first).to_contain_text("Закрытая карта")
    expect(page).to_have_url(re.compile(r"sort=period"))
    assert page.evaluate("window.notReloaded") is True

    # «Назад» returns to the list before the sort (a plain reload of that URL)
    page.go_back()
    expect(page).to_have_url(re.compile(r"\?q=%D0%BA%D0%B0%D1%80%D1%82%D0%B0&status=$"))
    expect(page.locator("th[aria-sort=descending]")).to_contain_text("Период")
    expect(rows.first).to_contain_text("Бета-карта")

    # the pager swaps to page 2 in place
    page.goto(ui.url("alpha", "/roadmap/?q=Серия"))
    page.evaluate("window.notReloaded = true")
    page.get_by_role("link", name="Далее →").click()
    expect(page.locator("nav.pager")).to_contain_text("Страница 2 из 2")
    expect(rows).to_have_count(2)
    expect(page).to_have_url(re.compile(r"page=2"))
    assert page.evaluate("window.notReloaded") is True
    assert not ui.problems, ui.problems


def test_my_area_lists_fit_phone_and_desktop(my_area: int, ui: UI, db_closed_after: None) -> None:
    page = ui.page
    ui.sign_in("alpha", STAFF, PASSWORD, name="Ольга Спискова")
    for name, path in {"my-items": "/roadmap/my/", "timeline": f"/roadmap/{my_area}/timeline/"}.items():
        ui.list_fits("alpha", path, f"lists-{name}", caption=None)
    # the overdue items lead «Мои мероприятия»; a header click sorts by deadline, latest first
    page.goto(ui.url("alpha", "/roadmap/my/"))
    expect(page.locator("table.grid caption")).to_have_text("Найдено мероприятий: 30")
    expect(page.locator("table.grid tbody tr").first).to_contain_text("просрочено")
    expect(ui.sort_by("Срок")).to_contain_text("№ 29")
    ui.sign_in(None, ROOT, PASSWORD, name="Пётр Платформов")
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(ui.url(None, "/cabinet/"))
        expect(page.locator("#cluster-health caption")).to_contain_text("Найдено кластеров: 2")
        wide = page.evaluate("document.scrollingElement.scrollWidth")
        assert wide <= width, f"/cabinet/ is {wide} px wide at {width} px"
        ui.shot(f"lists-platform-cabinet-{width}")
    assert not ui.problems, ui.problems
