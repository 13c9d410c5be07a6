"""«Мои счета» on the one list pattern (frontend.tables, issue 14 item 3): a representative's
own invoices sort by a header (the old select's ?sort= values keep working), filter by status
and number, page with the count in the caption, and show what is left to pay, right-aligned on
one line; the cluster's staff also sort by payer. Accounts of no role or of another cluster and
the anonymous visitor get no list, whatever the query string."""

from __future__ import annotations

import datetime as dt

import pytest

from billing.services import payment_record_manual
from core.audit.services import Actor
from core.clock import cluster_today
from tenants.models import Cluster
from tests.conftest import ROLE, MakeUser, client_for, signed_in
from tests.frontend.test_list_pages import order, outsiders, refused, text

from .conftest import COMPANY, OTHER_COMPANY, issue

pytestmark = pytest.mark.django_db

URL = "/billing/invoices/"


def test_my_invoices_sort_filter_page_and_show_what_is_left_to_pay(
    cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser
) -> None:
    today = cluster_today(cluster_a)
    old = issue(cluster_a, amount=50_000_00, issue_date=today - dt.timedelta(days=60), due_in_days=90)
    big = issue(cluster_a, amount=900_000_00, issue_date=today - dt.timedelta(days=20), due_in_days=10)
    new = issue(cluster_a, amount=120_000_00, issue_date=today - dt.timedelta(days=5), due_in_days=60)
    theirs = issue(cluster_a, company_id=OTHER_COMPANY, name="АО «Чужая»", amount=1_00)
    payment_record_manual(
        actor=Actor.system(cluster_a),
        invoice=old,
        amount_kopecks=50_000_00,
        order_number="1",
        order_date=today,
    )
    payment_record_manual(
        actor=Actor.system(cluster_a),
        invoice=new,
        amount_kopecks=20_000_00,
        order_number="2",
        order_date=today,
    )
    numbers = tuple(f"№ {i.number}<" for i in (old, big, new))
    rep = signed_in(make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=COMPANY), cluster_a)
    mine = text(rep, URL)
    assert "Найдено счетов: 3" in mine and f"№ {theirs.number}<" not in mine
    assert order(mine, *numbers) == [numbers[2], numbers[1], numbers[0]]  # the newest first
    assert '<td class="money">100\u00a0000,00\u00a0₽</td>' in mine  # left to pay on a part-paid one
    assert "Плательщик" not in mine  # a representative's own company: no payer column
    # the old select's values are sort keys now
    assert order(text(rep, URL + "?sort=-amount"), *numbers) == [numbers[1], numbers[2], numbers[0]]
    assert order(text(rep, URL + "?sort=issue_date"), *numbers) == list(numbers)
    assert order(text(rep, URL + "?sort=due_date"), *numbers) == [numbers[1], numbers[0], numbers[2]]
    assert order(text(rep, URL + "?sort=company"), *numbers)[0] == numbers[2]  # not theirs: the default
    header = text(rep, URL + "?sort=amount")
    assert 'aria-sort="ascending"' in header and 'href="?sort=-amount"' in header
    unpaid = text(rep, URL + "?status=unpaid&sort=-amount")
    assert "Найдено счетов: 2" in unpaid and numbers[0] not in unpaid
    assert '<input type="hidden" name="sort" value="-amount">' in unpaid
    paid = text(rep, URL + "?status=paid")
    assert "Найдено счетов: 1" in paid and "Квитанция</a>" in paid and numbers[1] not in paid
    found = text(rep, URL + f"?q={big.number}")
    assert "Найдено счетов: 1" in found and ">Оплатить</a>" in found
    assert "Ничего не найдено." in text(rep, URL + "?q=Чужая")  # another company's name finds nothing
    # the cluster's staff see every payer and may sort by it
    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    by_payer = text(staff, URL + "?sort=-company")
    assert "Счета кластера" in by_payer and "Найдено счетов: 4" in by_payer
    assert order(by_payer, "ООО «Медтех»", "АО «Чужая»") == ["ООО «Медтех»", "АО «Чужая»"]
    assert order(text(staff, URL + "?sort=company"), "ООО «Медтех»", "АО «Чужая»") == [
        "АО «Чужая»",
        "ООО «Медтех»",
    ]
    for _ in range(24):
        issue(cluster_a, amount=1_00, issue_date=today - dt.timedelta(days=400))
    first = text(rep, URL)
    assert "Найдено счетов: 27" in first and "Страница 1 из 2" in first and numbers[2] in first
    second = text(rep, URL + "?page=2")
    assert "Страница 2 из 2" in second and numbers[0] not in second
    for client in [*outsiders(cluster_b, make_user, cluster_a), client_for(cluster_a)]:
        assert refused(client, URL + "?sort=-amount&status=unpaid")
