"""The list of joint projects: search, filters, sortable columns, pages."""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from tenants.http import ClusterHttpRequest
from tenants.projects.models import JointProject
from tenants.projects.selectors import project_list, project_search

from .common import PAGE_SIZE, access_of, readers

# The columns in order by sort key (tenants.projects.selectors.ORDERINGS without the sign; "": not sortable).
COLUMNS = ["title", "kind", "", "start", "status"]


def _headers(params: dict[str, str], sort: str) -> list[dict[str, object]]:
    titles = {
        "title": _("Проект"),
        "kind": _("Вид"),
        "": _("Головной участник"),
        "start": _("Срок"),
        "status": _("Статус"),
    }
    headers = []
    for key in COLUMNS:
        active = bool(key) and sort.lstrip("-") == key
        link = ""
        if key:
            target = f"-{key}" if sort == key else key
            link = "?" + urlencode({**{k: v for k, v in params.items() if v and k != "page"}, "sort": target})
        headers.append(
            {
                "title": titles[key],
                "link": link,
                "active": active,
                "descending": active and sort.startswith("-"),
            }
        )
    return headers


@readers
@require_GET
def project_list_page(request: ClusterHttpRequest) -> HttpResponse:
    access = access_of(request)
    get = request.GET
    params = {
        "q": get.get("q", "").strip(),
        "status": get.get("status", ""),
        "kind": get.get("kind", ""),
        "sort": get.get("sort", "-start"),
    }
    if params["status"] not in JointProject.Status.values:
        params["status"] = ""
    if params["kind"] not in JointProject.Kind.values:
        params["kind"] = ""
    qs = project_search(
        project_list(access=access),
        query=params["q"],
        status=params["status"],
        kind=params["kind"],
        ordering=params["sort"],
    )
    page = Paginator(qs, PAGE_SIZE).get_page(get.get("page"))
    filtered = bool(params["q"] or params["status"] or params["kind"])
    return render(
        request,
        "frontend/projects/list.html",
        {
            "page": page,
            "f": params,
            "filtered": filtered,
            "manager": access.manager,
            "statuses": JointProject.Status.choices,
            "kinds": JointProject.Kind.choices,
            "headers": _headers(params, params["sort"]),
        },
    )
