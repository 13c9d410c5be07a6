"""The yearly report of a roadmap: the six-column table of seed 001 as DOCX, XLSX and PDF.

«Отчет о работе Медико-технического кластера Московской области за 2018 год», then the
header row (№ | Наименование мероприятия | Ответственные исполнители | Сроки исполнения |
Ожидаемый результат, примечание | Результат), the column-number row «1 2 3 4 5 6», and a
section row before the items of each section. Cells hold the texts as written in the
roadmap, so the XLSX and DOCX files read back through tenants.roadmap.table into the same
sections, items, numbers and cell texts. The document is always in Russian.

report_build() reads the roadmap in three queries (sections, items, executors), whatever
the number of items; the writers touch no database.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote
from xml.sax.saxutils import escape as xml_escape

from django.template.loader import render_to_string
from django.utils import timezone, translation

from core.accounts.access import current_cluster
from core.spreadsheet import cell_text
from core.text import printable
from tenants.governance.protocol import cluster_genitive
from tenants.models import Cluster

from .models import Roadmap
from .selectors import roadmap_table
from .table import COLUMNS

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_TYPE = "application/pdf"
CONTENT_TYPES: dict[str, str] = {"docx": DOCX_TYPE, "xlsx": XLSX_TYPE, "pdf": PDF_TYPE}
DEFAULT_FORMAT = "pdf"
FORMAT_ERROR = "Неизвестный формат отчёта: выберите docx, xlsx или pdf."
PDF_TEMPLATE = "frontend/roadmap/report_pdf.html"

COLUMN_NUMBERS = ("1", "2", "3", "4", "5", "6")
# Relative widths of the six columns (the same in all three formats).
WIDTHS = (6, 26, 15, 12, 18, 23)
URL_RE = re.compile(r"https?://[^\s<>«»\"]+[^\s<>«»\".,;:!?)\]]")
# Control characters Excel and Word refuse (tab and newline are fine).
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


class ReportFormatError(ValueError):
    """An unknown file type was asked for; str() is the Russian message."""

    def __init__(self, fmt: str) -> None:
        super().__init__(FORMAT_ERROR)
        self.format = fmt


@dataclass(frozen=True)
class ReportItem:
    number: str
    title: str
    executors: str
    deadline: str
    expected: str
    result: str

    def cells(self) -> tuple[str, str, str, str, str, str]:
        return (self.number, self.title, self.executors, self.deadline, self.expected, self.result)


@dataclass(frozen=True)
class ReportSection:
    number: str
    title: str
    items: tuple[ReportItem, ...]


@dataclass(frozen=True)
class Report:
    heading: str  # «Отчет о работе»
    subject: str  # «Медико-технического кластера Московской области за 2018 год»
    subtitle: str  # the roadmap, its version and period
    generated: str  # «Сформирован 23.11.2026 12:40»
    years: str  # «2018» or «2018–2019»
    sections: tuple[ReportSection, ...]

    @property
    def title(self) -> str:
        return f"{self.heading} {self.subject}"

    @property
    def items(self) -> list[ReportItem]:
        return [item for section in self.sections for item in section.items]


@dataclass(frozen=True)
class ReportFile:
    content: bytes
    content_type: str
    filename: str  # ASCII only: roadmap-report-mosreg-2018-v2.pdf
    filename_ru: str  # Отчет_о_работе_МТК_МО_за_2018_год_версия_2.pdf

    @property
    def content_disposition(self) -> str:
        """attachment; an ASCII name plus the Russian one as filename*=UTF-8''… (RFC 5987/6266)."""
        return (
            f"attachment; filename=\"{self.filename}\"; filename*=UTF-8''{quote(self.filename_ru, safe='')}"
        )


def report_years(start: dt.date, end: dt.date) -> tuple[str, str]:
    """(«2018», «за 2018 год») or («2018–2019», «за 2018–2019 годы»)."""
    if start.year == end.year:
        return f"{start.year}", f"за {start.year} год"
    return f"{start.year}–{end.year}", f"за {start.year}–{end.year} годы"


def _clean(text: str) -> str:
    """Cells never hold tabs (they separate the cells of the text format) or control characters."""
    return CONTROL_RE.sub("", text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " "))


def _cluster_of_connection() -> Cluster:
    cluster = current_cluster()
    if cluster is None:
        raise ValueError("The roadmap report is built inside a cluster's schema.")
    return cluster


def report_build(roadmap: Roadmap, *, cluster: Cluster) -> Report:
    """Everything the report shows, read by selectors.roadmap_table() in three queries
    (sections, items, executors) whatever the number of items."""
    years, for_years = report_years(roadmap.period_start, roadmap.period_end)
    now = timezone.localtime(timezone.now(), cluster.tzinfo)
    built = tuple(
        ReportSection(
            number=_clean(section.number),
            title=_clean(section.title),
            items=tuple(
                ReportItem(
                    number=_clean(item.number),
                    title=_clean(item.title),
                    # The text as the roadmap wrote it; executors added later only by name.
                    executors=_clean(item.executors_text or ", ".join(e.name for e in item.executors.all())),
                    deadline=_clean(item.deadline_text),
                    expected=_clean(item.expected_result),
                    result=_clean(item.actual_result),
                )
                for item in items
            ),
        )
        for section, items in roadmap_table(roadmap=roadmap)
    )
    version = f", версия {roadmap.version}" if roadmap.version > 1 else ""
    return Report(
        heading="Отчет о работе",
        subject=f"{cluster_genitive(cluster.name)} {for_years}",
        subtitle=(
            f"Дорожная карта «{roadmap.title}»{version}, срок действия "
            f"с {roadmap.period_start:%d.%m.%Y} по {roadmap.period_end:%d.%m.%Y}"
        ),
        generated=f"Сформирован {now:%d.%m.%Y %H:%M}",
        years=years,
        sections=built,
    )


# --- DOCX (python-docx) -------------------------------------------------------------------
# python-docx sets up the page, the title and the footer; the table's rows are written as
# WordprocessingML in one piece (building 12,000 cells through its object API takes seconds).

WORD_NS = (
    'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
)
TWIPS_PER_MM = 1440 / 25.4
DOCX_PAGE_MM = (297, 210)
DOCX_MARGIN_MM = 15


class _DocxWriter:
    """Rows of the report table as XML; one hyperlink relationship per distinct address."""

    def __init__(self, part: Any, widths: list[int]) -> None:
        self.part = part
        self.widths = widths
        self.link_ids: dict[str, str] = {}

    def link(self, url: str) -> str:
        from docx.opc.constants import RELATIONSHIP_TYPE

        r_id = self.link_ids.get(url)
        if r_id is None:
            r_id = self.link_ids[url] = f"rIdLink{len(self.link_ids) + 1}"
            # Not part.relate_to(): it searches every relationship on each call (quadratic).
            self.part.rels.add_relationship(RELATIONSHIP_TYPE.HYPERLINK, url, r_id, is_external=True)
        return r_id

    @staticmethod
    def run(text: str, bold: bool) -> str:
        props = "<w:rPr><w:b/></w:rPr>" if bold else ""
        return f'<w:r>{props}<w:t xml:space="preserve">{xml_escape(printable(text))}</w:t></w:r>'

    def paragraph(self, line: str, *, bold: bool, center: bool, links: bool) -> str:
        parts = [
            '<w:p><w:pPr><w:spacing w:after="0"/>' + ('<w:jc w:val="center"/>' if center else "") + "</w:pPr>"
        ]
        position = 0
        for match in URL_RE.finditer(line) if links else ():
            if match.start() > position:
                parts.append(self.run(line[position : match.start()], bold))
            parts.append(
                f'<w:hyperlink r:id="{self.link(match.group(0))}"><w:r><w:rPr><w:color w:val="0563C1"/>'
                f'<w:u w:val="single"/></w:rPr><w:t xml:space="preserve">{xml_escape(printable(match.group(0)))}'
                "</w:t></w:r></w:hyperlink>"
            )
            position = match.end()
        if position < len(line):
            parts.append(self.run(line[position:], bold))
        parts.append("</w:p>")
        return "".join(parts)

    def cell(
        self,
        text: str,
        width: int,
        *,
        bold: bool = False,
        center: bool = False,
        links: bool = False,
        fill: str = "",
        span: int = 1,
    ) -> str:
        props = f'<w:tcW w:w="{width}" w:type="dxa"/>'
        if span > 1:
            props += f'<w:gridSpan w:val="{span}"/>'
        if fill:
            props += f'<w:shd w:val="clear" w:color="auto" w:fill="{fill}"/>'
        paragraphs = "".join(
            self.paragraph(line, bold=bold, center=center, links=links) for line in text.split("\n")
        )
        return f"<w:tc><w:tcPr>{props}</w:tcPr>{paragraphs}</w:tc>"

    def row(
        self,
        cells: tuple[str, ...],
        *,
        header: bool = False,
        fill: str = "",
        bold: bool = False,
        center: bool = False,
        links: bool = False,
    ) -> str:
        props = "<w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>" if header else ""
        body = "".join(
            self.cell(text, width, bold=bold, center=center, links=links, fill=fill)
            for text, width in zip(cells, self.widths, strict=True)
        )
        return f"<w:tr>{props}{body}</w:tr>"

    def section_row(self, section: ReportSection) -> str:
        """№ in the first cell, the title across the other five (a merged cell)."""
        return (
            "<w:tr><w:trPr><w:cantSplit/></w:trPr>"
            + self.cell(section.number, self.widths[0], bold=True, fill="F2F2F2")
            + self.cell(section.title, sum(self.widths[1:]), bold=True, fill="F2F2F2", span=5)
            + "</w:tr>"
        )


def report_docx(report: Report) -> bytes:
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import parse_xml
    from docx.shared import Mm, Pt

    document = Document()
    normal = document.styles["Normal"]
    normal.font.name = "Times New Roman"
    normal.font.size = Pt(10)
    normal.paragraph_format.space_after = Pt(0)

    page = document.sections[0]
    page.orientation = WD_ORIENT.LANDSCAPE
    page.page_width, page.page_height = Mm(DOCX_PAGE_MM[0]), Mm(DOCX_PAGE_MM[1])
    page.left_margin = page.right_margin = page.top_margin = page.bottom_margin = Mm(DOCX_MARGIN_MM)
    footer = page.footer.paragraphs[0]
    footer.text = report.generated
    footer.alignment = WD_ALIGN_PARAGRAPH.RIGHT

    for text in (report.heading, report.subject):
        paragraph = document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = paragraph.add_run(text)
        run.bold = True
        run.font.size = Pt(14)
    subtitle = document.add_paragraph()
    subtitle.alignment = WD_ALIGN_PARAGRAPH.CENTER
    subtitle.paragraph_format.space_after = Pt(8)
    subtitle.add_run(report.subtitle).italic = True

    usable = (DOCX_PAGE_MM[0] - 2 * DOCX_MARGIN_MM) * TWIPS_PER_MM
    widths = [int(usable * w / sum(WIDTHS)) for w in WIDTHS]
    table = document.add_table(rows=0, cols=6)
    table.style = "Table Grid"
    table.autofit = False
    for column, width in zip(table._tbl.tblGrid.gridCol_lst, widths, strict=True):
        column.w = width * 635  # EMU per twip

    writer = _DocxWriter(document.part, widths)
    rows = [
        writer.row(COLUMNS, header=True, fill="D9D9D9", bold=True, center=True),
        writer.row(COLUMN_NUMBERS, header=True, center=True),
    ]
    for section in report.sections:
        rows.append(writer.section_row(section))
        rows.extend(writer.row(item.cells(), links=True) for item in section.items)
    fragment = parse_xml(f"<w:tbl {WORD_NS}>{''.join(rows)}</w:tbl>")
    table._tbl.extend(list(fragment))

    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# --- XLSX (openpyxl) ----------------------------------------------------------------------

XLSX_WIDTHS = (8, 44, 26, 20, 32, 44)  # characters


def _xlsx_lines(text: str, width: int) -> int:
    """How many lines a wrapped cell needs (a rough count: Excel does not size rows itself)."""
    per_line = max(1, int(width * 1.15))
    return sum(max(1, math.ceil(len(line) / per_line)) for line in text.split("\n"))


def report_xlsx(report: Report) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.properties import PageSetupProperties

    book = Workbook()
    sheet = book.worksheets[0]
    sheet.title = f"Отчет {report.years}"[:31]

    # Named styles: assigning Font/Border objects cell by cell hashes them every time (slow).
    thin = Side(style="thin", color="000000")
    frame = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap_top = Alignment(wrap_text=True, vertical="top")
    centered = Alignment(wrap_text=True, horizontal="center", vertical="center")
    styles = {
        "report_title": NamedStyle(
            "report_title", font=Font(name="Times New Roman", size=14, bold=True), alignment=centered
        ),
        "report_subtitle": NamedStyle(
            "report_subtitle", font=Font(name="Times New Roman", size=11, italic=True), alignment=centered
        ),
        "report_header": NamedStyle(
            "report_header",
            font=Font(name="Times New Roman", size=11, bold=True),
            alignment=centered,
            border=frame,
            fill=PatternFill("solid", fgColor="D9D9D9"),
        ),
        "report_numbers": NamedStyle(
            "report_numbers", font=Font(name="Times New Roman", size=11), alignment=centered, border=frame
        ),
        "report_section": NamedStyle(
            "report_section",
            font=Font(name="Times New Roman", size=11, bold=True),
            alignment=wrap_top,
            border=frame,
            fill=PatternFill("solid", fgColor="F2F2F2"),
        ),
        "report_cell": NamedStyle(
            "report_cell", font=Font(name="Times New Roman", size=11), alignment=wrap_top, border=frame
        ),
    }
    for style in styles.values():
        book.add_named_style(style)

    for index, width in enumerate(XLSX_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width

    def put(row: int, column: int, value: str | None, style: str) -> None:
        cell = sheet.cell(row=row, column=column)
        cell.value = cell_text(value)
        cell.style = style

    # Rows 1-2: the title (as in the seed, two lines in one cell) and the roadmap it reports on.
    put(1, 1, f"{report.heading}\n{report.subject}", "report_title")
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=6)
    sheet.row_dimensions[1].height = 42
    put(2, 1, report.subtitle, "report_subtitle")
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=6)
    sheet.row_dimensions[2].height = 20

    # Rows 3-4: the header and the column numbers, printed again on every page.
    for column, text in enumerate(COLUMNS, start=1):
        put(3, column, text, "report_header")
    sheet.row_dimensions[3].height = 32
    for column, text in enumerate(COLUMN_NUMBERS, start=1):
        put(4, column, text, "report_numbers")
    sheet.print_title_rows = "3:4"
    sheet.freeze_panes = "A5"

    row = 5
    for section in report.sections:
        put(row, 1, section.number, "report_section")
        put(row, 2, section.title, "report_section")
        for column in range(3, 7):  # the merged cells keep their frame and fill
            put(row, column, None, "report_section")
        sheet.merge_cells(start_row=row, start_column=2, end_row=row, end_column=6)
        sheet.row_dimensions[row].height = 15 * _xlsx_lines(section.title, sum(XLSX_WIDTHS[1:]))
        row += 1
        for item in section.items:
            cells = item.cells()
            for column, text in enumerate(cells, start=1):
                put(row, column, text, "report_cell")
            lines = max(_xlsx_lines(text, width) for text, width in zip(cells, XLSX_WIDTHS, strict=True))
            sheet.row_dimensions[row].height = min(409, 15 * lines)  # 409 pt: Excel's maximum
            row += 1

    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.page_margins.top = sheet.page_margins.bottom = 0.5
    sheet.print_options.horizontalCentered = True
    sheet.oddFooter.left.text = report.generated
    sheet.oddFooter.right.text = "Страница &P из &N"
    book.properties.title = report.title
    book.properties.language = "ru-RU"

    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- PDF (ReportLab) ----------------------------------------------------------------------
# ReportLab's platypus: 2,000 items in ~4 CPU seconds and ~40 MB where WeasyPrint took
# 20-45 s and ~230-390 MB; Typst was faster (~1.7 s) but held ~400 MB and kept it after each
# compile (bench.pdf_engines). The other PDFs of the project (invoices, protocols, the annual
# report) are a few pages and stay on WeasyPrint.
#
# One table per section: ReportLab recomputes a table's merged cells over all of its rows at
# every page break, so one table of 2,000 rows with merged section rows would be quadratic.
# The header row and the column-number row are a small table the page template draws at the
# top of every page (on the first, under the title), as the repeated header of the HTML table.

DEJAVU_DIR = Path("/usr/share/fonts/truetype/dejavu")  # fonts-dejavu-core: Cyrillic DejaVu Sans
PDF_FONTS = {
    "DejaVu": "DejaVuSans.ttf",
    "DejaVu-Bold": "DejaVuSans-Bold.ttf",
    "DejaVu-Oblique": "DejaVuSans-Oblique.ttf",
}
PDF_PAGE_MARGINS_MM = (14, 12, 16, 12)  # top, right, bottom, left (as the HTML template's @page)
LINK_COLOR = "#0645ad"


def _register_pdf_fonts() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if "DejaVu" in pdfmetrics.getRegisteredFontNames():
        return
    for name, filename in PDF_FONTS.items():
        pdfmetrics.registerFont(TTFont(name, str(DEJAVU_DIR / filename)))
    pdfmetrics.registerFontFamily("DejaVu", normal="DejaVu", bold="DejaVu-Bold", italic="DejaVu-Oblique")


URL_BREAK_RE = re.compile(r"[^/?&=_-]*[/?&=_-]*")


def _url_lines(url: str, width: float) -> list[str]:
    """An address wider than its column in lines broken after «/», «-», «?», … (ReportLab would
    cut it at whatever letter fills the line); a part wider than a line is left to ReportLab."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    if stringWidth(url, "DejaVu", 8) <= width:
        return [url]
    lines = [""]
    for part in filter(None, URL_BREAK_RE.findall(url)):
        if lines[-1] and stringWidth(lines[-1] + part, "DejaVu", 8) > width:
            lines.append("")
        lines[-1] += part
    return lines


