"""The roadmap's yearly report as a download: /roadmap/<pk>/report/?format=docx|xlsx|pdf."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from core.accounts.models import Grant
from frontend.access import cluster_page, not_found
from tenants.roadmap import selectors
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
    report = roadmap_report(roadmap, fmt, cluster=request.cluster)  # type: ignore[attr-defined]
    response = HttpResponse(report.content, content_type=report.content_type)
    response["Content-Disposition"] = report.content_disposition
    return response
