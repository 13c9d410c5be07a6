"""Writes of the governance area (inside the current cluster schema).

Only cluster admins and staff (or the system) change governance data: every function starts
with `require_manager`. Every function checks its invariants, saves inside one transaction and
writes the audit row in that same transaction. Russian ValidationError messages reach the user as they are.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.db.models import Max
from django.utils import timezone

from core.accounts.access import current_cluster, require_manager
from core.accounts.models import User
from core.accounts.selectors import user_cluster_roles
from core.audit.services import Actor, audit_record, fields_only, model_create, model_delete, model_update
from core.files import delete_files_on_commit, document_check, stored_file_rollback
from tenants.members import services as member_services
from tenants.members.models import Company

from ..models import (
    AgendaItem,
    Attendance,
    Body,
    Committee,
    CommitteeDocument,
    CommitteeMember,
    Decision,
    Meeting,
    Officer,
)
from ..quorum import Quorum, is_adopted
from ..selectors import meeting_quorum, meeting_voter_ids


def _audited(obj: models.Model) -> list[str]:
    """Governance audits every editable field (times included)."""
    return [f.name for f in obj._meta.concrete_fields if f.editable]


def _save_new(*, obj: models.Model, actor: Actor, action: str) -> None:
    model_create(obj=obj, actor=actor, action=action, audited=_audited(obj))


def _save_changes(*, obj: models.Model, actor: Actor, action: str, fields: dict[str, Any]) -> None:
    model_update(obj=obj, data=fields, actor=actor, action=action, audited=_audited(obj))


def _delete(*, obj: models.Model, actor: Actor, action: str) -> None:
    model_delete(obj=obj, actor=actor, action=action, audited=_audited(obj))


# --- bodies ---------------------------------------------------------------------------

BODY_FIELDS = {"kind", "name", "quorum_rule", "quorum_fixed_count"}


def _body_normalize(fields: dict[str, Any]) -> dict[str, Any]:
    if "name" in fields:
        fields["name"] = (fields["name"] or "").strip()
    if fields.get("quorum_rule") and fields["quorum_rule"] != Body.Quorum.FIXED:
        fields["quorum_fixed_count"] = None
    elif fields.get("quorum_rule") == Body.Quorum.FIXED and not fields.get("quorum_fixed_count"):
        raise ValidationError({"quorum_fixed_count": "Для кворума «не менее заданного числа» укажите число."})
    return fields


def body_create(
    *,
    actor: Actor,
    kind: str,
    name: str,
    quorum_rule: str = Body.Quorum.MAJORITY,
    quorum_fixed_count: int | None = None,
) -> Body:
    require_manager(actor)
    fields = _body_normalize(
        {"kind": kind, "name": name, "quorum_rule": quorum_rule, "quorum_fixed_count": quorum_fixed_count}
    )
    body = Body(**fields)
    with transaction.atomic():
        _save_new(obj=body, actor=actor, action="body.create")
    return body


def body_update(*, body: Body, actor: Actor, **fields: Any) -> Body:
    require_manager(actor)
    fields = _body_normalize(fields_only(fields, BODY_FIELDS))
    with transaction.atomic():
        _save_changes(obj=body, actor=actor, action="body.update", fields=fields)
    return body


def body_delete(*, body: Body, actor: Actor) -> None:
    require_manager(actor)
    if body.meetings.exists():
        raise ValidationError("Нельзя удалить орган управления, у которого есть заседания.")
    with transaction.atomic():
        _delete(obj=body, actor=actor, action="body.delete")


# --- officers -------------------------------------------------------------------------

OFFICER_FIELDS = {"title", "person_name", "term_start", "term_end", "body", "company", "user"}


def officer_create(
    *,
    actor: Actor,
    title: str,
    person_name: str,
    term_start: dt.date,
    term_end: dt.date | None = None,
    body: Body | None = None,
    company: Company | None = None,
    user: User | None = None,
) -> Officer:
    require_manager(actor)
    officer = Officer(
        title=title.strip(),
        person_name=person_name.strip(),
        term_start=term_start,
        term_end=term_end,
        body=body,
        company=company,
        user=user,
    )
    with transaction.atomic():
        _save_new(obj=officer, actor=actor, action="officer.create")
    return officer


def officer_update(*, officer: Officer, actor: Actor, **fields: Any) -> Officer:
    require_manager(actor)
    with transaction.atomic():
        _save_changes(
            obj=officer, actor=actor, action="officer.update", fields=fields_only(fields, OFFICER_FIELDS)
        )
    return officer


def officer_delete(*, officer: Officer, actor: Actor) -> None:
    require_manager(actor)
    with transaction.atomic():
        _delete(obj=officer, actor=actor, action="officer.delete")


# --- committees -----------------------------------------------------------------------

COMMITTEE_FIELDS = {"kind", "name", "description", "plan", "is_active"}


def committee_create(
    *,
    actor: Actor,
    name: str,
    kind: str = Committee.Kind.COMMITTEE,
    description: str = "",
    plan: str = "",
    is_active: bool = True,
) -> Committee:
    require_manager(actor)
    committee = Committee(
        name=name.strip(), kind=kind, description=description, plan=plan, is_active=is_active
    )
    with transaction.atomic():
        _save_new(obj=committee, actor=actor, action="committee.create")
    return committee


def committee_update(*, committee: Committee, actor: Actor, **fields: Any) -> Committee:
    require_manager(actor)
    fields = fields_only(fields, COMMITTEE_FIELDS)
    if "name" in fields:
        fields["name"] = (fields["name"] or "").strip()
    with transaction.atomic():
        _save_changes(obj=committee, actor=actor, action="committee.update", fields=fields)
    return committee


def committee_delete(*, committee: Committee, actor: Actor) -> None:
    require_manager(actor)
    with transaction.atomic():
        files = [d.file.name for d in CommitteeDocument.objects.filter(committee=committee) if d.file.name]
        _delete(obj=committee, actor=actor, action="committee.delete")
        delete_files_on_commit(CommitteeDocument.file.field.storage, files)


# one answer for «no such account» and «no role in this cluster» (no existence oracle)
NO_SEAT_ACCOUNT = "Нет учётной записи с ролью в этом кластере с такими данными."


def committee_member_add(
    *,
    committee: Committee,
    actor: Actor,
    role: str = CommitteeMember.Role.MEMBER,
    user: User | None = None,
    person_name: str = "",
    company: Company | None = None,
) -> CommitteeMember:
    """Seat a person: a representative's or staff account, or a name as written (and a company)."""
    require_manager(actor)
    person_name = person_name.strip()
    if user is not None:
        if not user_cluster_roles(user, current_cluster(actor)):
            raise ValidationError({"user": NO_SEAT_ACCOUNT})
        if committee.people.filter(user=user).exists():
            raise ValidationError({"user": "Этот человек уже входит в комитет."})
        person_name = person_name or user.get_full_name()
    if not person_name:
        raise ValidationError({"person_name": "Укажите ФИО или учётную запись."})
    member = CommitteeMember(
        committee=committee, role=role, user=user, person_name=person_name, company=company
    )
    with transaction.atomic():
        _save_new(obj=member, actor=actor, action="committee_member.create")
    return member


