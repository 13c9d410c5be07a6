"""«Кабинет»: the home of each role, where signing in leads. On a cluster host: the manager's
home (admin, staff) or the member representative's; on the platform host: the platform admin's
clusters with their health, the ministry's dashboard, or the user's clusters. The numbers come
from tenants.home.selectors (a fixed number of queries per home)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import display
from core.accounts.access import member_access
from core.accounts.models import Grant
from core.accounts.selectors import user_cluster_roles, user_is_platform_admin, user_ministry_scope
from core.clock import cluster_today
from frontend.access import MANAGERS, READERS, cluster_page, signed_in_platform_page
from frontend.tables import Filter, list_controls, search
from tenants.home import selectors as homes
from tenants.http import ClusterHttpRequest, PlatformHttpRequest
from tenants.models import Cluster

from . import charts


@cluster_page(READERS)
def cabinet(request: ClusterHttpRequest) -> HttpResponse:
    cluster = request.cluster
    roles = user_cluster_roles(request.user, cluster)
    today = cluster_today(cluster)
    context = {
        "cluster": cluster,
        "time_zone": display.time_zone(cluster.time_zone),
        "regions": display.regions(cluster.region_codes),
        "is_admin": Grant.Role.CLUSTER_ADMIN in roles,
    }
    if roles & MANAGERS:
        home = homes.manager_home(cluster=cluster, today=today)
        return render(
            request,
            "frontend/home/manager.html",
            {
                **context,
                "home": home,
                "outstanding": display.money(home.outstanding_kopecks),
                "overdue": display.money(home.overdue_kopecks),
                "debtors": [(d, display.money(d.outstanding_kopecks)) for d in home.debtors],
                "dues_chart": charts.dues_chart(home.dues_by_month),
                "dues_total": display.money(sum(m.kopecks for m in home.dues_by_month)),
                "progress_chart": charts.progress_chart(home.progress),
                "progress_legend": charts.progress_segments(home.progress),
            },
        )
    access = member_access(user=request.user, cluster=cluster)
    member = homes.member_home(cluster=cluster, company_ids=access.company_ids, today=today)
    return render(
        request,
        "frontend/home/member.html",
        {
            **context,
            "home": member,
            "outstanding": display.money(member.outstanding_kopecks),
            "overdue": display.money(member.overdue_kopecks),
            "unpaid": [(inv, display.money(inv.outstanding_kopecks)) for inv in member.unpaid],
        },
    )


# The platform admin's cluster list (?sort=key / -key). Its rows come from one selector call
# (5 queries for every cluster), so they are sorted here; the values are what a column shows.
NEVER = dt.datetime.min.replace(tzinfo=dt.UTC)
STATUS_ORDER = {value: n for n, value in enumerate(Cluster.Status.values)}  # active first, as declared
HEALTH_SORTS: dict[str, Callable[[homes.ClusterHealth], Any]] = {
    "name": lambda r: r.cluster.display_name.casefold(),
    "status": lambda r: (STATUS_ORDER.get(r.cluster.status, 0), r.cluster.display_name.casefold()),
    "activity": lambda r: r.last_activity or NEVER,
    "billing": lambda r: (r.billing_ready, r.cluster.display_name.casefold()),
    "report": lambda r: r.report_submitted or NEVER,
}
HEALTH_PAGE_SIZE = 25
HEALTH_COLUMNS = {key: (key,) for key in HEALTH_SORTS}  # list_controls' allow-list; sorted above
ATTENTION = {
    "activity": lambda r: r.last_activity is None,
    "billing": lambda r: not r.billing_ready,
    "report": lambda r: r.report_submitted is None,
}


def _health_filters() -> tuple[Filter, ...]:
    return (
        search(_("Название или код")),
        Filter("status", _("Статус"), choices=Cluster.Status.choices, placeholder=_("Все статусы")),
        Filter(
            "attention",
            _("Требует внимания"),
            choices=[
                ("activity", _("изменений не было")),
                ("billing", _("реквизиты не заполнены")),
                ("report", _("отчёт не отправлен")),
            ],
            placeholder=_("Все кластеры"),
        ),
    )


@signed_in_platform_page
def platform_cabinet(request: PlatformHttpRequest) -> HttpResponseBase:
    if user_is_platform_admin(request.user):
        listing = list_controls(
            request,
            columns=HEALTH_COLUMNS,
            default="name",
            filters=_health_filters(),
            page_size=HEALTH_PAGE_SIZE,
        )
        rows = homes.platform_home(today=timezone.localdate())
        report_year = rows[0].report_year if rows else None
        query, status, attention = (listing.values[k] for k in ("q", "status", "attention"))
        if query:
            needle = query.casefold()
            rows = [
                r
                for r in rows
                if needle in r.cluster.name.casefold()
                or needle in r.cluster.short_name.casefold()
                or needle in r.cluster.schema_name.casefold()
            ]
        if status:
            rows = [r for r in rows if r.cluster.status == status]
        if attention in ATTENTION:
            rows = [r for r in rows if ATTENTION[attention](r)]
        rows.sort(key=HEALTH_SORTS[listing.sorting.key], reverse=listing.sorting.descending)
        page = listing.page(rows)
        return render(
            request,
            "frontend/home/platform.html",
            {
                "page": page,
                "rows": [(r, display.regions(r.cluster.region_codes)) for r in page],
                "listing": listing,
                "sorting": listing.sorting,
                "report_year": report_year,
            },
        )
    if user_ministry_scope(request.user) is not None:
        return redirect("federal:overview")
    return redirect("frontend:my_clusters")
