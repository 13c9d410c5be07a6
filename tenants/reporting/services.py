"""Writes of the cluster's annual report: the draft it types in, and its submission.

Inside the cluster's schema, allowed to the cluster's admins (the rule is
core.federal.services.require_report_admin). The draft lives here; the submitted, frozen
report is written by core.federal.services.annual_report_freeze in the same transaction.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from core.audit.services import Actor, audit_record, diff, snapshot
from core.federal import services as federal
from core.federal.compute import ComputedReport, annual_report_compute, entered_to_text
from core.federal.models import AnnualReport
from tenants.models import Cluster

from .models import AnnualReportDraft

DRAFT_FIELDS = ["entered_values", "indicator_comments", "comments"]


def _normalized_entries(computed: ComputedReport) -> dict[str, str]:
    return {
        f.code: entered_to_text(f.value, f.value_type)
        for f in computed.figures
        if (f.is_entered and f.value is not None) or (f.is_overridable and f.raw.strip())
    }


def annual_report_draft_save(
    *,
    actor: Actor,
    cluster: Cluster,
    year: int,
    entered_values: dict[str, Any],
    indicator_comments: dict[str, str] | None = None,
    comments: str = "",
) -> AnnualReportDraft:
    """Keep what the cluster typed. Invalid numbers are refused with the indicator's message;
    a missing required value is fine in a draft (submission demands it)."""
    federal.require_report_admin(actor, cluster)
    year = federal.annual_report_year_clean(year)
    computed = annual_report_compute(
        cluster=cluster, year=year, entered_values=entered_values, indicator_comments=indicator_comments or {}
    )
    if computed.form is None:
        raise ValidationError(computed.errors["__all__"])
    bad = {f.code: f.error for f in computed.figures if f.takes_input and f.error and f.raw.strip()}
    if bad:
        raise ValidationError(bad)
    codes = {f.code for f in computed.figures}
    comments_by_code = {
        c: federal.text_clean(t)
        for c, t in (indicator_comments or {}).items()
        if c in codes and federal.text_clean(t)
    }
    with transaction.atomic():
        draft = AnnualReportDraft.objects.select_for_update().filter(year=year).first()
        created = draft is None
        draft = draft or AnnualReportDraft(year=year)
        before = {} if created else snapshot(draft, DRAFT_FIELDS)
        draft.entered_values = _normalized_entries(computed)
        draft.indicator_comments = comments_by_code
        draft.comments = federal.text_clean(comments)
        draft.updated_by = actor.user
        draft.save()
        changes = diff(before, snapshot(draft, DRAFT_FIELDS))
        if changes or created:
            audit_record(actor=actor, action="annual_report.draft_save", obj=draft, changes=changes)
    return draft


def annual_report_submit(
    *,
    actor: Actor,
    cluster: Cluster,
    year: int,
    entered_values: dict[str, Any],
    comments: str,
    correction_reason: str | None = None,
    indicator_comments: dict[str, str] | None = None,
    is_demo: bool = False,
) -> AnnualReport:
    """Submit the report for `year` as version N+1 and keep the draft in step with it, in one
    transaction (the freezing itself: core.federal.services.annual_report_freeze)."""
    with transaction.atomic():
        report, computed = federal.annual_report_freeze(
            actor=actor,
            cluster=cluster,
            year=year,
            entered_values=entered_values,
            comments=comments,
            correction_reason=correction_reason,
            indicator_comments=indicator_comments,
            is_demo=is_demo,
        )
        draft = AnnualReportDraft.objects.select_for_update().filter(
            year=computed.year
        ).first() or AnnualReportDraft(year=computed.year)
        draft.entered_values = _normalized_entries(computed)
        draft.indicator_comments = {f.code: f.comment for f in computed.figures if f.comment}
        draft.comments = report.comments
        draft.updated_by = actor.user
        draft.save()
    return report