def committee_member_remove(*, member: CommitteeMember, actor: Actor) -> None:
    require_manager(actor)
    with transaction.atomic():
        _delete(obj=member, actor=actor, action="committee_member.delete")


def committee_document_upload(
    *, committee: Committee, actor: Actor, file: UploadedFile, title: str = ""
) -> CommitteeDocument:
    """Store a file under MEDIA_ROOT/clusters/<schema>/committees/…; it is served only by the
    permission-checked download views, never by a public media URL."""
    require_manager(actor)
    original = document_check(file)
    document = CommitteeDocument(
        committee=committee,
        title=(title.strip() or original)[:300],
        file=file,
        original_name=original[:200],
        size=file.size or 0,
        uploaded_by=actor.user,
    )
    with stored_file_rollback(document.file, keep=[file.name]), transaction.atomic():
        _save_new(obj=document, actor=actor, action="committee_document.create")
    return document


def committee_document_delete(*, document: CommitteeDocument, actor: Actor) -> None:
    require_manager(actor)
    with transaction.atomic():
        name = document.file.name
        _delete(obj=document, actor=actor, action="committee_document.delete")
        delete_files_on_commit(CommitteeDocument.file.field.storage, [name])


# --- meetings -------------------------------------------------------------------------

MEETING_FIELDS = {
    "body",
    "number",
    "held_at",
    "place",
    "status",
    "chair_name",
    "secretary_name",
    "notes",
    "form",
    "counter_name",
}


