"""The cluster card, as the API shows it."""

from __future__ import annotations

from rest_framework import serializers

from core.ru.regions import REGIONS, region_name
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


class ClusterCreateInputSerializer(serializers.Serializer):
    """A new cluster «в подготовке» and the e-mail of its first admin (invited by letter)."""

    slug = serializers.CharField(max_length=30)
    name = serializers.CharField(max_length=300)
    short_name = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    region_codes = serializers.ListField(child=serializers.ChoiceField(choices=sorted(REGIONS)), min_length=1)
    time_zone = serializers.CharField(max_length=64, required=False, default="Europe/Moscow")
    admin_email = serializers.EmailField()
