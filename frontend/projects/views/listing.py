"""The list of joint projects on the one list pattern (frontend.tables): search, filters,
sortable columns, pages."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from frontend.tables import Filter, list_controls, search
from tenants.http import ClusterHttpRequest
from tenants.projects.models import JointProject
from tenants.projects.selectors import project_list, project_search

from .common import PAGE_SIZE, access_of, readers

# Sortable columns (?sort=key / -key, the keys tenants.projects.selectors.ORDERINGS always had);
# the lead participant has no sort.
COLUMNS: dict[str, tuple[str, ...]] = {
    "title": ("title", "id"),
    "kind": ("kind", "title", "id"),
    "start": ("period_start", "id"),
    "status": ("status", "title", "id"),
}


@readers
@require_GET
def project_list_page(request: ClusterHttpRequest) -> HttpResponse:
    access = access_of(request)
    listing = list_controls(
        request,
        columns=COLUMNS,
        default="-start",
        filters=(
            search(_("Название, описание или участник")),
            Filter("status", _("Статус"), choices=JointProject.Status.choices, placeholder=_("Все статусы")),
            Filter("kind", _("Вид проекта"), choices=JointProject.Kind.choices, placeholder=_("Все виды")),
        ),
        page_size=PAGE_SIZE,
    )
    values = listing.values
    qs = project_search(
        project_list(access=access),
        query=values["q"],
        status=values["status"] if values["status"] in JointProject.Status.values else "",
        kind=values["kind"] if values["kind"] in JointProject.Kind.values else "",
    )
    return render(
        request,
        "frontend/projects/list.html",
        {"page": listing.page(qs), "listing": listing, "sorting": listing.sorting, "manager": access.manager},
    )
