"""The roadmap's yearly report as a download: /roadmap/<pk>/report/?format=docx|xlsx|pdf, and a
large PDF ordered as a background job (its page, status JSON and file)."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.audit.services import Actor
from frontend.access import READERS, cluster_page, or_404
from frontend.jobs import job_status_response
from frontend.pages import action
from tenants.http import ClusterHttpRequest
from tenants.roadmap import selectors, services
from tenants.roadmap.report import CONTENT_TYPES, DEFAULT_FORMAT, roadmap_report


@cluster_page(READERS)
@require_GET
def roadmap_report_download(request: ClusterHttpRequest, pk: int) -> HttpResponse:
    fmt = request.GET.get("format", DEFAULT_FORMAT)
    if fmt not in CONTENT_TYPES:
        return render(
            request,
            "frontend/status_page.html",
            {
                "status": 400,
                "title": _("Неизвестный формат отчёта"),
                "message": _("Выберите формат отчёта: DOCX, XLSX или PDF."),
            },
            status=400,
        )
    roadmap = or_404(selectors.roadmap_get(roadmap_id=pk))
    if services.report_in_background(roadmap=roadmap, fmt=fmt):
        return render(
            request,
            "frontend/roadmap/report_job_start.html",
            {
                "roadmap": roadmap,
                "format": fmt,
                "item_count": roadmap.items.count(),
                "jobs": selectors.report_jobs(roadmap=roadmap, fmt=fmt, limit=5),
            },
        )
    report = roadmap_report(roadmap, fmt, cluster=request.cluster)
    response = HttpResponse(report.content, content_type=report.content_type)
    response["Content-Disposition"] = report.content_disposition
    return response


@cluster_page(READERS)
@require_POST
def report_job_create(request: ClusterHttpRequest, pk: int) -> HttpResponseBase:
    roadmap = or_404(selectors.roadmap_get(roadmap_id=pk))
    return action(
        request,
        lambda: services.report_job_start(
            actor=Actor.from_request(request), roadmap=roadmap, fmt=request.POST.get("format", DEFAULT_FORMAT)
        ),
        success=lambda job: reverse("roadmap:report_job", args=[roadmap.pk, job.pk]),
        failure=reverse("roadmap:detail", args=[roadmap.pk]),
    )


@cluster_page(READERS)
@require_GET
def report_job(request: ClusterHttpRequest, pk: int, job_id: int) -> HttpResponse:
    job = or_404(selectors.report_job_get(roadmap_id=pk, job_id=job_id))
    return render(request, "frontend/roadmap/report_job.html", {"job": job})


@cluster_page(READERS)
@require_GET
def report_job_status(request: ClusterHttpRequest, pk: int, job_id: int) -> HttpResponse:
    return job_status_response(or_404(selectors.report_job_get(roadmap_id=pk, job_id=job_id)))


@cluster_page(READERS)
@require_GET
def report_job_file(request: ClusterHttpRequest, pk: int, job_id: int) -> HttpResponseBase:
    job = or_404(selectors.report_job_get(roadmap_id=pk, job_id=job_id))
    if not job.is_ready:
        raise Http404
    return FileResponse(
        job.file.open("rb"), as_attachment=True, filename=job.filename, content_type=job.content_type
    )
