"""Test data of the members tests (call inside schema_context of the cluster)."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

from core.audit.services import Actor
from core.ru.identifiers import inn_with_check_digits, ogrn_with_check_digit
from tenants.governance.models import Body, Decision, Meeting
from tenants.members import services
from tenants.members.models import Company
from tenants.models import Cluster

MSK = ZoneInfo("Europe/Moscow")
PAST = dt.datetime(2024, 3, 15, 11, 0, tzinfo=MSK)
_numbers = itertools.count(1)


def system(cluster: Cluster) -> Actor:
    return Actor.system(cluster)


def inn(n: int | None = None) -> str:
    """A valid 10-digit INN, different for every call (or for every n)."""
    return inn_with_check_digits(f"50{(n if n is not None else next(_numbers) + 5000):07d}")


def ogrn(n: int) -> str:
    return ogrn_with_check_digit(f"10250{n:07d}")


def company(
    cluster: Cluster, name: str = "Медтех", *, status: str = Company.Status.INTERESTED, **fields: Any
) -> Company:
    """A company created through the service (with its first history row), then put in `status`."""
    fields.setdefault("inn", inn())
    created = services.company_create(
        actor=system(cluster), full_name=f"ООО «{name}»", short_name=name, **fields
    )
    if status != Company.Status.INTERESTED:
        move_to(cluster, created, status)
        created.refresh_from_db()
    return created


def admission(
    company: Company, *, adopted: bool = True, number: int | None = None, held_at: dt.datetime | None = None
) -> Decision:
    """An admission decision of a general meeting about the company (rows written directly),
    taken now unless `held_at` says otherwise."""
    body = Body.objects.filter(kind=Body.Kind.GENERAL_MEETING).first() or Body.objects.create(
        kind=Body.Kind.GENERAL_MEETING, name="Общее собрание участников"
    )
    n = number or next(_numbers)
    meeting = Meeting.objects.create(
        body=body, number=str(n), held_at=held_at or timezone.now(), status=Meeting.Status.HELD
    )
    return Decision.objects.create(
        meeting=meeting,
        number=1,
        kind=Decision.Kind.ADMIT_MEMBER,
        text=f"Принять «{company}» в члены кластера.",
        subject_company=company,
        votes_for=3,
        adopted=adopted,
    )


def move_to(cluster: Cluster, company: Company, status: str) -> None:
    """Walk the lifecycle to `status` the legal way."""
    actor = system(cluster)
    path = {
        Company.Status.APPLIED: ["apply"],
        Company.Status.ADMITTED: ["apply", "admit"],
        Company.Status.ACTIVE: ["apply", "admit", "activate"],
        Company.Status.SUSPENDED: ["apply", "admit", "activate", "suspend"],
        Company.Status.WITHDRAWN: ["apply", "admit", "activate", "withdraw"],
        Company.Status.EXPELLED: ["apply", "admit", "activate", "expel"],
    }[Company.Status(status)]
    for step in path:
        if step == "admit":
            services.member_admit(company=company, decision=admission(company), actor=actor)
        elif step in ("suspend", "expel"):
            services.LIFECYCLE_SERVICES[step](company=company, actor=actor, reason="Неуплата взносов")
        else:
            services.LIFECYCLE_SERVICES[step](company=company, actor=actor)
