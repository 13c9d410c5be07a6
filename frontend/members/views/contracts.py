"""Cooperation contracts between members: the list, adding and deleting one."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.audit.services import Actor
from frontend.access import or_404
from frontend.pages import action, form_page
from tenants.http import ClusterHttpRequest
from tenants.members import services
from tenants.members.models import Company, CooperationContract
from tenants.members.selectors import contract_get, contract_list, contract_search

from ..forms import ContractForm
from .common import PAGE_SIZE, access_of, managers, readers


@readers
@require_GET
def contracts(request: ClusterHttpRequest) -> HttpResponse:
    access = access_of(request)
    query, kind = request.GET.get("q", ""), request.GET.get("kind", "")
    qs = contract_search(contract_list(access=access), query=query, kind=kind)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "frontend/members/contracts.html",
        {
            "page": page,
            "q": query,
            "kind": kind,
            "kinds": CooperationContract.Kind.choices,
            "manager": access.manager,
        },
    )


@managers
@require_http_methods(["GET", "POST"])
def contract_create(request: ClusterHttpRequest) -> HttpResponseBase:
    parties = Company.objects.filter(
        status__in=[Company.Status.ADMITTED, Company.Status.ACTIVE, Company.Status.SUSPENDED]
    ).order_by("short_name", "id")
    return form_page(
        request,
        form=ContractForm(request.POST or None, parties=parties),
        save=lambda data: services.contract_create(actor=Actor.from_request(request), **data),
        success=reverse("members:contracts"),
        message=lambda contract: _("Договор № %(number)s добавлен.") % {"number": contract.number},
        title=_("Новый договор о кооперации"),
        cancel=reverse("members:contracts"),
        intro=_(
            "Договор между двумя участниками кластера: поставка продукции, совместный проект "
            "или выполнение работ и оказание услуг."
        ),
    )


@managers
@require_POST
def contract_delete(request: ClusterHttpRequest, contract_id: int) -> HttpResponseBase:
    contract = or_404(contract_get(contract_id=contract_id, access=access_of(request)))
    return action(
        request,
        lambda: services.contract_delete(contract=contract, actor=Actor.from_request(request)),
        success=reverse("members:contracts"),
        message=_("Договор № %(number)s удалён.") % {"number": contract.number},
    )