def _chunks(markup: str, size: int = 300) -> list[str]:
    """Paragraph markup cut at spaces and line breaks into pieces of about `size` characters
    (never inside a tag)."""
    pieces, current = [], ""
    for part in re.split(r"(<br/>|<a [^>]*>.*?</a>|\s+)", markup):
        if part == "<br/>":
            pieces.append(current)
            current = ""
        elif len(current) + len(part) > size and part.strip() and current.strip():
            pieces.append(current)
            current = part
        else:
            current += part
    pieces.append(current)
    return [piece.strip() or "&nbsp;" for piece in pieces]


def _pdf_markup(text: str, *, links: bool, width: float = 0) -> str:
    """A cell as ReportLab paragraph markup: escaped, line breaks kept, web addresses as links."""
    parts, position = [], 0
    for match in URL_RE.finditer(text) if links else ():
        parts.append(xml_escape(text[position : match.start()]))
        href = xml_escape(match.group(0), {'"': "&quot;"})
        parts.append(
            "<br/>".join(
                f'<a href="{href}" color="{LINK_COLOR}">{xml_escape(line)}</a>'
                for line in _url_lines(match.group(0), width)
            )
        )
        position = match.end()
    parts.append(xml_escape(text[position:]))
    return "".join(parts).replace("\n", "<br/>")


