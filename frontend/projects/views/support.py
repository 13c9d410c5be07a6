"""State support of a project: applications, the decision on one, tranches received."""

from __future__ import annotations

from django.http import HttpResponseBase
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.clock import cluster_today
from frontend.access import or_404
from frontend.pages import action, form_page
from tenants.http import ClusterHttpRequest
from tenants.projects import services
from tenants.projects.models import JointProject, SupportApplication
from tenants.projects.selectors import project_companies, support_of_project, tranche_get

from ..forms import SupportDecisionForm, SupportForm, TrancheForm
from .common import FORM, actor, card_url, managers, project_or_404


def _application(
    request: ClusterHttpRequest, pk: int, application_id: int
) -> tuple[JointProject, SupportApplication]:
    project = project_or_404(request, pk)
    return project, or_404(support_of_project(project=project, application_id=application_id))


@managers
@require_http_methods(["GET", "POST"])
def support_create(request: ClusterHttpRequest, pk: int) -> HttpResponseBase:
    project = project_or_404(request, pk)
    return form_page(
        request,
        template=FORM,
        form=SupportForm(
            request.POST or None,
            companies=project_companies(project=project),
            initial={"submitted_on": cluster_today(request.cluster)},
        ),
        save=lambda data: services.support_create(project=project, actor=actor(request), **data),
        success=card_url(project.pk, "support"),
        message=lambda application: (
            _("Заявка «%(measure)s» добавлена.") % {"measure": application.get_measure_display()}
        ),
        title=_("Заявка на господдержку: %(title)s") % {"title": project.title},
        cancel=card_url(project.pk, "support"),
    )


@managers
@require_http_methods(["GET", "POST"])
def support_decide(request: ClusterHttpRequest, pk: int, application_id: int) -> HttpResponseBase:
    project, application = _application(request, pk, application_id)
    return form_page(
        request,
        template=FORM,
        form=SupportDecisionForm(request.POST or None, initial=SupportDecisionForm.initial_for(application)),
        save=lambda data: services.support_decide(application=application, actor=actor(request), **data),
        success=card_url(project.pk, "support"),
        message=_("Решение по заявке сохранено."),
        title=_("Решение по заявке: %(measure)s, %(company)s")
        % {"measure": application.get_measure_display(), "company": application.company},
        cancel=card_url(project.pk, "support"),
    )


@managers
@require_POST
def support_delete(request: ClusterHttpRequest, pk: int, application_id: int) -> HttpResponseBase:
    project, application = _application(request, pk, application_id)
    return action(
        request,
        lambda: services.support_delete(application=application, actor=actor(request)),
        success=card_url(project.pk, "support"),
        message=_("Заявка удалена."),
    )


@managers
@require_http_methods(["GET", "POST"])
def tranche_create(request: ClusterHttpRequest, pk: int, application_id: int) -> HttpResponseBase:
    project, application = _application(request, pk, application_id)
    return form_page(
        request,
        template=FORM,
        form=TrancheForm(request.POST or None),
        save=lambda data: services.tranche_add(application=application, actor=actor(request), **data),
        success=card_url(project.pk, f"support-{application.pk}"),
        message=_("Транш внесён."),
        title=_("Транш по заявке: %(measure)s, %(company)s")
        % {"measure": application.get_measure_display(), "company": application.company},
        cancel=card_url(project.pk, "support"),
        submit=_("Внести транш"),
    )


@managers
@require_POST
def tranche_delete(
    request: ClusterHttpRequest, pk: int, application_id: int, tranche_id: int
) -> HttpResponseBase:
    project, application = _application(request, pk, application_id)
    tranche = or_404(tranche_get(application=application, tranche_id=tranche_id))
    return action(
        request,
        lambda: services.tranche_delete(tranche=tranche, actor=actor(request)),
        success=card_url(project.pk, f"support-{application.pk}"),
        message=_("Транш удалён."),
    )
