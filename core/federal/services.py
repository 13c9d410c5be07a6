"""Writes of federal reporting.

The cluster side (drafts, submission) runs inside the cluster's schema and is allowed to the
cluster's admins; the form editor runs on the public host and is allowed to platform admins.
A submitted report is never changed: a correction is a new version with a reason.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Func, Max
from django.utils import timezone

from core.accounts.models import Grant
from core.accounts.selectors import user_cluster_roles, user_is_platform_admin
from core.audit.services import Actor, audit_record, diff, snapshot
from core.clock import cluster_today
from core.queue import enqueue_on_commit
from tenants.models import Cluster

from .checks import CheckOutcome, registry_checks_compute
from .compute import (
    MAX_TEXT,
    ComputedReport,
    annual_report_compute,
    source_error,
    value_to_json,
)
from .models import AnnualReport, Indicator, RegistryCheckResult, ReportFact, ReportForm

FIRST_YEAR = 2015  # Decree No. 779 dates from 2015
ADMINS_ONLY = "Годовой отчёт готовят и отправляют администраторы кластера."
PLATFORM_ONLY = "Формы отчёта изменяют только администраторы платформы."
VT = Indicator.ValueType
M = Indicator.Method


# --- helpers ------------------------------------------------------------------------------------


def require_report_admin(actor: Actor, cluster: Cluster) -> None:
    """The annual report is prepared and submitted by the cluster's admins, inside its schema."""
    if actor.cluster is not None and actor.cluster.pk != cluster.pk:
        raise PermissionDenied(ADMINS_ONLY)
    if actor.user is not None and Grant.Role.CLUSTER_ADMIN not in user_cluster_roles(actor.user, cluster):
        raise PermissionDenied(ADMINS_ONLY)
    if getattr(connection, "schema_name", None) != cluster.schema_name:
        raise RuntimeError("annual reports are prepared inside the cluster's schema")


def _require_platform_admin(actor: Actor) -> None:
    if actor.user is not None and not user_is_platform_admin(actor.user):
        raise PermissionDenied(PLATFORM_ONLY)


def annual_report_year_clean(year: Any) -> int:
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise ValidationError({"year": "Укажите год отчёта."}) from None
    last = timezone.localdate().year + 1
    if not FIRST_YEAR <= year <= last:
        raise ValidationError({"year": f"Год отчёта должен быть от {FIRST_YEAR} до {last}."})
    return year


def text_clean(value: Any, *, limit: int = MAX_TEXT) -> str:
    text = str(value or "").strip()
    if len(text) > limit:
        raise ValidationError(f"Текст длиннее {limit} символов.")
    return text


# --- submission ------------------------------------------------------------------------------------


def _fact_numbers(value: Any) -> Decimal | None:
    if value is None or isinstance(value, str) and not value:
        return None
    return Decimal(value)


def annual_report_facts_rebuild(*, report: AnnualReport) -> int:
    """(Re)create the ReportFact rows of one submitted report from its immutable `values`.
    Used at submission and by the warehouse rebuild. Returns the number of facts."""
    facts = []
    for code, entry in (report.values or {}).items():
        value_type = entry.get("value_type", VT.INTEGER)
        value = entry.get("value")
        facts.append(
            ReportFact(
                report=report,
                cluster_id=report.cluster_id,
                year=report.year,
                is_latest=report.is_latest,
                is_demo=report.is_demo,
                code=code,
                value_type=value_type,
                value=None if value_type == VT.TEXT else _fact_numbers(value),
                numerator=_fact_numbers(entry.get("numerator")),
                denominator=_fact_numbers(entry.get("denominator")),
                text_value=str(value or "") if value_type == VT.TEXT else "",
            )
        )
    with transaction.atomic():
        ReportFact.objects.filter(report=report, cluster_id=report.cluster_id).delete()
        ReportFact.objects.bulk_create(facts)
    return len(facts)


