"""Cooperation contracts between members: the list, adding and deleting one."""

from __future__ import annotations

from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.audit.services import Actor
from frontend.access import or_404
from frontend.pages import action, form_page
from frontend.tables import list_controls, search, select
from tenants.http import ClusterHttpRequest
from tenants.members import services
from tenants.members.models import Company, CooperationContract
from tenants.members.selectors import contract_get, contract_list

from ..forms import ContractForm
from .common import PAGE_SIZE, access_of, managers, readers

# Sortable columns of the contract list (?sort=key / -key); newest signed first by default.
CONTRACT_COLUMNS: dict[str, tuple[str, ...]] = {
    "signed": ("signed_on", "id"),
    "number": ("number", "-signed_on", "-id"),
    "kind": ("kind", "-signed_on", "-id"),
    "party_a": ("party_a__short_name", "-signed_on", "-id"),
    "party_b": ("party_b__short_name", "-signed_on", "-id"),
    "amount": ("amount_kopecks", "-signed_on", "-id"),
}


@readers
@require_GET
def contracts(request: ClusterHttpRequest) -> HttpResponse:
    access = access_of(request)
    listing = list_controls(
        request,
        columns=CONTRACT_COLUMNS,
        default="-signed",
        filters=(
            search(
                _("Номер, предмет или организация"),
                "number__icontains",
                "subject__icontains",
                "party_a__short_name__icontains",
                "party_b__short_name__icontains",
            ),
            select("kind", _("Вид"), CooperationContract.Kind.choices, _("Все виды")),
        ),
        page_size=PAGE_SIZE,
    )
    return render(
        request,
        "frontend/members/contracts.html",
        {
            "page": listing.page(contract_list(access=access)),
            "listing": listing,
            "sorting": listing.sorting,
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
