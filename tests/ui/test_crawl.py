"""A Chromium crawl of the product as each role sees it (issue 14, «Done means»).

One seeded cluster (the demo content of every area, `settings.CLUSTER_DEMOS`, on `alpha`, and
the platform demos), then for each role — cluster admin, staff, member representative,
ministry federal, ministry regional, platform admin — two browser contexts sign in: a 1366x900
desktop and a real phone (tests/e2e/conftest.py's `phone_context_options`: 390x844, device
scale 3, mobile viewport rules, touch, a mobile user agent). The desktop one follows the links
the pages show, as a user would: same host, GET only, no logout, no downloads, one page per
path + query-parameter names. Every HTML page it gets is then loaded into the phone context's
page too (`set_content` of the desktop's response on the phone's page of the same host: the
server renders each page once, as when the crawl resized one desktop page, and the phone lays
out, styles and runs the scripts of that document itself, with its own viewport rules; only
the address bar keeps the phone's previous URL). Every page must: answer below 500; be no
wider than the viewport in both contexts (`document.scrollingElement.scrollWidth`); on the
phone, show the menu's area groups open (page.js ran there); every link shown to the role must
open for it (no 403/404); tests/ui/scan.py's `internal_strings(html)` must find nothing.
The main pages of each role are screenshotted at both widths into .local/artifacts/ui/ and
checked with axe-core (axe-playwright-python ships axe.min.js: no CDN): 0 serious/critical.
"""

from __future__ import annotations

import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.db import connections, transaction
from django.utils.module_loading import import_string
from django_tenants.utils import schema_context
from playwright.sync_api import BrowserContext, Page, sync_playwright
from playwright.sync_api import Error as PlaywrightError
from pytest_django import DjangoDbBlocker
from pytest_django.live_server_helper import LiveServer

from billing.models import Invoice
from core.accounts.models import Grant
from core.accounts.services import grant_role, user_create
from tenants.members.models import Company
from tenants.models import Cluster
from tests.conftest import CLUSTER_SPECS, PASSWORD, ensure_cluster, ensure_report_forms, tenant_connection
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, phone_context_options

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / ".local" / "artifacts" / "ui"
WIDTHS = (390, 1366)
MANAGER_PAGES = 200  # at least this many distinct pages per manager role
PAGE_CAP = 210  # stop a role's crawl here (the whole test stays within ~3 minutes on an idle machine)
OTHER_CAP = 60
DOWNLOAD = re.compile(
    r"(\.(pdf|csv|xlsx|xls|docx|zip|xml|json|ics|png|svg)$|/(export|download|pdf|csv|xlsx)/?)", re.I
)
DOWNLOAD_QUERY = re.compile(r"(^|&)(format|export|download)=", re.I)
SKIP = re.compile(r"^/(logout|api/|i18n/|static/|media/|admin/|metrics|healthz|readyz)")
SERIOUS = {"serious", "critical"}


@dataclass(frozen=True)
class Role:
    name: str
    email: str
    slug: str | None  # None: the platform host
    manager: bool
    main_pages: tuple[str, ...]


ROLES = (
    Role(
        "cluster_admin",
        "admin@alpha.crawl",
        "alpha",
        True,
        (
            "/",
            "/cabinet/",
            "/members/",
            "/governance/meetings/",
            "/roadmap/",
            "/fees/",
            "/site/news/",
            "/annual-report/",
            "/audit/",
            "/projects/",
        ),
    ),
    Role("cluster_staff", "staff@alpha.crawl", "alpha", True, ("/cabinet/", "/members/", "/fees/")),
    Role(
        "member_representative",
        "member@alpha.crawl",
        "alpha",
        False,
        ("/cabinet/", "/members/mine/", "/billing/invoices/", "/governance/voting/"),
    ),
    Role("ministry_federal", "federal@ministry.crawl", None, False, ("/", "/ministry/", "/selection/")),
    Role("ministry_regional", "regional@ministry.crawl", None, False, ("/ministry/",)),
    Role(
        "platform_admin",
        "root@platform.crawl",
        None,
        False,
        ("/", "/platform/clusters/", "/platform/report-forms/"),
    ),
)


