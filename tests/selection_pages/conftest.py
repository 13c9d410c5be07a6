"""Fixtures of the selection pages: an open call with two criteria, and helpers to build
applications and reviews through the services (as the system)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from core.accounts.models import User
from core.audit.services import Actor
from core.selection import services
from core.selection.models import Application, Assignment, Call

SYSTEM = Actor(user=None)


def open_call(*, title: str = "PROКЛАСТЕРЫ 2026", year: int = 2026, experts: int = 2) -> Call:
    now = timezone.now()
    call = services.call_create(
        title=title,
        year=year,
        opens_at=now - dt.timedelta(days=1),
        closes_at=now + dt.timedelta(days=30),
        criteria=[
            services.CriterionInput(code="team", name="Команда проекта", weight=Decimal(2)),
            services.CriterionInput(code="effects", name="Ожидаемые эффекты", weight=Decimal(1)),
        ],
        experts_per_application=experts,
        actor=SYSTEM,
    )
    return services.call_open(call=call, actor=SYSTEM)


def submitted(call: Call, cluster: object, *, goals: str = "Рост выпуска медицинских изделий") -> Application:
    application = services.application_create(call=call, cluster=cluster, actor=SYSTEM)  # type: ignore[arg-type]
    services.application_update(application=application, data={"goals": goals}, actor=SYSTEM)
    return services.application_submit(application=application, actor=SYSTEM)


def reviewed(application: Application, expert: User, team: int, effects: int) -> Assignment:
    call = application.call
    if not call.experts.filter(expert=expert).exists():
        services.expert_grant(call=call, expert=expert, actor=SYSTEM)
    assignment = services.assignment_create(application=application, expert=expert, actor=SYSTEM)
    criteria = {c.code: c.pk for c in call.criteria.all()}
    services.scores_save(
        assignment=assignment,
        scores={
            criteria["team"]: (team, "Сильная команда"),
            criteria["effects"]: (effects, "Эффекты измеримы"),
        },
        actor=Actor(user=expert),
    )
    return services.review_submit(assignment=assignment, actor=Actor(user=expert))


@pytest.fixture
def call(db: None) -> Call:
    return open_call()
