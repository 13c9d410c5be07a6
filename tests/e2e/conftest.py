"""Real Chromium (Debian's /usr/bin/chromium) driven by Playwright against pytest-django's live server.

Each cluster is reached on its own host: http://<slug>.localhost:<port>/ (Chromium resolves
*.localhost to the loopback interface). Never downloads a browser: no `playwright install`.

While the browser runs, Playwright's event loop is live in this thread and Django would refuse
ORM calls from the test (SynchronousOnlyOperation); the `ui` fixture allows them for its lifetime
(DJANGO_ALLOW_ASYNC_UNSAFE): the test code itself is plain synchronous code.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.db import connections
from playwright.sync_api import BrowserContext, Locator, Page, expect, sync_playwright
from pytest_django import DjangoDbBlocker
from pytest_django.live_server_helper import LiveServer

from tests.conftest import CLUSTER_SPECS, ensure_cluster, tenant_connection

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 15_000
# A phone as Chromium emulates one (the size of an iPhone 12-15, Android Chrome's user agent):
# a layout viewport from <meta name="viewport">, touch events, 3 device pixels per CSS pixel.
PHONE_USER_AGENT = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Mobile Safari/537.36"
)
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e"


@dataclass
class UI:
    """One browser context (one user's cookie jar) and its page."""

    page: Page
    context: BrowserContext
    port: int
    problems: list[str] = field(default_factory=list)

    def url(self, slug: str | None, path: str = "/") -> str:
        host = f"{slug}.localhost" if slug else "localhost"
        return f"http://{host}:{self.port}{path}"

    def url_pattern(self, slug: str | None, path: str) -> re.Pattern[str]:
        """The page at `path` on that host, whatever the query string."""
        return re.compile("^" + re.escape(self.url(slug, path)) + r"(\?.*)?$")

    def sign_in(self, slug: str | None, email: str, password: str, *, name: str) -> None:
        """Sign in on the host's login page; `name` is what the header then shows."""
        self.page.goto(self.url(slug, "/login/"))
        form = self.page.locator("form.form")
        form.locator("#id_email").fill(email)
        form.locator("#id_password").fill(password)
        form.get_by_role("button", name="Войти").click()
        expect(self.page.locator("header .account")).to_contain_text(name)

    def list_fits(
        self,
        slug: str | None,
        path: str,
        shot: str,
        *,
        caption: str | None = "Найдено",
        widths: tuple[int, ...] = (390, 1366),
    ) -> None:
        """A list page of the one pattern at each width: the filter bar labelled, the caption's count
        (when given), no wider than the viewport (a wide table scrolls in its own box); a screenshot
        `<shot>-<width>.png` each."""
        for width in widths:
            self.page.set_viewport_size({"width": width, "height": 900})
            self.page.goto(self.url(slug, path))
            if caption is not None:
                expect(self.page.locator("table.grid caption").first).to_contain_text(caption)
            expect(self.page.locator("form.filters label").first).to_be_visible()
            wide = self.page.evaluate("document.scrollingElement.scrollWidth")
            assert wide <= width, f"{path} is {wide} px wide at {width} px"
            self.shot(f"{shot}-{width}")

    def sort_by(
        self,
        link: str,
        *,
        heading: str | None = None,
        ascending_first: str | None = None,
        money: str | None = None,
        money_cell: int = 0,
    ) -> Locator:
        """Two clicks on the sort header `link` of the list on the page: the column (whose heading
        shows `heading`, default the link's text) is marked aria-sort ascending, its first row then
        shows `ascending_first` (when given), then descending. With `money`, the first row's
        `money_cell`-th money cell shows exactly that text on one line (money never wraps, however
        tall the row). Returns the first row after the second click."""
        header = self.page.locator("thead").get_by_role("link", name=link)
        first = self.page.locator("table.grid tbody tr").first
        header.click()
        expect(self.page.locator("th[aria-sort=ascending]")).to_contain_text(heading or link)
        if ascending_first is not None:
            expect(first).to_contain_text(ascending_first)
        header.click()
        expect(self.page.locator("th[aria-sort=descending]")).to_contain_text(heading or link)
        if money is not None:
            cell = first.locator("td.money").nth(money_cell)
            expect(cell).to_have_text(money)
            bottoms = cell.evaluate(
                "td => { const r = document.createRange(); r.selectNodeContents(td);"
                " return [...r.getClientRects()].map(b => Math.round(b.bottom)); }"
            )
            assert len(set(bottoms)) == 1, bottoms  # every line box at one height: one line
        return first

    def shot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        target = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(target), full_page=True)
        return target


def phone_context_options(width: int = 390, height: int = 844) -> dict[str, object]:
    """Keyword arguments of Browser.new_context for a real phone context (not a resized desktop)."""
    return {
        "viewport": {"width": width, "height": height},
        "screen": {"width": width, "height": height},
        "device_scale_factor": 3,
        "is_mobile": True,
        "has_touch": True,
        "user_agent": PHONE_USER_AGENT,
    }


@pytest.fixture(scope="package", autouse=True)
def _clusters_back_after_flush(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[None]:
    """Browser tests flush the database (transactional_db); put alpha and beta back for later tests."""
    yield
    with django_db_blocker.unblock():
        tenant_connection.set_schema_to_public()
        for slug in CLUSTER_SPECS:
            ensure_cluster(slug)


@pytest.fixture
def ui(live_server: LiveServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[UI]:
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing: install Debian's chromium (`make system-deps`) to run browser tests"
        print(f"SKIP: {reason}")
        pytest.skip(reason)
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    expect.set_options(timeout=TIMEOUT_MS)
    port = urlsplit(live_server.url).port
    assert port is not None
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS, timeout=60_000
        )
        # A Russian-speaking visitor: Accept-Language ru (the product's first language).
        context = browser.new_context(locale="ru-RU", viewport={"width": 1280, "height": 800})
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        page = context.new_page()
        ui = UI(page=page, context=context, port=port)
        page.on("pageerror", lambda exc: ui.problems.append(f"JS error: {exc}"))
        # net::ERR_ABORTED is Chromium cancelling a request still in flight (a favicon, a stylesheet)
        # because the page navigated on: nothing a user sees; every other failure counts
        page.on(
            "requestfailed",
            lambda req: (
                None
                if req.failure == "net::ERR_ABORTED"
                else ui.problems.append(f"request failed: {req.url} {req.failure}")
            ),
        )
        page.on(
            "response",
            lambda resp: (
                ui.problems.append(f"HTTP {resp.status}: {resp.url}")
                if resp.status >= 400 and "/static/" in resp.url
                else None
            ),
        )
        try:
            yield ui
        finally:
            context.close()
            browser.close()
            # ORM calls made while Playwright ran opened their own connection: close it, or the
            # test database cannot be dropped at the end of the run.
            connections.close_all()
