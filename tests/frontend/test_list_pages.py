"""Every list page follows one pattern (frontend.tables.list_controls, issue 14 item 3): a header
link sorts by an allow-listed column and flips it, an unknown ?sort= falls back to the default
order, the labelled filter bar narrows the rows, the caption counts them, pages have a pager,
and an empty list says what to do. Refusals stay as they were, in one table (LIST_REFUSALS) for
the lists here and in the fees, members and governance list tests: another cluster's admin, an
account without the role and the anonymous visitor get no list, whatever the query string."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from billing.statements.models import BankStatement, BankStatementLine
from core.audit.models import AuditEntry
from core.audit.services import Actor, audit_record
from core.selection.models import Call
from tenants.content.models import News
from tenants.content.services import news_create
from tenants.events.models import Event
from tenants.events.services import event_create
from tenants.models import Cluster
from tenants.roadmap.models import Roadmap
from tests.conftest import ROLE, MakeUser, client_for, signed_in
from tests.roadmap import factories as roadmaps
from tests.selection_pages.conftest import open_call

pytestmark = pytest.mark.django_db
MEMBER = ROLE.MEMBER_REPRESENTATIVE


def order(html: str, *names: str) -> list[str]:
    """The given names in the order the page shows them (each must be on the page)."""
    missing = [n for n in names if n not in html]
    assert not missing, missing
    return sorted(names, key=html.index)


def text(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def refused(client: Client, url: str) -> bool:
    return client.get(url).status_code in {302, 403, 404}


def carried(source: Client, to: Client) -> Client:
    to.cookies[settings.SESSION_COOKIE_NAME] = source.cookies[settings.SESSION_COOKIE_NAME].value
    return to


def outsiders(cluster_b: Cluster, make_user: MakeUser, cluster_a: Cluster) -> list[Client]:
    """Beta's admin (signed in on beta's host) and an account with no role anywhere (signed in
    on the platform host), both coming to alpha's host."""
    return [
        carried(signed_in(make_user(ROLE.CLUSTER_ADMIN, cluster_b), cluster_b), client_for(cluster_a)),
        carried(signed_in(make_user(), None), client_for(cluster_a)),
    ]


def refused_to_all(
    cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser, url: str, *roles: str
) -> None:
    """Beta's admin, an account with no role, the anonymous visitor and alpha's `roles` (say
    its member representative, on a staff-only list) get no page at alpha's `url`."""
    clients = [*outsiders(cluster_b, make_user, cluster_a), client_for(cluster_a)]
    clients += [signed_in(make_user(role, cluster_a), cluster_a) for role in roles]
    for client in clients:
        assert refused(client, url), url


# Who gets no list, whatever the query string: {name: (url, the alpha role that gets it, alpha's
# roles refused besides beta's admin, an account without a role and the anonymous visitor)}.
# The allowed role gets the same URL, so a refusal is of the page, never of a wrong address. A
# member representative not refused sees its own company's rows (each list's test shows that);
# lists behind a row's id (a statement's lines, a meeting's ballots) keep theirs in their tests.
LIST_REFUSALS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "roadmaps": ("/roadmap/?sort=title&q=Вега", ROLE.CLUSTER_STAFF, ()),
    "audit": ("/audit/?object_type=content.news&sort=who", ROLE.CLUSTER_ADMIN, (ROLE.CLUSTER_STAFF,)),
    "statement-queue": ("/fees/statements/queue/?sort=amount", ROLE.CLUSTER_STAFF, (MEMBER,)),
    "news-manage": ("/site/manage/news/?state=draft", ROLE.CLUSTER_STAFF, (MEMBER,)),
    "news": ("/news/?state=draft", ROLE.CLUSTER_STAFF, (MEMBER,)),
    "exemptions": ("/fees/exemptions/?sort=percent", ROLE.CLUSTER_STAFF, (MEMBER,)),
    "schedules": ("/fees/?sort=name&q=Взносы", ROLE.CLUSTER_STAFF, (MEMBER,)),
    "runs": ("/fees/runs/?sort=amount&status=done", ROLE.CLUSTER_STAFF, (MEMBER,)),
    "arrears": ("/fees/arrears/?sort=company&debtors=1", ROLE.CLUSTER_STAFF, (MEMBER,)),
    "statements": ("/fees/statements/?sort=credits&status=applied", ROLE.CLUSTER_STAFF, (MEMBER,)),
    "products": ("/members/products/?sort=company&q=Аппарат", ROLE.CLUSTER_STAFF, ()),
    "contracts": ("/members/contracts/?sort=-amount", ROLE.CLUSTER_ADMIN, ()),
    "figures": ("/members/kpis/?sort=-revenue", ROLE.CLUSTER_STAFF, ()),
    "proxies": ("/governance/proxies/?sort=valid&status=pending", ROLE.CLUSTER_STAFF, ()),
    "consents": ("/privacy/?sort=purpose&q=Борисов", ROLE.CLUSTER_ADMIN, (MEMBER,)),
}


