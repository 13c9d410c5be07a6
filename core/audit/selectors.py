"""Reads of the audit log: always for one cluster."""

from __future__ import annotations

from django.db import models
from django.db.models import QuerySet

from tenants.models import Cluster

from .models import AuditEntry


def audit_for_object(*, cluster: Cluster, obj: models.Model) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(
        cluster=cluster, object_type=obj._meta.label_lower, object_id=str(obj.pk)
    ).select_related("actor")


def audit_for_actor(*, cluster: Cluster, user_id: int) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(cluster=cluster, actor_id=user_id).select_related("actor")


def audit_for_cluster(*, cluster: Cluster) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(cluster=cluster).select_related("actor")


def audit_search(
    *,
    cluster: Cluster,
    object_type: str = "",
    object_id: str = "",
    actor_id: int | None = None,
    query: str = "",
) -> QuerySet[AuditEntry]:
    """The cluster's log narrowed by object, person and a text (in the object or the actor's e-mail)."""
    qs = audit_for_cluster(cluster=cluster)
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        qs = qs.filter(object_id=object_id)
    if actor_id is not None:
        qs = qs.filter(actor_id=actor_id)
    if query:
        qs = qs.filter(models.Q(object_repr__icontains=query) | models.Q(actor_email__icontains=query))
    return qs


def audit_object_types(*, cluster: Cluster) -> list[str]:
    """The kinds of objects the cluster's log has entries for (the log's filter offers them)."""
    return list(
        AuditEntry.objects.filter(cluster=cluster).values_list("object_type", flat=True).distinct().order_by()
    )
