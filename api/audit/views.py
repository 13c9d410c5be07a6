"""/api/v1/audit/: the cluster's change log, for its admins (by object or by person)."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from rest_framework import mixins, serializers

from api.base import ClusterViewSet
from core.accounts.models import Grant
from core.audit.models import AuditEntry
from core.audit.selectors import audit_for_cluster


class AuditEntrySerializer(serializers.ModelSerializer):
    actor = serializers.EmailField(source="actor_email")

    class Meta:
        model = AuditEntry
        fields = [
            "id",
            "at",
            "actor",
            "actor_id",
            "host",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "changes",
        ]


class AuditFilter(django_filters.FilterSet):
    actor_id = django_filters.NumberFilter(label="ID пользователя")
    object_type = django_filters.CharFilter(label="Тип объекта (например, members.company)")
    object_id = django_filters.CharFilter(label="ID объекта")
    since = django_filters.IsoDateTimeFilter(field_name="at", lookup_expr="gte", label="С момента")

    class Meta:
        model = AuditEntry
        fields = ["actor_id", "object_type", "object_id", "action"]


class AuditViewSet(mixins.ListModelMixin, ClusterViewSet):
    read_roles = frozenset({Grant.Role.CLUSTER_ADMIN})
    write_roles: frozenset[str] = frozenset()
    serializer_class = AuditEntrySerializer
    filterset_class = AuditFilter
    search_fields = ["object_repr", "actor_email", "action"]
    ordering_fields = ["at", "id"]

    def get_queryset(self) -> QuerySet[AuditEntry]:
        return audit_for_cluster(cluster=self.cluster)
