"""Pages of the governance area: bodies, officers, committees, meetings and their protocols.

Any cluster role reads; cluster admins and staff change. Times are the cluster's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.accounts.models import Grant, User
from core.accounts.selectors import user_cluster_roles
from core.audit.services import Actor
from frontend.access import MANAGERS, cluster_page, forbidden, not_found
from tenants.governance import services
from tenants.governance.models import AgendaItem, Body, Committee, CommitteeMember, Meeting
from tenants.governance.protocol import (
    CONTENT_TYPES,
    content_disposition,
    protocol_build,
    protocol_docx,
    protocol_filename,
    protocol_pdf,
)
from tenants.governance.quorum import ADOPTION_RULE
from tenants.governance.selectors import (
    body_get,
    body_list,
    committee_document_get,
    committee_get,
    committee_list,
    committees_with_documents_for,
    meeting_attendance_sheet,
    meeting_get,
    meeting_list,
    meeting_quorum,
    officer_get,
    officer_list,
    officers_current,
)

from .forms import (
    AgendaItemForm,
    AttendanceForm,
    BodyForm,
    CommitteeDocumentForm,
    CommitteeForm,
    CommitteeMemberForm,
    DecisionForm,
    MeetingCreateForm,
    MeetingForm,
    OfficerForm,
    apply_errors,
)

View = Callable[..., HttpResponseBase]
PAGE_SIZE = 25


readers = cluster_page(Grant.CLUSTER_ROLES)
managers = cluster_page(MANAGERS)


def _is_manager(request: HttpRequest) -> bool:
    return bool(user_cluster_roles(request.user, request.cluster) & MANAGERS)  # type: ignore[attr-defined]


def _sorted(request: HttpRequest, qs: QuerySet[Any], allowed: dict[str, list[str]], default: str) -> tuple[QuerySet[Any], str]:
    sort = request.GET.get("sort", default)
    if sort not in allowed:
        sort = default
    return qs.order_by(*allowed[sort]), sort


def _form_page(request: HttpRequest, *, form: Any, title: str, cancel: str, submit: str | None = None,
               multipart: bool = False) -> HttpResponse:
    return render(request, "frontend/governance/form.html", {
        "form": form, "title": title, "cancel": cancel, "submit": submit or _("Сохранить"),
        "multipart": multipart,
    })


def _forbidden(request: HttpRequest) -> HttpResponse:
    return forbidden(request, _("Изменять данные могут только администраторы и сотрудники кластера."))


def _error_message(request: HttpRequest, exc: ValidationError) -> None:
    messages.error(request, " ".join(exc.messages))


# --- bodies ---------------------------------------------------------------------------

@readers
@require_http_methods(["GET", "POST"])
def bodies(request: HttpRequest) -> HttpResponse:
    manager = _is_manager(request)
    form = BodyForm(request.POST or None)
    if request.method == "POST":
        if not manager:
            return _forbidden(request)
        if form.is_valid():
            try:
                body = services.body_create(actor=Actor.from_request(request), **form.cleaned_data)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("Орган управления «%(name)s» добавлен.") % {"name": body.name})
                return redirect("governance:bodies")
    return render(request, "frontend/governance/bodies.html", {
        "bodies": body_list(), "form": form if manager else None, "manager": manager,
    })


@managers
@require_http_methods(["GET", "POST"])
def body_edit(request: HttpRequest, pk: int) -> HttpResponse:
    body = body_get(body_id=pk)
    if body is None:
        return not_found(request)
    initial = {"kind": body.kind, "name": body.name, "quorum_rule": body.quorum_rule,
               "quorum_fixed_count": body.quorum_fixed_count}
    form = BodyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.body_update(body=body, actor=Actor.from_request(request), **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Изменения сохранены."))
            return redirect("governance:bodies")
    return _form_page(request, form=form, title=_("Орган управления: %(name)s") % {"name": body.name},
                      cancel="governance:bodies")


@managers
@require_POST
def body_delete(request: HttpRequest, pk: int) -> HttpResponse:
    body = body_get(body_id=pk)
    if body is None:
        return not_found(request)
    try:
        services.body_delete(body=body, actor=Actor.from_request(request))
    except ValidationError as exc:
        _error_message(request, exc)
    else:
        messages.success(request, _("Орган управления «%(name)s» удалён.") % {"name": body.name})
    return redirect("governance:bodies")


# --- officers -------------------------------------------------------------------------

@readers
@require_http_methods(["GET", "POST"])
def officers(request: HttpRequest) -> HttpResponse:
    manager = _is_manager(request)
    show_all = request.GET.get("all") == "1"
    form = OfficerForm(request.POST or None)
    if request.method == "POST":
        if not manager:
            return _forbidden(request)
        if form.is_valid():
            try:
                officer = services.officer_create(actor=Actor.from_request(request), **form.cleaned_data)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("Должностное лицо «%(name)s» добавлено.") % {"name": officer.person_name})
                return redirect("governance:officers")
    today = timezone.localdate()
    qs = officer_list() if show_all else officers_current(today=today)
    return render(request, "frontend/governance/officers.html", {
        "officers": qs, "show_all": show_all, "today": today, "form": form if manager else None,
        "manager": manager,
    })


@managers
@require_http_methods(["GET", "POST"])
def officer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    officer = officer_get(officer_id=pk)
    if officer is None:
        return not_found(request)
    initial = {"title": officer.title, "person_name": officer.person_name, "body": officer.body,
               "company": officer.company, "term_start": officer.term_start, "term_end": officer.term_end}
    form = OfficerForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.officer_update(officer=officer, actor=Actor.from_request(request), **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Изменения сохранены."))
            return redirect("governance:officers")
    return _form_page(request, form=form, title=_("Должностное лицо: %(name)s") % {"name": officer.person_name},
                      cancel="governance:officers")


@managers
@require_POST
def officer_delete(request: HttpRequest, pk: int) -> HttpResponse:
    officer = officer_get(officer_id=pk)
    if officer is None:
        return not_found(request)
    services.officer_delete(officer=officer, actor=Actor.from_request(request))
    messages.success(request, _("Должностное лицо «%(name)s» удалено.") % {"name": officer.person_name})
    return redirect("governance:officers")


# --- committees -----------------------------------------------------------------------

COMMITTEE_SORTS = {"name": ["name", "id"], "-name": ["-name", "-id"], "kind": ["kind", "name", "id"]}


@readers
@require_GET
def committees(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    kind = request.GET.get("kind", "")
    qs = committee_list().prefetch_related("people")
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(description__icontains=query))
    if kind in Committee.Kind.values:
        qs = qs.filter(kind=kind)
    qs, sort = _sorted(request, qs, COMMITTEE_SORTS, "name")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "frontend/governance/committees.html", {
        "page": page, "q": query, "kind": kind, "sort": sort, "kinds": Committee.Kind.choices,
        "manager": _is_manager(request), "head_role": CommitteeMember.Role.HEAD,
    })


@managers
@require_http_methods(["GET", "POST"])
def committee_create(request: HttpRequest) -> HttpResponse:
    form = CommitteeForm(request.POST or None, initial={"is_active": True})
    if request.method == "POST" and form.is_valid():
        try:
            committee = services.committee_create(actor=Actor.from_request(request), **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Комитет «%(name)s» создан.") % {"name": committee.name})
            return redirect("governance:committee", pk=committee.pk)
    return _form_page(request, form=form, title=_("Новый комитет или рабочая группа"),
                      cancel="governance:committees")


@readers
@require_GET
def committee(request: HttpRequest, pk: int) -> HttpResponse:
    item = committee_get(committee_id=pk)
    if item is None:
        return not_found(request)
    allowed = committees_with_documents_for(user=request.user, cluster=request.cluster)  # type: ignore[arg-type, attr-defined]
    manager = _is_manager(request)
    return render(request, "frontend/governance/committee.html", {
        "committee": item, "manager": manager, "documents_visible": allowed is None or item.pk in allowed,
        "member_form": CommitteeMemberForm() if manager else None,
        "document_form": CommitteeDocumentForm() if manager else None,
    })


@managers
@require_http_methods(["GET", "POST"])
def committee_edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = committee_get(committee_id=pk)
    if item is None:
        return not_found(request)
    initial = {"kind": item.kind, "name": item.name, "description": item.description, "plan": item.plan,
               "is_active": item.is_active}
    form = CommitteeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.committee_update(committee=item, actor=Actor.from_request(request), **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Изменения сохранены."))
            return redirect("governance:committee", pk=item.pk)
    return _form_page(request, form=form, title=_("Комитет: %(name)s") % {"name": item.name},
                      cancel="governance:committees")


@managers
@require_POST
def committee_delete(request: HttpRequest, pk: int) -> HttpResponse:
    item = committee_get(committee_id=pk)
    if item is None:
        return not_found(request)
    services.committee_delete(committee=item, actor=Actor.from_request(request))
    messages.success(request, _("Комитет «%(name)s» удалён.") % {"name": item.name})
    return redirect("governance:committees")


@managers
@require_POST
def committee_member_add(request: HttpRequest, pk: int) -> HttpResponse:
    item = committee_get(committee_id=pk)
    if item is None:
        return not_found(request)
    form = CommitteeMemberForm(request.POST)
    if form.is_valid():
        data = dict(form.cleaned_data)
        email = data.pop("user_email")
        user = User.objects.filter(email__iexact=email).first() if email else None
        try:
            if email and user is None:
                raise ValidationError({"user_email": _("Учётной записи с таким e-mail нет.")})
            member = services.committee_member_add(committee=item, actor=Actor.from_request(request), user=user, **data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("«%(name)s» добавлен(а) в комитет.") % {"name": member.person_name})
            return redirect("governance:committee", pk=item.pk)
    return _form_page(request, form=form, title=_("Добавить в комитет «%(name)s»") % {"name": item.name},
                      cancel="governance:committees", submit=_("Добавить"))


@managers
@require_POST
def committee_member_remove(request: HttpRequest, pk: int, member_id: int) -> HttpResponse:
    member = CommitteeMember.objects.filter(pk=member_id, committee_id=pk).first()
    if member is None:
        return not_found(request)
    services.committee_member_remove(member=member, actor=Actor.from_request(request))
    messages.success(request, _("«%(name)s» исключён(а) из комитета.") % {"name": member.person_name})
    return redirect("governance:committee", pk=pk)


@managers
@require_POST
def committee_document_upload(request: HttpRequest, pk: int) -> HttpResponse:
    item = committee_get(committee_id=pk)
    if item is None:
        return not_found(request)
    form = CommitteeDocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            document = services.committee_document_upload(committee=item, actor=Actor.from_request(request), **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Документ «%(title)s» загружен.") % {"title": document.title})
            return redirect("governance:committee", pk=item.pk)
    return _form_page(request, form=form, title=_("Документ комитета «%(name)s»") % {"name": item.name},
                      cancel="governance:committees", submit=_("Загрузить"), multipart=True)


@readers
@require_GET
def committee_document(request: HttpRequest, pk: int, document_id: int) -> HttpResponseBase:
    document = committee_document_get(committee_id=pk, document_id=document_id)
    allowed = committees_with_documents_for(user=request.user, cluster=request.cluster)  # type: ignore[arg-type, attr-defined]
    if document is None or (allowed is not None and pk not in allowed):
        return not_found(request)
    return FileResponse(document.file.open("rb"), as_attachment=True, filename=document.original_name or document.title)


@managers
@require_POST
def committee_document_delete(request: HttpRequest, pk: int, document_id: int) -> HttpResponse:
    document = committee_document_get(committee_id=pk, document_id=document_id)
    if document is None:
        return not_found(request)
    services.committee_document_delete(document=document, actor=Actor.from_request(request))
    messages.success(request, _("Документ «%(title)s» удалён.") % {"title": document.title})
    return redirect("governance:committee", pk=pk)


# --- meetings -------------------------------------------------------------------------

MEETING_SORTS = {
    "-held_at": ["-held_at", "-id"], "held_at": ["held_at", "id"],
    "body": ["body__name", "-held_at", "-id"], "number": ["number", "-held_at", "-id"],
}


@readers
@require_GET
def meetings(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    body = request.GET.get("body", "")
    state = request.GET.get("status", "")
    qs = meeting_list()
    if query:
        qs = qs.filter(Q(number__icontains=query) | Q(place__icontains=query) | Q(body__name__icontains=query)
                       | Q(agenda_items__title__icontains=query)).distinct()
    if body.isdigit():
        qs = qs.filter(body_id=int(body))
    if state in Meeting.Status.values:
        qs = qs.filter(status=state)
    qs, sort = _sorted(request, qs, MEETING_SORTS, "-held_at")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "frontend/governance/meetings.html", {
        "page": page, "q": query, "body": body, "status": state, "sort": sort, "bodies": Body.objects.all(),
        "statuses": Meeting.Status.choices, "manager": _is_manager(request),
    })


@managers
@require_http_methods(["GET", "POST"])
def meeting_create(request: HttpRequest) -> HttpResponse:
    form = MeetingCreateForm(request.POST or None, initial={"status": Meeting.Status.PLANNED})
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.meeting_create(actor=Actor.from_request(request), **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Заседание создано."))
            return redirect("governance:meeting", pk=meeting.pk)
    return _form_page(request, form=form, title=_("Новое заседание"), cancel="governance:meetings")


@readers
@require_GET
def meeting(request: HttpRequest, pk: int) -> HttpResponse:
    item = meeting_get(meeting_id=pk)
    if item is None:
        return not_found(request)
    manager = _is_manager(request)
    return render(request, "frontend/governance/meeting.html", {
        "meeting": item, "quorum": meeting_quorum(meeting=item), "manager": manager,
        "adoption_rule": ADOPTION_RULE, "agenda_form": AgendaItemForm() if manager else None,
    })


@managers
@require_http_methods(["GET", "POST"])
def meeting_edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = meeting_get(meeting_id=pk)
    if item is None:
        return not_found(request)
    initial = {"body": item.body, "number": item.number, "held_at": timezone.localtime(item.held_at),
               "place": item.place, "status": item.status, "chair_name": item.chair_name,
               "secretary_name": item.secretary_name, "notes": item.notes}
    form = MeetingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_update(meeting=item, actor=Actor.from_request(request), **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Изменения сохранены."))
            return redirect("governance:meeting", pk=item.pk)
    return _form_page(request, form=form, title=_("Заседание: %(name)s") % {"name": str(item)},
                      cancel="governance:meetings")


@managers
@require_POST
def meeting_delete(request: HttpRequest, pk: int) -> HttpResponse:
    item = meeting_get(meeting_id=pk)
    if item is None:
        return not_found(request)
    try:
        services.meeting_delete(meeting=item, actor=Actor.from_request(request))
    except ValidationError as exc:
        _error_message(request, exc)
        return redirect("governance:meeting", pk=pk)
    messages.success(request, _("Заседание удалено."))
    return redirect("governance:meetings")


@managers
@require_POST
def meeting_agenda_add(request: HttpRequest, pk: int) -> HttpResponse:
    item = meeting_get(meeting_id=pk)
    if item is None:
        return not_found(request)
    form = AgendaItemForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Введите вопрос повестки."))
    else:
        try:
            services.agenda_item_add(meeting=item, actor=Actor.from_request(request), title=form.cleaned_data["title"])
        except ValidationError as exc:
            _error_message(request, exc)
    return redirect("governance:meeting", pk=pk)


@managers
@require_POST
def meeting_agenda_delete(request: HttpRequest, pk: int, item_id: int) -> HttpResponse:
    agenda_item = AgendaItem.objects.filter(pk=item_id, meeting_id=pk).first()
    if agenda_item is None:
        return not_found(request)
    try:
        services.agenda_item_delete(item=agenda_item, actor=Actor.from_request(request))
    except ValidationError as exc:
        _error_message(request, exc)
    return redirect("governance:meeting", pk=pk)


@managers
@require_http_methods(["GET", "POST"])
def meeting_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    item = meeting_get(meeting_id=pk)
    if item is None:
        return not_found(request)
    form = AttendanceForm(request.POST or None, sheet=meeting_attendance_sheet(meeting=item))
    if request.method == "POST" and form.is_valid():
        rows = [services.AttendanceRow(company=company, present=present, representative_name=name)
                for company, present, name in form.cleaned_rows()]
        try:
            services.meeting_record_attendance(meeting=item, actor=Actor.from_request(request), rows=rows)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Присутствие отмечено."))
            return redirect("governance:meeting", pk=pk)
    return render(request, "frontend/governance/attendance.html", {"meeting": item, "form": form})


@managers
@require_http_methods(["GET", "POST"])
def meeting_decision_add(request: HttpRequest, pk: int) -> HttpResponse:
    item = meeting_get(meeting_id=pk)
    if item is None:
        return not_found(request)
    form = DecisionForm(request.POST or None, meeting=item)
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_record_decisions(meeting=item, actor=Actor.from_request(request),
                                              decisions=[services.DecisionInput(**form.cleaned_data)])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Решение записано."))
            return redirect("governance:meeting", pk=pk)
    return render(request, "frontend/governance/decision_form.html", {
        "meeting": item, "form": form, "quorum": meeting_quorum(meeting=item), "adoption_rule": ADOPTION_RULE,
    })


@readers
@require_GET
def meeting_protocol(request: HttpRequest, pk: int) -> HttpResponse:
    extension = request.GET.get("format", "pdf")
    item = meeting_get(meeting_id=pk)
    if item is None or extension not in CONTENT_TYPES:
        return not_found(request)
    cluster = request.cluster  # type: ignore[attr-defined]
    protocol = protocol_build(meeting=item, cluster=cluster)
    content = protocol_docx(protocol) if extension == "docx" else protocol_pdf(protocol)
    response = HttpResponse(content, content_type=CONTENT_TYPES[extension])
    response["Content-Disposition"] = content_disposition(
        protocol_filename(meeting=item, cluster=cluster, extension=extension))
    return response