@pytest.mark.parametrize(("url", "allowed", "roles"), LIST_REFUSALS.values(), ids=LIST_REFUSALS)
def test_lists_refuse_other_clusters_no_role_and_anonymous(
    cluster_a: Cluster,
    cluster_b: Cluster,
    make_user: MakeUser,
    url: str,
    allowed: str,
    roles: tuple[str, ...],
) -> None:
    assert "<caption>" in text(signed_in(make_user(allowed, cluster_a), cluster_a), url)
    refused_to_all(cluster_a, cluster_b, make_user, url, *roles)


# --- roadmaps ---------------------------------------------------------------------------------


def test_roadmap_list_sorts_filters_pages(
    cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser
) -> None:
    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    assert "Дорожных карт пока нет." in text(staff, "/roadmap/")
    with schema_context(cluster_a.schema_name):
        for title, year in (("Альфа-карта", 2024), ("Бета-карта", 2026), ("Вега-карта", 2025)):
            roadmaps.roadmap(cluster_a, title, start=dt.date(year, 1, 1), end=dt.date(year, 12, 31))
    default = text(staff, "/roadmap/")
    assert "Найдено дорожных карт: 3" in default and 'aria-sort="descending"' in default
    assert order(default, "Альфа-карта", "Бета-карта", "Вега-карта") == [
        "Бета-карта",
        "Вега-карта",
        "Альфа-карта",
    ]
    assert order(text(staff, "/roadmap/?sort=title"), "Бета-карта", "Альфа-карта", "Вега-карта") == [
        "Альфа-карта",
        "Бета-карта",
        "Вега-карта",
    ]
    by_title_desc = text(staff, "/roadmap/?sort=-title")
    assert order(by_title_desc, "Альфа-карта", "Вега-карта") == ["Вега-карта", "Альфа-карта"]
    unknown = text(staff, "/roadmap/?sort=period_start;drop")
    assert order(unknown, "Альфа-карта", "Бета-карта") == ["Бета-карта", "Альфа-карта"]  # the default
    found = text(staff, "/roadmap/?q=Вега&sort=title")
    assert "Найдено дорожных карт: 1" in found and "Альфа-карта" not in found
    assert '<input type="hidden" name="sort" value="title">' in found  # the filter form keeps the sort
    assert "<label>Поиск<input" in found and "<label>Статус<select" in found
    nothing = text(staff, "/roadmap/?q=нет-такой")
    assert "Ничего не найдено." in nothing and "Сбросить фильтры" in nothing
    with schema_context(cluster_a.schema_name):
        for n in range(24):
            roadmaps.roadmap(
                cluster_a, f"Карта № {n:02d}", start=dt.date(2020, 1, 1), end=dt.date(2020, 12, 31)
            )
    first = text(staff, "/roadmap/?sort=title")
    assert "Найдено дорожных карт: 27" in first and "Страница 1 из 2" in first
    second = text(staff, "/roadmap/?sort=title&page=2")
    assert "Страница 2 из 2" in second and "Карта № 23" in second
    assert "Вега-карта" not in second, second[second.index("<tbody>") :]


def test_roadmap_items_sort_by_header_and_filter(cluster_a: Cluster, make_user: MakeUser) -> None:
    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    with schema_context(cluster_a.schema_name):
        plan = roadmaps.roadmap(cluster_a)
        part = roadmaps.section(plan, "Кадры")
        roadmaps.item(plan, part, title="Яблоневый сад", end=dt.date(2026, 3, 1))
        roadmaps.item(plan, part, title="Абрикосовая роща", end=dt.date(2026, 9, 1))
        roadmaps.item(plan, part, title="Малиновый куст", end=dt.date(2026, 1, 1), status="done")
    url = f"/roadmap/{plan.pk}/"
    names = ("Яблоневый сад", "Абрикосовая роща", "Малиновый куст")
    default = text(client=staff, url=url)
    assert "Найдено мероприятий: 3" in default and 'class="section-row"' in default
    assert order(default, *names) == list(names)  # the document's order
    by_title = text(staff, url + "?sort=title")
    assert order(by_title, *names) == ["Абрикосовая роща", "Малиновый куст", "Яблоневый сад"]
    assert 'class="section-row"' not in by_title  # section rows only in the document's order
    by_deadline = text(staff, url + "?sort=-deadline")
    assert order(by_deadline, *names) == ["Абрикосовая роща", "Яблоневый сад", "Малиновый куст"]
    assert order(text(staff, url + "?sort=evil"), *names) == list(names)
    done = text(staff, url + "?status=done")
    assert "Найдено мероприятий: 1" in done and "Яблоневый сад" not in done
    assert "<label>Раздел<select" in done


