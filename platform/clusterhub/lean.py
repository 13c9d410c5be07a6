"""Lean endpoints: machine-to-machine POSTs (payment gateways' webhooks and notifications) that
need host routing, the cluster's time zone and the security headers, but nothing a browser
brings: no session, user, CSRF token, messages, language cookie, 2FA enrolment or session
tracking. For them the rest of the middleware is a third of a delivery's CPU.

A view opts in with ``@lean_endpoint`` AND its path starts with one of
``settings.LEAN_PATH_PREFIXES`` (the cheap test made on every request; the decorator is the
confirmation, so a prefix alone never strips a page of its session or CSRF check).
``LeanEndpointMiddleware`` sits in MIDDLEWARE after host routing, the time zone and
SecurityMiddleware; for such a view it resolves the path itself and calls the view directly,
skipping the middleware below it and their process_view hooks. Everything above it still runs
(in production also the request log / metrics and the CSP header). The response gets the
X-Frame-Options header XFrameOptionsMiddleware would add. Exceptions propagate to Django's
handler as from any view (500 page, got_request_exception, logging).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.urls import Resolver404, get_resolver, set_urlconf
from django.utils import translation

View = TypeVar("View", bound=Callable[..., Any])


def lean_endpoint(view: View) -> View:
    """Mark a view to be served without the session/auth/CSRF/messages/language middleware
    (its path must also be under settings.LEAN_PATH_PREFIXES). Put it outermost."""
    view.lean_endpoint = True  # type: ignore[attr-defined]
    return view


class LeanEndpointMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self.prefixes = tuple(getattr(settings, "LEAN_PATH_PREFIXES", ()))

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        path = request.path_info
        if not self.prefixes or not path.startswith(self.prefixes):
            return self.get_response(request)
        urlconf = getattr(request, "urlconf", None)
        if urlconf is not None:
            set_urlconf(urlconf)
        try:
            match = get_resolver(urlconf).resolve(path)
        except Resolver404:
            return self.get_response(request)
        if not getattr(match.func, "lean_endpoint", False):
            return self.get_response(request)
        request.resolver_match = match
        # No language middleware: the platform's language, not whatever the thread had last.
        with translation.override(settings.LANGUAGE_CODE):
            response = match.func(request, *match.args, **match.kwargs)
        if not isinstance(response, HttpResponseBase):
            raise ValueError(f"The view {match.func.__qualname__} did not return an HttpResponse")
        if response.get("X-Frame-Options") is None:
            response.headers["X-Frame-Options"] = getattr(settings, "X_FRAME_OPTIONS", "DENY").upper()
        return response
