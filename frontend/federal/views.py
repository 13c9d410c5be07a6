"""Ministry dashboards on the public host: the overview, one cluster's submitted reports, downloads.

Federal users and platform admins see every cluster; regional users the clusters of their regions
(an interregional cluster in each of its regions). Only submitted reports and the warehouse's live
figures are shown: drafts stay inside the clusters, and no request here reads a cluster's schema.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.cache import caches
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from core.accounts.selectors import MinistryScope, user_ministry_scope
from core.federal import dashboard as selectors
from core.federal.models import AnnualReport, FederalProject, RegistryCheckResult
from core.ru.regions import REGIONS, region_name
from frontend.access import ministry_required, or_404
from tenants.http import PlatformHttpRequest
from tenants.models import Cluster

from . import exports, rows

PAGE_SIZE = 25


def _scope(request: PlatformHttpRequest) -> MinistryScope:
    scope = user_ministry_scope(request.user)
    assert scope is not None  # noqa: S101 - guaranteed by ministry_required
    return scope


def _region_choices(scope: MinistryScope) -> list[tuple[str, str]]:
    codes = REGIONS.keys() if scope.federal else scope.region_codes
    return sorted(((code, REGIONS[code]) for code in codes if code in REGIONS), key=lambda item: item[1])


@ministry_required
@require_GET
def overview(request: PlatformHttpRequest) -> HttpResponse:
    scope = _scope(request)
    filters = selectors.Filters.from_params(request.GET)
    board = selectors.dashboard(scope, filters)
    # The pager needs only the number of rows (already counted): a range stands in for the table,
    # so a page served from the cache never builds the table's queryset (its annotations cost
    # ~15 ms of Python at 1,000 clusters even unevaluated).
    paginator = Paginator(range(board.live.clusters), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    start = (page.number - 1) * PAGE_SIZE
    page.object_list = selectors.table_page(board, start, start + PAGE_SIZE)  # cached with the board
    # The page's table: kind and registry status go under the cluster's name (the XLSX and PDF
    # keep their own columns), so the main columns fit a 1366 px screen.
    columns = [c for c in rows.columns(board.year) if c.key not in PAGE_UNDER_NAME]
    table_rows = _cached_table_rows(board, page, columns, start)
    headers = []
    for column in columns:
        link = ""
        if column.sort:
            # First click sorts big-to-small for figures, A–Я for names; a second click reverses.
            first = column.sort if column.sort in {"name", "region", "checks"} else f"-{column.sort}"
            target = first if filters.sort != first else (first[1:] if first.startswith("-") else f"-{first}")
            link = "?" + urlencode(filters.as_params(sort=target))
        active = filters.sort.lstrip("-") == column.sort if column.sort else False
        headers.append(
            {
                "title": column.title,
                "short": column.short,
                "link": link,
                "active": active,
                "descending": active and filters.sort.startswith("-"),
            }
        )
    query = urlencode(filters.as_params())
    return render(
        request,
        "frontend/federal/overview.html",
        {
            "board": board,
            "f": filters,
            "scope": scope,
            "scope_regions": ", ".join(sorted(region_name(code) for code in scope.region_codes)),
            "page": page,
            "table_rows": table_rows,
            "headers": headers,
            "charts": _cached_charts(board),
            "kpis": [(spec, rows.total_text(spec.kind, board.total(spec.code))) for spec in rows.CHARTS],
            "checks": [(status, rows.CHECK_LABELS[status], n) for status, n in board.checks.items()],
            "region_options": _options(_region_choices(scope), filters.region),
            "kinds": Cluster.Kind.choices,
            "registry_statuses": Cluster.RegistryStatus.choices,
            "check_choices": list(rows.CHECK_LABELS.items()),
            "live_dues": rows.percent(board.live.dues_rate),
            "live_roadmap": rows.percent(board.live.roadmap_rate),
            "live_members": rows.count(board.live.members),
            "live_projects": rows.count(board.live.projects),
            "live_support_granted": rows.roubles(board.live.support_granted_kopecks),
            "live_support_received": rows.roubles(board.live.support_received_kopecks),
            "live_shortfalls": rows.count(board.live.project_shortfalls),
            "region_rows": [
                (
                    region_name(r.region),
                    r.clusters,
                    rows.count(r.projects),
                    rows.count(r.shortfalls),
                    rows.roubles(r.support_granted_kopecks),
                    rows.roubles(r.support_received_kopecks),
                )
                for r in board.regions
            ],
            "shortfall_rows": [_project_view(p) for p in board.shortfalls],
            "query": query,
            "query_suffix": f"?{query}" if query else "",
        },
    )


PAGE_UNDER_NAME = frozenset({"kind", "registry"})


def _cached_table_rows(
    board: selectors.Dashboard, page: Any, columns: list[rows.Column], start: int
) -> SafeString:
    """_table_rows of this page, cached beside the page's rows (same board key: warehouse version,
    scope, filters) per sort and language: a warm request does not format 25 × 15 cells again."""
    if not board.cache_key:
        return _table_rows(page, columns)
    key = f"{board.cache_key}:rows-html:{board.filters.sort}:{start}:{PAGE_SIZE}:{get_language()}"
    cache = caches[selectors.CACHE]
    html = cache.get(key)
    if html is None:
        html = str(_table_rows(page, columns))
        cache.set(key, html, selectors.CACHE_SECONDS)
    return mark_safe(html)  # noqa: S308 - built by _table_rows, which escapes every text


def _cached_charts(board: selectors.Dashboard) -> list[SafeString]:
    """rows.charts (the year-over-year SVGs), cached beside the board per language: they change
    only with the board (warehouse version, scope, filters), and drawing them cost ~4 ms a page."""
    if not board.cache_key:
        return rows.charts(board)
    key = f"{board.cache_key}:charts-svg:{get_language()}"
    cache = caches[selectors.CACHE]
    svgs = cache.get(key)
    if svgs is None:
        svgs = [str(chart) for chart in rows.charts(board)]
        cache.set(key, svgs, selectors.CACHE_SECONDS)
    return [mark_safe(svg) for svg in svgs]  # noqa: S308 - built by charts.bar_chart, which escapes every text


def _table_rows(page: Any, columns: list[rows.Column]) -> SafeString:
    """The table page's <tr>s, built here rather than by template loops (25 rows × 15 cells of
    {% for %}/{% if %} nodes were most of the page's render time). Every text goes through escape()."""
    rest = [
        (
            column.key == "checks",
            column.page_text or column.text,
            ' class="num"' if column.number is not None else "",
            escape(column.short or column.title),  # a phone shows each cell as «label: value»
        )
        for column in columns
        if column.key != "name"
    ]
    name_text = next(column.text for column in columns if column.key == "name")
    out = []
    for cluster in page:
        cells = [
            f'<th scope="row"><a href="{escape(reverse("federal:cluster", args=[cluster.schema_name]))}">'
            f'{escape(name_text(cluster))}</a><span class="fed-sub">{escape(cluster.get_kind_display())} · '
            f"{escape(cluster.get_registry_status_display())}</span></th>",
        ]
        for is_checks, text, numeric, label in rest:
            if is_checks:
                cells.append(
                    f'<td data-label="{label}"><span class="badge check-{escape(cluster.check_status)}">'
                    f"{escape(text(cluster))}</span></td>"
                )
            else:
                cells.append(f'<td{numeric} data-label="{label}">{escape(text(cluster))}</td>')
        out.append("<tr>\n  " + "".join(cells) + "\n</tr>")
    return mark_safe("".join(out))  # noqa: S308 - every text above went through escape()


