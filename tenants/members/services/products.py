"""Products of a member company (the catalog): representatives keep their own company's."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError

from core.audit.services import Actor, fields_only, model_create, model_delete, model_update
from core.ru.identifiers import registration_number_error, registration_number_normalize
from tenants.members.models import Company, Product

from .checks import NOT_YOURS, require_company

PRODUCT_FIELDS = frozenset(
    {
        "company",
        "name",
        "kind",
        "description",
        "registration_number",
        "in_innovation_registry",
        "innovation_registry_date",
        "is_published",
    }
)


def _product_normalize(fields: dict[str, Any]) -> dict[str, Any]:
    if "name" in fields:
        fields["name"] = " ".join(str(fields["name"] or "").split())
        if not fields["name"]:
            raise ValidationError({"name": "Укажите наименование продукта."})
    if fields.get("registration_number"):
        message = registration_number_error(fields["registration_number"])
        if message:
            raise ValidationError({"registration_number": message})
        fields["registration_number"] = registration_number_normalize(fields["registration_number"])
    if fields.get("in_innovation_registry") is False:
        fields["innovation_registry_date"] = None
    return fields


def product_create(*, actor: Actor, company: Company, name: str, **fields: Any) -> Product:
    require_company(actor, company.pk)
    fields = _product_normalize({"name": name, **fields_only(fields, PRODUCT_FIELDS - {"company", "name"})})
    product = Product(company=company, **fields)
    model_create(obj=product, actor=actor, action="product.create")
    return product


def product_update(*, product: Product, actor: Actor, **fields: Any) -> Product:
    access = require_company(actor, product.company_id)
    fields = _product_normalize(fields_only(fields, PRODUCT_FIELDS))
    if "company" in fields and fields["company"].pk != product.company_id and not access.manager:
        raise PermissionDenied(NOT_YOURS)
    model_update(obj=product, data=fields, actor=actor, action="product.update")
    return product


def product_delete(*, product: Product, actor: Actor) -> None:
    require_company(actor, product.company_id)
    model_delete(obj=product, actor=actor, action="product.delete")
