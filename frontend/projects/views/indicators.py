"""Target indicators of a project: entering one, changing it, and its steps (submit, accept,
return, delete). The lead participant's representative and staff write; the services decide."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseBase
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from core.clock import cluster_today
from frontend import pages
from frontend.access import or_404
from frontend.pages import form_page
from tenants.http import ClusterHttpRequest
from tenants.projects import services
from tenants.projects.models import JointProject, ProjectIndicator
from tenants.projects.selectors import indicator_get

from ..display import value_input
from ..forms import IndicatorEditForm, IndicatorForm
from .common import FORM, actor, card_url, project_or_404, readers, writes_indicators


def _writer_project(request: ClusterHttpRequest, pk: int) -> JointProject:
    project = project_or_404(request, pk)
    if not writes_indicators(request, project):
        raise PermissionDenied(services.NOT_LEAD)
    return project


@readers
@require_http_methods(["GET", "POST"])
def indicator_create(request: ClusterHttpRequest, pk: int) -> HttpResponseBase:
    project = _writer_project(request, pk)
    this_year = cluster_today(request.cluster).year
    year = this_year if this_year in project.years else project.period_start.year
    return form_page(
        request,
        template=FORM,
        form=IndicatorForm(request.POST or None, initial={"year": year}, years=project.years),
        save=lambda data: services.indicator_create(project=project, actor=actor(request), **data),
        success=card_url(project.pk, "indicators"),
        message=lambda indicator: (
            _("Показатель за %(year)s год сохранён как черновик.") % {"year": indicator.year}
        ),
        title=_("Целевой показатель: %(title)s") % {"title": project.title},
        cancel=card_url(project.pk, "indicators"),
    )


@readers
@require_http_methods(["GET", "POST"])
def indicator_edit(request: ClusterHttpRequest, pk: int, indicator_id: int) -> HttpResponseBase:
    project = _writer_project(request, pk)
    indicator = or_404(indicator_get(project=project, indicator_id=indicator_id))
    initial = {
        "planned": value_input(indicator, indicator.planned),
        "actual": value_input(indicator, indicator.actual),
        "comment": indicator.comment,
        "name": indicator.name,
        "unit": indicator.unit,
    }
    label = indicator.name or indicator.get_kind_display()
    return form_page(
        request,
        template=FORM,
        form=IndicatorEditForm(request.POST or None, initial=initial, indicator=indicator),
        save=lambda data: services.indicator_update(indicator=indicator, actor=actor(request), **data),
        success=card_url(project.pk, "indicators"),
        message=_("Изменения сохранены."),
        title=_("%(indicator)s за %(year)s год") % {"indicator": label, "year": indicator.year},
        cancel=card_url(project.pk, "indicators"),
    )


DONE = {
    "submit": gettext_lazy("Показатель отправлен в кластер."),
    "accept": gettext_lazy("Показатель принят."),
    "return": gettext_lazy("Показатель возвращён в черновик."),
    "delete": gettext_lazy("Черновик показателя удалён."),
}


def _call(request: ClusterHttpRequest, indicator: ProjectIndicator, name: str) -> Callable[[], Any]:
    who = actor(request)
    calls: dict[str, Callable[[], Any]] = {
        "submit": lambda: services.indicator_submit(indicator=indicator, actor=who),
        "accept": lambda: services.indicator_accept(indicator=indicator, actor=who),
        "return": lambda: services.indicator_return(
            indicator=indicator, actor=who, reason=request.POST.get("reason", "")
        ),
        "delete": lambda: services.indicator_delete(indicator=indicator, actor=who),
    }
    return calls[name]


@readers
@require_POST
def indicator_action(
    request: ClusterHttpRequest, pk: int, indicator_id: int, action: str
) -> HttpResponseBase:
    project = project_or_404(request, pk)
    indicator = or_404(indicator_get(project=project, indicator_id=indicator_id))
    if action not in DONE:
        raise Http404
    return pages.action(
        request,
        _call(request, indicator, action),
        message=DONE[action],
        success=card_url(project.pk, "indicators"),
    )
