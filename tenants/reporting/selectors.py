"""Reads of the cluster's annual report drafts (inside the cluster's schema)."""

from __future__ import annotations

from django.db.models import QuerySet

from core.federal.compute import ComputedReport, annual_report_compute
from tenants.models import Cluster

from .models import AnnualReportDraft


def annual_report_draft_get(*, year: int) -> AnnualReportDraft | None:
    return AnnualReportDraft.objects.filter(year=year).first()


def annual_report_draft_list() -> QuerySet[AnnualReportDraft]:
    return AnnualReportDraft.objects.order_by("-year")


def annual_report_preview(
    *, cluster: Cluster, year: int, draft: AnnualReportDraft | None = None
) -> ComputedReport:
    """The report for `year` as it would be submitted now: the computed figures and the draft's
    entered values and comments (pass `draft` when the caller already has it)."""
    draft = draft if draft is not None else annual_report_draft_get(year=year)
    return annual_report_compute(
        cluster=cluster,
        year=year,
        entered_values=dict(draft.entered_values) if draft else {},
        indicator_comments=dict(draft.indicator_comments) if draft else {},
    )