def annual_report_freeze(
    *,
    actor: Actor,
    cluster: Cluster,
    year: int,
    entered_values: dict[str, Any],
    comments: str,
    correction_reason: str | None = None,
    indicator_comments: dict[str, str] | None = None,
    is_demo: bool = False,
) -> tuple[AnnualReport, ComputedReport]:
    """Freeze the report for `year` as version N+1 (inside the cluster's schema); the cluster
    submits through tenants.reporting.services.annual_report_submit, which keeps its draft in step.

    One transaction: the snapshot, its facts, its registry checks, the previous version no longer
    latest, the audit row. The warehouse refresh runs after commit.
    """
    require_report_admin(actor, cluster)
    year = annual_report_year_clean(year)
    if year > cluster_today(cluster).year:
        raise ValidationError({"year": "Отчёт за год, который ещё не начался, отправить нельзя."})
    comments = text_clean(comments)
    reason = text_clean(correction_reason)
    computed = annual_report_compute(
        cluster=cluster, year=year, entered_values=entered_values, indicator_comments=indicator_comments or {}
    )
    if computed.form is None:
        raise ValidationError(computed.errors["__all__"])
    if computed.errors:
        raise ValidationError(computed.errors)
    with transaction.atomic():
        Cluster.objects.select_for_update().filter(pk=cluster.pk).first()  # one submission at a time
        previous = AnnualReport.objects.filter(cluster=cluster, year=year, is_latest=True).first()
        version = (
            AnnualReport.objects.filter(cluster=cluster, year=year).aggregate(v=Max("version"))["v"] or 0
        ) + 1
        if previous is not None and not reason:
            raise ValidationError(
                {
                    "correction_reason": f"Отчёт за {year} год уже отправлен (версия "
                    f"{previous.version}). Чтобы исправить его, укажите "
                    f"причину исправления."
                }
            )
        if previous is None:
            reason = ""
        if previous is not None:
            AnnualReport.objects.filter(pk=previous.pk).update(is_latest=False)
            ReportFact.objects.filter(report=previous, cluster=cluster).update(is_latest=False)
        now = timezone.now()
        report = AnnualReport(
            cluster=cluster,
            year=year,
            version=version,
            form=computed.form,
            values={f.code: f.value_json() for f in computed.figures},
            details={f.code: [r.as_json() for r in f.rows] for f in computed.figures if f.rows},
            checks=[c.as_json() for c in computed.checks],
            comments=comments,
            correction_reason=reason,
            submitted_at=now,
            submitted_by=actor.user,
            submitted_by_email=actor.user.email if actor.user else "",
            is_demo=is_demo,
            is_latest=True,
        )
        try:
            with transaction.atomic():
                report.save()
        except IntegrityError:
            raise ValidationError(
                "Отчёт за этот год только что отправлен другим пользователем: обновите страницу."
            ) from None
        annual_report_facts_rebuild(report=report)
        RegistryCheckResult.objects.bulk_create(
            [
                RegistryCheckResult(
                    cluster=cluster,
                    report=report,
                    year=year,
                    code=c.code,
                    status=c.status,
                    reason=c.reason,
                    companies=c.companies,
                    data=c.data,
                    evidence=c.evidence,
                    computed_at=now,
                )
                for c in computed.checks
            ]
        )
        audit_record(
            actor=actor,
            action="annual_report.submit" if version == 1 else "annual_report.correct",
            obj=report,
            changes={
                "year": [None, year],
                "version": [None, version],
                "correction_reason": [None, reason] if reason else [None, None],
                "values": [None, {f.code: value_to_json(f.value) for f in computed.figures}],
            },
        )
        enqueue_on_commit("federal.warehouse_refresh_cluster", reason="report_submitted")
    return report, computed


# --- live registry checks (the warehouse task calls this) ------------------------------------------


def registry_checks_refresh_live(*, cluster: Cluster, year: int | None = None) -> list[RegistryCheckResult]:
    """Recompute the cluster's live checks and store them (report=NULL). Derived data, no audit.
    Inside the cluster's schema."""
    if getattr(connection, "schema_name", None) != cluster.schema_name:
        raise RuntimeError("registry checks run inside the cluster's schema")
    outcomes: list[CheckOutcome] = registry_checks_compute(cluster=cluster, year=year)
    now = timezone.now()
    results = []
    with transaction.atomic():
        for outcome in outcomes:
            row, _ = RegistryCheckResult.objects.update_or_create(
                cluster=cluster,
                report=None,
                code=outcome.code,
                defaults={
                    "status": outcome.status,
                    "reason": outcome.reason,
                    "companies": outcome.companies,
                    "data": outcome.data,
                    "evidence": outcome.evidence,
                    "computed_at": now,
                    "year": outcome.data.get("year") or year,
                },
            )
            results.append(row)
    return results