def meeting_create(
    *,
    actor: Actor,
    body: Body,
    held_at: dt.datetime,
    number: str = "",
    place: str = "",
    status: str = Meeting.Status.PLANNED,
    chair_name: str = "",
    secretary_name: str = "",
    notes: str = "",
    agenda: Sequence[str] = (),
    form: str = Meeting.Form.IN_PERSON,
    counter_name: str = "",
) -> Meeting:
    require_manager(actor)
    if form not in Meeting.Form.values:
        raise ValidationError({"form": "Выберите форму проведения из списка."})
    meeting = Meeting(
        body=body,
        held_at=held_at,
        number=number.strip(),
        place=place.strip(),
        status=status,
        chair_name=chair_name.strip(),
        secretary_name=secretary_name.strip(),
        notes=notes,
        form=form,
        counter_name=counter_name.strip(),
    )
    titles = [t.strip() for t in agenda if t and t.strip()]
    with transaction.atomic():
        _save_new(obj=meeting, actor=actor, action="meeting.create")
        for number_, title in enumerate(titles, start=1):
            _save_new(
                obj=AgendaItem(meeting=meeting, number=number_, title=title),
                actor=actor,
                action="agenda_item.create",
            )
    return meeting


def meeting_update(*, meeting: Meeting, actor: Actor, **fields: Any) -> Meeting:
    require_manager(actor)
    fields = fields_only(fields, MEETING_FIELDS)
    for key in ("number", "place", "chair_name", "secretary_name", "counter_name"):
        if key in fields:
            fields[key] = (fields[key] or "").strip()
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        if meeting.published_at is not None:
            if "form" in fields and fields["form"] != meeting.form:
                raise ValidationError(
                    {"form": "Уведомление уже разослано: форму проведения изменить нельзя."}
                )
            if "body" in fields and fields["body"].pk != meeting.body_id:
                raise ValidationError(
                    {"body": "Уведомление уже разослано: орган управления изменить нельзя."}
                )
        if meeting.voting_closed_at is not None and fields.get("status") not in (None, meeting.status):
            raise ValidationError("Голосование завершено: состояние заседания изменить нельзя.")
        drafts_only = meeting.by_ballots and meeting.voting_closed_at is None  # decisions not voted yet
        if meeting.decisions.exists() and not drafts_only:
            if ("body" in fields and fields["body"].pk != meeting.body_id) or (
                "held_at" in fields and fields["held_at"] != meeting.held_at
            ):
                raise ValidationError("После записи решений нельзя менять орган управления и дату заседания.")
            if fields.get("status") == Meeting.Status.CANCELLED:
                raise ValidationError("Нельзя отменить заседание, по которому записаны решения.")
        _save_changes(obj=meeting, actor=actor, action="meeting.update", fields=fields)
    return meeting


def meeting_delete(*, meeting: Meeting, actor: Actor) -> None:
    require_manager(actor)
    with transaction.atomic():
        if Decision.objects.filter(meeting=meeting).exists():
            raise ValidationError("Нельзя удалить заседание, по которому записаны решения.")
        _delete(obj=meeting, actor=actor, action="meeting.delete")


