"""A roadmap's lifecycle: create, edit (a draft), delete (a draft), approve by a general
meeting's decision, close, and a new version (the way an approved plan changes)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from core.accounts.access import require_manager
from core.audit.services import Actor, audit_record, model_create, model_update
from core.federal.warehouse import refresh_soon as warehouse_refresh_soon
from tenants.governance.models import Body, Decision

from ..models import Roadmap, RoadmapImport
from .items import create_items


def _check_title_and_period(title: str, period_start: dt.date, period_end: dt.date) -> None:
    if not title.strip():
        raise ValidationError({"title": "Введите название дорожной карты."})
    if period_end < period_start:
        raise ValidationError({"period_end": "Окончание срока действия раньше его начала."})


def _locked(roadmap: Roadmap, *, status: str, refusal: str) -> Roadmap:
    """The roadmap, locked for this transaction, when it is in `status`; else the refusal."""
    locked = Roadmap.objects.select_for_update().get(pk=roadmap.pk)
    if locked.status != status:
        raise ValidationError(refusal)
    return locked


def roadmap_create(*, actor: Actor, title: str, period_start: dt.date, period_end: dt.date) -> Roadmap:
    require_manager(actor)
    _check_title_and_period(title, period_start, period_end)
    roadmap = Roadmap(
        title=title.strip(), period_start=period_start, period_end=period_end, created_by=actor.user
    )
    model_create(obj=roadmap, actor=actor, action="roadmap.create")
    return roadmap


def roadmap_update(
    *, actor: Actor, roadmap: Roadmap, title: str, period_start: dt.date, period_end: dt.date
) -> Roadmap:
    require_manager(actor)
    with transaction.atomic():
        roadmap = _locked(
            roadmap, status=Roadmap.Status.DRAFT, refusal="Утверждённую дорожную карту меняют новой версией."
        )
        _check_title_and_period(title, period_start, period_end)
        model_update(
            obj=roadmap,
            data={"title": title.strip(), "period_start": period_start, "period_end": period_end},
            actor=actor,
            action="roadmap.update",
        )
    return roadmap


def roadmap_delete(*, actor: Actor, roadmap: Roadmap) -> None:
    """Only a draft may be deleted (an approved roadmap is a record of the cluster)."""
    require_manager(actor)
    with transaction.atomic():
        roadmap = _locked(
            roadmap,
            status=Roadmap.Status.DRAFT,
            refusal="Удалить можно только черновик; утверждённая карта остаётся в архиве.",
        )
        if roadmap.next_versions.exists():
            raise ValidationError("У этой версии есть следующая: удалите сначала её.")
        audit_record(
            actor=actor,
            action="roadmap.delete",
            obj=roadmap,
            changes={"title": [roadmap.title, None], "items": [roadmap.items.count(), None]},
        )
        RoadmapImport.objects.filter(roadmap=roadmap).update(roadmap=None)
        roadmap.delete()


def approval_decisions() -> Any:
    """Adopted general-meeting decisions of the kind «утверждение дорожной карты»."""
    return (
        Decision.objects.filter(
            kind=Decision.Kind.APPROVE_ROADMAP, adopted=True, meeting__body__kind=Body.Kind.GENERAL_MEETING
        )
        .select_related("meeting", "meeting__body")
        .order_by("-meeting__held_at", "number")
    )


def roadmap_approve(*, actor: Actor, roadmap: Roadmap, decision: Decision) -> Roadmap:
    """Approve a draft by a general meeting's decision; the version it replaces is closed."""
    require_manager(actor)
    with transaction.atomic():
        roadmap = _locked(roadmap, status=Roadmap.Status.DRAFT, refusal="Дорожная карта уже утверждена.")
        if not approval_decisions().filter(pk=decision.pk).exists():
            raise ValidationError(
                {
                    "decision": "Дорожную карту утверждает принятое решение общего собрания "
                    "вида «Утверждение дорожной карты»."
                }
            )
        if Roadmap.objects.filter(approved_by=decision).exists():
            raise ValidationError({"decision": "Этим решением уже утверждена другая дорожная карта."})
        if not roadmap.items.exists():
            raise ValidationError("В дорожной карте нет ни одного мероприятия.")
        model_update(
            obj=roadmap,
            data={"status": Roadmap.Status.APPROVED, "approved_by": decision},
            actor=actor,
            action="roadmap.approve",
        )
        warehouse_refresh_soon()  # roadmap completion on the ministry dashboard
        if roadmap.previous_id:
            previous = Roadmap.objects.select_for_update().get(pk=roadmap.previous_id)
            if previous.status == Roadmap.Status.APPROVED:
                model_update(
                    obj=previous,
                    data={"status": Roadmap.Status.CLOSED},
                    actor=actor,
                    action="roadmap.superseded",
                    extra_changes={"next_version": [None, roadmap.version]},
                )
    return roadmap


