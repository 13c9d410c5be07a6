"""The submitted annual report as a PDF in Russian (WeasyPrint)."""

from __future__ import annotations

import re
from urllib.parse import quote

from django.template.loader import render_to_string
from django.utils import timezone, translation

from .compute import checks_from_snapshot, figures_from_snapshot
from .models import AnnualReport


def annual_report_pdf_filename(report: AnnualReport) -> str:
    """«Годовой_отчёт_2025_mosreg_v2.pdf»."""
    return f"Годовой_отчёт_{report.year}_{report.cluster.schema_name}_v{report.version}.pdf"


def content_disposition(filename: str) -> str:
    """attachment; an ASCII fallback plus the real name as filename*=UTF-8''… (RFC 6266)."""
    stem, _, extension = filename.rpartition(".")
    ascii_stem = re.sub(r"[^A-Za-z0-9-]+", "_", stem.encode("ascii", "ignore").decode()).strip("_")
    fallback = f"annual_report_{ascii_stem}.{extension}" if ascii_stem else f"annual_report.{extension}"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def annual_report_pdf(report: AnnualReport) -> bytes:
    from weasyprint import HTML

    cluster = report.cluster
    with translation.override("ru"):
        html = render_to_string(
            "federal/annual_report.html",
            {
                "report": report,
                "cluster": cluster,
                "figures": figures_from_snapshot(report),
                "checks": checks_from_snapshot(report),
                "submitted_local": timezone.localtime(report.submitted_at, cluster.tzinfo),
            },
        )
    return HTML(string=html).write_pdf() or b""
