"""/api/v1/audit/: the cluster's change log, for its admins (by object or by person)."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema_field
from rest_framework import mixins, serializers

from api.base import ClusterViewSet
from core import display
from core.accounts.models import Grant
from core.audit.models import AuditEntry
from core.audit.selectors import audit_for_cluster


class AuditChangeSerializer(serializers.Serializer):
    field = serializers.CharField(source="key", help_text="The raw key in `changes`.")
    label = serializers.CharField(help_text="Its verbose name, in the request's language.")  # type: ignore[assignment]
    old = serializers.CharField(help_text="The old value as shown to people (empty for a fact).")
    new = serializers.CharField(help_text="The new value (or the fact) as shown to people.")


class AuditEntrySerializer(serializers.ModelSerializer):
    actor = serializers.EmailField(source="actor_email")
    actor_name = serializers.SerializerMethodField(help_text="The actor by name (the e-mail without one).")
    action_display = serializers.SerializerMethodField()
    object_display = serializers.SerializerMethodField(help_text="«Платёж № 75»")
    changes_display = serializers.SerializerMethodField()

    def get_actor_name(self, entry: AuditEntry) -> str:
        return display.person(entry.actor, entry.actor_email)

    def get_action_display(self, entry: AuditEntry) -> str:
        return display.action(entry.action)

    def get_object_display(self, entry: AuditEntry) -> str:
        return display.object_label(entry.object_type, entry.object_id)

    @extend_schema_field(AuditChangeSerializer(many=True))
    def get_changes_display(self, entry: AuditEntry) -> list[dict[str, str]]:
        return [
            {"field": c.key, "label": c.label, "old": c.old, "new": c.new}
            for c in display.changes(entry.object_type, entry.changes)
        ]

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
            "actor_name",
            "action_display",
            "object_display",
            "changes_display",
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