def agenda_item_add(*, meeting: Meeting, actor: Actor, title: str, number: int | None = None) -> AgendaItem:
    require_manager(actor)
    with transaction.atomic():
        Meeting.objects.select_for_update().filter(pk=meeting.pk).first()
        if number is None:
            number = (meeting.agenda_items.aggregate(n=Max("number"))["n"] or 0) + 1
        item = AgendaItem(meeting=meeting, number=number, title=title.strip())
        _save_new(obj=item, actor=actor, action="agenda_item.create")
    return item


def agenda_item_delete(*, item: AgendaItem, actor: Actor) -> None:
    require_manager(actor)
    if item.decisions.exists():
        raise ValidationError("Нельзя удалить вопрос повестки, по которому записаны решения.")
    with transaction.atomic():
        _delete(obj=item, actor=actor, action="agenda_item.delete")


@dataclass(frozen=True)
class AttendanceRow:
    company: Company
    present: bool
    representative_name: str = ""


def _attendance_repr(present: bool | None, name: str) -> str | None:
    if present is None:
        return None
    label = "присутствовал" if present else "отсутствовал"
    return f"{label} ({name})" if present and name else label


def meeting_record_attendance(
    *, meeting: Meeting, actor: Actor, rows: Sequence[AttendanceRow]
) -> list[Attendance]:
    """Mark member companies present or absent; all rows or none. Only voting members at the
    meeting date are marked; the list cannot change once decisions are recorded."""
    require_manager(actor)
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update(of=("self",)).select_related("body").get(pk=meeting.pk)
        if meeting.status == Meeting.Status.CANCELLED:
            raise ValidationError("Заседание отменено: отмечать присутствие нельзя.")
        if meeting.by_ballots:
            raise ValidationError(
                "Собрание голосует бюллетенями: участие определяется поданными бюллетенями."
            )
        if Decision.objects.filter(meeting=meeting).exists():
            raise ValidationError("По заседанию уже записаны решения: список присутствующих изменить нельзя.")
        seen: set[int] = set()
        voters = meeting_voter_ids(meeting=meeting)
        for row in rows:
            if row.company.pk in seen:
                raise ValidationError(f"Организация «{row.company}» указана дважды.")
            seen.add(row.company.pk)
            if row.company.pk not in voters:
                raise ValidationError(
                    f"«{row.company}» не была участником кластера с правом голоса на дату заседания."
                )
        existing = {a.company_id: a for a in Attendance.objects.filter(meeting=meeting)}
        changes: dict[str, list[Any]] = {}
        saved: list[Attendance] = []
        for row in rows:
            name = row.representative_name.strip() if row.present else ""
            current = existing.get(row.company.pk)
            old = _attendance_repr(current.present, current.representative_name) if current else None
            attendance = current or Attendance(meeting=meeting, company=row.company)
            attendance.present = row.present
            attendance.representative_name = name
            attendance.full_clean()
            new = _attendance_repr(row.present, name)
            if old != new:
                attendance.save()
                changes[str(row.company)] = [old, new]
            saved.append(attendance)
        if changes:
            audit_record(actor=actor, action="meeting.attendance", obj=meeting, changes=changes)
    return saved


# --- decisions ------------------------------------------------------------------------


@dataclass(frozen=True)
class DecisionInput:
    text: str
    kind: str = Decision.Kind.OTHER
    votes_for: int = 0
    votes_against: int = 0
    votes_abstained: int = 0
    agenda_item: AgendaItem | None = None
    subject_company: Company | None = None
    number: int | None = None


def _decision_check(*, meeting: Meeting, data: DecisionInput, quorum: Quorum) -> None:
    if not data.text.strip():
        raise ValidationError({"text": "Введите формулировку решения."})
    if min(data.votes_for, data.votes_against, data.votes_abstained) < 0:
        raise ValidationError("Число голосов не может быть отрицательным.")
    votes = data.votes_for + data.votes_against + data.votes_abstained
    if votes > quorum.present:
        raise ValidationError(
            f"Голосов ({votes}) больше, чем присутствующих участников ({quorum.present}). "
            f"Сначала отметьте присутствующих."
        )
    if data.agenda_item is not None and data.agenda_item.meeting_id != meeting.pk:
        raise ValidationError({"agenda_item": "Этот вопрос относится к другому заседанию."})
    if data.kind == Decision.Kind.ADMIT_MEMBER:
        if data.subject_company is None:
            raise ValidationError({"subject_company": "В решении о приёме укажите организацию."})
        if meeting.body.kind != Body.Kind.GENERAL_MEETING:
            raise ValidationError({"kind": "Принимать в члены кластера может только общее собрание."})
        if data.subject_company.is_member:
            raise ValidationError(
                {"subject_company": f"«{data.subject_company}» уже является участником кластера."}
            )


