"""Bulk import of companies from CSV (UTF-8, «;» or «,») and XLSX files: all rows or none.

Every row is checked first (identifiers by their check digits, INN once per cluster and once
per file); one bad row and nothing is imported: the job lists each bad row with its line
number as in the file (the header is line 1) and the reason in Russian (a cell holding a
control character is such a reason: core.text refuses them at input). Large files run in a
Celery task (ImportJob) whose progress the import page polls.
"""

from __future__ import annotations

import csv
import io
import re
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import capfirst

from core.accounts.access import current_cluster, require_manager
from core.audit.services import Actor, audit_record, model_create_many
from core.bulk import BATCH, insert_rows
from core.queue import enqueue_on_commit
from core.ru.regions import REGIONS
from core.text import CONTROL_CHARACTERS_MESSAGE, has_control_characters
from tenants.members.selectors import existing_inns

from .models import Company, ImportJob, MembershipEvent
from .services import company_normalize

MAX_IMPORT_BYTES = 10 * 1024 * 1024
EXTENSIONS = (".csv", ".xlsx")
PROGRESS_EVERY = 50
PROGRESS_SECONDS = 0.5  # and at most two progress writes a second (a 10,000-row file: ~10, not 200)

# Header (case and spaces ignored) → field.
COLUMNS: dict[str, str] = {
    "полное наименование": "full_name",
    "краткое наименование": "short_name",
    "инн": "inn",
    "огрн": "ogrn",
    "огрнип": "ogrn",
    "огрн/огрнип": "ogrn",
    "кпп": "kpp",
    "регион": "region_code",
    "адрес": "address",
    "сайт": "website",
    "резидент оэз": "is_sez_resident",
    "оквэд2": "okved_codes",
    "оквэд": "okved_codes",
    "коды оквэд2": "okved_codes",
    "тип": "kind",
    "организационно-правовая форма": "legal_form",
    "описание": "description",
    "услуги": "services",
    "моногород или тор": "special_territory",
}
# Columns of our own export that the importer skips (statuses come from decisions, not files).
IGNORED_COLUMNS = frozenset({"№", "статус", "статус изменён", "статус изменен", "продукции"})
REQUIRED = ("full_name", "inn")
TRUE_WORDS = frozenset({"да", "д", "yes", "y", "true", "1", "+", "x", "х"})
FALSE_WORDS = frozenset({"нет", "н", "no", "n", "false", "0", "-", ""})
_REGION_BY_NAME = {name.lower(): code for code, name in REGIONS.items()}
_KIND_BY_LABEL = {str(label).lower(): value for value, label in Company.Kind.choices}
_TERRITORY_BY_WORD = {
    **{str(label).lower(): value for value, label in Company.SpecialTerritory.choices},
    **{value: value for value in Company.SpecialTerritory.values},
    "моногород": Company.SpecialTerritory.MONOTOWN,
    "тор": Company.SpecialTerritory.PRIORITY,
}
_NAMED = re.compile(r"^(ИНН|ОГРН|ОГРНИП|КПП|ОКВЭД2|Регион|Резидент ОЭЗ|Тип)\b")


@dataclass(frozen=True)
class RowError:
    line: int
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "message": self.message}


Row = tuple[int, dict[str, str]]


def _header_key(value: Any) -> str:
    return " ".join(str(value or "").replace("\ufeff", "").split()).lower()


