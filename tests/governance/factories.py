"""Test data of the governance tests (inside a cluster schema: call within schema_context)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from core.audit.services import Actor
from tenants.governance import services
from tenants.governance.models import Body, Decision, Meeting
from tenants.members.models import Company
from tenants.models import Cluster

MSK = ZoneInfo("Europe/Moscow")
PAST = dt.datetime(2024, 3, 15, 11, 0, tzinfo=MSK)


def system(cluster: Cluster) -> Actor:
    return Actor.system(cluster)


def companies(count: int, *, status: str = Company.Status.ACTIVE, prefix: str = "Участник") -> list[Company]:
    return [
        Company.objects.create(
            full_name=f"ООО «{prefix} {i:02d}»", short_name=f"{prefix} {i:02d}", status=status
        )
        for i in range(1, count + 1)
    ]


def body(
    cluster: Cluster,
    *,
    kind: str = Body.Kind.GENERAL_MEETING,
    rule: str = Body.Quorum.MAJORITY,
    fixed: int | None = None,
    name: str = "Общее собрание участников",
) -> Body:
    return services.body_create(
        actor=system(cluster), kind=kind, name=name, quorum_rule=rule, quorum_fixed_count=fixed
    )


def meeting(
    cluster: Cluster,
    of: Body,
    *,
    held_at: dt.datetime = PAST,
    number: str = "2",
    agenda: tuple[str, ...] = ("О приёме в члены кластера", "Об утверждении дорожной карты"),
) -> Meeting:
    return services.meeting_create(
        actor=system(cluster),
        body=of,
        held_at=held_at,
        number=number,
        place="г. Дубна, ул. Университетская, 19",
        chair_name="Иванов И. И.",
        secretary_name="Петрова А. С.",
        agenda=list(agenda),
    )


def attend(cluster: Cluster, of: Meeting, present: Sequence[Company], absent: Sequence[Company] = ()) -> None:
    rows = [
        services.AttendanceRow(company=c, present=True, representative_name=f"Представитель {c.short_name}")
        for c in present
    ] + [services.AttendanceRow(company=c, present=False) for c in absent]
    services.meeting_record_attendance(meeting=of, actor=system(cluster), rows=rows)


def decide(cluster: Cluster, of: Meeting, *decisions: services.DecisionInput) -> list[Decision]:
    return services.meeting_record_decisions(meeting=of, actor=system(cluster), decisions=list(decisions))
