"""Import and export: the member list as XLSX, and companies loaded from a file in a
background job whose progress the page polls."""

from __future__ import annotations

from django.http import HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from core.audit.services import Actor
from frontend.access import or_404
from frontend.jobs import job_status_response
from frontend.pages import form_page
from tenants.http import ClusterHttpRequest
from tenants.members.company_export import CONTENT_TYPE, companies_xlsx, export_filename
from tenants.members.company_import import import_job_create
from tenants.members.selectors import company_list, company_search, import_job_get, import_jobs_recent

from ..forms import ImportForm
from .common import access_of, managers
from .listing import list_filters


@managers
@require_GET
def member_export(request: ClusterHttpRequest) -> HttpResponse:
    qs = company_search(company_list(access=access_of(request)), **list_filters(request))
    response = HttpResponse(companies_xlsx(qs.iterator(chunk_size=500)), content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{export_filename()}"'
    return response


@managers
@require_http_methods(["GET", "POST"])
def import_page(request: ClusterHttpRequest) -> HttpResponseBase:
    return form_page(
        request,
        form=ImportForm(request.POST or None, request.FILES or None),
        save=lambda data: import_job_create(actor=Actor.from_request(request), file=data["file"]),
        success=lambda job: reverse("members:import_job", args=[job.pk]),
        template="frontend/members/import.html",
        context={"jobs": import_jobs_recent()},
    )


@managers
@require_GET
def import_job(request: ClusterHttpRequest, job_id: int) -> HttpResponse:
    job = or_404(import_job_get(job_id=job_id))
    return render(request, "frontend/members/import_job.html", {"job": job, "data": job.status_payload()})


@managers
@require_GET
def import_status(request: ClusterHttpRequest, job_id: int) -> JsonResponse:
    return job_status_response(or_404(import_job_get(job_id=job_id)))
