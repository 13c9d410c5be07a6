"""The members and governance lists on the one list pattern (frontend.tables.list_controls,
issue 14 item 3): members' products, cooperation contracts, yearly figures, proxies, the ballot
register of a meeting and the public product catalogue. A header link sorts by an allow-listed
column, the old ?sort= keys keep working, the labelled filter bar narrows the rows, the caption
counts them, pages have a pager, an empty list says what to do, and the refusals stay: another
cluster's admin, an account without the role and anonymous get no list (the table
tests.frontend.test_list_pages.LIST_REFUSALS; the ballot register's own test for its meeting)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from tenants.governance.models import Ballot, Proxy
from tenants.members.models import Company, CooperationContract, KpiReport, Product
from tenants.models import Cluster
from tests.conftest import ROLE, MakeUser, client_for, signed_in
from tests.frontend.test_list_pages import order, refused_to_all, text
from tests.governance import factories as gov
from tests.members import factories as members

pytestmark = pytest.mark.django_db


def body_of(html: str) -> str:
    """The table's rows (the filter bar before them may name the same values)."""
    return html.split("<tbody>", 1)[1]


def _active(cluster: Cluster, name: str, **fields: Any) -> Company:
    return members.company(cluster, name, status=Company.Status.ACTIVE, **fields)


# --- members' products --------------------------------------------------------------------------


def test_member_products_sort_by_header_filter_and_page(
    cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser
) -> None:
    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    empty = text(staff, "/members/products/")
    assert "Найдено продуктов: 0" in empty and "Продукции пока нет" in empty
    assert "Ничего не найдено." not in empty
    with schema_context(cluster_a.schema_name):
        alpha, omega = _active(cluster_a, "Альфа-Мед"), _active(cluster_a, "Ярус")
        Product.objects.create(company=omega, name="Аппарат", registration_number="РЗН 2024/2")
        Product.objects.create(company=alpha, name="Стерилизатор", kind=Product.Kind.EQUIPMENT)
        Product.objects.create(
            company=alpha, name="Пульсоксиметр", registration_number="РЗН 2020/1", in_innovation_registry=True
        )
    names = ("Аппарат", "Стерилизатор", "Пульсоксиметр")
    default = text(staff, "/members/products/")
    assert "Найдено продуктов: 3" in default and 'aria-sort="ascending"' in default
    assert order(default, *names) == ["Аппарат", "Пульсоксиметр", "Стерилизатор"]
    assert "<label>Поиск<input" in default and "<label>Вид<select" in default
    by_company = text(staff, "/members/products/?sort=-company")  # Ярус first
    assert order(by_company, *names)[0] == "Аппарат"
    assert order(text(staff, "/members/products/?sort=company"), *names)[-1] == "Аппарат"
    # the old keys of the sort select keep working
    assert order(text(staff, "/members/products/?sort=-name"), *names) == [
        "Стерилизатор",
        "Пульсоксиметр",
        "Аппарат",
    ]
    assert order(text(staff, "/members/products/?sort=created"), *names)[0] == "Пульсоксиметр"
    assert order(text(staff, "/members/products/?sort=innovative"), *names)[0] == "Пульсоксиметр"
    assert order(text(staff, "/members/products/?sort=no;such"), *names) == order(default, *names)
    innovative = text(staff, "/members/products/?innovative=yes&sort=-name")
    assert "Найдено продуктов: 1" in innovative and "Стерилизатор" not in innovative
    assert '<input type="hidden" name="sort" value="-name">' in innovative
    equipment = text(staff, "/members/products/?kind=equipment")
    assert "Найдено продуктов: 1" in equipment and "Аппарат" not in equipment
    nothing = text(staff, "/members/products/?q=нет-такого")
    assert "Ничего не найдено." in nothing and "Сбросить фильтры" in nothing
    with schema_context(cluster_a.schema_name):
        Product.objects.bulk_create(Product(company=alpha, name=f"Изделие {n:02d}") for n in range(25))
    first = text(staff, "/members/products/")
    assert "Найдено продуктов: 28" in first and "Страница 1 из 2" in first
    second = text(staff, "/members/products/?page=2")
    assert "Страница 2 из 2" in second and "Стерилизатор" in second and "Аппарат" not in second
    # a representative sees its own company's products only, in the same list
    member = signed_in(make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=omega.pk), cluster_a)
    own = text(member, "/members/products/")
    assert "Найдено продуктов: 1" in own and "Стерилизатор" not in own


