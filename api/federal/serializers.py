"""Serializers of the ministry's federal API."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.clusters import ClusterCardSerializer
from core.federal import dashboard as selectors
from core.federal.models import AnnualReport, FederalProject, RegistryCheckResult
from core.ru.regions import region_name
from tenants.models import Cluster


def number(value: Decimal | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


class ReportRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    version = serializers.IntegerField()
    submitted_at = serializers.DateTimeField()
    is_demo = serializers.BooleanField()


class FiguresSerializer(serializers.Serializer):
    """Headline figures of the year's latest submitted report: money in kopecks, rates in percent."""

    members_total = serializers.FloatField(allow_null=True)
    revenue = serializers.FloatField(allow_null=True)
    employees = serializers.FloatField(allow_null=True)
    export = serializers.FloatField(allow_null=True)
    dues_collection = serializers.FloatField(allow_null=True)
    roadmap_completion = serializers.FloatField(allow_null=True)


class LiveSerializer(serializers.Serializer):
    """Current figures from the warehouse snapshot."""

    member_count = serializers.IntegerField()
    dues_invoiced_kopecks = serializers.IntegerField()
    dues_paid_kopecks = serializers.IntegerField()
    dues_collection_rate = serializers.FloatField(allow_null=True)
    roadmap_items_total = serializers.IntegerField()
    roadmap_items_done = serializers.IntegerField()
    roadmap_completion = serializers.FloatField(allow_null=True)
    updated_at = serializers.DateTimeField()


class FederalClusterSerializer(ClusterCardSerializer):
    """The cluster card plus the year's submitted figures, the current ones and the registry checks."""

    year = serializers.SerializerMethodField()
    report = serializers.SerializerMethodField()
    figures = serializers.SerializerMethodField()
    live = serializers.SerializerMethodField()
    registry_checks = serializers.ChoiceField(
        source="check_status",
        choices=list(selectors.CHECK_STATUSES),
        read_only=True,
        help_text="Итог проверки требований реестра по отчёту за год",
    )

    class Meta(ClusterCardSerializer.Meta):
        fields = [*ClusterCardSerializer.Meta.fields, "year", "report", "figures", "live", "registry_checks"]

    def get_year(self, obj: Cluster) -> int | None:
        return self.context.get("year")

    @extend_schema_field(ReportRefSerializer(allow_null=True))
    def get_report(self, obj: Any) -> dict[str, Any] | None:
        if obj.report_id is None:
            return None
        return ReportRefSerializer(
            {
                "id": obj.report_id,
                "version": obj.report_version,
                "submitted_at": obj.report_submitted_at,
                "is_demo": bool(obj.report_is_demo),
            }
        ).data

    @extend_schema_field(FiguresSerializer)
    def get_figures(self, obj: Any) -> dict[str, Any]:
        codes = (*selectors.TABLE_CODES, *selectors.RATE_CODES, selectors.MEMBERS)
        return {code: number(getattr(obj, f"v_{code}", None)) for code in codes}

    @extend_schema_field(LiveSerializer(allow_null=True))
    def get_live(self, obj: Any) -> dict[str, Any] | None:
        if obj.live_updated_at is None:
            return None
        return LiveSerializer(
            {
                "member_count": obj.live_members,
                "dues_invoiced_kopecks": obj.live_invoiced,
                "dues_paid_kopecks": obj.live_paid,
                "dues_collection_rate": number(obj.live_dues_rate),
                "roadmap_items_total": obj.live_items_total,
                "roadmap_items_done": obj.live_items_done,
                "roadmap_completion": number(obj.live_roadmap_rate),
                "updated_at": obj.live_updated_at,
            }
        ).data


class ReportListSerializer(serializers.ModelSerializer):
    cluster = serializers.CharField(source="cluster.schema_name")
    cluster_name = serializers.CharField(source="cluster.name")
    form_version = serializers.IntegerField(source="form.version")

    class Meta:
        model = AnnualReport
        fields = [
            "id",
            "cluster",
            "cluster_name",
            "year",
            "version",
            "is_latest",
            "is_demo",
            "form_version",
            "submitted_at",
            "submitted_by_email",
            "correction_reason",
        ]


class ReportDetailSerializer(ReportListSerializer):
    class Meta(ReportListSerializer.Meta):
        fields = [*ReportListSerializer.Meta.fields, "comments", "values", "details", "checks"]