def report_pdf(report: Report) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfgen.canvas import Canvas
    from reportlab.platypus import (
        BaseDocTemplate,
        Frame,
        PageTemplate,
        Paragraph,
        Spacer,
        Table,
        TableStyle,
    )
    from reportlab.platypus.doctemplate import LayoutError

    _register_pdf_fonts()

    class Cell(Paragraph):
        """Lines laid out once per width: a table measures its rows again at each page break."""

        _wrapped: tuple[float, tuple[float, float]] | None = None

        def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
            if self._wrapped is None or self._wrapped[0] != availWidth:
                self._wrapped = (availWidth, super().wrap(availWidth, availHeight))
            return self._wrapped[1]

    class SectionTable(Table):
        """A section's rows; never leaves the section row alone at the foot of a page."""

        starts_section = False  # True for the whole section, False for the rest after a break

        def split(self, availWidth: float, availHeight: float) -> list[Any]:
            parts: list[Any] = super().split(availWidth, availHeight)
            return [] if self.starts_section and parts and parts[0]._nrows < 2 else parts

    class NumberedCanvas(Canvas):
        """Pages kept until save(), then the footer with «Страница N из M» drawn on each."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                self.setFont("DejaVu", 7.5)
                self.setFillColor(colors.HexColor("#555555"))
                self.drawString(left, 8 * mm, report.generated)
                self.drawRightString(page_w - right, 8 * mm, f"Страница {number} из {total}")
                super().showPage()
            super().save()

    body = ParagraphStyle("body", fontName="DejaVu", fontSize=8, leading=10.4)
    bold = ParagraphStyle("bold", parent=body, fontName="DejaVu-Bold")
    head = ParagraphStyle("head", parent=bold, alignment=TA_CENTER)
    center = ParagraphStyle("center", parent=body, alignment=TA_CENTER)
    title = ParagraphStyle("title", parent=bold, fontSize=12, leading=15, alignment=TA_CENTER)
    subtitle = ParagraphStyle(
        "subtitle", parent=center, fontName="DejaVu-Oblique", spaceBefore=3, spaceAfter=8
    )
    grid = [
        ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]

    page_w, page_h = landscape(A4)
    top, right, bottom, left = (margin * mm for margin in PDF_PAGE_MARGINS_MM)
    usable = page_w - left - right
    widths = [usable * width / sum(WIDTHS) for width in WIDTHS]

    header = Table(
        [[Paragraph(xml_escape(c), head) for c in COLUMNS], [Paragraph(n, center) for n in COLUMN_NUMBERS]],
        colWidths=widths,
    )
    header.setStyle(
        TableStyle(
            [
                *grid,
                ("VALIGN", (0, 0), (-1, 0), "MIDDLE"),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#d9d9d9")),
                ("TOPPADDING", (0, 1), (-1, 1), 1),
                ("BOTTOMPADDING", (0, 1), (-1, 1), 1),
            ]
        )
    )
    header_h = header.wrap(usable, page_h)[1]
    heading = [
        Paragraph(
            f"{xml_escape(printable(report.heading))}<br/>{xml_escape(printable(report.subject))}", title
        ),
        Paragraph(xml_escape(printable(report.subtitle)), subtitle),
    ]
    heading_h = sum(p.getSpaceBefore() + p.wrap(usable, page_h)[1] + p.getSpaceAfter() for p in heading)

    def draw_first(canvas: Any, document: Any) -> None:
        y = page_h - top
        for paragraph in heading:
            y -= paragraph.getSpaceBefore()
            height = paragraph.wrap(usable, page_h)[1]
            paragraph.drawOn(canvas, left, y - height)
            y -= height + paragraph.getSpaceAfter()
        header.drawOn(canvas, left, y - header_h)

    def draw_later(canvas: Any, document: Any) -> None:
        header.drawOn(canvas, left, page_h - top - header_h)

    def frame(above: float) -> Any:
        return Frame(left, bottom, usable, page_h - top - bottom - above, 0, 0, 0, 0)

    section_style = TableStyle(
        [*grid, ("SPAN", (1, 0), (5, 0)), ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f2f2f2"))]
    )

    def _pieces(cell: Any) -> list[Any]:
        """A cell as paragraphs of a few lines each, for ReportLab to split a row between them."""
        return [Paragraph(text, cell.style) for text in _chunks(cell.text)]

    def story(split_rows: bool) -> list[Any]:
        tables: list[Any] = []
        for section in report.sections:
            rows: list[list[Any]] = [
                [
                    Cell(xml_escape(printable(section.number)), bold),
                    Cell(_pdf_markup(printable(section.title), links=False), bold),
                    *[""] * 4,
                ]
            ]
            for item in section.items:
                cells = [
                    Cell(_pdf_markup(printable(text), links=column >= 4, width=widths[column] - 6), body)
                    for column, text in enumerate(item.cells())
                ]
                # ReportLab splits a row only between flowables of cells given as lists (its
                # split of one long paragraph inside a row lost lines at the second page break).
                rows.append([_pieces(cell) for cell in cells] if split_rows else cells)
            # Rows are kept whole (break-inside: avoid) unless one is taller than a page.
            table = SectionTable(rows, colWidths=widths, splitByRow=True, splitInRow=int(split_rows))
            table.setStyle(section_style)
            table.starts_section = not split_rows
            tables.append(table)
        return tables or [Spacer(0, 0)]  # a roadmap without items: the title and the header

    def build(split_rows: bool) -> bytes:
        buffer = io.BytesIO()
        document = BaseDocTemplate(buffer, pagesize=(page_w, page_h), title=report.title)
        document.addPageTemplates(
            [
                PageTemplate(
                    "first", [frame(heading_h + header_h)], onPage=draw_first, autoNextPageTemplate="later"
                ),
                PageTemplate("later", [frame(header_h)], onPage=draw_later),
            ]
        )
        document.build(story(split_rows), canvasmaker=NumberedCanvas)
        return buffer.getvalue()

    try:
        return build(split_rows=False)
    except LayoutError:  # a cell longer than a page
        return build(split_rows=True)


def report_pdf_weasyprint(report: Report) -> bytes:
    """The former writer (HTML + CSS through WeasyPrint), kept as the benchmark's baseline."""
    from weasyprint import HTML

    with translation.override("ru"):
        html = render_to_string(
            PDF_TEMPLATE, {"report": report, "columns": COLUMNS, "numbers": COLUMN_NUMBERS, "widths": WIDTHS}
        )
    return HTML(string=html).write_pdf() or b""


