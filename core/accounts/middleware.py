"""A session belongs to the host it was created on.

Cookies are host-only, so browsers never send mosreg's session to nso. This also
refuses a session id copied by hand to another host: it becomes anonymous there.
A signed-in session that was never bound (not made by our login view) is refused too.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse

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