# --- cooperation contracts ------------------------------------------------------------------------


def test_contracts_sort_by_amount_filter_and_show_money_right_aligned(
    cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser
) -> None:
    admin = signed_in(make_user(ROLE.CLUSTER_ADMIN, cluster_a), cluster_a)
    empty = text(admin, "/members/contracts/")
    assert "Договоров о кооперации пока нет." in empty and "Добавьте первый договор" in empty
    with schema_context(cluster_a.schema_name):
        a, b, c = _active(cluster_a, "Альфа"), _active(cluster_a, "Бета"), _active(cluster_a, "Вега")
        for number, signed, amount, kind, party_b in (
            ("К-1", dt.date(2024, 1, 10), 120_000_00, CooperationContract.Kind.SUPPLY, b),
            ("К-2", dt.date(2025, 6, 1), 5_000_00, CooperationContract.Kind.JOINT_PROJECT, c),
            ("К-3", dt.date(2023, 3, 3), 1_234_567_89, CooperationContract.Kind.SUPPLY, c),
        ):
            CooperationContract.objects.create(
                number=number,
                signed_on=signed,
                amount_kopecks=amount,
                kind=kind,
                party_a=a,
                party_b=party_b,
                subject="Поставка",
            )
    numbers = ("№ К-1", "№ К-2", "№ К-3")
    newest = text(admin, "/members/contracts/")
    assert "Найдено договоров: 3" in newest and order(newest, *numbers) == ["№ К-2", "№ К-1", "№ К-3"]
    assert '<td class="money">1 234 567,89</td>' in newest  # right-aligned, one line (app.css .money)
    assert '<th scope="col" class="money"><a href="?sort=amount" hx-get="?sort=amount"' in newest
    by_amount = text(admin, "/members/contracts/?sort=-amount")
    assert order(by_amount, *numbers) == ["№ К-3", "№ К-1", "№ К-2"]
    assert order(text(admin, "/members/contracts/?sort=party_b"), "№ К-1", "№ К-2")[0] == "№ К-1"
    joint = text(admin, "/members/contracts/?kind=joint_project")
    assert "Найдено договоров: 1" in joint and "№ К-1" not in joint
    found = text(admin, "/members/contracts/?q=Бета")
    assert "Найдено договоров: 1" in found and "№ К-1" in found
    nothing = text(admin, "/members/contracts/?q=нет-такого")
    assert "Ничего не найдено." in nothing and "Сбросить фильтры" in nothing
    # a representative sees the contracts its company is a party of
    member = signed_in(make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=b.pk), cluster_a)
    own = text(member, "/members/contracts/?sort=-amount")
    assert "Найдено договоров: 1" in own and "№ К-3" not in own


# --- yearly figures -------------------------------------------------------------------------------


