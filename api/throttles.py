"""DRF throttles on the shared ("platform") cache, so an address counts the same on every host.

DRF's SimpleRateThrottle keeps a list of every request's time per caller and reads and writes it
whole on each request: at 3,000/minute a busy client's list holds up to 3,000 floats, pickled and
sent both ways every call. Ours counts a sliding window from two fixed-window counters (this
window's and the last one's, the last weighted by how much of it still lies within the window):
the same allowance within a few per cent at a window's edge, a constant cost per request, and with
Redis one round trip (INCR, EXPIRE and GET in one script). A refused request is not counted.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from rest_framework.throttling import SimpleRateThrottle

from core.accounts.ratelimit import client_address

if TYPE_CHECKING:  # rest_framework.views imports the throttle classes from settings
    from rest_framework.request import Request
    from rest_framework.views import APIView


# INCR this window's counter (expiring after two windows) and read the last one's: one command.
COUNT_LUA = """
local n = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[1])
return {n, tonumber(redis.call('GET', KEYS[2]) or '0')}
"""


_scripts: list[Any] = []  # the registered script (its SHA), once per process


def _count_script(client: Any) -> Any:
    if not _scripts:
        _scripts.append(client.register_script(COUNT_LUA))
    return _scripts[0]


class _SlidingWindowThrottle(SimpleRateThrottle):
    cache = caches["platform"]
    num_requests: int  # set by SimpleRateThrottle.__init__ from the rate
    duration: int
    _elapsed = 0.0
    _last = 0
    _current_count = 0

    def _counts(self, current: str, previous: str) -> tuple[int, int]:
        """This window's count after adding this request, and the last window's count."""
        cache = self.cache
        if isinstance(cache, RedisCache):
            now_key, last_key = cache.make_and_validate_key(current), cache.make_and_validate_key(previous)
            client = cache._cache.get_client(now_key, write=True)
            count, last = _count_script(client)(
                keys=[now_key, last_key], args=[2 * self.duration], client=client
            )
            return int(count), int(last)
        cache.add(current, 0, timeout=2 * self.duration)
        try:
            count = int(cache.incr(current))
        except ValueError:  # expired between add and incr
            cache.set(current, 1, timeout=2 * self.duration)
            count = 1
        return count, int(cache.get(previous) or 0)

    def allow_request(self, request: Request, view: APIView) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        window = int(self.now // self.duration)
        self._elapsed = self.now - window * self.duration
        current = f"{self.key}:{window}"
        count, last = self._counts(current, f"{self.key}:{window - 1}")
        self._last = last
        if last * (1 - self._elapsed / self.duration) + count <= self.num_requests:
            return True
        self.cache.decr(current)  # not counted: a refused client keeps its allowance
        self._current_count = count - 1
        return False

    def wait(self) -> float:
        """Seconds until the weighted count falls below the allowance again."""
        count, last, duration = self._current_count, self._last, self.duration
        if count >= self.num_requests:  # only the next window's decay of this one frees a place
            return duration - self._elapsed + duration * (1 - (self.num_requests - 1) / count)
        if last <= 0:
            return 1.0
        # last * (1 - t / duration) + count <= num_requests - 1
        t = duration * (1 - (self.num_requests - 1 - count) / last)
        return max(math.ceil(t - self._elapsed), 1)


class SignInAddressThrottle(_SlidingWindowThrottle):
    """Token requests per client address (right or wrong): rate `signin`."""

    scope = "signin"

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": client_address(request)}


class AnonAddressThrottle(_SlidingWindowThrottle):
    """Anonymous calls (the public API of cluster sites) per client address: rate `anon`."""

    scope = "anon"

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        if request.user and request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": client_address(request)}


class UserAccountThrottle(_SlidingWindowThrottle):
    """Signed-in calls per account: rate `user`."""

    scope = "user"

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        if not (request.user and request.user.is_authenticated):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}
