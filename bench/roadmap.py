"""Roadmap rows: import and yearly-report generation for seed 001 (24 items) and a synthetic
2,000-item roadmap; the roadmap page at 2,000 items.

* Import = parse + create through tenants.roadmap.services.roadmap_import_file (preview stored,
  executor matching, bulk inserts, audit). Baseline: the same parse, then one INSERT per
  section, item and executor (ORM create() row by row).
* Report = tenants.roadmap.report.roadmap_report (three reads, then the writer). Baselines: the
  same writers fed by naive reads (items per section, executors per item); for DOCX also
  python-docx's object API cell by cell (what report_docx replaced by one XML fragment); for
  PDF also the former WeasyPrint writer (report_pdf_weasyprint) on the same report (ours is
  ReportLab; `python -m bench.pdf_engines` compares it with Typst too, each in a subprocess).
* Page = GET /roadmap/<pk>/ (roadmap:detail) signed in as staff; baseline: the same page for
  seed 001's 24 items.

Seconds: perf_counter around the call, in this process. Memory: peak growth of the process's
resident set during the call, sampled every 5 ms by a thread after gc + malloc_trim (counts
what WeasyPrint's C libraries allocate, which tracemalloc does not see).

`python -m bench.roadmap` runs these rows alone (bench1 is created and removed).
"""

from __future__ import annotations

import ctypes
import gc
import io
import statistics
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tenants.roadmap.demo import SEED_001

if TYPE_CHECKING:
    from tenants.roadmap.models import Roadmap

    from .fixtures import RequestFixture
    from .report import Row

SEED = SEED_001  # = shared/seeds/001_54a93e4556976a7b.txt, kept with the demo data
BIG_SECTIONS, BIG_PER_SECTION = 40, 50  # 2,000 items
FORMATS = ("docx", "xlsx", "pdf")
PAGE_WARMUP, PAGE_SAMPLES = 3, 15
NOTES: list[str] = [
    "  R. Roadmap rows: seconds = perf_counter around one call in this process; MB = peak growth of the "
    "process's resident set during the call (sampled every 5 ms after gc + malloc_trim; includes WeasyPrint's "
    "C allocations); q = SQL statements. Import baseline = parse + one ORM create() per section, item and "
    "executor (no preview, matching or audit); ours = services.roadmap_import_file. Report baseline = the same "
    "writer fed by reads per section and per item; ours = report.roadmap_report (3 reads). The synthetic "
    f"roadmap has {BIG_SECTIONS} sections x {BIG_PER_SECTION} items shaped like seed 001. The roadmap page "
    "paginates items (100 per page).",
]


# --- measuring ----------------------------------------------------------------------------------


def _rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096


def _trim() -> None:
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass


@dataclass
class Sample:
    seconds: float = 0.0
    peak_mb: float = 0.0
    queries: int = 0


