"""Writes of the roadmap area (inside the current cluster schema).

Cluster admins and staff manage roadmaps; every write checks that, validates with Russian
messages, runs in one transaction and leaves an audit row in it. Import is two steps:
roadmap_import_preview() parses the file and stores what would be created (with a warning
per suspicious row), roadmap_import_confirm() creates exactly that, all or nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from core.accounts.access import current_cluster, require_manager
from core.accounts.models import Grant
from core.accounts.selectors import user_cluster_roles
from core.audit.services import Actor, audit_record, model_create, model_update
from core.federal.warehouse import refresh_soon as warehouse_refresh_soon
from tenants.governance.models import Body, Committee, CommitteeMember, Decision
from tenants.members.models import Company

from .deadlines import DeadlineKind, parse_deadline
from .models import Evidence, Executor, Item, ReportJob, Roadmap, RoadmapImport, Section
from .table import PERSON_RE, ParsedTable, TableError, parse_file, split_executors

logger = logging.getLogger(__name__)
MAX_IMPORT_BYTES = 10 * 1024 * 1024
MAX_EVIDENCE_BYTES = 25 * 1024 * 1024
# Plan fields are fixed once a roadmap is approved: a change needs a new version.
PLAN_FIELDS = ("title", "executors_text", "deadline_text", "expected_result")
PROGRESS_FIELDS = ("status", "actual_result", "comments")
FUTURE_WORDS = re.compile(r"\b(будет|будут|назначен\w*|планиру\w*|перенес\w*|в процессе|ведётся|ведется)\b",
                          re.IGNORECASE)
NOT_DONE_WORDS = re.compile(r"\bне\s+(выполнен\w*|проведен\w*|состоял\w*)\b", re.IGNORECASE)


# --- executors -----------------------------------------------------------------------------

QUOTES = str.maketrans({c: " " for c in "«»\"'“”„()"})
LEGAL_FORMS = {"ооо", "ао", "пао", "зао", "оао", "нп", "ано", "фгбоу", "во", "гбу", "ип", "фгуп", "муп", "нко"}


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.lower().replace("ё", "е").translate(QUOTES)).strip(" .,")


def _org_key(text: str) -> str:
    words = [w for w in _norm(text).split(" ") if w and w not in LEGAL_FORMS]
    return " ".join(words)


def person_key(text: str) -> str | None:
    """«Шибанов А.Н», «Шибанов А. Н.» and «Шибанов Александр Николаевич» -> «шибанов ан»."""
    words = [w for w in re.split(r"[\s.]+", text.replace("ё", "е").replace("Ё", "Е")) if w]
    if not 2 <= len(words) <= 4 or not words[0][:1].isupper():
        return None
    rest = words[1:]
    if len(rest) == 1 and len(rest[0]) <= 3 and rest[0].isupper():  # «АН» written without dots
        initials = rest[0]
    else:
        initials = "".join(w[0] for w in rest)
    return f"{words[0].lower()} {initials.lower()}"


@dataclass
class ExecutorIndex:
    """Who a name in the «Ответственные исполнители» column can be: built once per import."""

    people: dict[str, tuple[int | None, str]]
    companies: dict[str, tuple[int, str]]
    committees: dict[str, tuple[int, str]]

    @classmethod
    def build(cls, cluster: Any) -> ExecutorIndex:
        people: dict[str, tuple[int | None, str]] = {}
        ambiguous: set[str] = set()

        def add(key: str | None, user_id: int | None, label: str) -> None:
            if not key:
                return
            if key in people and people[key][0] != user_id:
                ambiguous.add(key)
            people[key] = (user_id, label)

        grants = Grant.objects.filter(cluster=cluster).select_related("user") if cluster is not None else []
        for grant in grants:
            if grant.user.full_name:
                add(person_key(grant.user.full_name), grant.user_id, grant.user.full_name)
        for member in CommitteeMember.objects.all().only("user_id", "person_name"):
            key = person_key(member.person_name)
            if key and (key not in people or people[key][0] is None or member.user_id == people[key][0]):
                if member.user_id is not None or key not in people:
                    add(key, member.user_id, member.person_name)
        for key in ambiguous:
            people.pop(key, None)
        companies: dict[str, tuple[int, str]] = {}
        for company in Company.objects.only("id", "short_name", "full_name"):
            for name in (company.short_name, company.full_name):
                if _org_key(name):
                    companies.setdefault(_org_key(name), (company.pk, company.short_name))
        committees = {_org_key(c.name): (c.pk, c.name) for c in Committee.objects.only("id", "name")}
        return cls(people=people, companies=companies, committees=committees)

    def match(self, name: str) -> dict[str, Any]:
        """{name, kind, user_id, company_id, committee_id, matched: label or ""}."""
        found: dict[str, Any] = {"name": name, "kind": Executor.Kind.ORGANIZATION, "user_id": None,
                                 "company_id": None, "committee_id": None, "matched": ""}
        key = _org_key(name)
        if key in self.committees:
            found.update(kind=Executor.Kind.COMMITTEE, committee_id=self.committees[key][0],
                         matched=self.committees[key][1])
            return found
        if key in self.companies:
            found.update(kind=Executor.Kind.COMPANY, company_id=self.companies[key][0],
                         matched=self.companies[key][1])
            return found
        if PERSON_RE.fullmatch(name.strip(" ,")):
            found["kind"] = Executor.Kind.PERSON
            pkey = person_key(name)
            if pkey and pkey in self.people and self.people[pkey][0] is not None:
                found.update(user_id=self.people[pkey][0], matched=self.people[pkey][1])
        return found


# --- import ----------------------------------------------------------------------------------

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
        raise ValidationError({"period_start": "Укажите период действия дорожной карты: в заголовке таблицы "
                                               "не найден год («… за 2018 год»)."})
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
                    warnings.append(f"Исполнитель «{executor['name']}» не найден среди пользователей кластера: "
                                    f"сохранится как текст.")
                else:
                    warnings.append(f"«{executor['name']}» не найден среди участников и комитетов: "
                                    f"сохранится как организация (текстом).")
            if not item.title.strip():
                warnings.append("Нет наименования мероприятия.")
            counts["warnings"] += len(warnings)
            items.append({
                "number": item.number, "line": item.line, "title": item.title,
                "executors_text": item.executors, "executors": executors,
                "deadline_text": item.deadline, "deadline_kind": str(deadline.kind),
                "deadline_start": deadline.start.isoformat() if deadline.start else None,
                "deadline_end": deadline.end.isoformat() if deadline.end else None,
                "deadline_recurrence": deadline.recurrence,
                "expected_result": item.expected, "actual_result": item.result,
                "status": status_from_result(item.result), "warnings": warnings,
            })
        counts["sections"] += 1
        counts["items"] += len(items)
        sections.append({"number": section.number, "title": section.title, "line": section.line, "items": items})
    return {"title": parsed.title, "sections": sections, "counts": counts}


def _read_upload(data: bytes | UploadedFile, filename: str) -> bytes:
    size = data.size if isinstance(data, UploadedFile) else len(data)
    if size is not None and size > MAX_IMPORT_BYTES:
        raise ValidationError({"file": f"Файл «{filename}» слишком большой ({size / 1024 / 1024:.0f} МБ): "
                                       f"дорожная карта занимает не больше {MAX_IMPORT_BYTES // 1024 // 1024} МБ."})
    raw = data.read() if isinstance(data, UploadedFile) else data
    if not raw:
        raise ValidationError({"file": "Файл пустой."})
    return bytes(raw)


def roadmap_import_preview(*, actor: Actor, data: bytes | UploadedFile, filename: str, title: str | None = None,
                           period_start: dt.date | None = None, period_end: dt.date | None = None,
                           replaces: Roadmap | None = None) -> RoadmapImport:
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
            source_name=filename[:300], title=name[:500], period_start=start, period_end=end, parsed=plan,
            replaces=replaces, created_by=actor.user,
        )
        audit_record(actor=actor, action="roadmap.import_preview", obj=upload,
                     changes={"items": [None, plan["counts"]["items"]]})
    return upload


def _create_items(roadmap: Roadmap, sections: Iterable[dict[str, Any]]) -> None:
    section_rows: list[Section] = []
    item_rows: list[Item] = []
    executor_specs: list[list[dict[str, Any]]] = []
    position = 0
    for s_pos, section in enumerate(sections, start=1):
        section_obj = Section(roadmap=roadmap, number=section["number"], title=section["title"], position=s_pos)
        section_rows.append(section_obj)
        for item in section["items"]:
            position += 1
            item_rows.append(Item(
                roadmap=roadmap, section=section_obj, number=item["number"], position=position,
                title=item["title"], executors_text=item["executors_text"], deadline_text=item["deadline_text"][:300],
                deadline_kind=item["deadline_kind"],
                deadline_start=dt.date.fromisoformat(item["deadline_start"]) if item["deadline_start"] else None,
                deadline_end=dt.date.fromisoformat(item["deadline_end"]) if item["deadline_end"] else None,
                deadline_recurrence=item["deadline_recurrence"], expected_result=item["expected_result"],
                actual_result=item["actual_result"], status=item["status"], comments=item.get("comments", ""),
            ))
            executor_specs.append(item["executors"])
    Section.objects.bulk_create(section_rows)
    for item_obj in item_rows:
        item_obj.section_id = item_obj.section.pk
    Item.objects.bulk_create(item_rows)
    Executor.objects.bulk_create([
        Executor(item=item_obj, position=n, name=spec["name"][:300], kind=spec["kind"], user_id=spec["user_id"],
                 company_id=spec["company_id"], committee_id=spec["committee_id"])
        for item_obj, specs in zip(item_rows, executor_specs, strict=True)
        for n, spec in enumerate(specs, start=1)
    ])


def roadmap_import_confirm(*, actor: Actor, upload: RoadmapImport) -> Roadmap:
    """Create the previewed roadmap: every section, item and executor, or nothing."""
    require_manager(actor)
    with transaction.atomic():
        upload = RoadmapImport.objects.select_for_update().get(pk=upload.pk)
        if upload.status != RoadmapImport.Status.PREVIEW:
            raise ValidationError("Этот файл уже импортирован.")
        previous = upload.replaces
        if previous is not None:
            _require_latest(previous)
        roadmap = Roadmap.objects.create(
            title=upload.title, period_start=upload.period_start, period_end=upload.period_end,
            source_name=upload.source_name, created_by=actor.user,
            version=(previous.version + 1) if previous else 1, previous=previous,
        )
        _check_linked_rows_exist(upload.parsed["sections"])
        _create_items(roadmap, upload.parsed["sections"])
        upload.status = RoadmapImport.Status.DONE
        upload.roadmap = roadmap
        upload.save(update_fields=["status", "roadmap"])
        audit_record(actor=actor, action="roadmap.import", obj=roadmap,
                     changes={"source_name": [None, upload.source_name],
                              "items": [None, upload.parsed["counts"]["items"]]})
        warehouse_refresh_soon()  # roadmap completion on the ministry dashboard
    return roadmap


def _check_linked_rows_exist(sections: list[dict[str, Any]]) -> None:
    """A company or committee matched at preview time may have been deleted since: keep the name."""
    company_ids = {e["company_id"] for s in sections for i in s["items"] for e in i["executors"] if e["company_id"]}
    committee_ids = {e["committee_id"] for s in sections for i in s["items"] for e in i["executors"]
                     if e["committee_id"]}
    live_companies = set(Company.objects.filter(pk__in=company_ids).values_list("pk", flat=True))
    live_committees = set(Committee.objects.filter(pk__in=committee_ids).values_list("pk", flat=True))
    for section in sections:
        for item in section["items"]:
            for executor in item["executors"]:
                if executor["company_id"] and executor["company_id"] not in live_companies:
                    executor.update(company_id=None, kind=Executor.Kind.ORGANIZATION)
                if executor["committee_id"] and executor["committee_id"] not in live_committees:
                    executor.update(committee_id=None, kind=Executor.Kind.ORGANIZATION)


def roadmap_import_file(*, actor: Actor, data: bytes | UploadedFile, filename: str, title: str | None = None,
                        period_start: dt.date | None = None, period_end: dt.date | None = None,
                        replaces: Roadmap | None = None) -> Roadmap:
    """Preview and confirm in one go (demo data, scripts, tests)."""
    with transaction.atomic():
        upload = roadmap_import_preview(actor=actor, data=data, filename=filename, title=title,
                                        period_start=period_start, period_end=period_end, replaces=replaces)
        return roadmap_import_confirm(actor=actor, upload=upload)


# --- roadmaps ----------------------------------------------------------------------------

def roadmap_create(*, actor: Actor, title: str, period_start: dt.date, period_end: dt.date) -> Roadmap:
    require_manager(actor)
    if not title.strip():
        raise ValidationError({"title": "Введите название дорожной карты."})
    if period_end < period_start:
        raise ValidationError({"period_end": "Окончание срока действия раньше его начала."})
    roadmap = Roadmap(title=title.strip(), period_start=period_start, period_end=period_end, created_by=actor.user)
    model_create(obj=roadmap, actor=actor, action="roadmap.create")
    return roadmap


def roadmap_update(*, actor: Actor, roadmap: Roadmap, title: str, period_start: dt.date,
                   period_end: dt.date) -> Roadmap:
    require_manager(actor)
    with transaction.atomic():
        roadmap = Roadmap.objects.select_for_update().get(pk=roadmap.pk)
        if roadmap.status != Roadmap.Status.DRAFT:
            raise ValidationError("Утверждённую дорожную карту меняют новой версией.")
        if not title.strip():
            raise ValidationError({"title": "Введите название дорожной карты."})
        if period_end < period_start:
            raise ValidationError({"period_end": "Окончание срока действия раньше его начала."})
        model_update(obj=roadmap, data={"title": title.strip(), "period_start": period_start, "period_end": period_end},
                     actor=actor, action="roadmap.update")
    return roadmap


def roadmap_delete(*, actor: Actor, roadmap: Roadmap) -> None:
    """Only a draft may be deleted (an approved roadmap is a record of the cluster)."""
    require_manager(actor)
    with transaction.atomic():
        roadmap = Roadmap.objects.select_for_update().get(pk=roadmap.pk)
        if roadmap.status != Roadmap.Status.DRAFT:
            raise ValidationError("Удалить можно только черновик; утверждённая карта остаётся в архиве.")
        if roadmap.next_versions.exists():
            raise ValidationError("У этой версии есть следующая: удалите сначала её.")
        audit_record(actor=actor, action="roadmap.delete", obj=roadmap,
                     changes={"title": [roadmap.title, None], "items": [roadmap.items.count(), None]})
        RoadmapImport.objects.filter(roadmap=roadmap).update(roadmap=None)
        roadmap.delete()


def approval_decisions() -> Any:
    """Adopted general-meeting decisions of the kind «утверждение дорожной карты»."""
    return (Decision.objects.filter(kind=Decision.Kind.APPROVE_ROADMAP, adopted=True,
                                    meeting__body__kind=Body.Kind.GENERAL_MEETING)
            .select_related("meeting", "meeting__body").order_by("-meeting__held_at", "number"))


def roadmap_approve(*, actor: Actor, roadmap: Roadmap, decision: Decision) -> Roadmap:
    """Approve a draft by a general meeting's decision; the version it replaces is closed."""
    require_manager(actor)
    with transaction.atomic():
        roadmap = Roadmap.objects.select_for_update().get(pk=roadmap.pk)
        if roadmap.status != Roadmap.Status.DRAFT:
            raise ValidationError("Дорожная карта уже утверждена.")
        if not approval_decisions().filter(pk=decision.pk).exists():
            raise ValidationError({"decision": "Дорожную карту утверждает принятое решение общего собрания "
                                               "вида «Утверждение дорожной карты»."})
        if Roadmap.objects.filter(approved_by=decision).exists():
            raise ValidationError({"decision": "Этим решением уже утверждена другая дорожная карта."})
        if not roadmap.items.exists():
            raise ValidationError("В дорожной карте нет ни одного мероприятия.")
        model_update(obj=roadmap, data={"status": Roadmap.Status.APPROVED, "approved_by": decision},
                     actor=actor, action="roadmap.approve")
        warehouse_refresh_soon()  # roadmap completion on the ministry dashboard
        if roadmap.previous_id:
            previous = Roadmap.objects.select_for_update().get(pk=roadmap.previous_id)
            if previous.status == Roadmap.Status.APPROVED:
                model_update(obj=previous, data={"status": Roadmap.Status.CLOSED}, actor=actor,
                             action="roadmap.superseded", extra_changes={"next_version": [None, roadmap.version]})
    return roadmap


