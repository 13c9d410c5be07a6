"""The cluster home page's copy for anonymous visitors, cached per cluster.

An anonymous GET of the home page (no query string, no session or messages cookie, not htmx) is
the same HTML for every visitor of a language on a day, except the CSRF token of the language
form. It is rendered once with a placeholder token and kept in the default cache, whose keys
carry the schema (django_tenants.cache.make_key; the key names the schema again), under:

- the cluster's site version and the calls' version (sequences bumped by a trigger on every
  write to news, events and calls, whoever writes: migrations content.0003 and selection.0002),
  read in one query per request (tenants.content.selectors.site_version);
- a digest of the cluster's row as this request has it (name, kind, registry status, time
  zone...: a change reaches the page as soon as the host cache gives the new row);
- the language, the cluster's date (upcoming events, the footer's year) and the release (the
  static manifest's hash and the templates' source).

Each hit gets its own CSRF token put in place of the placeholder (and the cookie, as a render
would). A reader that read the version while a writer's transaction was still open may store the
page from before the change under the new version, so entries also expire after CACHE_SECONDS.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from functools import cache

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import get_template
from django.utils import translation

from core.memo import RecentValues
from tenants.content.selectors import site_version
from tenants.models import Cluster

CACHE_SECONDS = 60
# Rendered where the token goes; HTML escaping leaves it as it is.
CSRF_PLACEHOLDER = "csrf-token-of-this-request-3b9e1c"


def cacheable(request: HttpRequest) -> bool:
    """An anonymous visitor's plain GET: nothing on the page can be theirs but the CSRF token."""
    return (
        request.method == "GET"
        and not request.GET
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and CookieStorage.cookie_name not in request.COOKIES
        and not getattr(request, "htmx", False)
        and not request.user.is_authenticated
    )


@cache
def _release(*templates: str) -> str:
    """What a deployment changes: the hashed static names and the templates (once per process)."""
    parts = [str(getattr(staticfiles_storage, "manifest_hash", ""))]
    parts += [get_template(name).template.source for name in templates]  # type: ignore[attr-defined]
    return hashlib.blake2b("\n".join(parts).encode(), digest_size=8).hexdigest()


def _cluster_digest(cluster: Cluster) -> str:
    row = repr([getattr(cluster, field.attname) for field in Cluster._meta.concrete_fields])
    return hashlib.blake2b(row.encode(), digest_size=8).hexdigest()


def cache_key(cluster: Cluster, today: dt.date, templates: tuple[str, ...]) -> str:
    site, calls = site_version()
    return (
        f"home:{cluster.schema_name}:{site}:{calls}:{translation.get_language()}:{today.isoformat()}:"
        f"{_cluster_digest(cluster)}:{_release(*templates)}"
    )


# This process's copies of the pages it served last, in front of the shared cache: the key names
# every version, so a copy is right for as long as its key is asked for (and at most CACHE_SECONDS,
# as in the shared cache). Saves the round trip to Redis on most requests.
_local: RecentValues[str] = RecentValues(size=256, seconds=CACHE_SECONDS)


def forget_pages_in_this_process() -> None:
    """Empty this process's copies (tests: a rolled-back write leaves the version bumped, and the
    next test's page under the same key must not be the one that saw the write)."""
    _local.clear()


def anonymous_page(
    request: HttpRequest,
    *,
    cluster: Cluster,
    today: dt.date,
    templates: tuple[str, ...],
    render: Callable[[str], HttpResponse],
) -> HttpResponse:
    """The cached page, or `render(csrf_token)` (a 200 page) stored with the placeholder token;
    either way with this request's token."""
    key = cache_key(cluster, today, templates)
    html = _local.get(key)
    if html is None:
        store = caches["default"]
        html = store.get(key)
        if html is None:
            html = render(CSRF_PLACEHOLDER).content.decode()
            store.set(key, html, CACHE_SECONDS)
        _local.put(key, html)
    return HttpResponse(html.replace(CSRF_PLACEHOLDER, get_token(request)))
