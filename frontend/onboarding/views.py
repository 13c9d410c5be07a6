"""The set-up of a new cluster on its host: the first admin's invitation link, the checklist,
its steps (name, regions, logo, «позже» for the import; the payee and the import are the
billing and members pages) and «Активировать»."""

from __future__ import annotations

import mimetypes
from typing import Any

from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.accounts.middleware import bind_session_to_host
from core.accounts.models import Grant, User
from core.accounts.ratelimit import Limit, client_address
from core.accounts.selectors import user_cluster_roles
from core.accounts.services import user_authenticate
from core.audit.services import Actor
from frontend.access import MANAGERS, PUBLIC, cluster_page, rate_limited
from frontend.members.forms import ConfirmForm, NewAccountForm, SignInForm
from frontend.pages import action, form_page
from tenants.http import ClusterHttpRequest
from tenants.models import AdminInvitation, Cluster
from tenants.onboarding import services
from tenants.onboarding.selectors import admin_invitation_by_token, setup_checklist

from .forms import LogoForm, NameForm, RegionsForm

ADMINS = frozenset({Grant.Role.CLUSTER_ADMIN})
INVITATION_LIMIT = Limit("admin-invitation-address", 30, 15 * 60)

STEP_URLS = {
    Cluster.SetupStep.NAME: "setup:name",
    Cluster.SetupStep.REGIONS: "setup:regions",
    Cluster.SetupStep.PAYEE: "billing:payee",
    Cluster.SetupStep.LOGO: "setup:logo",
    Cluster.SetupStep.IMPORT: "members:import",
}


def _back() -> str:
    return reverse("setup:checklist")


@cluster_page(MANAGERS)
def checklist(request: ClusterHttpRequest) -> HttpResponse:
    cluster = request.cluster
    items = [
        (item, reverse(STEP_URLS[Cluster.SetupStep(item.code)])) for item in setup_checklist(cluster=cluster)
    ]
    return render(
        request,
        "frontend/onboarding/checklist.html",
        {
            "items": items,
            "preparing": cluster.status == Cluster.Status.PREPARING,
            "ready": all(item.done for item, _url in items if item.required),
            "is_admin": Grant.Role.CLUSTER_ADMIN in user_cluster_roles(request.user, cluster),
        },
    )


@cluster_page(ADMINS)
@require_http_methods(["GET", "POST"])
def name_step(request: ClusterHttpRequest) -> HttpResponseBase:
    cluster = request.cluster
    form = NameForm(request.POST or None, initial={"name": cluster.name, "short_name": cluster.short_name})
    return form_page(
        request,
        form=form,
        save=lambda data: services.setup_name(cluster=cluster, actor=Actor.from_request(request), **data),
        success=_back(),
        message=_("Наименование сохранено."),
        title=_("Наименование кластера"),
        cancel=_back(),
    )


@cluster_page(ADMINS)
@require_http_methods(["GET", "POST"])
def regions_step(request: ClusterHttpRequest) -> HttpResponseBase:
    cluster = request.cluster
    form = RegionsForm(request.POST or None, initial={"region_codes": cluster.region_codes})
    return form_page(
        request,
        form=form,
        save=lambda data: services.setup_regions(
            cluster=cluster, actor=Actor.from_request(request), region_codes=data["region_codes"]
        ),
        success=_back(),
        message=_("Регионы сохранены."),
        title=_("Регионы кластера"),
        cancel=_back(),
    )


@cluster_page(ADMINS)
@require_http_methods(["GET", "POST"])
def logo_step(request: ClusterHttpRequest) -> HttpResponseBase:
    cluster = request.cluster
    return form_page(
        request,
        form=LogoForm(request.POST or None, request.FILES or None),
        save=lambda data: services.setup_logo(
            cluster=cluster, actor=Actor.from_request(request), file=data["file"]
        ),
        success=_back(),
        message=_("Логотип загружен."),
        title=_("Логотип кластера"),
        submit=_("Загрузить"),
        cancel=_back(),
        context={"multipart": True},
    )


