"""GET /api/v1/roadmaps/{id}/report/?format=docx|xlsx|pdf — the roadmap's yearly report.

The six-column table of the roadmap («Отчет о работе … за 2018 год») as a Russian DOCX, XLSX
or PDF file (pdf when no format is given). Any role of the cluster reads. An unknown format
answers 400; another cluster's roadmap answers 404, as a missing one does.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.exceptions import ValidationError as APIValidationError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request

from tenants.roadmap import selectors
from tenants.roadmap.report import CONTENT_TYPES, DEFAULT_FORMAT, FORMAT_ERROR, roadmap_report

from .base import ClusterGenericAPIView
from .permissions import ANY_CLUSTER_ROLE


class ReportNegotiation(DefaultContentNegotiation):
    """?format= names the report's file type here, not a DRF renderer: errors stay JSON."""

    def select_renderer(self, request: Request, renderers: Any, format_suffix: str | None = None) -> Any:
        renderer = renderers[0]
        return renderer, renderer.media_type


class RoadmapReportView(ClusterGenericAPIView):
    read_roles = ANY_CLUSTER_ROLE
    renderer_classes = [JSONRenderer]
    content_negotiation_class = ReportNegotiation
    pagination_class = None
    filter_backends: list[Any] = []

    @extend_schema(
        parameters=[OpenApiParameter("format", str, enum=list(CONTENT_TYPES),
                                     description="Тип файла: docx, xlsx или pdf (pdf по умолчанию)")],
        responses={**{(200, content_type): OpenApiTypes.BINARY for content_type in CONTENT_TYPES.values()},
                   400: OpenApiResponse(description="Неизвестный формат"),
                   404: OpenApiResponse(description="Дорожная карта не найдена")},
        description="Отчёт о работе по дорожной карте: шестиколоночная таблица (№, наименование мероприятия, "
                    "исполнители, сроки, ожидаемый результат, результат) с разделами, на русском языке.",
    )
    def get(self, request: Request, pk: int) -> HttpResponse:
        fmt = request.query_params.get("format", DEFAULT_FORMAT)
        if fmt not in CONTENT_TYPES:
            raise APIValidationError({"format": [FORMAT_ERROR]})
        roadmap = selectors.roadmap_get(roadmap_id=pk)
        if roadmap is None:
            raise NotFound("Дорожная карта не найдена.")
        report = roadmap_report(roadmap, fmt, cluster=request.cluster)  # type: ignore[attr-defined]
        response = HttpResponse(report.content, content_type=report.content_type)
        response["Content-Disposition"] = report.content_disposition
        return response