WRITERS = {"docx": report_docx, "xlsx": report_xlsx, "pdf": report_pdf}


def _filename_part(text: str) -> str:
    return re.sub(r"[\\/:*?\"<>|\s«»]+", "_", text).strip("_")


def roadmap_report(
    roadmap: Roadmap, fmt: str = DEFAULT_FORMAT, *, cluster: Cluster | None = None
) -> ReportFile:
    """The yearly report of `roadmap` as a file. Raises ReportFormatError for an unknown `fmt`."""
    if fmt not in WRITERS:
        raise ReportFormatError(fmt)
    cluster = cluster or _cluster_of_connection()
    with translation.override("ru"):
        report = report_build(roadmap, cluster=cluster)
        content = WRITERS[fmt](report)
    version = f"-v{roadmap.version}" if roadmap.version > 1 else ""
    years = report.years.replace("–", "-")
    for_years = report_years(roadmap.period_start, roadmap.period_end)[1]
    ascii_slug = re.sub(r"[^A-Za-z0-9-]+", "-", cluster.schema_name).strip("-")
    russian_version = f"_версия_{roadmap.version}" if roadmap.version > 1 else ""
    return ReportFile(
        content=content,
        content_type=CONTENT_TYPES[fmt],
        filename=f"roadmap-report-{ascii_slug}-{years}{version}.{fmt}",
        filename_ru=f"{_filename_part(f'Отчет о работе {cluster.display_name} {for_years}')}{russian_version}.{fmt}",
    )