def _map_header(cells: list[Any]) -> list[str | None]:
    """Field of each column (None: skipped); a file-level ValidationError for bad headers."""
    fields: list[str | None] = []
    unknown: list[str] = []
    for cell in cells:
        key = _header_key(cell)
        if not key or key in IGNORED_COLUMNS:
            fields.append(None)
        elif key in COLUMNS:
            fields.append(COLUMNS[key])
        else:
            fields.append(None)
            unknown.append(str(cell).strip())
    problems = []
    if unknown:
        problems.append("неизвестные столбцы: " + ", ".join(f"«{u}»" for u in unknown))
    present = [f for f in fields if f]
    doubled = sorted({f for f in present if present.count(f) > 1})
    if doubled:
        problems.append("столбцы повторяются: " + ", ".join(f"«{_label(f)}»" for f in doubled))
    missing = [f for f in REQUIRED if f not in present]
    if missing:
        problems.append("нет обязательных столбцов: " + ", ".join(f"«{_label(f)}»" for f in missing))
    if problems:
        raise ValidationError(
            "Строка 1 (заголовок): " + "; ".join(problems) + ". Ожидаются столбцы: "
            "«Полное наименование;Краткое наименование;ИНН;ОГРН;КПП;Регион;Адрес;Сайт;"
            "Резидент ОЭЗ;ОКВЭД2»."
        )
    return fields


def _label(field: str) -> str:
    return str(capfirst(str(getattr(Company._meta.get_field(field), "verbose_name", field))))


def _rows(header: list[str | None], numbered: list[tuple[int, list[Any]]]) -> list[Row]:
    rows: list[Row] = []
    for line, cells in numbered:
        values = {
            field: _cell_text(cells[i] if i < len(cells) else None) for i, field in enumerate(header) if field
        }
        extra = [c for c in cells[len(header) :] if _cell_text(c)]
        if not any(_cell_text(c) for c in cells):
            continue  # blank line
        if extra:
            values["__extra__"] = "1"
        rows.append((line, values))
    return rows


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "да" if value else "нет"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _read_csv(content: bytes) -> list[Row]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError("Файл CSV должен быть в кодировке UTF-8.") from exc
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") >= first.count(",") and ";" in first else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = _map_header(next(reader))
    except StopIteration as exc:
        raise ValidationError("Файл пустой.") from exc
    numbered: list[tuple[int, list[Any]]] = []
    while True:
        line = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise ValidationError(f"Строка {line}: файл CSV повреждён ({exc}).") from exc
        numbered.append((line, cells))
    return _rows(header, numbered)


