"""/api/v1/federal/: the ministry's read-only API on the public host (clusters, submitted reports,
the dashboard's totals, registry checks).

Federal users and platform admins see every cluster; regional users the clusters of their regions
(an interregional cluster in each). Out-of-scope objects answer 404, as missing ones do. Only
submitted reports and the warehouse's figures are served: drafts never leave the clusters, and no
request here reads a cluster's schema.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.base import PlatformAPIMixin
from api.clusters import ClusterCardSerializer
from api.permissions import IsMinistryOrPlatformAdmin
from core.accounts.selectors import MinistryScope, user_ministry_scope
from core.federal import dashboard as selectors
from core.federal.models import AnnualReport, RegistryCheckResult
from tenants.models import Cluster


def _scope(request: Request) -> MinistryScope:
    scope = user_ministry_scope(request.user)
    if scope is None:  # the permission class already refused; never widen by accident
        return MinistryScope(federal=False, region_codes=frozenset())
    return scope


def _filters(request: Request) -> selectors.Filters:
    params = dict(request.query_params.items())
    params.setdefault("q", params.get("search", ""))
    params.setdefault("registry", params.get("registry_status", ""))
    return selectors.Filters.from_params(params)


def _number(value: Decimal | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


class FederalAPIMixin(PlatformAPIMixin):
    permission_classes: Any = [*PlatformAPIMixin.permission_classes, IsMinistryOrPlatformAdmin]
    filter_backends: Any = []  # filters below are explicit query parameters


FILTER_PARAMETERS = [
    OpenApiParameter("year", OpenApiTypes.INT, description="Год отчёта (по умолчанию — последний, за который "
                                                            "есть отправленные отчёты)"),
    OpenApiParameter("region", OpenApiTypes.STR, description="Код региона ISO 3166-2:RU, например RU-MOS"),
    OpenApiParameter("kind", OpenApiTypes.STR, enum=Cluster.Kind.values, description="Тип кластера"),
    OpenApiParameter("registry_status", OpenApiTypes.STR, enum=Cluster.RegistryStatus.values,
                     description="Статус в реестре Минпромторга"),
    OpenApiParameter("checks", OpenApiTypes.STR, enum=list(selectors.CHECK_STATUSES),
                     description="Итог проверки требований реестра по отчёту за год (none — нет отчёта)"),
    OpenApiParameter("search", OpenApiTypes.STR, description="Часть названия или кода кластера"),
]


# --- clusters -------------------------------------------------------------------------------

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
    registry_checks = serializers.ChoiceField(source="check_status", choices=list(selectors.CHECK_STATUSES),
                                              read_only=True,
                                              help_text="Итог проверки требований реестра по отчёту за год")

    class Meta(ClusterCardSerializer.Meta):
        fields = [*ClusterCardSerializer.Meta.fields, "year", "report", "figures", "live", "registry_checks"]

    def get_year(self, obj: Cluster) -> int | None:
        return self.context.get("year")

    @extend_schema_field(ReportRefSerializer(allow_null=True))
    def get_report(self, obj: Any) -> dict[str, Any] | None:
        if obj.report_id is None:
            return None
        return ReportRefSerializer({"id": obj.report_id, "version": obj.report_version,
                                    "submitted_at": obj.report_submitted_at,
                                    "is_demo": bool(obj.report_is_demo)}).data

    @extend_schema_field(FiguresSerializer)
    def get_figures(self, obj: Any) -> dict[str, Any]:
        codes = (*selectors.TABLE_CODES, *selectors.RATE_CODES, selectors.MEMBERS)
        return {code: _number(getattr(obj, f"v_{code}", None)) for code in codes}

    @extend_schema_field(LiveSerializer(allow_null=True))
    def get_live(self, obj: Any) -> dict[str, Any] | None:
        if obj.live_updated_at is None:
            return None
        return LiveSerializer({
            "member_count": obj.live_members, "dues_invoiced_kopecks": obj.live_invoiced,
            "dues_paid_kopecks": obj.live_paid, "dues_collection_rate": _number(obj.live_dues_rate),
            "roadmap_items_total": obj.live_items_total, "roadmap_items_done": obj.live_items_done,
            "roadmap_completion": _number(obj.live_roadmap_rate), "updated_at": obj.live_updated_at,
        }).data


CLUSTER_ORDERING = OpenApiParameter(
    "ordering", OpenApiTypes.STR, enum=list(selectors.ORDERINGS),
    description="Сортировка: name, region, members, revenue, employees, export, dues, roadmap, submitted, "
                "checks; «-» — по убыванию")


@extend_schema_view(list=extend_schema(parameters=[*FILTER_PARAMETERS, CLUSTER_ORDERING]),
                    retrieve=extend_schema(parameters=[FILTER_PARAMETERS[0]]))
class FederalClusterViewSet(FederalAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                            viewsets.GenericViewSet):
    """Clusters the user may see, each with the year's submitted figures and the current ones."""

    serializer_class = FederalClusterSerializer
    lookup_field = "schema_name"
    lookup_url_kwarg = "slug"

    def _year(self) -> int | None:
        if not hasattr(self, "_chosen_year"):
            filters = _filters(self.request)
            self._chosen_year = selectors.chosen_year(filters, selectors.report_years(_scope(self.request)))
        return self._chosen_year

    def get_queryset(self) -> QuerySet[Cluster]:
        if user_ministry_scope(self.request.user) is None:
            return Cluster.objects.none()
        filters = _filters(self.request)
        if self.action == "retrieve":  # one cluster: the list's filters don't hide it
            filters = selectors.Filters(year=filters.year)
        return selectors.cluster_table(_scope(self.request), filters, self._year()).prefetch_related("domains")

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "year": self._year() if hasattr(self, "request") else None}


