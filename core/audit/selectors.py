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
