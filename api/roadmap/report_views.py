"""GET /api/v1/roadmaps/{id}/report/?format=docx|xlsx|pdf — the roadmap's yearly report, and
/api/v1/roadmaps/{id}/report-jobs/ to order the same file made in the background.

The six-column table of the roadmap («Отчет о работе … за 2018 год») as a Russian DOCX, XLSX
or PDF file (pdf when no format is given). Any role of the cluster reads. An unknown format
answers 400; another cluster's roadmap answers 404, as a missing one does. A PDF of a roadmap
above ROADMAP_REPORT_SYNC_MAX_ITEMS is never rendered in the request (tens of seconds of
WeasyPrint): as the page does, it is ordered as a report job and the answer is 202 with the job
(Location: the job; its file_url once done).
"""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.exceptions import ValidationError as APIValidationError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from api.base import ClusterGenericAPIView
from api.permissions import ANY_CLUSTER_ROLE
from api.roadmap.lookups import report_job_or_404, roadmap_or_404
from core.audit.services import Actor
from tenants.roadmap import selectors, services
from tenants.roadmap.models import ReportJob
from tenants.roadmap.report import CONTENT_TYPES, DEFAULT_FORMAT, FORMAT_ERROR, roadmap_report


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
        parameters=[
            OpenApiParameter(
                "format",
                str,
                enum=list(CONTENT_TYPES),
                description="Тип файла: docx, xlsx или pdf (pdf по умолчанию)",
            )
        ],
        responses={
            **{(200, content_type): OpenApiTypes.BINARY for content_type in CONTENT_TYPES.values()},
            202: OpenApiResponse(
                description="Большой PDF формируется в фоне: задание отчёта (заголовок Location — его адрес)"
            ),
            400: OpenApiResponse(description="Неизвестный формат"),
            404: OpenApiResponse(description="Дорожная карта не найдена"),
        },
        description="Отчёт о работе по дорожной карте: шестиколоночная таблица (№, наименование мероприятия, "
        "исполнители, сроки, ожидаемый результат, результат) с разделами, на русском языке. "
        "PDF большой дорожной карты заказывается в фоне: ответ 202 с заданием, как у report-jobs.",
    )
    def get(self, request: Request, pk: int) -> HttpResponse | Response:
        fmt = request.query_params.get("format", DEFAULT_FORMAT)
        if fmt not in CONTENT_TYPES:
            raise APIValidationError({"format": [FORMAT_ERROR]})
        roadmap = roadmap_or_404(pk)
        if services.report_in_background(roadmap=roadmap, fmt=fmt):
            job = services.report_job_start(actor=Actor.from_request(request), roadmap=roadmap, fmt=fmt)
            return Response(
                ReportJobSerializer(job).data,
                status=status.HTTP_202_ACCEPTED,
                headers={
                    "Location": reverse("api:roadmap-report-job", kwargs={"pk": roadmap.pk, "job_id": job.pk})
                },
            )
        report = roadmap_report(roadmap, fmt)  # the cluster of the request's schema
        response = HttpResponse(report.content, content_type=report.content_type)
        response["Content-Disposition"] = report.content_disposition
        return response


# --- reports made in the background (a PDF of thousands of rows takes tens of seconds) ----------


class ReportJobSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    file_url = serializers.SerializerMethodField()

    class Meta:
        model = ReportJob
        fields = [
            "id",
            "roadmap",
            "format",
            "status",
            "status_display",
            "error",
            "filename",
            "created_at",
            "finished_at",
            "file_url",
        ]
        read_only_fields = fields

    def get_file_url(self, job: ReportJob) -> str | None:
        if not job.is_ready:
            return None
        return reverse("api:roadmap-report-job-file", kwargs={"pk": job.roadmap_id, "job_id": job.pk})


class ReportJobOrderSerializer(serializers.Serializer):
    format = serializers.ChoiceField(
        choices=list(CONTENT_TYPES), default=DEFAULT_FORMAT, error_messages={"invalid_choice": FORMAT_ERROR}
    )


class _ReportJobBase(ClusterGenericAPIView):
    read_roles = ANY_CLUSTER_ROLE
    write_roles = ANY_CLUSTER_ROLE  # anyone who may read the report may order its file
    pagination_class = None
    filter_backends: list[Any] = []


class RoadmapReportJobsView(_ReportJobBase):
    serializer_class = ReportJobSerializer

    @extend_schema(
        responses=ReportJobSerializer(many=True),
        description="Последние 20 заказанных файлов отчёта этой дорожной карты.",
    )
    def get(self, request: Request, pk: int) -> Response:
        jobs = selectors.report_jobs(roadmap=roadmap_or_404(pk))
        return Response(ReportJobSerializer(jobs, many=True).data)

    @extend_schema(
        request=ReportJobOrderSerializer,
        responses={202: ReportJobSerializer},
        description="Заказать файл отчёта; он формируется в фоне (Celery). Незавершённый заказ "
        "того же формата не повторяется: возвращается он же. Готовность — по GET задания, "
        "файл — по его file_url.",
    )
    def post(self, request: Request, pk: int) -> Response:
        data = ReportJobOrderSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        job = services.report_job_start(
            actor=Actor.from_request(request), roadmap=roadmap_or_404(pk), fmt=data.validated_data["format"]
        )
        return Response(ReportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class RoadmapReportJobView(_ReportJobBase):
    serializer_class = ReportJobSerializer

    def get(self, request: Request, pk: int, job_id: int) -> Response:
        return Response(ReportJobSerializer(report_job_or_404(pk, job_id)).data)


class RoadmapReportJobFileView(_ReportJobBase):
    renderer_classes = [JSONRenderer]
    content_negotiation_class = ReportNegotiation

    @extend_schema(
        responses={
            **{(200, content_type): OpenApiTypes.BINARY for content_type in CONTENT_TYPES.values()},
            404: OpenApiResponse(description="Отчёт не найден или ещё не готов"),
        }
    )
    def get(self, request: Request, pk: int, job_id: int) -> FileResponse:
        job = report_job_or_404(pk, job_id)
        if not job.is_ready:
            raise NotFound("Отчёт ещё не готов.")
        return FileResponse(
            job.file.open("rb"), as_attachment=True, filename=job.filename, content_type=job.content_type
        )