def roadmap_close(*, actor: Actor, roadmap: Roadmap) -> Roadmap:
    require_manager(actor)
    with transaction.atomic():
        roadmap = Roadmap.objects.select_for_update().get(pk=roadmap.pk)
        if roadmap.status != Roadmap.Status.APPROVED:
            raise ValidationError("Закрыть можно только утверждённую дорожную карту.")
        model_update(obj=roadmap, data={"status": Roadmap.Status.CLOSED}, actor=actor, action="roadmap.close")
    return roadmap


def _require_latest(roadmap: Roadmap) -> None:
    following = roadmap.next_versions.order_by("-version").first()
    if following is not None:
        raise ValidationError(f"У этой версии уже есть следующая (версия {following.version}): "
                              f"меняйте последнюю.")


def roadmap_new_version(*, actor: Actor, roadmap: Roadmap) -> Roadmap:
    """A draft copy of an approved roadmap (sections, items, executors, progress): the way
    an approved plan changes. The old version stays readable as it was."""
    require_manager(actor)
    with transaction.atomic():
        roadmap = Roadmap.objects.select_for_update().get(pk=roadmap.pk)
        if roadmap.status == Roadmap.Status.DRAFT:
            raise ValidationError("Черновик меняют напрямую; новая версия нужна для утверждённой карты.")
        _require_latest(roadmap)
        copy = Roadmap.objects.create(
            title=roadmap.title, period_start=roadmap.period_start, period_end=roadmap.period_end,
            source_name=roadmap.source_name, created_by=actor.user, previous=roadmap, version=roadmap.version + 1,
        )
        items = list(roadmap.items.select_related("section").prefetch_related("executors").order_by("position"))
        sections: list[dict[str, Any]] = []
        by_section: dict[int, dict[str, Any]] = {}
        for section in roadmap.sections.order_by("position"):
            by_section[section.pk] = {"number": section.number, "title": section.title, "items": []}
            sections.append(by_section[section.pk])
        for item in items:
            by_section[item.section_id]["items"].append({
                "number": item.number, "title": item.title, "executors_text": item.executors_text,
                "deadline_text": item.deadline_text, "deadline_kind": item.deadline_kind,
                "deadline_start": item.deadline_start.isoformat() if item.deadline_start else None,
                "deadline_end": item.deadline_end.isoformat() if item.deadline_end else None,
                "deadline_recurrence": item.deadline_recurrence, "expected_result": item.expected_result,
                "actual_result": item.actual_result, "status": item.status, "comments": item.comments,
                "executors": [{"name": e.name, "kind": e.kind, "user_id": e.user_id, "company_id": e.company_id,
                               "committee_id": e.committee_id} for e in item.executors.all()],
            })
        _create_items(copy, sections)
        audit_record(actor=actor, action="roadmap.new_version", obj=copy,
                     changes={"previous": [None, roadmap.pk], "version": [None, copy.version]})
    return copy


