"""Test data of the joint projects tests (call inside schema_context of the cluster)."""

from __future__ import annotations

import datetime as dt
import itertools

from core.audit.services import Actor
from core.ru.identifiers import inn_with_check_digits
from tenants.members.models import Company, MembershipEvent
from tenants.models import Cluster
from tenants.projects import services
from tenants.projects.models import JointProject, ProjectParticipant

_numbers = itertools.count(1)
START, END = dt.date(2024, 1, 1), dt.date(2026, 12, 31)


def member(name: str = "", *, status: str = Company.Status.ACTIVE) -> Company:
    n = next(_numbers)
    return Company.objects.create(
        full_name=f"ООО «{name or n}»",
        short_name=name or f"Участник {n}",
        status=status,
        inn=inn_with_check_digits(f"78{n + 5000:07d}"),
    )


def admitted_on(company: Company, day: dt.datetime) -> None:
    MembershipEvent.objects.create(company=company, from_status="applied", to_status="admitted", at=day)


def project(cluster: Cluster, lead: Company, *others: Company, title: str = "Проект") -> JointProject:
    return services.project_create(
        actor=Actor.system(cluster),
        title=title,
        kind=JointProject.Kind.IMPORT_SUBSTITUTION,
        period_start=START,
        period_end=END,
        participants=[
            (lead, ProjectParticipant.Role.LEAD),
            *[(c, ProjectParticipant.Role.PARTICIPANT) for c in others],
        ],
    )
