"""Pages of the cluster's annual report (namespace "annual", prefix /annual-report/).

Cluster admins prepare and submit the report; cluster staff read it; nobody else sees a draft.
Submitted versions are snapshots in the public schema, always filtered by this cluster.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from core.accounts.models import Grant
from core.accounts.selectors import user_cluster_roles
from core.audit.services import Actor
from core.federal.annual_report_pdf import annual_report_pdf, annual_report_pdf_filename, content_disposition
from core.federal.compute import Figure, checks_from_snapshot, figures_from_snapshot
from core.federal.models import AnnualReport
from core.federal.selectors import annual_report_get, annual_report_latest, annual_report_list, form_years
from frontend.access import MANAGERS, cluster_role_required, forbidden, not_found
from frontend.forms import apply_errors
from tenants.reporting import services as reporting
from tenants.reporting.selectors import (
    annual_report_draft_get,
    annual_report_draft_list,
    annual_report_preview,
)

from .forms import REPORT_COMMENTS, DraftForm, SubmitForm

ADMINS = frozenset({Grant.Role.CLUSTER_ADMIN})
VERSION_ORDERINGS = {
    "year": ("-year", "-version"),
    "-year": ("year", "version"),
    "submitted": ("-submitted_at", "-id"),
    "-submitted": ("submitted_at", "id"),
}
PAGE_SIZE = 20
ROWS_PAGE_SIZE = 50


def _is_admin(request: HttpRequest) -> bool:
    return Grant.Role.CLUSTER_ADMIN in user_cluster_roles(request.user, request.cluster)  # type: ignore[attr-defined]


def _year_or_none(value: int) -> int | None:
    return value if value in form_years() else None


def _current_year(request: HttpRequest) -> int:
    cluster = request.cluster  # type: ignore[attr-defined]
    return timezone.localtime(timezone.now(), cluster.tzinfo).year


@require_GET
@cluster_role_required(MANAGERS)
def index(request: HttpRequest) -> HttpResponse:
    """Year chooser, drafts and every submitted version (filter by year, search, sort, pages)."""
    cluster = request.cluster  # type: ignore[attr-defined]
    years = [y for y in form_years() if y <= _current_year(request)]
    drafts = {d.year: d for d in annual_report_draft_list()}
    qs = annual_report_list(cluster=cluster)
    year = request.GET.get("year", "")
    if year.isdigit():
        qs = qs.filter(year=int(year))
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(Q(comments__icontains=q) | Q(correction_reason__icontains=q)
                       | Q(submitted_by_email__icontains=q))
    sort = request.GET.get("sort", "year")
    qs = qs.order_by(*VERSION_ORDERINGS.get(sort, VERSION_ORDERINGS["year"]))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    latest = {r.year: r for r in annual_report_list(cluster=cluster).filter(is_latest=True)}
    year_rows = [{"year": y, "draft": drafts.get(y), "latest": latest.get(y)} for y in years]
    return render(request, "frontend/annual_report/index.html", {
        "year_rows": year_rows, "page": page, "year": year, "q": q, "sort": sort,
        "report_years": sorted({r.year for r in latest.values()}, reverse=True), "is_admin": _is_admin(request),
    })


@require_http_methods(["GET", "POST"])
@cluster_role_required(MANAGERS)
def year_page(request: HttpRequest, year: int) -> HttpResponse:
    """The report being prepared: computed figures, entered values and comments, checks, versions."""
    cluster = request.cluster  # type: ignore[attr-defined]
    if _year_or_none(year) is None or year > _current_year(request):
        return not_found(request)
    is_admin = _is_admin(request)
    draft = annual_report_draft_get(year=year)
    computed = annual_report_preview(cluster=cluster, year=year)
    form = DraftForm(request.POST if request.method == "POST" else None, figures=computed.figures, comments=draft.comments if draft else "")
    if request.method == "POST":
        if not is_admin:
            return forbidden(request, _("Годовой отчёт готовят и отправляют администраторы кластера."))
        if form.is_valid():
            try:
                reporting.annual_report_draft_save(actor=Actor.from_request(request), cluster=cluster, year=year,
                                    entered_values=form.entered_values(),
                                    indicator_comments=form.indicator_comments(),
                                    comments=form.cleaned_data[REPORT_COMMENTS])
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                if "to_submit" in request.POST:
                    return redirect("annual:submit", year=year)
                messages.success(request, _("Черновик сохранён."))
                return redirect("annual:year", year=year)
    return render(request, "frontend/annual_report/year.html", {
        "year": year, "computed": computed, "form": form, "draft": draft, "is_admin": is_admin,
        "versions": annual_report_list(cluster=cluster, year=year),
        "computed_errors": [(f.name_ru, f.error) for f in computed.figures if f.error],
    })


def _paged_rows(request: HttpRequest, figure: Figure) -> dict[str, Any]:
    q = request.GET.get("q", "").strip()
    rows = [r for r in figure.rows if not q or q.lower() in r.label.lower()]
    return {"figure": figure, "page": Paginator(rows, ROWS_PAGE_SIZE).get_page(request.GET.get("page")), "q": q}


@require_GET
@cluster_role_required(MANAGERS)
def figure_rows(request: HttpRequest, year: int, code: str) -> HttpResponse:
    """The rows behind one computed figure of the report being prepared."""
    cluster = request.cluster  # type: ignore[attr-defined]
    if _year_or_none(year) is None:
        return not_found(request)
    figure = annual_report_preview(cluster=cluster, year=year).figure(code)
    if figure is None:
        return not_found(request)
    return render(request, "frontend/annual_report/figure.html", {"year": year, "report": None,
                                                           **_paged_rows(request, figure)})


@require_http_methods(["GET", "POST"])
@cluster_role_required(ADMINS)
def submit(request: HttpRequest, year: int) -> HttpResponse:
    """Confirmation step, then the submission of the saved draft as the next version."""
    cluster = request.cluster  # type: ignore[attr-defined]
    if _year_or_none(year) is None or year > _current_year(request):
        return not_found(request)
    draft = annual_report_draft_get(year=year)
    computed = annual_report_preview(cluster=cluster, year=year)
    latest = annual_report_latest(cluster=cluster, year=year)
    form = SubmitForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            report = reporting.annual_report_submit(
                actor=Actor.from_request(request), cluster=cluster, year=year,
                entered_values=dict(draft.entered_values) if draft else {},
                indicator_comments=dict(draft.indicator_comments) if draft else {},
                comments=draft.comments if draft else "",
                correction_reason=form.cleaned_data["correction_reason"])
        except ValidationError as exc:
            apply_errors(form, exc)
        except PermissionDenied as exc:
            return forbidden(request, str(exc))
        else:
            messages.success(request, _("Отчёт за %(year)s год отправлен (версия %(version)s).")
                             % {"year": year, "version": report.version})
            return redirect("annual:report", pk=report.pk)
    return render(request, "frontend/annual_report/submit.html", {
        "year": year, "computed": computed, "form": form, "latest": latest, "draft": draft,
        "computed_errors": [(f.name_ru, f.error) for f in computed.figures if f.error],
    })


def _report_or_none(request: HttpRequest, pk: int) -> AnnualReport | None:
    return annual_report_get(cluster=request.cluster, report_id=pk)  # type: ignore[attr-defined]


@require_GET
@cluster_role_required(MANAGERS)
def report(request: HttpRequest, pk: int) -> HttpResponse:
    """One submitted version as it was frozen, with the other versions of that year."""
    found = _report_or_none(request, pk)
    if found is None:
        return not_found(request)
    return render(request, "frontend/annual_report/report.html", {
        "report": found, "figures": figures_from_snapshot(found), "checks": checks_from_snapshot(found),
        "versions": annual_report_list(cluster=found.cluster, year=found.year), "is_admin": _is_admin(request),
        "can_correct": found.is_latest and found.year in form_years(),
    })


@require_GET
@cluster_role_required(MANAGERS)
def report_figure_rows(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    found = _report_or_none(request, pk)
    figure = next((f for f in figures_from_snapshot(found) if f.code == code), None) if found else None
    if figure is None:
        return not_found(request)
    return render(request, "frontend/annual_report/figure.html", {"year": found.year, "report": found,  # type: ignore[union-attr]
                                                           **_paged_rows(request, figure)})


@require_GET
@cluster_role_required(MANAGERS)
def report_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The submitted version as a PDF in Russian."""
    found = _report_or_none(request, pk)
    if found is None:
        return not_found(request)
    response = HttpResponse(annual_report_pdf(found), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition(annual_report_pdf_filename(found))
    return response
