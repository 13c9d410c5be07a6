"""Pages of the cluster's annual report (namespace "annual", prefix /annual-report/).

Cluster admins prepare and submit the report; cluster staff read it; nobody else sees a draft
(the admin rule is the services'). Submitted versions are snapshots in the public schema, always
filtered by this cluster.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Q
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from core.accounts.models import Grant
from core.accounts.selectors import user_cluster_roles
from core.audit.services import Actor
from core.clock import cluster_today
from core.federal.annual_report_pdf import annual_report_pdf, annual_report_pdf_filename, content_disposition
from core.federal.checks import default_year, registry_checks_compute
from core.federal.compute import ComputedReport, Figure, checks_from_snapshot, figures_from_snapshot
from core.federal.metrics import DrillRow
from core.federal.models import AnnualReport
from core.federal.selectors import annual_report_get, annual_report_latest, annual_report_list, form_years
from frontend.access import MANAGERS, cluster_page, or_404
from frontend.pages import form_page
from frontend.tables import Filter, list_controls, search
from tenants.http import ClusterHttpRequest
from tenants.reporting import services as reporting
from tenants.reporting.application_pack import ZIP_TYPE, application_pack
from tenants.reporting.models import AnnualReportDraft
from tenants.reporting.selectors import (
    annual_report_draft_get,
    annual_report_draft_list,
    annual_report_preview,
)

from .forms import REPORT_COMMENTS, DraftForm, SubmitForm

ADMINS = frozenset({Grant.Role.CLUSTER_ADMIN})
# Sortable columns of the submitted versions (?sort=key / -key), newest year first by default.
VERSION_COLUMNS: dict[str, tuple[str, ...]] = {
    "report_year": ("year", "version", "id"),
    "version": ("version", "year", "id"),
    "submitted_at": ("submitted_at", "id"),
    "by": ("submitted_by_email", "-submitted_at", "-id"),
}
# The sort select this list had: «year» meant newest years first, «submitted» latest sent first.
VERSION_LEGACY_SORTS = {
    "year": "-report_year",
    "-year": "report_year",
    "submitted": "-submitted_at",
    "-submitted": "submitted_at",
}
PAGE_SIZE = 20
ROWS_PAGE_SIZE = 50


def _is_admin(request: ClusterHttpRequest) -> bool:
    return Grant.Role.CLUSTER_ADMIN in user_cluster_roles(request.user, request.cluster)


def _prepared(request: ClusterHttpRequest, year: int) -> tuple[AnnualReportDraft | None, ComputedReport]:
    """The draft and the report being prepared for a year that has a published form and has
    begun (else the 404 page)."""
    if year not in form_years() or year > cluster_today().year:
        raise Http404
    draft = annual_report_draft_get(year=year)
    return draft, annual_report_preview(cluster=request.cluster, year=year, draft=draft)


@require_GET
@cluster_page(MANAGERS)
def index(request: ClusterHttpRequest) -> HttpResponse:
    """Year chooser, drafts and every submitted version (filter by year, search, sort, pages)."""
    cluster = request.cluster
    years = [y for y in form_years() if y <= cluster_today().year]
    drafts = {d.year: d for d in annual_report_draft_list()}
    latest = {r.year: r for r in annual_report_list(cluster=cluster).filter(is_latest=True)}
    listing = list_controls(
        request,
        columns=VERSION_COLUMNS,
        default="-report_year",
        legacy=VERSION_LEGACY_SORTS,
        filters=(
            search(_("Комментарий, причина, e-mail")),
            Filter(
                "year",
                _("Год"),
                choices=[(y, y) for y in sorted(latest, reverse=True)],
                placeholder=_("Все годы"),
            ),
        ),
        page_size=PAGE_SIZE,
    )
    qs = annual_report_list(cluster=cluster)
    year, q = listing.values["year"], listing.values["q"]
    if year.isdigit():
        qs = qs.filter(year=int(year))
    if q:
        qs = qs.filter(
            Q(comments__icontains=q) | Q(correction_reason__icontains=q) | Q(submitted_by_email__icontains=q)
        )
    page = listing.page(qs)
    year_rows = [{"year": y, "draft": drafts.get(y), "latest": latest.get(y)} for y in years]
    return render(
        request,
        "frontend/annual_report/index.html",
        {
            "year_rows": year_rows,
            "page": page,
            "listing": listing,
            "sorting": listing.sorting,
            "is_admin": _is_admin(request),
        },
    )


@require_http_methods(["GET", "POST"])
@cluster_page(MANAGERS)
def year_page(request: ClusterHttpRequest, year: int) -> HttpResponseBase:
    """The report being prepared: computed figures, entered values and comments, checks, versions."""
    cluster = request.cluster
    draft, computed = _prepared(request, year)
    form = DraftForm(
        request.POST if request.method == "POST" else None,
        figures=computed.figures,
        comments=draft.comments if draft else "",
    )
    to_submit = "to_submit" in request.POST

    def save(data: dict[str, Any]) -> object:
        return reporting.annual_report_draft_save(
            actor=Actor.from_request(request),
            cluster=cluster,
            year=year,
            entered_values=form.entered_values(),
            indicator_comments=form.indicator_comments(),
            comments=data[REPORT_COMMENTS],
        )

    return form_page(
        request,
        form=form,
        save=save,
        template="frontend/annual_report/year.html",
        success=reverse("annual:submit", args=[year]) if to_submit else reverse("annual:year", args=[year]),
        message=None if to_submit else _("Черновик сохранён."),
        context={
            "year": year,
            "computed": computed,
            "draft": draft,
            "is_admin": _is_admin(request),
            "versions": annual_report_list(cluster=cluster, year=year),
            "computed_errors": [(f.name_ru, f.error) for f in computed.figures if f.error],
        },
    )


# The rows behind a figure (a Python list, frozen with a report): in the figure's own order by
# default («order», no header), or by row or value from the headers.
ROW_COLUMNS: dict[str, tuple[str, ...]] = {"order": (), "row": ("label",), "value": ("value",)}
ROW_SORTS: dict[str, Callable[[DrillRow], Any]] = {
    "row": lambda r: r.label.casefold(),
    # numbers by size, then texts, then rows without a value
    "value": lambda r: (0, r.value, "") if isinstance(r.value, int) else (1, 0, str(r.value or "")),
}


def _paged_rows(request: ClusterHttpRequest, figure: Figure) -> dict[str, Any]:
    listing = list_controls(
        request,
        columns=ROW_COLUMNS,
        default="order",
        filters=(search(_("Поиск по строкам")),),
        page_size=ROWS_PAGE_SIZE,
    )
    q = listing.values["q"].lower()
    rows = [r for r in figure.rows if not q or q in r.label.lower()]
    key = listing.sorting.key
    if key in ROW_SORTS:
        rows.sort(key=ROW_SORTS[key], reverse=listing.sorting.descending)
    return {"figure": figure, "page": listing.page(rows), "listing": listing, "sorting": listing.sorting}


@require_GET
@cluster_page(MANAGERS)
def figure_rows(request: ClusterHttpRequest, year: int, code: str) -> HttpResponse:
    """The rows behind one computed figure of the report being prepared."""
    if year not in form_years():
        raise Http404
    figure = or_404(annual_report_preview(cluster=request.cluster, year=year).figure(code))
    return render(
        request,
        "frontend/annual_report/figure.html",
        {"year": year, "report": None, **_paged_rows(request, figure)},
    )


@require_http_methods(["GET", "POST"])
@cluster_page(ADMINS)
def submit(request: ClusterHttpRequest, year: int) -> HttpResponseBase:
    """Confirmation step, then the submission of the saved draft as the next version."""
    cluster = request.cluster
    draft, computed = _prepared(request, year)

    def save(data: dict[str, Any]) -> AnnualReport:
        return reporting.annual_report_submit(
            actor=Actor.from_request(request),
            cluster=cluster,
            year=year,
            entered_values=dict(draft.entered_values) if draft else {},
            indicator_comments=dict(draft.indicator_comments) if draft else {},
            comments=draft.comments if draft else "",
            correction_reason=data["correction_reason"],
        )

    return form_page(
        request,
        form=SubmitForm(request.POST if request.method == "POST" else None),
        save=save,
        template="frontend/annual_report/submit.html",
        success=lambda report: reverse("annual:report", args=[report.pk]),
        message=lambda report: (
            _("Отчёт за %(year)s год отправлен (версия %(version)s).")
            % {"year": year, "version": report.version}
        ),
        context={
            "year": year,
            "computed": computed,
            "draft": draft,
            "latest": annual_report_latest(cluster=cluster, year=year),
            "computed_errors": [(f.name_ru, f.error) for f in computed.figures if f.error],
        },
    )


def _report_or_404(request: ClusterHttpRequest, pk: int) -> AnnualReport:
    return or_404(annual_report_get(cluster=request.cluster, report_id=pk))


@require_GET
@cluster_page(MANAGERS)
def report(request: ClusterHttpRequest, pk: int) -> HttpResponse:
    """One submitted version as it was frozen, with the other versions of that year."""
    found = _report_or_404(request, pk)
    return render(
        request,
        "frontend/annual_report/report.html",
        {
            "report": found,
            "figures": figures_from_snapshot(found),
            "checks": checks_from_snapshot(found),
            "versions": annual_report_list(cluster=found.cluster, year=found.year),
            "is_admin": _is_admin(request),
            "can_correct": found.is_latest and found.year in form_years(),
        },
    )


@require_GET
@cluster_page(MANAGERS)
def report_figure_rows(request: ClusterHttpRequest, pk: int, code: str) -> HttpResponse:
    found = _report_or_404(request, pk)
    figure = or_404(next((f for f in figures_from_snapshot(found) if f.code == code), None))
    return render(
        request,
        "frontend/annual_report/figure.html",
        {"year": found.year, "report": found, **_paged_rows(request, figure)},
    )


@require_GET
@cluster_page(MANAGERS)
def report_download(request: ClusterHttpRequest, pk: int) -> HttpResponse:
    """The submitted version as a PDF in Russian."""
    found = _report_or_404(request, pk)
    response = HttpResponse(annual_report_pdf(found), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition(annual_report_pdf_filename(found))
    return response


def _registry_year(request: ClusterHttpRequest) -> int:
    raw = request.GET.get("year", "")
    today = cluster_today().year
    return int(raw) if raw.isdigit() and 2000 <= int(raw) <= today else default_year(request.cluster)


@require_GET
@cluster_page(MANAGERS)
def registry(request: ClusterHttpRequest) -> HttpResponse:
    """The registry self-check (Decree No. 779) with its evidence, and the application pack to download."""
    year = _registry_year(request)
    today = cluster_today().year
    return render(
        request,
        "frontend/annual_report/registry.html",
        {
            "year": year,
            "years": list(range(today, today - 6, -1)),
            "checks": registry_checks_compute(cluster=request.cluster, year=year),
        },
    )


@require_GET
@cluster_page(MANAGERS)
def registry_pack(request: ClusterHttpRequest) -> HttpResponse:
    """The application pack as one ZIP (cover letter, participants, contracts, calculation, projects, roadmap)."""
    pack = application_pack(
        cluster=request.cluster, actor=Actor.from_request(request), year=_registry_year(request)
    )
    response = HttpResponse(pack.content, content_type=ZIP_TYPE)
    response["Content-Disposition"] = pack.content_disposition
    return response
