"""Demo: every demo cluster submits its annual reports for 2024 and 2025 (PLATFORM_DEMOS).

Synthetic, plausible figures, all through the services: members' yearly KPIs (created, submitted,
accepted), cooperation contracts between members, entered values, then the submission itself
(is_demo=True). The Moscow Oblast cluster corrects its 2025 report (version 2, with a reason).
Clusters with fewer than 10 participants fail that registry check. Safe to run again.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django_tenants.utils import schema_context

from core.audit.services import Actor
from core.federal import services as federal
from core.federal.models import AnnualReport
from tenants.members import services as members
from tenants.members.metrics import MEMBER_STATUSES
from tenants.members.models import Company, CooperationContract, KpiReport
from tenants.models import Cluster

from . import services

YEARS = (2024, 2025)
CORRECTED = ("mosreg", 2025)
RUB = 100
HIGHLIGHTS = {
    2024: "Участники кластера расширили выпуск медицинских изделий и заключили новые договоры кооперации.",
    2025: "Запущены совместные проекты импортозамещения; кластер представил проекты в программе «PROКЛАСТЕРЫ».",
}


def _figures(rng: random.Random, company: Company, year: int) -> dict[str, int]:
    """Yearly figures of one member (kopecks for money)."""
    scale = 1.0 if company.kind == Company.Kind.COMPANY else 0.15
    growth = 1.0 + 0.08 * (year - YEARS[0])
    revenue = int(rng.randrange(60_000_000, 900_000_000) * scale * growth) * RUB
    return {
        "revenue": revenue,
        "revenue_medical_devices": int(revenue * rng.uniform(0.4, 0.8))
        if company.kind == Company.Kind.COMPANY
        else 0,
        "investment": int(revenue * rng.uniform(0.02, 0.1)),
        "export": int(revenue * rng.uniform(0.0, 0.15)),
        "rnd_spend": int(revenue * rng.uniform(0.01, 0.06)),
        "taxes_paid": int(revenue * rng.uniform(0.08, 0.12)),
        "employees": int(rng.randrange(30, 400) * scale) + 5,
        "new_jobs": rng.randrange(0, 25),
        "products_launched": rng.randrange(0, 4),
    }


def _kpis(actor: Actor, rng: random.Random, participants: list[Company], year: int) -> int:
    """Accepted figures of every participant for the year (fills figures other demos left at zero)."""
    total = 0
    existing = {k.company_id: k for k in KpiReport.objects.filter(company__in=participants, year=year)}
    for company in participants:
        figures = _figures(rng, company, year)
        report = existing.get(company.pk)
        if report is None:
            report = members.kpi_create(actor=actor, company=company, year=year, **figures)
        elif (
            report.export == 0 and report.investment == 0
        ):  # e.g. only revenue and headcount from the fees demo
            if report.status != KpiReport.Status.DRAFT:
                report = members.kpi_return(
                    report=report, actor=actor, reason="Дополнение показателей (демо)"
                )
            keep = {
                "revenue": report.revenue or figures["revenue"],
                "employees": report.employees or figures["employees"],
            }
            figures.update(keep, revenue_medical_devices=int(keep["revenue"] * 0.6))
            report = members.kpi_update(report=report, actor=actor, **figures)
        if report.status == KpiReport.Status.DRAFT:
            report = members.kpi_submit(report=report, actor=actor)
        if report.status == KpiReport.Status.SUBMITTED:
            report = members.kpi_accept(report=report, actor=actor)
        total += report.revenue
    return total


def _contracts(
    actor: Actor, rng: random.Random, participants: list[Company], year: int, revenue: int
) -> None:
    """A ring of cooperation contracts (every participant is a party), about a quarter of revenue."""
    prefix = f"ДК-{year}-"
    if len(participants) < 2 or CooperationContract.objects.filter(number__startswith=prefix).exists():
        return
    kinds = [
        CooperationContract.Kind.SUPPLY,
        CooperationContract.Kind.JOINT_PROJECT,
        CooperationContract.Kind.WORKS_SERVICES,
    ]
    share = revenue * rng.uniform(0.22, 0.32) / len(participants)
    for n, (a, b) in enumerate(zip(participants, participants[1:] + participants[:1], strict=True), start=1):
        kind = kinds[n % 3]
        members.contract_create(
            actor=actor,
            kind=kind,
            party_a=a,
            party_b=b,
            number=f"{prefix}{n:03d}",
            signed_on=dt.date(year, rng.randrange(2, 11), rng.randrange(1, 28)),
            amount_kopecks=int(share * rng.uniform(0.7, 1.3)) // RUB * RUB,
            subject={
                "supply": "Поставка комплектующих для медицинских изделий (демо)",
                "joint_project": "Совместный проект импортозамещения (демо)",
                "works_services": "Испытания и сервисное обслуживание (демо)",
            }[kind],
        )


TRANSITION_YEAR = 2024  # support received typed in, with its reason; later years: from tranches
TRANSITION_REASON = "Переходный год: заявки на господдержку до 2025 года в системе не учитывались."


def _entered(rng: random.Random, participants: list[Company], year: int, bump: int = 0) -> dict[str, str]:
    support = rng.randrange(5_000_000, 60_000_000)
    entered = {
        "participants_special_territory": str(len(participants) // 5 + bump),
        "highlights": HIGHLIGHTS[year],
    }
    if year == TRANSITION_YEAR:
        entered["support_received"] = f"{support},00"
    return entered


def _comments(year: int) -> dict[str, str]:
    return {"support_received": TRANSITION_REASON} if year == TRANSITION_YEAR else {}


def demo_cluster_reports(cluster: Cluster) -> None:
    actor = Actor.system(cluster)
    rng = random.Random(f"federal-demo-{cluster.schema_name}")  # noqa: S311 - repeatable demo figures
    with schema_context(cluster.schema_name), transaction.atomic():
        participants = list(Company.objects.filter(status__in=MEMBER_STATUSES).order_by("id"))
        for year in YEARS:
            revenue = _kpis(actor, rng, participants, year)
            _contracts(actor, rng, participants, year, revenue)
            entered = _entered(rng, participants, year)
            submitted = AnnualReport.objects.filter(cluster=cluster, year=year)
            if not submitted.exists():
                services.annual_report_submit(
                    actor=actor,
                    cluster=cluster,
                    year=year,
                    entered_values=entered,
                    is_demo=True,
                    indicator_comments=_comments(year),
                    comments="Демонстрационный отчёт: показатели синтетические.",
                )
            if (cluster.schema_name, year) == CORRECTED and submitted.count() < 2:
                again = random.Random(year)  # noqa: S311 - repeatable demo figures
                services.annual_report_submit(
                    actor=actor,
                    cluster=cluster,
                    year=year,
                    is_demo=True,
                    entered_values=_entered(again, participants, year, bump=1),
                    indicator_comments=_comments(year),
                    comments="Демонстрационный отчёт: показатели синтетические.",
                    correction_reason="Уточнено число участников в моногородах и на территориях "
                    "опережающего развития.",
                )


def demo_annual_reports(clusters: list[Cluster]) -> None:
    """PLATFORM_DEMOS hook: the report forms of the demo years, then each cluster's reports."""
    system = Actor.system()
    for year in YEARS:
        federal.form_ensure_year(actor=system, year=year)
    for cluster in clusters:
        demo_cluster_reports(cluster)
