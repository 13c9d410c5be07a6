"""The fees area's lists on the one list pattern (frontend.tables, issue 14 item 3): fee
schedules, assessment runs, the arrears report and bank statements sort by a header (old ?sort=
keys keep working, unknown ones fall back to the default), filter, page with the count in the
caption, show money right-aligned on one line, and read a page in a number of queries that does
not grow with the rows. Another cluster's admin, an account without a role, a member's
representative and the anonymous visitor get none of them, whatever the query string (the table
tests.frontend.test_list_pages.LIST_REFUSALS; a statement's lines in their own test)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from billing import services as billing
from billing.models import Invoice
from billing.statements.models import BankStatement, BankStatementLine
from core.audit.services import Actor
from core.clock import cluster_today
from tenants.fees import services
from tenants.fees.models import AssessmentRun, FeeSchedule
from tenants.models import Cluster
from tests.conftest import ROLE, MakeUser, signed_in
from tests.frontend.test_list_pages import order, refused_to_all
from tests.frontend.test_list_pages import text as page_text

from . import factories as f

pytestmark = pytest.mark.django_db

MONEY = "\u00a0₽</td>"  # the end of a money cell: «120 000,00 ₽» with no-break spaces


def text(client: Client, url: str) -> str:
    """The page from its table's caption on (a schedule's name is also in «действует» above)."""
    html = page_text(client, url)
    return html[html.index("<caption>") :]


def test_schedule_list_sorts_searches_filters_and_pages(
    cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser
) -> None:
    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    empty = text(staff, "/fees/")
    assert "Найдено положений: 0" in empty and "Положений о взносах ещё нет" in empty
    with schema_context(cluster_a.schema_name):
        f.schedule(
            cluster_a, name="Взносы Альфа", effective_from=dt.date(2023, 1, 1), amount_kopecks=90_000_00
        )
        f.schedule(
            cluster_a, name="Взносы Бета", effective_from=dt.date(2025, 1, 1), amount_kopecks=30_000_00
        )
        f.schedule(
            cluster_a,
            name="Взносы Гамма",
            effective_from=dt.date(2024, 1, 1),
            amount_kopecks=60_000_00,
            period=FeeSchedule.Period.QUARTER,
        )
    names = ("Взносы Альфа", "Взносы Бета", "Взносы Гамма")
    newest = text(staff, "/fees/")
    assert "Найдено положений: 3" in newest and 'aria-sort="descending"' in newest
    assert order(newest, *names) == ["Взносы Бета", "Взносы Гамма", "Взносы Альфа"]
    assert f'<td class="money">90\u00a0000,00{MONEY}' in newest  # right-aligned, never wraps
    assert order(text(staff, "/fees/?sort=name"), *names) == list(names)
    assert order(text(staff, "/fees/?sort=amount"), *names) == ["Взносы Бета", "Взносы Гамма", "Взносы Альфа"]
    assert order(text(staff, "/fees/?sort=-amount"), *names)[0] == "Взносы Альфа"
    assert order(text(staff, "/fees/?sort=effective_from"), *names)[0] == "Взносы Альфа"
    assert order(text(staff, "/fees/?sort=notes"), *names)[0] == "Взносы Бета"  # not a column: default
    quarterly = text(staff, "/fees/?period=quarter")
    assert "Найдено положений: 1" in quarterly and "Взносы Бета" not in quarterly
    found = page_text(staff, "/fees/?q=альфа&sort=name")
    assert "Найдено положений: 1" in found and "Взносы Гамма" not in found
    assert '<input type="hidden" name="sort" value="name">' in found
    nothing = text(staff, "/fees/?q=нет-такого")
    assert "Ничего не найдено." in nothing and "Положений о взносах ещё нет" not in nothing
    with schema_context(cluster_a.schema_name):
        decision = f.fee_decision()
        for n in range(23):
            f.schedule(
                cluster_a, name=f"Положение {n:02d}", effective_from=dt.date(2010, 1, 1), decision=decision
            )
    first = text(staff, "/fees/?sort=-name")
    assert "Найдено положений: 26" in first and "Страница 1 из 2" in first
    second = text(staff, "/fees/?sort=-name&page=2")
    assert "Страница 2 из 2" in second and "Взносы Альфа" in second and "Взносы Гамма" not in second


def _run(schedule: FeeSchedule, period: str, *, status: str, created: int, amount: int) -> AssessmentRun:
    year = int(period[:4])
    return AssessmentRun.objects.create(
        schedule=schedule,
        period=period,
        issue_date=dt.date(year, 1, 10),
        period_start=dt.date(year, 1, 1),
        period_end=dt.date(year, 12, 31),
        status=status,
        created_count=created,
        amount_kopecks=amount,
    )


def test_run_list_sorts_filters_by_schedule_and_state_and_pages(
    cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser
) -> None:
    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    with schema_context(cluster_a.schema_name):
        main = f.schedule(cluster_a, name="Основное положение")
        other = f.schedule(cluster_a, name="Льготное положение", effective_from=dt.date(2026, 1, 1))
        _run(main, "2023", status=AssessmentRun.Status.DONE, created=12, amount=1_440_000_00)
        _run(main, "2025", status=AssessmentRun.Status.FAILED, created=3, amount=360_000_00)
        _run(other, "2024", status=AssessmentRun.Status.DONE, created=7, amount=840_000_00)
    periods = (">2023<", ">2025<", ">2024<")
    latest = text(staff, "/fees/runs/")
    assert "Найдено начислений: 3" in latest
    assert order(latest, *periods) == [">2024<", ">2025<", ">2023<"]  # the latest started first
    assert f'<td class="money">1\u00a0440\u00a0000,00{MONEY}' in latest
    assert order(text(staff, "/fees/runs/?sort=period"), *periods) == [">2023<", ">2024<", ">2025<"]
    assert order(text(staff, "/fees/runs/?sort=-amount"), *periods) == [">2023<", ">2024<", ">2025<"]
    assert order(text(staff, "/fees/runs/?sort=created"), *periods) == [">2025<", ">2024<", ">2023<"]
    failed = text(staff, "/fees/runs/?status=failed")
    assert "Найдено начислений: 1" in failed and ">2023<" not in failed
    mine = text(staff, f"/fees/runs/?schedule={other.pk}")
    assert "Найдено начислений: 1" in mine and ">2024<" in mine and ">2025<" not in mine
    assert "Ничего не найдено." in text(staff, f"/fees/runs/?schedule={other.pk}&status=failed")
    for made_up in ("99999999999999999999", "²", "1;drop"):  # not a schedule: every run, no error
        assert "Найдено начислений: 3" in text(staff, f"/fees/runs/?schedule={made_up}")
    # the schedule's own card keeps its short, unsorted list of runs
    card = page_text(staff, f"/fees/schedules/{main.pk}/")
    assert ">2025<" in card and ">2024<" not in card and "aria-sort" not in card
    with schema_context(cluster_a.schema_name):
        for n in range(23):
            _run(main, str(2000 + n), status=AssessmentRun.Status.DONE, created=1, amount=100)
    assert "Страница 1 из 2" in text(staff, "/fees/runs/")
    assert ">2000<" in text(staff, "/fees/runs/?sort=-period&page=2")


def _billed(cluster: Cluster, names: tuple[str, ...], year: int) -> dict[str, Invoice]:
    """Members with one invoice each for `year` (100 000 ₽), by name."""
    with schema_context(cluster.schema_name):
        schedule = FeeSchedule.objects.first() or f.schedule(
            cluster, amount_kopecks=100_000_00, due_day=31, due_month=3
        )
        companies = {f.member(cluster, name).pk: name for name in names}
        run = services.assessment_start(actor=Actor.system(cluster), schedule=schedule, period=str(year))
        services.assessment_execute(run_id=run.pk)
    return {
        companies[i.company_id]: i
        for i in Invoice.objects.filter(
            cluster=cluster, company_id__in=companies, period_label__startswith=str(year)
        )
    }


def test_arrears_sort_by_debt_or_name_search_filter_and_keep_old_links(
    cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser
) -> None:
    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    empty = text(staff, "/fees/arrears/")
    assert "Счетов ещё нет" in empty and 'href="/fees/runs/"' in empty
    year = cluster_today(cluster_a).year + 1
    invoices = _billed(cluster_a, ("Ярус", "Берёза", "Азот"), year)
    system = Actor.system(cluster_a)
    for name, paid in (("Берёза", 100_000_00), ("Азот", 40_000_00)):
        billing.payment_record_manual(
            actor=system,
            invoice=invoices[name],
            amount_kopecks=paid,
            order_number=name,
            order_date=cluster_today(cluster_a),
        )
    names = ("Ярус", "Берёза", "Азот")
    default = text(staff, "/fees/arrears/")
    assert "Найдено участников: 3" in default
    assert order(default, *names) == ["Ярус", "Азот", "Берёза"]  # the biggest debt first
    assert f'<td class="money">40\u00a0000,00{MONEY}' in default  # Азот paid 40 000 of 100 000
    for sort, shown in (
        ("company", ["Азот", "Берёза", "Ярус"]),
        ("-company", ["Ярус", "Берёза", "Азот"]),
        ("paid", ["Ярус", "Азот", "Берёза"]),
        ("outstanding", ["Берёза", "Азот", "Ярус"]),
        ("evil", ["Ярус", "Азот", "Берёза"]),  # not a column: the default, the biggest debt first
    ):
        assert order(text(staff, f"/fees/arrears/?sort={sort}"), *names) == shown, sort
    debtors = text(staff, "/fees/arrears/?debtors=1&sort=company")  # the old checkbox's parameter
    assert "Найдено участников: 2" in debtors and "Берёза" not in debtors
    assert order(debtors, "Ярус", "Азот") == ["Азот", "Ярус"]
    assert '<option value="1" selected>Только должники</option>' in page_text(
        staff, "/fees/arrears/?debtors=1"
    )
    found = text(staff, "/fees/arrears/?q=азот")
    assert "Найдено участников: 1" in found and "Ярус" not in found
    # the total is of the filtered members, not of the page nor of the whole cluster
    assert f'<th scope="row" colspan="3">Итого</th><td class="money">100\u00a0000,00{MONEY}' in found
    inn = invoices["Ярус"].company_inn
    by_inn = text(staff, f"/fees/arrears/?q={inn}")
    assert "Найдено участников: 1" in by_inn and "Ярус" in by_inn
    period = invoices["Ярус"].period_label
    by_period = text(staff, f"/fees/arrears/?period={period}")
    assert "Найдено участников: 3" in by_period and f"period={quote(period)}" in by_period
    assert "Найдено участников: 0" in text(staff, "/fees/arrears/?period=1999")
    assert "Ничего не найдено." in text(staff, "/fees/arrears/?debtors=1&q=Берёза")  # paid: no debt
    _billed(cluster_a, tuple(f"Участник {n:02d}" for n in range(48)), year)
    first = text(staff, "/fees/arrears/?sort=company")
    assert "Найдено участников: 51" in first and "Страница 1 из 2" in first
    second = text(staff, "/fees/arrears/?sort=company&page=2")
    assert "Ярус" in second and "Азот" not in second


def _statement(cluster: Cluster, name: str, *, day: int, receipts: int, status: str) -> BankStatement:
    return BankStatement.objects.create(
        cluster=cluster,
        file_name=name,
        file_sha256=f"{day:064d}",
        account=f"4070281090000000{day:04d}",
        date_from=dt.date(2026, 2, day),
        date_to=dt.date(2026, 2, day),
        credits=receipts,
        status=status,
    )


def test_statement_list_sorts_filters_pages_and_a_statement_searches_its_lines(
    cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser
) -> None:
    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    assert "Выписок ещё нет." in text(staff, "/fees/statements/")
    feb = _statement(cluster_a, "февраль.txt", day=20, receipts=40, status=BankStatement.Status.APPLIED)
    _statement(cluster_a, "январь.txt", day=2, receipts=900, status=BankStatement.Status.PREVIEW)
    _statement(cluster_a, "март.txt", day=27, receipts=5, status=BankStatement.Status.APPLIED)
    _statement(cluster_b, "бета.txt", day=9, receipts=1, status=BankStatement.Status.APPLIED)
    files = ("февраль.txt", "январь.txt", "март.txt")
    latest = text(staff, "/fees/statements/")
    assert "Найдено выписок: 3" in latest and "бета.txt" not in latest
    assert order(latest, *files) == ["март.txt", "январь.txt", "февраль.txt"]  # the latest upload first
    for sort, shown in (
        ("period", ["январь.txt", "февраль.txt", "март.txt"]),
        ("-credits", ["январь.txt", "февраль.txt", "март.txt"]),
        ("file", ["март.txt", "февраль.txt", "январь.txt"]),
    ):
        assert order(text(staff, f"/fees/statements/?sort={sort}"), *files) == shown, sort
    preview = text(staff, "/fees/statements/?status=preview")
    assert "Найдено выписок: 1" in preview and "март.txt" not in preview
    found = text(staff, "/fees/statements/?q=феврал")
    assert "Найдено выписок: 1" in found and "январь.txt" not in found
    assert "Найдено выписок: 1" in text(staff, "/fees/statements/?q=40702810900000000027")
    assert "Ничего не найдено." in text(staff, "/fees/statements/?q=бета")  # another cluster's: nothing
    BankStatement.objects.bulk_create(
        BankStatement(cluster=cluster_a, file_name=f"старая-{n:02d}.txt", file_sha256=f"s{n}", account="1")
        for n in range(23)
    )
    assert "Страница 2 из 2" in text(staff, "/fees/statements/?sort=file&page=2")
    # a statement's lines: search and the state filter
    for n, (payer, state) in enumerate((("ООО «Север»", "matched"), ("ООО «Юг»", "unmatched")), start=1):
        BankStatementLine.objects.create(
            cluster=cluster_a,
            statement=feb,
            position=n,
            source_line=n,
            document_number=str(n),
            date=dt.date(2026, 2, 20),
            amount_kopecks=10_000 * n,
            payer_name=payer,
            payee_account=feb.account,
            state=state,
        )
    url = f"/fees/statements/{feb.pk}/"
    assert "Найдено поступлений: 2" in text(staff, url)
    south = text(staff, url + "?q=Юг")
    assert "Найдено поступлений: 1" in south and "ООО «Север»" not in south
    matched = text(staff, url + "?state=matched&sort=-amount")  # the state links' parameter
    assert "Найдено поступлений: 1" in matched and "ООО «Юг»" not in matched
    assert '<option value="matched" selected>' in page_text(staff, url + "?state=matched")
    refused_to_all(cluster_a, cluster_b, make_user, url + "?q=Юг", ROLE.MEMBER_REPRESENTATIVE)


def test_made_up_ids_in_the_query_find_nothing_instead_of_an_error(
    cluster_a: Cluster, make_user: MakeUser
) -> None:
    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    for made_up in ("99999999999999999999", "²", "-1"):
        assert "Найдено счетов:" in page_text(staff, f"/fees/invoices/?company={made_up}")
    statement = _statement(cluster_a, "к.txt", day=3, receipts=1, status=BankStatement.Status.APPLIED)
    line = BankStatementLine.objects.create(
        cluster=cluster_a,
        statement=statement,
        position=1,
        source_line=1,
        document_number="1",
        date=dt.date(2026, 2, 3),
        amount_kopecks=100,
        payer_name="ООО «Никто»",
        payee_account=statement.account,
        state="unmatched",
    )
    for made_up in ("99999999999999999999", "²"):
        response = staff.post(f"/fees/statements/lines/{line.pk}/match/", {"invoice": made_up})
        assert response.status_code == 404


def test_fee_list_query_counts_do_not_grow_with_rows(
    cluster_a: Cluster, make_user: MakeUser, django_assert_max_num_queries: Any
) -> None:
    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    year = cluster_today(cluster_a).year + 1
    _billed(cluster_a, ("Первый", "Второй"), year)
    _statement(cluster_a, "один.txt", day=1, receipts=1, status=BankStatement.Status.APPLIED)
    urls = ("/fees/?sort=runs", "/fees/runs/?sort=amount", "/fees/arrears/?sort=company", "/fees/statements/")
    counts = {}
    for url in urls:
        with django_assert_max_num_queries(40) as ctx:
            text(staff, url)
        counts[url] = len(ctx.captured_queries)
    _billed(cluster_a, tuple(f"Ещё {n}" for n in range(20)), year - 1)
    with schema_context(cluster_a.schema_name):
        schedule = FeeSchedule.objects.get()
        for n in range(20):
            f.schedule(cluster_a, name=f"Положение {n}", decision=schedule.decision)
            _run(schedule, str(2000 + n), status=AssessmentRun.Status.DONE, created=1, amount=1)
    for n in range(20):
        _statement(cluster_a, f"ещё-{n}.txt", day=n + 2, receipts=n, status=BankStatement.Status.PREVIEW)
    for url in urls:
        with django_assert_max_num_queries(counts[url]):
            text(staff, url)
