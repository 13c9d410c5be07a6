"""Members' figures for federal reporting (core.federal reads them through settings.FEDERAL_METRICS).

Runs inside the cluster's schema. Participants are the companies admitted, active or suspended;
each figure keeps the rows it was counted from (drill-down of the annual report).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import cached_property, partial
from typing import TYPE_CHECKING, Any

from django.db.models import Q
from django.utils.translation import gettext as _

from core.federal.metrics import (
    AreaMetrics,
    CooperationRow,
    DrillRow,
    Participant,
    RegistryFigures,
    RevenueRow,
    SourceFigure,
)
from core.ru.money import format_roubles

from .models import Company, CooperationContract, KpiReport

if TYPE_CHECKING:
    from tenants.models import Cluster

MEMBER_STATUSES = (Company.Status.ADMITTED, Company.Status.ACTIVE, Company.Status.SUSPENDED)
KINDS = Company.Kind
MEMBER_TESTS: dict[str, Callable[[Company], bool]] = {
    "members_total": lambda c: True,
    "members_company": lambda c: c.kind == KINDS.COMPANY,
    "members_university": lambda c: c.kind == KINDS.UNIVERSITY,
    "members_fund": lambda c: c.kind == KINDS.FUND,
    "members_sez_management": lambda c: c.kind == KINDS.SEZ_MANAGEMENT,
    "members_other": lambda c: c.kind == KINDS.OTHER,
    "members_non_company": lambda c: c.kind != KINDS.COMPANY,
    "members_other_kinds": lambda c: c.kind not in (KINDS.COMPANY, KINDS.UNIVERSITY),
    "members_sez_residents": lambda c: c.is_sez_resident,
}
CONTRACT_KINDS: dict[str, str | None] = {
    "contracts_total": None,
    "contracts_supply": CooperationContract.Kind.SUPPLY,
    "contracts_joint_project": CooperationContract.Kind.JOINT_PROJECT,
    "contracts_works_services": CooperationContract.Kind.WORKS_SERVICES,
}
KPI_FIELDS = (*KpiReport.MONEY_FIELDS, *KpiReport.COUNT_FIELDS)


def participants() -> list[Company]:
    return list(Company.objects.filter(status__in=MEMBER_STATUSES).order_by("short_name", "id"))


class _Year:
    """The members' data of one year, each query run at most once."""

    def __init__(self, year: int) -> None:
        self.year = year

    @cached_property
    def members(self) -> list[Company]:
        return participants()

    @cached_property
    def kpis(self) -> list[KpiReport]:
        return list(
            KpiReport.objects.filter(
                year=self.year, status=KpiReport.Status.ACCEPTED, company__status__in=MEMBER_STATUSES
            )
            .select_related("company")
            .order_by("company__short_name", "id")
        )

    @cached_property
    def contracts(self) -> list[CooperationContract]:
        return list(
            CooperationContract.objects.filter(signed_on__year=self.year)
            .select_related("party_a", "party_b")
            .order_by("signed_on", "id")
        )

    def kpi_sum(self, name: str) -> SourceFigure:
        money = name in KpiReport.MONEY_FIELDS
        rows = [_company_row(r.company, int(getattr(r, name)), money) for r in self.kpis]
        if not rows:
            return SourceFigure(
                None, [], _("нет принятых показателей участников за %(year)s год") % {"year": self.year}
            )
        return SourceFigure(sum(int(r.value or 0) for r in rows), rows)

    def members_count(self, key: str) -> SourceFigure:
        chosen = [c for c in self.members if MEMBER_TESTS[key](c)]
        return SourceFigure(
            len(chosen),
            [
                DrillRow(
                    label=str(c),
                    display=str(c.get_kind_display()),
                    value=None,
                    extra={"company_id": c.pk, "inn": c.inn, "status": c.status},
                )
                for c in chosen
            ],
        )

    def contracts_count(self, key: str) -> SourceFigure:
        chosen = [c for c in self.contracts if CONTRACT_KINDS[key] is None or c.kind == CONTRACT_KINDS[key]]
        return SourceFigure(len(chosen), [_contract_row(c) for c in chosen])

    def contracts_amount(self) -> SourceFigure:
        return SourceFigure(
            sum(c.amount_kopecks for c in self.contracts), [_contract_row(c) for c in self.contracts]
        )

    def kpi_reports_accepted(self) -> SourceFigure:
        return SourceFigure(
            len(self.kpis),
            [
                DrillRow(
                    label=str(r.company),
                    display=str(r.get_status_display()),
                    extra={"company_id": r.company_id},
                )
                for r in self.kpis
            ],
        )

    def live(self) -> dict[str, Any]:
        by_kind: dict[str, int] = {}
        for company in self.members:
            by_kind[company.kind] = by_kind.get(company.kind, 0) + 1
        return {"member_count": len(self.members), "members_by_kind": by_kind}