# --- report forms (platform admin, public host) ---------------------------------------------------

FORM_FIELDS = ("year", "version", "status", "title", "published_at")
INDICATOR_FIELDS = frozenset(
    {"code", "name_ru", "name_en", "unit", "value_type", "method", "source", "required", "hint", "position"}
)


def _form_editable(form: ReportForm) -> None:
    if form.status != ReportForm.Status.DRAFT:
        raise ValidationError("Опубликованную форму изменить нельзя: сделайте копию и измените её.")


def form_create(*, actor: Actor, year: int, title: str = "") -> ReportForm:
    """An empty draft form for a year (next version number of that year)."""
    _require_platform_admin(actor)
    year = annual_report_year_clean(year)
    with transaction.atomic():
        version = (ReportForm.objects.filter(year=year).aggregate(v=Max("version"))["v"] or 0) + 1
        form = ReportForm(year=year, version=version, title=text_clean(title, limit=300))
        form.full_clean()
        form.save()
        audit_record(actor=actor, action="report_form.create", obj=form, changes=diff({}, snapshot(form)))
    return form


def form_copy(*, actor: Actor, form: ReportForm, year: int, title: str = "") -> ReportForm:
    """A draft copy of `form` (with all its indicators) for `year`: how next year's form starts."""
    _require_platform_admin(actor)
    with transaction.atomic():
        copy = form_create(
            actor=actor, year=year, title=title or form.title.replace(str(form.year), str(year))
        )
        copy.copied_from = form
        copy.save(update_fields=["copied_from"])
        Indicator.objects.bulk_create(
            [
                Indicator(form=copy, **{name: getattr(ind, name) for name in INDICATOR_FIELDS})
                for ind in form.indicators.order_by("position", "id")
            ]
        )
        audit_record(
            actor=actor,
            action="report_form.copy",
            obj=copy,
            changes={"copied_from": [None, form.pk], "indicators": [None, copy.indicators.count()]},
        )
    return copy


def form_publish(*, actor: Actor, form: ReportForm) -> ReportForm:
    """Make the draft the year's form; the year's previously published form is retired."""
    _require_platform_admin(actor)
    with transaction.atomic():
        form = ReportForm.objects.select_for_update().get(pk=form.pk)
        _form_editable(form)
        indicators = list(form.indicators.all())
        if not indicators:
            raise ValidationError("В форме нет ни одного показателя.")
        problems = [f"{i.code}: {err}" for i in indicators if (err := source_error(i.method, i.source))]
        if problems:
            raise ValidationError(["Исправьте источники показателей: "] + problems)
        old = list(
            ReportForm.objects.select_for_update().filter(year=form.year, status=ReportForm.Status.PUBLISHED)
        )
        for previous in old:
            previous.status = ReportForm.Status.RETIRED
            previous.save(update_fields=["status"])
            audit_record(
                actor=actor,
                action="report_form.retire",
                obj=previous,
                changes={"status": [ReportForm.Status.PUBLISHED, ReportForm.Status.RETIRED]},
            )
        form.status = ReportForm.Status.PUBLISHED
        form.published_at = timezone.now()
        form.save(update_fields=["status", "published_at"])
        audit_record(
            actor=actor,
            action="report_form.publish",
            obj=form,
            changes={"status": [ReportForm.Status.DRAFT, ReportForm.Status.PUBLISHED]},
        )
    return form


def form_delete(*, actor: Actor, form: ReportForm) -> None:
    _require_platform_admin(actor)
    with transaction.atomic():
        form = ReportForm.objects.select_for_update().get(pk=form.pk)
        _form_editable(form)
        audit_record(
            actor=actor,
            action="report_form.delete",
            obj=form,
            changes={k: [v, None] for k, v in snapshot(form, list(FORM_FIELDS)).items()},
        )
        form.delete()


