"""Writes of the events area (inside the current cluster schema).

Each function validates, saves inside one transaction and writes the audit row in that same
transaction. Russian ValidationError messages reach the user as they are.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from core.accounts.access import current_cluster
from core.audit.services import (
    Actor,
    audit_record,
    fields_only,
    model_create,
    model_delete,
    model_update,
    snapshot,
)
from core.clock import cluster_today
from tenants.members.models import Company

from .models import Event, Participation
from .selectors import PARTICIPANT_STATUSES, event_access

EVENT_FIELDS = {
    "kind",
    "title",
    "starts_on",
    "ends_on",
    "place",
    "organizer",
    "description",
    "has_joint_stand",
    "is_public",
}
TEXT_FIELDS = ("title", "place", "organizer")
# What the audit log keeps of an event (not the participants: they have their own rows).
AUDITED = sorted(EVENT_FIELDS)
PARTICIPATION_AUDITED = ["event", "company", "role", "note"]


def _check_dates(starts_on: dt.date | None, ends_on: dt.date | None) -> None:
    if starts_on and ends_on and ends_on < starts_on:
        raise ValidationError({"ends_on": "Дата окончания не может быть раньше даты начала."})


def _normalize(fields: dict[str, Any]) -> dict[str, Any]:
    for name in TEXT_FIELDS:
        if name in fields:
            fields[name] = (fields[name] or "").strip()
    return fields


def event_create(
    *,
    actor: Actor,
    title: str,
    starts_on: dt.date,
    ends_on: dt.date | None = None,
    kind: str = Event.Kind.EXHIBITION,
    place: str = "",
    organizer: str = "",
    description: str = "",
    has_joint_stand: bool = False,
    is_public: bool = True,
) -> Event:
    """A new event; a one-day event may omit ends_on."""
    fields = _normalize(
        {
            "kind": kind,
            "title": title,
            "starts_on": starts_on,
            "ends_on": ends_on or starts_on,
            "place": place,
            "organizer": organizer,
            "description": description,
            "has_joint_stand": has_joint_stand,
            "is_public": is_public,
        }
    )
    _check_dates(fields["starts_on"], fields["ends_on"])
    event = Event(**fields)
    model_create(obj=event, actor=actor, action="event.create", audited=AUDITED)
    return event


def event_update(*, event: Event, actor: Actor, **fields: Any) -> Event:
    fields = _normalize(fields_only(fields, EVENT_FIELDS))
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event.pk)
        _check_dates(fields.get("starts_on", event.starts_on), fields.get("ends_on", event.ends_on))
        if (
            not fields.get("has_joint_stand", event.has_joint_stand)
            and event.participations.filter(role=Participation.Role.JOINT_STAND).exists()
        ):
            raise ValidationError(
                {
                    "has_joint_stand": "На совместном стенде зарегистрированы участники: "
                    "сначала измените их формат участия."
                }
            )
        model_update(obj=event, data=fields, actor=actor, action="event.update", audited=AUDITED)
    return event


def event_delete(*, event: Event, actor: Actor) -> None:
    with transaction.atomic():
        participants = list(event.participations.values_list("company_id", flat=True))
        changes = {k: [v, None] for k, v in snapshot(event, AUDITED).items()}
        changes["participants"] = [participants, None]
        audit_record(actor=actor, action="event.delete", obj=event, changes=changes)
        event.delete()


def _check_may_act(*, actor: Actor, company_id: int) -> bool:
    """Raise unless the actor manages events or represents the company; True for managers."""
    access = event_access(user=actor.user, cluster=actor.cluster or current_cluster())
    if not access.may_act_for(company_id):
        raise PermissionDenied(
            "Представитель может регистрировать и снимать с участия только свою организацию."
        )
    return access.manages


def participation_register(
    *,
    event: Event,
    company_id: int,
    actor: Actor,
    role: str = Participation.Role.BUSINESS_PROGRAMME,
    note: str = "",
) -> Participation:
    """Register a member company for the event, or change how it takes part.

    Cluster staff register any admitted or active member, also after the event; a
    representative only its own company and only until the event is over.
    """
    manages = _check_may_act(actor=actor, company_id=company_id)
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event.pk)
        if not manages and event.ends_on < cluster_today(actor.cluster):
            raise ValidationError("Мероприятие уже прошло: регистрация закрыта.")
        company = Company.objects.filter(pk=company_id).first()
        if company is None:
            raise ValidationError({"company": "Организация не найдена."})
        if company.status not in PARTICIPANT_STATUSES:
            raise ValidationError(
                {
                    "company": "На мероприятия регистрируются только участники кластера "
                    "(принятые или действующие)."
                }
            )
        if role == Participation.Role.JOINT_STAND and not event.has_joint_stand:
            raise ValidationError({"role": "У этого мероприятия нет совместного стенда кластера."})
        participation = Participation.objects.filter(event=event, company=company).first()
        if participation is None:
            participation = Participation(
                event=event, company=company, role=role, note=note.strip(), registered_by=actor.user
            )
            model_create(
                obj=participation,
                actor=actor,
                action="event_participation.create",
                audited=PARTICIPATION_AUDITED,
            )
        else:
            model_update(
                obj=participation,
                data={"role": role, "note": note.strip()},
                actor=actor,
                action="event_participation.update",
                audited=["role", "note"],
            )
    return participation


def participation_withdraw(*, event: Event, company_id: int, actor: Actor) -> None:
    """Take a company off the event's participants (same rights as registering)."""
    manages = _check_may_act(actor=actor, company_id=company_id)
    with transaction.atomic():
        participation = (
            Participation.objects.select_for_update()
            .select_related("event")
            .filter(event=event, company_id=company_id)
            .first()
        )
        if participation is None:
            raise ValidationError("Эта организация не зарегистрирована на мероприятие.")
        if not manages and participation.event.ends_on < cluster_today(actor.cluster):
            raise ValidationError("Мероприятие уже прошло: снять участие нельзя.")
        model_delete(
            obj=participation, actor=actor, action="event_participation.delete", audited=PARTICIPATION_AUDITED
        )
