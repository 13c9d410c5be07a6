"""Reads for the public members directory and product catalogue (current cluster schema).

Anonymous visitors see admitted and active members only, and of each company only its name,
kind and the fields it opted to publish (Company.public_fields ∩ PUBLISHABLE_FIELDS).
Pages and the API render the projection built here, never a Company row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from core.ru.regions import REGIONS
from tenants.members.models import Company, Product

DIRECTORY_STATUSES = (Company.Status.ADMITTED, Company.Status.ACTIVE)
# Columns read for the directory: nothing else of a company ever leaves the database here.
_BASE_COLUMNS = ("id", "short_name", "full_name", "kind", "status", "public_fields")
DIRECTORY_COLUMNS = (*_BASE_COLUMNS, *Company.PUBLISHABLE_FIELDS)
DIRECTORY_ORDERINGS = {
    "name": ("short_name", "id"),
    "-name": ("-short_name", "-id"),
    "kind": ("kind", "short_name", "id"),
}
PRODUCT_ORDERINGS = {
    "name": ("name", "id"),
    "-name": ("-name", "-id"),
    "company": ("company__short_name", "name", "id"),
}


@dataclass(frozen=True)
class PublicField:
    name: str
    label: str
    value: Any  # as stored: str, list of str, bool
    display: str  # as shown on the page
    url: str = ""  # a safe link (http/https website), else empty


@dataclass(frozen=True)
class PublicCompany:
    id: int
    name: str
    full_name: str
    kind: str
    kind_display: str
    fields: tuple[PublicField, ...]

    def field(self, name: str) -> PublicField | None:
        return next((f for f in self.fields if f.name == name), None)


def published_field_names(company: Company) -> list[str]:
    """The company's opted-in fields, in the order of PUBLISHABLE_FIELDS (unknown names ignored)."""
    chosen = set(company.public_fields or ())
    return [name for name in Company.PUBLISHABLE_FIELDS if name in chosen]


def _display(name: str, value: Any) -> str:
    if name == "region_code":
        return REGIONS.get(value, value)
    if name == "okved_codes":
        return ", ".join(value)
    if name == "is_sez_resident":
        return _("да") if value else _("нет")
    return str(value)


def public_company(company: Company) -> PublicCompany:
    fields = []
    for name in published_field_names(company):
        value = getattr(company, name)
        if value in ("", None, []):
            continue
        label = capfirst(str(getattr(Company._meta.get_field(name), "verbose_name", name)))
        url = value if name == "website" and str(value).lower().startswith(("http://", "https://")) else ""
        fields.append(
            PublicField(name=name, label=label, value=value, display=_display(name, value), url=url)
        )
    return PublicCompany(
        id=company.pk,
        name=company.short_name or company.full_name,
        full_name=company.full_name,
        kind=company.kind,
        kind_display=str(company.get_kind_display()),
        fields=tuple(fields),
    )


def directory_companies(*, query: str = "", kind: str = "", ordering: str = "") -> QuerySet[Company]:
    """Members shown in the public directory (admitted and active), only the public columns loaded."""
    qs = Company.objects.filter(status__in=DIRECTORY_STATUSES).only(*DIRECTORY_COLUMNS)
    query = query.strip()
    if query:
        qs = qs.filter(Q(short_name__icontains=query) | Q(full_name__icontains=query))
    if kind in Company.Kind.values:
        qs = qs.filter(kind=kind)
    return qs.order_by(*DIRECTORY_ORDERINGS.get(ordering, ("short_name", "id")))


def directory_company_get(*, company_id: int) -> Company | None:
    return directory_companies().filter(pk=company_id).first()


def catalogue_products(
    *,
    query: str = "",
    kind: str = "",
    innovative: bool | None = None,
    company_id: int | None = None,
    ordering: str = "",
) -> QuerySet[Product]:
    """Published products of directory members, each with its company's public columns."""
    qs = (
        Product.objects.filter(is_published=True, company__status__in=DIRECTORY_STATUSES)
        .select_related("company")
        .only(
            "id",
            "name",
            "kind",
            "description",
            "registration_number",
            "in_innovation_registry",
            "innovation_registry_date",
            "company__id",
            "company__short_name",
            "company__full_name",
            "company__status",
        )
    )
    query = query.strip()
    if query:
        qs = qs.filter(
            Q(name__icontains=query)
            | Q(description__icontains=query)
            | Q(registration_number__icontains=query)
            | Q(company__short_name__icontains=query)
        )
    if kind in Product.Kind.values:
        qs = qs.filter(kind=kind)
    if innovative is not None:
        qs = qs.filter(in_innovation_registry=innovative)
    if company_id is not None:
        qs = qs.filter(company_id=company_id)
    return qs.order_by(*PRODUCT_ORDERINGS.get(ordering, ("name", "id")))


def catalogue_product_get(*, product_id: int) -> Product | None:
    return catalogue_products().filter(pk=product_id).first()


def directory_company_with_products(*, company_id: int) -> Company | None:
    """A directory company with its published products prefetched (one extra query)."""
    products = Product.objects.filter(is_published=True).order_by("name", "id")
    return (
        directory_companies()
        .prefetch_related(Prefetch("products", queryset=products, to_attr="public_products"))
        .filter(pk=company_id)
        .first()
    )
