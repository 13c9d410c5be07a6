"""Host routing: the public host gets the platform URLconf, <slug>.<base> its cluster.

Replaces django-tenants' TenantMainMiddleware so that:
- a Host header outside ALLOWED_HOSTS answers 400 (Django's DisallowedHost),
- an unknown host answers 404 and never public content,
- a suspended cluster answers 403 on every one of its hosts, an archived one 410,
- host -> cluster is cached, so a cluster request issues at most one SET search_path, and none
  when the connection (kept open between requests) already has that schema's search_path.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import connection as _connection
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import set_urlconf
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop

from clusterhub.language import language_from_cookie
from clusterhub.sentry import tag_cluster

from .models import Cluster
from .selectors import cluster_for_host

# django-tenants' DatabaseWrapper (set_tenant, set_schema_to_public) behind the default alias.
connection: Any = _connection


def _keep_session_path(session: list[str] | None) -> None:
    """After django-tenants' set_tenant / set_schema_to_public: it forgets that the session's
    search_path is set, so each request sent a SET search_path even when the schema was the one
    the connection already had. `session`: what the session has (the backend's note before the
    switch); when the new schema needs exactly that, the note is put back and no SET is sent. The
    backend drops the note itself whenever the session's value may be gone (a new connection, a
    rollback). Like TENANT_LIMIT_SET_CALLS, this assumes one session per connection (no pooler
    in transaction mode)."""
    if session is not None and connection._get_cursor_search_paths() == session:
        connection.search_path_set_schemas = session


def _page(
    request: HttpRequest, *, status: int, title: str, message: str, params: dict[str, str] | None = None
) -> HttpResponse:
    """A status page, rendered before LocaleMiddleware runs: pick the language here."""
    with translation.override(language_from_cookie(request)):
        html = render_to_string(
            "frontend/status_page.html",
            {
                "status": status,
                "title": gettext(title),
                "message": gettext(message) % (params or {}),
            },
        )
    return HttpResponse(html, status=status)


class ClusterRoutingMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = connection.search_path_set_schemas
        connection.set_schema_to_public()
        _keep_session_path(session)
        hostname = request.get_host().rsplit(":", 1)[0].lower().rstrip(".")
        request.cluster = None  # type: ignore[attr-defined]
        if hostname in settings.PUBLIC_HOSTS:
            request.urlconf = settings.PUBLIC_SCHEMA_URLCONF
            set_urlconf(request.urlconf)
            tag_cluster(None)
            return self.get_response(request)

        cluster = cluster_for_host(hostname=hostname)
        if cluster is None:
            return _page(
                request,
                status=404,
                title=gettext_noop("Страница не найдена"),
                message=gettext_noop("По этому адресу нет кластера."),
            )
        if cluster.status == Cluster.Status.SUSPENDED:
            return _page(
                request,
                status=403,
                title=gettext_noop("Кластер приостановлен"),
                message=gettext_noop("Работа кластера «%(name)s» приостановлена оператором платформы."),
                params={"name": cluster.display_name},
            )
        if cluster.status == Cluster.Status.ARCHIVED:
            return _page(
                request,
                status=410,
                title=gettext_noop("Кластер в архиве"),
                message=gettext_noop("Кластер «%(name)s» перенесён в архив."),
                params={"name": cluster.display_name},
            )

        cluster.domain_url = hostname
        request.tenant = cluster  # type: ignore[attr-defined]
        request.cluster = cluster  # type: ignore[attr-defined]
        # A query in public since (a host cache miss) set the session's path; else it is unchanged.
        session = connection.search_path_set_schemas or session
        connection.set_tenant(cluster)
        _keep_session_path(session)
        request.urlconf = settings.ROOT_URLCONF
        set_urlconf(None)
        tag_cluster(cluster.schema_name)
        return self.get_response(request)


class ClusterTimezoneMiddleware:
    """The cluster's time zone for the whole request on its host (the default zone, Moscow,
    elsewhere), so every page, form and API answer shows local times the same way."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        cluster = getattr(request, "cluster", None)
        if cluster is None:
            timezone.deactivate()
            return self.get_response(request)
        with timezone.override(cluster.tzinfo):
            return self.get_response(request)
