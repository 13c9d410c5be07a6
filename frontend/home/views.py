"""«Кабинет»: the home of each role, where signing in leads. On a cluster host: the manager's
home (admin, staff) or the member representative's; on the platform host: the platform admin's
clusters with their health, the ministry's dashboard, or the user's clusters. The numbers come
from tenants.home.selectors (a fixed number of queries per home)."""

from __future__ import annotations

from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone

from core import display
from core.accounts.access import member_access
from core.accounts.models import Grant
from core.accounts.selectors import user_cluster_roles, user_is_platform_admin, user_ministry_scope
from core.clock import cluster_today
from frontend.access import MANAGERS, READERS, cluster_page, signed_in_platform_page
from tenants.home import selectors as homes
from tenants.http import ClusterHttpRequest, PlatformHttpRequest

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


@signed_in_platform_page
def platform_cabinet(request: PlatformHttpRequest) -> HttpResponseBase:
    if user_is_platform_admin(request.user):
        rows = homes.platform_home(today=timezone.localdate())
        return render(
            request,
            "frontend/home/platform.html",
            {
                "rows": [(r, display.regions(r.cluster.region_codes)) for r in rows],
                "report_year": rows[0].report_year if rows else None,
            },
        )
    if user_ministry_scope(request.user) is not None:
        return redirect("federal:overview")
    return redirect("frontend:my_clusters")
