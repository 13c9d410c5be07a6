"""Access checks for pages: the UI twin of api.permissions."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.accounts.models import Grant
from core.accounts.selectors import user_cluster_roles, user_is_platform_admin, user_ministry_scope

View = Callable[..., HttpResponse]
# Roles that manage a cluster's data (cluster admin and staff).
MANAGERS = frozenset({Grant.Role.CLUSTER_ADMIN, Grant.Role.CLUSTER_STAFF})


def forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "frontend/status_page.html",
                  {"status": 403, "title": _("Доступ запрещён"), "message": message}, status=403)


def not_found(request: HttpRequest) -> HttpResponse:
    return render(request, "frontend/status_page.html",
                  {"status": 404, "title": _("Страница не найдена"), "message": _("Такой страницы нет.")},
                  status=404)


def cluster_role_required(roles: Iterable[str]) -> Callable[[View], View]:
    """A cluster page for users holding one of `roles` in the request's cluster."""
    wanted = set(roles)

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if getattr(request, "cluster", None) is None:
                return not_found(request)
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not user_cluster_roles(request.user, request.cluster) & wanted:  # type: ignore[attr-defined]
                return forbidden(request, _("У вас нет роли, дающей доступ к этой странице кластера."))
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


AnyView = Callable[..., HttpResponseBase]


def cluster_page(roles: Iterable[str]) -> Callable[[AnyView], AnyView]:
    """A cluster page for these roles, rendered in the cluster's time zone."""

    def decorator(view: AnyView) -> AnyView:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            from django.utils import timezone

            with timezone.override(request.cluster.tzinfo):  # type: ignore[attr-defined]
                return view(request, *args, **kwargs)

        return cluster_role_required(roles)(wrapper)

    return decorator


def platform_page(check: Callable[[Any], bool], message: str | Promise) -> Callable[[View], View]:
    """A public-host page for users passing `check`."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if getattr(request, "cluster", None) is not None:
                return not_found(request)
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not check(request.user):
                return forbidden(request, str(message))
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


platform_admin_required = platform_page(
    user_is_platform_admin, gettext_lazy("Раздел доступен только администраторам платформы.")
)
ministry_required = platform_page(
    lambda user: user_ministry_scope(user) is not None,
    gettext_lazy("Раздел доступен сотрудникам министерства и администраторам платформы."),
)
signed_in_platform_page = platform_page(lambda user: True, "")
