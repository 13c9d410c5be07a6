"""Test data of the fees tests (call inside schema_context of the cluster)."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any
from zoneinfo import ZoneInfo

from core.audit.services import Actor
from tenants.fees import services
from tenants.fees.models import FeeSchedule
from tenants.governance.models import Body, Decision, Meeting
from tenants.members.models import Company, KpiReport, MembershipEvent
from tenants.models import Cluster
from tests.members import factories as mf

MSK = ZoneInfo("Europe/Moscow")
_numbers = itertools.count(1)


def fee_decision(
    *, adopted: bool = True, kind: str = Decision.Kind.SET_FEES, body_kind: str = Body.Kind.GENERAL_MEETING
) -> Decision:
    """A general-meeting decision that sets fees (rows written directly)."""
    body = Body.objects.filter(kind=body_kind).first() or Body.objects.create(
        kind=body_kind,
        name="Общее собрание участников" if body_kind == Body.Kind.GENERAL_MEETING else "Совет",
    )
    n = next(_numbers)
    meeting = Meeting.objects.create(
        body=body,
        number=f"F{n}",
        held_at=dt.datetime(2024, 12, 10, 11, tzinfo=MSK),
        status=Meeting.Status.HELD,
    )
    return Decision.objects.create(
        meeting=meeting,
        number=1,
        kind=kind,
        adopted=adopted,
        votes_for=5,
        text="Утвердить положение об уплате вступительных и членских взносов.",
    )


def schedule(cluster: Cluster, *, tiers: tuple[tuple[int, int], ...] = (), **fields: Any) -> FeeSchedule:
    fields.setdefault("name", "Положение о взносах")
    fields.setdefault("effective_from", dt.date(2025, 1, 1))
    fields.setdefault("amount_kopecks", 120_000_00)
    return services.fee_schedule_create(
        actor=Actor.system(cluster),
        decision=fields.pop("decision", None) or fee_decision(),
        tiers=tiers,
        **fields,
    )


def member(
    cluster: Cluster,
    name: str,
    *,
    admitted: dt.datetime | None = None,
    status: str = Company.Status.ACTIVE,
    **fields: Any,
) -> Company:
    """A member company (through the services), admitted at `admitted` (default: long ago)."""
    company = mf.company(cluster, name, status=status, kpp="500101001", **fields)
    MembershipEvent.objects.filter(company=company, to_status=Company.Status.ADMITTED).update(
        at=admitted or dt.datetime(2020, 3, 1, 12, tzinfo=MSK)
    )
    return company


def kpi(
    company: Company,
    year: int,
    *,
    employees: int = 0,
    revenue: int = 0,
    status: str = KpiReport.Status.ACCEPTED,
) -> KpiReport:
    return KpiReport.objects.create(
        company=company, year=year, employees=employees, revenue=revenue, status=status
    )