# --- the change log -----------------------------------------------------------------------------


def test_audit_log_sorts_filters_by_object_kind_and_pages(
    cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser
) -> None:
    admin = signed_in(make_user(ROLE.CLUSTER_ADMIN, cluster_a), cluster_a)
    assert "Записей пока нет" in text(admin, "/audit/")
    actor = Actor(user=None, host="alpha.localhost", cluster=cluster_a)
    audit_record(actor=actor, action="news.update", obj=News(pk=7, title="Юбилей кластера"))
    audit_record(actor=actor, action="event.update", obj=Event(pk=8, title="Ассамблея"))
    audit_record(
        actor=Actor(user=None, cluster=cluster_b), action="news.update", obj=News(pk=9, title="Новость Беты")
    )
    newest = text(admin, "/audit/")
    assert "Найдено записей: 2" in newest and "Новость Беты" not in newest
    assert order(newest, "Юбилей кластера", "Ассамблея") == ["Ассамблея", "Юбилей кластера"]
    oldest = text(admin, "/audit/?sort=at")
    assert order(oldest, "Юбилей кластера", "Ассамблея") == ["Юбилей кластера", "Ассамблея"]
    assert order(text(admin, "/audit/?sort=bogus"), "Юбилей кластера", "Ассамблея") == [
        "Ассамблея",
        "Юбилей кластера",
    ]
    assert '<option value="content.news">Новость</option>' in newest  # kinds of this cluster's log
    news_only = text(admin, "/audit/?object_type=content.news")
    assert "Найдено записей: 1" in news_only and "Ассамблея" not in news_only
    AuditEntry.objects.bulk_create(
        AuditEntry(
            cluster=cluster_a,
            action="news.update",
            object_type="content.news",
            object_id=str(n),
            object_repr=f"Запись {n}",
        )
        for n in range(50)
    )
    pages = text(admin, "/audit/")
    assert "Найдено записей: 52" in pages and "Страница 1 из 2" in pages
    assert "Страница 2 из 2" in text(admin, "/audit/?page=2")


# --- bank statement lines ---------------------------------------------------------------------


def _queue_line(statement: BankStatement, position: int, payer: str, amount: int, state: str) -> None:
    BankStatementLine.objects.create(
        cluster=statement.cluster,
        statement=statement,
        position=position,
        source_line=position,
        document_number=str(100 + position),
        date=dt.date(2026, 3, position),
        amount_kopecks=amount,
        payer_name=payer,
        payee_account="40702810900000000001",
        state=state,
    )


def test_statement_queue_sorts_by_amount_filters_and_shows_money_right_aligned(
    cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser
) -> None:
    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    statement = BankStatement.objects.create(
        cluster=cluster_a,
        file_name="kl.txt",
        file_sha256="0" * 64,
        account="40702810900000000001",
        status=BankStatement.Status.APPLIED,
    )
    _queue_line(statement, 1, "ООО «Дорогой»", 12_000_000, "unmatched")
    _queue_line(statement, 2, "ООО «Дешёвый»", 50_000, "ambiguous")
    _queue_line(statement, 3, "ООО «Средний»", 300_000, "unmatched")
    payers = ("ООО «Дорогой»", "ООО «Дешёвый»", "ООО «Средний»")
    url = "/fees/statements/queue/"
    newest = text(staff, url)
    assert "Найдено поступлений: 3" in newest
    assert order(newest, *payers) == ["ООО «Средний»", "ООО «Дешёвый»", "ООО «Дорогой»"]
    assert '<td class="money">120\u00a0000,00\u00a0₽</td>' in newest  # right-aligned, never wraps
    cheap_first = text(staff, url + "?sort=amount")
    assert order(cheap_first, *payers) == ["ООО «Дешёвый»", "ООО «Средний»", "ООО «Дорогой»"]
    assert order(text(staff, url + "?sort=-amount"), *payers)[0] == "ООО «Дорогой»"
    assert order(text(staff, url + "?sort=x"), *payers)[0] == "ООО «Средний»"
    ambiguous = text(staff, url + "?state=ambiguous")
    assert "Найдено поступлений: 1" in ambiguous and "ООО «Дорогой»" not in ambiguous
    assert "Найдено поступлений: 1" in text(staff, url + "?q=Средний")
    BankStatementLine.objects.bulk_create(
        BankStatementLine(
            cluster=cluster_a,
            statement=statement,
            position=n,
            source_line=n,
            document_number=str(n),
            date=dt.date(2026, 1, 1),
            amount_kopecks=100 + n,
            payer_name=f"Плательщик {n}",
            payee_account="40702810900000000001",
            state="unmatched",
        )
        for n in range(4, 52)
    )
    assert "Страница 1 из 2" in text(staff, url) and "Страница 2 из 2" in text(staff, url + "?page=2")
    statement_page = text(staff, f"/fees/statements/{statement.pk}/?sort=-amount")
    assert order(statement_page, *payers)[0] == "ООО «Дорогой»"


