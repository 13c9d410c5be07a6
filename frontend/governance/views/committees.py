"""Committees and working groups: list, page, members and documents."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from core.audit.services import Actor
from frontend.access import or_404
from frontend.governance.forms import CommitteeDocumentForm, CommitteeForm, CommitteeMemberForm
from frontend.pages import action, form_page
from frontend.tables import list_controls, search, select
from tenants.governance import services
from tenants.governance.models import Committee, CommitteeMember
from tenants.governance.selectors import (
    committee_document_get,
    committee_get,
    committee_list,
    committee_member_get,
    committees_with_documents_for,
    seat_account,
)
from tenants.http import ClusterHttpRequest

from .records import PAGE_SIZE, Record, is_manager, managers, readers

COMMITTEES = Record(
    form_class=CommitteeForm,
    get=lambda pk: committee_get(committee_id=pk),
    keyword="committee",
    create=services.committee_create,
    update=services.committee_update,
    delete=services.committee_delete,
    name=lambda committee: committee.name,
    edit_title=gettext_lazy("Комитет: %(name)s"),
    created=gettext_lazy("Комитет «%(name)s» создан."),
    deleted=gettext_lazy("Комитет «%(name)s» удалён."),
    list_url="governance:committees",
    detail_url="governance:committee",
    new_title=gettext_lazy("Новый комитет или рабочая группа"),
    initial={"is_active": True},
)
COMMITTEE_SORTS = {"name": ("name", "id"), "kind": ("kind", "name", "id")}  # ?sort=-name: Я–А


def _documents_visible(request: ClusterHttpRequest, committee_id: int) -> bool:
    allowed = committees_with_documents_for(user=request.user, cluster=request.cluster)
    return allowed is None or committee_id in allowed


@readers
@require_GET
def committees(request: ClusterHttpRequest) -> HttpResponse:
    listing = list_controls(
        request,
        columns=COMMITTEE_SORTS,
        default="name",
        filters=(
            search(_("Название или задачи"), "name__icontains", "description__icontains"),
            select("kind", _("Вид"), Committee.Kind.choices, _("Все виды")),
        ),
        page_size=PAGE_SIZE,
    )
    return render(
        request,
        "frontend/governance/committees.html",
        {
            "page": listing.page(committee_list().prefetch_related("people")),
            "listing": listing,
            "sorting": listing.sorting,
            "manager": is_manager(request),
            "head_role": CommitteeMember.Role.HEAD,
        },
    )


@readers
@require_GET
def committee(request: ClusterHttpRequest, pk: int) -> HttpResponse:
    item = or_404(committee_get(committee_id=pk))
    manager = is_manager(request)
    return render(
        request,
        "frontend/governance/committee.html",
        {
            "committee": item,
            "manager": manager,
            "documents_visible": _documents_visible(request, item.pk),
            "member_form": CommitteeMemberForm() if manager else None,
            "document_form": CommitteeDocumentForm() if manager else None,
        },
    )


@managers
@require_POST
def committee_member_add(request: ClusterHttpRequest, pk: int) -> HttpResponseBase:
    item = or_404(committee_get(committee_id=pk))

    def add(data: dict[str, Any]) -> CommitteeMember:
        email = data.pop("user_email")
        user = seat_account(cluster=request.cluster, email=email) if email else None
        if email and user is None:
            raise ValidationError(
                {"user_email": _("Нет учётной записи с ролью в этом кластере с такими данными.")}
            )
        return services.committee_member_add(
            committee=item, actor=Actor.from_request(request), user=user, **data
        )

    return form_page(
        request,
        form=CommitteeMemberForm(request.POST),
        save=add,
        success=reverse("governance:committee", kwargs={"pk": item.pk}),
        message=lambda member: _("«%(name)s» добавлен(а) в комитет.") % {"name": member.person_name},
        title=_("Добавить в комитет «%(name)s»") % {"name": item.name},
        cancel=reverse("governance:committees"),
        submit=_("Добавить"),
    )


@managers
@require_POST
def committee_member_remove(request: ClusterHttpRequest, pk: int, member_id: int) -> HttpResponseBase:
    member = or_404(committee_member_get(committee_id=pk, member_id=member_id))
    return action(
        request,
        lambda: services.committee_member_remove(member=member, actor=Actor.from_request(request)),
        success=reverse("governance:committee", kwargs={"pk": pk}),
        message=_("«%(name)s» исключён(а) из комитета.") % {"name": member.person_name},
    )


@managers
@require_POST
def committee_document_upload(request: ClusterHttpRequest, pk: int) -> HttpResponseBase:
    item = or_404(committee_get(committee_id=pk))
    return form_page(
        request,
        form=CommitteeDocumentForm(request.POST, request.FILES),
        save=lambda data: services.committee_document_upload(
            committee=item, actor=Actor.from_request(request), **data
        ),
        success=reverse("governance:committee", kwargs={"pk": item.pk}),
        message=lambda document: _("Документ «%(title)s» загружен.") % {"title": document.title},
        title=_("Документ комитета «%(name)s»") % {"name": item.name},
        cancel=reverse("governance:committees"),
        submit=_("Загрузить"),
    )


@readers
@require_GET
def committee_document(request: ClusterHttpRequest, pk: int, document_id: int) -> HttpResponseBase:
    document = or_404(committee_document_get(committee_id=pk, document_id=document_id))
    if not _documents_visible(request, pk):
        raise Http404
    return FileResponse(
        document.file.open("rb"), as_attachment=True, filename=document.original_name or document.title
    )


@managers
@require_POST
def committee_document_delete(request: ClusterHttpRequest, pk: int, document_id: int) -> HttpResponseBase:
    document = or_404(committee_document_get(committee_id=pk, document_id=document_id))
    return action(
        request,
        lambda: services.committee_document_delete(document=document, actor=Actor.from_request(request)),
        success=reverse("governance:committee", kwargs={"pk": pk}),
        message=_("Документ «%(title)s» удалён.") % {"title": document.title},
    )
