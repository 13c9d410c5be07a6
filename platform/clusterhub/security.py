"""Content-Security-Policy header from settings (Django 5.2 has no CSP of its own).

settings.CONTENT_SECURITY_POLICY maps directive -> sources, e.g.
``{"default-src": ["'self'"], "frame-ancestors": ["'none'"]}``; an empty list writes the
bare directive (``upgrade-insecure-requests``). With
CONTENT_SECURITY_POLICY_REPORT_ONLY = True the header is
Content-Security-Policy-Report-Only (browsers report, nothing is blocked): a way to try a
stricter policy in production first. A response that already has the header keeps its own:
`allow_stripe_js` gives a page (the card payment page) the site's policy plus Stripe.js's
origins — localstripe's when STRIPE_API_BASE is set.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase

STRIPE_ORIGINS = ("https://js.stripe.com", "https://api.stripe.com", "https://hooks.stripe.com")
STRIPE_DIRECTIVES = ("script-src", "connect-src", "frame-src")


def policy_header_value(policy: Mapping[str, Sequence[str]]) -> str:
    return "; ".join(" ".join([directive, *sources]) for directive, sources in policy.items())


def policy_header_name() -> str:
    return (
        "Content-Security-Policy-Report-Only"
        if getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", False)
        else "Content-Security-Policy"
    )


def stripe_origins() -> list[str]:
    """Where Stripe.js loads from and talks to: localstripe when STRIPE_API_BASE is set."""
    base = settings.STRIPE_API_BASE
    if not base:
        return list(STRIPE_ORIGINS)
    parts = urlsplit(base)
    return [f"{parts.scheme}://{parts.netloc}"]


def allow_stripe_js(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """The site's CSP (if any) plus what Stripe.js needs, on this view's responses only."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        policy = getattr(settings, "CONTENT_SECURITY_POLICY", None)
        if policy:
            merged = {k: list(v) for k, v in policy.items()}
            for directive in STRIPE_DIRECTIVES:
                merged[directive] = [*merged.get(directive, ["'self'"]), *stripe_origins()]
            response[policy_header_name()] = policy_header_value(merged)
        return response

    return wrapper


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        policy = getattr(settings, "CONTENT_SECURITY_POLICY", None) or {}
        self.value = policy_header_value(policy)
        self.header = policy_header_name()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.value and self.header not in response:
            response[self.header] = self.value
        return response


YOOKASSA_ORIGINS = ("https://yoomoney.ru", "https://yookassa.ru")


def yookassa_origins() -> list[str]:
    """Where YooKassa's payment page lives: the local server's origin when YOOKASSA_API_BASE is set."""
    base = getattr(settings, "YOOKASSA_API_BASE", "")
    if not base:
        return list(YOOKASSA_ORIGINS)
    parts = urlsplit(base)
    return [f"{parts.scheme}://{parts.netloc}"]


def allow_yookassa_checkout(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """The site's CSP (if any) with YooKassa's payment page added to form-action, on this view's
    responses only: its «Оплатить» form is answered by a redirect to YooKassa, which browsers
    check against the submitting page's form-action."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        policy = getattr(settings, "CONTENT_SECURITY_POLICY", None)
        if policy:
            merged = {k: list(v) for k, v in policy.items()}
            merged["form-action"] = [*merged.get("form-action", ["'self'"]), *yookassa_origins()]
            response[policy_header_name()] = policy_header_value(merged)
        return response

    return wrapper