def seed() -> Cluster:
    """The demo content of every area on alpha (as `make demo` gives each cluster), and one
    user per role."""
    cluster = ensure_cluster("alpha")
    ensure_cluster("beta")
    ensure_report_forms()  # a transactional test before this one may have flushed them
    with schema_context(cluster.schema_name), transaction.atomic():
        for path in settings.CLUSTER_DEMOS:
            import_string(path)(cluster, tz="Europe/Moscow")
        unpaid = set(
            Invoice.objects.filter(
                cluster=cluster, status__in=["open", "overdue", "partially_paid"]
            ).values_list("company_id", flat=True)
        )
        members = Company.objects.filter(status=Company.Status.ACTIVE).order_by("id")
        company = members.filter(pk__in=unpaid).first() or members.first()
    for role in ROLES:
        user = user_create(email=role.email, password=PASSWORD, full_name=f"Обходчик {role.name}")
        grants: dict[str, dict[str, object]] = {
            "cluster_admin": {"role": Grant.Role.CLUSTER_ADMIN, "cluster": cluster},
            "cluster_staff": {"role": Grant.Role.CLUSTER_STAFF, "cluster": cluster},
            "member_representative": {
                "role": Grant.Role.MEMBER_REPRESENTATIVE,
                "cluster": cluster,
                "company_id": company.pk if company else None,
            },
            "ministry_federal": {"role": Grant.Role.MINISTRY_FEDERAL},
            "ministry_regional": {"role": Grant.Role.MINISTRY_REGIONAL, "region_codes": ["RU-MOS"]},
            "platform_admin": {"role": Grant.Role.PLATFORM_ADMIN},
        }
        grant_role(user=user, **grants[role.name])  # type: ignore[arg-type]
    for path in settings.PLATFORM_DEMOS:
        import_string(path)([cluster])
    return cluster


def shape(path: str, query: str) -> str:
    """One page per path and set of query-parameter names (page=2 and page=3 are one shape)."""
    names = sorted({name for name, _value in parse_qsl(query, keep_blank_values=True)})
    return path + ("?" + "&".join(names) if names else "")


@dataclass
class Crawl:
    role: Role
    visited: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)  # ≥ 500
    dead_links: list[str] = field(default_factory=list)  # shown to the role, 403/404 for it
    too_wide: list[str] = field(default_factory=list)
    internal: list[str] = field(default_factory=list)
    axe: list[str] = field(default_factory=list)
    phone_script: list[str] = field(default_factory=list)  # page.js did not run on the phone
    phone_seconds: float = 0.0  # wall time of the phone pass (loading the document + measuring)


def internal_strings_check() -> Callable[[str], list[str]]:
    """tests/ui/scan.py's internal_strings(html) (issue 14 part 4): raw field names, `app.model #id`,
    region codes and time-zone names in the visible text."""
    from tests.ui.scan import internal_strings

    return internal_strings


def sign_in(page: Page, base: str, email: str) -> None:
    page.goto(base + "/login/")
    form = page.locator("form.form")
    form.locator("#id_email").fill(email)
    form.locator("#id_password").fill(PASSWORD)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "/login/" not in page.url, f"{email} could not sign in: {page.url}"


def links(page: Page, host: str) -> list[str]:
    """Same-host links the page shows (visible or in a closed menu), path + query."""
    hrefs: list[str] = page.evaluate(
        """() => Array.from(document.querySelectorAll('a[href]'))
              .filter(a => !a.hasAttribute('download') && a.target !== '_blank')
              .map(a => a.href)"""
    )
    found = []
    for href in hrefs:
        parts = urlsplit(href)
        if parts.scheme not in ("http", "https") or parts.netloc != host:
            continue
        path = parts.path or "/"
        if SKIP.match(path) or DOWNLOAD.search(path) or DOWNLOAD_QUERY.search(parts.query):
            continue
        found.append(path + ("?" + parts.query if parts.query else ""))
    return found


def width(page: Page) -> int:
    value: int = page.evaluate("document.scrollingElement.scrollWidth")
    return value


def culprit(page: Page) -> str:
    """The outermost element reaching past the viewport's right edge (tag.class), for the report."""
    found: str = page.evaluate(
        """() => {
            const limit = document.documentElement.clientWidth;
            for (const el of document.body.querySelectorAll('*')) {
                if (el.getBoundingClientRect().right > limit + 1) {
                    return el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).replace(/ /g, '.') : '');
                }
            }
            return '?';
        }"""
    )
    return found


def note(lines: list[str], line: str) -> None:
    """A problem, kept for the assertion and printed at once (a long crawl shows its findings
    even if it is stopped)."""
    lines.append(line)
    print(f"  ! {line}", flush=True)


