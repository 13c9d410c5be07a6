"""Tracking pages of the roadmap: progress (per section, committee, executor), the timeline
(Gantt-like, server-rendered HTML/CSS) and «Мои мероприятия» across the current roadmaps.

Every role of the cluster reads them. Dates are the cluster's (its time zone decides «today»).
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from core.clock import cluster_today
from frontend.access import READERS, cluster_page, or_404
from frontend.tables import Filter, list_controls, search
from tenants.http import ClusterHttpRequest
from tenants.roadmap import selectors, tracking
from tenants.roadmap.models import Item, Roadmap

TIMELINE_PAGE_SIZE = 100
TIMELINE_ORDER = {"plan": ("position",)}  # the plan's order, the only one (no ?sort= on the timeline)
MY_PAGE_SIZE = 25
# Sortable columns of «Мои мероприятия» (?sort=key / -key). By default («urgency», no header)
# overdue items come first, then by deadline, as tenants.roadmap.tracking.my_items orders them.
MY_COLUMNS: dict[str, tuple[str, ...]] = {
    "urgency": ("-overdue_flag", "deadline_end", "roadmap_id", "position"),
    "roadmap": ("roadmap__title", "roadmap_id", "position"),
    "number": ("roadmap_id", "position"),
    "title": ("title", "id"),
    "deadline": ("deadline_end", "roadmap_id", "position"),
    "status": ("status", "deadline_end", "id"),
}
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
    sections = selectors.roadmap_sections(roadmap=roadmap)
    # the timeline keeps the plan's order (no sort headers); list_controls gives its filter bar
    listing = list_controls(
        request,
        columns=TIMELINE_ORDER,
        default="plan",
        filters=(
            Filter(
                "section",
                _("Раздел"),
                choices=[(s.pk, f"{s.number} {Truncator(s.title).chars(60)}") for s in sections],
                placeholder=_("Все разделы"),
            ),
            Filter("status", _("Статус"), choices=_status_choices(), placeholder=_("Все статусы")),
        ),
    )
    status, section = listing.values["status"], listing.values["section"]
    section_id = int(section) if section.isdigit() else None
    items = tracking.timeline_items(roadmap=roadmap, today=today, status=status, section_id=section_id)
    page = Paginator(items, TIMELINE_PAGE_SIZE).get_page(request.GET.get("page"))
    chart = tracking.timeline_build(roadmap=roadmap, items=page, today=today)
    by_id = {s.pk: s for s in sections}
    rows: list[tuple[str, Any, Any]] = []
    last_section = None
    for item, bar in chart.rows:
        if item.section_id != last_section:
            rows.append(("section", by_id.get(item.section_id), None))
            last_section = item.section_id
        rows.append(("item", item, bar))
    return render(
        request,
        "frontend/roadmap/tracking_timeline.html",
        {
            "roadmap": roadmap,
            "chart": chart,
            "rows": rows,
            "page": page,
            "listing": listing,
            "today": today,
            "tab": "timeline",
            "overdue_ids": {item.pk for item, _bar in chart.rows if tracking.is_overdue(item, today)},
        },
    )


@cluster_page(READERS)
@require_GET
def my_items(request: ClusterHttpRequest) -> HttpResponse:
    today = cluster_today(request.cluster)
    scope = tracking.my_scope(user=request.user, cluster=request.cluster)
    listing = list_controls(
        request,
        columns=MY_COLUMNS,
        default="urgency",
        filters=(
            search(_("Название или номер")),
            Filter("status", _("Статус"), choices=_status_choices(), placeholder=_("Все статусы")),
        ),
        page_size=MY_PAGE_SIZE,
    )
    items = tracking.my_items(
        scope=scope, today=today, status=listing.values["status"], query=listing.values["q"]
    )
    return render(
        request,
        "frontend/roadmap/tracking_my_items.html",
        {
            "page": listing.page(items),
            "listing": listing,
            "sorting": listing.sorting,
            "today": today,
            "has_company": bool(scope.company_ids),
        },
    )
