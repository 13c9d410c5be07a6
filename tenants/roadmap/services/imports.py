"""Import of a roadmap table in two steps: roadmap_import_preview() parses the file and stores
what would be created (with a warning per suspicious row), roadmap_import_confirm() creates
exactly that, all or nothing."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from core.accounts.access import current_cluster, require_manager
from core.audit.services import Actor, audit_record
from core.federal.warehouse import refresh_soon as warehouse_refresh_soon
from tenants.governance.models import Committee
from tenants.members.models import Company

from ..deadlines import DeadlineKind, parse_deadline
from ..models import Executor, Item, Roadmap, RoadmapImport
from ..table import ParsedTable, TableError, parse_file, split_executors
from .executors import ExecutorIndex
from .items import create_items
from .roadmaps import require_latest

MAX_IMPORT_BYTES = 10 * 1024 * 1024
FUTURE_WORDS = re.compile(
    r"\b(будет|будут|назначен\w*|планиру\w*|перенес\w*|в процессе|ведётся|ведется)\b", re.IGNORECASE
)
NOT_DONE_WORDS = re.compile(r"\bне\s+(выполнен\w*|проведен\w*|состоял\w*)\b", re.IGNORECASE)


def status_from_result(result: str) -> str:
    """The imported status, read from the «Результат» column (the preview shows it)."""
    text = result.strip()
    if not text or text in {"-", "–", "—"}:
        return Item.Status.PLANNED
    if NOT_DONE_WORDS.search(text):
        return Item.Status.NOT_DONE
    if FUTURE_WORDS.search(text):
        return Item.Status.IN_PROGRESS
    return Item.Status.DONE


def _period(parsed: ParsedTable, start: dt.date | None, end: dt.date | None) -> tuple[dt.date, dt.date]:
    if start is None and end is None and parsed.year:
        return dt.date(parsed.year, 1, 1), dt.date(parsed.year, 12, 31)
    if start is None or end is None:
        raise ValidationError(
            {
                "period_start": "Укажите период действия дорожной карты: в заголовке таблицы "
                "не найден год («… за 2018 год»)."
            }
        )
    if end < start:
        raise ValidationError({"period_end": "Окончание срока действия раньше его начала."})
    return start, end


def _plan(parsed: ParsedTable, *, start: dt.date, end: dt.date, index: ExecutorIndex) -> dict[str, Any]:
    sections: list[dict[str, Any]] = []
    counts = {"sections": 0, "items": 0, "warnings": 0, "matched": 0, "executors": 0}
    for section in parsed.sections:
        items: list[dict[str, Any]] = []
        for item in section.items:
            warnings: list[str] = []
            deadline = parse_deadline(item.deadline, period_start=start, period_end=end)
            if deadline.kind == DeadlineKind.UNPARSED:
                warnings.append(f"Срок «{item.deadline}» не распознан: сохранится как текст, без даты.")
            elif deadline.end and not start <= deadline.end <= end + dt.timedelta(days=366):
                warnings.append(f"Срок {deadline.end:%d.%m.%Y} вне периода дорожной карты.")
            executors = [index.match(name) for name in split_executors(item.executors)]
            for executor in executors:
                counts["executors"] += 1
                if executor["matched"]:
                    counts["matched"] += 1
                elif executor["kind"] == Executor.Kind.PERSON:
                    warnings.append(
                        f"Исполнитель «{executor['name']}» не найден среди пользователей кластера: "
                        f"сохранится как текст."
                    )
                else:
                    warnings.append(
                        f"«{executor['name']}» не найден среди участников и комитетов: "
                        f"сохранится как организация (текстом)."
                    )
            if not item.title.strip():
                warnings.append("Нет наименования мероприятия.")
            counts["warnings"] += len(warnings)
            items.append(
                {
                    "number": item.number,
                    "line": item.line,
                    "title": item.title,
                    "executors_text": item.executors,
                    "executors": executors,
                    "deadline_text": item.deadline,
                    "deadline_kind": str(deadline.kind),
                    "deadline_start": deadline.start.isoformat() if deadline.start else None,
                    "deadline_end": deadline.end.isoformat() if deadline.end else None,
                    "deadline_recurrence": deadline.recurrence,
                    "expected_result": item.expected,
                    "actual_result": item.result,
                    "status": status_from_result(item.result),
                    "warnings": warnings,
                }
            )
        counts["sections"] += 1
        counts["items"] += len(items)
        sections.append(
            {"number": section.number, "title": section.title, "line": section.line, "items": items}
        )
    return {"title": parsed.title, "sections": sections, "counts": counts}


def _read_upload(data: bytes | UploadedFile, filename: str) -> bytes:
    size = data.size if isinstance(data, UploadedFile) else len(data)
    if size is not None and size > MAX_IMPORT_BYTES:
        raise ValidationError(
            {
                "file": f"Файл «{filename}» слишком большой ({size / 1024 / 1024:.0f} МБ): "
                f"дорожная карта занимает не больше {MAX_IMPORT_BYTES // 1024 // 1024} МБ."
            }
        )
    raw = data.read() if isinstance(data, UploadedFile) else data
    if not raw:
        raise ValidationError({"file": "Файл пустой."})
    return bytes(raw)


def roadmap_import_preview(
    *,
    actor: Actor,
    data: bytes | UploadedFile,
    filename: str,
    title: str | None = None,
    period_start: dt.date | None = None,
    period_end: dt.date | None = None,
    replaces: Roadmap | None = None,
) -> RoadmapImport:
    """Parse a table and store what an import would create; nothing else is saved."""
    require_manager(actor)
    raw = _read_upload(data, filename)
    try:
        parsed = parse_file(filename, raw)
    except TableError as exc:
        raise ValidationError({"file": str(exc)}) from exc
    start, end = _period(parsed, period_start, period_end)
    plan = _plan(parsed, start=start, end=end, index=ExecutorIndex.build(current_cluster(actor)))
    name = (title or "").strip() or parsed.title.strip() or f"Дорожная карта на {start.year} год"
    with transaction.atomic():
        upload = RoadmapImport.objects.create(
            source_name=filename[:300],
            title=name[:500],
            period_start=start,
            period_end=end,
            parsed=plan,
            replaces=replaces,
            created_by=actor.user,
        )
        audit_record(
            actor=actor,
            action="roadmap.import_preview",
            obj=upload,
            changes={"items": [None, plan["counts"]["items"]]},
        )
    return upload


def roadmap_import_confirm(*, actor: Actor, upload: RoadmapImport) -> Roadmap:
    """Create the previewed roadmap: every section, item and executor, or nothing."""
    require_manager(actor)
    with transaction.atomic():
        upload = RoadmapImport.objects.select_for_update().get(pk=upload.pk)
        if upload.status != RoadmapImport.Status.PREVIEW:
            raise ValidationError("Этот файл уже импортирован.")
        previous = upload.replaces
        if previous is not None:
            require_latest(previous)
        roadmap = Roadmap.objects.create(
            title=upload.title,
            period_start=upload.period_start,
            period_end=upload.period_end,
            source_name=upload.source_name,
            created_by=actor.user,
            version=(previous.version + 1) if previous else 1,
            previous=previous,
        )
        _check_linked_rows_exist(upload.parsed["sections"])
        create_items(roadmap, upload.parsed["sections"])
        upload.status = RoadmapImport.Status.DONE
        upload.roadmap = roadmap
        upload.save(update_fields=["status", "roadmap"])
        audit_record(
            actor=actor,
            action="roadmap.import",
            obj=roadmap,
            changes={
                "source_name": [None, upload.source_name],
                "items": [None, upload.parsed["counts"]["items"]],
            },
        )
        warehouse_refresh_soon()  # roadmap completion on the ministry dashboard
    return roadmap


def _check_linked_rows_exist(sections: list[dict[str, Any]]) -> None:
    """A company or committee matched at preview time may have been deleted since: keep the name."""
    company_ids = {
        e["company_id"] for s in sections for i in s["items"] for e in i["executors"] if e["company_id"]
    }
    committee_ids = {
        e["committee_id"] for s in sections for i in s["items"] for e in i["executors"] if e["committee_id"]
    }
    live_companies = set(Company.objects.filter(pk__in=company_ids).values_list("pk", flat=True))
    live_committees = set(Committee.objects.filter(pk__in=committee_ids).values_list("pk", flat=True))
    for section in sections:
        for item in section["items"]:
            for executor in item["executors"]:
                if executor["company_id"] and executor["company_id"] not in live_companies:
                    executor.update(company_id=None, kind=Executor.Kind.ORGANIZATION)
                if executor["committee_id"] and executor["committee_id"] not in live_committees:
                    executor.update(committee_id=None, kind=Executor.Kind.ORGANIZATION)


def roadmap_import_file(
    *,
    actor: Actor,
    data: bytes | UploadedFile,
    filename: str,
    title: str | None = None,
    period_start: dt.date | None = None,
    period_end: dt.date | None = None,
    replaces: Roadmap | None = None,
) -> Roadmap:
    """Preview and confirm in one go (demo data, scripts, tests)."""
    with transaction.atomic():
        upload = roadmap_import_preview(
            actor=actor,
            data=data,
            filename=filename,
            title=title,
            period_start=period_start,
            period_end=period_end,
            replaces=replaces,
        )
        return roadmap_import_confirm(actor=actor, upload=upload)
