"""Tracking pages of the roadmap: progress (per section, committee, executor), the timeline
(Gantt-like, server-rendered HTML/CSS) and «Мои мероприятия» across the current roadmaps.

Every role of the cluster reads them. Dates are the cluster's (its time zone decides «today»).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from core.clock import cluster_today
from frontend.access import READERS, cluster_page, or_404
from tenants.http import ClusterHttpRequest
from tenants.roadmap import selectors, tracking
from tenants.roadmap.models import Item, Roadmap

TIMELINE_PAGE_SIZE = 100
MY_PAGE_SIZE = 25
LIST_LIMIT = 100  # overdue / due-soon items listed on the progress page


def _roadmap(pk: int) -> Roadmap:
    return or_404(selectors.roadmap_get(roadmap_id=pk))


def _status_choices() -> list[tuple[str, Any]]:
    return [("open", _("Не завершённые")), ("overdue", _("Просроченные")), *Item.Status.choices]


@cluster_page(READERS)
@require_GET
def progress(request: ClusterHttpRequest, pk: int) -> HttpResponse:
    roadmap = _roadmap(pk)
    today = cluster_today(request.cluster)
    result = tracking.roadmap_progress(roadmap=roadmap, today=today)
    return render(
        request,
        "frontend/roadmap/tracking_progress.html",
        {
            "roadmap": roadmap,
            "p": result,
            "today": today,
            "days": tracking.reminder_days(),
            "overdue": list(tracking.overdue_items(roadmap=roadmap, today=today)[:LIST_LIMIT]),
            "due_soon": list(tracking.due_soon_items(roadmap=roadmap, today=today)[:LIST_LIMIT]),
            "limit": LIST_LIMIT,
            "tab": "progress",
        },
    )


@cluster_page(READERS)
@require_GET
def timeline(request: ClusterHttpRequest, pk: int) -> HttpResponse:
    roadmap = _roadmap(pk)
    today = cluster_today(request.cluster)
    status = request.GET.get("status", "")
    section = request.GET.get("section", "")
    section_id = int(section) if section.isdigit() else None
    items = tracking.timeline_items(roadmap=roadmap, today=today, status=status, section_id=section_id)
    page = Paginator(items, TIMELINE_PAGE_SIZE).get_page(request.GET.get("page"))
    chart = tracking.timeline_build(roadmap=roadmap, items=page, today=today)
    sections = selectors.roadmap_sections(roadmap=roadmap)
    by_id = {s.pk: s for s in sections}
    rows: list[tuple[str, Any, Any]] = []
    last_section = None
    for item, bar in chart.rows:
        if item.section_id != last_section:
            rows.append(("section", by_id.get(item.section_id), None))
            last_section = item.section_id
        rows.append(("item", item, bar))
    filters = {k: v for k, v in (("status", status), ("section", section)) if v}
    return render(
        request,
        "frontend/roadmap/tracking_timeline.html",
        {
            "roadmap": roadmap,
            "chart": chart,
            "rows": rows,
            "page": page,
            "today": today,
            "sections": sections,
            "status": status,
            "section": section,
            "statuses": _status_choices(),
            "query_string": urlencode(filters),
            "tab": "timeline",
            "overdue_ids": {item.pk for item, _bar in chart.rows if tracking.is_overdue(item, today)},
        },
    )


@cluster_page(READERS)
@require_GET
def my_items(request: ClusterHttpRequest) -> HttpResponse:
    today = cluster_today(request.cluster)
    scope = tracking.my_scope(user=request.user, cluster=request.cluster)
    status = request.GET.get("status", "")
    query = request.GET.get("q", "").strip()
    items = tracking.my_items(scope=scope, today=today, status=status, query=query)
    page = Paginator(items, MY_PAGE_SIZE).get_page(request.GET.get("page"))
    filters = {k: v for k, v in (("status", status), ("q", query)) if v}
    return render(
        request,
        "frontend/roadmap/tracking_my_items.html",
        {
            "page": page,
            "today": today,
            "status": status,
            "query": query,
            "statuses": _status_choices(),
            "query_string": urlencode(filters),
            "has_company": bool(scope.company_ids),
        },
    )
