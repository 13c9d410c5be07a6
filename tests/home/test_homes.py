"""Homes per role («Кабинет», where signing in leads): each role sees its blocks with the numbers
of seeded data, never another cluster's, in a fixed number of queries; the wrong user is refused."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from billing.models import Invoice, Payee, Payment
from core.audit.services import Actor, audit_record
from core.clock import cluster_today
from tenants.governance.models import Body, Meeting
from tenants.home import selectors as homes
from tenants.members.models import Company, KpiReport
from tenants.models import Cluster
from tenants.roadmap.deadlines import DeadlineKind
from tenants.roadmap.models import Executor, Item, Roadmap, Section
from tests.conftest import ROLE, MakeUser, client_for, signed_in
from tests.ui.scan import internal_strings, visible_text

pytestmark = pytest.mark.django_db


def _company(name: str, status: str = Company.Status.ACTIVE) -> Company:
    return Company.objects.create(
        full_name=f"ООО «{name}»", short_name=name, status=status, status_changed_at=timezone.now()
    )


def _invoice(cluster: Cluster, company: Company, n: int, kopecks: int, status: str, paid: int = 0) -> Invoice:
    today = cluster_today(cluster)
    return Invoice.objects.create(
        cluster=cluster,
        number=f"{cluster.schema_name}-{n}",
        company_id=company.pk,
        company_name=company.short_name,
        issue_date=today - dt.timedelta(days=40),
        due_date=today - dt.timedelta(days=10)
        if status == Invoice.Status.OVERDUE
        else today + dt.timedelta(days=10),
        amount_kopecks=kopecks,
        paid_kopecks=paid,
        status=status,
        source_key=f"test:{n}",
    )


def _item(
    section: Section, n: int, *, status: str, due: dt.date | None, executor: Company | None = None
) -> Item:
    item = Item.objects.create(
        roadmap=section.roadmap,
        section=section,
        number=str(n),
        position=n,
        title=f"Мероприятие {section.roadmap.title} {n}",
        status=status,
        deadline_kind=DeadlineKind.DATE if due else DeadlineKind.NONE,
        deadline_end=due,
    )
    if executor is not None:
        Executor.objects.create(
            item=item, position=1, name=executor.short_name, kind="company", company=executor
        )
    return item


def _seed(cluster: Cluster, tag: str) -> dict[str, Company]:
    """In `cluster`: 2 debtors (one overdue), 1 payer, 4 roadmap items (1 overdue, 1 due soon,
    1 done, 1 planned later), 1 application, 1 submitted report, 1 planned meeting, 1 payment."""
    today = cluster_today(cluster)
    with schema_context(cluster.schema_name):
        debtor = _company(f"Должник {tag}")
        late = _company(f"Просрочка {tag}")
        payer = _company(f"Плательщик {tag}")
        _company(f"Заявитель {tag}", Company.Status.APPLIED)
        KpiReport.objects.create(
            company=payer, year=today.year - 1, status=KpiReport.Status.SUBMITTED, submitted_at=timezone.now()
        )
        roadmap = Roadmap.objects.create(
            title=f"Карта {tag}",
            period_start=today.replace(month=1, day=1),
            period_end=today.replace(month=12, day=31),
            status=Roadmap.Status.DRAFT,
        )
        section = Section.objects.create(roadmap=roadmap, number="1", title="Раздел", position=1)
        _item(section, 1, status=Item.Status.PLANNED, due=today - dt.timedelta(days=3), executor=debtor)
        _item(section, 2, status=Item.Status.IN_PROGRESS, due=today + dt.timedelta(days=2), executor=debtor)
        _item(section, 3, status=Item.Status.DONE, due=today - dt.timedelta(days=30))
        _item(section, 4, status=Item.Status.PLANNED, due=today + dt.timedelta(days=90))
        body = Body.objects.create(kind=Body.Kind.COUNCIL, name=f"Совет {tag}")
        Meeting.objects.create(body=body, number="7", held_at=timezone.now() + dt.timedelta(days=5))
    _invoice(cluster, debtor, 1, 100_000_00, Invoice.Status.OPEN)
    _invoice(cluster, late, 2, 30_000_00, Invoice.Status.OVERDUE, paid=10_000_00)
    paid = _invoice(cluster, payer, 3, 50_000_00, Invoice.Status.PAID, paid=50_000_00)
    Payment.objects.create(
        cluster=cluster,
        invoice=paid,
        method=Payment.Method.MANUAL,
        status=Payment.Status.SUCCEEDED,
        amount_kopecks=50_000_00,
        succeeded_at=timezone.now(),
    )
    return {"debtor": debtor, "late": late, "payer": payer}


def test_manager_home_shows_the_clusters_numbers(
    cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser
) -> None:
    _seed(cluster_a, "Альфа")
    _seed(cluster_b, "Бета")
    for role in (ROLE.CLUSTER_ADMIN, ROLE.CLUSTER_STAFF):
        html = signed_in(make_user(role, cluster_a), cluster_a).get("/cabinet/").content.decode()
        text = visible_text(html)
        assert "Задолженность участников 120\u00a0000,00\u00a0₽" in text  # 100 000 + 20 000 owed
        assert "Из неё просрочено 20\u00a0000,00\u00a0₽" in text
        assert "Просроченных счетов 1" in text and "Неоплаченных счетов 2" in text
        assert text.index("Должник Альфа") < text.index("Просрочка Альфа")  # largest debt first
        assert "Просроченные мероприятия (1)" in text and "1. Мероприятие Карта Альфа 1" in text
        assert "Ближайшие сроки (1)" in text and "2. Мероприятие Карта Альфа 2" in text
        assert "Выполнено: 1" in text and "Выполняется: 1" in text and "Просрочено: 1" in text
        assert "Заявки на вступление (1)" in text and "Заявитель Альфа" in text
        assert "Показатели ждут приёмки (1)" in text and "Плательщик Альфа" in text
        assert "Совет Альфа, № 7" in text
        assert "Собрано взносов за полгода: 50\u00a0000,00\u00a0₽" in text
        assert 'class="home-chart"' in html and "<svg" in html and "style=" not in html.split("<main")[1]
        assert "Бета" not in text
        assert not internal_strings(html)
        # no payee yet: the admin is told what to do next
        assert "реквизиты получателя платежей" in text


def test_manager_home_empty_cluster_says_what_to_do(cluster_a: Cluster, make_user: MakeUser) -> None:
    text = visible_text(
        signed_in(make_user(ROLE.CLUSTER_ADMIN, cluster_a), cluster_a).get("/cabinet/").content.decode()
    )
    for hint in (
        "Долгов нет.",
        "Дорожной карты пока нет. Загрузите её из файла или создайте вручную.",
        "Новых заявок нет. Добавить организацию",
        "Заседаний не запланировано. Запланировать заседание",
        "Часовой пояс Москва (UTC+3)",
        "Регионы Московская область",
    ):
        assert hint in text, hint


def test_member_home_shows_its_own_companys_debt_items_and_figures(
    cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser
) -> None:
    alpha = _seed(cluster_a, "Альфа")
    _seed(cluster_b, "Бета")
    Payee.objects.filter(cluster=cluster_a).delete()
    member = make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=alpha["debtor"].pk)
    html = signed_in(member, cluster_a).get("/cabinet/").content.decode()
    text = visible_text(html)
    assert "Вы представляете: Должник Альфа" in text
    assert "К оплате 100\u00a0000,00\u00a0₽" in text and "Оплатить" in text
    invoice = Invoice.objects.get(cluster=cluster_a, company_id=alpha["debtor"].pk)
    assert f'href="/billing/invoices/{invoice.pk}/#pay"' in html
    assert "Просрочка Альфа" not in text and "Плательщик Альфа" not in text  # other members' rows
    assert "1. Мероприятие Карта Альфа 1" in text and "2. Мероприятие Карта Альфа 2" in text
    assert "Мероприятие Карта Альфа 4" not in text  # not its item
    assert "Просрочено мероприятий: 1." in text
    year = cluster_today(cluster_a).year - 1
    assert f"Показатели за {year} год Должник Альфа: внесите показатели" in text
    assert "Бета" not in text
    assert "Открытых голосований нет." in text
    assert not internal_strings(html)


def test_member_home_counts_open_votes_and_the_ballot_cast(cluster_a: Cluster, make_user: MakeUser) -> None:
    with schema_context(cluster_a.schema_name):
        company = _company("Голосующий")
        body = Body.objects.create(kind=Body.Kind.COUNCIL, name="Совет")
        Meeting.objects.create(
            body=body,
            number="9",
            held_at=timezone.now() + dt.timedelta(days=3),
            form=Meeting.Form.ABSENTEE,
            published_at=timezone.now(),
            deadline=timezone.now() + dt.timedelta(days=2),
        )
    member = make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=company.pk)
    text = visible_text(signed_in(member, cluster_a).get("/cabinet/").content.decode())
    assert "Совет, № 9" in text and "Проголосовать" in text


def _real(captured: CaptureQueriesContext) -> int:
    """Queries of the data (not django-tenants' switch of the search path)."""
    return sum(1 for q in captured.captured_queries if not q["sql"].startswith("SET search_path"))


def test_homes_run_a_fixed_number_of_queries(
    cluster_a: Cluster,
) -> None:
    today = cluster_today(cluster_a)
    counts = []
    for tag in ("1", "2"):
        seeded = _seed(cluster_a, tag) if tag == "1" else None
        with schema_context(cluster_a.schema_name):
            if tag == "2":
                _seed_more = [_company(f"Ещё {n}", Company.Status.APPLIED) for n in range(5)]
                assert _seed_more
            with CaptureQueriesContext(connection) as manager:
                homes.manager_home(cluster=cluster_a, today=today)
            company_ids = frozenset(Company.objects.values_list("pk", flat=True))
            with CaptureQueriesContext(connection) as member:
                homes.member_home(cluster=cluster_a, company_ids=company_ids, today=today)
        with CaptureQueriesContext(connection) as platform:
            homes.platform_home(today=today)
        counts.append(tuple(_real(c) for c in (manager, member, platform)))
        assert seeded is not None or tag == "2"
    assert counts[0] == counts[1] == (12, 8, 5), counts


def test_platform_admin_home_lists_clusters_with_their_health(
    cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser
) -> None:
    Payee.objects.filter(cluster__in=[cluster_a, cluster_b]).delete()
    from tests.billing.conftest import make_payee

    make_payee(cluster_a)
    with schema_context(cluster_a.schema_name):
        company = _company("Активный")
        audit_record(actor=Actor.system(cluster_a), action="company.update", obj=company, changes={})
    html = signed_in(make_user(ROLE.PLATFORM_ADMIN), None).get("/cabinet/").content.decode()
    body = html.split("<tbody>")[1].split("</tbody>")[0]
    rows = [visible_text(row) for row in body.split("</tr>") if row.strip()]
    text = visible_text(html)
    assert "Кластеры и их состояние" in text
    alpha = next(r for r in rows if "Альфа" in r)
    beta = next(r for r in rows if "Бета" in r)
    assert "Московская область" in alpha and "заполнены" in alpha and "не заполнены" not in alpha
    assert "изменений не было" not in alpha
    assert "Новосибирская область" in beta and "не заполнены" in beta and "изменений не было" in beta
    assert "не отправлен" in alpha and "не отправлен" in beta
    assert not internal_strings(html)


def test_platform_admin_cluster_list_sorts_filters_and_pages(
    cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    from frontend.home import views as home_views
    from tests.billing.conftest import make_payee

    Payee.objects.filter(cluster__in=[cluster_a, cluster_b]).delete()
    make_payee(cluster_a)
    root = signed_in(make_user(ROLE.PLATFORM_ADMIN), None)
    alpha, beta = "Кластер Альфа (тест)", "Кластер Бета (тест)"

    def shown(url: str) -> list[str]:
        html = root.get(url).content.decode()
        body = html.split("<tbody>")[1]
        return sorted((n for n in (alpha, beta) if n in body), key=body.index)

    assert shown("/cabinet/") == [alpha, beta]
    assert shown("/cabinet/?sort=-name") == [beta, alpha]
    assert shown("/cabinet/?sort=billing") == [beta, alpha]  # not filled in first
    assert shown("/cabinet/?attention=billing") == [beta]
    assert shown("/cabinet/?q=альфа") == [alpha]
    assert shown("/cabinet/?q=" + cluster_b.schema_name) == [beta]
    html = root.get("/cabinet/?q=Гамма").content.decode()
    assert "Найдено кластеров: 0" in html and "Ничего не найдено." in html
    monkeypatch.setattr(home_views, "HEALTH_PAGE_SIZE", 1)
    second = root.get("/cabinet/?sort=-name&page=2").content.decode()
    assert "Страница 2 из 2" in second and alpha in second.split("<tbody>")[1]
    assert beta not in second.split("<tbody>")[1]


def test_who_may_open_which_home(cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser) -> None:
    _seed(cluster_a, "Альфа")
    assert client_for(cluster_a).get("/cabinet/")["Location"].startswith("/login/?next=/cabinet/")
    nobody = make_user()
    assert client_for(cluster_a).post("/login/", {"email": nobody.email, "password": "x"}).status_code == 200
    admin_b = signed_in(make_user(ROLE.CLUSTER_ADMIN, cluster_b), cluster_b)
    refused = admin_b.get("/cabinet/", HTTP_HOST="alpha.localhost")
    assert refused.status_code in (302, 403) and "Должник Альфа" not in refused.content.decode()
    # the platform host: anonymous to the login page; a plain user to its clusters; ministry to its dashboard
    assert client_for(None).get("/cabinet/")["Location"].startswith("/login/?next=/cabinet/")
    assert signed_in(nobody, None).get("/cabinet/")["Location"] == "/my/"
    ministry = signed_in(make_user(ROLE.MINISTRY_FEDERAL), None).get("/cabinet/")
    assert ministry.status_code == 302 and ministry["Location"] == "/ministry/"
    other_admin = signed_in(make_user(ROLE.CLUSTER_ADMIN, cluster_a), cluster_a)
    grant_free = signed_in(make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_b), cluster_b)
    assert "Должник Альфа" not in grant_free.get("/cabinet/").content.decode()
    assert other_admin.get("/cabinet/").status_code == 200


def test_signing_in_leads_to_the_roles_home(cluster_a: Cluster, make_user: MakeUser) -> None:
    from tests.conftest import PASSWORD

    admin = make_user(ROLE.CLUSTER_ADMIN, cluster_a)
    response = client_for(cluster_a).post("/login/", {"email": admin.email, "password": PASSWORD})
    assert response["Location"] == "/cabinet/"
    root = make_user(ROLE.PLATFORM_ADMIN)
    response = client_for(None).post("/login/", {"email": root.email, "password": PASSWORD})
    assert response["Location"] == "/cabinet/"
    response = client_for(cluster_a).post(
        "/login/", {"email": admin.email, "password": PASSWORD, "next": "/members/"}
    )
    assert response["Location"] == "/members/"


def test_member_card_says_since_when_by_its_history(cluster_a: Cluster, make_user: MakeUser) -> None:
    from tenants.members.models import MembershipEvent

    with schema_context(cluster_a.schema_name):
        company = _company("Старожил")  # marked changed today, as an import or the demo would
        MembershipEvent.objects.create(
            company=company,
            from_status=Company.Status.ADMITTED,
            to_status=Company.Status.ACTIVE,
            at=dt.datetime(2023, 3, 16, 10, tzinfo=dt.UTC),
        )
    text = visible_text(
        signed_in(make_user(ROLE.CLUSTER_ADMIN, cluster_a), cluster_a)
        .get(f"/members/{company.pk}/")
        .content.decode()
    )
    assert "Статус: Действующий участник (с 16.03.2023)" in text
    assert cluster_today(cluster_a).strftime("(с %d.%m.%Y)") not in text


def test_my_invoices_offer_pay_and_the_receipt(cluster_a: Cluster, make_user: MakeUser) -> None:
    seeded = _seed(cluster_a, "Альфа")
    with schema_context(cluster_a.schema_name):
        Invoice.objects.filter(company_id=seeded["payer"].pk).update(company_id=seeded["debtor"].pk)
    member = make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=seeded["debtor"].pk)
    html = signed_in(member, cluster_a).get("/billing/invoices/").content.decode()
    unpaid = Invoice.objects.get(cluster=cluster_a, number="alpha-1")
    paid = Invoice.objects.get(cluster=cluster_a, number="alpha-3")
    assert f'href="/billing/invoices/{unpaid.pk}/#pay">Оплатить</a>' in html
    assert f'href="/billing/invoices/{paid.pk}/receipt/">Квитанция</a>' in html
    assert f'href="/billing/invoices/{paid.pk}/#pay"' not in html
    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a).get("/billing/invoices/")
    assert ">Оплатить</a>" not in staff.content.decode()  # the cluster's staff does not pay members' bills
