"""Demo of the PROКЛАСТЕРЫ selection (a PLATFORM_DEMOS hook, after the clusters' own data).

* «PROКЛАСТЕРЫ 2025», closed, its ranking published: as in seed 004 (the defence in Omsk, May
  2025), the Bashkortostan cluster's project is the winner, the Moscow Oblast one is supported.
* «PROКЛАСТЕРЫ 2026», open: applications submitted by mosreg and bashkortostan (bashkortostan
  ahead), none yet from nso and technopolis. `expert@ministry.demo` has scored bashkortostan and
  has mosreg to do; mosreg answered the ministry's clarification (version 2).

Everything through core.selection.services, the sections frozen from each cluster's live data.
The closed call is created with an open window (the services accept applications only then), and
its window is moved back to 2025 afterwards (demo data only). Safe to run again: a call that
exists is left as it is.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from core.accounts.models import User
from core.accounts.services import user_get_or_create
from core.audit.services import Actor
from core.selection import services
from core.selection.models import Application, Call, Criterion
from tenants.models import Cluster

from .clusters import DEMO_PASSWORD

MSK = ZoneInfo("Europe/Moscow")
SYSTEM = Actor(user=None)
EXPERT = "expert@ministry.demo"
OTHER_EXPERTS = (
    ("expert2@ministry.demo", "Эксперт комиссии 2 (демо)"),
    ("expert3@ministry.demo", "Эксперт комиссии 3 (демо)"),
)
CRITERIA = [
    services.CriterionInput(
        code="relevance", name="Актуальность и соответствие целям программы", weight=Decimal(2)
    ),
    services.CriterionInput(
        code="cooperation", name="Кооперация участников и функциональная связанность", weight=Decimal(2)
    ),
    services.CriterionInput(
        code="effects", name="Измеримость и реалистичность эффектов", weight=Decimal("1.5")
    ),
    services.CriterionInput(code="team", name="Управленческая команда", weight=Decimal(1)),
]
NARRATIVES: dict[str, dict[str, Any]] = {
    "bashkortostan": {
        "goals": "Снизить зависимость от импорта технических средств реабилитации (сейчас до 74 % ассортимента) "
        "за счёт совместных цепочек участников кластера.",
        "anchor_project": "Межрегиональная производственная цепочка средств реабилитации из полимеров с поддержкой "
        "по Постановлению Правительства РФ № 41 от 28.01.2016.",
        "team": "Фонд развития промышленности Республики Башкортостан: заместитель генерального директора и "
        "Управление по развитию промышленных кластеров.",
        "expected_effects": [
            {
                "name": "Участники кластера",
                "unit": "организаций",
                "baseline": "6",
                "target": "11",
                "year": 2027,
            },
            {
                "name": "Доля отечественных изделий в ассортименте",
                "unit": "%",
                "baseline": "26",
                "target": "45",
                "year": 2028,
            },
        ],
    },
    "mosreg": {
        "goals": "Расширить выпуск медицинских изделий участниками кластера на базе ОЭЗ «Дубна».",
        "anchor_project": "Совместное производство компонентов для диагностического оборудования.",
        "team": "Специализированная организация кластера и технологический комитет.",
        "expected_effects": [
            {
                "name": "Выручка участников",
                "unit": "млн руб.",
                "baseline": "1200",
                "target": "1650",
                "year": 2027,
            },
        ],
    },
    "technopolis": {
        "goals": "Локализовать производство высокотехнологичной медицинской техники в ОЭЗ «Технополис Москва».",
        "anchor_project": "Контрактное производство электронных модулей для медицинской техники.",
        "team": "Управляющая компания ОЭЗ и консорциум «Медицинская техника».",
        "expected_effects": [
            {"name": "Новые рабочие места", "unit": "мест", "baseline": "0", "target": "120", "year": 2027},
        ],
    },
}
# Scores per criterion (relevance, cooperation, effects, team) by each expert.
SCORES_2026 = {
    "bashkortostan": ((9, 9, 8, 9), (9, 8, 8, 9), (8, 9, 9, 8)),
    "mosreg": ((7, 6, 7, 7), (6, 7, 6, 7), (7, 7, 7, 6)),
}
SCORES_2025 = {
    "bashkortostan": ((10, 9, 9, 10), (9, 9, 9, 9), (9, 10, 8, 9)),
    "mosreg": ((8, 7, 7, 8), (7, 8, 7, 7), (8, 7, 8, 7)),
    "technopolis": ((6, 5, 6, 7), (5, 6, 5, 6), (6, 6, 5, 6)),
}
# Which cluster plays which demo cluster (tests map their own clusters here).
SLUG_ALIASES: dict[str, str] = {}
OUTCOMES_2025 = {"bashkortostan": "winner", "mosreg": "supported", "technopolis": "not_supported"}


def _expert(email: str, name: str) -> User:
    user, _ = user_get_or_create(email=email, password=DEMO_PASSWORD, full_name=name)
    return user


def _call(title: str, year: int, opens_at: dt.datetime, closes_at: dt.datetime, description: str) -> Call:
    call = services.call_create(
        title=title,
        year=year,
        opens_at=opens_at,
        closes_at=closes_at,
        criteria=CRITERIA,
        required_sections=["goals", "anchor_project"],
        experts_per_application=3,
        description=description,
        outlier_spread=Decimal("2.00"),
        is_demo=True,
        actor=SYSTEM,
    )
    return services.call_open(call=call, actor=SYSTEM)


def _apply(call: Call, cluster: Cluster, slug: str) -> Application:
    application = services.application_create(call=call, cluster=cluster, actor=SYSTEM)
    services.application_update(application=application, data=NARRATIVES[slug], actor=SYSTEM)
    application = services.application_submit(application=application, actor=SYSTEM)
    Application.objects.filter(pk=application.pk).update(is_demo=True)
    return application


def _review(
    application: Application, expert: User, values: tuple[int, ...], criteria: list[Criterion]
) -> None:
    assignment = services.assignment_create(application=application, expert=expert, actor=SYSTEM)
    actor = Actor(user=expert)
    comments = (
        "Соответствует приоритетам программы.",
        "Кооперация подтверждена договорами участников.",
        "Эффекты измеримы, базовые значения указаны.",
        "Команда с опытом в отрасли.",
    )
    services.scores_save(
        assignment=assignment,
        scores={c.pk: (v, comment) for c, v, comment in zip(criteria, values, comments, strict=True)},
        actor=actor,
    )
    services.review_submit(assignment=assignment, actor=actor)


def _now_window(year: int) -> tuple[dt.datetime, dt.datetime]:
    """The year's window (February to December), stretched to include today so the call is open."""
    now = timezone.now()
    opens = min(dt.datetime(year, 2, 1, 9, 0, tzinfo=MSK), now - dt.timedelta(days=1))
    closes = max(dt.datetime(year, 12, 31, 18, 0, tzinfo=MSK), now + dt.timedelta(days=30))
    return opens, closes


