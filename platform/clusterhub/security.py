"""Content-Security-Policy header from settings (Django 5.2 has no CSP of its own).

settings.CONTENT_SECURITY_POLICY maps directive -> sources, e.g.
``{"default-src": ["'self'"], "frame-ancestors": ["'none'"]}``; an empty list writes the
bare directive (``upgrade-insecure-requests``). With
CONTENT_SECURITY_POLICY_REPORT_ONLY = True the header is
Content-Security-Policy-Report-Only (browsers report, nothing is blocked): a way to try a
stricter policy in production first. A response that already has the header keeps its own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from django.conf import settings
from django.http import HttpRequest, HttpResponse


def policy_header_value(policy: Mapping[str, Sequence[str]]) -> str:
    return "; ".join(" ".join([directive, *sources]) for directive, sources in policy.items())


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        policy = getattr(settings, "CONTENT_SECURITY_POLICY", None) or {}
        self.value = policy_header_value(policy)
        self.header = ("Content-Security-Policy-Report-Only"
                       if getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", False)
                       else "Content-Security-Policy")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.value and self.header not in response:
            response[self.header] = self.value
        return response
