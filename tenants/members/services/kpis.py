"""Yearly figures of a member company: draft → submitted → accepted (or returned to draft)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from core.accounts.access import require_manager
from core.audit.services import (
    Actor,
    fields_only,
    model_create,
    model_delete,
    model_review_move,
    model_update,
)
from core.clock import cluster_today
from tenants.members.models import Company, KpiReport

from .checks import field_label, require_company

KPI_FIGURES = frozenset(KpiReport.MONEY_FIELDS + KpiReport.COUNT_FIELDS)
FIRST_KPI_YEAR = 2000


def _kpi_check_year(year: int) -> None:
    this_year = cluster_today().year
    if not FIRST_KPI_YEAR <= year <= this_year:
        raise ValidationError({"year": f"Год должен быть от {FIRST_KPI_YEAR} до {this_year}."})


def _kpi_check_figures(fields: dict[str, Any]) -> None:
    for name in KPI_FIGURES & set(fields):
        value = fields[name]
        if value is None:
            fields[name] = 0
        elif int(value) < 0:
            label = field_label(KpiReport, name)
            raise ValidationError({name: f"«{label}» не может быть отрицательным числом."})


def kpi_create(*, actor: Actor, company: Company, year: int, **figures: Any) -> KpiReport:
    """A draft of a company's figures for a year (once per company and year)."""
    require_company(actor, company.pk)
    fields_only(figures, KPI_FIGURES)
    _kpi_check_year(year)
    _kpi_check_figures(figures)
    if KpiReport.objects.filter(company=company, year=year).exists():
        raise ValidationError(
            {"year": f"Показатели «{company}» за {year} год уже внесены: откройте их и измените."}
        )
    report = KpiReport(company=company, year=year, **figures)
    model_create(obj=report, actor=actor, action="kpi.create")
    return report


def kpi_update(*, report: KpiReport, actor: Actor, **figures: Any) -> KpiReport:
    """Representatives change drafts of their company; staff any report not yet accepted."""
    access = require_company(actor, report.company_id)
    fields_only(figures, KPI_FIGURES)
    _kpi_check_figures(figures)
    with transaction.atomic():
        report = KpiReport.objects.select_for_update().select_related("company").get(pk=report.pk)
        if report.status == KpiReport.Status.ACCEPTED:
            raise ValidationError("Принятые показатели изменить нельзя: сначала верните их в черновик.")
        if not access.manager and report.status != KpiReport.Status.DRAFT:
            raise ValidationError(
                "Показатели уже отправлены: изменить их можно, когда кластер вернёт их в черновик."
            )
        model_update(obj=report, data=figures, actor=actor, action="kpi.update")
    return report


def kpi_submit(*, report: KpiReport, actor: Actor) -> KpiReport:
    require_company(actor, report.company_id)
    return model_review_move(
        queryset=KpiReport.objects.select_related("company"),
        pk=report.pk,
        actor=actor,
        action="kpi.submit",
        sources={KpiReport.Status.DRAFT},
        target=KpiReport.Status.SUBMITTED,
        message="Отправить можно только черновик показателей.",
    )


def kpi_accept(*, report: KpiReport, actor: Actor) -> KpiReport:
    require_manager(actor)
    return model_review_move(
        queryset=KpiReport.objects.select_related("company"),
        pk=report.pk,
        actor=actor,
        action="kpi.accept",
        sources={KpiReport.Status.SUBMITTED},
        target=KpiReport.Status.ACCEPTED,
        message="Принять можно только отправленные показатели.",
    )


def kpi_return(*, report: KpiReport, actor: Actor, reason: str = "") -> KpiReport:
    require_manager(actor)
    return model_review_move(
        queryset=KpiReport.objects.select_related("company"),
        pk=report.pk,
        actor=actor,
        action="kpi.return",
        sources={KpiReport.Status.SUBMITTED, KpiReport.Status.ACCEPTED},
        target=KpiReport.Status.DRAFT,
        message="Показатели и так в черновике.",
        reason=reason,
    )


def kpi_delete(*, report: KpiReport, actor: Actor) -> None:
    require_company(actor, report.company_id)
    if report.status != KpiReport.Status.DRAFT:
        raise ValidationError("Удалить можно только черновик показателей.")
    model_delete(obj=report, actor=actor, action="kpi.delete")
