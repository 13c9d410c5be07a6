"""Test data of the federal reporting tests (call inside schema_context of the cluster).

Rows are written directly: these tests are about reports, not about the members' lifecycle.
"""

from __future__ import annotations

import datetime as dt
import itertools

from core.audit.services import Actor
from core.federal.compute import ComputedReport, Figure
from core.ru.identifiers import inn_with_check_digits
from tenants.members.models import Company, CooperationContract, KpiReport
from tenants.models import Cluster

_numbers = itertools.count(1)


def system(cluster: Cluster) -> Actor:
    return Actor.system(cluster)


def member(
    name: str = "", *, kind: str = Company.Kind.COMPANY, status: str = Company.Status.ACTIVE
) -> Company:
    n = next(_numbers)
    name = name or f"Участник {n}"
    return Company.objects.create(
        full_name=f"ООО «{name}»",
        short_name=name,
        kind=kind,
        status=status,
        inn=inn_with_check_digits(f"77{n + 3000:07d}"),
    )


def kpi(
    company: Company,
    year: int,
    *,
    revenue: int = 0,
    employees: int = 0,
    status: str = KpiReport.Status.ACCEPTED,
    **figures: int,
) -> KpiReport:
    return KpiReport.objects.create(
        company=company, year=year, revenue=revenue, employees=employees, status=status, **figures
    )


def contract(
    a: Company, b: Company, *, year: int, amount: int = 0, kind: str = CooperationContract.Kind.SUPPLY
) -> CooperationContract:
    return CooperationContract.objects.create(
        kind=kind,
        party_a=a,
        party_b=b,
        number=f"Д-{next(_numbers)}",
        signed_on=dt.date(year, 6, 1),
        amount_kopecks=amount,
        subject="Поставка комплектующих",
    )


def healthy_cluster(year: int, members: int = 10) -> list[Company]:
    """`members` companies, all linked by contracts, with accepted revenue: every check passes."""
    companies = [member() for _ in range(members)]
    for c in companies:
        kpi(c, year, revenue=100_000_00, employees=10)
    for a, b in zip(companies, companies[1:] + companies[:1], strict=True):
        contract(a, b, year=year, amount=30_000_00)
    return companies


def figure_of(report: ComputedReport, code: str) -> Figure:
    """The report's figure `code`, which the test expects to be on its form."""
    figure = report.figure(code)
    assert figure is not None, f"no figure {code!r} on the form"
    return figure


ENTERED = {"participants_special_territory": "2", "highlights": "Запущено серийное производство."}
