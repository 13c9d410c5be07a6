"""The «Персональные данные» area of a cluster: consents, the register of processing, subjects'
requests and incidents. Managers read; the services let only cluster admins change anything."""

from __future__ import annotations

import json
from typing import Any

from django.db.models import Q
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.accounts.access import member_access
from core.accounts.models import Grant
from core.audit.services import Actor
from frontend.access import MANAGERS, cluster_page, or_404
from frontend.pages import action, form_page
from frontend.tables import ListControls, list_controls, search, select
from tenants.http import ClusterHttpRequest
from tenants.privacy import services
from tenants.privacy.export import export_pdf
from tenants.privacy.models import Consent, ConsentPurpose, SubjectRequest
from tenants.privacy.selectors import (
    activity_list,
    cluster_people,
    consent_get,
    consent_list,
    incident_clocks,
    incident_list,
    purpose_list,
    request_get,
    request_list,
)

from .forms import ActivityForm, IncidentForm, PurposeForm, RefuseForm, RequestForm, TextForm

managers = cluster_page(MANAGERS)
# Pages that change something: cluster admins only (staff read the area).
admins = cluster_page({Grant.Role.CLUSTER_ADMIN})
INDEX = "privacy:index"


def _actor(request: ClusterHttpRequest) -> Actor:
    return Actor.from_request(request)


# Sortable columns of the consents list (?sort=key / -key); the newest consent first by default.
CONSENT_COLUMNS: dict[str, tuple[str, ...]] = {
    "given": ("given_at", "id"),
    "purpose": ("purpose__title", "-given_at", "-id"),
    "version": ("text__version", "-given_at", "-id"),
    "withdrawn": ("withdrawn_at", "-given_at", "-id"),
}
CONSENT_STATES = (("active", gettext_lazy("Действующие")), ("withdrawn", gettext_lazy("Отозванные")))


def _consents(
    request: ClusterHttpRequest, people: dict[int, str], purposes: list[ConsentPurpose]
) -> tuple[ListControls, Any]:
    """The consents list: a page of the cluster's consents, filtered and sorted from the query."""
    listing = list_controls(
        request,
        columns=CONSENT_COLUMNS,
        default="-given",
        filters=(
            search(_("Субъект или организация")),
            select("purpose", _("Цель"), [(p.pk, p.title) for p in purposes], _("Все цели"), parse=int),
            select(
                "state",
                _("Состояние"),
                CONSENT_STATES,
                _("Действующие и отозванные"),
                lookup="withdrawn_at__isnull",
                parse=lambda v: v == "active",
            ),
        ),
    )
    access = member_access(user=request.user, cluster=request.cluster)
    qs = consent_list(access=access, user=request.user)  # type: ignore[arg-type]
    query = listing.values["q"]  # people's names live in the public schema: the view searches
    if query:
        found = [pk for pk, name in people.items() if query.casefold() in name.casefold()]
        qs = qs.filter(
            Q(user_id__in=found)
            | Q(company__short_name__icontains=query)
            | Q(company__full_name__icontains=query)
        )
    return listing, listing.page(qs)


# The overview shows the newest requests and incidents; their own pages list every one.
RECENT = 10
REQUEST_COLUMNS: dict[str, tuple[str, ...]] = {
    "subject": ("subject_name", "-received_on", "-id"),
    "kind": ("kind", "-received_on", "-id"),
    "received": ("received_on", "id"),
    "deadline": ("deadline", "id"),
    "status": ("status", "-received_on", "-id"),
}
INCIDENT_COLUMNS: dict[str, tuple[str, ...]] = {
    "title": ("title", "-detected_at", "-id"),
    "detected": ("detected_at", "id"),
    "closed": ("closed_at", "-detected_at", "-id"),
}
INCIDENT_STATES = (("open", gettext_lazy("Открытые")), ("closed", gettext_lazy("Закрытые")))


@managers
def request_index(request: ClusterHttpRequest) -> HttpResponse:
    """Every subject's request, sorted and filtered (search by subject, kind, state)."""
    listing = list_controls(
        request,
        columns=REQUEST_COLUMNS,
        default="-received",
        filters=(
            search(_("Субъект"), "subject_name__icontains"),
            select("kind", _("Вид"), SubjectRequest.Kind.choices, _("Все виды")),
            select("status", _("Состояние"), SubjectRequest.Status.choices, _("Все")),
        ),
    )
    page = listing.page(request_list())
    return render(
        request,
        "frontend/privacy/requests.html",
        {
            "page": page,
            "requests": page,
            "listing": listing,
            "sorting": listing.sorting,
            "today": timezone.localdate(),
        },
    )


