"""Yearly figures (KPI reports): the list, a draft for a year, a report and its steps."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.audit.services import Actor
from core.clock import cluster_today
from frontend import pages
from frontend.access import or_404
from frontend.pages import form_page
from frontend.tables import Filter, list_controls, search
from tenants.http import ClusterHttpRequest
from tenants.members import services
from tenants.members.models import KpiReport
from tenants.members.selectors import kpi_get, kpi_list, kpi_years

from ..forms import KpiCreateForm, KpiForm, KpiReturnForm
from .common import PAGE_SIZE, access_of, company_or_404, detail_url, readers

# Sortable columns of the figures list (?sort=key / -key); newest year first by default. The old
# keys year, company and revenue keep working (each now ascending, -key descending).
KPI_COLUMNS: dict[str, tuple[str, ...]] = {
    "year": ("year", "company__short_name", "id"),
    "company": ("company__short_name", "-year", "id"),
    "revenue": ("revenue", "id"),
    "investment": ("investment", "id"),
    "employees": ("employees", "id"),
    "status": ("status", "-year", "company__short_name", "id"),
}


@readers
@require_GET
def kpis(request: ClusterHttpRequest) -> HttpResponse:
    access = access_of(request)
    listing = list_controls(
        request,
        columns=KPI_COLUMNS,
        default="-year",
        filters=(
            search(_("Организация")),
            Filter(
                "year",
                _("Год"),
                choices=[(y, y) for y in kpi_years(access=access)],
                placeholder=_("Все годы"),
            ),
            Filter(
                "status", _("Состояние"), choices=KpiReport.Status.choices, placeholder=_("Все состояния")
            ),
        ),
        page_size=PAGE_SIZE,
    )
    year, status, query = (listing.values[k] for k in ("year", "status", "q"))
    qs = kpi_list(access=access)
    if year.isdigit():
        qs = qs.filter(year=int(year))
    if status in KpiReport.Status.values:
        qs = qs.filter(status=status)
    if query:
        qs = qs.filter(company__short_name__icontains=query)
    return render(
        request,
        "frontend/members/kpis.html",
        {
            "page": listing.page(qs),
            "listing": listing,
            "sorting": listing.sorting,
            "manager": access.manager,
        },
    )


@readers
@require_http_methods(["GET", "POST"])
def kpi_create(request: ClusterHttpRequest, pk: int) -> HttpResponseBase:
    company = company_or_404(request, pk)
    return form_page(
        request,
        form=KpiCreateForm(request.POST or None, initial={"year": cluster_today(request.cluster).year - 1}),
        save=lambda data: services.kpi_create(actor=Actor.from_request(request), company=company, **data),
        success=lambda report: reverse("members:kpi", args=[report.pk]),
        message=lambda report: (
            _("Показатели за %(year)s год сохранены как черновик.") % {"year": report.year}
        ),
        title=_("Показатели за год: %(name)s") % {"name": company},
        cancel=detail_url(company.pk, "kpis"),
        intro=_("Суммы — в рублях с копейками, например «1 234 567,89»."),
    )


@readers
@require_http_methods(["GET", "POST"])
def kpi_detail(request: ClusterHttpRequest, report_id: int) -> HttpResponseBase:
    access = access_of(request)
    report = or_404(kpi_get(report_id=report_id, access=access))
    editable = report.status != KpiReport.Status.ACCEPTED and (
        access.manager or report.status == KpiReport.Status.DRAFT
    )
    context = {
        "report": report,
        "manager": access.manager,
        "return_form": KpiReturnForm(),
        "figures": [
            (
                getattr(KpiReport._meta.get_field(name), "verbose_name", name),
                getattr(report, name),
                name in KpiReport.MONEY_FIELDS,
            )
            for name in (*KpiReport.MONEY_FIELDS, *KpiReport.COUNT_FIELDS)
        ],
    }
    if not editable:
        if request.method == "POST":
            raise PermissionDenied(_("Эти показатели сейчас изменить нельзя."))
        return render(request, "frontend/members/kpi.html", {**context, "form": None})
    return form_page(
        request,
        form=KpiForm(request.POST or None, initial=KpiForm.initial_for(report)),
        save=lambda data: services.kpi_update(report=report, actor=Actor.from_request(request), **data),
        success=reverse("members:kpi", args=[report.pk]),
        message=_("Изменения сохранены."),
        template="frontend/members/kpi.html",
        context=context,
    )


KPI_DONE = {
    "submit": gettext_lazy("Показатели отправлены в кластер."),
    "accept": gettext_lazy("Показатели приняты."),
    "return": gettext_lazy("Показатели возвращены в черновик."),
    "delete": gettext_lazy("Черновик показателей удалён."),
}


def _kpi_call(request: ClusterHttpRequest, report: KpiReport, name: str) -> Callable[[], Any]:
    actor = Actor.from_request(request)
    calls: dict[str, Callable[[], Any]] = {
        "submit": lambda: services.kpi_submit(report=report, actor=actor),
        "accept": lambda: services.kpi_accept(report=report, actor=actor),
        "return": lambda: services.kpi_return(
            report=report, actor=actor, reason=request.POST.get("reason", "")
        ),
        "delete": lambda: services.kpi_delete(report=report, actor=actor),
    }
    return calls[name]


@readers
@require_POST
def kpi_action(request: ClusterHttpRequest, report_id: int, action: str) -> HttpResponseBase:
    report = or_404(kpi_get(report_id=report_id, access=access_of(request)))
    if action not in KPI_DONE:
        raise Http404
    here = reverse("members:kpi", args=[report.pk])
    return pages.action(
        request,
        _kpi_call(request, report, action),
        message=KPI_DONE[action],
        failure=here,
        success=detail_url(report.company_id, "kpis") if action == "delete" else here,
    )
