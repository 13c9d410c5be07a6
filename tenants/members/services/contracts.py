"""Cooperation contracts between two member companies (cluster staff keep them)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError

from core.accounts.access import require_manager
from core.audit.services import Actor, fields_only, model_create, model_delete, model_update
from tenants.members.models import Company, CooperationContract

CONTRACT_FIELDS = frozenset(
    {"kind", "party_a", "party_b", "number", "signed_on", "amount_kopecks", "subject"}
)


def _contract_check(fields: dict[str, Any], *, current: CooperationContract | None = None) -> dict[str, Any]:
    for key in ("number", "subject"):
        if key in fields:
            fields[key] = (
                " ".join(str(fields[key] or "").split()) if key == "number" else str(fields[key]).strip()
            )
    party_a = fields.get("party_a", current.party_a if current else None)
    party_b = fields.get("party_b", current.party_b if current else None)
    if party_a is not None and party_b is not None and party_a.pk == party_b.pk:
        raise ValidationError({"party_b": "Стороны договора должны быть разными организациями."})
    for key in ("party_a", "party_b"):
        company = fields.get(key)
        if (
            company is not None
            and (current is None or getattr(current, f"{key}_id") != company.pk)
            and not company.is_member
        ):
            raise ValidationError({key: f"«{company}» не является участником кластера."})
    if (fields.get("amount_kopecks") or 0) < 0:
        raise ValidationError({"amount_kopecks": "Сумма договора не может быть отрицательной."})
    return fields


def contract_create(
    *,
    actor: Actor,
    kind: str,
    party_a: Company,
    party_b: Company,
    number: str,
    signed_on: dt.date,
    subject: str,
    amount_kopecks: int = 0,
) -> CooperationContract:
    require_manager(actor)
    fields = _contract_check(
        {
            "kind": kind,
            "party_a": party_a,
            "party_b": party_b,
            "number": number,
            "signed_on": signed_on,
            "subject": subject,
            "amount_kopecks": amount_kopecks,
        }
    )
    contract = CooperationContract(**fields)
    model_create(obj=contract, actor=actor, action="contract.create")
    return contract


def contract_update(*, contract: CooperationContract, actor: Actor, **fields: Any) -> CooperationContract:
    require_manager(actor)
    fields = _contract_check(fields_only(fields, CONTRACT_FIELDS), current=contract)
    model_update(obj=contract, data=fields, actor=actor, action="contract.update")
    return contract


def contract_delete(*, contract: CooperationContract, actor: Actor) -> None:
    require_manager(actor)
    model_delete(obj=contract, actor=actor, action="contract.delete")
