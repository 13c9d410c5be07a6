"""Items of a roadmap: created in bulk (import, new version), then their progress, plan (in a
draft) and evidence files."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from core.accounts.access import current_cluster, require_manager
from core.audit.services import Actor, audit_record, model_update
from core.federal.warehouse import refresh_soon as warehouse_refresh_soon

from ..deadlines import parse_deadline
from ..models import Evidence, Executor, Item, Roadmap, Section
from ..table import split_executors
from .executors import ExecutorIndex

MAX_EVIDENCE_BYTES = 25 * 1024 * 1024
# Plan fields are fixed once a roadmap is approved: a change needs a new version.
PLAN_FIELDS = ("title", "executors_text", "deadline_text", "expected_result")
PROGRESS_FIELDS = ("status", "actual_result", "comments")


def create_items(roadmap: Roadmap, sections: Iterable[dict[str, Any]]) -> None:
    section_rows: list[Section] = []
    item_rows: list[Item] = []
    executor_specs: list[list[dict[str, Any]]] = []
    position = 0
    for s_pos, section in enumerate(sections, start=1):
        section_obj = Section(
            roadmap=roadmap, number=section["number"], title=section["title"], position=s_pos
        )
        section_rows.append(section_obj)
        for item in section["items"]:
            position += 1
            item_rows.append(
                Item(
                    roadmap=roadmap,
                    section=section_obj,
                    number=item["number"],
                    position=position,
                    title=item["title"],
                    executors_text=item["executors_text"],
                    deadline_text=item["deadline_text"][:300],
                    deadline_kind=item["deadline_kind"],
                    deadline_start=dt.date.fromisoformat(item["deadline_start"])
                    if item["deadline_start"]
                    else None,
                    deadline_end=dt.date.fromisoformat(item["deadline_end"])
                    if item["deadline_end"]
                    else None,
                    deadline_recurrence=item["deadline_recurrence"],
                    expected_result=item["expected_result"],
                    actual_result=item["actual_result"],
                    status=item["status"],
                    comments=item.get("comments", ""),
                )
            )
            executor_specs.append(item["executors"])
    Section.objects.bulk_create(section_rows)
    for item_obj in item_rows:
        item_obj.section_id = item_obj.section.pk
    Item.objects.bulk_create(item_rows)
    Executor.objects.bulk_create(
        [
            Executor(
                item=item_obj,
                position=n,
                name=spec["name"][:300],
                kind=spec["kind"],
                user_id=spec["user_id"],
                company_id=spec["company_id"],
                committee_id=spec["committee_id"],
            )
            for item_obj, specs in zip(item_rows, executor_specs, strict=True)
            for n, spec in enumerate(specs, start=1)
        ]
    )


def item_update(*, actor: Actor, item: Item, **fields: Any) -> Item:
    """Change an item. Progress (status, result, comments) any time the roadmap is not closed;
    the plan (title, executors, deadline, expected result) only while it is a draft."""
    require_manager(actor)
    unknown = set(fields) - set(PLAN_FIELDS) - set(PROGRESS_FIELDS)
    if unknown:
        raise ValidationError(f"Неизвестные поля: {', '.join(sorted(unknown))}.")
    with transaction.atomic():
        item = Item.objects.select_for_update().select_related("roadmap").get(pk=item.pk)
        roadmap = item.roadmap
        if roadmap.status == Roadmap.Status.CLOSED:
            raise ValidationError("Дорожная карта закрыта: изменения не принимаются.")
        plan_changes = {k: v for k, v in fields.items() if k in PLAN_FIELDS and getattr(item, k) != v}
        if plan_changes and roadmap.status != Roadmap.Status.DRAFT:
            raise ValidationError(
                "План утверждённой дорожной карты меняется только новой версией; "
                "здесь можно отметить ход исполнения."
            )
        if "status" in fields and fields["status"] not in Item.Status.values:
            raise ValidationError({"status": "Неизвестный статус."})
        if "title" in fields and not str(fields["title"]).strip():
            raise ValidationError({"title": "Введите наименование мероприятия."})
        if (
            fields.get("status") == Item.Status.DONE
            and not str(fields.get("actual_result", item.actual_result)).strip()
        ):
            raise ValidationError(
                {"actual_result": "Чтобы отметить мероприятие выполненным, опишите результат."}
            )
        data = {name: value.strip() if isinstance(value, str) else value for name, value in fields.items()}
        if "deadline_text" in plan_changes:
            deadline = parse_deadline(
                data["deadline_text"], period_start=roadmap.period_start, period_end=roadmap.period_end
            )
            data.update(
                deadline_kind=deadline.kind,
                deadline_start=deadline.start,
                deadline_end=deadline.end,
                deadline_recurrence=deadline.recurrence,
            )
        if "executors_text" in plan_changes:
            item.executors.all().delete()
            index = ExecutorIndex.build(current_cluster(actor))
            Executor.objects.bulk_create(
                [
                    Executor(
                        item=item,
                        position=n,
                        name=spec["name"][:300],
                        kind=spec["kind"],
                        user_id=spec["user_id"],
                        company_id=spec["company_id"],
                        committee_id=spec["committee_id"],
                    )
                    for n, spec in enumerate(
                        (index.match(name) for name in split_executors(data["executors_text"])), start=1
                    )
                ]
            )
        model_update(obj=item, data=data, actor=actor, action="roadmap_item.update")
        warehouse_refresh_soon()  # roadmap completion on the ministry dashboard
    return item


def evidence_add(*, actor: Actor, item: Item, title: str, file: UploadedFile) -> Evidence:
    require_manager(actor)
    if file.size is not None and file.size > MAX_EVIDENCE_BYTES:
        raise ValidationError({"file": f"Файл больше {MAX_EVIDENCE_BYTES // 1024 // 1024} МБ."})
    name = title.strip() or (file.name or "файл")
    with transaction.atomic():
        if item.roadmap.status == Roadmap.Status.CLOSED:
            raise ValidationError("Дорожная карта закрыта: изменения не принимаются.")
        evidence = Evidence.objects.create(item=item, title=name[:300], file=file, uploaded_by=actor.user)
        audit_record(
            actor=actor,
            action="roadmap_item.evidence_add",
            obj=item,
            changes={"evidence": [None, evidence.title]},
        )
    return evidence


def evidence_delete(*, actor: Actor, evidence: Evidence) -> None:
    require_manager(actor)
    with transaction.atomic():
        item = evidence.item
        if item.roadmap.status == Roadmap.Status.CLOSED:
            raise ValidationError("Дорожная карта закрыта: изменения не принимаются.")
        audit_record(
            actor=actor,
            action="roadmap_item.evidence_delete",
            obj=item,
            changes={"evidence": [evidence.title, None]},
        )
        evidence.file.delete(save=False)
        evidence.delete()
