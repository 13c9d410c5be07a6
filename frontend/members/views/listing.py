"""The member list and «Моя организация»."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from core.ru.regions import REGIONS
from frontend.tables import Filter, list_controls, search
from tenants.http import ClusterHttpRequest
from tenants.members.models import Company
from tenants.members.selectors import company_list, company_search

from .common import PAGE_SIZE, access_of, managers, readers

# Sortable columns of the member list (?sort=key / -key); "changed" and "created" have no
# column but stay valid links.
COMPANY_COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("short_name", "id"),
    "inn": ("inn", "id"),
    "kind": ("kind", "short_name", "id"),
    "region": ("region_code", "short_name", "id"),
    "products": ("product_count", "short_name", "id"),
    "status": ("status", "short_name", "id"),
    "changed": ("-status_changed_at", "short_name", "id"),
    "created": ("-created_at", "-id"),
}


def region_code_of(value: str) -> str:
    """The region filter accepts a code («RU-MOS») or a name as the datalist offers it."""
    value = value.strip()
    if value in REGIONS:
        return value
    by_name = {name.casefold(): code for code, name in REGIONS.items()}
    return by_name.get(value.casefold(), value)


def company_filters() -> tuple[Filter, ...]:
    return (
        search(_("Наименование или ИНН")),
        Filter("status", _("Статус"), choices=Company.Status.choices, placeholder=_("Все статусы")),
        Filter("kind", _("Тип"), choices=Company.Kind.choices, placeholder=_("Все типы")),
        Filter(
            "region",
            _("Регион"),
            choices=sorted(REGIONS.items(), key=lambda item: item[1]),
            placeholder=_("Все регионы"),
            suggest=True,
        ),
        Filter(
            "sez",
            _("Резидент ОЭЗ"),
            choices=[("yes", _("Только резиденты ОЭЗ")), ("no", _("Не резиденты ОЭЗ"))],
            placeholder=_("Резиденты ОЭЗ и нет"),
        ),
    )


def list_filters(request: ClusterHttpRequest) -> dict[str, str]:
    """The list's filters from the query string (the export uses the same)."""
    get = request.GET
    return {
        "query": get.get("q", ""),
        "status": get.get("status", ""),
        "kind": get.get("kind", ""),
        "region": region_code_of(get.get("region", "")),
        "sez": get.get("sez", ""),
        "ordering": get.get("sort", "name"),
    }


@managers
@require_GET
def member_list(request: ClusterHttpRequest) -> HttpResponse:
    listing = list_controls(
        request, columns=COMPANY_COLUMNS, default="name", filters=company_filters(), page_size=PAGE_SIZE
    )
    page = listing.page(company_search(company_list(access=access_of(request)), **list_filters(request)))
    return render(
        request,
        "frontend/members/list.html",
        {
            "page": page,
            "listing": listing,
            "sorting": listing.sorting,
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
