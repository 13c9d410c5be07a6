"""Two-factor sign-in (issue 16 part 1): TOTP, recovery codes, enrolment when required, the
token endpoint's `otp`, the cluster's policy page; failed codes count toward sign-in limits."""

from __future__ import annotations

import base64
import re
import time

import pytest
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from pytest_django import Settings

from core.accounts.models import User
from core.accounts.twofactor import totp_secret
from tenants.models import Cluster
from tests.conftest import PASSWORD, ROLE, MakeUser, client_for

pytestmark = pytest.mark.django_db


def code(secret: str, at: float | None = None) -> str:
    """What an authenticator app shows for `secret` at `at` (default: now)."""
    generator = TOTP(base64.b32decode(secret + "=" * (-len(secret) % 8)), step=30, t0=0, digits=6)
    generator.time = time.time() if at is None else at
    return f"{generator.token():06d}"


def enrolled(user: User) -> str:
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    return totp_secret(device)


def password_step(client: Client, user: User) -> str:
    response = client.post("/login/", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return str(response["Location"])


@pytest.fixture
def enforce(settings: Settings) -> None:
    settings.TWO_FACTOR_ENFORCE = True


def test_platform_admin_without_factor_can_only_enrol_then_signs_in_with_a_code(
    make_user: MakeUser, enforce: None
) -> None:
    admin = make_user(ROLE.PLATFORM_ADMIN)
    client = client_for(None)
    assert password_step(client, admin) == "/account/security/"
    # nothing else until enrolled: pages send back, the API refuses
    assert client.get("/platform/clusters/")["Location"] == "/account/security/"
    api = client.get("/api/v1/me/")
    assert api.status_code == 403
    assert "двухфакторную" in api.json()["detail"]
    page = client.get("/account/security/")
    assert "Для вашей роли второй фактор входа обязателен." in page.content.decode()
    # enrol: the secret is on the page; confirm with the current code
    started = client.post("/account/security/totp/")
    body = started.content.decode()
    secret = re.search(r'<code id="totp-secret">([A-Z2-7]+)</code>', body).group(1)  # type: ignore[union-attr]
    device = re.search(r'name="device" value="(\d+)"', body).group(1)  # type: ignore[union-attr]
    wrong = client.post("/account/security/totp/confirm/", {"device": device, "code": "000000"})
    assert wrong.status_code == 400
    assert "Неверный код" in wrong.content.decode()
    done = client.post("/account/security/totp/confirm/", {"device": device, "code": code(secret)})
    assert done["Location"] == "/account/security/"
    shown = client.get("/account/security/").content.decode()
    codes = re.findall(r"<li><code>([a-z2-7]+)</code></li>", shown)
    assert len(codes) == 10
    assert "<li><code>" not in client.get("/account/security/").content.decode()  # shown once
    assert client.get("/platform/clusters/").status_code == 200

    # sign out; the password alone no longer signs in
    client.post("/logout/")
    fresh = client_for(None)
    assert password_step(fresh, admin) == "/login/verify/"
    assert fresh.get("/platform/clusters/")["Location"].startswith("/login/")
    token = fresh.post("/api/v1/auth/token/", {"email": admin.email, "password": PASSWORD})
    assert token.status_code == 400
    assert token.json()["code"] == "otp_required"
    assert "otp" in token.json()["errors"]
    next_code = _code_next_step(secret)
    signed = fresh.post("/login/verify/", {"code": next_code})
    assert signed.status_code == 302
    assert fresh.get("/platform/clusters/").status_code == 200


def _code_next_step(secret: str) -> str:
    return code(secret, at=time.time() + 30)


def test_wrong_reused_and_expired_codes_are_refused(make_user: MakeUser) -> None:
    user = make_user(ROLE.MINISTRY_FEDERAL)
    secret = enrolled(user)
    client = client_for(None)
    password_step(client, user)
    expired = client.post("/login/verify/", {"code": code(secret, at=time.time() - 120)})
    assert expired.status_code == 200
    assert "Неверный или устаревший код." in expired.content.decode()
    right = code(secret)
    assert client.post("/login/verify/", {"code": right}).status_code == 302
    other = client_for(None)
    password_step(other, user)
    replay = other.post("/login/verify/", {"code": right})
    assert "Этот код уже использован" in replay.content.decode()
    assert other.get("/api/v1/me/").status_code in {401, 403}


def test_recovery_code_works_once(make_user: MakeUser) -> None:
    user = make_user(ROLE.PLATFORM_ADMIN)
    secret = enrolled(user)
    first = client_for(None)
    password_step(first, user)
    assert first.post("/login/verify/", {"code": code(secret)}).status_code == 302
    shown = first.post("/account/security/recovery-codes/", follow=True).content.decode()
    recovery = re.findall(r"<li><code>([a-z2-7]+)</code></li>", shown)[0]
    second = client_for(None)
    password_step(second, user)
    assert second.post("/login/verify/", {"code": recovery}).status_code == 302
    third = client_for(None)
    password_step(third, user)
    again = third.post("/login/verify/", {"code": recovery})
    assert "Неверный или уже использованный резервный код." in again.content.decode()


def test_failed_codes_count_toward_the_sign_in_lock(make_user: MakeUser) -> None:
    user = make_user(ROLE.PLATFORM_ADMIN)
    secret = enrolled(user)
    client = client_for(None)
    password_step(client, user)
    for _ in range(5):
        client.post("/login/verify/", {"code": "123456"})
    locked = client.post("/login/verify/", {"code": code(secret)})
    assert "Учётная запись заблокирована" in locked.content.decode()
    assert client.get("/api/v1/me/").status_code in {401, 403}


def test_enrolment_confirmed_from_another_session_changes_nothing(make_user: MakeUser) -> None:
    user = make_user()
    first, second = client_for(None), client_for(None)
    password_step(first, user)
    password_step(second, user)
    body = first.post("/account/security/totp/").content.decode()
    secret = re.search(r'<code id="totp-secret">([A-Z2-7]+)</code>', body).group(1)  # type: ignore[union-attr]
    device = re.search(r'name="device" value="(\d+)"', body).group(1)  # type: ignore[union-attr]
    refused = second.post("/account/security/totp/confirm/", {"device": device, "code": code(secret)})
    assert refused.status_code == 400
    text = refused.content.decode()
    assert "Подключение начато в другом сеансе" in text
    assert secret not in text
    assert not TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def test_token_endpoint_needs_otp_when_enrolled_or_required(make_user: MakeUser, settings: Settings) -> None:
    user = make_user(ROLE.MINISTRY_FEDERAL)
    client = client_for(None)
    settings.TWO_FACTOR_ENFORCE = True
    required = client.post("/api/v1/auth/token/", {"email": user.email, "password": PASSWORD})
    assert required.status_code == 400
    assert required.json()["code"] == "otp_enrolment_required"
    secret = enrolled(user)
    wrong = client.post("/api/v1/auth/token/", {"email": user.email, "password": PASSWORD, "otp": "000000"})
    assert wrong.status_code == 400
    assert wrong.json()["errors"]["otp"] == ["Неверный или устаревший код."]
    issued = client.post(
        "/api/v1/auth/token/", {"email": user.email, "password": PASSWORD, "otp": code(secret)}
    )
    assert issued.status_code == 200
    assert issued.json()["token"]
    # a user with no factor and no role requiring one gets a token with the password alone
    plain = make_user()
    assert client.post("/api/v1/auth/token/", {"email": plain.email, "password": PASSWORD}).status_code == 200


def test_cluster_admin_turns_the_requirement_on(
    make_user: MakeUser, cluster_a: Cluster, cluster_b: Cluster, enforce: None
) -> None:
    admin = make_user(ROLE.CLUSTER_ADMIN, cluster_a)
    staff = make_user(ROLE.CLUSTER_STAFF, cluster_a)
    other_admin = make_user(ROLE.CLUSTER_ADMIN, cluster_b)
    assert (
        password_step(client_for(cluster_a), admin) == "/cabinet/"
    )  # off by default: straight to the role's home
    staff_client = client_for(cluster_a)
    password_step(staff_client, staff)
    assert staff_client.get("/account/security/policy/").status_code == 403
    beta = client_for(cluster_b)
    password_step(beta, other_admin)
    assert beta.get("/account/security/policy/", HTTP_HOST="alpha.localhost").status_code in {302, 403, 404}
    anonymous = client_for(cluster_a).get("/account/security/policy/")
    assert anonymous["Location"].startswith("/login/")

    page = client_for(cluster_a)
    password_step(page, admin)
    assert "Двухфакторный вход в кластере" in page.get("/account/security/policy/").content.decode()
    saved = page.post("/account/security/policy/", {"admins_need_two_factor": "on"})
    assert saved.status_code == 302
    cluster_a.refresh_from_db()
    assert cluster_a.admins_need_two_factor
    assert password_step(client_for(cluster_a), admin) == "/account/security/"
    assert password_step(client_for(cluster_a), staff) == "/cabinet/"  # staff are not asked


def test_demo_secure_login_has_totp() -> None:
    from clusterhub.demo.clusters import DEMO_PASSWORD, demo_secure_login

    login = demo_secure_login()
    again = demo_secure_login()
    assert login.note == again.note  # rerunning keeps the secret
    secret = login.note.rsplit(" ", 1)[1]
    user = User.objects.get(email="secure@ministry.demo")
    client = client_for(None)
    response = client.post("/login/", {"email": user.email, "password": DEMO_PASSWORD})
    assert response["Location"] == "/login/verify/"
    assert client.post("/login/verify/", {"code": code(secret)}).status_code == 302


def test_second_step_and_passkey_endpoints_need_the_password_step(
    make_user: MakeUser, cluster_a: Cluster
) -> None:
    anonymous = client_for(None)
    assert anonymous.get("/login/verify/")["Location"] == "/login/"
    refused = anonymous.post("/login/verify/passkey/options/")
    assert refused.status_code == 403
    assert "сначала e-mail и пароль" in refused.json()["detail"]
    assert anonymous.post("/login/verify/passkey/", {}, content_type="application/json").status_code == 403
    # a half-signed-in session copied to another host is anonymous there
    user = make_user(ROLE.CLUSTER_STAFF, cluster_a)
    enrolled(user)
    client = client_for(cluster_a)
    password_step(client, user)
    carried = client_for(None)
    carried.cookies["sessionid"] = client.cookies["sessionid"].value
    assert carried.get("/login/verify/")["Location"] == "/login/"


def test_passkey_registration_needs_this_sessions_challenge(make_user: MakeUser) -> None:
    user = make_user()
    client = client_for(None)
    password_step(client, user)
    refused = client.post(
        "/account/security/passkeys/",
        {"credential": {"id": "x"}, "name": "ключ"},
        content_type="application/json",
    )
    assert refused.status_code == 400
    assert "не начато в этом сеансе" in refused.json()["detail"]
    options = client.post("/account/security/passkeys/options/").json()
    assert options["rp"]["id"] == "localhost"
    assert options["user"]["name"] == user.email
    forged = client.post(
        "/account/security/passkeys/",
        {"credential": {"id": "x"}, "name": "ключ"},
        content_type="application/json",
    )
    assert forged.status_code == 400
    assert "Ключ доступа не принят" in forged.json()["detail"]
    assert not user.passkeys.exists()


def test_enrolling_user_cannot_reach_the_cluster_policy_or_sessions(
    make_user: MakeUser, cluster_a: Cluster, enforce: None
) -> None:
    admin = make_user(ROLE.CLUSTER_ADMIN, cluster_a)
    Cluster.objects.filter(pk=cluster_a.pk).update(admins_need_two_factor=True)
    client = client_for(cluster_a)
    assert password_step(client, admin) == "/account/security/"
    for path in ("/account/security/policy/", "/account/sessions/", "/cabinet/", "/account/api-tokens/"):
        assert client.get(path)["Location"] == "/account/security/", path
    assert client.get("/account/security/").status_code == 200
