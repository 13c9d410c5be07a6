"""Selection pages on a cluster host (namespace "program", prefix /selection/): the calls the
cluster may apply to and «Заявка на отбор» — the cluster admin starts an application, whose
sections fill themselves from the cluster's live data, writes the narrative, submits it (frozen
as version N) and answers the ministry's clarifications. Cluster staff read; nobody else.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.accounts.models import Grant
from core.accounts.selectors import user_cluster_roles
from core.audit.services import Actor
from core.selection import selectors, services
from core.selection.models import Application, Call
from core.selection.snapshot import live_sections
from frontend.access import MANAGERS, cluster_page, or_404
from frontend.pages import action, form_page
from tenants.http import ClusterHttpRequest

from . import display
from .forms import AnswerForm, AttachmentForm, NarrativeForm, SubmitForm, effects_lines


def _is_admin(request: ClusterHttpRequest) -> bool:
    return Grant.Role.CLUSTER_ADMIN in user_cluster_roles(request.user, request.cluster)


def _application(request: ClusterHttpRequest, pk: int) -> Application:
    return or_404(selectors.application_of_cluster(cluster=request.cluster, application_id=pk))


def _here(application: Application) -> str:
    return reverse("program:application", args=[application.pk])


@cluster_page(MANAGERS)
@require_GET
def index(request: ClusterHttpRequest) -> HttpResponse:
    applications = list(selectors.applications_of_cluster(cluster=request.cluster))
    mine = {a.call_id: a for a in applications}
    calls = [
        (call, mine.get(call.pk), services.eligibility_error(call=call, cluster=request.cluster))
        for call in selectors.calls_for_cluster(cluster=request.cluster)
        if call.status == Call.Status.OPEN
    ]
    return render(
        request,
        "frontend/selection/cluster_index.html",
        {
            "calls": calls,
            "applications": applications,
            "admin": _is_admin(request),
        },
    )


@cluster_page(MANAGERS)
@require_POST
def start(request: ClusterHttpRequest, call_pk: int) -> HttpResponseBase:
    call = or_404(
        next((c for c in selectors.calls_for_cluster(cluster=request.cluster) if c.pk == call_pk), None)
    )
    return action(
        request,
        lambda: services.application_create(
            call=call, cluster=request.cluster, actor=Actor.from_request(request)
        ),
        success=lambda application: _here(application) if application else reverse("program:index"),
        failure=reverse("program:index"),
        message=_("Заявка начата: разделы о кластере заполнены по текущим данным."),
    )


@cluster_page(MANAGERS)
@require_http_methods(["GET", "POST"])
def application_page(request: ClusterHttpRequest, pk: int) -> HttpResponseBase:
    application = _application(request, pk)
    editable = _is_admin(request) and application.status in services.EDITABLE
    initial: dict[str, Any] = {
        "goals": application.goals,
        "anchor_project": application.anchor_project,
        "team": application.team,
        "expected_effects": effects_lines(application.expected_effects),
    }
    live = application.status == Application.Status.DRAFT
    view = (
        display.sections(live_sections(cluster=request.cluster))
        if live
        else display.application_view(application)
    )
    open_request = next((c for c in selectors.clarifications_of(application) if c.answered_at is None), None)
    return form_page(
        request,
        form=NarrativeForm(request.POST or None, initial=initial),
        save=lambda data: services.application_update(
            application=application, data=data, actor=Actor.from_request(request)
        ),
        success=_here(application),
        message=_("Заявка сохранена."),
        title=_("Заявка на отбор «%(title)s»") % {"title": application.call.title},
        template="frontend/selection/cluster_application.html",
        context={
            "application": application,
            "view": view,
            "live": live,
            "editable": editable,
            "admin": _is_admin(request),
            "history": selectors.clarifications_of(application),
            "open_request": open_request,
            "submit_form": SubmitForm(),
            "answer_form": AnswerForm(),
            "attachment_form": AttachmentForm(),
            "attachments": list(application.attachments.all()),
        },
    )


@cluster_page(MANAGERS)
@require_POST
def submit(request: ClusterHttpRequest, pk: int) -> HttpResponseBase:
    application = _application(request, pk)
    if not SubmitForm(request.POST).is_valid():
        return action(
            request,
            lambda: _refuse(_("Подтвердите отправку заявки: отметьте «Подтверждаю».")),
            success=_here(application),
        )
    return action(
        request,
        lambda: services.application_submit(application=application, actor=Actor.from_request(request)),
        success=_here(application),
        message=lambda a: _("Заявка подана: версия %(v)s зафиксирована.") % {"v": a.version},
    )


@cluster_page(MANAGERS)
@require_POST
def attach(request: ClusterHttpRequest, pk: int) -> HttpResponseBase:
    application = _application(request, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        return action(
            request,
            lambda: _refuse(_("Выберите файл и укажите, что это за приложение.")),
            success=_here(application),
        )
    return action(
        request,
        lambda: services.attachment_add(
            application=application,
            name=form.cleaned_data["name"],
            file=form.cleaned_data["file"],
            actor=Actor.from_request(request),
        ),
        success=_here(application),
        message=_("Файл приложен к заявке."),
    )


@cluster_page(MANAGERS)
@require_POST
def detach(request: ClusterHttpRequest, pk: int, attachment_pk: int) -> HttpResponseBase:
    application = _application(request, pk)
    attachment = or_404(application.attachments.filter(pk=attachment_pk).first())
    return action(
        request,
        lambda: services.attachment_delete(attachment=attachment, actor=Actor.from_request(request)),
        success=_here(application),
        message=_("Файл удалён из заявки."),
    )


@cluster_page(MANAGERS)
@require_GET
def download(request: ClusterHttpRequest, pk: int, fmt: str) -> HttpResponse:
    return display.application_response(application=_application(request, pk), fmt=fmt)


@cluster_page(MANAGERS)
@require_POST
def answer(request: ClusterHttpRequest, pk: int, clarification_pk: int) -> HttpResponseBase:
    application = _application(request, pk)
    clarification = or_404(
        next((c for c in selectors.clarifications_of(application) if c.pk == clarification_pk), None)
    )
    form = AnswerForm(request.POST)
    text = form.cleaned_data["answer"] if form.is_valid() else ""
    return action(
        request,
        lambda: services.clarification_answer(
            clarification=clarification, answer=text, actor=Actor.from_request(request)
        ),
        success=_here(application),
        message=_("Ответ отправлен, заявка подана новой версией."),
    )


def _refuse(message: str) -> None:
    raise ValidationError(message)