def test_figures_sort_by_revenue_filter_by_year_and_status(
    cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser
) -> None:
    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    assert "Отчётов о показателях пока нет" in text(staff, "/members/kpis/")
    with schema_context(cluster_a.schema_name):
        alpha, omega = _active(cluster_a, "Альфа-Мед"), _active(cluster_a, "Ярус")
        KpiReport.objects.create(company=alpha, year=2024, revenue=900_000_00, employees=5)
        KpiReport.objects.create(company=omega, year=2025, revenue=10_000_00, employees=50)
        KpiReport.objects.create(
            company=omega, year=2023, revenue=50_000_00, employees=40, status=KpiReport.Status.SUBMITTED
        )
    newest = text(staff, "/members/kpis/")
    assert "Найдено отчётов: 3" in newest and 'aria-sort="descending"' in newest
    years = (">2023<", ">2024<", ">2025<")
    assert order(body_of(newest), *years) == [">2025<", ">2024<", ">2023<"]
    assert order(body_of(text(staff, "/members/kpis/?sort=year")), *years) == list(years)
    by_revenue = body_of(text(staff, "/members/kpis/?sort=-revenue"))
    assert order(by_revenue, *years) == [">2024<", ">2023<", ">2025<"]
    assert order(body_of(text(staff, "/members/kpis/?sort=employees")), *years)[0] == ">2024<"
    by_company = text(staff, "/members/kpis/?sort=company")
    assert order(by_company, "Альфа-Мед", "Ярус") == ["Альфа-Мед", "Ярус"]
    one_year = text(staff, "/members/kpis/?year=2024")
    assert "Найдено отчётов: 1" in one_year and '<option value="2024" selected>' in one_year
    submitted = text(staff, "/members/kpis/?status=submitted&sort=-revenue")
    assert "Найдено отчётов: 1" in submitted and ">2025<" not in body_of(submitted)
    nothing = text(staff, "/members/kpis/?q=нет-такого")
    assert "Ничего не найдено." in nothing and "Сбросить фильтры" in nothing


# --- proxies --------------------------------------------------------------------------------------


def _proxy(grantor: Company, holder: Company, until: dt.date, status: str = Proxy.Status.PENDING) -> Proxy:
    return Proxy.objects.create(
        grantor=grantor,
        holder=holder,
        file="proxies/scan.pdf",
        original_name="scan.pdf",
        valid_from=until - dt.timedelta(days=30),
        valid_until=until,
        status=status,
    )


def test_proxies_sort_filter_page_and_stay_with_their_companies(
    cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser
) -> None:
    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    assert "Доверенностей пока нет." in text(staff, "/governance/proxies/")
    today = timezone.localdate()
    with schema_context(cluster_a.schema_name):
        a, b, c, d = gov.companies(4, prefix="Доверитель")
        _proxy(a, b, today + dt.timedelta(days=90))
        _proxy(c, b, today + dt.timedelta(days=10), Proxy.Status.APPROVED)
        _proxy(d, c, today + dt.timedelta(days=40))
    grantors = ("Доверитель 01", "Доверитель 03", "Доверитель 04")
    newest = text(staff, "/governance/proxies/")
    assert "Найдено доверенностей: 3" in newest and "<td>Доверитель 03</td><td>Доверитель 02</td>" in newest
    assert order(newest, *grantors) == ["Доверитель 04", "Доверитель 03", "Доверитель 01"]
    by_term = text(staff, "/governance/proxies/?sort=valid")
    assert order(by_term, *grantors) == ["Доверитель 03", "Доверитель 04", "Доверитель 01"]
    by_grantor = text(staff, "/governance/proxies/?sort=-grantor")
    assert order(by_grantor, *grantors) == ["Доверитель 04", "Доверитель 03", "Доверитель 01"]
    pending = text(staff, "/governance/proxies/?status=pending&sort=grantor")  # the old ?status= works
    assert (
        "Найдено доверенностей: 2" in pending
        and "<td>Доверитель 03</td><td>Доверитель 02</td>" not in pending
    )
    held_by_c = text(staff, "/governance/proxies/?q=Доверитель 04")
    assert "Найдено доверенностей: 1" in held_by_c
    nothing = text(staff, "/governance/proxies/?q=нет-такой")
    assert "Ничего не найдено." in nothing and "Сбросить фильтры" in nothing
    with schema_context(cluster_a.schema_name):
        for _ in range(25):
            _proxy(a, b, today)
    first = text(staff, "/governance/proxies/")
    assert "Найдено доверенностей: 28" in first and "Страница 1 из 2" in first
    assert "Страница 2 из 2" in text(staff, "/governance/proxies/?page=2")
    # a representative lists the proxies its company gave or holds, nobody else's
    member = signed_in(make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=d.pk), cluster_a)
    own = text(member, "/governance/proxies/")
    assert "Найдено доверенностей: 1" in own and "Доверитель 01" not in own


