"""The change log page of a cluster (admins): filter by object, person, action; search."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render

from core import display
from core.accounts.models import Grant
from core.audit.selectors import audit_search
from frontend.access import cluster_page
from tenants.http import ClusterHttpRequest


@cluster_page({Grant.Role.CLUSTER_ADMIN})
def audit_log(request: ClusterHttpRequest) -> HttpResponse:
    filters = {key: request.GET.get(key, "").strip() for key in ("object_type", "object_id", "actor", "q")}
    qs = audit_search(
        cluster=request.cluster,
        object_type=filters["object_type"],
        object_id=filters["object_id"],
        actor_id=int(filters["actor"]) if filters["actor"].isdigit() else None,
        query=filters["q"],
    )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    # display rows built in Python: an entry's changes may hold any key ("items"), never walked in a template
    rows = display.entry_rows(page.object_list)
    return render(
        request,
        "frontend/audit/log.html",
        {"page": page, "rows": rows, "filters": filters, "q": filters["q"]},
    )
