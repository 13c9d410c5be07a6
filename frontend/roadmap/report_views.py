"""The roadmap's yearly report as a download: /roadmap/<pk>/report/?format=docx|xlsx|pdf."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.accounts.models import Grant
from core.audit.services import Actor
from frontend.access import cluster_page, not_found
from tenants.roadmap import selectors, services
from tenants.roadmap.models import ReportJob
from tenants.roadmap.report import CONTENT_TYPES, DEFAULT_FORMAT, roadmap_report


@cluster_page(Grant.CLUSTER_ROLES)
@require_GET
def roadmap_report_download(request: HttpRequest, pk: int) -> HttpResponse:
    fmt = request.GET.get("format", DEFAULT_FORMAT)
    if fmt not in CONTENT_TYPES:
        return render(request, "frontend/status_page.html", {
            "status": 400, "title": _("Неизвестный формат отчёта"),
            "message": _("Выберите формат отчёта: DOCX, XLSX или PDF."),
        }, status=400)
    roadmap = selectors.roadmap_get(roadmap_id=pk)
    if roadmap is None:
        return not_found(request)
    if services.report_in_background(roadmap=roadmap, fmt=fmt):
        return render(request, "frontend/roadmap/report_job_start.html", {
            "roadmap": roadmap, "format": fmt, "item_count": roadmap.items.count(),
            "jobs": selectors.report_jobs(roadmap=roadmap, fmt=fmt, limit=5)})
    report = roadmap_report(roadmap, fmt, cluster=request.cluster)  # type: ignore[attr-defined]
    response = HttpResponse(report.content, content_type=report.content_type)
    response["Content-Disposition"] = report.content_disposition
    return response


@cluster_page(Grant.CLUSTER_ROLES)
@require_POST
def report_job_create(request: HttpRequest, pk: int) -> HttpResponse:
    roadmap = selectors.roadmap_get(roadmap_id=pk)
    if roadmap is None:
        return not_found(request)
    try:
        job = services.report_job_start(actor=Actor.from_request(request), roadmap=roadmap,
                                        fmt=request.POST.get("format", DEFAULT_FORMAT))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("roadmap:detail", pk=roadmap.pk)
    return redirect("roadmap:report_job", pk=roadmap.pk, job_id=job.pk)


def _job_data(job: ReportJob) -> dict[str, Any]:
    percent = {"queued": 0, "running": 50}.get(job.status, 100)
    return {"id": job.pk, "status": job.status, "status_display": str(job.get_status_display()),
            "percent": percent, "finished": job.is_finished, "error": job.error}


@cluster_page(Grant.CLUSTER_ROLES)
@require_GET
def report_job(request: HttpRequest, pk: int, job_id: int) -> HttpResponse:
    job = selectors.report_job_get(roadmap_id=pk, job_id=job_id)
    if job is None:
        return not_found(request)
    return render(request, "frontend/roadmap/report_job.html", {"job": job, "data": _job_data(job)})


@cluster_page(Grant.CLUSTER_ROLES)
@require_GET
def report_job_status(request: HttpRequest, pk: int, job_id: int) -> HttpResponse:
    job = selectors.report_job_get(roadmap_id=pk, job_id=job_id)
    if job is None:
        return JsonResponse({"detail": _("Такого отчёта нет.")}, status=404)
    return JsonResponse(_job_data(job), json_dumps_params={"ensure_ascii": False})


@cluster_page(Grant.CLUSTER_ROLES)
@require_GET
def report_job_file(request: HttpRequest, pk: int, job_id: int) -> HttpResponseBase:
    job = selectors.report_job_get(roadmap_id=pk, job_id=job_id)
    if job is None or not job.is_ready:
        return not_found(request)
    return FileResponse(job.file.open("rb"), as_attachment=True, filename=job.filename,
                        content_type=job.content_type)