# --- the ballot register --------------------------------------------------------------------------


def test_ballot_register_sorts_and_finds_a_company(
    cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser
) -> None:
    from bench.governance import voting_fixture

    with schema_context(cluster_a.schema_name):
        meeting = voting_fixture(cluster=cluster_a, companies=3, decisions=1, prefix="Реестр")
        ballots = list(Ballot.objects.filter(meeting=meeting).order_by("company__short_name"))
        first, last = ballots[0], ballots[-1]
        Ballot.objects.filter(pk=first.pk).update(cast_at=timezone.now() + dt.timedelta(minutes=5))
        Ballot.objects.filter(pk=last.pk).update(paper=True, representative_name="Бумажный Иван")
        names = [b.company.short_name for b in ballots]
    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    url = f"/governance/meetings/{meeting.pk}/"
    default = text(staff, url)
    assert "Бюллетеней в реестре: 3" in default and order(default, *names) == names
    assert order(text(staff, url + "?sort=-company"), *names) == names[::-1]
    assert order(text(staff, url + "?sort=-cast"), *names)[0] == names[0]
    paper = text(staff, url + "?paper=yes")
    assert "Бюллетеней в реестре: 1" in paper and names[0] not in paper and names[-1] in paper
    found = text(staff, url + f"?q={names[1]}")
    assert "Бюллетеней в реестре: 1" in found and names[0] not in found
    nothing = text(staff, url + "?q=нет-такой")
    assert "Ничего не найдено." in nothing and "Сбросить фильтры" in nothing
    assert "Подсчёт голосов" in nothing  # the count stays whatever the register shows
    member = signed_in(
        make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=first.company_id), cluster_a
    )
    assert "Реестр бюллетеней" not in text(member, url + "?sort=cast")
    refused_to_all(cluster_a, cluster_b, make_user, url + "?sort=cast&q=Реестр")


# --- values outside a filter's choices ---------------------------------------------------------


def test_made_up_filter_values_list_every_row(cluster_a: Cluster, make_user: MakeUser) -> None:
    """A value outside a select's choices (an old link, a typed URL) narrows nothing, errs nowhere."""
    from bench.governance import voting_fixture
    from tests.fees import factories as fees

    admin = signed_in(make_user(ROLE.CLUSTER_ADMIN, cluster_a), cluster_a)
    today = timezone.localdate()
    with schema_context(cluster_a.schema_name):
        meeting = voting_fixture(cluster=cluster_a, companies=2, decisions=1, prefix="Реестр")
        a, b = _active(cluster_a, "Альфа"), _active(cluster_a, "Бета")
        CooperationContract.objects.create(
            number="К-1", signed_on=today, party_a=a, party_b=b, subject="Работы"
        )
        _proxy(a, b, today)
    fees.schedule(cluster_a, name="Взносы")
    for url, caption in (
        ("/members/contracts/?kind=", "Найдено договоров: 1"),
        ("/governance/proxies/?status=", "Найдено доверенностей: 1"),
        (f"/governance/meetings/{meeting.pk}/?paper=", "Бюллетеней в реестре: 2"),
        ("/fees/?period=", "Найдено положений: 1"),
    ):
        for made_up in ("nonsense", "²", "99999999999999999999", "yes;drop"):
            assert caption in text(admin, url + made_up), url + made_up


# --- the public product catalogue -----------------------------------------------------------------


