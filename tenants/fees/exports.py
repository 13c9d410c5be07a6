"""The ledger (billing.selectors.ledger_rows) as XLSX and as CSV that Excel opens in Russian:
UTF-8 with a BOM, «;» between fields, decimal comma. Amounts in roubles."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from typing import Any

from billing.selectors import LedgerRow
from core.ru.money import format_roubles
from core.spreadsheet import cell_text as _text

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"
HEADERS = [
    "Дата",
    "Операция",
    "Счёт №",
    "Плательщик",
    "ИНН",
    "Начислено, руб.",
    "Оплачено, руб.",
    "Способ",
    "Основание",
]
METHODS = {"online": "Онлайн (карта)", "manual": "Банковский перевод", "": ""}


def ledger_filename(date_from: dt.date, date_to: dt.date, extension: str) -> str:
    return f"ledger-{date_from:%Y%m%d}-{date_to:%Y%m%d}.{extension}"


def _cells(row: LedgerRow) -> list[Any]:
    return [
        row.date,
        row.kind_label,
        _text(row.invoice_number),
        _text(row.company_name),
        _text(row.company_inn),
        row.debit_kopecks,
        row.credit_kopecks,
        METHODS.get(row.method, row.method),
        _text(row.reference),
    ]


def ledger_csv(rows: Iterable[LedgerRow]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADERS)
    debit = credit = 0
    for row in rows:
        cells = _cells(row)
        debit += row.debit_kopecks
        credit += row.credit_kopecks
        cells[0] = f"{row.date:%d.%m.%Y}"
        cells[5] = format_roubles(row.debit_kopecks).replace(" ", "") if row.debit_kopecks else ""
        cells[6] = format_roubles(row.credit_kopecks).replace(" ", "") if row.credit_kopecks else ""
        writer.writerow(cells)
    writer.writerow(
        [
            "",
            "Итого",
            "",
            "",
            "",
            format_roubles(debit).replace(" ", ""),
            format_roubles(credit).replace(" ", ""),
            "",
            "",
        ]
    )
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")


def ledger_xlsx(rows: Iterable[LedgerRow], *, title: str = "") -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.worksheets[0]
    sheet.title = "Реестр"
    bold = Font(bold=True)
    first = 1
    if title:
        sheet.cell(row=1, column=1, value=title).font = bold
        first = 3
    for column, header in enumerate(HEADERS, start=1):
        sheet.cell(row=first, column=column, value=header).font = bold
    line = first
    debit = credit = 0
    for line, row in enumerate(rows, start=first + 1):
        debit += row.debit_kopecks
        credit += row.credit_kopecks
        cells = _cells(row)
        cells[5] = row.debit_kopecks / 100 if row.debit_kopecks else None
        cells[6] = row.credit_kopecks / 100 if row.credit_kopecks else None
        for column, value in enumerate(cells, start=1):
            cell = sheet.cell(row=line, column=column, value=value)
            if column == 1:
                cell.number_format = "DD.MM.YYYY"
            elif column in (6, 7):
                cell.number_format = "#,##0.00"
    total = line + 1
    sheet.cell(row=total, column=2, value="Итого").font = bold
    for column, amount in ((6, debit), (7, credit)):
        cell = sheet.cell(row=total, column=column, value=amount / 100)
        cell.number_format = "#,##0.00"
        cell.font = bold
    for letter, width in zip("ABCDEFGHI", (12, 16, 12, 40, 14, 16, 16, 20, 40), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = sheet.cell(row=first + 1, column=1)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
