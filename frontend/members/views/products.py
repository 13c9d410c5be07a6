"""Products: the catalog of members' products, adding, editing and deleting one."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.audit.services import Actor
from frontend.access import or_404
from frontend.pages import action, form_page
from tenants.http import ClusterHttpRequest
from tenants.members import services
from tenants.members.models import Product
from tenants.members.selectors import PRODUCT_ORDERINGS, product_get, product_list, product_search

from ..forms import ProductForm
from .common import PAGE_SIZE, access_of, company_or_404, detail_url, readers


@readers
@require_GET
def products(request: ClusterHttpRequest) -> HttpResponse:
    query, kind = request.GET.get("q", ""), request.GET.get("kind", "")
    innovative, sort = request.GET.get("innovative", ""), request.GET.get("sort", "name")
    qs = product_search(
        product_list(access=access_of(request)), query=query, kind=kind, innovative=innovative, ordering=sort
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "frontend/members/products.html",
        {
            "page": page,
            "q": query,
            "kind": kind,
            "innovative": innovative,
            "sort": sort,
            "kinds": Product.Kind.choices,
            "sorts": PRODUCT_ORDERINGS,
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