# --- submitted reports ----------------------------------------------------------------------

class ReportListSerializer(serializers.ModelSerializer):
    cluster = serializers.CharField(source="cluster.schema_name")
    cluster_name = serializers.CharField(source="cluster.name")
    form_version = serializers.IntegerField(source="form.version")

    class Meta:
        model = AnnualReport
        fields = ["id", "cluster", "cluster_name", "year", "version", "is_latest", "is_demo", "form_version",
                  "submitted_at", "submitted_by_email", "correction_reason"]


class ReportDetailSerializer(ReportListSerializer):
    class Meta(ReportListSerializer.Meta):
        fields = [*ReportListSerializer.Meta.fields, "comments", "values", "details", "checks"]


REPORT_PARAMETERS = [
    OpenApiParameter("cluster", OpenApiTypes.STR, description="Код кластера (slug)"),
    OpenApiParameter("year", OpenApiTypes.INT, description="Год отчёта"),
    OpenApiParameter("latest", OpenApiTypes.BOOL, description="true — только последние версии"),
]


def _bool_param(request: Request, name: str) -> bool | None:
    raw = request.query_params.get(name, "").strip().lower()
    if raw in {"1", "true", "yes"}:
        return True
    if raw in {"0", "false", "no"}:
        return False
    return None


def _int_param(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name, "").strip()
    return int(raw) if raw.isdigit() else None


@extend_schema_view(list=extend_schema(parameters=REPORT_PARAMETERS))
class FederalReportViewSet(FederalAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                           viewsets.GenericViewSet):
    """Submitted annual reports, every version (a correction is a new version with its reason)."""

    def get_serializer_class(self) -> type[serializers.Serializer]:
        return ReportDetailSerializer if self.action == "retrieve" else ReportListSerializer

    def get_queryset(self) -> QuerySet[AnnualReport]:
        if user_ministry_scope(self.request.user) is None:
            return AnnualReport.objects.none()
        qs = selectors.submitted_reports(_scope(self.request))
        if self.action != "list":
            return qs
        if slug := self.request.query_params.get("cluster", "").strip():
            qs = qs.filter(cluster__schema_name=slug)
        if (year := _int_param(self.request, "year")) is not None:
            qs = qs.filter(year=year)
        if (latest := _bool_param(self.request, "latest")) is not None:
            qs = qs.filter(is_latest=latest)
        return qs.defer("values", "details", "checks")


# --- registry checks ------------------------------------------------------------------------