# --- items ---------------------------------------------------------------------------------

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
            raise ValidationError("План утверждённой дорожной карты меняется только новой версией; "
                                  "здесь можно отметить ход исполнения.")
        if "status" in fields and fields["status"] not in Item.Status.values:
            raise ValidationError({"status": "Неизвестный статус."})
        if "title" in fields and not str(fields["title"]).strip():
            raise ValidationError({"title": "Введите наименование мероприятия."})
        if fields.get("status") == Item.Status.DONE and not str(
                fields.get("actual_result", item.actual_result)).strip():
            raise ValidationError({"actual_result": "Чтобы отметить мероприятие выполненным, опишите результат."})
        data = {name: value.strip() if isinstance(value, str) else value for name, value in fields.items()}
        if "deadline_text" in plan_changes:
            deadline = parse_deadline(data["deadline_text"], period_start=roadmap.period_start,
                                      period_end=roadmap.period_end)
            data.update(deadline_kind=deadline.kind, deadline_start=deadline.start, deadline_end=deadline.end,
                        deadline_recurrence=deadline.recurrence)
        if "executors_text" in plan_changes:
            item.executors.all().delete()
            index = ExecutorIndex.build(current_cluster(actor))
            Executor.objects.bulk_create([
                Executor(item=item, position=n, name=spec["name"][:300], kind=spec["kind"], user_id=spec["user_id"],
                         company_id=spec["company_id"], committee_id=spec["committee_id"])
                for n, spec in enumerate((index.match(name) for name in split_executors(data["executors_text"])),
                                         start=1)
            ])
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
        audit_record(actor=actor, action="roadmap_item.evidence_add", obj=item,
                     changes={"evidence": [None, evidence.title]})
    return evidence


