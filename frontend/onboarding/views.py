"""The set-up of a new cluster on its host: the first admin's invitation link, the checklist,
its steps (name, regions, logo, «позже» for the import; the payee and the import are the
billing and members pages) and «Активировать»."""

from __future__ import annotations

import mimetypes

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.accounts.models import Grant
from core.accounts.ratelimit import Limit
from core.accounts.selectors import user_cluster_roles
from core.audit.services import Actor
from frontend.access import MANAGERS, PUBLIC, cluster_page, rate_limited
from frontend.invitations import invitation_page
from frontend.pages import action, form_page
from tenants.http import ClusterHttpRequest
from tenants.models import Cluster
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


@cluster_page(PUBLIC, open_while_preparing=True)
@rate_limited(INVITATION_LIMIT)
@require_http_methods(["GET", "POST"])
def invitation_accept(request: ClusterHttpRequest, token: str) -> HttpResponseBase:
    """Open to anyone holding the link: create an account or sign in, then become the admin."""
    return invitation_page(
        request,
        invitation=admin_invitation_by_token(cluster=request.cluster, token=token),
        problem=lambda found: services.admin_invitation_problem(invitation=found),
        accept=lambda found, **given: services.admin_invitation_accept(invitation=found, **given),
        success=lambda _found: _back(),
        message=lambda _found: (
            _("Вы — администратор кластера «%(name)s». Пройдите шаги подготовки и активируйте кластер.")
            % {"name": request.cluster.display_name}
        ),
        template="frontend/onboarding/invitation.html",
    )
