"""Two-factor sign-in and sessions, on every host.

The sign-in's second step (`/login/verify/`: a TOTP code, a recovery code or a passkey) after
the password; «Безопасность входа» (`/account/security/`: enrol TOTP and passkeys, recovery
codes); «Сеансы» (`/account/sessions/`: the user's signed-in sessions, end any); on a cluster
host its admins turn the second factor on for the cluster's admins
(`/account/security/policy/`). Rules live in core.accounts.twofactor and core.accounts.sessions.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from functools import wraps
from typing import Any, cast
from urllib.parse import urlsplit

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url

from core.accounts import twofactor
from core.accounts.middleware import ENROL_KEY, bind_session_to_host
from core.accounts.models import Grant, User
from core.accounts.ratelimit import client_address
from core.accounts.selectors import user_cluster_roles
from core.accounts.services import AuthResult
from core.accounts.sessions import (
    device_label,
    session_end,
    session_key_hash,
    session_of,
    session_record_create,
    session_record_drop,
    sessions_of,
)
from core.audit.services import Actor
from tenants.http import ClusterHttpRequest

from ..access import READERS, cluster_page, or_404, signed_in_platform_page
from ..pages import action, form_page

View = Callable[..., HttpResponseBase]

PENDING_KEY = "_2fa_pending"  # {"user": id, "at": unix time, "next": url}: the password was right
LOGIN_CHALLENGE_KEY = "_2fa_webauthn_login"
REGISTER_CHALLENGE_KEY = "_2fa_webauthn_register"
TOTP_PENDING_KEY = "_2fa_totp_device"  # the TOTP device this session started to enrol
NEW_CODES_KEY = "_2fa_new_codes"  # recovery codes to show once, on the next page


def account_page(view: View) -> View:
    """A page of the signed-in user's own account, on every host: on a cluster host for any
    role there (cluster_page(READERS)), on the platform host for any signed-in account."""
    on_cluster, on_platform = cluster_page(READERS)(view), signed_in_platform_page(view)

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        chosen = on_cluster if getattr(request, "cluster", None) is not None else on_platform
        return chosen(request, *args, **kwargs)

    return wrapper


def _host(request: HttpRequest) -> str:
    return request.get_host().rsplit(":", 1)[0].lower()


def _origin(request: HttpRequest) -> str:
    return f"{request.scheme}://{request.get_host()}"


def _safe_next(request: HttpRequest, next_url: str) -> str:
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}) or urlsplit(
        next_url
    ).path in {reverse("frontend:login"), reverse("frontend:login_verify")}:
        return ""
    return next_url


# --- signing in ---------------------------------------------------------------------------------


def sign_in(request: HttpRequest, user: User, next_url: str) -> HttpResponse:
    """After the password: straight in, or to the second step (an enrolled account), or in but
    only to enrolment (an account whose role needs a second factor it does not have)."""
    if twofactor.two_factor_enrolled(user):
        request.session.cycle_key()
        bind_session_to_host(request)  # the half-signed-in session is no good on another host either
        request.session[PENDING_KEY] = {"user": user.pk, "at": int(time.time()), "next": next_url}
        return redirect("frontend:login_verify")
    enrol = twofactor.must_enrol(user)
    _complete(request, user)
    if enrol:
        request.session[ENROL_KEY] = True
        messages.warning(
            request,
            _(
                "Для вашей роли нужен второй фактор входа. Подключите приложение-аутентификатор или ключ доступа."
            ),
        )
        return redirect("frontend:security")
    return redirect(_safe_next(request, next_url) or "frontend:cabinet")


def _complete(request: HttpRequest, user: User) -> None:
    login(request, user, backend="core.accounts.backends.EmailLockoutBackend")
    bind_session_to_host(request)
    request.session.save()
    session_record_create(
        user=user,
        session_key=str(request.session.session_key),
        host=_host(request),
        user_agent=str(request.META.get("HTTP_USER_AGENT", "")),
        ip=client_address(request),
    )


def _pending_user(request: HttpRequest) -> tuple[User | None, str]:
    pending = request.session.get(PENDING_KEY)
    if not isinstance(pending, dict):
        return None, ""
    if time.time() - int(pending.get("at", 0)) > settings.TWO_FACTOR_PENDING_SECONDS:
        request.session.pop(PENDING_KEY, None)
        return None, ""
    return User.objects.filter(pk=_int(pending.get("user")), is_active=True).first(), str(
        pending.get("next", "")
    )


def _refusal(result: AuthResult, reason: str) -> str:
    if result.throttled:
        return _(
            "Слишком много неудачных попыток входа с вашего адреса. Повторите через %(minutes)s минут."
        ) % {"minutes": settings.LOGIN_LOCKOUT_MINUTES}
    if result.locked:
        return _(
            "Слишком много неудачных попыток входа. Учётная запись заблокирована на %(minutes)s минут."
        ) % {"minutes": settings.LOGIN_LOCKOUT_MINUTES}
    return reason or _("Неверный или устаревший код.")


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Код"),
        max_length=32,
        help_text=gettext_lazy("Шесть цифр из приложения-аутентификатора или резервный код."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "inputmode": "text"}
        ),
    )


@require_http_methods(["GET", "POST"])
def login_verify(request: HttpRequest) -> HttpResponse:
    user, next_url = _pending_user(request)
    if user is None:
        messages.info(request, _("Войдите заново: сначала e-mail и пароль."))
        return redirect("frontend:login")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result, reason = twofactor.second_factor_check(
            user=user, code=form.cleaned_data["code"], address=client_address(request)
        )
        if result.user is not None:
            request.session.pop(PENDING_KEY, None)
            _complete(request, user)
            return redirect(_safe_next(request, next_url) or "frontend:cabinet")
        form.add_error("code", _refusal(result, reason))
    rp_id = twofactor.rp_id_of(request.get_host())
    return render(
        request,
        "frontend/accounts/login_verify.html",
        {
            "form": form,
            "has_totp": twofactor.totp_device_of(user) is not None,
            "has_passkey": twofactor.passkeys_of(user, rp_id).exists(),
        },
    )


def _json_body(request: HttpRequest) -> dict[str, Any]:
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return {}
    return body if isinstance(body, dict) else {}


def _json_error(message: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"status": "error", "detail": message}, status=status)


@require_POST
def login_passkey_options(request: HttpRequest) -> HttpResponse:
    user, _next = _pending_user(request)
    if user is None:
        return _json_error(_("Войдите заново: сначала e-mail и пароль."), 403)
    options, challenge = twofactor.passkey_authentication_options(
        user=user, rp_id=twofactor.rp_id_of(request.get_host())
    )
    request.session[LOGIN_CHALLENGE_KEY] = bytes_to_base64url(challenge)
    return HttpResponse(options, content_type="application/json")


@require_POST
def login_passkey(request: HttpRequest) -> HttpResponse:
    user, next_url = _pending_user(request)
    if user is None:
        return _json_error(_("Войдите заново: сначала e-mail и пароль."), 403)
    challenge = request.session.pop(LOGIN_CHALLENGE_KEY, None)
    credential = _json_body(request).get("credential")
    result, reason = twofactor.passkey_check(
        user=user,
        rp_id=twofactor.rp_id_of(request.get_host()),
        origin=_origin(request),
        credential=credential if isinstance(credential, dict) else {},
        challenge=base64url_to_bytes(challenge) if challenge else None,
        address=client_address(request),
    )
    if result.user is None:
        return _json_error(_refusal(result, reason))
    request.session.pop(PENDING_KEY, None)
    _complete(request, user)
    return JsonResponse(
        {"status": "ok", "redirect": _safe_next(request, next_url) or reverse("frontend:cabinet")}
    )


# --- «Безопасность входа» -----------------------------------------------------------------------


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _security_context(request: HttpRequest) -> dict[str, Any]:
    user = _user(request)
    rp_id = twofactor.rp_id_of(request.get_host())
    return {
        "totp": twofactor.totp_device_of(user),
        "passkeys": list(twofactor.passkeys_of(user)),
        "rp_id": rp_id,
        "recovery_left": twofactor.recovery_codes_left(user),
        "required": twofactor.two_factor_required(user),
        "enrol_only": bool(request.session.get(ENROL_KEY)),
        "new_codes": request.session.pop(NEW_CODES_KEY, None),
        "is_cluster_admin": _is_cluster_admin(request),
    }


def _is_cluster_admin(request: HttpRequest) -> bool:
    cluster = getattr(request, "cluster", None)
    return cluster is not None and Grant.Role.CLUSTER_ADMIN in user_cluster_roles(request.user, cluster)


def _enrolled(request: HttpRequest, codes: list[str]) -> None:
    """A factor was added: the session may do everything; new recovery codes show once."""
    request.session.pop(ENROL_KEY, None)
    if codes:
        request.session[NEW_CODES_KEY] = codes


@account_page
@require_GET
def security(request: HttpRequest) -> HttpResponse:
    return render(request, "frontend/accounts/security.html", _security_context(request))


class TotpConfirmForm(forms.Form):
    device = forms.IntegerField(widget=forms.HiddenInput)
    code = forms.CharField(
        label=gettext_lazy("Код из приложения"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


def _totp_context(device: TOTPDevice) -> dict[str, Any]:
    uri = twofactor.totp_uri(device)
    return {
        "secret": twofactor.totp_secret(device),
        "qr": segno.make(uri, error="m").svg_data_uri(scale=5),
        "uri": uri,
    }


@account_page
@require_POST
def totp_start(request: HttpRequest) -> HttpResponse:
    """Start enrolment: a fresh secret bound to this session, shown with its QR code."""
    device = twofactor.totp_enrol_start(user=_user(request))
    request.session[TOTP_PENDING_KEY] = device.pk
    form = TotpConfirmForm(initial={"device": device.pk})
    return render(request, "frontend/accounts/totp_enrol.html", {"form": form, **_totp_context(device)})


@account_page
@require_POST
def totp_confirm(request: HttpRequest) -> HttpResponseBase:
    """Confirm with a current code; only the session that started the enrolment may."""
    user = _user(request)
    form = TotpConfirmForm(request.POST)
    device = TOTPDevice.objects.filter(user=user, pk=_int(form.data.get("device")), confirmed=False).first()
    if device is None:
        messages.error(request, _("Подключение не найдено или уже завершено: начните заново."))
        return redirect("frontend:security")
    ours = device.pk == request.session.get(TOTP_PENDING_KEY)

    def confirmed(codes: list[str]) -> HttpResponseBase:
        _enrolled(request, codes)
        request.session.pop(TOTP_PENDING_KEY, None)
        return redirect("frontend:security")

    return form_page(
        request,
        form=form,
        save=lambda data: twofactor.totp_enrol_confirm(
            user=user,
            device_id=data["device"],
            session_device_id=request.session.get(TOTP_PENDING_KEY),
            code=data["code"],
            actor=Actor.from_request(request),
        ),
        success=confirmed,
        message=_("Приложение-аутентификатор подключено."),
        template="frontend/accounts/totp_enrol.html",
        context=_totp_context(device) if ours else {"secret": ""},
        invalid_status=400,
        rehearse=False,  # a code tried in a rehearsal would count against the enrolment
    )


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


@account_page
@require_POST
def totp_remove(request: HttpRequest) -> HttpResponseBase:
    return action(
        request,
        lambda: twofactor.totp_remove(user=_user(request), actor=Actor.from_request(request)),
        success=reverse("frontend:security"),
        message=_("Приложение-аутентификатор отключено."),
    )


@account_page
@require_POST
def recovery_codes(request: HttpRequest) -> HttpResponseBase:
    def shown(codes: list[str]) -> str:
        request.session[NEW_CODES_KEY] = codes
        return reverse("frontend:security")

    return action(
        request,
        lambda: twofactor.recovery_codes_regenerate(user=_user(request), actor=Actor.from_request(request)),
        success=shown,
        failure=reverse("frontend:security"),
        message=_("Новые резервные коды выданы; старые больше не действуют."),
    )


@account_page
@require_POST
def passkey_options(request: HttpRequest) -> HttpResponse:
    options, challenge = twofactor.passkey_registration_options(
        user=_user(request), rp_id=twofactor.rp_id_of(request.get_host())
    )
    request.session[REGISTER_CHALLENGE_KEY] = bytes_to_base64url(challenge)
    return HttpResponse(options, content_type="application/json")


@account_page
@require_POST
def passkey_register(request: HttpRequest) -> HttpResponse:
    challenge = request.session.pop(REGISTER_CHALLENGE_KEY, None)
    body = _json_body(request)
    credential = body.get("credential")
    try:
        _key, codes = twofactor.passkey_register(
            user=_user(request),
            rp_id=twofactor.rp_id_of(request.get_host()),
            origin=_origin(request),
            credential=credential if isinstance(credential, dict) else {},
            challenge=base64url_to_bytes(challenge) if challenge else None,
            name=str(body.get("name") or ""),
            actor=Actor.from_request(request),
        )
    except ValidationError as exc:
        return _json_error(" ".join(exc.messages))
    _enrolled(request, codes)
    messages.success(request, _("Ключ доступа добавлен."))
    return JsonResponse({"status": "ok", "redirect": reverse("frontend:security")})


@account_page
@require_POST
def passkey_remove(request: HttpRequest, key_id: int) -> HttpResponseBase:
    key = or_404(twofactor.passkeys_of(_user(request)).filter(pk=key_id).first())
    return action(
        request,
        lambda: twofactor.passkey_remove(user=_user(request), key=key, actor=Actor.from_request(request)),
        success=reverse("frontend:security"),
        message=_("Ключ доступа «%(name)s» удалён.") % {"name": key.name},
    )


class PolicyForm(forms.Form):
    admins_need_two_factor = forms.BooleanField(
        label=gettext_lazy("Администраторы кластера входят только со вторым фактором"),
        required=False,
        help_text=gettext_lazy(
            "Действует со следующего входа: без второго фактора администратор сначала подключит его."
        ),
    )


@cluster_page(frozenset({Grant.Role.CLUSTER_ADMIN}))
@require_http_methods(["GET", "POST"])
def security_policy(request: ClusterHttpRequest) -> HttpResponseBase:
    cluster = request.cluster
    return form_page(
        request,
        form=PolicyForm(
            request.POST or None, initial={"admins_need_two_factor": cluster.admins_need_two_factor}
        ),
        save=lambda data: twofactor.cluster_two_factor_policy_set(
            cluster=cluster, required=data["admins_need_two_factor"], actor=Actor.from_request(request)
        ),
        success=reverse("frontend:security_policy"),
        message=_("Настройка сохранена."),
        title=_("Двухфакторный вход в кластере"),
        intro=_("Администраторы платформы и сотрудники министерства входят со вторым фактором всегда."),
    )


# --- «Сеансы» -----------------------------------------------------------------------------------


@account_page
@require_GET
def sessions(request: HttpRequest) -> HttpResponse:
    current = session_key_hash(request.session.session_key or "")
    rows = [
        {"record": record, "device": device_label(record.user_agent), "current": record.key_hash == current}
        for record in sessions_of(_user(request))
    ]
    return render(request, "frontend/accounts/sessions.html", {"rows": rows})


@account_page
@require_POST
def session_end_view(request: HttpRequest, session_id: int) -> HttpResponseBase:
    record = or_404(session_of(_user(request), session_id))
    if record.key_hash == session_key_hash(request.session.session_key or ""):
        session_record_drop(session_key=request.session.session_key)
        logout(request)
        messages.info(request, _("Вы вышли из системы."))
        return redirect("frontend:login")
    return action(
        request,
        lambda: session_end(record=record, actor=Actor.from_request(request)),
        success=reverse("frontend:sessions"),
        message=_("Сеанс на %(host)s завершён.") % {"host": record.host},
    )
