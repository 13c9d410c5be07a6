"""«Доступ к API» on both kinds of host: create a token (its key shown once), list the live ones
with last use, revoke; on a cluster host its admins also revoke its staff's tokens."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from core.accounts.models import Grant, User
from core.accounts.selectors import (
    api_token_of,
    api_token_of_cluster_staff,
    api_tokens_of,
    api_tokens_of_cluster_staff,
    user_cluster_roles,
)
from core.accounts.services import API_TOKEN_DEFAULT_DAYS, api_token_create, api_token_revoke
from core.audit.services import Actor
from tenants.http import ClusterHttpRequest

from ..access import READERS, cluster_page, or_404, signed_in_platform_page
from ..pages import action, form_page

EXPIRY_CHOICES = [
    (30, gettext_lazy("30 дней")),
    (90, gettext_lazy("90 дней")),
    (180, gettext_lazy("180 дней")),
    (365, gettext_lazy("1 год")),
]


class TokenCreateForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Название"),
        max_length=100,
        help_text=gettext_lazy("Для чего токен, например «Выгрузка в 1С»."),
    )
    expires_in_days = forms.TypedChoiceField(
        label=gettext_lazy("Срок действия"),
        choices=EXPIRY_CHOICES,
        coerce=int,
        initial=API_TOKEN_DEFAULT_DAYS,
    )
    this_host_only = forms.BooleanField(label=gettext_lazy("Только для этого адреса"), required=False)


def _host(request: HttpRequest) -> str:
    return request.get_host().rsplit(":", 1)[0].lower()


def _is_cluster_admin(request: HttpRequest) -> bool:
    cluster = getattr(request, "cluster", None)
    return cluster is not None and Grant.Role.CLUSTER_ADMIN in user_cluster_roles(request.user, cluster)


def _page(request: HttpRequest) -> HttpResponseBase:
    user = cast(User, request.user)
    context: dict[str, Any] = {"tokens": list(api_tokens_of(user)), "staff_tokens": None}
    if _is_cluster_admin(request):
        context["staff_tokens"] = list(api_tokens_of_cluster_staff(cast(ClusterHttpRequest, request).cluster))

    def created(result: tuple[Any, str]) -> HttpResponse:
        token, key = result
        context.update(tokens=list(api_tokens_of(user)), new_token=token, new_key=key, form=TokenCreateForm())
        return render(request, "frontend/accounts/api_tokens.html", context)

    return form_page(
        request,
        form=TokenCreateForm(request.POST or None),
        save=lambda data: api_token_create(
            user=user,
            name=data["name"],
            expires_in_days=data["expires_in_days"],
            host=_host(request) if data["this_host_only"] else "",
            actor=Actor.from_request(request),
        ),
        success=created,
        title=_("Доступ к API"),
        submit=_("Создать токен"),
        template="frontend/accounts/api_tokens.html",
        context=context,
    )


@cluster_page(READERS)
@require_http_methods(["GET", "POST"])
def cluster_api_tokens(request: HttpRequest) -> HttpResponseBase:
    return _page(request)


@signed_in_platform_page
@require_http_methods(["GET", "POST"])
def platform_api_tokens(request: HttpRequest) -> HttpResponseBase:
    return _page(request)


def _revoke(request: HttpRequest, token_id: int) -> HttpResponseBase:
    token = or_404(api_token_of(cast(User, request.user), token_id))
    return action(
        request,
        lambda: api_token_revoke(token=token, actor=Actor.from_request(request)),
        success=reverse("frontend:api_tokens"),
        message=_("Токен «%(name)s» отозван.") % {"name": token.name},
    )


@cluster_page(READERS)
@require_POST
def cluster_api_token_revoke(request: HttpRequest, token_id: int) -> HttpResponseBase:
    return _revoke(request, token_id)


@signed_in_platform_page
@require_POST
def platform_api_token_revoke(request: HttpRequest, token_id: int) -> HttpResponseBase:
    return _revoke(request, token_id)


@cluster_page(READERS)
@require_POST
def staff_api_token_revoke(request: ClusterHttpRequest, token_id: int) -> HttpResponseBase:
    if not _is_cluster_admin(request):
        raise PermissionDenied(_("Токены сотрудников отзывает администратор кластера."))
    token = or_404(api_token_of_cluster_staff(request.cluster, token_id))
    return action(
        request,
        lambda: api_token_revoke(token=token, actor=Actor.from_request(request)),
        success=reverse("frontend:api_tokens"),
        message=_("Токен «%(name)s» сотрудника %(email)s отозван.")
        % {"name": token.name, "email": token.user.email},
    )
