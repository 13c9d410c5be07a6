"""Meetings of the governance bodies: list, page, agenda, attendance, decisions and protocol."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.audit.services import Actor
from frontend.access import or_404
from frontend.governance.forms import (
    AgendaItemForm,
    AttendanceForm,
    DecisionDraftForm,
    DecisionForm,
    MeetingCreateForm,
    MeetingForm,
)
from frontend.pages import action, form_page
from frontend.tables import list_controls, search, select
from tenants.governance import services
from tenants.governance.models import AgendaItem, Body, Meeting
from tenants.governance.protocol import CONTENT_TYPES, protocol_file
from tenants.governance.quorum import ADOPTION_RULE
from tenants.governance.selectors import (
    agenda_item_get,
    meeting_attendance_sheet,
    meeting_get,
    meeting_list,
    meeting_materials,
    meeting_quorum,
)
from tenants.http import ClusterHttpRequest

from .records import PAGE_SIZE, Record, is_manager, managers, readers
from .voting import voting_context

MEETINGS = Record(
    form_class=MeetingForm,
    new_form_class=MeetingCreateForm,
    get=lambda pk: meeting_get(meeting_id=pk),
    keyword="meeting",
    create=services.meeting_create,
    update=services.meeting_update,
    delete=services.meeting_delete,
    name=str,
    edit_title=gettext_lazy("Заседание: %(name)s"),
    created=gettext_lazy("Заседание создано."),
    deleted=gettext_lazy("Заседание удалено."),
    list_url="governance:meetings",
    detail_url="governance:meeting",
    new_title=gettext_lazy("Новое заседание"),
    initial={"status": Meeting.Status.PLANNED},
)
MEETING_SORTS = {  # ?sort=-held_at (newest first, the default), held_at, body, number still work
    "held_at": ("held_at", "id"),
    "body": ("body__name", "-held_at", "-id"),
    "number": ("number", "-held_at", "-id"),
    "status": ("status", "-held_at", "-id"),
}


def _meeting_url(pk: int) -> str:
    return reverse("governance:meeting", kwargs={"pk": pk})


@readers
@require_GET
def meetings(request: ClusterHttpRequest) -> HttpResponse:
    listing = list_controls(
        request,
        columns=MEETING_SORTS,
        default="-held_at",
        filters=(
            search(
                _("Номер, место, орган, вопрос повестки"),
                "number__icontains",
                "place__icontains",
                "body__name__icontains",
                "agenda_items__title__icontains",
                distinct=True,
            ),
            # a body of the choices only: a made-up ?body= («²», 20 digits) lists every meeting
            select(
                "body",
                _("Орган управления"),
                list(Body.objects.values_list("pk", "name")),
                _("Все органы"),
                lookup="body_id",
                parse=int,
            ),
            select("status", _("Состояние"), Meeting.Status.choices, _("Любое состояние")),
        ),
        page_size=PAGE_SIZE,
    )
    return render(
        request,
        "frontend/governance/meetings.html",
        {
            "page": listing.page(meeting_list()),
            "listing": listing,
            "sorting": listing.sorting,
            "manager": is_manager(request),
        },
    )


@readers
@require_GET
def meeting(request: ClusterHttpRequest, pk: int) -> HttpResponse:
    item = or_404(meeting_get(meeting_id=pk))
    manager = is_manager(request)
    # voting by ballots: the quorum is in the live count until voting closes (no second count of the voters)
    shows_quorum = not item.by_ballots or item.voting_closed_at is not None
    return render(
        request,
        "frontend/governance/meeting.html",
        {
            "meeting": item,
            "quorum": meeting_quorum(meeting=item) if shows_quorum else None,
            "manager": manager,
            "adoption_rule": ADOPTION_RULE,
            "agenda_form": AgendaItemForm() if manager else None,
            "materials": list(meeting_materials(meeting=item)),
            **voting_context(request, item),
        },
    )


def _agenda(
    request: ClusterHttpRequest, meeting: Meeting, *, form: AgendaItemForm | None = None
) -> Callable[[str, bool], HttpResponse]:
    """The agenda section of the meeting page (an htmx answer of adding or deleting a question),
    with the action's message or refusal; a refused form keeps what was typed."""

    def fragment(text: str, ok: bool) -> HttpResponse:
        fresh = or_404(meeting_get(meeting_id=meeting.pk))
        return render(
            request,
            "frontend/governance/agenda.html",
            {
                "meeting": fresh,
                "manager": True,
                "agenda_form": AgendaItemForm() if ok or form is None else form,
                "agenda_note": text,
                "agenda_ok": ok,
            },
        )

    return fragment


