"""Cluster cards: GET /api/v1/cluster/ (cluster host) and /api/v1/federal/clusters/ (public host)."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from core.accounts.selectors import clusters_visible_to_ministry, user_ministry_scope
from core.regions import region_name
from tenants.models import Cluster
from tenants.selectors import cluster_primary_host

from .base import ClusterGenericAPIView, PlatformAPIMixin
from .permissions import IsMinistryOrPlatformAdmin


class ClusterCardSerializer(serializers.ModelSerializer):
    slug = serializers.CharField(source="schema_name")
    regions = serializers.SerializerMethodField()
    host = serializers.SerializerMethodField()

    class Meta:
        model = Cluster
        fields = ["slug", "name", "short_name", "region_codes", "regions", "kind", "base_territory",
                  "specialized_organization", "founded_on", "registry_status", "status", "time_zone", "host"]

    def get_regions(self, obj: Cluster) -> list[str]:
        return [region_name(code) for code in obj.region_codes]

    def get_host(self, obj: Cluster) -> str:
        return cluster_primary_host(cluster=obj)


class CurrentClusterView(ClusterGenericAPIView):
    serializer_class = ClusterCardSerializer

    @extend_schema(responses=ClusterCardSerializer)
    def get(self, request: Request) -> Response:
        return Response(self.get_serializer(request.cluster).data)  # type: ignore[attr-defined]


class ClusterFilter(django_filters.FilterSet):
    region = django_filters.CharFilter(method="filter_region", label="Код региона (RU-MOS)")

    class Meta:
        model = Cluster
        fields = ["kind", "registry_status", "status"]

    def filter_region(self, queryset, name, value):
        return queryset.filter(region_codes__contains=[value.upper()])


class FederalClusterViewSet(PlatformAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                            viewsets.GenericViewSet):
    """Clusters a ministry user may see: all (federal) or those in its regions (regional)."""

    permission_classes = [*PlatformAPIMixin.permission_classes, IsMinistryOrPlatformAdmin]
    serializer_class = ClusterCardSerializer
    filterset_class = ClusterFilter
    search_fields = ["name", "short_name", "schema_name", "base_territory"]
    ordering_fields = ["name", "founded_on", "schema_name", "registry_status"]
    lookup_field = "schema_name"
    lookup_url_kwarg = "slug"

    def get_queryset(self):
        scope = user_ministry_scope(self.request.user)
        if scope is None:  # the permission class already refused; keep the queryset empty anyway
            return Cluster.objects.none()
        return clusters_visible_to_ministry(scope).prefetch_related("domains")
