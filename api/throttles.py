"""DRF throttles on the shared ("platform") cache, so an address counts the same on every host."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.cache import caches
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle

from core.accounts.ratelimit import client_address

if TYPE_CHECKING:  # rest_framework.views imports the throttle classes from settings
    from rest_framework.request import Request
    from rest_framework.views import APIView


class _SharedCache:
    cache = caches["platform"]


class SignInAddressThrottle(_SharedCache, SimpleRateThrottle):
    """Token requests per client address (right or wrong): rate `signin`."""

    scope = "signin"

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": client_address(request)}


class AnonAddressThrottle(_SharedCache, AnonRateThrottle):
    """Anonymous calls (the public API of cluster sites) per client address: rate `anon`."""

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        if request.user and request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": client_address(request)}


class UserAccountThrottle(_SharedCache, UserRateThrottle):
    """Signed-in calls per account: rate `user`."""

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        if not (request.user and request.user.is_authenticated):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}
