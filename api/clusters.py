"""The cluster card: GET /api/v1/cluster/ on a cluster host (the ministry's list: api/federal.py)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from core.ru.regions import region_name
from tenants.models import Cluster
from tenants.selectors import cluster_primary_host

from .base import ClusterGenericAPIView


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