class RegistryCheckSerializer(serializers.ModelSerializer):
    cluster = serializers.CharField(source="cluster.schema_name")
    report_version = serializers.IntegerField(source="report.version")
    is_latest = serializers.BooleanField(source="report.is_latest")
    code_display = serializers.CharField(source="get_code_display")
    status_display = serializers.CharField(source="get_status_display")

    class Meta:
        model = RegistryCheckResult
        fields = [
            "id",
            "cluster",
            "report",
            "report_version",
            "is_latest",
            "year",
            "code",
            "code_display",
            "status",
            "status_display",
            "reason",
            "companies",
            "data",
            "computed_at",
        ]


class TotalSerializer(serializers.Serializer):
    code = serializers.CharField()
    value = serializers.FloatField(allow_null=True, help_text="Сумма по кластерам (для процентов — ставка)")
    clusters = serializers.IntegerField(help_text="Сколько кластеров сообщили значение")


class YearTotalsSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    indicators = TotalSerializer(many=True)


class LiveTotalsSerializer(serializers.Serializer):
    clusters = serializers.IntegerField()
    member_count = serializers.IntegerField()
    dues_invoiced_kopecks = serializers.IntegerField()
    dues_paid_kopecks = serializers.IntegerField()
    dues_collection_rate = serializers.FloatField(allow_null=True)
    roadmap_items_total = serializers.IntegerField()
    roadmap_items_done = serializers.IntegerField()
    roadmap_completion = serializers.FloatField(allow_null=True)
    updated_at = serializers.DateTimeField(allow_null=True)
    projects_total = serializers.IntegerField()
    projects_active = serializers.IntegerField()
    project_shortfalls = serializers.IntegerField(help_text="Целевых показателей проектов ниже плана")
    support_granted_kopecks = serializers.IntegerField()
    support_received_kopecks = serializers.IntegerField()


class RegionProjectsSerializer(serializers.Serializer):
    region = serializers.CharField()
    clusters = serializers.IntegerField()
    projects = serializers.IntegerField()
    shortfalls = serializers.IntegerField()
    support_granted_kopecks = serializers.IntegerField()
    support_received_kopecks = serializers.IntegerField()


class DashboardSerializer(serializers.Serializer):
    year = serializers.IntegerField(allow_null=True)
    years = serializers.ListField(child=serializers.IntegerField())
    live = LiveTotalsSerializer()
    totals = YearTotalsSerializer(many=True, help_text="Год к году: показатели отправленных отчётов")
    registry_checks = serializers.DictField(
        child=serializers.IntegerField(), help_text="Кластеров по итогу проверки: pass, fail, no_data, none"
    )
    regions = RegionProjectsSerializer(many=True, help_text="Совместные проекты и господдержка по регионам")


class FederalProjectIndicatorSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    name = serializers.CharField()
    unit = serializers.CharField()
    planned = serializers.CharField(help_text="План в единице показателя (деньги — рубли)")
    actual = serializers.CharField(allow_null=True)
    status = serializers.CharField()
    shortfall_percent = serializers.CharField(
        allow_null=True, help_text="Недовыполнение плана, %; null — нет"
    )


class FederalProjectSerializer(serializers.ModelSerializer):
    """A cluster's joint project: its cluster and region(s), budget, support (kopecks) and indicators."""

    cluster = serializers.CharField(source="cluster.schema_name", help_text="Код кластера (slug)")
    cluster_name = serializers.CharField(source="cluster.name")
    region_codes = serializers.ListField(source="cluster.region_codes", child=serializers.CharField())
    regions = serializers.SerializerMethodField()
    indicators = FederalProjectIndicatorSerializer(many=True)

    class Meta:
        model = FederalProject
        fields = [
            "id",
            "cluster",
            "cluster_name",
            "region_codes",
            "regions",
            "project_id",
            "title",
            "kind",
            "status",
            "status_label",
            "period_start",
            "period_end",
            "lead",
            "participants",
            "budget_kopecks",
            "budget_by_source",
            "support_requested_kopecks",
            "support_granted_kopecks",
            "support_received_kopecks",
            "support_measures",
            "shortfalls",
            "worst_shortfall_percent",
            "indicators",
            "updated_at",
        ]

    def get_regions(self, project: FederalProject) -> list[str]:
        return [region_name(code) for code in project.cluster.region_codes]
