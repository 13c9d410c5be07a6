"""Record changes. Call inside the service's transaction: the row commits with the change."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import connection, models
from django.forms.models import model_to_dict
from django.http import HttpRequest

from core.accounts.models import User
from tenants.models import Cluster

from .models import AuditEntry


@dataclass(frozen=True)
class Actor:
    """Who acts and from where; built by adapters (views, API) and passed to services."""

    user: User | None
    host: str = ""
    cluster: Cluster | None = None

    @classmethod
    def from_request(cls, request: HttpRequest, *, allow_anonymous: bool = False) -> Actor:
        """The signed-in user acting through this request. Services read an actor without a
        user as the system itself (Celery, demo, webhooks), so an anonymous visitor must
        never become one by accident: that takes an explicit `allow_anonymous=True`."""
        if not request.user.is_authenticated and not allow_anonymous:
            raise PermissionDenied("Войдите, чтобы выполнить это действие.")
        user = request.user if request.user.is_authenticated else None
        return cls(user=user, host=request.get_host(), cluster=getattr(request, "cluster", None))

    @classmethod
    def system(cls, cluster: Cluster | None = None) -> Actor:
        return cls(user=None, host="", cluster=cluster)


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, models.Model):
        return value.pk
    return str(value)


def snapshot(obj: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """The object's field values, ready for diff()."""
    return {k: _jsonable(v) for k, v in model_to_dict(obj, fields=fields).items()}


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for the fields that changed."""
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


def audit_entry(*, actor: Actor, action: str, obj: models.Model, changes: dict[str, Any] | None = None) -> AuditEntry:
    """The audit row for an action on obj, unsaved (for bulk_create by services writing many rows)."""
    cluster = actor.cluster
    if cluster is None and getattr(connection, "tenant", None) is not None:
        tenant = connection.tenant  # type: ignore[attr-defined]
        cluster = tenant if isinstance(tenant, Cluster) else None
    return AuditEntry(
        cluster=cluster,
        actor=actor.user,
        actor_email=actor.user.email if actor.user else "",
        host=actor.host,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:300],
        changes=changes or {},
    )


def audit_record(*, actor: Actor, action: str, obj: models.Model, changes: dict[str, Any] | None = None) -> AuditEntry:
    """One audit row for an action on obj (in the current cluster unless the actor names one)."""
    entry = audit_entry(actor=actor, action=action, obj=obj, changes=changes)
    entry.save()
    return entry
