"""Demo roadmaps, imported through the real importer (tenants.roadmap.services).

mosreg gets its 2018 report (seed 001, verbatim) and a plan for the current year; the other
clusters get a plan built from what their seed documents say they intend to do (nso: the
specialized organization, the strategy documents, official registration by the end of
2016 — seed 003; technopolis: seed 002; bashkortostan: seed 004). Every cluster also has
closed yearly plans for the demo reporting years (PAST_YEARS: the years of the federal demo
reports), with a repeatable share of items done, so the reports and the ministry dashboard
show a roadmap completion rate instead of «нет данных». Meeting dates not given by the seeds
are demo dates. Approval decisions are entered like the founding meeting's
(clusterhub.demo.content): as adopted decisions of a held general meeting.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from zoneinfo import ZoneInfo

from django.utils import timezone

from core.accounts.models import Grant, User
from core.audit.services import Actor
from tenants.governance import services as governance
from tenants.governance.models import Body, Decision, Meeting
from tenants.models import Cluster

from . import services
from .models import Item, Roadmap

SEED_001 = Path(__file__).resolve().parent / "demo_data" / "seed_001_roadmap_2018.txt"
# Clusters whose 2018 report (seed 001) is imported verbatim.
SEED_001_CLUSTERS = {"mosreg"}
HEADER = [
    "№",
    "Наименование мероприятия",
    "Ответственные исполнители",
    "Сроки исполнения",
    "Ожидаемый результат, примечание",
    "Результат",
]

# (number, title, executors, deadline, expected); a section row has only number and title.
PLANS: dict[str, tuple[str, str, list[tuple[str, ...]]]] = {
    "nso": (
        "Дорожная карта по оформлению медико-технологического кластера Новосибирской области на 2016 год",
        "2015-07-05/2016-12-31",
        [
            ("1.", "Специализированная организация кластера"),
            (
                "1.1.",
                "Определить организационно-правовую форму специализированной организации",
                "Мамонова Е.",
                "III квартал 2015 г.",
                "Решение общего собрания",
            ),
            (
                "1.2.",
                "Создать специализированную организацию кластера",
                "Мамонова Е., Марков Л.",
                "декабрь 2015 г.",
                "Организация зарегистрирована",
            ),
            ("2.", "Стратегические документы"),
            (
                "2.1.",
                "Разработать стратегию развития кластера",
                "Центр кластерного развития НСО",
                "I квартал 2016 г.",
                "Проект стратегии",
            ),
            (
                "2.2.",
                "Разработать программу развития кластера и план мероприятий",
                "Марков Л.",
                "II квартал 2016 г.",
                "Программа одобрена советом",
            ),
            ("3.", "Официальное оформление"),
            (
                "3.1.",
                "Подготовить документы для включения в реестр промышленных кластеров",
                "Мамонова Е.",
                "до 01 октября 2016 г.",
                "Пакет документов",
            ),
            (
                "3.2.",
                "Завершить процедуру официального оформления кластера",
                "Мамонова Е., Марков Л.",
                "до 31 декабря 2016 г.",
                "Кластер оформлен",
            ),
        ],
    ),
    "technopolis": (
        "Дорожная карта медико-технического кластера ОЭЗ «Технополис Москва» на 2026 год",
        "2026-01-01/2026-12-31",
        [
            ("1.", "Инфраструктура и производство"),
            (
                "1.1.",
                "Подготовить совместные предложения по инфраструктуре производства медицинской техники",
                "АНО «Консорциум «Медицинская техника»",
                "март 2026 г.",
                "Предложения направлены в Минпромторг России",
            ),
            (
                "1.2.",
                "Открыть производственную площадку мультибрендового производителя",
                "АО «НПО «РМед»",
                "IV квартал 2026 г.",
                "Площадка запущена",
            ),
            ("2.", "Кооперация и поддержка"),
            (
                "2.1.",
                "Распространить практику офсетных контрактов, в том числе межрегиональных",
                "Рабочая группа по кооперации участников",
                "В течение года",
                "Не менее 2 контрактов",
            ),
            (
                "2.2.",
                "Трансфер технологий и локализация высокотехнологичного оборудования",
                "АНО «Консорциум «Медицинская техника»",
                "с апреля 2026 г.",
                "Якорный проект",
            ),
            ("2.3.", "Отчёт о работе кластера для совета", "Исполнительная дирекция", "Ежеквартально", "–"),
        ],
    ),
    "bashkortostan": (
        "Дорожная карта межрегионального кластера Республики Башкортостан на 2026 год",
        "2026-01-01/2026-12-31",
        [
            ("1.", "Рост производства участников"),
            (
                "1.1.",
                "Подготовить заявки участников на поддержку по Постановлению Правительства РФ № 41",
                "Исполнительная дирекция",
                "II квартал 2026 г.",
                "Заявки поданы",
            ),
            (
                "1.2.",
                "Сформировать совместные кооперационные цепочки участников",
                "Рабочая группа по кооперации участников",
                "до 30 сентября 2026 г.",
                "Цепочки согласованы",
            ),
            ("2.", "Развитие состава кластера"),
            (
                "2.1.",
                "Принять в кластер заинтересованные предприятия (5 компаний)",
                "Исполнительная дирекция",
                "декабрь 2026 г.",
                "11 участников",
            ),
            (
                "2.2.",
                "Увеличить число инвестиционных проектов кластера",
                "Совет кластера",
                "В течение года",
                "Новые проекты в реестре",
            ),
            ("3.", "Технические средства реабилитации"),
            (
                "3.1.",
                "Улучшить технические характеристики медицинских и технических средств реабилитации",
                "Участники кластера",
                "По отдельному плану",
                "–",
            ),
        ],
    ),
    "mosreg": (
        "Дорожная карта Медико-технического кластера Московской области на 2026 год",
        "2026-01-01/2026-12-31",
        [
            ("1.", "Организация деятельности рабочих групп и комитетов"),
            (
                "1.1.",
                "Работа комитета по качеству",
                "Комитет по качеству",
                "По отдельному плану",
                "Отчёт комитета",
            ),
            (
                "1.2.",
                "Обновить состав рабочей группы по кадрам",
                "Университет «Дубна»",
                "февраль 2026 г.",
                "Состав утверждён советом",
            ),
            ("2.", "Выставки и конференции"),
            (
                "2.1.",
                "Коллективная экспозиция участников на отраслевой выставке",
                "Участники кластера",
                "8 декабря 2026 г.",
                "Стенд кластера",
            ),
            (
                "2.2.",
                "Мини-конференция по развитию медицинской промышленности",
                "Исполнительная дирекция",
                "II квартал 2026 г.",
                "Конференция проведена",
            ),
            ("3.", "Информационная деятельность"),
            (
                "3.1.",
                "Обновлять сведения об участниках на сайте кластера",
                "Исполнительная дирекция",
                "Ежемесячно",
                "–",
            ),
            (
                "3.2.",
                "Подготовить буклет и презентацию кластера",
                "Исполнительная дирекция",
                "до 30 сентября 2026 г.",
                "Буклет издан",
            ),
            ("4.", "Организационные вопросы"),
            (
                "4.1.",
                "Провести общее собрание участников",
                "Совет кластера",
                "март 2026 г.",
                "Протокол собрания",
            ),
            (
                "4.2.",
                "Подготовить отчёт о работе кластера за 2026 год",
                "Исполнительная дирекция",
                "до 15 января 2027 г.",
                "Отчёт для общего собрания",
            ),
        ],
    ),
}
# What happened by the demo's «today» (2026-11-23): the rest stays as planned (some overdue).
PROGRESS: dict[str, dict[str, tuple[str, str]]] = {
    "nso": {
        n: ("done", r)
        for n, r in (
            ("1.1.", "Выбрана форма автономной некоммерческой организации"),
            ("1.2.", "Специализированная организация создана"),
            ("2.1.", "Стратегия одобрена общим собранием"),
            ("2.2.", "Программа развития одобрена"),
            ("3.1.", "Документы направлены в Минпромторг России"),
            ("3.2.", "Кластер включён в реестр"),
        )
    },
    "technopolis": {
        "1.1.": ("done", "Предложения направлены, письмо от 28.03.2026"),
        "2.2.": ("in_progress", "Идут переговоры с двумя производителями"),
    },
    "bashkortostan": {
        "1.1.": ("done", "Поданы 4 заявки"),
        "2.2.": ("in_progress", "В реестре 3 новых проекта"),
    },
    "mosreg": {
        "1.2.": ("done", "Состав утверждён советом 20.02.2026"),
        "2.2.": ("done", "Конференция проведена 14.05.2026 в Университете «Дубна»"),
        "4.1.": ("done", "Общее собрание проведено 18.03.2026"),
    },
}


# Closed yearly plans for the demo reporting years (core.federal.demo.YEARS; kept here too,
# as the tenant layer does not import the federal one). (number, title, executors, deadline,
# expected, result when done); «{year}» and «{prev}» are filled in per year.
PAST_YEARS = (2024, 2025)
PAST_PLAN: list[tuple[str, ...]] = [
    ("1.", "Организационные вопросы"),
    (
        "1.1.",
        "Провести годовое общее собрание участников",
        "Совет кластера",
        "март {year} г.",
        "Протокол собрания",
        "Общее собрание проведено, протокол размещён на сайте",
    ),
    (
        "1.2.",
        "Подготовить отчёт о работе кластера за {prev} год",
        "Исполнительная дирекция",
        "до 15 февраля {year} г.",
        "Отчёт утверждён советом",
        "Отчёт утверждён советом кластера",
    ),
    ("2.", "Кооперация и поддержка участников"),
    (
        "2.1.",
        "Заключить кооперационные контракты между участниками",
        "Рабочая группа по кооперации участников",
        "В течение года",
        "Не менее 3 контрактов",
        "Заключено 4 контракта",
    ),
    (
        "2.2.",
        "Подготовить заявки участников на поддержку по Постановлению Правительства РФ № 41",
        "Исполнительная дирекция",
        "II квартал {year} г.",
        "Заявки поданы",
        "Поданы 3 заявки",
    ),
    (
        "2.3.",
        "Провести отраслевой семинар по импортозамещению медицинских изделий",
        "Исполнительная дирекция",
        "IV квартал {year} г.",
        "Семинар проведён",
        "Семинар проведён, 42 участника",
    ),
    ("3.", "Выставки и информационная деятельность"),
    (
        "3.1.",
        "Коллективная экспозиция участников на отраслевой выставке",
        "Участники кластера",
        "декабрь {year} г.",
        "Стенд кластера",
        "Стенд кластера, 6 участников",
    ),
    (
        "3.2.",
        "Обновлять сведения об участниках на сайте кластера",
        "Исполнительная дирекция",
        "Ежеквартально",
        "–",
        "Сведения обновлены",
    ),
    (
        "3.3.",
        "Подготовить буклет и презентацию кластера",
        "Исполнительная дирекция",
        "до 30 сентября {year} г.",
        "Буклет издан",
        "Буклет издан тиражом 500 экз.",
    ),
]


def _past_plans(actor: Actor, cluster: Cluster, zone: ZoneInfo) -> None:
    """Closed plans of the demo reporting years: items done or not done, repeatably per cluster and year."""
    for year in PAST_YEARS:
        fill = {"year": year, "prev": year - 1}
        rows = [tuple(cell.format(**fill) for cell in row[:5]) for row in PAST_PLAN]
        title = f"Дорожная карта {cluster.display_name} на {year} год"
        roadmap = _import(
            actor, cluster, title, f"{year}-01-01/{year}-12-31", rows, zone, number=f"ДК-{year}"
        )
        rng = random.Random(f"{cluster.schema_name}-{year}")  # noqa: S311 - repeatable demo outcomes
        done_share = rng.uniform(0.6, 0.95)
        for row in PAST_PLAN:
            if len(row) < 6:
                continue
            item = roadmap.items.get(number=row[0])
            if rng.random() < done_share:
                services.item_update(
                    actor=actor, item=item, status=Item.Status.DONE, actual_result=row[5].format(**fill)
                )
            else:
                services.item_update(
                    actor=actor,
                    item=item,
                    status=Item.Status.NOT_DONE,
                    actual_result=f"Не выполнено, перенесено на {year + 1} год",
                )
        services.roadmap_close(actor=actor, roadmap=roadmap)


def _table(title: str, rows: list[tuple[str, ...]]) -> bytes:
    lines = [title, "\t".join(HEADER), "\t".join(str(n) for n in range(1, 7))]
    lines += ["\t".join([*row, *[""] * (6 - len(row))]) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def _approval(*, actor: Actor, cluster: Cluster, on: dt.datetime, number: str, text: str) -> Decision:
    body = Body.objects.filter(kind=Body.Kind.GENERAL_MEETING).order_by(
        "id"
    ).first() or governance.body_create(
        actor=actor, kind=Body.Kind.GENERAL_MEETING, name="Общее собрание участников"
    )
    meeting = governance.meeting_create(
        actor=actor,
        body=body,
        held_at=on,
        number=number,
        status=Meeting.Status.HELD,
        place=cluster.base_territory or "",
        agenda=["Об утверждении дорожной карты"],
        notes="Дата и итоги голосования — демо-данные.",
    )
    return Decision.objects.create(
        meeting=meeting, number=1, kind=Decision.Kind.APPROVE_ROADMAP, text=text, votes_for=5, adopted=True
    )


def _import(
    actor: Actor,
    cluster: Cluster,
    title: str,
    period: str,
    rows: list[tuple[str, ...]],
    zone: ZoneInfo,
    number: str,
) -> Roadmap:
    start, end = (dt.date.fromisoformat(part) for part in period.split("/"))
    roadmap = services.roadmap_import_file(
        actor=actor,
        data=_table(title, rows),
        filename=f"{cluster.schema_name}.txt",
        title=title,
        period_start=start,
        period_end=end,
    )
    approved_on = dt.datetime.combine(start - dt.timedelta(days=20), dt.time(11, 0), tzinfo=zone)
    decision = _approval(
        actor=actor, cluster=cluster, on=approved_on, number=number, text=f"Утвердить «{title}»."
    )
    return services.roadmap_approve(actor=actor, roadmap=roadmap, decision=decision)


def demo_roadmaps(cluster: Cluster, *, tz: str) -> bool:
    """Fill one cluster's roadmaps (inside its schema). False when it already has one."""
    if Roadmap.objects.exists():
        return False
    zone = ZoneInfo(tz)
    admin = User.objects.filter(grants__cluster=cluster, grants__role=Grant.Role.CLUSTER_ADMIN).first()
    actor = Actor(user=admin, host=f"{cluster.schema_name}.demo", cluster=cluster)
    slug = cluster.schema_name
    if slug in SEED_001_CLUSTERS:
        report = services.roadmap_import_file(
            actor=actor, data=SEED_001.read_bytes(), filename="Отчет о работе МТК МО за 2018 год.txt"
        )
        decision = _approval(
            actor=actor,
            cluster=cluster,
            number="3",
            on=dt.datetime(2018, 2, 14, 11, 0, tzinfo=zone),
            text="Утвердить дорожную карту Медико-технического кластера Московской области на 2018 год.",
        )
        services.roadmap_close(
            actor=actor, roadmap=services.roadmap_approve(actor=actor, roadmap=report, decision=decision)
        )
    _past_plans(actor, cluster, zone)
    if slug not in PLANS:
        return True
    title, period, rows = PLANS[slug]
    roadmap = _import(actor, cluster, title, period, rows, zone, number=f"ДК-{period[:4]}")
    today = timezone.now().astimezone(zone).date()
    for number, (status, result) in PROGRESS.get(slug, {}).items():
        services.item_update(
            actor=actor, item=roadmap.items.get(number=number), status=status, actual_result=result
        )
    if roadmap.period_end < today:
        services.roadmap_close(actor=actor, roadmap=roadmap)
    return True
