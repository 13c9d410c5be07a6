"""PDF engines on the yearly roadmap report: Typst, ReportLab and WeasyPrint on the same content.

`python -m bench.pdf_engines [--items 2000] [--keep DIR]` renders the report of the synthetic
roadmap (bench.roadmap.synthetic_table: Russian text, 40 sections; 2,000 items by default) once
per engine, each in its own subprocess: A4 landscape, the header row and the column-number row
repeated on every page, «Страница N из M» in the footer, DejaVu Sans. The report is built from
the parsed table (tenants.roadmap.table.parse_file), so no database is needed.

Printed per engine: seconds of the render call (perf_counter in the child), the child's peak
resident set (ru_maxrss from os.wait4, the per-child form of getrusage(RUSAGE_CHILDREN)), that
peak minus the same child without rendering (Django + the report data: «none»), pages and size.
With --keep the PDFs are written to DIR (look at them: pdftoppm -png -r 50, pdftotext -raw).

* reportlab: tenants.roadmap.report.report_pdf (ours): platypus, a Paragraph per cell, DejaVu TTF
  registered, a table per section under a header table drawn on every page, «из M» by a canvas
  that keeps the pages until the end. (With one LongTable(repeatRows=2) over all 2,000 rows and
  merged section rows, a profile put 11 of 52 seconds in recomputing the merged cells over all
  rows at each page break, and each cell was laid out ~3 times; the per-section tables and the
  wrap cache remove both.)
* typst: report_pdf_typst below (bench/roadmap_report.typ; the `typst` package, a dev extra:
  skipped when not installed).
* weasyprint: tenants.roadmap.report.report_pdf_weasyprint (the former writer, HTML + CSS).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
ENGINES = ("none", "typst", "reportlab", "weasyprint")
DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
TYPST_TEMPLATE = Path(__file__).resolve().parent / "roadmap_report.typ"


# --- the child: build the report, render it with one engine ------------------------------------


def _django() -> None:
    for entry in (str(ROOT), str(ROOT / "platform")):
        if entry not in sys.path:
            sys.path.insert(0, entry)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clusterhub.settings.test")
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/clusterhub_bench")
    import django

    django.setup()


def build_report(items: int) -> Any:
    """The synthetic roadmap's report, as report_build() makes it, from the parsed table."""
    from tenants.roadmap import report as r
    from tenants.roadmap.table import parse_file

    from .roadmap import synthetic_table

    per_section = 50
    sections = max(1, items // per_section)
    parsed = parse_file("synthetic.txt", synthetic_table(sections, items // sections))
    return r.Report(
        heading="Отчет о работе",
        subject="Нагрузочного кластера Московской области за 2018 год",
        subtitle="Дорожная карта «План мероприятий на 2018 год», срок действия с 01.01.2018 по 31.12.2018",
        generated="Сформирован 06.12.2026 12:40",
        years="2018",
        sections=tuple(
            r.ReportSection(
                section.number,
                section.title,
                tuple(r.ReportItem(*item.cells()) for item in section.items),
            )
            for section in parsed.sections
        ),
    )


def _runs(text: str) -> list[str | list[str]]:
    """A cell as roadmap_report.typ reads it: plain strings and [address] for each web link."""
    from tenants.roadmap.report import URL_RE

    runs: list[str | list[str]] = []
    position = 0
    for match in URL_RE.finditer(text):
        if match.start() > position:
            runs.append(text[position : match.start()])
        runs.append([match.group(0)])
        position = match.end()
    if position < len(text) or not runs:
        runs.append(text[position:])
    return runs


def report_pdf_typst(report: Any) -> bytes:
    """The report through Typst (candidate engine, not used by the product): roadmap_report.typ
    with the report as JSON in sys.inputs, compiled in-process by the `typst` package."""
    import typst

    from tenants.roadmap.report import COLUMN_NUMBERS, COLUMNS, WIDTHS

    data = {
        "title": report.title,
        "heading": report.heading,
        "subject": report.subject,
        "subtitle": report.subtitle,
        "generated": report.generated,
        "columns": list(COLUMNS),
        "numbers": list(COLUMN_NUMBERS),
        "widths": list(WIDTHS),
        "sections": [
            {
                "number": section.number,
                "title": section.title,
                "items": [[_runs(text) for text in item.cells()] for item in section.items],
            }
            for section in report.sections
        ],
    }
    content: bytes = typst.compile(
        TYPST_TEMPLATE,
        font_paths=[DEJAVU],
        ignore_system_fonts=True,
        sys_inputs={"report": json.dumps(data, ensure_ascii=False)},
        pdf_tags=False,
    )
    return content


def child(engine: str, items: int, out: str) -> int:
    _django()
    from tenants.roadmap import report as r

    report = build_report(items)
    writers = {
        "none": lambda report: b"",
        "typst": report_pdf_typst,
        "reportlab": r.report_pdf,
        "weasyprint": r.report_pdf_weasyprint,
    }
    start = time.perf_counter()
    content = writers[engine](report)
    seconds = time.perf_counter() - start
    if out and content:
        Path(out).write_bytes(content)
    sys.stdout.write(json.dumps({"seconds": seconds, "bytes": len(content)}) + "\n")
    return 0


# --- the parent: one subprocess per engine -------------------------------------------------------


def run_engine(engine: str, items: int, out: str) -> dict[str, Any]:
    """One child; its peak RSS from os.wait4 (the rusage of exactly that child)."""
    with tempfile.TemporaryFile() as stdout, tempfile.TemporaryFile() as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "bench.pdf_engines", "--child", engine, "--items", str(items)]
            + (["--out", out] if out else []),
            cwd=ROOT,
            stdout=stdout,
            stderr=stderr,
        )
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        stdout.seek(0)
        stderr.seek(0)
        if process.returncode != 0:
            last = stderr.read().decode(errors="replace").strip().splitlines()[-1:]
            return {"error": last[0] if last else f"exit {process.returncode}"}
        result: dict[str, Any] = json.loads(stdout.read())
    result["peak_mb"] = usage.ru_maxrss / 1024  # kilobytes on Linux
    result["pages"] = _pages(out) if out else 0
    result["cpu"] = usage.ru_utime + usage.ru_stime
    return result


def _pages(path: str) -> int:
    info = subprocess.run(["pdfinfo", path], capture_output=True, text=True, check=False).stdout
    match = re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE)
    return int(match.group(1)) if match else 0


