"""The demo orchestration: the four clusters of the seeds, one user per role, a few news
items, then every area's demo hook (settings.CLUSTER_DEMOS inside each cluster,
settings.PLATFORM_DEMOS on the public schema).

Real organizations appear only with facts from the seed documents; nothing here
invents identifiers. Running it again changes nothing that exists.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tenants.utils import schema_context

from billing.models import Invoice
from core.accounts.models import Grant, User
from core.accounts.services import grant_role, user_get_or_create
from core.accounts.twofactor import totp_device_of, totp_secret
from tenants.content.models import News
from tenants.content.services import news_create
from tenants.members.models import Company
from tenants.models import Cluster
from tenants.selectors import cluster_get_by_slug
from tenants.services import cluster_provision

DEMO_PASSWORD = "clusterhub-demo"  # noqa: S105 - documented demo-only password
MSK = ZoneInfo("Europe/Moscow")


@dataclass
class DemoCluster:
    slug: str
    name: str
    short_name: str
    region_codes: list[str]
    kind: str
    base_territory: str = ""
    specialized_organization: str = ""
    registry_status: str = Cluster.RegistryStatus.NOT_APPLIED
    news: list[tuple[dt.datetime, str, str]] = field(default_factory=list)


CLUSTERS = [
    DemoCluster(
        slug="mosreg",
        name="Медико-технический кластер Московской области",
        short_name="МТК МО",
        region_codes=["RU-MOS"],
        kind=Cluster.Kind.REGIONAL,
        base_territory="ОЭЗ «Дубна»",
        news=[
            (
                dt.datetime(2017, 2, 16, 12, 0, tzinfo=MSK),
                "Утверждена «Дорожная карта» Медико-технического кластера Московской области",
                "На общем собрании Медико-технического кластера Московской области утвердили «дорожную "
                "карту», которая определяет стратегию развития кластера до 1 октября 2017 года.",
            )
        ],
    ),
    DemoCluster(
        slug="technopolis",
        name="Медико-технический кластер ОЭЗ «Технополис Москва»",
        short_name="МТК «Технополис Москва»",
        region_codes=["RU-MOW"],
        kind=Cluster.Kind.REGIONAL,
        base_territory="ОЭЗ «Технополис Москва»",
        news=[
            (
                dt.datetime(2017, 6, 2, 12, 0, tzinfo=MSK),
                "Подписано соглашение о создании медико-технического кластера в ОЭЗ «Технополис Москва»",
                "Департамент инвестиционной и промышленной политики Москвы, Минпромторг России и АНО "
                "«Консорциум «Медицинская техника» договорились о взаимодействии по развитию производства "
                "высокотехнологичной медицинской техники.",
            )
        ],
    ),
    DemoCluster(
        slug="nso",
        name="Медико-технологический кластер Новосибирской области",
        short_name="МТК НСО",
        region_codes=["RU-NVS"],
        kind=Cluster.Kind.REGIONAL,
        base_territory="Медицинский технопарк",
        news=[
            (
                dt.datetime(2016, 7, 5, 12, 0, tzinfo=ZoneInfo("Asia/Novosibirsk")),
                "Собрание, посвящённое созданию медико-технологического кластера Новосибирской области",
                "В Медицинском технопарке состоялось общее собрание потенциальных участников кластера: "
                "обсудили функциональную связанность участников и «дорожную карту» по оформлению кластера.",
            )
        ],
    ),
    DemoCluster(
        slug="bashkortostan",
        name="Межрегиональный кластер средств реабилитации",
        short_name="Кластер средств реабилитации",
        region_codes=["RU-BA"],
        kind=Cluster.Kind.INTERREGIONAL,
        specialized_organization="Фонд развития промышленности Республики Башкортостан",
        registry_status=Cluster.RegistryStatus.APPLIED,
        news=[
            (
                dt.datetime(2025, 5, 28, 12, 0, tzinfo=ZoneInfo("Asia/Yekaterinburg")),
                "Проект кластера занял I место в программе «PROКЛАСТЕРЫ»",
                "На очной сессии защиты проектов в Омске управленческая команда Республики Башкортостан "
                "стала победителем. В кластер вошло 6 участников, заинтересованность проявили ещё 5 предприятий.",
            )
        ],
    ),
]

TIME_ZONES = {"nso": "Asia/Novosibirsk", "bashkortostan": "Asia/Yekaterinburg"}


@dataclass
class DemoLogin:
    email: str
    role: str
    where: str
    note: str = ""  # printed under the login (the TOTP secret of secure@ministry.demo)


def _user(email: str, full_name: str) -> User:
    user, _ = user_get_or_create(email=email, password=DEMO_PASSWORD, full_name=full_name)
    return user


def demo_secure_login() -> DemoLogin:
    """secure@ministry.demo: a federal ministry user with TOTP enrolled, always asked for a code
    (demo only: its secret is printed by `make demo`)."""
    user = _user("secure@ministry.demo", "Аналитик министерства с двухфакторным входом (демо)")
    grant_role(user=user, role=Grant.Role.MINISTRY_FEDERAL)
    device = totp_device_of(user)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Демо-приложение", confirmed=True)
    return DemoLogin(
        "secure@ministry.demo",
        f"{Grant.Role.MINISTRY_FEDERAL.label}, вход с кодом TOTP",
        "платформа",
        note=f"секрет TOTP (демо): {totp_secret(device)}",
    )


def demo_setup() -> list[DemoLogin]:
    logins: list[DemoLogin] = []
    clusters: list[Cluster] = []
    for spec in CLUSTERS:
        cluster = cluster_get_by_slug(slug=spec.slug)
        if cluster is None:
            cluster = cluster_provision(
                slug=spec.slug,
                name=spec.name,
                short_name=spec.short_name,
                region_codes=spec.region_codes,
                kind=spec.kind,
                base_territory=spec.base_territory,
                specialized_organization=spec.specialized_organization,
                time_zone=TIME_ZONES.get(spec.slug, "Europe/Moscow"),
            )
            Cluster.objects.filter(pk=cluster.pk).update(registry_status=spec.registry_status)
        for prefix, role, title in (
            ("admin", Grant.Role.CLUSTER_ADMIN, "Администратор"),
            ("staff", Grant.Role.CLUSTER_STAFF, "Сотрудник"),
        ):
            email = f"{prefix}@{spec.slug}.demo"
            grant_role(user=_user(email, f"{title} ({spec.short_name}, демо)"), role=role, cluster=cluster)
            logins.append(DemoLogin(email, str(Grant.Role(role).label), spec.slug))
        with schema_context(cluster.schema_name), transaction.atomic():
            for when, title, body in spec.news:
                if not News.objects.filter(title=title).exists():
                    news_create(title=title, body=body, published_at=when)
            for path in settings.CLUSTER_DEMOS:
                import_string(path)(cluster, tz=TIME_ZONES.get(spec.slug, "Europe/Moscow"))
            # The member representative speaks for a member company with an unpaid invoice (so
            # «Мои счета» has something to pay), else the first member company.
            unpaid = set(
                Invoice.objects.filter(
                    cluster=cluster, status__in=["open", "overdue", "partially_paid"]
                ).values_list("company_id", flat=True)
            )
            members = Company.objects.filter(status=Company.Status.ACTIVE).order_by("id")
            company = members.filter(pk__in=unpaid).first() or members.first()
        email = f"member@{spec.slug}.demo"
        grant_role(
            user=_user(email, f"Представитель участника ({spec.short_name}, демо)"),
            role=Grant.Role.MEMBER_REPRESENTATIVE,
            cluster=cluster,
            company_id=company.pk if company else None,
        )
        logins.append(
            DemoLogin(email, f"{Grant.Role.MEMBER_REPRESENTATIVE.label}: {company or '—'}", spec.slug)
        )
        clusters.append(cluster)
    grant_role(
        user=_user("federal@ministry.demo", "Аналитик министерства (демо)"), role=Grant.Role.MINISTRY_FEDERAL
    )
    logins.append(DemoLogin("federal@ministry.demo", str(Grant.Role.MINISTRY_FEDERAL.label), "платформа"))
    grant_role(
        user=_user("regional@ministry.demo", "Региональный аналитик (демо)"),
        role=Grant.Role.MINISTRY_REGIONAL,
        region_codes=["RU-MOS", "RU-MOW"],
    )
    logins.append(
        DemoLogin(
            "regional@ministry.demo",
            str(Grant.Role.MINISTRY_REGIONAL.label) + " (RU-MOS, RU-MOW)",
            "платформа",
        )
    )
    grant_role(user=_user("root@platform.demo", "Оператор платформы (демо)"), role=Grant.Role.PLATFORM_ADMIN)
    logins.append(DemoLogin("root@platform.demo", str(Grant.Role.PLATFORM_ADMIN.label), "платформа"))
    logins.append(demo_secure_login())
    for path in settings.PLATFORM_DEMOS:
        import_string(path)(clusters)
    if User.objects.filter(email="expert@ministry.demo").exists():  # the selection's demo expert
        logins.append(DemoLogin("expert@ministry.demo", "эксперт отбора PROКЛАСТЕРЫ", "платформа"))
    return logins