def evidence_delete(*, actor: Actor, evidence: Evidence) -> None:
    require_manager(actor)
    with transaction.atomic():
        item = evidence.item
        if item.roadmap.status == Roadmap.Status.CLOSED:
            raise ValidationError("Дорожная карта закрыта: изменения не принимаются.")
        audit_record(actor=actor, action="roadmap_item.evidence_delete", obj=item,
                     changes={"evidence": [evidence.title, None]})
        evidence.file.delete(save=False)
        evidence.delete()


# --- reports made in the background ---------------------------------------------------------

def report_in_background(*, roadmap: Roadmap, fmt: str) -> bool:
    """A PDF of a large roadmap is made by a Celery task (WeasyPrint spends ~25 ms a row: 2,000
    items take close to a minute); everything else is made during the request."""
    limit = int(getattr(settings, "ROADMAP_REPORT_SYNC_MAX_ITEMS", 300))
    return fmt == "pdf" and roadmap.items.count() > limit


# An order still queued or running after this long is taken as lost (worker gone, message
# dropped): it is marked failed and the report ordered anew instead of waiting on it forever.
REPORT_JOB_STALE_AFTER = dt.timedelta(minutes=15)


def report_job_start(*, actor: Actor, roadmap: Roadmap, fmt: str) -> ReportJob:
    """Order a report file; a recent unfinished order of the same file is reused, not repeated."""
    from .report import CONTENT_TYPES
    from .tasks import report_job_task

    if actor.user is None or not user_cluster_roles(actor.user, current_cluster(actor)):
        raise PermissionDenied("Отчёт доступен участникам, сотрудникам и администраторам кластера.")
    if fmt not in CONTENT_TYPES:
        raise ValidationError({"format": "Неизвестный формат отчёта: выберите docx, xlsx или pdf."})
    with transaction.atomic():
        now = timezone.now()
        pending = ReportJob.objects.select_for_update().filter(
            roadmap=roadmap, format=fmt, status__in=[ReportJob.Status.QUEUED, ReportJob.Status.RUNNING])
        for job in pending:
            if job.created_at > now - REPORT_JOB_STALE_AFTER:
                return job
            job.status, job.finished_at = ReportJob.Status.FAILED, now
            job.error = "Отчёт не сформирован вовремя: заказан заново."
            job.save(update_fields=["status", "error", "finished_at"])
        job = ReportJob.objects.create(roadmap=roadmap, format=fmt, created_by=actor.user)
        report_job_task.delay_on_commit(job.pk)
    return job


def report_job_run(*, job_id: int) -> ReportJob | None:
    """Make the file of a queued job (the Celery task calls this; safe to call twice)."""
    from .report import roadmap_report

    with transaction.atomic():
        job = ReportJob.objects.select_for_update().select_related("roadmap").filter(pk=job_id).first()
        if job is None or job.status != ReportJob.Status.QUEUED:
            return job
        job.status = ReportJob.Status.RUNNING
        job.save(update_fields=["status"])
    try:
        report = roadmap_report(job.roadmap, job.format)
    except Exception as exc:  # the job must end either way; the log keeps the details
        logger.exception("roadmap report job %s failed", job_id)
        job.status, job.error = ReportJob.Status.FAILED, f"Отчёт не сформирован: {type(exc).__name__}."
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "error", "finished_at"])
        return job
    job.file.save(report.filename, ContentFile(report.content), save=False)
    job.filename, job.content_type = report.filename_ru, report.content_type
    job.status, job.finished_at = ReportJob.Status.DONE, timezone.now()
    job.save(update_fields=["file", "filename", "content_type", "status", "finished_at"])
    return job
