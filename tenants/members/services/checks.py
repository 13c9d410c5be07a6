"""Who may change a company's data, and field labels for the services' messages."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied

from core.accounts.access import MemberAccess, actor_access
from core.audit.services import Actor

NOT_YOURS = "Вы можете изменять только данные своей организации."


def require_company(actor: Actor, company_id: int | None) -> MemberAccess:
    """The actor manages the cluster or represents this company; its access otherwise a 403."""
    access = actor_access(actor)
    if not access.can_see(company_id):
        raise PermissionDenied(NOT_YOURS)
    return access


def field_label(model: type[Any], name: str) -> str:
    """The verbose name of a model field, for messages in Russian."""
    return str(getattr(model._meta.get_field(name), "verbose_name", name))
