"""The header on a phone (issue 14): in a real phone context (390x844 and 360x780, device scale 3,
touch, a mobile user agent) the header of every role's home is one bar — brand, «Меню» and the
account — no taller than 64 px, with the navigation out of sight until «Меню» is tapped; then
the grouped navigation and the account links show. At 1366 px the navigation is in the header
without a button. Nothing is wider than the viewport. Screenshots of each home at 360, 390 and
1366 px go to .local/artifacts/ui/header-<role>-<width>.png."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from core.accounts.models import Grant
from core.accounts.services import grant_role, user_create
from tenants.models import Cluster
from tests.conftest import PASSWORD
from tests.home.test_homes import _seed

from .conftest import UI, phone_context_options
from .test_home_screens import _sign_in

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / ".local" / "artifacts" / "ui"
HEADER_MAX_PX = 64
LONG_NAME = "Новосибирский инновационный кластер информационных и биофармацевтических технологий (тест)"

# role: (grant, host slug, path the home is at, link texts the open menu shows)
CLUSTER_MANAGER = ["Главная", "Кабинет", "Участники", "Заседания", "Комитеты", "Дорожная карта", "Проекты"]
ROLES: dict[str, tuple[Grant.Role | None, str | None, str, list[str]]] = {
    "admin": (
        Grant.Role.CLUSTER_ADMIN,
        "alpha",
        "/cabinet/",
        [*CLUSTER_MANAGER, "Годовой отчёт", "Журнал изменений", "Управление сайтом", "Безопасность", "Выйти"],
    ),
    "staff": (Grant.Role.CLUSTER_STAFF, "alpha", "/cabinet/", [*CLUSTER_MANAGER, "Годовой отчёт", "Выйти"]),
    "member": (
        Grant.Role.MEMBER_REPRESENTATIVE,
        "alpha",
        "/cabinet/",
        ["Кабинет", "Моя организация", "Мои счета", "Голосование", "Участники кластера", "Выйти"],
    ),
    "ministry": (Grant.Role.MINISTRY_FEDERAL, None, "/ministry/", ["Кабинет", "Кластеры", "Отборы", "Выйти"]),
    "platform": (
        Grant.Role.PLATFORM_ADMIN,
        None,
        "/cabinet/",
        ["Кабинет", "Мои кластеры", "Управление кластерами", "Формы отчёта", "Выйти"],
    ),
    "public-cluster": (None, "alpha", "/", ["Главная", "Участники кластера", "Мероприятия", "Продукция"]),
    "public-platform": (None, None, "/", ["Главная"]),
}


def _watch(page: Page, problems: list[str]) -> None:
    page.on("pageerror", lambda exc: problems.append(f"JS error: {exc}"))
    page.on("console", lambda msg: problems.append(f"console: {msg.text}") if msg.type == "error" else None)


def _fits(page: Page, width: int) -> None:
    scroll_width = page.evaluate("document.scrollingElement.scrollWidth")
    assert scroll_width <= width, (page.url, width, scroll_width)


def _phone_checks(page: Page, name: str, width: int, texts: list[str]) -> None:
    header = page.locator("header.top")
    menu = header.locator("details.menu")
    button = menu.locator("> summary")
    expect(button).to_be_visible()
    expect(button).to_have_text("Меню")
    # the bar: brand, «Меню» and the account on one line; the links wait behind the button
    box = header.bounding_box()
    assert box is not None and box["height"] <= HEADER_MAX_PX, (name, width, box)
    for text in texts:
        expect(
            header.get_by_role("link", name=text, exact=True).or_(
                header.get_by_role("button", name=text, exact=True)
            )
        ).not_to_be_visible()
    _fits(page, width)
    page.screenshot(path=str(ARTIFACTS / f"header-{name}-{width}.png"), full_page=True, scale="css")
    button.tap()
    expect(menu).to_have_attribute("open", "")
    for text in texts:
        expect(
            header.get_by_role("link", name=text, exact=True)
            .or_(header.get_by_role("button", name=text, exact=True))
            .first
        ).to_be_visible()
    _fits(page, width)
    page.screenshot(path=str(ARTIFACTS / f"header-{name}-{width}-menu.png"), full_page=True, scale="css")
    button.tap()
    expect(menu).not_to_have_attribute("open", "")


def _desktop_checks(page: Page, name: str, texts: list[str]) -> None:
    header = page.locator("header.top")
    expect(header.locator("details.menu > summary")).to_be_hidden()
    # the top links (and ungrouped ones) show in the header without a button
    expect(header.get_by_role("link", name=texts[0], exact=True).first).to_be_visible()
    _fits(page, 1366)
    page.screenshot(path=str(ARTIFACTS / f"header-{name}-1366.png"), full_page=True, scale="css")


def test_header_is_one_bar_on_a_phone(
    transactional_db: None, cluster_a: Cluster, cluster_b: Cluster, ui: UI
) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    Cluster.objects.filter(pk=cluster_a.pk).update(name=LONG_NAME)  # the brand must truncate
    companies = _seed(cluster_a, "Альфа")
    for name, (role, slug, _path, _texts) in ROLES.items():
        if role is None:
            continue
        grant: dict[str, object] = {"cluster": cluster_a} if slug else {}
        if role == Grant.Role.MEMBER_REPRESENTATIVE:
            grant["company_id"] = companies["debtor"].pk
        user = user_create(
            email=f"{name}@phone.example",
            password=PASSWORD,
            full_name=f"Константин Константинопольский {name}",
        )
        grant_role(user=user, role=role, **grant)  # type: ignore[arg-type]
    browser: Browser | None = ui.context.browser
    assert browser is not None
    problems: list[str] = []
    for name, (role, slug, path, texts) in ROLES.items():
        contexts: list[BrowserContext] = []
        for options in (phone_context_options(), {"viewport": {"width": 1366, "height": 900}}):
            context = browser.new_context(locale="ru-RU", **options)
            context.set_default_timeout(15_000)
            contexts.append(context)
            page = context.new_page()
            _watch(page, problems)
            if role is not None:
                _sign_in(page, ui, slug, f"{name}@phone.example")
                page.wait_for_url(lambda url: "/login/" not in url)
            page.goto(ui.url(slug, path), wait_until="load")
            if options.get("is_mobile"):
                for width, height in ((390, 844), (360, 780)):
                    page.set_viewport_size({"width": width, "height": height})
                    _phone_checks(page, name, width, texts)
            else:
                _desktop_checks(page, name, texts)
        for context in contexts:
            context.close()
    assert not problems, problems
