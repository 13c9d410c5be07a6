"""Products: the catalog of members' products, adding, editing and deleting one."""

from __future__ import annotations

from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.audit.services import Actor
from frontend.access import or_404
from frontend.pages import action, form_page
from frontend.tables import Filter, list_controls, search
from tenants.http import ClusterHttpRequest
from tenants.members import services
from tenants.members.models import Product
from tenants.members.selectors import product_get, product_list, product_search

from ..forms import ProductForm
from .common import PAGE_SIZE, access_of, company_or_404, detail_url, readers

# Sortable columns of the product list (?sort=key / -key); the old keys name, -name, company
# and created (newest first, no column) keep working.
PRODUCT_COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("name", "id"),
    "company": ("company__short_name", "name", "id"),
    "kind": ("kind", "name", "id"),
    "registration": ("registration_number", "name", "id"),
    "innovative": ("-in_innovation_registry", "name", "id"),
    "created": ("-created_at", "-id"),
}


def product_filters() -> tuple[Filter, ...]:
    return (
        search(_("Наименование, удостоверение или организация")),
        Filter("kind", _("Вид"), choices=Product.Kind.choices, placeholder=_("Все виды")),
        Filter(
            "innovative",
            _("Реестр инновационной продукции"),
            choices=[("yes", _("В реестре инновационной продукции")), ("no", _("Не в реестре"))],
            placeholder=_("В реестре и нет"),
        ),
    )


@readers
@require_GET
def products(request: ClusterHttpRequest) -> HttpResponse:
    listing = list_controls(
        request, columns=PRODUCT_COLUMNS, default="name", filters=product_filters(), page_size=PAGE_SIZE
    )
    values = listing.values
    qs = product_search(
        product_list(access=access_of(request)),
        query=values["q"],
        kind=values["kind"],
        innovative=values["innovative"],
    )
    return render(
        request,
        "frontend/members/products.html",
        {
            "page": listing.page(qs),
            "listing": listing,
            "sorting": listing.sorting,
            "manager": access_of(request).manager,
        },
    )


@readers
@require_http_methods(["GET", "POST"])
def product_create(request: ClusterHttpRequest, pk: int) -> HttpResponseBase:
    company = company_or_404(request, pk)
    return form_page(
        request,
        form=ProductForm(request.POST or None),
        save=lambda data: services.product_create(actor=Actor.from_request(request), company=company, **data),
        success=detail_url(company.pk, "products"),
        message=lambda product: _("Продукт «%(name)s» добавлен.") % {"name": product.name},
        title=_("Новый продукт: %(name)s") % {"name": company},
        cancel=detail_url(company.pk, "products"),
    )


@readers
@require_http_methods(["GET", "POST"])
def product_edit(request: ClusterHttpRequest, product_id: int) -> HttpResponseBase:
    product = or_404(product_get(product_id=product_id, access=access_of(request)))
    return form_page(
        request,
        form=ProductForm(request.POST or None, initial=ProductForm.initial_for(product)),
        save=lambda data: services.product_update(product=product, actor=Actor.from_request(request), **data),
        success=detail_url(product.company_id, "products"),
        message=_("Изменения сохранены."),
        title=_("Продукт: %(name)s") % {"name": product.name},
        cancel=detail_url(product.company_id, "products"),
    )


@readers
@require_POST
def product_delete(request: ClusterHttpRequest, product_id: int) -> HttpResponseBase:
    product = or_404(product_get(product_id=product_id, access=access_of(request)))
    return action(
        request,
        lambda: services.product_delete(product=product, actor=Actor.from_request(request)),
        success=detail_url(product.company_id, "products"),
        message=_("Продукт «%(name)s» удалён.") % {"name": product.name},
    )