@managers
def incident_index(request: ClusterHttpRequest) -> HttpResponse:
    """Every incident with its notification clocks, sorted and filtered (search, open/closed)."""
    listing = list_controls(
        request,
        columns=INCIDENT_COLUMNS,
        default="-detected",
        filters=(
            search(_("Инцидент"), "title__icontains"),
            select(
                "state",
                _("Состояние"),
                INCIDENT_STATES,
                _("Все"),
                lookup="closed_at__isnull",
                parse=lambda v: v == "open",
            ),
        ),
    )
    page = listing.page(incident_list())
    now = timezone.now()
    return render(
        request,
        "frontend/privacy/incidents.html",
        {
            "page": page,
            "incidents": [(i, *incident_clocks(i, now)) for i in page],
            "listing": listing,
            "sorting": listing.sorting,
            "confirm_close": _("Закрыть инцидент? Закрытый инцидент не открывается снова."),
        },
    )


@managers
def index(request: ClusterHttpRequest) -> HttpResponse:
    now = timezone.now()
    people = {u.pk: u.full_name or u.email for u in cluster_people(cluster=request.cluster)}
    purposes = list(purpose_list())
    listing, page = _consents(request, people, purposes)
    incidents = [(i, *incident_clocks(i, now)) for i in incident_list()[:RECENT]]
    consents: list[tuple[Consent, str]] = [(c, people.get(c.user_id, f"#{c.user_id}")) for c in page]
    return render(
        request,
        "frontend/privacy/index.html",
        {
            "purposes": purposes,
            "consents": consents,
            "page": page,
            "listing": listing,
            "sorting": listing.sorting,
            "activities": activity_list(),
            "requests": request_list()[:RECENT],
            "request_count": request_list().count(),
            "incident_count": incident_list().count(),
            "incidents": incidents,
            "today": timezone.localdate(),
            "confirm_withdraw": _("Отозвать согласие? Отменить отзыв нельзя."),
            "confirm_delete": _("Удалить запись реестра?"),
            "confirm_close": _("Закрыть инцидент? Закрытый инцидент не открывается снова."),
        },
    )


@admins
def purpose_create(request: ClusterHttpRequest) -> HttpResponseBase:
    return form_page(
        request,
        form=PurposeForm(request.POST or None),
        save=lambda data: services.purpose_create(actor=_actor(request), **data),
        success=reverse(INDEX),
        message=_("Цель согласия добавлена."),
        title=_("Новая цель согласия"),
        cancel=reverse(INDEX),
    )


@admins
def purpose_text(request: ClusterHttpRequest, pk: int) -> HttpResponseBase:
    purpose = or_404(purpose_list().filter(pk=pk).first())
    return form_page(
        request,
        form=TextForm(request.POST or None),
        save=lambda data: services.purpose_text_publish(actor=_actor(request), purpose=purpose, **data),
        success=reverse(INDEX),
        message=_("Новая редакция текста опубликована; данные ранее согласия сохраняют свою."),
        title=_("Новая редакция: %(title)s") % {"title": purpose.title},
        cancel=reverse(INDEX),
    )


@admins
@require_POST
def consent_withdraw(request: ClusterHttpRequest, pk: int) -> HttpResponseBase:
    access = member_access(user=request.user, cluster=request.cluster)
    consent = or_404(consent_get(access=access, user=request.user, consent_id=pk))  # type: ignore[arg-type]
    return action(
        request,
        lambda: services.consent_withdraw(actor=_actor(request), consent=consent),
        success=reverse(INDEX),
        message=_("Согласие отозвано."),
    )


@admins
def activity_create(request: ClusterHttpRequest) -> HttpResponseBase:
    return form_page(
        request,
        form=ActivityForm(request.POST or None),
        save=lambda data: services.activity_create(actor=_actor(request), **data),
        success=reverse(INDEX),
        message=_("Запись реестра добавлена."),
        title=_("Новая запись реестра обработки"),
        cancel=reverse(INDEX),
    )


@admins
def activity_edit(request: ClusterHttpRequest, pk: int) -> HttpResponseBase:
    activity = or_404(activity_list().filter(pk=pk).first())
    initial = {f: getattr(activity, f) for f in services.ACTIVITY_FIELDS}
    return form_page(
        request,
        form=ActivityForm(request.POST or None, initial=initial),
        save=lambda data: services.activity_update(actor=_actor(request), activity=activity, **data),
        success=reverse(INDEX),
        message=_("Запись реестра сохранена."),
        title=activity.name,
        cancel=reverse(INDEX),
    )


