"""Second factors of sign-in: TOTP (django-otp's TOTP plugin), recovery codes (its static
plugin: shown once, each usable once) and passkeys (WebAuthn through py_webauthn).

Who must have one: platform admins, ministry users, and the admins of a cluster that turned
`Cluster.admins_need_two_factor` on (`two_factor_required`). With settings.TWO_FACTOR_ENFORCE
such an account without a factor is sent to enrolment right after the password; an account
with a factor is always asked for it (page, passkey, and the API token endpoint's `otp`).
Failed codes count toward the sign-in limits of core.accounts.services (per e-mail and
address, and per address), exactly like wrong passwords.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import time
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from core.audit.services import Actor, audit_entry
from tenants.models import Cluster
from tenants.selectors import forget_cluster_hosts

from .models import Grant, SignInLock, User, WebAuthnCredential
from .services import AuthResult, _lock, _reserve_guess, address_limit

ALWAYS_REQUIRED = (Grant.Role.PLATFORM_ADMIN, Grant.Role.MINISTRY_FEDERAL, Grant.Role.MINISTRY_REGIONAL)
RECOVERY_CODES = 10
RECOVERY_DEVICE = "recovery"
WRONG_CODE = "Неверный или устаревший код."
REUSED_CODE = "Этот код уже использован: дождитесь следующего кода в приложении."


# --- who needs what -----------------------------------------------------------------------------


def two_factor_required(user: User) -> bool:
    """The account's roles demand a second factor (one query)."""
    return Grant.objects.filter(
        Q(user=user)
        & (
            Q(role__in=[str(r) for r in ALWAYS_REQUIRED])
            | Q(role=Grant.Role.CLUSTER_ADMIN, cluster__admins_need_two_factor=True)
        )
    ).exists()


def totp_device_of(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-pk").first()


def passkeys_of(user: User, rp_id: str | None = None) -> QuerySet[WebAuthnCredential]:
    found = WebAuthnCredential.objects.filter(user=user)
    return (found if rp_id is None else found.filter(rp_id=rp_id)).order_by("created_at")


def two_factor_enrolled(user: User) -> bool:
    return (
        TOTPDevice.objects.filter(user=user, confirmed=True).exists()
        or WebAuthnCredential.objects.filter(user=user).exists()
    )


def must_enrol(user: User) -> bool:
    """Sent to enrolment right after the password, and nothing else until enrolled."""
    return bool(settings.TWO_FACTOR_ENFORCE) and two_factor_required(user) and not two_factor_enrolled(user)


def _audit(*, actor: Actor, action: str, obj: Any, changes: dict[str, Any] | None = None) -> None:
    """Account security events belong to no cluster's log."""
    entry = audit_entry(actor=actor, action=action, obj=obj, changes=changes or {})
    entry.cluster = None
    entry.save()


# --- TOTP ---------------------------------------------------------------------------------------


def totp_enrol_start(*, user: User) -> TOTPDevice:
    """A new, unconfirmed TOTP device with a fresh secret; the caller binds its id to the
    session that started it (only that session may confirm it)."""
    TOTPDevice.objects.filter(
        user=user, confirmed=False, created_at__lt=timezone.now() - dt.timedelta(hours=1)
    ).delete()
    return TOTPDevice.objects.create(user=user, name="Приложение-аутентификатор", confirmed=False)


def totp_secret(device: TOTPDevice) -> str:
    """The secret as authenticator apps take it (base32, no padding)."""
    return base64.b32encode(device.bin_key).decode().rstrip("=")


def totp_uri(device: TOTPDevice) -> str:
    return str(device.config_url)


def totp_enrol_confirm(
    *, user: User, device_id: int, session_device_id: int | None, code: str, actor: Actor
) -> list[str]:
    """Confirm the pending device with a current code; it replaces any older TOTP device.
    Returns new recovery codes when the account had none (shown once), else []."""
    device = TOTPDevice.objects.filter(user=user, pk=device_id, confirmed=False).first()
    if device is None:
        raise ValidationError({"code": "Подключение не найдено или уже завершено: начните заново."})
    if session_device_id != device.pk:
        raise ValidationError(
            {"code": "Подключение начато в другом сеансе: завершите его там или начните заново здесь."}
        )
    if not device.verify_token(_digits(code)):
        raise ValidationError({"code": "Неверный код: проверьте время на телефоне и введите текущий код."})
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        _audit(actor=actor, action="two_factor.totp_enrol", obj=user, changes={"device": device.pk})
        codes = [] if recovery_codes_left(user) else _recovery_codes_new(user)
    return codes


def totp_remove(*, user: User, actor: Actor) -> None:
    device = totp_device_of(user)
    if device is None:
        return
    if two_factor_required(user) and not passkeys_of(user).exists():
        raise ValidationError(
            "Для вашей роли второй фактор обязателен: сначала добавьте ключ доступа или подключите "
            "приложение заново."
        )
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        _audit(actor=actor, action="two_factor.totp_remove", obj=user)


def _digits(code: str) -> str:
    return "".join(ch for ch in (code or "") if not ch.isspace())


def _totp_replayed(device: TOTPDevice, token: str) -> bool:
    """The code is right but belongs to a time step already used (django-otp refuses it)."""
    if device.last_t is None or not token.isdigit():
        return False
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    for offset in range(-device.tolerance, device.tolerance + 1):
        totp.time = time.time() + offset * device.step
        if totp.t() <= device.last_t and totp.token() == int(token):
            return True
    return False


# --- recovery codes -----------------------------------------------------------------------------


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__name=RECOVERY_DEVICE).count()


