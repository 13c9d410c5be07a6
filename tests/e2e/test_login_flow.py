"""A cluster admin signs in on their cluster's site; the session stays on that host."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from core.accounts.models import Grant, User
from core.accounts.services import grant_role, user_create
from tenants.models import Cluster
from tests.conftest import PASSWORD

from .conftest import UI

pytestmark = pytest.mark.browser

ADMIN_NAME = "Ирина Петровна Соколова"
ADMIN_EMAIL = "irina.admin@alpha.example"


@pytest.fixture
def alpha_admin(transactional_db: None, cluster_a: Cluster, cluster_b: Cluster) -> User:
    user = user_create(email=ADMIN_EMAIL, password=PASSWORD, full_name=ADMIN_NAME)
    grant_role(user=user, role=Grant.Role.CLUSTER_ADMIN, cluster=cluster_a)
    return user


def _sign_in(page: Page, email: str, password: str) -> None:
    form = page.locator("form.form")
    form.locator("#id_email").fill(email)
    form.locator("#id_password").fill(password)
    form.get_by_role("button", name="Войти").click()


def _css_applied(page: Page) -> None:
    """app.css is loaded: the header's bar is a flex row and the body uses the theme's ink colour."""
    assert page.evaluate("getComputedStyle(document.querySelector('header.top .bar')).display") == "flex"
    assert page.evaluate("getComputedStyle(document.body).color") == "rgb(28, 36, 48)"


def test_cluster_admin_signs_in_on_own_host_only(alpha_admin: User, ui: UI) -> None:
    page = ui.page
    alpha_name = "Кластер Альфа (тест)"
    beta_name = "Кластер Бета (тест)"

    # 1. The cluster's public site, in Russian.
    page.goto(ui.url("alpha"))
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.locator("h1")).to_have_text(alpha_name)
    expect(page.locator("header .brand a")).to_have_text(alpha_name)
    expect(page.locator("nav.nav")).to_contain_text("Главная")
    _css_applied(page)
    ui.shot("01-alpha-home")

    # 2. «Войти» in the header opens the login page of this cluster.
    page.locator("header .account").get_by_role("link", name="Войти").click()
    expect(page).to_have_url(ui.url_pattern("alpha", "/login/"))
    expect(page.locator("h1")).to_have_text(f"Вход: {alpha_name}")
    ui.shot("02-alpha-login")

    # 3. Sign in (from the header's link: back to the page it was opened on) with the user's
    # name and role badge.
    _sign_in(page, ADMIN_EMAIL, PASSWORD)
    expect(page).to_have_url(ui.url("alpha"))
    expect(page.locator("header .who")).to_have_text(ADMIN_NAME)
    expect(page.locator("header .badge")).to_have_text("Администратор кластера")
    expect(page.locator("header").get_by_role("button", name="Выйти")).to_be_visible()
    ui.shot("03-alpha-signed-in")

    # 4. The cabinet.
    page.locator("nav.nav").get_by_role("link", name="Кабинет").click()
    expect(page).to_have_url(ui.url("alpha", "/cabinet/"))
    expect(page.locator("h1")).to_have_text(f"Кабинет: {alpha_name}")
    expect(page.locator("main .badge")).to_have_text("Администратор кластера")
    expect(page.locator("nav.nav a[aria-current=page]")).to_have_text("Кабинет")
    ui.shot("04-alpha-cabinet")

    # 5. EN in the header: the same page in English; RU brings Russian back.
    page.locator("header form.lang").get_by_role("button", name="EN").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(ui.url("alpha", "/cabinet/"))
    expect(page.locator("h1")).to_have_text(f"Dashboard: {alpha_name}")
    expect(page.locator("nav.nav")).to_contain_text("Home")
    expect(page.locator("header .badge")).to_have_text("Cluster administrator")
    expect(page.locator("main")).to_contain_text("Your roles")
    expect(page.locator("header").get_by_role("button", name="Sign out")).to_be_visible()
    ui.shot("05-alpha-cabinet-en")
    page.locator("header form.lang").get_by_role("button", name="RU").click()
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.locator("h1")).to_have_text(f"Кабинет: {alpha_name}")

    # The session cookie is host-only: alpha.localhost, no Domain attribute.
    alpha_cookies = {c["name"]: c for c in ui.context.cookies(ui.url("alpha"))}
    assert alpha_cookies["sessionid"]["domain"] == "alpha.localhost"
    assert "sessionid" not in {c["name"] for c in ui.context.cookies(ui.url("beta"))}

    # 6. Beta's cabinet in the same browser: not signed in there, sent to beta's login page.
    page.goto(ui.url("beta", "/cabinet/"))
    expect(page).to_have_url(ui.url("beta", "/login/?next=/cabinet/"))
    expect(page.locator("h1")).to_have_text(f"Вход: {beta_name}")
    expect(page.locator("header .who")).to_have_count(0)
    expect(page.locator("header .account").get_by_role("button", name="Выйти")).to_have_count(0)
    ui.shot("06-beta-not-signed-in")

    # 7. Alpha's admin has no role in beta: refused, in Russian.
    _sign_in(page, ADMIN_EMAIL, PASSWORD)
    expect(page.locator("ul.errorlist")).to_have_text(
        f"У этой учётной записи нет доступа к кластеру «{beta_name}»."
    )
    expect(page).to_have_url(ui.url_pattern("beta", "/login/"))
    expect(page.locator("header .who")).to_have_count(0)
    ui.shot("07-beta-refused")

    # ... and in English after switching the language on beta.
    page.locator("header form.lang").get_by_role("button", name="EN").click()
    expect(page.locator("h1")).to_have_text(f"Sign in: {beta_name}")
    form = page.locator("form.form")
    form.locator("#id_email").fill(ADMIN_EMAIL)
    form.locator("#id_password").fill(PASSWORD)
    form.get_by_role("button", name="Sign in").click()
    expect(page.locator("ul.errorlist")).to_have_text(
        f"This account has no access to the cluster “{beta_name}”."
    )
    ui.shot("08-beta-refused-en")

    # 8. Alpha's session is untouched by all that, and alpha is still in Russian (cookies per host).
    page.goto(ui.url("alpha", "/cabinet/"))
    expect(page.locator("h1")).to_have_text(f"Кабинет: {alpha_name}")
    expect(page.locator("header .who")).to_have_text(ADMIN_NAME)

    assert not ui.problems, ui.problems
