"""/api/v1/federal/: the ministry's read-only API on the public host (clusters, submitted reports,
the dashboard's totals, registry checks).

Federal users and platform admins see every cluster; regional users the clusters of their regions
(an interregional cluster in each). Out-of-scope objects answer 404, as missing ones do. Only
submitted reports and the warehouse's figures are served: drafts never leave the clusters, and no
request here reads a cluster's schema.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.base import PlatformAPIMixin
from api.permissions import IsMinistryOrPlatformAdmin
from core.accounts.selectors import MinistryScope, user_ministry_scope
from core.federal import dashboard as selectors
from core.federal.models import AnnualReport, FederalProject, RegistryCheckResult
from tenants.models import Cluster

from .serializers import (
    DashboardSerializer,
    FederalClusterSerializer,
    FederalProjectSerializer,
    RegistryCheckSerializer,
    ReportDetailSerializer,
    ReportListSerializer,
    number,
)


def _scope(request: Request) -> MinistryScope:
    scope = user_ministry_scope(request.user)
    if scope is None:  # the permission class already refused; never widen by accident
        return MinistryScope(federal=False, region_codes=frozenset())
    return scope


def _choice_params_check(request: Request) -> None:
    """The documented enumerations and the year: a value outside them is refused (400), not ignored."""
    choices = {
        "kind": Cluster.Kind.values,
        "registry_status": Cluster.RegistryStatus.values,
        "checks": list(selectors.CHECK_STATUSES),
    }
    errors = {
        name: [f"Допустимые значения: {', '.join(allowed)}."]
        for name, allowed in choices.items()
        if request.query_params.get(name, "") not in ("", *allowed)
    }
    year = request.query_params.get("year", "")
    if year and not (year.isascii() and year.isdigit()):
        errors["year"] = ["Укажите год числом, например 2024."]
    if errors:
        raise ValidationError(errors)


def _filters(request: Request) -> selectors.Filters:
    _choice_params_check(request)
    params = dict(request.query_params.items())
    params.setdefault("q", params.get("search", ""))
    params.setdefault("registry", params.get("registry_status", ""))
    return selectors.Filters.from_params(params)


class FederalAPIMixin(PlatformAPIMixin):
    permission_classes: Any = [*PlatformAPIMixin.permission_classes, IsMinistryOrPlatformAdmin]
    filter_backends: Any = []  # filters below are explicit query parameters


FILTER_PARAMETERS = [
    OpenApiParameter(
        "year",
        OpenApiTypes.INT,
        description="Год отчёта (по умолчанию — последний, за который есть отправленные отчёты)",
    ),
    OpenApiParameter("region", OpenApiTypes.STR, description="Код региона ISO 3166-2:RU, например RU-MOS"),
    OpenApiParameter("kind", OpenApiTypes.STR, enum=Cluster.Kind.values, description="Тип кластера"),
    OpenApiParameter(
        "registry_status",
        OpenApiTypes.STR,
        enum=Cluster.RegistryStatus.values,
        description="Статус в реестре Минпромторга",
    ),
    OpenApiParameter(
        "checks",
        OpenApiTypes.STR,
        enum=list(selectors.CHECK_STATUSES),
        description="Итог проверки требований реестра по отчёту за год (none — нет отчёта)",
    ),
    OpenApiParameter("search", OpenApiTypes.STR, description="Часть названия или кода кластера"),
]


# --- clusters -------------------------------------------------------------------------------


CLUSTER_ORDERING = OpenApiParameter(
    "ordering",
    OpenApiTypes.STR,
    enum=list(selectors.ORDERINGS),
    description="Сортировка: name, region, members, revenue, employees, export, dues, roadmap, submitted, "
    "checks; «-» — по убыванию",
)


@extend_schema_view(
    list=extend_schema(parameters=[*FILTER_PARAMETERS, CLUSTER_ORDERING]),
    retrieve=extend_schema(parameters=[FILTER_PARAMETERS[0]]),
)
class FederalClusterViewSet(
    FederalAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
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
        return selectors.cluster_table(_scope(self.request), filters, self._year()).prefetch_related(
            "domains"
        )

    def get_serializer_context(self) -> dict[str, Any]:
        return {
            **super().get_serializer_context(),
            "year": self._year() if hasattr(self, "request") else None,
        }


# --- submitted reports ----------------------------------------------------------------------


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
    if raw:
        raise ValidationError({name: ["Укажите true или false."]})
    return None


def _int_param(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name, "").strip()
    if raw and not (raw.isascii() and raw.isdigit()):
        raise ValidationError({name: ["Укажите целое число."]})
    return int(raw) if raw else None


@extend_schema_view(list=extend_schema(parameters=REPORT_PARAMETERS))
class FederalReportViewSet(
    FederalAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
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


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("cluster", OpenApiTypes.STR, description="Код кластера (slug)"),
            OpenApiParameter("year", OpenApiTypes.INT, description="Год отчёта"),
            OpenApiParameter("status", OpenApiTypes.STR, enum=RegistryCheckResult.Status.values),
            OpenApiParameter("code", OpenApiTypes.STR, enum=RegistryCheckResult.Code.values),
            OpenApiParameter(
                "latest",
                OpenApiTypes.BOOL,
                description="По умолчанию true: проверки последних версий отчётов; false — всех версий",
            ),
        ]
    )
)
class FederalRegistryCheckViewSet(
    FederalAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
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


# --- joint projects -------------------------------------------------------------------------

PROJECT_ORDERINGS = {
    "cluster": ("cluster__name", "title", "project_id"),
    "title": ("title", "cluster__name", "id"),
    "-support": ("-support_received_kopecks", "cluster__name", "id"),
    "-shortfall": ("-worst_shortfall_percent", "cluster__name", "id"),
}


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("cluster", OpenApiTypes.STR, description="Код кластера (slug)"),
            OpenApiParameter(
                "region", OpenApiTypes.STR, description="Код региона ISO 3166-2:RU, например RU-MOS"
            ),
            OpenApiParameter(
                "status",
                OpenApiTypes.STR,
                description="Статус проекта (idea, approved, in_progress, done, stopped)",
            ),
            OpenApiParameter(
                "shortfall", OpenApiTypes.BOOL, description="true — только проекты с показателями ниже плана"
            ),
            OpenApiParameter("search", OpenApiTypes.STR, description="Часть названия проекта"),
            OpenApiParameter(
                "ordering",
                OpenApiTypes.STR,
                enum=list(PROJECT_ORDERINGS),
                description="Сортировка: cluster (по умолчанию), title, -support, -shortfall",
            ),
        ]
    )
)
class FederalProjectViewSet(
    FederalAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Joint projects of the clusters the user may see (warehouse rows, refreshed with the clusters'
    current figures): budget, state support asked / granted / received, target indicators plan vs actual."""

    serializer_class = FederalProjectSerializer

    def get_queryset(self) -> QuerySet[FederalProject]:
        if user_ministry_scope(self.request.user) is None:
            return FederalProject.objects.none()
        qs = selectors.scope_projects(_scope(self.request))
        if self.action != "list":
            return qs
        params = self.request.query_params
        if slug := params.get("cluster", "").strip():
            qs = qs.filter(cluster__schema_name=slug)
        if region := params.get("region", "").strip().upper():
            qs = qs.filter(cluster__region_codes__contains=[region])
        if status := params.get("status", "").strip():
            qs = qs.filter(status=status)
        if (shortfall := _bool_param(self.request, "shortfall")) is not None:
            qs = qs.filter(shortfalls__gt=0) if shortfall else qs.filter(shortfalls=0)
        if search := params.get("search", "").strip():
            qs = qs.filter(title__icontains=search[:100])
        ordering = params.get("ordering", "") or "cluster"
        if ordering not in PROJECT_ORDERINGS:  # documented enumeration: anything else is refused, not ignored
            raise ValidationError({"ordering": [f"Допустимые значения: {', '.join(PROJECT_ORDERINGS)}."]})
        return qs.order_by(*PROJECT_ORDERINGS[ordering])


