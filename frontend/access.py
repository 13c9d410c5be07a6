"""Access for pages: the UI twin of api.permissions, and the one decorator every page uses.

`cluster_page(roles=…)` is a page on a cluster host: it answers 404 elsewhere, sends an
anonymous visitor to the login page (unless `roles` is PUBLIC), answers 403 to a user without
one of the roles, and turns what a view or service raises — `PermissionDenied` (403) and
`Http404` (404) — into the status pages inside the layout. `platform_page` is the same on the
public host. The cluster's time zone is active for the whole request
(`tenants.middleware.ClusterTimezoneMiddleware`), so pages never set it themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import render
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from billing.gateway import GatewayUnavailable
from core.accounts.models import Grant
from core.accounts.ratelimit import Limit, client_address
from core.accounts.selectors import user_cluster_roles, user_is_platform_admin, user_ministry_scope

View = Callable[..., HttpResponseBase]
T = TypeVar("T")

# Roles that manage a cluster's data (cluster admin and staff).
MANAGERS = frozenset({Grant.Role.CLUSTER_ADMIN, Grant.Role.CLUSTER_STAFF})
# Any role in the cluster (admin, staff, member representative).
READERS = frozenset(Grant.CLUSTER_ROLES)
# A page of the cluster's public site: anyone, signed in or not.
PUBLIC = None


def forbidden(request: HttpRequest, message: str | Promise) -> HttpResponse:
    return render(
        request,
        "frontend/status_page.html",
        {"status": 403, "title": _("Доступ запрещён"), "message": message},
        status=403,
    )


def not_found(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "frontend/status_page.html",
        {"status": 404, "title": _("Страница не найдена"), "message": _("Такой страницы нет.")},
        status=404,
    )


def unavailable(request: HttpRequest, message: str) -> HttpResponse:
    """503: a service the page needs (a payment gateway) is down; nothing was changed."""
    if "application/json" in request.headers.get("Accept", ""):
        return JsonResponse({"status": "error", "detail": message}, status=503)
    return render(
        request,
        "frontend/status_page.html",
        {"status": 503, "title": _("Сервис временно недоступен"), "message": message},
        status=503,
    )


def or_404(found: T | None) -> T:
    """What a selector found, or the 404 page (missing and not-yours look the same)."""
    if found is None:
        raise Http404
    return found


def _answer(view: View, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
    try:
        return view(request, *args, **kwargs)
    except PermissionDenied as exc:
        return forbidden(request, str(exc) or _("Недостаточно прав."))
    except Http404:
        return not_found(request)
    except GatewayUnavailable as exc:
        return unavailable(request, exc.message)


def preparing(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "frontend/status_page.html",
        {
            "status": 404,
            "title": _("Сайт кластера готовится к открытию"),
            "message": _("Кластер ещё в подготовке: его сайт откроется после активации."),
        },
        status=404,
    )


def cluster_page(
    roles: Iterable[str] | None, *, open_while_preparing: bool = False
) -> Callable[[View], View]:
    """A page on a cluster host for users holding one of `roles` there (PUBLIC: anyone).

    While the cluster is «в подготовке» its public pages answer only people holding a role in it
    (its admin preparing it); `open_while_preparing` keeps a page open to anyone (the admin's
    invitation link)."""
    wanted = None if roles is None else frozenset(roles)

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            cluster = getattr(request, "cluster", None)
            if cluster is None:
                return not_found(request)
            if (
                wanted is None
                and not open_while_preparing
                and cluster.status == cluster.Status.PREPARING
                and not user_cluster_roles(request.user, cluster)
            ):
                return preparing(request)
            if wanted is not None:
                if not request.user.is_authenticated:
                    return redirect_to_login(request.get_full_path())
                if not user_cluster_roles(request.user, cluster) & wanted:
                    return forbidden(request, _("У вас нет роли, дающей доступ к этой странице кластера."))
            return _answer(view, request, *args, **kwargs)

        return wrapper

    return decorator


def platform_page(check: Callable[[Any], bool], message: str | Promise) -> Callable[[View], View]:
    """A page on the public host for signed-in users passing `check`."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if getattr(request, "cluster", None) is not None:
                return not_found(request)
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not check(request.user):
                return forbidden(request, str(message))
            return _answer(view, request, *args, **kwargs)

        return wrapper

    return decorator


def rate_limited(limit: Limit) -> Callable[[View], View]:
    """A page counted per client address (core.accounts.ratelimit); past the limit it answers
    429 inside the layout, whatever the request was."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if limit.hit(client_address(request)) > limit.count:
                response = render(
                    request,
                    "frontend/status_page.html",
                    {
                        "status": 429,
                        "title": _("Слишком много запросов"),
                        "message": _(
                            "Слишком много запросов с вашего адреса. Повторите через несколько минут."
                        ),
                    },
                    status=429,
                )
                response["Retry-After"] = str(limit.seconds)
                return response
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