def crawl(
    role: Role,
    pages: dict[int, Page],
    base: str,
    cap: int,
    check: Callable[[str], list[str]] | None,
) -> Crawl:
    result = Crawl(role)
    host = urlsplit(base).netloc
    seen: set[str] = set()
    queue: deque[tuple[str, str]] = deque()
    for start in ("/", *role.main_pages):
        queue.append((start, "(start)"))
        seen.add(shape(start, ""))
    wide, phone = pages[1366], pages[390]
    while queue and result.visited < cap:
        target, shown_on = queue.popleft()
        try:
            response = wide.goto(base + target, wait_until="domcontentloaded")
        except PlaywrightError as exc:
            if "Download is starting" in str(exc):
                continue  # a file, not a page
            raise
        status = response.status if response else 0
        result.visited += 1
        result.statuses[status] = result.statuses.get(status, 0) + 1
        if status >= 500:
            note(result.errors, f"{status} {target} (linked from {shown_on})")
            continue
        if status in (403, 404):
            note(result.dead_links, f"{status} {target} (linked from {shown_on})")
            continue
        content_type = response.headers.get("content-type", "") if response else ""
        if "text/html" not in content_type:
            continue
        assert response is not None
        if width(wide) > 1366:
            note(result.too_wide, f"1366: {target} is {width(wide)} px ({culprit(wide)})")
        began = time.monotonic()
        phone.set_content(response.text(), wait_until="domcontentloaded")  # the same document
        if width(phone) > 390:
            note(result.too_wide, f"390 (phone): {target} is {width(phone)} px ({culprit(phone)})")
        if phone.evaluate("document.querySelectorAll('details.drop:not([open])').length"):
            note(result.phone_script, f"{target}: page.js did not open the menu's groups")
        result.phone_seconds += time.monotonic() - began
        if check is not None:
            found = check(wide.content())
            if found:
                note(result.internal, f"{target}: {found[:5]}")
        for link in links(wide, host):
            parts = urlsplit(link)
            key = shape(parts.path, parts.query)
            if key not in seen:
                seen.add(key)
                queue.append((link, target))
    return result


def main_pages(role: Role, pages: dict[int, Page], base: str, result: Crawl) -> None:
    """Screenshots at both widths and axe-core on the role's main pages."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    axe = Axe()
    for path in role.main_pages:
        for px, page in pages.items():
            page.goto(base + path, wait_until="load")
            name = f"{role.name}{path.replace('/', '_').rstrip('_') or '_home'}-{px}.png"
            page.screenshot(path=str(ARTIFACTS / name), full_page=True, scale="css")
            if px != 1366:
                continue
            began = time.monotonic()
            report = axe.run(page)
            print(f"  axe {path}: {time.monotonic() - began:.1f} s", flush=True)
            for violation in report.response["violations"]:
                if violation["impact"] in SERIOUS:
                    targets = [node["target"] for node in violation["nodes"]][:3]
                    note(result.axe, f"{path}: {violation['id']} ({violation['impact']}) {targets}")


@pytest.fixture
def crawled(
    transactional_db: None,
    live_server: LiveServer,
    monkeypatch: pytest.MonkeyPatch,
    django_db_blocker: DjangoDbBlocker,
) -> list[Crawl]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (`make system-deps`)")
    started = time.monotonic()
    seed()
    seeded = time.monotonic() - started
    print(f"seeded in {seeded:.0f} s", flush=True)
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    port = urlsplit(live_server.url).port
    check = internal_strings_check()
    results: list[Crawl] = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
            for role in ROLES:
                base = f"http://{role.slug + '.' if role.slug else ''}localhost:{port}"
                contexts: list[BrowserContext] = []
                pages: dict[int, Page] = {}
                for px in WIDTHS:
                    options = (
                        phone_context_options() if px == 390 else {"viewport": {"width": px, "height": 900}}
                    )
                    context = browser.new_context(locale="ru-RU", **options)
                    context.set_default_timeout(20_000)
                    contexts.append(context)
                    pages[px] = context.new_page()
                    sign_in(pages[px], base, role.email)
                print(f"{role.name}: signed in at {time.monotonic() - started:.0f} s", flush=True)
                result = crawl(role, pages, base, PAGE_CAP if role.manager else OTHER_CAP, check)
                main_pages(role, pages, base, result)
                results.append(result)
                print(
                    f"{role.name}: {result.visited} pages at {time.monotonic() - started:.0f} s", flush=True
                )
                for context in contexts:
                    context.close()
            browser.close()
    finally:
        connections.close_all()
        with django_db_blocker.unblock():
            tenant_connection.set_schema_to_public()
            for slug in CLUSTER_SPECS:
                ensure_cluster(slug)
    took = time.monotonic() - started
    print(f"\ncrawl: seeded in {seeded:.0f} s, whole crawl {took:.0f} s; internal-string scan used")
    for result in results:
        print(
            f"  {result.role.name:<22} pages {result.visited:>4}  statuses {dict(sorted(result.statuses.items()))}"
            f"  ≥500: {len(result.errors)}  dead links: {len(result.dead_links)}  too wide: {len(result.too_wide)}"
            f"  internal: {len(result.internal)}  axe serious/critical: {len(result.axe)}"
            f"  phone pass {result.phone_seconds:.0f} s"
        )
    return results


@pytest.mark.timeout(1500)  # ~3-5 min idle; a guard against a hang, not the budget
def test_every_role_crawl(crawled: list[Crawl]) -> None:
    problems = []
    for result in crawled:
        for kind in ("errors", "dead_links", "too_wide", "internal", "axe", "phone_script"):
            for line in getattr(result, kind):
                problems.append(f"{result.role.name} {kind}: {line}")
        if result.role.manager:
            assert result.visited >= MANAGER_PAGES, f"{result.role.name} reached only {result.visited} pages"
    assert not problems, "\n".join(problems[:80]) + f"\n({len(problems)} problems)"