@cluster_page(PUBLIC)
def logo_file(request: ClusterHttpRequest) -> HttpResponseBase:
    """The cluster's logo (public, like the site it belongs to)."""
    name = request.cluster.logo
    if not name or not default_storage.exists(name):
        raise Http404
    kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse(default_storage.open(name, "rb"), content_type=kind)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@cluster_page(ADMINS)
@require_POST
def import_later(request: ClusterHttpRequest) -> HttpResponseBase:
    return action(
        request,
        lambda: services.setup_import_later(cluster=request.cluster, actor=Actor.from_request(request)),
        success=_back(),
        message=_("Загрузку участников можно сделать позже: раздел «Участники» → «Загрузка»."),
    )


@cluster_page(ADMINS)
@require_POST
def activate(request: ClusterHttpRequest) -> HttpResponseBase:
    return action(
        request,
        lambda: services.cluster_activate(cluster=request.cluster, actor=Actor.from_request(request)),
        success=reverse("frontend:home"),
        failure=_back(),
        message=_("Кластер активирован: теперь он виден на главной странице платформы и министерству."),
    )


# --- the first admin's invitation link -----------------------------------------------------


def _accept(
    request: ClusterHttpRequest,
    *,
    invitation: AdminInvitation,
    account: User | None,
    signed_in: bool,
    data: dict[str, Any],
) -> User:
    """Check the invitee's password (unless signed in as the invitee), accept, and sign in."""
    user: User | None = None
    if account is not None:
        if signed_in:
            user = account
        else:
            result = user_authenticate(
                email=invitation.email, password=data["password"], address=client_address(request)
            )
            if result.locked or result.throttled:
                raise ValidationError(_("Слишком много неудачных попыток входа. Попробуйте позже."))
            if result.user is None:
                raise ValidationError({"password": _("Неверный пароль.")})
            user = result.user
    user = services.admin_invitation_accept(
        invitation=invitation,
        actor=Actor.from_request(request, allow_anonymous=True),
        user=user,
        full_name=data.get("full_name", ""),
        password=data.get("password", ""),
    )
    if not signed_in:
        login(request, user, backend="core.accounts.backends.EmailLockoutBackend")
        bind_session_to_host(request)
    return user


@cluster_page(PUBLIC, open_while_preparing=True)
@rate_limited(INVITATION_LIMIT)
@require_http_methods(["GET", "POST"])
def invitation_accept(request: ClusterHttpRequest, token: str) -> HttpResponseBase:
    """Open to anyone holding the link: create an account or sign in, then become the admin."""
    invitation = admin_invitation_by_token(cluster=request.cluster, token=token)
    if invitation is None:
        return _problem(request, _("Приглашение не найдено. Проверьте ссылку из письма."), status=404)
    problem = services.admin_invitation_problem(invitation=invitation)
    if problem:
        return _problem(request, _(problem), status=410)
    account = User.objects.filter(email__iexact=invitation.email).first()
    signed_in = account is not None and request.user.is_authenticated and request.user.pk == account.pk
    data = request.POST if request.method == "POST" else None
    form = NewAccountForm(data) if account is None else ConfirmForm(data) if signed_in else SignInForm(data)
    return form_page(
        request,
        form=form,
        save=lambda cleaned: _accept(
            request, invitation=invitation, account=account, signed_in=signed_in, data=cleaned
        ),
        success=_back(),
        message=_("Вы — администратор кластера «%(name)s». Пройдите шаги подготовки и активируйте кластер.")
        % {"name": request.cluster.display_name},
        template="frontend/onboarding/invitation.html",
        context={
            "invitation": invitation,
            "account_exists": account is not None,
            "signed_in_as_invitee": signed_in,
        },
        rehearse=False,  # a rehearsal would count a sign-in failure and sign the invitee in
    )


def _problem(request: ClusterHttpRequest, problem: str, *, status: int) -> HttpResponse:
    return render(request, "frontend/onboarding/invitation.html", {"problem": problem}, status=status)