@contextmanager
def measured() -> Iterator[Sample]:
    """Seconds, peak RSS growth (MB) and SQL statements of the block."""
    from django.db import connection

    sample = Sample()
    _trim()
    base = _rss_bytes()
    peak = [base]
    stop = threading.Event()

    def watch() -> None:
        while not stop.wait(0.005):
            peak[0] = max(peak[0], _rss_bytes())

    def count(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        sample.queries += 1
        return execute(sql, params, many, context)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    start = time.perf_counter()
    try:
        with connection.execute_wrapper(count):
            yield sample
    finally:
        sample.seconds = time.perf_counter() - start
        stop.set()
        watcher.join()
        peak[0] = max(peak[0], _rss_bytes())
        sample.peak_mb = (peak[0] - base) / 2**20


# --- data -----------------------------------------------------------------------------------------


def synthetic_table(
    sections: int = BIG_SECTIONS, per_section: int = BIG_PER_SECTION, year: int = 2018
) -> bytes:
    """Seed 001's shape at any size: six columns, a section row, items with people, deadlines, links."""
    header = (
        "№\tНаименование мероприятия\tОтветственные исполнители\tСроки исполнения\t"
        "Ожидаемый результат, примечание\tРезультат"
    )
    lines = ["**Отчет о работе", f"НАГРУЗОЧНОГО КЛАСТЕРА за {year} ГОД**", "", header, "1\t2\t3\t4\t5\t6"]
    months = (
        "января",
        "февраля",
        "марта",
        "апреля",
        "мая",
        "июня",
        "июля",
        "августа",
        "сентября",
        "октября",
        "ноября",
        "декабря",
    )
    for s in range(1, sections + 1):
        lines.append(f"{s}.\tРаздел {s}: организация деятельности рабочих групп и комитетов\t\t\t\t")
        for i in range(1, per_section + 1):
            lines.append(
                "\t".join(
                    [
                        f"{s}.{i}.",
                        f"Мероприятие {s}.{i}: организация участия предприятий кластера в профильной выставке и "
                        "проведение совместного стенда участников",
                        "Рац А.А. Шибанов А.Н., участники кластера",
                        f"{(i % 28) + 1} {months[i % 12]} {year} г.",
                        "Совместный стенд участников на выставке, обмен опытом",
                        f"Проведено {i} совещаний, отчет о работе размещен на сайте http://example.ru/press/news/{s}-{i}.htm",
                    ]
                )
            )
    return "\n".join(lines).encode("utf-8")


def _import_ours(actor: Any, data: bytes, filename: str) -> Roadmap:
    from tenants.roadmap import services

    return services.roadmap_import_file(actor=actor, data=data, filename=filename)


def _import_naive(data: bytes, filename: str) -> Roadmap:
    """Baseline: parse, then one INSERT per row (no preview, no matching, no audit)."""
    import datetime as dt

    from tenants.roadmap.deadlines import parse_deadline
    from tenants.roadmap.models import Executor, Item, Roadmap, Section
    from tenants.roadmap.table import parse_file, split_executors

    parsed = parse_file(filename, data)
    year = parsed.year or 2018
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    roadmap = Roadmap.objects.create(title=parsed.title[:500], period_start=start, period_end=end)
    position = 0
    for s_pos, parsed_section in enumerate(parsed.sections, start=1):
        section = Section.objects.create(
            roadmap=roadmap, number=parsed_section.number, title=parsed_section.title, position=s_pos
        )
        for parsed_item in parsed_section.items:
            position += 1
            deadline = parse_deadline(parsed_item.deadline, period_start=start, period_end=end)
            item = Item.objects.create(
                roadmap=roadmap,
                section=section,
                number=parsed_item.number,
                position=position,
                title=parsed_item.title,
                executors_text=parsed_item.executors,
                deadline_text=parsed_item.deadline[:300],
                deadline_kind=str(deadline.kind),
                deadline_start=deadline.start,
                deadline_end=deadline.end,
                expected_result=parsed_item.expected,
                actual_result=parsed_item.result,
            )
            for n, name in enumerate(split_executors(parsed_item.executors), start=1):
                Executor.objects.create(
                    item=item, position=n, name=name[:300], kind=Executor.Kind.ORGANIZATION
                )
    return roadmap


def _naive_report(roadmap: Roadmap, cluster: Any) -> Any:
    """The report's data read the naive way: sections, then items per section, executors per item."""
    from tenants.roadmap import report as r

    full = r.report_build(roadmap, cluster=cluster)  # title, dates; its rows are replaced below
    sections = []
    for section in roadmap.sections.order_by("position"):
        items = []
        for item in section.items.order_by("position"):
            names = ", ".join(e.name for e in item.executors.order_by("position"))
            items.append(
                r.ReportItem(
                    item.number,
                    item.title,
                    item.executors_text or names,
                    item.deadline_text,
                    item.expected_result,
                    item.actual_result,
                )
            )
        sections.append(r.ReportSection(section.number, section.title, tuple(items)))
    return r.Report(
        heading=full.heading,
        subject=full.subject,
        subtitle=full.subtitle,
        generated=full.generated,
        years=full.years,
        sections=tuple(sections),
    )


def _docx_object_api(report: Any) -> bytes:
    """Baseline DOCX: python-docx's object API, cell by cell (links as plain text)."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.shared import Mm

    from tenants.roadmap.report import COLUMN_NUMBERS, COLUMNS

    document = Document()
    page = document.sections[0]
    page.orientation = WD_ORIENT.LANDSCAPE
    page.page_width, page.page_height = Mm(297), Mm(210)
    document.add_paragraph(report.heading)
    document.add_paragraph(report.subject)
    table = document.add_table(rows=2 + len(report.sections) + len(report.items), cols=6)
    table.style = "Table Grid"
    rows = iter(table.rows)
    for cells in (COLUMNS, COLUMN_NUMBERS):
        for cell, text in zip(next(rows).cells, cells, strict=True):
            cell.text = text
    for section in report.sections:
        row = next(rows)
        row.cells[0].text = section.number
        row.cells[1].merge(row.cells[5]).text = section.title
        for item in section.items:
            for cell, text in zip(next(rows).cells, item.cells(), strict=True):
                cell.text = text
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# --- the run --------------------------------------------------------------------------------------


@dataclass
class RoadmapResult:
    sizes: dict[str, int] = field(default_factory=dict)  # label -> items
    import_ours: dict[str, Sample] = field(default_factory=dict)
    import_naive: dict[str, Sample] = field(default_factory=dict)
    report_ours: dict[tuple[str, str], Sample] = field(default_factory=dict)  # (label, fmt)
    report_naive: dict[tuple[str, str], Sample] = field(default_factory=dict)
    docx_object_api: dict[str, Sample] = field(default_factory=dict)
    pdf_weasyprint: dict[str, Sample] = field(default_factory=dict)
    report_bytes: dict[tuple[str, str], int] = field(default_factory=dict)
    page_ms: dict[str, list[float]] = field(default_factory=dict)
    page_queries: dict[str, int] = field(default_factory=dict)


def _page(result: RoadmapResult, fixture: RequestFixture, roadmaps: dict[str, Roadmap]) -> None:
    from django.db import connection

    from .fixtures import REQUEST_CLUSTER, host_of, signed_in_client, to_public_schema

    to_public_schema()
    client = signed_in_client(host_of(REQUEST_CLUSTER), fixture.user.email)
    for label, roadmap in roadmaps.items():
        path = f"/roadmap/{roadmap.pk}/"
        for _ in range(PAGE_WARMUP):
            client.get(path)
        timings: list[float] = []
        for _ in range(PAGE_SAMPLES):
            counter = [0]

            def count(
                execute: Callable[..., Any],
                sql: str,
                params: Any,
                many: bool,
                context: Any,
                counter: list[int] = counter,
            ) -> Any:
                counter[0] += 1
                return execute(sql, params, many, context)

            with connection.execute_wrapper(count):
                start = time.perf_counter()
                response = client.get(path)
                timings.append((time.perf_counter() - start) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"GET {path}: {response.status_code}")
        result.page_ms[label] = timings
        result.page_queries[label] = counter[0]
    to_public_schema()


def measure(fixture: RequestFixture) -> RoadmapResult:
    from django_tenants.utils import schema_context

    from core.audit.services import Actor
    from tenants.roadmap import report as r
    from tenants.roadmap.models import Roadmap, RoadmapImport

    from .fixtures import REQUEST_CLUSTER, host_of, to_public_schema

    result = RoadmapResult()
    cluster = fixture.cluster
    actor = Actor(user=fixture.user, host=host_of(REQUEST_CLUSTER), cluster=cluster)
    inputs = {
        "seed 001": (SEED.read_bytes(), "seed_001.txt"),
        "synthetic": (synthetic_table(), "synthetic.txt"),
    }
    ours: dict[str, Roadmap] = {}
    with schema_context(REQUEST_CLUSTER):
        before = set(Roadmap.objects.values_list("pk", flat=True))
        before_imports = set(RoadmapImport.objects.values_list("pk", flat=True))
        try:
            for label, (data, filename) in inputs.items():
                with measured() as sample:
                    naive = _import_naive(data, filename)
                result.import_naive[label] = sample
                naive.delete()
                with measured() as sample:
                    roadmap = _import_ours(actor, data, filename)
                result.import_ours[label] = sample
                ours[label] = roadmap
                result.sizes[label] = roadmap.items.count()
                for fmt in FORMATS:
                    with measured() as sample:
                        naive_data = _naive_report(roadmap, cluster)
                        r.WRITERS[fmt](naive_data)
                    result.report_naive[(label, fmt)] = sample
                    with measured() as sample:
                        file = r.roadmap_report(roadmap, fmt, cluster=cluster)
                    result.report_ours[(label, fmt)] = sample
                    result.report_bytes[(label, fmt)] = len(file.content)
                report = r.report_build(roadmap, cluster=cluster)
                with measured() as sample:
                    _docx_object_api(report)
                result.docx_object_api[label] = sample
                with measured() as sample:
                    r.report_pdf_weasyprint(report)
                result.pdf_weasyprint[label] = sample
            to_public_schema()
            _page(result, fixture, ours)
        finally:
            with schema_context(REQUEST_CLUSTER):
                RoadmapImport.objects.exclude(pk__in=before_imports).delete()
                Roadmap.objects.exclude(pk__in=before).delete()
    to_public_schema()
    return result


def _s(sample: Sample) -> str:
    return f"{sample.seconds:.2f} s, {sample.peak_mb:.0f} MB, {sample.queries} q"


def rows(result: RoadmapResult) -> list[Row]:
    from .report import Row

    out = [Row("R. Roadmap: import and yearly report (s, peak RSS growth MB, SQL statements)", section=True)]
    for label, items in result.sizes.items():
        ours, naive = result.import_ours[label], result.import_naive[label]
        out.append(
            Row(
                f"  import {label} ({items} items): parse + create",
                f"{_s(naive)} (row-by-row INSERT)",
                _s(ours),
                f"{naive.seconds / ours.seconds:.1f}x faster" if ours.seconds else "",
            )
        )
    for label, items in result.sizes.items():
        for fmt in FORMATS:
            ours, naive = result.report_ours[(label, fmt)], result.report_naive[(label, fmt)]
            size_kb = result.report_bytes[(label, fmt)] / 1024
            out.append(
                Row(
                    f"  report {fmt.upper()} {label} ({items} items, {size_kb:.0f} KB)",
                    f"{_s(naive)} (reads per item)",
                    _s(ours),
                    f"{naive.queries} -> {ours.queries} queries; {naive.seconds / ours.seconds:.1f}x",
                )
            )
        api, ours = result.docx_object_api[label], result.report_ours[(label, "docx")]
        out.append(
            Row(
                f"  DOCX writer {label}: python-docx cell by cell vs one XML fragment",
                f"{api.seconds:.2f} s, {api.peak_mb:.0f} MB",
                f"{ours.seconds:.2f} s, {ours.peak_mb:.0f} MB",
                f"{api.seconds / ours.seconds:.1f}x faster",
            )
        )
        weasy, ours = result.pdf_weasyprint[label], result.report_ours[(label, "pdf")]
        out.append(
            Row(
                f"  PDF writer {label}: WeasyPrint (former) vs ReportLab (report_pdf)",
                f"{weasy.seconds:.2f} s, {weasy.peak_mb:.0f} MB",
                f"{ours.seconds:.2f} s, {ours.peak_mb:.0f} MB",
                f"{weasy.seconds / ours.seconds:.1f}x faster, {weasy.peak_mb / max(ours.peak_mb, 1):.1f}x less memory",
            )
        )
    if result.page_ms:
        labels = list(result.page_ms)
        small, big = labels[0], labels[-1]

        def page(label: str) -> str:
            ms = result.page_ms[label]
            p95 = statistics.quantiles(ms, n=20, method="inclusive")[-1]
            return f"{statistics.median(ms):.0f} / {p95:.0f} ms, {result.page_queries[label]} q"

        out.append(
            Row(
                f"  GET /roadmap/<pk>/ (roadmap:detail) p50 / p95 over {PAGE_SAMPLES}, staff",
                f"{page(small)} ({result.sizes[small]} items)",
                f"{page(big)} ({result.sizes[big]} items)",
                f"{statistics.median(result.page_ms[big]) / statistics.median(result.page_ms[small]):.1f}x "
                "of the 24-item page",
            )
        )
    return out


def run(fixture: RequestFixture) -> list[Row]:
    return rows(measure(fixture))


def main() -> int:
    import sys

    from bench import bootstrap

    bootstrap.setup()
    import logging

    logging.getLogger("tenants").setLevel(logging.WARNING)
    from bench import fixtures
    from bench.report import render_table

    fixtures.cleanup()
    try:
        table = render_table(run(fixtures.provision_request_fixture()))
    finally:
        fixtures.cleanup()
    sys.stdout.write(table + "\n" + "\n".join(NOTES) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