# --- the dashboard --------------------------------------------------------------------------


class FederalDashboardView(FederalAPIMixin, APIView):
    """Totals for the ministry: current figures, year-over-year sums of the submitted reports and the
    registry-check summary, for the clusters the user may see (filters as in /federal/clusters/)."""

    @extend_schema(parameters=FILTER_PARAMETERS, responses=DashboardSerializer)
    def get(self, request: Request) -> Response:
        board = selectors.dashboard(_scope(request), _filters(request))
        live = board.live
        totals = [
            {
                "year": year,
                "indicators": [
                    {"code": code, "value": number(total.figure), "clusters": total.clusters}
                    for code, total in sorted(board.totals.get(year, {}).items())
                ],
            }
            for year in board.series_years
        ]
        data = {
            "year": board.year,
            "years": board.years,
            "live": {
                "clusters": live.clusters,
                "member_count": live.members,
                "dues_invoiced_kopecks": live.dues_invoiced_kopecks,
                "dues_paid_kopecks": live.dues_paid_kopecks,
                "dues_collection_rate": number(live.dues_rate),
                "roadmap_items_total": live.roadmap_items_total,
                "roadmap_items_done": live.roadmap_items_done,
                "roadmap_completion": number(live.roadmap_rate),
                "updated_at": live.updated_at,
                "projects_total": live.projects,
                "projects_active": live.projects_active,
                "project_shortfalls": live.project_shortfalls,
                "support_granted_kopecks": live.support_granted_kopecks,
                "support_received_kopecks": live.support_received_kopecks,
            },
            "totals": totals,
            "registry_checks": board.checks,
            "regions": board.regions,
        }
        return Response(DashboardSerializer(data).data)
