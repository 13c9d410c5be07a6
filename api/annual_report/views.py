"""/api/v1/annual-reports/: the cluster's annual report — drafts, the computed figures, submission,
submitted versions.

Cluster admins read and write; cluster staff read; member representatives and other clusters'
users get nothing (403, or 404 for another cluster's version). Money values are kopecks
(integers); a string value is read as typed in the UI (money: roubles «1 234 567,89»).
"""

from __future__ import annotations

from typing import Any, cast

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from api.base import ClusterViewSet
from core.accounts.models import Grant
from core.federal.compute import ComputedReport, value_to_json
from core.federal.models import AnnualReport
from core.federal.selectors import annual_report_list, form_years
from tenants.http import ClusterHttpRequest
from tenants.models import Cluster
from tenants.reporting import services as reporting
from tenants.reporting.selectors import (
    annual_report_draft_get,
    annual_report_draft_list,
    annual_report_preview,
)

from .serializers import (
    DraftInputSerializer,
    DraftListItemSerializer,
    ReportDetailSerializer,
    ReportListSerializer,
    SubmitInputSerializer,
)

READ_ROLES = frozenset({Grant.Role.CLUSTER_ADMIN, Grant.Role.CLUSTER_STAFF})
WRITE_ROLES = frozenset({Grant.Role.CLUSTER_ADMIN})


def _computed_json(computed: ComputedReport, *, comments: str, with_rows: bool) -> dict[str, Any]:
    figures = []
    for f in computed.figures:
        item = {
            "code": f.code,
            "name_ru": f.name_ru,
            "name_en": f.name_en,
            "unit": f.unit,
            "value_type": f.value_type,
            "method": f.method,
            "source": f.source,
            "required": f.required,
            "value": value_to_json(f.value),
            "display": f.display,
            "numerator": value_to_json(f.numerator),
            "denominator": value_to_json(f.denominator),
            "note": f.note,
            "comment": f.comment,
            "entered_text": f.raw if f.takes_input else None,
            "error": f.error or None,
            "row_count": len(f.rows),
        }
        if with_rows:
            item["rows"] = [r.as_json() for r in f.rows]
        figures.append(item)
    return {
        "year": computed.year,
        "form": {"id": computed.form.pk, "year": computed.form.year, "version": computed.form.version}
        if computed.form
        else None,
        "figures": figures,
        "checks": [c.as_json() for c in computed.checks],
        "errors": computed.errors,
        "is_valid": computed.is_valid,
        "comments": comments,
        "computed_at": computed.computed_at.isoformat(),
    }


class AnnualReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ClusterViewSet):
    read_roles = READ_ROLES
    write_roles = WRITE_ROLES
    lookup_value_regex = r"\d+"
    filterset_fields = ["year", "is_latest"]
    search_fields = ["comments", "correction_reason", "submitted_by_email"]
    ordering_fields = ["year", "version", "submitted_at", "id"]
    ordering = ["-year", "-version"]

    def get_queryset(self) -> QuerySet[AnnualReport]:
        if getattr(self, "swagger_fake_view", False):
            return AnnualReport.objects.none()
        qs = annual_report_list(cluster=self.cluster)
        return qs.defer(None) if self.action == "retrieve" else qs

    def get_serializer_class(self) -> type[serializers.Serializer]:
        return ReportDetailSerializer if self.action in ("retrieve", "create") else ReportListSerializer

    @property
    def cluster(self) -> Cluster:
        """The host's cluster (OnClusterHost guarantees one)."""
        return cast(ClusterHttpRequest, self.request._request).cluster

    def _year(self, year: str) -> int:
        value = int(year)
        if value not in form_years():
            raise NotFound(f"Форма отчёта за {value} год не опубликована.")
        return value

    @extend_schema(
        request=SubmitInputSerializer,
        responses={201: ReportDetailSerializer},
        description="Отправить годовой отчёт (следующая версия). Для исправления уже отправленного "
        "отчёта обязательна причина (correction_reason). Только администраторы кластера.",
    )
    def create(self, request: Request) -> Response:
        fields = self.input(SubmitInputSerializer)
        report = reporting.annual_report_submit(
            actor=self.actor(),
            cluster=self.cluster,
            year=fields["year"],
            entered_values=fields["entered_values"],
            indicator_comments=fields["indicator_comments"],
            comments=fields["comments"],
            correction_reason=fields["correction_reason"],
        )
        return Response(ReportDetailSerializer(report).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        responses={200: DraftListItemSerializer(many=True)},
        description="Годы с опубликованной формой: есть ли черновик и последняя отправленная версия.",
    )
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def drafts(self, request: Request) -> Response:
        drafts = {d.year: d for d in annual_report_draft_list()}
        latest = {r.year: r for r in annual_report_list(cluster=self.cluster).filter(is_latest=True)}
        items = [
            {
                "year": y,
                "has_draft": y in drafts,
                "updated_at": drafts[y].updated_at if y in drafts else None,
                "latest_report_id": latest[y].pk if y in latest else None,
                "latest_version": latest[y].version if y in latest else None,
            }
            for y in form_years()
        ]
        return Response(DraftListItemSerializer(items, many=True).data)

    @extend_schema(
        methods=["GET"],
        responses={200: OpenApiTypes.OBJECT},
        parameters=[OpenApiParameter("rows", OpenApiTypes.BOOL, description="с расшифровкой строк")],
        description="Отчёт за год, как он был бы отправлен сейчас: рассчитанные показатели, введённые "
        "значения, ошибки, проверки реестра.",
    )
    @extend_schema(
        methods=["PUT"],
        request=DraftInputSerializer,
        responses={200: OpenApiTypes.OBJECT},
        description="Сохранить черновик: введённые значения и комментарии (администраторы кластера).",
    )
    @action(
        detail=False,
        methods=["get", "put"],
        url_path=r"drafts/(?P<year>\d{4})",
        pagination_class=None,
        filter_backends=[],
    )
    def draft(self, request: Request, year: str) -> Response:
        cluster = self.cluster
        value = self._year(year)
        if request.method == "PUT":
            fields = self.input(DraftInputSerializer)
            reporting.annual_report_draft_save(
                actor=self.actor(),
                cluster=cluster,
                year=value,
                entered_values=fields["entered_values"],
                indicator_comments=fields["indicator_comments"],
                comments=fields["comments"],
            )
        draft = annual_report_draft_get(year=value)
        computed = annual_report_preview(cluster=cluster, year=value)
        return Response(
            _computed_json(
                computed,
                comments=draft.comments if draft else "",
                with_rows=request.query_params.get("rows") in {"1", "true"},
            )
        )
