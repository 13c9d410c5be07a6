"""Companies: the card of a member (or would-be member) and its creation."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.accounts.access import require_manager
from core.audit.services import Actor, fields_only, model_create, model_update
from core.ru.identifiers import okved_error
from tenants.governance.models import Decision
from tenants.members.models import Company, MembershipEvent
from tenants.members.selectors import company_by_inn

from .checks import field_label, require_company

Status = Company.Status

# What a representative may change in its own company's card: the profile, not the identity.
PROFILE_FIELDS = frozenset(
    {
        "address",
        "website",
        "region_code",
        "description",
        "services",
        "prospective_projects",
        "okved_codes",
        "public_fields",
    }
)
COMPANY_FIELDS = PROFILE_FIELDS | {
    "full_name",
    "short_name",
    "kind",
    "legal_form",
    "inn",
    "ogrn",
    "kpp",
    "is_sez_resident",
    "special_territory",
    "is_demo",
}


def company_normalize(fields: dict[str, Any]) -> dict[str, Any]:
    """Trim text, drop spaces inside identifiers, check ОКВЭД2 codes and published fields."""
    for key in ("full_name", "short_name", "legal_form", "address", "website", "region_code"):
        if key in fields:
            fields[key] = " ".join(str(fields[key] or "").split())
    for key in ("inn", "ogrn", "kpp"):
        if key in fields:
            fields[key] = "".join(str(fields[key] or "").split()).upper()
    if fields.get("website") and "://" not in fields["website"]:
        fields["website"] = "https://" + fields["website"]
    if "okved_codes" in fields:
        codes = fields["okved_codes"]
        if isinstance(codes, str):
            codes = codes.replace(";", ",").replace(" ", ",").split(",")
        codes = list(dict.fromkeys(c.strip() for c in codes or [] if c and c.strip()))
        for code in codes:
            message = okved_error(code)
            if message:
                raise ValidationError({"okved_codes": message})
        fields["okved_codes"] = codes
    if "public_fields" in fields:
        chosen = set(fields["public_fields"] or [])
        unknown = chosen - set(Company.PUBLISHABLE_FIELDS)
        if unknown:
            raise ValidationError(
                {"public_fields": f"Эти поля нельзя публиковать: {', '.join(sorted(unknown))}."}
            )
        fields["public_fields"] = [f for f in Company.PUBLISHABLE_FIELDS if f in chosen]
    return fields


def _check_inn_free(inn: str, exclude_id: int | None = None) -> None:
    if inn:
        other = company_by_inn(inn=inn, exclude_id=exclude_id)
        if other is not None:
            raise ValidationError({"inn": f"Организация с ИНН {inn} уже есть в кластере: «{other}»."})


def company_check(fields: dict[str, Any], *, company: Company | None = None) -> None:
    """Every error of a company card's fields at once, saving nothing: the ОКВЭД2 codes, the
    model's checks (INN, OGRN, KPP control digits, lengths) and a free INN. Only the fields given
    are checked (a form passes what it could parse, so its own errors and these show together);
    `company` is the card being edited."""
    data = {key: value for key, value in fields.items() if key in COMPANY_FIELDS}
    errors: dict[str, list[str]] = {}
    try:
        data = company_normalize(data)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        data.pop("okved_codes", None)
        data.pop("public_fields", None)
    candidate = Company(**{k: v for k, v in data.items() if k not in errors})
    if not candidate.short_name:
        candidate.short_name = candidate.full_name[:200] or "—"
    given = set(data) | {"short_name"}
    others = [f.name for f in Company._meta.fields if f.name not in given]
    try:
        candidate.full_clean(exclude=others, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        for key, messages in exc.message_dict.items():
            errors.setdefault(key, messages)
    if "inn" in data and "inn" not in errors:
        try:
            _check_inn_free(data["inn"], exclude_id=company.pk if company else None)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)


def _inn_taken(company: Company) -> ValidationError:
    # a concurrent insert of the same INN, caught by the unique constraint
    return ValidationError({"inn": f"Организация с ИНН {company.inn} уже есть в кластере."})


def membership_event_record(
    *,
    company: Company,
    to_status: str,
    actor: Actor,
    at: dt.datetime,
    reason: str = "",
    decision: Decision | None = None,
    from_status: str | None = None,
) -> MembershipEvent:
    """One row of the company's membership history (inside the caller's transaction)."""
    event = MembershipEvent(
        company=company,
        from_status=company.status if from_status is None else from_status,
        to_status=to_status,
        at=at,
        actor=actor.user,
        reason=reason,
        decision=decision,
    )
    event.full_clean()
    event.save()
    return event


def company_create(
    *, actor: Actor, full_name: str, short_name: str = "", status: str = Status.INTERESTED, **fields: Any
) -> Company:
    """A new company of the cluster, interested or with an application filed."""
    require_manager(actor)
    if status not in (Status.INTERESTED, Status.APPLIED):
        raise ValidationError(
            {
                "status": "Новая организация может быть только «проявившей интерес» или "
                "«подавшей заявку»: участником её делает решение общего собрания."
            }
        )
    fields = company_normalize(
        {
            "full_name": full_name,
            "short_name": short_name,
            **fields_only(fields, COMPANY_FIELDS - {"full_name", "short_name"}),
        }
    )
    if not fields["short_name"]:
        fields["short_name"] = fields["full_name"][:200]
    _check_inn_free(fields.get("inn", ""))
    now = timezone.now()
    company = Company(status=status, status_changed_at=now, **fields)
    with transaction.atomic():
        try:
            model_create(obj=company, actor=actor, action="company.create")
        except IntegrityError as exc:
            raise _inn_taken(company) from exc
        membership_event_record(
            company=company,
            from_status="",
            to_status=status,
            actor=actor,
            at=now,
            reason="Организация внесена в реестр кластера.",
        )
    return company


def company_update(*, company: Company, actor: Actor, **fields: Any) -> Company:
    """Change a company's card. A representative may change only its own company's profile."""
    access = require_company(actor, company.pk)
    fields_only(fields, COMPANY_FIELDS)
    if not access.manager:
        refused = sorted(set(fields) - PROFILE_FIELDS)
        if refused:
            labels = ", ".join(f"«{field_label(Company, name)}»" for name in refused)
            raise PermissionDenied(
                f"Представитель участника может изменять только профиль организации; недоступно: {labels}."
            )
    fields = company_normalize(fields)
    with transaction.atomic():
        company = Company.objects.select_for_update().get(pk=company.pk)
        if "inn" in fields:
            _check_inn_free(fields["inn"], exclude_id=company.pk)
        try:
            model_update(obj=company, data=fields, actor=actor, action="company.update")
        except IntegrityError as exc:
            raise _inn_taken(company) from exc
    return company
