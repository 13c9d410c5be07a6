"""Downloads of the ministry overview: the cluster table as XLSX, a summary as PDF (Russian)."""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone, translation

from core.accounts.selectors import MinistryScope
from core.federal import dashboard as selectors
from core.ru.regions import region_name
from core.spreadsheet import cell_text
from tenants.models import Cluster

from . import rows

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_ROWS_MAX = 500  # the PDF lists at most this many clusters; the XLSX has them all


def xlsx_filename() -> str:
    return f"clusters-{timezone.localdate():%Y-%m-%d}.xlsx"


def pdf_filename() -> str:
    return f"clusters-summary-{timezone.localdate():%Y-%m-%d}.pdf"


def table_xlsx(clusters: Iterable[Cluster], *, year: int | None) -> bytes:
    """One sheet «Кластеры»: the overview table, numbers as numbers (roubles, not kopecks)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    columns = rows.columns(year)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Кластеры")
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "B2"
    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=column.title)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for cluster in clusters:
        line: list[Any] = []
        for column in columns:
            if column.number is None:
                line.append(cell_text(column.text(cluster)))  # a cluster's name typed as «=…» stays text
                continue
            cell = WriteOnlyCell(sheet, value=column.number(cluster))
            if column.number_format:
                cell.number_format = column.number_format
            line.append(cell)
        sheet.append(line)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def scope_line(scope: MinistryScope) -> str:
    if scope.federal:
        return "все регионы"
    return ", ".join(sorted(region_name(code) for code in scope.region_codes))


def filters_line(filters: selectors.Filters) -> str:
    parts = []
    if filters.region:
        parts.append(f"регион: {region_name(filters.region)}")
    if filters.kind:
        parts.append(f"тип: {Cluster.Kind(filters.kind).label}")
    if filters.registry:
        parts.append(f"статус в реестре: {Cluster.RegistryStatus(filters.registry).label}")
    if filters.checks:
        parts.append(f"проверка требований: {rows.CHECK_LABELS[filters.checks]}")
    if filters.query:
        parts.append(f"поиск: «{filters.query}»")
    return "; ".join(parts)


def summary_pdf(*, scope: MinistryScope, board: selectors.Dashboard) -> bytes:
    """«Сводка по кластерам»: totals, year-over-year figures and charts, registry checks, the table."""
    from weasyprint import HTML

    with translation.override("ru"):
        table = list(board.table[: PDF_ROWS_MAX + 1])
        columns = rows.columns(board.year)
        body = [
            [(column.text(c), column.number is not None) for column in columns] for c in table[:PDF_ROWS_MAX]
        ]
        html = render_to_string(
            "frontend/federal/summary_pdf.html",
            {
                "board": board,
                "scope_text": scope_line(scope),
                "filters_text": filters_line(board.filters),
                "generated": timezone.localtime(),
                "columns": columns,
                "body": body,
                "truncated": len(table) > PDF_ROWS_MAX,
                "limit": PDF_ROWS_MAX,
                "yoy": yoy_rows(board),
                "charts": rows.charts(board, width=250, height=170),
                "checks": [(rows.CHECK_LABELS[k], v) for k, v in board.checks.items()],
                "live": live_rows(board),
            },
        )
    return HTML(string=html).write_pdf() or b""


def yoy_rows(board: selectors.Dashboard) -> list[tuple[str, list[str]]]:
    """(indicator, [figure per year]) for the headline indicators."""
    out = []
    for spec in rows.CHARTS:
        out.append(
            (
                str(spec.title),
                [
                    rows.total_text(spec.kind, board.totals.get(y, {}).get(spec.code))
                    for y in board.series_years
                ],
            )
        )
    return out


def live_rows(board: selectors.Dashboard) -> list[tuple[str, str]]:
    live = board.live
    return [
        ("Кластеров", rows.count(live.clusters)),
        ("Участников сейчас", rows.count(live.members)),
        ("Взносы начислены", rows.roubles(live.dues_invoiced_kopecks)),
        ("Взносы оплачены", rows.roubles(live.dues_paid_kopecks)),
        ("Собираемость взносов сейчас", rows.percent(live.dues_rate)),
        ("Выполнение дорожной карты сейчас", rows.percent(live.roadmap_rate)),
    ]