# --- events and the site's content ------------------------------------------------------------


def test_event_list_sorts_filters_and_says_what_to_do(cluster_a: Cluster, make_user: MakeUser) -> None:
    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    empty = text(staff, "/site/events/")
    assert "Мероприятий пока нет." in empty and "Добавьте первое мероприятие" in empty
    with schema_context(cluster_a.schema_name):
        actor = Actor.system(cluster_a)
        event_create(
            actor=actor, title="Выставка Иннопром", starts_on=dt.date(2026, 7, 7), place="Екатеринбург"
        )
        event_create(
            actor=actor,
            title="Армия-форум",
            starts_on=dt.date(2025, 8, 1),
            place="Кубинка",
            kind=Event.Kind.FORUM,
        )
    names = ("Выставка Иннопром", "Армия-форум")
    newest = text(staff, "/site/events/")
    assert "Найдено мероприятий: 2" in newest and order(newest, *names) == list(names)
    assert order(text(staff, "/site/events/?sort=title"), *names) == ["Армия-форум", "Выставка Иннопром"]
    assert order(text(staff, "/site/events/?sort=place"), *names) == ["Выставка Иннопром", "Армия-форум"]
    assert order(text(staff, "/site/events/?sort=drop"), *names) == list(names)
    forums = text(staff, "/site/events/?kind=forum")
    assert "Найдено мероприятий: 1" in forums and "Выставка Иннопром" not in forums
    public = client_for(cluster_a).get("/site/events/?sort=participants").content.decode()
    assert "Участников" not in public  # the public sees no participant column, nor sorts by it


def test_news_management_list_sorts_filters_drafts_and_pages(
    cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser
) -> None:
    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    with schema_context(cluster_a.schema_name):
        news_create(title="Бюджет утверждён", published_at=timezone.now() - dt.timedelta(days=3))
        news_create(title="Аудит пройден", published_at=timezone.now() - dt.timedelta(days=1))
        news_create(title="Черновик отчёта", publish=False)
    names = ("Бюджет утверждён", "Аудит пройден", "Черновик отчёта")
    for url in ("/site/manage/news/", "/news/"):
        page = text(staff, url)
        assert "Найдено: 3" in page
        assert order(page, *names[:2]) == ["Аудит пройден", "Бюджет утверждён"]
        assert order(text(staff, url + "?sort=title"), *names) == [
            "Аудит пройден",
            "Бюджет утверждён",
            "Черновик отчёта",
        ]
        assert order(text(staff, url + "?sort=-title"), *names)[0] == "Черновик отчёта"
        drafts = text(staff, url + "?state=draft")
        assert "Найдено: 1" in drafts and "Аудит пройден" not in drafts
        assert order(text(staff, url + "?sort=nope"), *names[:2]) == ["Аудит пройден", "Бюджет утверждён"]
    with schema_context(cluster_a.schema_name):
        News.objects.bulk_create(News(title=f"Заметка {n}") for n in range(20))
    assert "Страница 2 из 2" in text(staff, "/site/manage/news/?page=2")


# --- the platform host ---------------------------------------------------------------------------


def test_selection_calls_sort_filter_and_stay_with_the_ministry(
    cluster_a: Cluster, make_user: MakeUser
) -> None:
    ministry = signed_in(make_user(ROLE.MINISTRY_FEDERAL), None)
    open_call(title="Отбор первый", year=2025)
    second = open_call(title="Отбор второй", year=2026)
    Call.objects.filter(pk=second.pk).update(status=Call.Status.CLOSED)
    names = ("Отбор первый", "Отбор второй")
    latest = text(ministry, "/selection/")
    assert "Найдено отборов: 2" in latest and order(latest, *names) == ["Отбор второй", "Отбор первый"]
    assert order(text(ministry, "/selection/?sort=year"), *names) == ["Отбор первый", "Отбор второй"]
    assert order(text(ministry, "/selection/?sort=rank"), *names) == ["Отбор второй", "Отбор первый"]
    open_only = text(ministry, "/selection/?status=open")
    assert "Найдено отборов: 1" in open_only and "Отбор второй" not in open_only
    for client in (signed_in(make_user(ROLE.CLUSTER_ADMIN, cluster_a), None), signed_in(make_user(), None)):
        assert refused(client, "/selection/?sort=year")


