"""The yearly report: seed 001 imported, exported as XLSX / DOCX / PDF, and read back."""

from __future__ import annotations

import datetime as dt
import io
import re
import subprocess
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context
from docx import Document
from openpyxl import load_workbook

from core.audit.services import Actor
from tenants.models import Cluster
from tenants.roadmap import services
from tenants.roadmap.demo import SEED_001
from tenants.roadmap.models import Roadmap
from tenants.roadmap.report import (
    Report,
    ReportFormatError,
    ReportItem,
    ReportSection,
    report_pdf,
    report_years,
    roadmap_report,
)
from tenants.roadmap.table import COLUMNS, ParsedTable, parse_file

SEED = SEED_001  # = shared/seeds/001_54a93e4556976a7b.txt, kept with the demo data

pytestmark = pytest.mark.django_db


def _table(parsed: ParsedTable) -> list[tuple[str, str, list[list[str]]]]:
    """Sections with the six cells of each item, as the parser read them."""
    return [(s.number, s.title, [item.cells() for item in s.items]) for s in parsed.sections]


def _rows(roadmap: Roadmap) -> list[tuple[str, str, list[tuple[str, ...]]]]:
    """What the database holds for a roadmap, in the same shape."""
    return [
        (
            s.number,
            s.title,
            [
                (
                    i.number,
                    i.title,
                    i.executors_text,
                    i.deadline_text,
                    i.expected_result,
                    i.actual_result,
                    i.status,
                    i.deadline_kind,
                    str(i.deadline_end),
                )
                for i in s.items.order_by("position")
            ],
        )
        for s in roadmap.sections.order_by("position")
    ]


def synthetic_table(sections: int, per_section: int, year: int = 2018) -> bytes:
    """A text table like seed 001 with sections x per_section items (tests and the bench)."""
    lines = [f"Отчет о работе тестового кластера за {year} год", "\t".join(COLUMNS), "1\t2\t3\t4\t5\t6"]
    for s in range(1, sections + 1):
        lines.append(f"{s}.\tРаздел {s}: организация работы\t\t\t\t")
        for i in range(1, per_section + 1):
            lines.append(
                "\t".join(
                    [
                        f"{s}.{i}.",
                        f"Мероприятие {s}.{i}: совместный проект участников кластера",
                        "Мадфес Н.А., участники кластера",
                        f"{(i % 28) + 1} октября {year} г.",
                        "Совместный проект",
                        f"Выполнено {s}.{i}: отчет http://example.ru/report/{s}/{i}/",
                    ]
                )
            )
    return "\n".join(lines).encode("utf-8")


@pytest.fixture
def seed_roadmap(cluster_a: Cluster) -> Roadmap:
    with schema_context(cluster_a.schema_name):
        return services.roadmap_import_file(
            actor=Actor.system(cluster_a), data=SEED.read_bytes(), filename="seed_001.txt"
        )


@pytest.fixture(scope="module")
def seed_parsed() -> ParsedTable:
    return parse_file("seed_001.txt", SEED.read_bytes())


@pytest.mark.parametrize("fmt", ["xlsx", "docx"])
def test_round_trip_gives_the_same_sections_items_numbers_and_cells(
    fmt: str, cluster_a: Cluster, seed_roadmap: Roadmap, seed_parsed: ParsedTable
) -> None:
    with schema_context(cluster_a.schema_name):
        report = roadmap_report(seed_roadmap, fmt, cluster=cluster_a)
        again = parse_file(report.filename, report.content)
        assert len(again.sections) == 6 and len(again.items) == 24
        assert _table(again) == _table(seed_parsed)
        assert again.year == 2018
        assert "Отчет о работе" in again.title and "Кластера Альфа (тест) за 2018 год" in again.title
        # … and imported again through the real importer: the same rows in the database.
        copy = services.roadmap_import_file(
            actor=Actor.system(cluster_a), data=report.content, filename=report.filename
        )
        assert (copy.period_start, copy.period_end) == (dt.date(2018, 1, 1), dt.date(2018, 12, 31))
        assert _rows(copy) == _rows(seed_roadmap)
        merged = copy.items.get(number="2.2.")
        assert merged.title.startswith(
            "Организация на конференции в ОЭЗ «Дубна» профильных секций:\n- по развитию"
        )
        assert merged.executors.count() == 4