@admins
@require_POST
def activity_delete(request: ClusterHttpRequest, pk: int) -> HttpResponseBase:
    activity = or_404(activity_list().filter(pk=pk).first())
    return action(
        request,
        lambda: services.activity_delete(actor=_actor(request), activity=activity),
        success=reverse(INDEX),
        message=_("Запись реестра удалена."),
    )


@admins
def request_create(request: ClusterHttpRequest) -> HttpResponseBase:
    people = [
        (u.pk, f"{u.full_name or u.email} ({u.email})") for u in cluster_people(cluster=request.cluster)
    ]
    return form_page(
        request,
        form=RequestForm(request.POST or None, people=people),
        save=lambda data: services.request_create(
            actor=_actor(request), kind=data["kind"], user_id=data["user"], received_on=data["received_on"]
        ),
        success=lambda answer: reverse("privacy:request", args=[answer.pk]),
        message=lambda answer: (
            _("Запрос зарегистрирован; ответить до %(day)s.") % {"day": answer.deadline.strftime("%d.%m.%Y")}
        ),
        title=_("Новый запрос субъекта"),
        intro=_("Срок ответа — 10 рабочих дней с даты получения по производственному календарю."),
        cancel=reverse(INDEX),
    )


@managers
def request_detail(request: ClusterHttpRequest, pk: int) -> HttpResponse:
    answer = or_404(request_get(request_id=pk))
    return render(
        request,
        "frontend/privacy/request.html",
        {
            "r": answer,
            "result": answer.result,
            "result_text": json.dumps(answer.result, ensure_ascii=False, indent=2),
            "refuse_form": RefuseForm(),
            "confirm_delete": _("Удалить данные субъекта в кластере? Это необратимо."),
            "confirm_export": _("Подготовить копию данных и закрыть запрос?"),
        },
    )


@admins
@require_POST
def request_answer(request: ClusterHttpRequest, pk: int, action: str) -> HttpResponseBase:
    answer = or_404(request_get(request_id=pk))
    calls = {"export": services.request_export, "delete": services.request_delete}
    if action not in calls:
        raise Http404
    call = calls[action]
    return _do(
        request, lambda: call(actor=_actor(request), request=answer), reverse("privacy:request", args=[pk])
    )


def _do(request: ClusterHttpRequest, call: object, target: str) -> HttpResponseBase:
    return action(request, call, success=target, message=_("Ответ на запрос сохранён."))  # type: ignore[arg-type]


@admins
def request_refuse(request: ClusterHttpRequest, pk: int) -> HttpResponseBase:
    answer = or_404(request_get(request_id=pk))
    return form_page(
        request,
        form=RefuseForm(request.POST or None),
        save=lambda data: services.request_refuse(actor=_actor(request), request=answer, **data),
        success=reverse("privacy:request", args=[pk]),
        message=_("Отказ сохранён."),
        title=_("Отказать в запросе: %(name)s") % {"name": answer.subject_name},
        cancel=reverse("privacy:request", args=[pk]),
    )


@managers
def request_copy(request: ClusterHttpRequest, pk: int, format: str) -> HttpResponse:  # noqa: A002
    answer = or_404(request_get(request_id=pk))
    if answer.status != SubjectRequest.Status.EXPORTED or format not in ("json", "pdf"):
        raise Http404
    if format == "json":
        response = HttpResponse(
            json.dumps(answer.result, ensure_ascii=False, indent=2),
            content_type="application/json; charset=utf-8",
        )
    else:
        title = _("Персональные данные: %(name)s") % {"name": answer.subject_name}
        response = HttpResponse(
            export_pdf(records=answer.result, title=title), content_type="application/pdf"
        )
    response["Content-Disposition"] = f'attachment; filename="personal-data-{answer.pk}.{format}"'
    return response


@admins
def incident_create(request: ClusterHttpRequest) -> HttpResponseBase:
    return form_page(
        request,
        form=IncidentForm(request.POST or None),
        save=lambda data: services.incident_create(actor=_actor(request), **data),
        success=reverse(INDEX),
        message=_("Инцидент записан. Уведомите Роскомнадзор в течение 24 часов."),
        title=_("Новый инцидент"),
        cancel=reverse(INDEX),
    )


@admins
@require_POST
def incident_step(request: ClusterHttpRequest, pk: int, action: str) -> HttpResponseBase:
    incident = or_404(incident_list().filter(pk=pk).first())
    if action not in services.STEPS:
        raise Http404
    return _do(
        request,
        lambda: services.incident_step(actor=_actor(request), incident=incident, step=action),
        reverse(INDEX) + "#incidents",
    )