def _recovery_codes_new(user: User) -> list[str]:
    device, _ = StaticDevice.objects.get_or_create(user=user, name=RECOVERY_DEVICE)
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def recovery_codes_regenerate(*, user: User, actor: Actor) -> list[str]:
    """New recovery codes (the old ones stop working); shown once."""
    if not two_factor_enrolled(user):
        raise ValidationError("Резервные коды выдаются после подключения второго фактора.")
    with transaction.atomic():
        codes = _recovery_codes_new(user)
        _audit(actor=actor, action="two_factor.recovery_codes", obj=user)
    return codes


def _recovery_code_use(user: User, code: str) -> bool:
    token = "".join(ch for ch in (code or "").lower() if ch.isalnum())
    for device in StaticDevice.objects.filter(user=user, name=RECOVERY_DEVICE):
        if device.verify_token(token):  # deletes the token: each code works once
            return True
    return False


# --- the second step of sign-in -----------------------------------------------------------------


def _guarded(user: User, address: str, check: Any) -> tuple[AuthResult, str]:
    """Run `check()` (True: the factor is right) under the sign-in limits: the address limit,
    then one reserved guess for (e-mail, address); a failure counts like a wrong password."""
    limit = address_limit()
    if limit.reached(address):
        return AuthResult(user=None, throttled=True), ""
    login = user.email.lower()
    now = timezone.now()
    failures, locked_until = _reserve_guess(email=login, address=address, now=now)
    if locked_until is not None and locked_until > now:
        limit.hit(address)
        return AuthResult(user=None, locked_until=locked_until), ""
    if failures > settings.LOGIN_LOCKOUT_THRESHOLD:
        limit.hit(address)
        return AuthResult(user=None, locked_until=_lock(email=login, address=address, now=now)), ""
    ok, message = check()
    if ok:
        SignInLock.objects.filter(email=login, address=address).delete()
        return AuthResult(user=user), ""
    limit.hit(address)
    if failures >= settings.LOGIN_LOCKOUT_THRESHOLD:
        return AuthResult(user=None, locked_until=_lock(email=login, address=address, now=now)), message
    return AuthResult(user=None), message


def second_factor_check(*, user: User, code: str, address: str) -> tuple[AuthResult, str]:
    """A TOTP code or a recovery code of `user`; returns the result and, on a wrong code, the
    Russian reason (wrong or expired, or reused within its time step)."""

    def check() -> tuple[bool, str]:
        token = _digits(code)
        if not token:
            return False, WRONG_CODE
        if token.isdigit() and len(token) == 6:  # TOTP; recovery codes are 8 characters
            for device in TOTPDevice.objects.filter(user=user, confirmed=True):
                if device.verify_token(token):
                    return True, ""
                if _totp_replayed(device, token):
                    return False, REUSED_CODE
            return False, WRONG_CODE
        if _recovery_code_use(user, token):
            return True, ""
        return False, "Неверный или уже использованный резервный код."

    return _guarded(user, address, check)


# --- passkeys (WebAuthn) ------------------------------------------------------------------------


def rp_id_of(host: str) -> str:
    """The relying party of a host: the host itself (passkeys are host-bound like sessions)."""
    return host.rsplit(":", 1)[0].lower() if not host.startswith("[") else host


def _user_handle(user: User) -> bytes:
    return f"clusterhub-user-{user.pk}".encode()


def passkey_registration_options(*, user: User, rp_id: str) -> tuple[str, bytes]:
    options = generate_registration_options(
        rp_id=rp_id,
        rp_name="clusterhub",
        user_name=user.email,
        user_id=_user_handle(user),
        user_display_name=user.get_full_name(),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
        exclude_credentials=[
            PublicKeyCredentialDescriptor(id=base64url_to_bytes(c.credential_id))
            for c in passkeys_of(user, rp_id)
        ],
    )
    return options_to_json(options), options.challenge