def _options(choices: list[tuple[str, str]], selected: str) -> SafeString:
    return mark_safe(  # noqa: S308 - escaped
        "".join(
            f'<option value="{escape(code)}"{" selected" if code == selected else ""}>{escape(name)}</option>'
            for code, name in choices
        )
    )


@ministry_required
@require_GET
def clusters_redirect(request: PlatformHttpRequest) -> HttpResponse:
    """The former «Кластеры (министерство)» list: the table now lives on the overview."""
    query = request.GET.urlencode()
    return redirect(reverse("federal:overview") + (f"?{query}" if query else ""))


@ministry_required
@require_GET
def export_xlsx(request: PlatformHttpRequest) -> HttpResponse:
    scope = _scope(request)
    filters = selectors.Filters.from_params(request.GET)
    year = selectors.chosen_year(filters, selectors.report_years(scope))
    table = selectors.cluster_table(scope, filters, year)
    response = HttpResponse(
        exports.table_xlsx(table.iterator(chunk_size=500), year=year), content_type=exports.XLSX_TYPE
    )
    response["Content-Disposition"] = f'attachment; filename="{exports.xlsx_filename()}"'
    return response


@ministry_required
@require_GET
def export_pdf(request: PlatformHttpRequest) -> HttpResponse:
    scope = _scope(request)
    board = selectors.dashboard(scope, selectors.Filters.from_params(request.GET))
    response = HttpResponse(exports.summary_pdf(scope=scope, board=board), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{exports.pdf_filename()}"'
    return response


@ministry_required
@require_GET
def cluster_detail(request: PlatformHttpRequest, slug: str) -> HttpResponse:
    scope = _scope(request)
    cluster = or_404(
        selectors.ministry_cluster(scope=scope, slug=slug)
    )  # absent and out-of-scope look the same
    reports = selectors.cluster_reports(cluster=cluster)
    checks = selectors.reports_checks(reports=reports)
    years: dict[int, list[AnnualReport]] = {}
    for report in reports:
        years.setdefault(report.year, []).append(report)
    chosen = _chosen_report(request, reports)
    previous = None
    if chosen is not None:
        previous = next((r for r in years[chosen.year] if r.version < chosen.version), None)
    compare_with = previous
    compare_param = request.GET.get("compare", "")
    if chosen is not None and compare_param.isdigit():
        compare_with = next(
            (r for r in years[chosen.year] if r.version == int(compare_param) and r.pk != chosen.pk), previous
        )
    snapshot = getattr(cluster, "federal_snapshot", None)
    order = selectors.form_order(report=chosen) if chosen is not None else {}
    return render(
        request,
        "frontend/federal/cluster.html",
        {
            "cluster": cluster,
            "years": sorted(years.items(), reverse=True),
            "report": chosen,
            "values": _value_rows(chosen, order),
            "checks": checks.get(chosen.pk, []) if chosen else [],
            "compare_with": compare_with,
            "diff": selectors.report_diff(compare_with, chosen, order) if chosen and compare_with else [],
            "snapshot": snapshot,
            "snapshot_dues": rows.percent(_rate(snapshot.dues_paid_kopecks, snapshot.dues_invoiced_kopecks))
            if snapshot
            else "—",
            "snapshot_roadmap": rows.percent(_rate(snapshot.roadmap_items_done, snapshot.roadmap_items_total))
            if snapshot
            else "—",
            "snapshot_invoiced": rows.roubles(snapshot.dues_invoiced_kopecks) if snapshot else "—",
            "snapshot_paid": rows.roubles(snapshot.dues_paid_kopecks) if snapshot else "—",
            "check_status_labels": dict(RegistryCheckResult.Status.choices),
            "projects": [_project_view(p) for p in selectors.cluster_projects(cluster=cluster)],
            "snapshot_support_granted": rows.roubles(snapshot.support_granted_kopecks) if snapshot else "—",
            "snapshot_support_received": rows.roubles(snapshot.support_received_kopecks) if snapshot else "—",
        },
    )


def _project_view(project: FederalProject) -> dict[str, Any]:
    """A project row as the pages show it: money as roubles, each indicator with its shortfall."""
    indicators = [
        {
            **i,
            "planned_text": _amount(i.get("planned"), i.get("unit", "")),
            "actual_text": _amount(i.get("actual"), i.get("unit", "")),
            "shortfall_text": rows.percent(Decimal(i["shortfall_percent"]))
            if i.get("shortfall_percent") is not None
            else "",
        }
        for i in project.indicators or []
    ]
    return {
        "project": project,
        "cluster": project.cluster,
        "indicators": indicators,
        "budget": rows.roubles(project.budget_kopecks),
        "granted": rows.roubles(project.support_granted_kopecks),
        "received": rows.roubles(project.support_received_kopecks),
        "worst": rows.percent(project.worst_shortfall_percent)
        if project.worst_shortfall_percent is not None
        else "—",
    }


def _amount(raw: Any, unit: str) -> str:
    if raw is None:
        return "—"
    text = f"{Decimal(str(raw)):,.2f}".replace(",", "\u00a0").replace(".", ",").removesuffix(",00")
    return f"{text}\u00a0{unit}" if unit else text


def _rate(part: int, whole: int) -> float | None:
    return part * 100 / whole if whole else None


def _chosen_report(request: PlatformHttpRequest, reports: list[AnnualReport]) -> AnnualReport | None:
    wanted = request.GET.get("report", "")
    if wanted.isdigit():
        found = next((r for r in reports if r.pk == int(wanted)), None)
        if found is not None:
            return found
    return next((r for r in reports if r.is_latest), reports[0] if reports else None)


def _value_rows(report: AnnualReport | None, order: dict[str, int]) -> list[dict[str, Any]]:
    if report is None:
        return []
    out = []
    values = report.values or {}
    for code in selectors.ordered_codes(values, order):
        entry = values[code] if isinstance(values[code], dict) else {"value": values[code]}
        out.append(
            {
                "code": code,
                "name": str(entry.get("name_ru") or code),
                "unit": str(entry.get("unit") or ""),
                "display": str(
                    entry.get("display")
                    or (_("нет данных") if entry.get("value") is None else entry.get("value"))
                ),
                "comment": str(entry.get("comment") or ""),
                "note": str(entry.get("note") or ""),
                "numeric": entry.get("value_type") != "text",
            }
        )
    return out