def roadmap_close(*, actor: Actor, roadmap: Roadmap) -> Roadmap:
    require_manager(actor)
    with transaction.atomic():
        roadmap = _locked(
            roadmap,
            status=Roadmap.Status.APPROVED,
            refusal="Закрыть можно только утверждённую дорожную карту.",
        )
        model_update(obj=roadmap, data={"status": Roadmap.Status.CLOSED}, actor=actor, action="roadmap.close")
    return roadmap


def require_latest(roadmap: Roadmap) -> None:
    following = roadmap.next_versions.order_by("-version").first()
    if following is not None:
        raise ValidationError(
            f"У этой версии уже есть следующая (версия {following.version}): меняйте последнюю."
        )


def roadmap_new_version(*, actor: Actor, roadmap: Roadmap) -> Roadmap:
    """A draft copy of an approved roadmap (sections, items, executors, progress): the way
    an approved plan changes. The old version stays readable as it was."""
    require_manager(actor)
    with transaction.atomic():
        roadmap = Roadmap.objects.select_for_update().get(pk=roadmap.pk)
        if roadmap.status == Roadmap.Status.DRAFT:
            raise ValidationError("Черновик меняют напрямую; новая версия нужна для утверждённой карты.")
        require_latest(roadmap)
        copy = Roadmap.objects.create(
            title=roadmap.title,
            period_start=roadmap.period_start,
            period_end=roadmap.period_end,
            source_name=roadmap.source_name,
            created_by=actor.user,
            previous=roadmap,
            version=roadmap.version + 1,
        )
        items = list(
            roadmap.items.select_related("section").prefetch_related("executors").order_by("position")
        )
        sections: list[dict[str, Any]] = []
        by_section: dict[int, dict[str, Any]] = {}
        for section in roadmap.sections.order_by("position"):
            by_section[section.pk] = {"number": section.number, "title": section.title, "items": []}
            sections.append(by_section[section.pk])
        for item in items:
            by_section[item.section_id]["items"].append(
                {
                    "number": item.number,
                    "title": item.title,
                    "executors_text": item.executors_text,
                    "deadline_text": item.deadline_text,
                    "deadline_kind": item.deadline_kind,
                    "deadline_start": item.deadline_start.isoformat() if item.deadline_start else None,
                    "deadline_end": item.deadline_end.isoformat() if item.deadline_end else None,
                    "deadline_recurrence": item.deadline_recurrence,
                    "expected_result": item.expected_result,
                    "actual_result": item.actual_result,
                    "status": item.status,
                    "comments": item.comments,
                    "executors": [
                        {
                            "name": e.name,
                            "kind": e.kind,
                            "user_id": e.user_id,
                            "company_id": e.company_id,
                            "committee_id": e.committee_id,
                        }
                        for e in item.executors.all()
                    ],
                }
            )
        create_items(copy, sections)
        audit_record(
            actor=actor,
            action="roadmap.new_version",
            obj=copy,
            changes={"previous": [None, roadmap.pk], "version": [None, copy.version]},
        )
    return copy