def _xlsx_identifier(field: str | None, value: Any) -> Any:
    """Numbers typed into Excel lose leading zeros (INN 0274…): put them back."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        text = str(value)
        if field == "inn" and len(text) in (9, 11):
            return text.zfill(len(text) + 1)
        if field == "kpp" and len(text) < 9:
            return text.zfill(9)
        return text
    return value


def _read_xlsx(content: bytes) -> list[Row]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ValidationError("Не удалось прочитать файл XLSX.") from exc
    try:
        sheet = workbook.worksheets[0]
        lines = sheet.iter_rows(values_only=True)
        try:
            header = _map_header(list(next(lines)))
        except StopIteration as exc:
            raise ValidationError("Файл пустой.") from exc
        numbered = [
            (number, [_xlsx_identifier(header[i] if i < len(header) else None, v) for i, v in enumerate(row)])
            for number, row in enumerate(lines, start=2)
        ]
    finally:
        workbook.close()
    return _rows(header, numbered)


def read_table(*, name: str, content: bytes) -> list[Row]:
    """The data rows of a file, each with its line number (the header is line 1)."""
    suffix = PurePath(name).suffix.lower()
    if suffix == ".csv":
        return _read_csv(content)
    if suffix == ".xlsx":
        return _read_xlsx(content)
    raise ValidationError("Поддерживаются файлы CSV (UTF-8, разделитель «;» или «,») и XLSX.")


def _row_fields(values: dict[str, str]) -> tuple[dict[str, Any], list[str]]:
    problems: list[str] = []
    fields: dict[str, Any] = {k: v for k, v in values.items() if not k.startswith("__")}
    if values.get("__extra__"):
        problems.append("в строке больше значений, чем столбцов в заголовке.")
    for field, value in fields.items():
        if has_control_characters(value):  # they would be stored (core.text: refused at input)
            problems.append(f"{_label(field)}: {CONTROL_CHARACTERS_MESSAGE}")
    for field in REQUIRED:
        if not fields.get(field, "").strip():
            problems.append(f"{_label(field)}: обязательное поле.")
    region = fields.get("region_code", "").strip()
    if region:
        code = region.upper() if region.upper() in REGIONS else _REGION_BY_NAME.get(region.lower())
        if code is None:
            problems.append(
                f"Регион: «{region}» — неизвестный регион (укажите код, например RU-MOS, "
                f"или название субъекта РФ)."
            )
        fields["region_code"] = code or ""
    if "is_sez_resident" in fields:
        flag = fields["is_sez_resident"].strip().lower()
        if flag not in TRUE_WORDS | FALSE_WORDS:
            problems.append("Резидент ОЭЗ: ожидается «да» или «нет».")
        fields["is_sez_resident"] = flag in TRUE_WORDS
    if "special_territory" in fields:
        place = fields["special_territory"].strip().lower()
        territory = "" if place in FALSE_WORDS | {""} else _TERRITORY_BY_WORD.get(place)
        if territory is None:
            problems.append(
                f"Моногород или ТОР: «{fields['special_territory']}» — ожидается «моногород», «ТОР» "
                f"или «нет»."
            )
        fields["special_territory"] = territory or ""
    if "kind" in fields:
        kind = fields["kind"].strip().lower()
        value = (
            kind
            if kind in Company.Kind.values
            else _KIND_BY_LABEL.get(kind)
            if kind
            else Company.Kind.COMPANY
        )
        if value is None:
            problems.append(f"Тип: «{fields['kind']}» — неизвестный тип организации.")
        fields["kind"] = value or Company.Kind.COMPANY
    return fields, problems


def _messages(exc: ValidationError) -> list[str]:
    if not hasattr(exc, "error_dict"):
        return list(exc.messages)
    found = []
    for field, messages in exc.message_dict.items():
        for message in messages:
            if field == "__all__" or _NAMED.match(message):
                found.append(message)
            else:
                found.append(f"{_label(field)}: {message}")
    return found


def validate_rows(
    rows: list[Row], *, existing: dict[str, str], progress: Callable[[int], None] | None = None
) -> tuple[list[Company], list[RowError]]:
    """Unsaved companies for every row, or the errors of the bad rows (then use none of them)."""
    companies: list[Company] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    reported = time.monotonic()
    for index, (line, values) in enumerate(rows, start=1):
        fields, problems = _row_fields(values)
        company: Company | None = None
        if not problems:
            try:
                fields = company_normalize(fields)
                if not fields.get("short_name"):
                    fields["short_name"] = fields["full_name"][:200]
                company = Company(status=Company.Status.INTERESTED, **fields)
                company.full_clean(validate_unique=False, validate_constraints=False)
            except ValidationError as exc:
                problems.extend(_messages(exc))
        inn = "".join(str(fields.get("inn") or "").split())
        if inn:
            if inn in existing:
                problems.append(f"ИНН {inn} уже есть в кластере: «{existing[inn]}».")
            elif inn in seen:
                problems.append(f"ИНН {inn} повторяется в файле (впервые — в строке {seen[inn]}).")
            else:
                seen[inn] = line
        if problems:
            errors.extend(RowError(line=line, message=p) for p in problems)
        elif company is not None:
            companies.append(company)
        if progress is not None and (
            index == len(rows)
            or (index % PROGRESS_EVERY == 0 and time.monotonic() - reported >= PROGRESS_SECONDS)
        ):
            progress(index)
            reported = time.monotonic()
    return companies, errors


# --- jobs ---------------------------------------------------------------------------------


def import_job_create(*, actor: Actor, file: UploadedFile) -> ImportJob:
    """Keep the file and queue its import (after commit)."""
    require_manager(actor)
    original = PurePath(file.name or "").name
    if not original or not file.size:
        raise ValidationError({"file": "Файл пустой."})
    if PurePath(original).suffix.lower() not in EXTENSIONS:
        raise ValidationError({"file": "Поддерживаются файлы CSV (UTF-8, разделитель «;» или «,») и XLSX."})
    if file.size > MAX_IMPORT_BYTES:
        raise ValidationError({"file": "Файл больше 10 МБ: разделите его на части."})
    job = ImportJob(file=file, original_name=original[:200], created_by=actor.user, host=actor.host)
    with transaction.atomic():
        job.full_clean()
        job.save()
        audit_record(
            actor=actor, action="company_import.create", obj=job, changes={"file": [None, job.original_name]}
        )
        enqueue_on_commit("members.company_import_run", job.pk)
    return job


def _progress(job: ImportJob, **fields: Any) -> None:
    for name, value in fields.items():
        setattr(job, name, value)
    ImportJob.objects.filter(pk=job.pk).update(**fields)


def _fail(job: ImportJob, errors: list[dict[str, Any]]) -> ImportJob:
    _progress(job, status=ImportJob.Status.FAILED, errors=errors, finished_at=timezone.now())
    return job


def events_create(companies: list[Company], *, same: dict[str, Any]) -> None:
    """The «admitted to the list» event of each new company: only the company differs from row to
    row, so the rest is sent once per INSERT of BATCH rows (core.bulk.insert_rows)."""
    for start in range(0, len(companies), BATCH):
        insert_rows(
            MembershipEvent, ["company"], [(c.pk,) for c in companies[start : start + BATCH]], same=same
        )


def import_job_run(*, job_id: int) -> ImportJob | None:
    """Validate every row, then import all of them in one transaction (safe to run twice)."""
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None or job.is_finished:
        return job
    actor = Actor(user=job.created_by, host=job.host, cluster=current_cluster())
    _progress(job, status=ImportJob.Status.VALIDATING, processed=0, errors=[], started_at=timezone.now())
    try:
        with job.file.open("rb") as handle:
            content = handle.read()
        rows = read_table(name=job.original_name or job.file.name or "", content=content)
    except (ValidationError, OSError) as exc:
        messages = exc.messages if isinstance(exc, ValidationError) else ["Файл загрузки не найден."]
        return _fail(job, [{"line": None, "message": m} for m in messages])
    if not rows:
        return _fail(job, [{"line": None, "message": "В файле нет строк с организациями."}])
    _progress(job, total=len(rows))
    companies, errors = validate_rows(
        rows, existing=existing_inns(), progress=lambda n: _progress(job, processed=n)
    )
    if errors:
        return _fail(job, [e.as_dict() for e in errors])
    _progress(job, status=ImportJob.Status.IMPORTING)
    try:
        with transaction.atomic():
            locked = ImportJob.objects.select_for_update().get(pk=job.pk)
            if locked.is_finished:
                return locked
            taken = existing_inns()  # again, under the transaction: someone may have added one meanwhile
            clashes = [c for c in companies if c.inn in taken]
            if clashes:
                raise ValidationError(
                    [f"ИНН {c.inn} уже есть в кластере: «{taken[c.inn]}»." for c in clashes]
                )
            now = timezone.now()
            for company in companies:
                company.status_changed_at = now
            # Validated row by row above (full_clean): one INSERT per batch of companies and one per
            # batch of their audit rows, the same rows model_create writes for a company.
            model_create_many(objs=companies, actor=actor, action="company.create", validated=True)
            events_create(
                companies,
                same={
                    "from_status": "",
                    "to_status": Company.Status.INTERESTED,
                    "at": now,
                    "actor": actor.user.pk if actor.user else None,
                    "reason": f"Загружена из файла «{job.original_name}».",
                },
            )
            locked.status = ImportJob.Status.DONE
            locked.processed = len(rows)
            locked.created_count = len(companies)
            locked.finished_at = now
            locked.save(update_fields=["status", "processed", "created_count", "finished_at"])
            audit_record(
                actor=actor,
                action="company_import.done",
                obj=locked,
                changes={"created_count": [0, len(companies)]},
            )
            return locked
    except ValidationError as exc:
        return _fail(job, [{"line": None, "message": m} for m in exc.messages])