def test_platform_cluster_list_sorts_and_filters(
    cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser
) -> None:
    root = signed_in(make_user(ROLE.PLATFORM_ADMIN), None)
    names = ("Кластер Альфа (тест)", "Кластер Бета (тест)")
    page = text(root, "/platform/clusters/")
    assert order(page, *names) == list(names) and "Найдено кластеров:" in page
    assert order(text(root, "/platform/clusters/?sort=-name"), *names) == [
        "Кластер Бета (тест)",
        "Кластер Альфа (тест)",
    ]
    assert order(text(root, "/platform/clusters/?sort=x"), *names) == list(names)
    beta = text(root, "/platform/clusters/?q=Бета")
    assert "Найдено кластеров: 1" in beta and "Кластер Альфа (тест)" not in beta
    suspended = text(root, "/platform/clusters/?status=suspended")
    assert "Найдено кластеров: 0" in suspended and "Ничего не найдено." in suspended
    for client in (signed_in(make_user(ROLE.CLUSTER_ADMIN, cluster_a), None), signed_in(make_user(), None)):
        assert refused(client, "/platform/clusters/?sort=-name")


def test_list_query_counts_do_not_grow_with_rows(
    cluster_a: Cluster, make_user: MakeUser, django_assert_max_num_queries: Any
) -> None:
    """The converted lists read a page in a fixed number of queries, whatever the rows."""
    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    with schema_context(cluster_a.schema_name):
        roadmaps.roadmap(cluster_a, "Карта")
        event_create(actor=Actor.system(cluster_a), title="Событие", starts_on=dt.date(2026, 5, 1))
        news_create(title="Новость")
    urls = ("/roadmap/?sort=done", "/site/events/?sort=kind", "/site/manage/news/?sort=title")
    counts = {}
    for url in urls:
        with django_assert_max_num_queries(40) as ctx:
            text(staff, url)
        counts[url] = len(ctx.captured_queries)
    with schema_context(cluster_a.schema_name):
        for n in range(20):
            Roadmap.objects.create(
                title=f"Ещё карта {n}", period_start=dt.date(2026, 1, 1), period_end=dt.date(2026, 12, 31)
            )
            event_create(actor=Actor.system(cluster_a), title=f"Событие {n}", starts_on=dt.date(2026, 5, 1))
            news_create(title=f"Новость {n}")
    for url in urls:
        with django_assert_max_num_queries(counts[url]):
            text(staff, url)


# --- fee exemptions -------------------------------------------------------------------------------


def test_exemption_list_sorts_by_header_and_searches(
    cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser
) -> None:
    from tenants.fees.services import exemption_create
    from tests.fees import factories as fees

    user = make_user(ROLE.CLUSTER_STAFF, cluster_a)
    staff = signed_in(user, cluster_a)
    actor = Actor(user=user, host="alpha.localhost", cluster=cluster_a)
    with schema_context(cluster_a.schema_name):
        for name, start, percent in (("Яхонт", "2024-01-01", 30), ("Азимут", "2025-01-01", 100)):
            exemption_create(
                actor=actor,
                company=fees.member(cluster_a, name),
                starts_on=dt.date.fromisoformat(start),
                reason="Решение совета",
                percent=percent,
            )
    newest = text(staff, "/fees/exemptions/")
    assert "Найдено освобождений: 2" in newest and order(newest, "Яхонт", "Азимут") == ["Азимут", "Яхонт"]
    assert order(text(staff, "/fees/exemptions/?sort=-company"), "Яхонт", "Азимут") == ["Яхонт", "Азимут"]
    assert order(text(staff, "/fees/exemptions/?sort=percent"), "Яхонт", "Азимут") == ["Яхонт", "Азимут"]
    assert order(text(staff, "/fees/exemptions/?sort=starts"), "Яхонт", "Азимут") == ["Азимут", "Яхонт"]
    found = text(staff, "/fees/exemptions/?q=Яхонт&sort=-company")
    assert "Найдено освобождений: 1" in found and "Азимут" not in found