def _indicator_clean(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - INDICATOR_FIELDS
    if unknown:
        raise TypeError(f"unexpected fields: {sorted(unknown)}")
    for key in ("code", "name_ru", "name_en", "unit", "source"):
        if key in fields:
            fields[key] = " ".join(str(fields[key] or "").split())
    if "hint" in fields:
        fields["hint"] = text_clean(fields["hint"])
    return fields


def _indicator_validate(indicator: Indicator) -> None:
    indicator.full_clean()
    if indicator.method == M.ENTERED:
        indicator.source = ""
    error = source_error(indicator.method, indicator.source)
    if error:
        raise ValidationError({"source": error})
    if indicator.method == M.RATIO and indicator.value_type not in (VT.PERCENT, VT.DECIMAL):
        raise ValidationError({"value_type": "Отношение бывает процентом или дробным числом."})
    if indicator.method == M.SUM_KPI and indicator.value_type == VT.TEXT:
        raise ValidationError({"value_type": "Сумма не может быть текстом."})
    if (
        Indicator.objects.filter(form_id=indicator.form_id, code=indicator.code)
        .exclude(pk=indicator.pk)
        .exists()
    ):
        raise ValidationError({"code": "Показатель с таким кодом в форме уже есть."})


def indicator_create(*, actor: Actor, form: ReportForm, **fields: Any) -> Indicator:
    _require_platform_admin(actor)
    fields = _indicator_clean(fields)
    with transaction.atomic():
        form = ReportForm.objects.select_for_update().get(pk=form.pk)
        _form_editable(form)
        if "position" not in fields or fields["position"] in (None, ""):
            fields["position"] = (form.indicators.aggregate(p=Max("position"))["p"] or 0) + 10
        indicator = Indicator(form=form, **fields)
        _indicator_validate(indicator)
        indicator.save()
        audit_record(
            actor=actor,
            action="report_form.indicator_create",
            obj=indicator,
            changes=diff({}, snapshot(indicator)),
        )
    return indicator


def indicator_update(*, actor: Actor, indicator: Indicator, **fields: Any) -> Indicator:
    _require_platform_admin(actor)
    fields = _indicator_clean(fields)
    with transaction.atomic():
        form = ReportForm.objects.select_for_update().get(pk=indicator.form_id)
        _form_editable(form)
        indicator = Indicator.objects.get(pk=indicator.pk)
        before = snapshot(indicator)
        for name, value in fields.items():
            setattr(indicator, name, value)
        _indicator_validate(indicator)
        changes = diff(before, snapshot(indicator))
        if changes:
            indicator.save()
            audit_record(actor=actor, action="report_form.indicator_update", obj=indicator, changes=changes)
    return indicator


def indicator_delete(*, actor: Actor, indicator: Indicator) -> None:
    _require_platform_admin(actor)
    with transaction.atomic():
        form = ReportForm.objects.select_for_update().get(pk=indicator.form_id)
        _form_editable(form)
        audit_record(
            actor=actor,
            action="report_form.indicator_delete",
            obj=indicator,
            changes={k: [v, None] for k, v in snapshot(indicator).items()},
        )
        indicator.delete()


def form_ensure_year(*, actor: Actor, year: int) -> ReportForm:
    """The year's published form; when there is none, the nearest year's published form is copied
    and published (demo and tests). Idempotent."""
    existing = ReportForm.objects.filter(year=year, status=ReportForm.Status.PUBLISHED).first()
    if existing is not None:
        return existing
    base = (
        ReportForm.objects.filter(status=ReportForm.Status.PUBLISHED)
        .order_by(_distance_to(year), "-year")
        .first()
    )
    if base is None:
        raise ValidationError(f"Нет ни одной опубликованной формы, чтобы сделать форму за {year} год.")
    draft = ReportForm.objects.filter(year=year, status=ReportForm.Status.DRAFT).order_by("-version").first()
    draft = draft or form_copy(actor=actor, form=base, year=year)
    return form_publish(actor=actor, form=draft)


def _distance_to(year: int) -> Any:
    return Func(F("year") - year, function="ABS")
