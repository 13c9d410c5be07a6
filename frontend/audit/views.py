"""The change log page of a cluster (admins): filter by object, person, action; search; sort."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from core import display
from core.accounts.models import Grant
from core.audit.selectors import audit_object_types, audit_search
from frontend.access import cluster_page
from frontend.tables import Filter, list_controls, search
from tenants.http import ClusterHttpRequest

PAGE_SIZE = 50
# Sortable columns of the log (frontend.tables): ?sort=key / -key; newest first by default.
AUDIT_COLUMNS: dict[str, tuple[str, ...]] = {
    "at": ("at", "id"),
    "who": ("actor_email", "-at", "-id"),
    "action": ("action", "-at", "-id"),
    "object": ("object_type", "object_id", "-at", "-id"),
}


@cluster_page({Grant.Role.CLUSTER_ADMIN})
def audit_log(request: ClusterHttpRequest) -> HttpResponse:
    kinds = sorted(
        ((t, display.object_kind(t)) for t in audit_object_types(cluster=request.cluster)), key=lambda c: c[1]
    )
    listing = list_controls(
        request,
        columns=AUDIT_COLUMNS,
        default="-at",
        filters=(
            search(_("Объект или e-mail")),
            Filter("object_type", _("Объект"), choices=kinds, placeholder=_("Все объекты")),
        ),
        keep=("object_id", "actor"),
        page_size=PAGE_SIZE,
    )
    actor = request.GET.get("actor", "")
    qs = audit_search(
        cluster=request.cluster,
        object_type=listing.values["object_type"],
        object_id=request.GET.get("object_id", "").strip(),
        actor_id=int(actor) if actor.isdigit() else None,
        query=listing.values["q"],
    )
    page = listing.page(qs)
    # display rows built in Python: an entry's changes may hold any key ("items"), never walked in a template
    rows = display.entry_rows(page.object_list)
    return render(
        request,
        "frontend/audit/log.html",
        {"page": page, "rows": rows, "listing": listing, "sorting": listing.sorting},
    )
