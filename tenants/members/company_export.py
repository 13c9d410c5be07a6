"""The member list as an XLSX workbook with Russian headers (openpyxl, write-only)."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from typing import Any

from django.utils import timezone

from core.ru.regions import REGIONS
from core.spreadsheet import cell_text

from .models import Company

COLUMNS: list[tuple[str, int, Callable[[Company], Any]]] = [
    ("Полное наименование", 50, lambda c: c.full_name),
    ("Краткое наименование", 30, lambda c: c.short_name),
    ("ИНН", 14, lambda c: c.inn),
    ("ОГРН", 17, lambda c: c.ogrn),
    ("КПП", 12, lambda c: c.kpp),
    ("Регион", 28, lambda c: REGIONS.get(c.region_code, c.region_code)),
    ("Адрес", 40, lambda c: c.address),
    ("Сайт", 28, lambda c: c.website),
    ("Резидент ОЭЗ", 12, lambda c: "да" if c.is_sez_resident else "нет"),
    ("ОКВЭД2", 16, lambda c: ", ".join(c.okved_codes)),
    ("Тип", 24, lambda c: str(c.get_kind_display())),
    ("Статус", 26, lambda c: str(c.get_status_display())),
    (
        "Статус изменён",
        16,
        lambda c: timezone.localtime(c.status_changed_at).strftime("%d.%m.%Y") if c.status_changed_at else "",
    ),
    (
        "Моногород или ТОР",
        24,
        lambda c: str(c.get_special_territory_display()) if c.special_territory else "нет",
    ),
]
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def companies_xlsx(companies: Iterable[Company]) -> bytes:
    """One sheet «Участники»: a header row, then a row per company. Identifiers stay text; text that
    looks like a formula stays text (core.spreadsheet.cell_text)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Участники")
    for index, (_title, width, _value) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for title, _width, _value in COLUMNS:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for company in companies:
        sheet.append([cell_text(value(company)) for _title, _width, value in COLUMNS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export_filename() -> str:
    return f"members-{timezone.localdate():%Y-%m-%d}.xlsx"