@managers
@require_POST
def meeting_agenda_add(request: ClusterHttpRequest, pk: int) -> HttpResponseBase:
    item = or_404(meeting_get(meeting_id=pk))
    form = AgendaItemForm(request.POST)

    def add() -> AgendaItem:
        if not form.is_valid():
            raise ValidationError(_("Введите вопрос повестки."))
        return services.agenda_item_add(
            meeting=item, actor=Actor.from_request(request), title=form.cleaned_data["title"]
        )

    return action(
        request,
        add,
        success=_meeting_url(pk),
        message=lambda added: _("Вопрос %(number)s добавлен в повестку.") % {"number": added.number},
        fragment=_agenda(request, item, form=form),
    )


@managers
@require_POST
def meeting_agenda_delete(request: ClusterHttpRequest, pk: int, item_id: int) -> HttpResponseBase:
    agenda_item = or_404(agenda_item_get(meeting_id=pk, item_id=item_id))
    return action(
        request,
        lambda: services.agenda_item_delete(item=agenda_item, actor=Actor.from_request(request)),
        success=_meeting_url(pk),
        message=_("Вопрос %(number)s удалён из повестки.") % {"number": agenda_item.number},
        fragment=_agenda(request, agenda_item.meeting),
    )


@managers
@require_http_methods(["GET", "POST"])
def meeting_attendance(request: ClusterHttpRequest, pk: int) -> HttpResponseBase:
    item = or_404(meeting_get(meeting_id=pk))
    form = AttendanceForm(request.POST or None, sheet=meeting_attendance_sheet(meeting=item))
    return form_page(
        request,
        form=form,
        save=lambda data: services.meeting_record_attendance(
            meeting=item,
            actor=Actor.from_request(request),
            rows=[
                services.AttendanceRow(company=company, present=present, representative_name=name)
                for company, present, name in form.cleaned_rows()
            ],
        ),
        success=_meeting_url(pk),
        message=_("Присутствие отмечено."),
        template="frontend/governance/attendance.html",
        context={"meeting": item},
    )


@managers
@require_http_methods(["GET", "POST"])
def meeting_decision_add(request: ClusterHttpRequest, pk: int) -> HttpResponseBase:
    item = or_404(meeting_get(meeting_id=pk))
    if item.by_ballots:  # a draft put to the vote: its results come from the ballots
        return form_page(
            request,
            form=DecisionDraftForm(request.POST or None, meeting=item),
            save=lambda data: services.decision_draft_add(
                meeting=item, actor=Actor.from_request(request), **data
            ),
            success=_meeting_url(pk),
            message=_("Проект решения добавлен."),
            title=_("Проект решения: %(meeting)s") % {"meeting": item},
            cancel=_meeting_url(pk),
            submit=_("Добавить"),
        )
    return form_page(
        request,
        form=DecisionForm(request.POST or None, meeting=item),
        save=lambda data: services.meeting_record_decisions(
            meeting=item, actor=Actor.from_request(request), decisions=[services.DecisionInput(**data)]
        ),
        success=_meeting_url(pk),
        message=_("Решение записано."),
        template="frontend/governance/decision_form.html",
        context={"meeting": item, "quorum": meeting_quorum(meeting=item), "adoption_rule": ADOPTION_RULE},
    )


@readers
@require_GET
def meeting_protocol(request: ClusterHttpRequest, pk: int) -> HttpResponse:
    extension = request.GET.get("format", "pdf")
    item = or_404(meeting_get(meeting_id=pk))
    if extension not in CONTENT_TYPES:
        raise Http404
    found = protocol_file(meeting=item, cluster=request.cluster, extension=extension)
    response = HttpResponse(found.content, content_type=found.content_type)
    response["Content-Disposition"] = found.disposition
    return response
