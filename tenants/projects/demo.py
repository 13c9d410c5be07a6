"""Demo joint projects (CLUSTER_DEMOS hook): 2–4 per cluster from its seed document's themes,
the first with a Decree No. 41 subsidy (tranches in 2025) and a target indicator short of plan,
so the annual report and the ministry dashboard show support and shortfalls. Safe to run again."""

from __future__ import annotations

import datetime as dt

from core.audit.services import Actor
from tenants.governance.models import Decision
from tenants.members.models import Company
from tenants.models import Cluster

from . import services
from .models import JointProject, ProjectParticipant

LEAD, PART, SUPPLIER = (
    ProjectParticipant.Role.LEAD,
    ProjectParticipant.Role.PARTICIPANT,
    ProjectParticipant.Role.SUPPLIER,
)
START, END = dt.date(2024, 1, 1), dt.date(2026, 12, 31)

# (title, kind, description) per cluster, from /work/shared/seeds (demo wording, no real identifiers).
THEMES: dict[str, list[tuple[str, str, str]]] = {
    "mosreg": [
        (
            "Серийное производство медицинских изделий в ОЭЗ «Дубна» (импортозамещение)",
            "import_substitution",
            "Совместный выпуск медицинских изделий резидентами ОЭЗ «Дубна» взамен импортных (демо).",
        ),
        (
            "Поставки комплектующих для медицинской техники участникам кластера",
            "product_supply",
            "Кооперационные поставки продукции кластера между участниками (демо).",
        ),
        (
            "Испытательная лаборатория медицинских изделий в Дубне",
            "infrastructure",
            "Общая инфраструктура для испытаний перед регистрацией изделий (демо).",
        ),
    ],
    "nso": [
        (
            "Центр стерилизации медицинских изделий в Медицинском технопарке",
            "infrastructure",
            "Общий центр стерилизации для участников кластера Новосибирской области (демо).",
        ),
        (
            "Совместная разработка многоразового хирургического инструмента",
            "joint_rnd",
            "НИОКР участников под стерилизацию в общем центре (демо).",
        ),
    ],
    "bashkortostan": [
        (
            "Производство реабилитационного оборудования (импортозамещение)",
            "import_substitution",
            "Выпуск реабилитационных тренажёров и изделий взамен импортных (демо).",
        ),
        (
            "Совместные НИОКР по роботизированным средствам реабилитации",
            "joint_rnd",
            "Разработка роботизированных средств реабилитации участниками межрегионального кластера (демо).",
        ),
    ],
    "technopolis": [
        (
            "Трансфер технологий и локализация высокотехнологичного медицинского оборудования",
            "import_substitution",
            "Якорный проект кластера в ОЭЗ «Технополис Москва» (демо).",
        ),
        (
            "Инфраструктура производства медицинской техники в ОЭЗ «Технополис Москва»",
            "infrastructure",
            "Совместные предложения по инфраструктуре нового медико-технического кластера (демо).",
        ),
    ],
}


def _members(start: dt.date, end: dt.date) -> list[Company]:
    return [
        c
        for c in Company.objects.filter(status=Company.Status.ACTIVE).order_by("id")
        if services.membership_problem(c, start, end) is None
    ]


def demo_projects(cluster: Cluster, *, tz: str) -> None:
    if JointProject.objects.filter(is_demo=True).exists():
        return
    companies = _members(START, END)
    themes = THEMES.get(cluster.schema_name, THEMES["technopolis"])
    if len(companies) < 3:
        return
    actor = Actor.system(cluster)
    decision = Decision.objects.filter(adopted=True).order_by("-meeting__held_at", "-id").first()
    for n, (title, kind, description) in enumerate(themes):
        lead, *rest = companies[n:] + companies[:n]
        participants = [(lead, LEAD), (rest[0], PART), (rest[1], SUPPLIER)]
        project = services.project_create(
            actor=actor,
            title=title,
            kind=kind,
            description=description,
            period_start=START,
            period_end=END,
            participants=participants,
            product_ids=lead.products.values_list("pk", flat=True),
            is_demo=True,
        )
        if decision is not None:
            services.project_set_status(project=project, actor=actor, status="approved", decision=decision)
            services.project_set_status(project=project, actor=actor, status="in_progress")
        base = (n + 2) * 40_000_000_00
        for year in project.years:
            services.budget_set(
                project=project, actor=actor, year=year, source="own_funds", amount_kopecks=base // 3
            )
            if n == 0:
                services.budget_set(
                    project=project,
                    actor=actor,
                    year=year,
                    source="federal_subsidy",
                    amount_kopecks=base // 6,
                )
        for year, actual_share in ((2024, 105), (2025, 78 if n == 0 else 96)):
            planned = base // 2
            for kind, plan in (("output_volume", planned), ("new_jobs", 12 + 4 * n)):
                actual = plan * actual_share // 100
                ind = services.indicator_create(
                    project=project, actor=actor, year=year, kind=kind, planned=plan, actual=actual
                )
                services.indicator_submit(indicator=ind, actor=actor)
                services.indicator_accept(indicator=ind, actor=actor)
        if n == 0:
            application = services.support_create(
                project=project,
                company=lead,
                actor=actor,
                measure="decree_41",
                amount_requested_kopecks=60_000_000_00,
                submitted_on=dt.date(2024, 9, 16),
                is_demo=True,
            )
            services.support_decide(
                application=application,
                actor=actor,
                decision="granted",
                decided_on=dt.date(2024, 12, 10),
                amount_granted_kopecks=45_000_000_00,
                decision_note="Субсидия на компенсацию затрат совместного проекта (демо).",
            )
            for day, amount in (
                (dt.date(2025, 3, 20), 20_000_000_00),
                (dt.date(2025, 10, 15), 15_000_000_00),
            ):
                services.tranche_add(
                    application=application,
                    actor=actor,
                    received_on=day,
                    amount_kopecks=amount,
                    note="Демо-транш",
                )
        elif n == 1:
            services.support_create(
                project=project,
                company=lead,
                actor=actor,
                measure="regional_programme",
                amount_requested_kopecks=8_000_000_00,
                submitted_on=dt.date(2025, 11, 5),
                is_demo=True,
            )