@transaction.atomic
def demo_selection(clusters: list[Cluster]) -> None:
    by_slug = {SLUG_ALIASES.get(c.schema_name, c.schema_name): c for c in clusters}
    if Call.objects.filter(is_demo=True, title__startswith="PROКЛАСТЕРЫ").exists():
        return
    expert = _expert(EXPERT, "Эксперт отбора PROКЛАСТЕРЫ (демо)")
    others = [_expert(email, name) for email, name in OTHER_EXPERTS]

    # 2025: closed, ranked, decided and published.
    opens, closes = _now_window(2025)
    past = _call(
        "PROКЛАСТЕРЫ 2025",
        2025,
        opens,
        closes,
        "Отбор проектов развития промышленных кластеров; очная защита на «Днях промышленности» в Омске.",
    )
    criteria = list(past.criteria.all())
    for person in (expert, *others):
        services.expert_grant(call=past, expert=person, actor=SYSTEM)
    for slug, rows in SCORES_2025.items():
        if slug not in by_slug:
            continue
        application = _apply(past, by_slug[slug], slug)
        for person, values in zip((expert, *others), rows, strict=True):
            _review(application, person, values, criteria)
        services.decision_record(
            application=application,
            outcome=OUTCOMES_2025[slug],
            protocol_ref="Протокол экспертной комиссии № 3 от 28.05.2025",
            actor=SYSTEM,
        )
    services.call_close(call=past, actor=SYSTEM)
    services.call_publish_results(call=past, actor=SYSTEM)
    Call.objects.filter(pk=past.pk).update(
        opens_at=dt.datetime(2025, 3, 1, 9, 0, tzinfo=MSK),
        closes_at=dt.datetime(2025, 5, 15, 18, 0, tzinfo=MSK),
        results_published_at=dt.datetime(2025, 5, 28, 18, 0, tzinfo=MSK),
    )

    # 2026: open; bashkortostan and mosreg have applied, nso and technopolis not yet.
    opens, closes = _now_window(2026)
    current = _call(
        "PROКЛАСТЕРЫ 2026",
        2026,
        opens,
        closes,
        "Отбор проектов развития промышленных кластеров 2026 года. Разделы о кластере заполняются по "
        "данным платформы; описание проекта и эффекты — заявитель.",
    )
    criteria = list(current.criteria.all())
    for person in (expert, *others):
        services.expert_grant(call=current, expert=person, actor=SYSTEM)
    if "bashkortostan" in by_slug:
        bash = _apply(current, by_slug["bashkortostan"], "bashkortostan")
        for person, values in zip((expert, *others), SCORES_2026["bashkortostan"], strict=True):
            _review(bash, person, values, criteria)
    if "mosreg" in by_slug:
        mosreg = _apply(current, by_slug["mosreg"], "mosreg")
        request = services.clarification_request(
            application=mosreg,
            actor=SYSTEM,
            text="Уточните базовое значение выручки участников и год достижения эффекта.",
        )
        services.clarification_answer(
            clarification=request,
            actor=SYSTEM,
            answer="Базовое значение — выручка 2025 года (1 200 млн руб.), цель — 2027 год.",
        )
        for person, values in zip(others, SCORES_2026["mosreg"][1:], strict=True):
            _review(mosreg, person, values, criteria)
        # expert@ministry.demo has it to do.
        services.assignment_create(application=mosreg, expert=expert, actor=SYSTEM)
