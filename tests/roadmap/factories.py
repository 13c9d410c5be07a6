"""Test data of the roadmap tracking tests (call inside schema_context of the cluster).

Roadmaps come from the lead's services (import of seed 001, roadmap_create, approval). There is
no service that adds a single item with a chosen deadline (items come from an imported table),
so `item()` writes the rows directly: the tracking tests need exact deadlines relative to today.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.db.models import Max
from django.utils import timezone

from core.accounts.models import User
from core.audit.services import Actor
from tenants.governance.models import Body, Committee, Decision, Meeting
from tenants.members.models import Company
from tenants.models import Cluster
from tenants.roadmap import services
from tenants.roadmap.deadlines import DeadlineKind
from tenants.roadmap.demo import SEED_001
from tenants.roadmap.models import Executor, Item, Roadmap, Section

SEED = SEED_001  # = shared/seeds/001_54a93e4556976a7b.txt, kept with the demo data
_numbers = itertools.count(1)


def system(cluster: Cluster) -> Actor:
    return Actor.system(cluster)


def import_seed(cluster: Cluster) -> Roadmap:
    """Seed 001 (the 2018 roadmap of the Moscow Oblast cluster) through the real importer."""
    return services.roadmap_import_file(
        actor=system(cluster), data=SEED.read_bytes(), filename="seed_001.txt"
    )


def approval_decision() -> Decision:
    n = next(_numbers)
    body = Body.objects.filter(kind=Body.Kind.GENERAL_MEETING).first() or Body.objects.create(
        kind=Body.Kind.GENERAL_MEETING, name="Общее собрание участников"
    )
    meeting = Meeting.objects.create(
        body=body, number=f"ДК-{n}", held_at=timezone.now() - dt.timedelta(days=1), status=Meeting.Status.HELD
    )
    return Decision.objects.create(
        meeting=meeting,
        number=1,
        kind=Decision.Kind.APPROVE_ROADMAP,
        text="Утвердить дорожную карту кластера.",
        votes_for=5,
        adopted=True,
    )


def roadmap(
    cluster: Cluster,
    title: str = "Дорожная карта",
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> Roadmap:
    """A draft roadmap for the current year (or the given period), created by the service."""
    year = timezone.now().year
    return services.roadmap_create(
        actor=system(cluster),
        title=title,
        period_start=start or dt.date(year, 1, 1),
        period_end=end or dt.date(year, 12, 31),
    )


def approve(cluster: Cluster, plan: Roadmap) -> Roadmap:
    return services.roadmap_approve(actor=system(cluster), roadmap=plan, decision=approval_decision())


def section(plan: Roadmap, title: str = "Раздел", number: str | None = None) -> Section:
    position = (plan.sections.aggregate(n=Max("position"))["n"] or 0) + 1
    return Section.objects.create(
        roadmap=plan, number=number or f"{position}.", title=title, position=position
    )


def item(
    plan: Roadmap,
    part: Section | None = None,
    *,
    title: str = "Мероприятие",
    number: str = "",
    kind: str = DeadlineKind.DATE,
    end: dt.date | None = None,
    start: dt.date | None = None,
    status: str = Item.Status.PLANNED,
    text: str = "",
    executors: list[dict[str, Any]] | None = None,
) -> Item:
    """An item with exactly this deadline; `executors` are Executor fields (name, kind, user, ...)."""
    part = part or plan.sections.order_by("position").last() or section(plan)
    position = (plan.items.aggregate(n=Max("position"))["n"] or 0) + 1
    created = Item.objects.create(
        roadmap=plan,
        section=part,
        number=number or f"{part.number}{position}.",
        position=position,
        title=title,
        deadline_text=text or (end.strftime("%d.%m.%Y") if end else ""),
        deadline_kind=kind,
        deadline_start=start,
        deadline_end=end,
        status=status,
        executors_text=", ".join(e["name"] for e in executors or []),
    )
    for n, spec in enumerate(executors or [], start=1):
        Executor.objects.create(item=created, position=n, **spec)
    return created


def person(user: User, name: str | None = None) -> dict[str, Any]:
    return {"name": name or user.full_name, "kind": Executor.Kind.PERSON, "user": user}


def company_executor(company: Company) -> dict[str, Any]:
    return {"name": company.short_name, "kind": Executor.Kind.COMPANY, "company": company}


def committee_executor(committee: Committee) -> dict[str, Any]:
    return {"name": committee.name, "kind": Executor.Kind.COMMITTEE, "committee": committee}


def text_executor(name: str) -> dict[str, Any]:
    return {"name": name, "kind": Executor.Kind.ORGANIZATION}


def company(name: str = "Медтех") -> Company:
    return Company.objects.create(full_name=f"ООО «{name}»", short_name=name)


def committee(name: str = "Комитет по качеству") -> Committee:
    return Committee.objects.create(name=name)


def big_roadmap(cluster: Cluster, items: int, *, today: dt.date, sections: int = 5) -> Roadmap:
    """A roadmap of `items` items over `sections` sections with every deadline kind, several
    executors (people, companies, committees) and some overdue: for query-count tests."""
    plan = roadmap(cluster, f"Большая карта ({items})")
    parts = [
        Section(roadmap=plan, number=f"{n}.", title=f"Раздел {n}", position=n) for n in range(1, sections + 1)
    ]
    Section.objects.bulk_create(parts)
    org = company(f"Компания {items}")
    group = committee(f"Рабочая группа {items}")
    kinds = [
        DeadlineKind.DATE,
        DeadlineKind.MONTH,
        DeadlineKind.WHOLE_PERIOD,
        DeadlineKind.RECURRING,
        DeadlineKind.START,
        DeadlineKind.SEPARATE_PLAN,
    ]
    rows = []
    for n in range(1, items + 1):
        kind = kinds[n % len(kinds)]
        end = (
            today + dt.timedelta(days=(n % 40) - 20)
            if kind in (DeadlineKind.DATE, DeadlineKind.MONTH)
            else None
        )
        start = end.replace(day=1) if kind == DeadlineKind.MONTH and end else None
        if kind in (DeadlineKind.WHOLE_PERIOD, DeadlineKind.START):
            start, end = (plan.period_start if kind == DeadlineKind.WHOLE_PERIOD else today), plan.period_end
        rows.append(
            Item(
                roadmap=plan,
                section=parts[n % sections],
                number=f"{n % sections + 1}.{n}.",
                position=n,
                title=f"Мероприятие {n}",
                deadline_kind=kind,
                deadline_start=start,
                deadline_end=end,
                deadline_text="срок",
                status=[Item.Status.PLANNED, Item.Status.DONE, Item.Status.IN_PROGRESS][n % 3],
            )
        )
    Item.objects.bulk_create(rows)
    Executor.objects.bulk_create(
        [
            Executor(item=row, position=p, name=name, kind=kind, company=c, committee=k)
            for row in rows
            for p, (name, kind, c, k) in enumerate(
                [
                    (f"Исполнитель {row.position % 17} А.А.", Executor.Kind.PERSON, None, None),
                    (org.short_name, Executor.Kind.COMPANY, org, None),
                    (group.name, Executor.Kind.COMMITTEE, None, group),
                ][: 1 + row.position % 3],
                start=1,
            )
        ]
    )
    return plan