def meeting_record_decisions(
    *, meeting: Meeting, actor: Actor, decisions: Sequence[DecisionInput]
) -> list[Decision]:
    """Record the votes on decisions; all of them or none.

    Adopted iff the meeting has its quorum and «for» is more than half of the members present
    (see tenants.governance.quorum). An adopted admission admits the company in the same
    transaction (tenants.members.services.member_admit). A planned meeting becomes held.
    """
    require_manager(actor)
    if not decisions:
        raise ValidationError("Нет решений для записи.")
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update(of=("self",)).select_related("body").get(pk=meeting.pk)
        if meeting.status == Meeting.Status.CANCELLED:
            raise ValidationError("Заседание отменено: решения записать нельзя.")
        if meeting.by_ballots:
            raise ValidationError(
                "Собрание голосует бюллетенями: итоги подсчитываются при завершении голосования."
            )
        if meeting.held_at > timezone.now():
            raise ValidationError("Заседание ещё не началось: решения записываются после его начала.")
        quorum = meeting_quorum(meeting=meeting)
        next_number = (Decision.objects.filter(meeting=meeting).aggregate(n=Max("number"))["n"] or 0) + 1
        recorded: list[Decision] = []
        for data in decisions:
            _decision_check(meeting=meeting, data=data, quorum=quorum)
            number = data.number or next_number
            next_number = max(next_number, number) + 1
            decision = Decision(
                meeting=meeting,
                agenda_item=data.agenda_item,
                number=number,
                kind=data.kind,
                text=data.text.strip(),
                subject_company=data.subject_company,
                votes_for=data.votes_for,
                votes_against=data.votes_against,
                votes_abstained=data.votes_abstained,
                adopted=is_adopted(quorum=quorum, votes_for=data.votes_for),
            )
            _save_new(obj=decision, actor=actor, action="decision.record")
            if decision.adopted and decision.kind == Decision.Kind.ADMIT_MEMBER:
                assert decision.subject_company is not None  # noqa: S101 - checked above
                member_services.member_admit(company=decision.subject_company, decision=decision, actor=actor)
            recorded.append(decision)
        fields: dict[str, Any] = {
            "quorum_total": quorum.total,
            "quorum_present": quorum.present,
            "quorum_required": quorum.required,
        }
        if meeting.status == Meeting.Status.PLANNED:
            fields["status"] = Meeting.Status.HELD
        _save_changes(obj=meeting, actor=actor, action="meeting.update", fields=fields)
    return recorded


# Voting by ballots (absentee and mixed meetings).
from .voting import (  # noqa: E402
    VoteInput,
    ballot_cast,
    ballot_enter_paper,
    ballot_link,
    body_voting_rules_set,
    decision_draft_add,
    decision_draft_delete,
    meeting_material_delete,
    meeting_material_upload,
    meeting_notice_send,
    meeting_publish,
    proxy_approve,
    proxy_reject,
    proxy_upload,
    voting_close,
    voting_close_due,
)

__all__ = [
    "VoteInput",
    "ballot_cast",
    "ballot_enter_paper",
    "ballot_link",
    "body_voting_rules_set",
    "decision_draft_add",
    "decision_draft_delete",
    "meeting_material_delete",
    "meeting_material_upload",
    "meeting_notice_send",
    "meeting_publish",
    "proxy_approve",
    "proxy_reject",
    "proxy_upload",
    "voting_close",
    "voting_close_due",
]