def _pdf_text(content: bytes, tmp_path: Path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(content)
    # -raw keeps WeasyPrint's drawing order: each cell's lines together, row after row.
    return subprocess.run(
        ["pdftotext", "-raw", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
    ).stdout.decode("utf-8")


def _squash(text: str) -> str:
    """Lines in a narrow column break at spaces, after «-» and inside long addresses: compare
    the characters in order, without the whitespace the line breaking adds or removes."""
    return re.sub(r"\s+", "", text)


def test_pdf_has_every_item_number_and_result(
    cluster_a: Cluster, seed_roadmap: Roadmap, seed_parsed: ParsedTable, tmp_path: Path
) -> None:
    with schema_context(cluster_a.schema_name):
        report = roadmap_report(seed_roadmap, "pdf", cluster=cluster_a)
    assert report.content.startswith(b"%PDF")
    text = _pdf_text(report.content, tmp_path)
    squashed = _squash(text)
    line_starts = {line.split(" ", 1)[0] for line in text.splitlines() if line.strip()}
    assert "Отчет о работе" in text and "Кластера Альфа (тест) за 2018 год" in text
    for section in seed_parsed.sections:
        assert section.number in line_starts, section.number
        assert section.title in text, section.title
    results = [item.result for item in seed_parsed.items if item.result]
    assert len(results) == 21
    for item in seed_parsed.items:
        assert item.number in line_starts, item.number  # each row starts with its number
        assert _squash(item.result) in squashed, item.number
    # The header row and the column numbers are repeated on every page.
    pages = text.split("\f")
    assert len([p for p in pages if p.strip()]) >= 2
    for page in (p for p in pages if p.strip()):
        assert "Наименование мероприятия" in page and "1 2 3 4 5 6" in page


def _report(*sections: ReportSection) -> Report:
    return Report(
        heading="Отчет о работе",
        subject="Кластера Альфа (тест) за 2018 год",
        subtitle="Дорожная карта «План», срок действия с 01.01.2018 по 31.12.2018",
        generated="Сформирован 06.12.2026 12:40",
        years="2018",
        sections=sections,
    )


def test_pdf_breaks_a_cell_longer_than_a_page_and_keeps_long_addresses_clickable(tmp_path: Path) -> None:
    url = "http://mtcmr.ru/uchastniki/rabochaya-gruppa-po-kachestvu/otchety/2018/itogovyi-otchet-o-rabote.htm"
    long_result = " ".join(f"Совещание {n} проведено, протокол размещен на сайте." for n in range(120))
    items = (
        ReportItem("1.1.", "Работа комитета по качеству", "Шибанов А.Н", "в течение года", "", long_result),
        ReportItem("1.2.", "Отчет комитета", "Терехов В.В.", "декабрь 2018 г.", "", f"Отчет: {url}"),
    )
    content = report_pdf(_report(ReportSection("1.", "Организационные вопросы", items)))
    text = _pdf_text(content, tmp_path)
    pages = [p for p in text.split("\f") if p.strip()]
    assert len(pages) >= 3  # ~6,000 characters in one cell: the row goes on over pages
    for page in pages:
        assert "Наименование мероприятия" in page and "1 2 3 4 5 6" in page
        assert re.search(r"Страница \d+ из " + str(len(pages)), page)
    # the table without the header and footer of each page: the long cell is there whole, in order
    body = "".join(
        re.sub(r"Сформирован .*|Страница \d+ из \d+", "", page.split("1 2 3 4 5 6", 1)[1]) for page in pages
    )
    assert _squash(long_result) in _squash(body)
    assert _squash(url) in _squash(body)
    # the address is printed over several lines, the link still holds all of it
    assert f"/URI ({url})".encode() in content


def test_pdf_of_a_roadmap_without_items_has_the_title_and_the_header(tmp_path: Path) -> None:
    text = _pdf_text(report_pdf(_report()), tmp_path)
    assert "Отчет о работе" in text and "Кластера Альфа (тест) за 2018 год" in text
    assert "Наименование мероприятия" in text and "Страница 1 из 1" in text


def test_xlsx_is_laid_out_for_printing(cluster_a: Cluster, seed_roadmap: Roadmap) -> None:
    with schema_context(cluster_a.schema_name):
        report = roadmap_report(seed_roadmap, "xlsx", cluster=cluster_a)
    assert report.content_type == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(report.content)).worksheets[0]
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert {"A1:F1", "A2:F2"} <= merged
    assert sheet["A1"].value == "Отчет о работе\nКластера Альфа (тест) за 2018 год"
    assert [sheet.cell(row=3, column=c).value for c in range(1, 7)] == list(COLUMNS)
    assert [sheet.cell(row=4, column=c).value for c in range(1, 7)] == ["1", "2", "3", "4", "5", "6"]
    assert (
        sheet["A5"].value == "1."
        and sheet["B5"].value == "Организация деятельности рабочих групп и комитетов МТК МО"
    )
    section_rows = [row for row in range(5, sheet.max_row + 1) if f"B{row}:F{row}" in merged]
    assert [sheet.cell(row=r, column=1).value for r in section_rows] == ["1.", "2.", "3.", "4.", "5.", "6."]
    assert sheet["B6"].alignment.wrap_text and sheet["F6"].alignment.wrap_text
    assert sheet.column_dimensions["B"].width > sheet.column_dimensions["A"].width
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.page_setup.paperSize == 9  # A4
    assert sheet.page_setup.fitToWidth == 1 and sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.print_title_rows == "$3:$4"


def test_docx_is_landscape_with_a_repeated_header_merged_sections_and_links(
    cluster_a: Cluster, seed_roadmap: Roadmap
) -> None:
    with schema_context(cluster_a.schema_name):
        report = roadmap_report(seed_roadmap, "docx", cluster=cluster_a)
    document = Document(io.BytesIO(report.content))
    page = document.sections[0]
    assert page.page_width is not None and page.page_height is not None
    assert page.page_width > page.page_height
    assert [p.text for p in document.paragraphs[:2]] == [
        "Отчет о работе",
        "Кластера Альфа (тест) за 2018 год",
    ]
    table = document.tables[0]
    assert [c.text for c in table.rows[0].cells] == list(COLUMNS)
    for row in table.rows[:2]:
        assert row._tr.trPr is not None and row._tr.trPr.xpath("./w:tblHeader")
    section = table.rows[2]._tr
    assert section.xpath("./w:tc/w:tcPr/w:gridSpan/@w:val") == ["5"]
    links = {rel.target_ref for rel in document.part.rels.values() if rel.reltype.endswith("/hyperlink")}
    assert "http://mtcmr.ru/uchastniki/rabochaya-gruppa-po-kachestvu" in links
    assert "http://mtcmr.ru/press/news/79.htm" in links


def test_file_names_and_titles(cluster_a: Cluster, seed_roadmap: Roadmap) -> None:
    with schema_context(cluster_a.schema_name):
        report = roadmap_report(seed_roadmap, "docx", cluster=cluster_a)
    assert report.filename == "roadmap-report-alpha-2018.docx"
    assert report.filename.isascii()
    assert report.filename_ru == "Отчет_о_работе_Кластер_Альфа_(тест)_за_2018_год.docx"
    assert report.content_disposition == (
        'attachment; filename="roadmap-report-alpha-2018.docx"; '
        f"filename*=UTF-8''{quote(report.filename_ru, safe='')}"
    )
    assert report_years(dt.date(2018, 1, 1), dt.date(2018, 12, 31)) == ("2018", "за 2018 год")
    assert report_years(dt.date(2016, 10, 1), dt.date(2017, 10, 1)) == ("2016–2017", "за 2016–2017 годы")
    with pytest.raises(ReportFormatError, match="выберите docx, xlsx или pdf"):
        roadmap_report(seed_roadmap, "odt", cluster=cluster_a)


def test_report_reads_a_fixed_number_of_queries_whatever_the_item_count(
    cluster_a: Cluster, seed_roadmap: Roadmap
) -> None:
    counts = {}
    with schema_context(cluster_a.schema_name):
        big = services.roadmap_import_file(
            actor=Actor.system(cluster_a), data=synthetic_table(4, 30), filename="big.txt"
        )
        for roadmap in (seed_roadmap, big):
            with CaptureQueriesContext(connection) as queries:
                roadmap_report(roadmap, "xlsx", cluster=cluster_a)
            counts[roadmap.items.count()] = len(queries)
    assert set(counts) == {24, 120}
    assert counts[24] == counts[120] <= 3, counts
