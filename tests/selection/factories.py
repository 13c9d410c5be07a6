"""Test data of the selection tests: a call open now with two criteria, applications, experts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone
from django_tenants.utils import schema_context

from core.accounts.models import Grant, User
from core.audit.services import Actor
from core.selection import services
from core.selection.models import Application, Assignment, Call
from core.selection.services import CriterionInput
from tenants.models import Cluster
from tests.federal import factories as federal
from tests.projects import factories as projects

SYSTEM = Actor.system()


def open_call(*, title: str = "PROКЛАСТЕРЫ 2026", experts: int = 2, **kwargs: object) -> Call:
    now = timezone.now()
    call = services.call_create(
        title=title,
        year=now.year,
        opens_at=now - dt.timedelta(days=1),
        closes_at=now + dt.timedelta(days=30),
        criteria=[
            CriterionInput(code="effect", name="Экономический эффект", weight=Decimal("0.6")),
            CriterionInput(code="team", name="Команда", weight=Decimal("0.4")),
        ],
        experts_per_application=experts,
        actor=SYSTEM,
        **kwargs,  # type: ignore[arg-type]
    )
    return services.call_open(call=call, actor=SYSTEM)


def live_data(cluster: Cluster) -> None:
    """Two participants of different kinds, a contract and a joint project in the cluster."""
    with schema_context(cluster.schema_name):
        a = federal.member("Альфа-Мед")
        b = federal.member("Университет", kind="university")
        federal.contract(a, b, year=timezone.now().year - 1, amount=50_000_00)
        projects.project(cluster, a, b, title="Реабилитационные тренажёры")


def submitted(call: Call, cluster: Cluster, *, goals: str = "Выпуск тренажёров") -> Application:
    application = services.application_create(call=call, cluster=cluster, actor=Actor.system(cluster))
    services.application_update(
        application=application,
        actor=Actor.system(cluster),
        data={"goals": goals, "expected_effects": [{"name": "Выручка", "unit": "млн руб.", "target": "120"}]},
    )
    return services.application_submit(application=application, actor=Actor.system(cluster))


def expert(make_user: object, call: Call, email: str | None = None) -> User:
    user: User = make_user(email=email)  # type: ignore[operator]
    services.expert_grant(call=call, expert=user, actor=SYSTEM)
    return user


def scored(assignment: Assignment, effect: int, team: int) -> Assignment:
    criteria = {c.code: c.pk for c in assignment.application.call.criteria.all()}
    actor = Actor(user=assignment.expert)
    services.scores_save(
        assignment=assignment,
        actor=actor,
        scores={criteria["effect"]: (effect, "Обосновано"), criteria["team"]: (team, "Сильная")},
    )
    return services.review_submit(assignment=assignment, actor=actor)


ROLE = Grant.Role