def test_public_catalogue_sorts_by_header_filters_and_hides_unpublished(
    cluster_a: Cluster, cluster_b: Cluster
) -> None:
    anonymous = client_for(cluster_a)
    assert "пока не опубликовали свою продукцию" in text(anonymous, "/site/products/")
    with schema_context(cluster_a.schema_name):
        alpha, omega = _active(cluster_a, "Альфа-Мед"), _active(cluster_a, "Ярус")
        Product.objects.create(company=omega, name="Аппарат", registration_number="РЗН 2024/2")
        Product.objects.create(company=alpha, name="Стерилизатор", kind=Product.Kind.EQUIPMENT)
        Product.objects.create(company=alpha, name="Пульсоксиметр", in_innovation_registry=True)
        Product.objects.create(company=alpha, name="Черновик", is_published=False)
    names = ("Аппарат", "Стерилизатор", "Пульсоксиметр")
    default = text(anonymous, "/site/products/")
    assert "Найдено продуктов: 3" in default and "Черновик" not in default
    assert order(default, *names) == ["Аппарат", "Пульсоксиметр", "Стерилизатор"]
    assert order(text(anonymous, "/site/products/?sort=-name"), *names)[0] == "Стерилизатор"
    assert order(text(anonymous, "/site/products/?sort=company"), *names)[-1] == "Аппарат"
    assert order(text(anonymous, "/site/products/?sort=kind"), *names)[0] == "Стерилизатор"  # equipment
    assert order(text(anonymous, "/site/products/?sort=-kind"), *names)[-1] == "Стерилизатор"
    innovative = text(anonymous, "/site/products/?innovative=1")  # the old checkbox's value
    assert "Найдено продуктов: 1" in innovative and "Аппарат" not in innovative
    assert "<label>Реестр инновационной продукции<select" in innovative
    nothing = text(anonymous, "/site/products/?q=нет-такого")
    assert "Ничего не найдено." in nothing and "Сбросить фильтры" in nothing
    # beta's catalogue does not show alpha's products
    assert "Аппарат" not in text(client_for(cluster_b), "/site/products/?sort=company")


def test_public_directory_sorts_by_link_filters_and_says_when_empty(cluster_a: Cluster) -> None:
    anonymous = client_for(cluster_a)
    assert "появятся здесь, когда их примут" in text(anonymous, "/site/members/")
    with schema_context(cluster_a.schema_name):
        _active(cluster_a, "Ярус")
        _active(cluster_a, "Альфа-Мед")
        members.company(cluster_a, "Борей-Вуз", kind=Company.Kind.UNIVERSITY, status=Company.Status.ACTIVE)
        members.company(cluster_a, "Заявитель")  # interested: not in the directory
    names = ("Ярус", "Альфа-Мед", "Борей-Вуз")
    default = text(anonymous, "/site/members/")
    assert "Найдено организаций: 3" in default and "Заявитель" not in default
    assert order(default, *names) == ["Альфа-Мед", "Борей-Вуз", "Ярус"]
    assert 'aria-current="true"><strong>Наименование</strong>' in default and 'href="?sort=kind"' in default
    assert order(text(anonymous, "/site/members/?sort=-name"), *names) == ["Ярус", "Борей-Вуз", "Альфа-Мед"]
    by_kind = text(anonymous, "/site/members/?sort=kind")  # the old key: companies before universities
    assert order(by_kind, *names) == ["Альфа-Мед", "Ярус", "Борей-Вуз"]
    universities = text(anonymous, "/site/members/?kind=university&sort=kind")
    assert "Найдено организаций: 1" in universities and "Ярус" not in universities
    assert (
        "<label>Тип<select" in universities
        and '<input type="hidden" name="sort" value="kind">' in universities
    )
    nothing = text(anonymous, "/site/members/?q=нет-такой")
    assert "Ничего не найдено." in nothing and "Сбросить фильтры" in nothing


