"""Django's WSGI handler with the URL resolution of recent paths kept in the process.

Resolving walks the URL patterns in order through every include (a cluster API path tried some
65 patterns, about a sixth of a cached API list's CPU). The URL configurations are fixed in a
running process (no language prefixes, no patterns built at request time) and the routing
middleware only chooses between the public and the cluster one, so the match of (urlconf, path)
is the same every time: it is kept for the last paths seen. A path that resolves to nothing is
not kept (the 404 goes through Django as before).
"""

from __future__ import annotations

from django.core.handlers.wsgi import WSGIHandler
from django.http import HttpRequest
from django.urls import ResolverMatch, set_urlconf

from core.memo import RecentValues

_matches: RecentValues[ResolverMatch] = RecentValues(size=2048, seconds=3600)


class ClusterhubWSGIHandler(WSGIHandler):
    def resolve_request(self, request: HttpRequest) -> ResolverMatch:
        urlconf = getattr(request, "urlconf", None)
        key = (urlconf, request.path_info)
        match = _matches.get(key)
        if match is None:
            match = super().resolve_request(request)
            _matches.put(key, match)
            return match
        if urlconf is not None:
            set_urlconf(urlconf)
        request.resolver_match = match
        return match
