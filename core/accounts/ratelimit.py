"""A small fixed-window limiter on the shared cache, and the client's address.

Keys live in the "platform" cache (no schema prefix), so a limit counts the same on every
host. Used where DRF's throttles don't reach: sign-in (page and API share the service),
password reset and invitation pages.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest


@dataclass(frozen=True)
class Limit:
    name: str
    count: int
    seconds: int

    def _key(self, subject: str) -> str:
        return f"ratelimit:{self.name}:{subject}"

    def reached(self, subject: str) -> bool:
        """Whether `subject` (an address, an e-mail) has used up this window's allowance."""
        return int(caches["platform"].get(self._key(subject), 0)) >= self.count

    def hit(self, subject: str) -> int:
        """Count one use; returns the count in the current window."""
        cache = caches["platform"]
        key = self._key(subject)
        cache.add(key, 0, timeout=self.seconds)
        try:
            return int(cache.incr(key))
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=self.seconds)
            return 1


def client_address(request: HttpRequest) -> str:
    """The client's IP: REMOTE_ADDR, or with CLUSTERHUB_TRUSTED_PROXIES = n proxies in front,
    the n-th address from the right of X-Forwarded-For (what the outermost proxy saw).
    Client-supplied entries further left are never trusted."""
    remote = str(request.META.get("REMOTE_ADDR") or "")
    proxies = int(getattr(settings, "CLUSTERHUB_TRUSTED_PROXIES", 0))
    forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR") or "")
    if proxies <= 0 or not forwarded:
        return remote or "unknown"
    chain = [part.strip() for part in forwarded.split(",") if part.strip()]
    if not chain:
        return remote or "unknown"
    return chain[-min(proxies, len(chain))][:64]
