"""The cluster card, as the API shows it."""

from __future__ import annotations

from rest_framework import serializers

from core.ru.regions import region_name
from tenants.models import Cluster
from tenants.selectors import cluster_primary_host


class ClusterCardSerializer(serializers.ModelSerializer):
    slug = serializers.CharField(source="schema_name")
    regions = serializers.SerializerMethodField()
    host = serializers.SerializerMethodField()

    class Meta:
        model = Cluster
        fields = [
            "slug",
            "name",
            "short_name",
            "region_codes",
            "regions",
            "kind",
            "base_territory",
            "specialized_organization",
            "founded_on",
            "registry_status",
            "status",
            "time_zone",
            "host",
        ]

    def get_regions(self, obj: Cluster) -> list[str]:
        return [region_name(code) for code in obj.region_codes]

    def get_host(self, obj: Cluster) -> str:
        return cluster_primary_host(cluster=obj)
