"""A session belongs to the host it was created on.

Cookies are host-only, so browsers never send mosreg's session to nso. This also
refuses a session id copied by hand to another host: it becomes anonymous there.
A signed-in session that was never bound (not made by our login view) is refused too.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse

from .sessions import seen_cache_key, session_key_hash, session_seen

SESSION_HOST_KEY = "_bound_host"
SESSION_USER_KEY = "_auth_user_id"


def bind_session_to_host(request: HttpRequest) -> None:
    request.session[SESSION_HOST_KEY] = request.get_host().rsplit(":", 1)[0].lower()


class SessionHostBindingMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        if session is not None and session.session_key:
            bound = session.get(SESSION_HOST_KEY)
            host = request.get_host().rsplit(":", 1)[0].lower()
            if bound != host and (bound is not None or SESSION_USER_KEY in session):
                # Not this host's session: ignore it without destroying it for its own host.
                request.session = session.__class__()
                request.user = AnonymousUser()
        return self.get_response(request)


# Paths a session that must enrol a second factor may still reach (and the static files).
ENROL_KEY = "_2fa_enrol"
ENROL_PATHS = ("/account/security/", "/logout/", "/i18n/", "/static/")
NOT_WHILE_ENROLLING = "/account/security/policy/"


class TwoFactorEnrolmentMiddleware:
    """A user whose role requires a second factor but has none (core.accounts.twofactor) signs
    in straight into enrolment and can do nothing else until enrolled: every other page sends
    them to «Безопасность входа», every API call with that session answers 403."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        if session is not None and session.get(ENROL_KEY) and SESSION_USER_KEY in session:
            if not request.path.startswith(ENROL_PATHS) or request.path.startswith(NOT_WHILE_ENROLLING):
                if request.path.startswith("/api/"):
                    return JsonResponse(
                        {
                            "detail": "Сначала подключите двухфакторную аутентификацию "
                            "(страница «Безопасность входа»).",
                            "code": "two_factor_enrolment_required",
                        },
                        status=403,
                    )
                return HttpResponseRedirect(ENROL_PATHS[0])
        return self.get_response(request)


class SessionRecordMiddleware:
    """Marks the signed-in session as seen, at most once per SESSION_SEEN_EVERY_SECONDS (a
    cache key per session decides; one UPDATE when it expired)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        if session is not None and session.session_key and SESSION_USER_KEY in session:
            key_hash = session_key_hash(session.session_key)
            if caches["platform"].add(
                seen_cache_key(key_hash), 1, timeout=settings.SESSION_SEEN_EVERY_SECONDS
            ):
                session_seen(key_hash=key_hash)
        return self.get_response(request)