class RegistryCheckSerializer(serializers.ModelSerializer):
    cluster = serializers.CharField(source="cluster.schema_name")
    report_version = serializers.IntegerField(source="report.version")
    is_latest = serializers.BooleanField(source="report.is_latest")
    code_display = serializers.CharField(source="get_code_display")
    status_display = serializers.CharField(source="get_status_display")

    class Meta:
        model = RegistryCheckResult
        fields = ["id", "cluster", "report", "report_version", "is_latest", "year", "code", "code_display",
                  "status", "status_display", "reason", "companies", "data", "computed_at"]


@extend_schema_view(list=extend_schema(parameters=[
    OpenApiParameter("cluster", OpenApiTypes.STR, description="Код кластера (slug)"),
    OpenApiParameter("year", OpenApiTypes.INT, description="Год отчёта"),
    OpenApiParameter("status", OpenApiTypes.STR, enum=RegistryCheckResult.Status.values),
    OpenApiParameter("code", OpenApiTypes.STR, enum=RegistryCheckResult.Code.values),
    OpenApiParameter("latest", OpenApiTypes.BOOL,
                     description="По умолчанию true: проверки последних версий отчётов; false — всех версий"),
]))
class FederalRegistryCheckViewSet(FederalAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                                  viewsets.GenericViewSet):
    """Decree No. 779 checks as submitted with the reports (pass / fail / no_data, reason, companies)."""

    serializer_class = RegistryCheckSerializer

    def get_queryset(self) -> QuerySet[RegistryCheckResult]:
        if user_ministry_scope(self.request.user) is None:
            return RegistryCheckResult.objects.none()
        qs = selectors.submitted_checks(_scope(self.request))
        if self.action != "list":
            return qs
        if slug := self.request.query_params.get("cluster", "").strip():
            qs = qs.filter(cluster__schema_name=slug)
        if (year := _int_param(self.request, "year")) is not None:
            qs = qs.filter(report__year=year)
        if status := self.request.query_params.get("status", "").strip():
            qs = qs.filter(status=status)
        if code := self.request.query_params.get("code", "").strip():
            qs = qs.filter(code=code)
        if _bool_param(self.request, "latest") is not False:
            qs = qs.filter(report__is_latest=True)
        return qs


# --- the dashboard --------------------------------------------------------------------------

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


class DashboardSerializer(serializers.Serializer):
    year = serializers.IntegerField(allow_null=True)
    years = serializers.ListField(child=serializers.IntegerField())
    live = LiveTotalsSerializer()
    totals = YearTotalsSerializer(many=True, help_text="Год к году: показатели отправленных отчётов")
    registry_checks = serializers.DictField(child=serializers.IntegerField(),
                                            help_text="Кластеров по итогу проверки: pass, fail, no_data, none")


class FederalDashboardView(FederalAPIMixin, APIView):
    """Totals for the ministry: current figures, year-over-year sums of the submitted reports and the
    registry-check summary, for the clusters the user may see (filters as in /federal/clusters/)."""

    @extend_schema(parameters=FILTER_PARAMETERS, responses=DashboardSerializer)
    def get(self, request: Request) -> Response:
        board = selectors.dashboard(_scope(request), _filters(request))
        live = board.live
        totals = [{"year": year, "indicators": [
            {"code": code, "value": _number(total.figure), "clusters": total.clusters}
            for code, total in sorted(board.totals.get(year, {}).items())]}
            for year in board.series_years]
        data = {
            "year": board.year, "years": board.years,
            "live": {"clusters": live.clusters, "member_count": live.members,
                     "dues_invoiced_kopecks": live.dues_invoiced_kopecks, "dues_paid_kopecks": live.dues_paid_kopecks,
                     "dues_collection_rate": _number(live.dues_rate),
                     "roadmap_items_total": live.roadmap_items_total, "roadmap_items_done": live.roadmap_items_done,
                     "roadmap_completion": _number(live.roadmap_rate), "updated_at": live.updated_at},
            "totals": totals, "registry_checks": board.checks,
        }
        return Response(DashboardSerializer(data).data)
