"""Cached list responses of the cluster API, under the versions of the tables they read.

A list view set that names `list_cache_tables` (tables of the cluster's schema, whose versions
tenants.content.selectors.list_versions reads in one query: every write gives a table a new number,
visible with the write's commit) keeps its rendered 200 responses in this process and in the
default cache under a key made of:

- the cluster (schema, id) and the versions (with the identity of the schema's version table);
- what of the caller the list depends on: `list_cache_scope()` (the content lists: whether the
  caller manages the cluster, i.e. sees drafts) — never the caller's identity beyond that;
- the request's absolute URL (host, scheme, path, query: filters, search, ordering, page and the
  pagination links), the negotiated media type, the time zone (dates are rendered in the
  cluster's), the language, and the view.

Authentication, the per-cluster role check and the throttles run before, on every request, as
for any view (DRF's initial()); only the listing itself is skipped. Every response (cached or not)
carries an ETag made from the key, and a request whose If-None-Match names it gets 304 without a
body.
"""

from __future__ import annotations

import hashlib
from typing import Any, cast

from django.core.cache import caches
from django.http import HttpResponse, HttpResponseNotModified
from django.utils import timezone, translation
from django.utils.http import parse_etags
from rest_framework.request import Request
from rest_framework.response import Response

from core.memo import RecentValues
from tenants.content.selectors import list_versions
from tenants.http import ClusterHttpRequest

CACHE_SECONDS = 300

# This process's copies: (content type, body) by key.
_local: RecentValues[tuple[str, bytes]] = RecentValues(size=512, seconds=CACHE_SECONDS)


def forget_lists_in_this_process() -> None:
    _local.clear()


def _matches(header: str, etag: str) -> bool:
    """Weak comparison (nginx makes our ETag weak when it compresses the body)."""
    wanted = etag.removeprefix("W/")
    return any(tag == "*" or tag.removeprefix("W/") == wanted for tag in parse_etags(header))


class CachedListMixin:
    """For a cluster view set with ListModelMixin; put it before the mixins in the bases."""

    list_cache_tables: tuple[str, ...] = ()
    _list_cache_pending: tuple[str, str] | None = None

    def list_cache_scope(self) -> tuple[Any, ...]:
        """What of the caller the list's content depends on (besides the request's URL)."""
        raise NotImplementedError

    def _list_cache_key(self, request: Request) -> str | None:
        if not self.list_cache_tables or getattr(self, "swagger_fake_view", False):
            return None
        cluster = cast(ClusterHttpRequest, request._request).cluster
        parts = (
            cluster.schema_name,
            cluster.pk,
            list_versions(*self.list_cache_tables),
            self.list_cache_scope(),
            request.build_absolute_uri(),
            request.accepted_media_type,
            timezone.get_current_timezone_name(),
            translation.get_language(),
            type(self).__module__,
            type(self).__qualname__,
        )
        return "apilist:" + hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Any:  # a Response, or the stored bytes
        key = self._list_cache_key(request)
        if key is None:
            return super().list(request, *args, **kwargs)  # type: ignore[misc]
        etag = f'"{key.removeprefix("apilist:")}"'
        if _matches(request.headers.get("If-None-Match", ""), etag):
            not_modified = HttpResponseNotModified()
            not_modified["ETag"] = etag
            return not_modified
        found = _local.get(key)
        if found is None:
            found = caches["default"].get(key)
            if found is not None:
                _local.put(key, found)
        if found is not None:
            content_type, body = found
            response = HttpResponse(body, content_type=content_type)
            response["ETag"] = etag
            return response
        self._list_cache_pending = (key, etag)
        return super().list(request, *args, **kwargs)  # type: ignore[misc]

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        pending, self._list_cache_pending = self._list_cache_pending, None
        if pending is not None and isinstance(response, Response) and response.status_code == 200:
            key, etag = pending
            response.render()
            found = (str(response["Content-Type"]), bytes(response.content))
            caches["default"].set(key, found, CACHE_SECONDS)
            _local.put(key, found)
            response["ETag"] = etag
        return response