def _company_row(company: Company, value: int, money: bool) -> DrillRow:
    display = f"{format_roubles(value)} ₽" if money else f"{value:,}".replace(",", "\u00a0")
    return DrillRow(
        label=str(company), display=display, value=value, extra={"company_id": company.pk, "inn": company.inn}
    )


def _contract_row(c: CooperationContract) -> DrillRow:
    return DrillRow(
        label=f"№ {c.number} от {c.signed_on:%d.%m.%Y}: {c.party_a} → {c.party_b}",
        display=f"{format_roubles(c.amount_kopecks)} ₽",
        value=c.amount_kopecks,
        extra={"contract_id": c.pk, "kind": c.kind},
    )


def _participant(c: Company) -> Participant:
    return Participant(
        c.pk,
        str(c),
        c.inn,
        full_name=c.full_name,
        ogrn=c.ogrn,
        kpp=c.kpp,
        address=c.address,
        region_code=c.region_code,
        kind=str(c.get_kind_display()),
        special_territory=str(c.get_special_territory_display()) if c.special_territory else "",
    )


def _cooperation_row(c: CooperationContract) -> CooperationRow:
    return CooperationRow(
        id=c.pk,
        number=c.number,
        signed_on=c.signed_on,
        kind=str(c.get_kind_display()),
        party_a_id=c.party_a_id,
        party_a=str(c.party_a),
        party_b_id=c.party_b_id,
        party_b=str(c.party_b),
        amount_kopecks=c.amount_kopecks,
        subject=c.subject,
    )


def registry_figures(*, year: int) -> RegistryFigures:
    """Participants now, their cooperation contracts up to the end of `year`, and the year's
    revenue (accepted KPIs) against the contracts between participants signed in the year.
    Three queries, each row kept as the evidence of the checks."""
    members = participants()
    member_ids = {c.pk for c in members}
    contracts = [
        _cooperation_row(c)
        for c in CooperationContract.objects.filter(signed_on__lte=dt.date(year, 12, 31))
        .filter(Q(party_a_id__in=member_ids) & Q(party_b_id__in=member_ids))
        .select_related("party_a", "party_b")
        .order_by("signed_on", "number", "id")
    ]
    linked: set[int] = set()
    for row in contracts:
        linked.update((row.party_a_id, row.party_b_id))
    revenue_rows = [
        RevenueRow(r.company_id, str(r.company), r.company.inn, r.revenue)
        for r in KpiReport.objects.filter(
            company_id__in=member_ids, year=year, status=KpiReport.Status.ACCEPTED
        )
        .select_related("company")
        .order_by("company__short_name", "company_id")
    ]
    revenue = sum(r.revenue_kopecks for r in revenue_rows)
    cooperation = sum(r.amount_kopecks for r in contracts if r.signed_on.year == year)
    return RegistryFigures(
        participants=[_participant(c) for c in members],
        linked_ids=frozenset(linked),
        revenue_kopecks=revenue,
        cooperation_kopecks=cooperation,
        with_kpi_ids=frozenset(r.company_id for r in revenue_rows),
        contracts=contracts,
        revenue_rows=revenue_rows,
    )


def federal_metrics(*, cluster: Cluster, year: int) -> AreaMetrics:
    """Members' sources of the annual report, their live figures and the registry figures."""
    data = _Year(year)
    sources: dict[str, Callable[[], SourceFigure]] = {
        name: partial(data.kpi_sum, name) for name in KPI_FIELDS
    }
    sources.update({key: partial(data.members_count, key) for key in MEMBER_TESTS})
    sources.update({key: partial(data.contracts_count, key) for key in CONTRACT_KINDS})
    sources["contracts_amount"] = data.contracts_amount
    sources["kpi_reports_accepted"] = data.kpi_reports_accepted
    return AreaMetrics(sources=sources, live=data.live, registry=partial(registry_figures, year=year))