def available(engine: str) -> bool:
    import importlib.util

    module = {"typst": "typst", "reportlab": "reportlab", "weasyprint": "weasyprint"}.get(engine)
    return module is None or importlib.util.find_spec(module) is not None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pdf_engines", description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--keep", default="", help="write each engine's PDF into this directory")
    parser.add_argument("--engines", default=",".join(ENGINES[1:]))
    parser.add_argument("--child", default="", help=argparse.SUPPRESS)
    parser.add_argument("--out", default="", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(args.child, args.items, args.out)

    keep = Path(args.keep or tempfile.mkdtemp(prefix="pdf_engines_"))
    keep.mkdir(parents=True, exist_ok=True)
    lines = [f"PDF engines, yearly roadmap report of {args.items} items (A4 landscape, DejaVu Sans)"]
    lines.append(
        f"  {'engine':<11} {'render s':>9} {'cpu s':>6} {'peak MB':>8} {'- none':>7} {'pages':>6} {'KB':>6}"
    )
    base = run_engine("none", args.items, "")
    if "error" in base:
        sys.stderr.write(f"the report could not be built: {base['error']}\n")
        return 1
    lines.append(
        f"  {'none':<11} {'':>9} {base['cpu']:>6.1f} {base['peak_mb']:>8.0f} {'':>7} {'':>6} {'':>6}"
    )
    for engine in args.engines.split(","):
        if not available(engine):
            lines.append(f"  {engine:<11} not installed")
            continue
        out = str(keep / f"{engine}.pdf")
        result = run_engine(engine, args.items, out)
        if "error" in result:
            lines.append(f"  {engine:<11} failed: {result['error']}")
            continue
        if not args.keep:
            Path(out).unlink(missing_ok=True)
        lines.append(
            f"  {engine:<11} {result['seconds']:>9.2f} {result['cpu'] - base['cpu']:>6.1f} {result['peak_mb']:>8.0f} "
            f"{result['peak_mb'] - base['peak_mb']:>7.0f} {result['pages']:>6} {result['bytes'] / 1024:>6.0f}"
        )
    lines.append(
        "  render s = perf_counter around the writer in the child (wall clock: grows with the machine's "
        "load); cpu s = the child's user + system CPU seconds minus those of «none» (all threads); peak MB = "
        "the child's ru_maxrss (os.wait4); - none = minus «none», the child that builds the report and "
        "renders nothing."
    )
    if not args.keep:
        keep.rmdir()
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