def passkey_register(
    *,
    user: User,
    rp_id: str,
    origin: str,
    credential: dict[str, Any],
    challenge: bytes | None,
    name: str,
    actor: Actor,
) -> tuple[WebAuthnCredential, list[str]]:
    """Verify the browser's attestation against the session's challenge and store the key.
    Returns it and new recovery codes when the account had none."""
    if challenge is None:
        raise ValidationError("Добавление ключа не начато в этом сеансе: начните заново.")
    try:
        verified = verify_registration_response(
            credential=json.dumps(credential),
            expected_challenge=challenge,
            expected_rp_id=rp_id,
            expected_origin=origin,
        )
    except (WebAuthnException, ValueError, KeyError, TypeError) as exc:
        raise ValidationError("Ключ доступа не принят: ответ браузера не прошёл проверку.") from exc
    key = WebAuthnCredential(
        user=user,
        name=(name or "").strip()[:100] or "Ключ доступа",
        rp_id=rp_id,
        credential_id=bytes_to_base64url(verified.credential_id),
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
    )
    if WebAuthnCredential.objects.filter(credential_id=key.credential_id).exists():
        raise ValidationError("Этот ключ доступа уже добавлен.")
    with transaction.atomic():
        key.save()
        _audit(actor=actor, action="two_factor.passkey_add", obj=user, changes={"name": key.name})
        codes = [] if recovery_codes_left(user) else _recovery_codes_new(user)
    return key, codes


def passkey_authentication_options(*, user: User, rp_id: str) -> tuple[str, bytes]:
    options = generate_authentication_options(
        rp_id=rp_id,
        allow_credentials=[
            PublicKeyCredentialDescriptor(id=base64url_to_bytes(c.credential_id))
            for c in passkeys_of(user, rp_id)
        ],
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    return options_to_json(options), options.challenge


def passkey_check(
    *,
    user: User,
    rp_id: str,
    origin: str,
    credential: dict[str, Any],
    challenge: bytes | None,
    address: str,
) -> tuple[AuthResult, str]:
    """A passkey assertion of `user` on this host, under the same limits as codes."""

    def check() -> tuple[bool, str]:
        key = passkeys_of(user, rp_id).filter(credential_id=str(credential.get("id", ""))).first()
        if key is None or challenge is None:
            return False, "Ключ доступа не подошёл."
        try:
            verified = verify_authentication_response(
                credential=json.dumps(credential),
                expected_challenge=challenge,
                expected_rp_id=rp_id,
                expected_origin=origin,
                credential_public_key=bytes(key.public_key),
                credential_current_sign_count=key.sign_count,
            )
        except (WebAuthnException, ValueError, KeyError, TypeError):
            return False, "Ключ доступа не подошёл."
        WebAuthnCredential.objects.filter(pk=key.pk).update(
            sign_count=verified.new_sign_count, last_used_at=timezone.now()
        )
        return True, ""

    return _guarded(user, address, check)


def passkey_remove(*, user: User, key: WebAuthnCredential, actor: Actor) -> None:
    others = passkeys_of(user).exclude(pk=key.pk).exists() or totp_device_of(user) is not None
    if two_factor_required(user) and not others:
        raise ValidationError(
            "Для вашей роли второй фактор обязателен: это ваш последний — сначала добавьте другой."
        )
    with transaction.atomic():
        key.delete()
        _audit(actor=actor, action="two_factor.passkey_remove", obj=user, changes={"name": key.name})


# --- the cluster's policy -----------------------------------------------------------------------


def cluster_two_factor_policy_set(*, cluster: Cluster, required: bool, actor: Actor) -> Cluster:
    """A cluster admin turns the second factor on or off for the cluster's admins; takes effect
    at their next sign-in."""
    if actor.user is None or Grant.Role.CLUSTER_ADMIN not in {
        g.role for g in Grant.objects.filter(user=actor.user, cluster=cluster)
    }:
        raise PermissionDenied("Настройку меняет администратор кластера.")
    with transaction.atomic():
        before = cluster.admins_need_two_factor
        Cluster.objects.filter(pk=cluster.pk).update(admins_need_two_factor=required)
        cluster.admins_need_two_factor = required
        entry = audit_entry(
            actor=actor,
            action="cluster.two_factor_policy",
            obj=cluster,
            changes={"admins_need_two_factor": [before, required]},
        )
        entry.cluster = cluster
        entry.save()
    forget_cluster_hosts(cluster=cluster)
    transaction.on_commit(lambda: forget_cluster_hosts(cluster=cluster))
    return cluster
