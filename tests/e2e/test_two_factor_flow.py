"""Two-factor sign-in in Chromium: a platform admin enrols TOTP (the secret read from the page)
and then needs a code; a passkey is added and used through Chromium's virtual authenticator
(DevTools protocol: WebAuthn.addVirtualAuthenticator)."""

from __future__ import annotations

import base64
import time

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import Page, expect
from pytest_django import Settings

from core.accounts.models import Grant, User, WebAuthnCredential
from core.accounts.services import grant_role, user_create
from tests.conftest import PASSWORD

from .conftest import UI

pytestmark = pytest.mark.browser

EMAIL = "root@platform-e2e.example"


def _code(secret: str, at: float) -> str:
    generator = TOTP(base64.b32decode(secret + "=" * (-len(secret) % 8)), step=30, t0=0, digits=6)
    generator.time = at
    return f"{generator.token():06d}"


@pytest.fixture
def platform_admin(transactional_db: None, settings: Settings) -> User:
    settings.TWO_FACTOR_ENFORCE = True
    user = user_create(email=EMAIL, password=PASSWORD, full_name="Оператор Платформы")
    grant_role(user=user, role=Grant.Role.PLATFORM_ADMIN)
    return user


def _password(page: Page, ui: UI) -> None:
    page.goto(ui.url(None, "/login/"))
    form = page.locator("form.form")
    form.locator("#id_email").fill(EMAIL)
    form.locator("#id_password").fill(PASSWORD)
    form.get_by_role("button", name="Войти").click()


def _sign_out(page: Page) -> None:
    page.locator("header").get_by_role("button", name="Выйти").click()
    expect(page.locator("header .account")).to_contain_text("Войти")


def test_platform_admin_enrols_totp_and_then_needs_the_code(platform_admin: User, ui: UI) -> None:
    page = ui.page
    _password(page, ui)
    # required but not enrolled: straight to enrolment, and nothing else
    expect(page).to_have_url(ui.url(None, "/account/security/"))
    expect(page.locator("main")).to_contain_text("Пока второй фактор не подключён")
    page.goto(ui.url(None, "/platform/clusters/"))
    expect(page).to_have_url(ui.url(None, "/account/security/"))

    page.get_by_role("button", name="Подключить приложение").click()
    expect(page.locator("h1")).to_have_text("Приложение-аутентификатор")
    expect(page.locator("img.qr")).to_be_visible()
    secret = page.locator("#totp-secret").inner_text().strip()
    page.set_viewport_size({"width": 390, "height": 800})
    ui.shot("2fa-01-totp-enrol-390")
    page.set_viewport_size({"width": 1366, "height": 800})
    ui.shot("2fa-02-totp-enrol-1366")
    page.locator("#id_code").fill(_code(secret, time.time()))
    page.get_by_role("button", name="Подтвердить").click()
    expect(page).to_have_url(ui.url(None, "/account/security/"))
    expect(page.locator("main .messages, ul.messages")).to_contain_text(
        "Приложение-аутентификатор подключено."
    )
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    ui.shot("2fa-03-recovery-codes-1366")
    page.goto(ui.url(None, "/platform/clusters/"))
    expect(page.locator("h1")).to_have_text("Управление кластерами")
    _sign_out(page)

    # the password alone: the platform pages and the token endpoint refuse
    _password(page, ui)
    expect(page).to_have_url(ui.url(None, "/login/verify/"))
    ui.shot("2fa-04-verify-1366")
    page.goto(ui.url(None, "/platform/clusters/"))
    expect(page).to_have_url(ui.url_pattern(None, "/login/"))
    token = page.request.post(
        ui.url(None, "/api/v1/auth/token/"), data={"email": EMAIL, "password": PASSWORD}
    )
    assert token.status == 400
    assert "otp" in token.json()["errors"]

    # with a code (the next time step: the enrolment used the current one)
    _password(page, ui)
    expect(page).to_have_url(ui.url(None, "/login/verify/"))
    page.locator("#id_code").fill(_code(secret, time.time() + 30))
    page.get_by_role("button", name="Подтвердить").click()
    expect(page).to_have_url(ui.url(None, "/cabinet/"))  # the role's home
    expect(page.locator("header .who")).to_have_text("Оператор Платформы")
    page.goto(ui.url(None, "/platform/clusters/"))
    expect(page.locator("h1")).to_have_text("Управление кластерами")
    page.goto(ui.url(None, "/account/sessions/"))
    expect(page.locator("#sessions tbody tr")).to_have_count(1)
    expect(page.locator("#sessions")).to_contain_text("этот сеанс")
    page.set_viewport_size({"width": 390, "height": 800})
    ui.shot("2fa-05-sessions-390")
    assert ui.problems == []


def test_passkey_enrolment_and_sign_in_with_a_virtual_authenticator(platform_admin: User, ui: UI) -> None:
    page = ui.page
    cdp = ui.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    authenticator = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )["authenticatorId"]

    _password(page, ui)
    expect(page).to_have_url(ui.url(None, "/account/security/"))
    page.locator("#passkey-name").fill("Ноутбук")
    page.get_by_role("button", name="Добавить ключ доступа").click()
    expect(page.locator("ul.messages")).to_contain_text("Ключ доступа добавлен.")
    expect(page.locator("table.grid")).to_contain_text("Ноутбук")
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    ui.shot("2fa-06-passkey-added-1366")
    assert len(cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]) == 1
    assert WebAuthnCredential.objects.filter(user=platform_admin, rp_id="localhost").count() == 1
    _sign_out(page)

    _password(page, ui)
    expect(page).to_have_url(ui.url(None, "/login/verify/"))
    page.get_by_role("button", name="Войти с ключом доступа").click()
    expect(page).to_have_url(ui.url(None, "/cabinet/"))  # the role's home
    expect(page.locator("header .who")).to_have_text("Оператор Платформы")
    page.goto(ui.url(None, "/platform/clusters/"))
    expect(page.locator("h1")).to_have_text("Управление кластерами")
    assert WebAuthnCredential.objects.get(user=platform_admin).last_used_at is not None
    assert ui.problems == []
