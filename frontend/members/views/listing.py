"""The member list and «Моя организация»."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from core.ru.regions import REGIONS
from tenants.http import ClusterHttpRequest
from tenants.members.models import Company
from tenants.members.selectors import COMPANY_ORDERINGS, company_list, company_search

from .common import PAGE_SIZE, access_of, managers, readers


def list_filters(request: ClusterHttpRequest) -> dict[str, str]:
    """The list's filters from the query string (the export uses the same)."""
    get = request.GET
    return {
        "query": get.get("q", ""),
        "status": get.get("status", ""),
        "kind": get.get("kind", ""),
        "region": get.get("region", ""),
        "sez": get.get("sez", ""),
        "ordering": get.get("sort", "name"),
    }


@managers
@require_GET
def member_list(request: ClusterHttpRequest) -> HttpResponse:
    filters = list_filters(request)
    qs = company_search(company_list(access=access_of(request)), **filters)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    regions = sorted(REGIONS.items(), key=lambda item: item[1])
    return render(
        request,
        "frontend/members/list.html",
        {
            "page": page,
            "f": filters,
            "statuses": Company.Status.choices,
            "kinds": Company.Kind.choices,
            "regions": regions,
            "sorts": COMPANY_ORDERINGS,
            "query_string": request.GET.urlencode(),
        },
    )


@readers
@require_GET
def mine(request: ClusterHttpRequest) -> HttpResponse:
    """«Моя организация»: a representative's company; managers go to the member list."""
    access = access_of(request)
    if len(access.company_ids) == 1:
        return redirect("members:detail", next(iter(access.company_ids)))
    if access.manager:
        return redirect("members:list")
    raise PermissionDenied(_("Ваша учётная запись не привязана к организации-участнику."))
