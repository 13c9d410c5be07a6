"""The change log page of a cluster (admins): filter by object, person, action; search."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.accounts.models import Grant
from core.audit.selectors import audit_for_cluster
from frontend.access import cluster_role_required


@cluster_role_required({Grant.Role.CLUSTER_ADMIN})
def audit_log(request: HttpRequest) -> HttpResponse:
    qs = audit_for_cluster(cluster=request.cluster)  # type: ignore[attr-defined]
    filters = {key: request.GET.get(key, "").strip() for key in ("object_type", "object_id", "actor", "q")}
    if filters["object_type"]:
        qs = qs.filter(object_type=filters["object_type"])
    if filters["object_id"]:
        qs = qs.filter(object_id=filters["object_id"])
    if filters["actor"].isdigit():
        qs = qs.filter(actor_id=int(filters["actor"]))
    if filters["q"]:
        qs = qs.filter(object_repr__icontains=filters["q"]) | qs.filter(actor_email__icontains=filters["q"])
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "frontend/audit/log.html", {"page": page, "filters": filters, "q": filters["q"]})