def test_member_and_governance_list_query_counts_do_not_grow_with_rows(
    cluster_a: Cluster, make_user: MakeUser, django_assert_max_num_queries: Any
) -> None:
    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    today = timezone.localdate()

    def add(n: int) -> None:
        with schema_context(cluster_a.schema_name):
            for i in range(n):
                one, two = _active(cluster_a, f"Первый {n}-{i}"), _active(cluster_a, f"Второй {n}-{i}")
                Product.objects.create(company=one, name=f"Продукт {n}-{i}")
                KpiReport.objects.create(company=one, year=2020 + i, revenue=i)
                CooperationContract.objects.create(
                    number=f"{n}-{i}", signed_on=today, party_a=one, party_b=two, subject="Работы"
                )
                _proxy(one, two, today)

    urls = (
        "/members/products/?sort=company",
        "/members/contracts/?sort=party_b",
        "/members/kpis/?sort=company",
        "/governance/proxies/?sort=holder",
        "/site/products/?sort=company",
        "/site/members/?sort=kind",
    )
    add(1)
    counts = {}
    for url in urls:
        with django_assert_max_num_queries(40) as ctx:
            text(staff, url)
        counts[url] = len(ctx.captured_queries)
    add(6)
    for url in urls:
        with django_assert_max_num_queries(counts[url]):
            assert "Найдено" in text(staff, url)


# --- consents (personal data) ---------------------------------------------------------------------


def test_consents_sort_filter_page_and_stay_with_the_managers(
    cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser
) -> None:
    from tenants.privacy import services as privacy
    from tenants.privacy.models import Consent
    from tests.privacy.conftest import purpose, system

    admin = signed_in(make_user(ROLE.CLUSTER_ADMIN, cluster_a), cluster_a)
    assert "Согласий пока нет." in text(admin, "/privacy/")
    news, catalogue = purpose(cluster_a, "Рассылка новостей"), purpose(cluster_a, "Публикация в каталоге")
    people = []
    for name in ("Яковлева Анна", "Борисов Пётр", "Васильев Олег"):
        person = make_user(ROLE.CLUSTER_STAFF, cluster_a)
        person.full_name = name
        person.save(update_fields=["full_name"])
        people.append(person)
    start = timezone.now() - dt.timedelta(days=10)
    with schema_context(cluster_a.schema_name):
        for n, (person, goal) in enumerate(zip(people, (news, catalogue, news), strict=True)):
            privacy.consent_give(
                actor=system(cluster_a),
                purpose=goal,
                user_id=person.pk,
                given_at=start + dt.timedelta(days=n),
            )
        Consent.objects.filter(user_id=people[2].pk).update(withdrawn_at=timezone.now())
    names = ("Яковлева Анна", "Борисов Пётр", "Васильев Олег")
    newest = text(admin, "/privacy/")
    assert "Найдено согласий: 3" in newest and order(body_of(newest), *names) == list(names[::-1])
    assert order(body_of(text(admin, "/privacy/?sort=given")), *names) == list(names)
    by_purpose = body_of(text(admin, "/privacy/?sort=purpose"))  # «Публикация…» before «Рассылка…»
    assert order(by_purpose, *names)[0] == "Борисов Пётр"
    news_only = text(admin, f"/privacy/?purpose={news.pk}")
    assert "Найдено согласий: 2" in news_only and "Борисов Пётр" not in body_of(news_only)
    withdrawn = text(admin, "/privacy/?state=withdrawn")
    assert "Найдено согласий: 1" in withdrawn and "Васильев Олег" in body_of(withdrawn)
    in_force = text(admin, "/privacy/?state=active&sort=given")
    assert "Найдено согласий: 2" in in_force and "Васильев Олег" not in body_of(in_force)
    found = text(admin, "/privacy/?q=борисов")
    assert "Найдено согласий: 1" in found and "Яковлева Анна" not in body_of(found)
    nothing = text(admin, "/privacy/?q=нет-такого")
    assert "Ничего не найдено." in nothing and "Сбросить фильтры" in nothing
    assert "Реестр обработки" in nothing and "Инциденты" in nothing  # the other sections stay
    with schema_context(cluster_a.schema_name):  # older consents of one person, bulk (setup only)
        paper = catalogue.texts.get()
        Consent.objects.bulk_create(
            Consent(
                purpose=catalogue, text=paper, user_id=people[0].pk, given_at=start - dt.timedelta(days=n + 1)
            )
            for n in range(25)
        )
    first = text(admin, "/privacy/")
    assert "Найдено согласий: 28" in first and "Страница 1 из 2" in first
    assert "Страница 2 из 2" in text(admin, "/privacy/?page=2")
