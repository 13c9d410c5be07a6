"""Fees pages: who may open them, schedules with the decision chooser, exemptions, a run with
progress, the staff invoice list and detail (bank transfer, void), arrears, ledger export,
dues on the member card; bounded query counts."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_tenants.utils import schema_context
from openpyxl import load_workbook
from pytest_django import DjangoAssertNumQueries, DjangoCaptureOnCommitCallbacks

from billing import services as billing
from billing.models import Invoice, Payment
from core.audit.services import Actor
from core.clock import cluster_today
from tenants.fees import services
from tenants.fees.models import AssessmentRun, FeeExemption, FeeSchedule
from tenants.governance.models import Decision
from tenants.members.models import Company
from tenants.models import Cluster
from tests.conftest import ROLE, ClientResponse, MakeUser, client_for, signed_in

from . import factories as f

pytestmark = pytest.mark.django_db


def _html(response: ClientResponse) -> str:
    return response.content.decode()


def _text(response: ClientResponse) -> str:
    """The page's visible text, tags removed and spaces squeezed."""
    return " ".join(re.sub(r"<[^>]+>", " ", _html(response)).split())


def _today(cluster: Cluster) -> dt.date:
    return cluster_today(cluster)


def _next_year(cluster: Cluster) -> int:
    """Invoices are billed for next year, so that their due date (31 March) is still ahead."""
    return _today(cluster).year + 1


def _billed(
    cluster: Cluster,
    names: tuple[str, ...] = ("Альфа-Мед", "Бета-Тех", "Гамма-Лаб"),
    *,
    amount: int = 100_000_00,
) -> tuple[FeeSchedule, list[Company], dict[int, Invoice]]:
    """A schedule, members and their invoices for next year, issued today (the run carried out here)."""
    with schema_context(cluster.schema_name):
        schedule = f.schedule(cluster, amount_kopecks=amount, due_day=31, due_month=3)
        companies = [f.member(cluster, name) for name in names]
        run = services.assessment_start(
            actor=Actor.system(cluster), schedule=schedule, period=str(_next_year(cluster))
        )
        services.assessment_execute(run_id=run.pk)
    invoices = {i.company_id: i for i in Invoice.objects.filter(cluster=cluster)}
    return schedule, companies, invoices


def _pages(schedule_id: int, invoice_id: int, run_id: int, exemption_id: int) -> list[str]:
    return [
        "/fees/",
        "/fees/schedules/new/",
        f"/fees/schedules/{schedule_id}/",
        f"/fees/schedules/{schedule_id}/edit/",
        f"/fees/schedules/{schedule_id}/delete/",
        "/fees/exemptions/",
        "/fees/exemptions/new/",
        f"/fees/exemptions/{exemption_id}/",
        f"/fees/exemptions/{exemption_id}/delete/",
        "/fees/runs/",
        f"/fees/runs/{run_id}/",
        f"/fees/runs/{run_id}/status/",
        "/fees/invoices/",
        f"/fees/invoices/{invoice_id}/",
        f"/fees/invoices/{invoice_id}/void/",
        "/fees/arrears/",
        "/fees/ledger/",
    ]


def test_url_names() -> None:
    assert reverse("fees:schedules", urlconf="clusterhub.urls_tenant") == "/fees/"
    assert reverse("fees:invoice", args=[7], urlconf="clusterhub.urls_tenant") == "/fees/invoices/7/"


def test_anonymous_other_clusters_and_representatives_are_refused(
    cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser
) -> None:
    schedule, companies, invoices = _billed(cluster_a)
    invoice = invoices[companies[0].pk]
    with schema_context(cluster_a.schema_name):
        exemption = services.exemption_create(
            actor=Actor.system(cluster_a),
            company=companies[1],
            starts_on=dt.date(2025, 1, 1),
            reason="Решение совета",
        )
        run = AssessmentRun.objects.get()
    pages = _pages(schedule.pk, invoice.pk, run.pk, exemption.pk)
    for url in pages:
        response = client_for(cluster_a).get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/?next="), url
    beta_admin = signed_in(make_user(ROLE.CLUSTER_ADMIN, cluster_b), cluster_b)
    for url in pages:
        replay = beta_admin.get(url, HTTP_HOST="alpha.localhost")
        assert replay.status_code == 302 and replay["Location"].startswith("/login/"), url
    # beta's own staff cannot reach alpha's invoice through beta's host either
    beta_admin = signed_in(make_user(ROLE.CLUSTER_ADMIN, cluster_b), cluster_b)
    assert beta_admin.get(f"/fees/invoices/{invoice.pk}/").status_code == 404
    assert (
        beta_admin.post(
            f"/fees/invoices/{invoice.pk}/payment/",
            {"amount_kopecks": "100", "order_number": "1", "order_date": _today(cluster_a).isoformat()},
        ).status_code
        == 404
    )
    rep = signed_in(make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=companies[0].pk), cluster_a)
    for url in pages:
        assert rep.get(url).status_code == 403, url
    refused = rep.post(
        f"/fees/invoices/{invoice.pk}/payment/",
        {"amount_kopecks": "100 000", "order_number": "15", "order_date": _today(cluster_a).isoformat()},
    )
    assert refused.status_code == 403
    assert rep.post(f"/fees/invoices/{invoice.pk}/void/", {"reason": "Не хочу платить"}).status_code == 403
    assert rep.post("/fees/runs/", {"schedule": schedule.pk, "period": "2026"}).status_code == 403
    invoice.refresh_from_db()
    assert (invoice.status, invoice.paid_kopecks) == (Invoice.Status.OPEN, 0)
    with schema_context(cluster_a.schema_name):
        assert AssessmentRun.objects.count() == 1
    # a member representative sees its own dues on its company card, and nothing of the fees area in the menu
    card = rep.get(f"/members/{companies[0].pk}/")
    assert "Ожидается оплата" in _text(card) and "100 000,00 ₽" in _text(card)
    assert 'href="/fees/"' not in _html(card) and 'href="/billing/invoices/"' in _html(card)


def test_staff_create_a_schedule_with_tiers_on_a_fee_decision(
    cluster_a: Cluster, make_user: MakeUser
) -> None:
    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    empty = staff.get("/fees/")
    assert "Положений о взносах ещё нет" in _text(empty)
    with schema_context(cluster_a.schema_name):
        decision = f.fee_decision()
        other = f.fee_decision(kind=Decision.Kind.OTHER)
    form = _html(staff.get("/fees/schedules/new/"))
    assert f'<option value="{decision.pk}">' in form and f'<option value="{other.pk}">' not in form
    data = {
        "name": "Положение о взносах 2025",
        "decision": decision.pk,
        "effective_from": "2025-01-01",
        "entrance_fee_kopecks": "50 000",
        "period": "year",
        "amount_kopecks": "80 000,00",
        "tier_basis": "headcount",
        "tiers": "0; 60 000\n100; 150 000\n\n",
        "due_month": "3",
        "due_day": "31",
        "grace_days": "10",
        "payment_days": "30",
        "proration": "monthly",
        "notes": "",
    }
    bad = staff.post("/fees/schedules/new/", {**data, "tiers": "сто; 1"})
    assert bad.status_code == 200 and "Строка 1: граница и сумма — неотрицательные числа." in _text(bad)
    none = staff.post("/fees/schedules/new/", {**data, "tiers": ""})
    assert "Укажите хотя бы одну ступень взноса." in _text(none)
    saved = staff.post("/fees/schedules/new/", data)
    assert saved.status_code == 302
    with schema_context(cluster_a.schema_name):
        schedule = FeeSchedule.objects.get()
        assert [(t.lower_bound, t.amount_kopecks) for t in schedule.tiers.all()] == [
            (0, 60_000_00),
            (100, 150_000_00),
        ]
        assert (schedule.entrance_fee_kopecks, schedule.grace_days) == (50_000_00, 10)
    page = _text(staff.get(saved["Location"]))
    assert "от 100 работников — 150 000,00 ₽" in page and "льготный период 10 дн." in page
    edit = staff.get(f"/fees/schedules/{schedule.pk}/edit/")
    assert "100; 150 000,00" in _html(edit)
    staff.post(f"/fees/schedules/{schedule.pk}/edit/", {**data, "tiers": "0; 60 000\n250; 200 000"})
    with schema_context(cluster_a.schema_name):
        assert [t.lower_bound for t in schedule.tiers.all()] == [0, 250]
    listing = _text(staff.get("/fees/"))
    assert "Положение о взносах 2025" in listing and "По численности работников: ступеней 2" in listing
    # delete asks first, then goes
    assert "Удалить положение" in _text(staff.get(f"/fees/schedules/{schedule.pk}/delete/"))
    assert staff.post(f"/fees/schedules/{schedule.pk}/delete/").status_code == 302
    with schema_context(cluster_a.schema_name):
        assert not FeeSchedule.objects.exists()


def test_staff_run_an_assessment_and_watch_its_progress(
    cluster_a: Cluster,
    make_user: MakeUser,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    with schema_context(cluster_a.schema_name):
        schedule = f.schedule(cluster_a, effective_from=dt.date(2020, 1, 1))
        for name in ("Первая", "Вторая"):
            f.member(cluster_a, name)
    form = _html(staff.get("/fees/runs/"))
    year = str(cluster_today(cluster_a).year)
    assert f'value="{year}"' in form  # the current period is proposed
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post("/fees/runs/", {"schedule": schedule.pk, "period": "2024"})
    assert response.status_code == 302
    run_url = response["Location"]
    page = _text(staff.get(run_url))
    assert "Готово" in page and "Выставлено счетов 2" in page
    status = staff.get(run_url + "status/").json()
    assert (status["finished"], status["percent"], status["created_count"]) == (True, 100, 2)
    with django_capture_on_commit_callbacks(execute=True):
        again = staff.post("/fees/runs/", {"schedule": schedule.pk, "period": "2024"})
    assert staff.get(again["Location"] + "status/").json()["existing_count"] == 2
    assert Invoice.objects.filter(cluster=cluster_a).count() == 2
    bad = staff.post("/fees/runs/", {"schedule": schedule.pk, "period": "2024-Q1"})
    assert "Положение устанавливает годовой взнос" in _text(bad)
    # a run still in progress shows a progress bar that polls
    with schema_context(cluster_a.schema_name):
        queued = AssessmentRun.objects.create(
            schedule=schedule,
            period="2019",
            period_start=dt.date(2019, 1, 1),
            period_end=dt.date(2019, 12, 31),
            issue_date=dt.date(2019, 1, 1),
            status=AssessmentRun.Status.RUNNING,
            total=200,
            processed=50,
        )
    html = _html(staff.get(f"/fees/runs/{queued.pk}/"))
    assert '<progress data-field="percent" max="100" value="25">' in html  # the shared job_progress partial
    assert "/static/frontend/progress.js" in html


def test_a_lost_run_is_failed_on_the_next_look_and_no_longer_blocks_a_new_one(
    cluster_a: Cluster, make_user: MakeUser
) -> None:
    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    with schema_context(cluster_a.schema_name):
        schedule = f.schedule(cluster_a, effective_from=dt.date(2020, 1, 1))
        lost = AssessmentRun.objects.create(
            schedule=schedule,
            period="2024",
            period_start=dt.date(2024, 1, 1),
            period_end=dt.date(2024, 12, 31),
            issue_date=dt.date(2024, 1, 1),
            status=AssessmentRun.Status.RUNNING,
            total=10,
            processed=3,
        )
        AssessmentRun.objects.filter(pk=lost.pk).update(created_at=lost.created_at - dt.timedelta(hours=1))
    status = staff.get(f"/fees/runs/{lost.pk}/status/").json()
    assert (status["status"], status["finished"]) == ("failed", True)
    assert status["errors"][-1]["message"] == AssessmentRun.LOST_MESSAGE
    with schema_context(cluster_a.schema_name):
        AssessmentRun.objects.filter(pk=lost.pk).update(status=AssessmentRun.Status.RUNNING, errors=[])
        again = services.assessment_start(actor=Actor.system(cluster_a), schedule=schedule, period="2024")
        lost.refresh_from_db()
    assert again.pk != lost.pk and lost.status == AssessmentRun.Status.FAILED


def test_exemptions_list_create_and_delete_with_confirmation(cluster_a: Cluster, make_user: MakeUser) -> None:
    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    assert "Освобождений нет" in _text(staff.get("/fees/exemptions/"))
    with schema_context(cluster_a.schema_name):
        company = f.member(cluster_a, "Университет")
    bad = staff.post(
        "/fees/exemptions/new/",
        {
            "company": company.pk,
            "starts_on": "2025-01-01",
            "ends_on": "2024-01-01",
            "percent": "100",
            "reason": "Вуз",
        },
    )
    assert "Окончание освобождения раньше его начала." in _text(bad)
    assert (
        staff.post(
            "/fees/exemptions/new/",
            {
                "company": company.pk,
                "starts_on": "2025-01-01",
                "percent": "50",
                "reason": "Решение совета № 3",
            },
        ).status_code
        == 302
    )
    listing = _text(staff.get("/fees/exemptions/?q=Универ"))
    assert "Университет" in listing and "50 %" in listing and "бессрочно" in listing
    assert "Ничего не найдено." in _text(staff.get("/fees/exemptions/?q=Завод"))
    with schema_context(cluster_a.schema_name):
        exemption = FeeExemption.objects.get()
    assert (
        staff.post(
            f"/fees/exemptions/{exemption.pk}/",
            {"starts_on": "2025-01-01", "percent": "100", "reason": "Решение совета № 4"},
        ).status_code
        == 302
    )
    with schema_context(cluster_a.schema_name):
        exemption.refresh_from_db()
        assert (exemption.percent, exemption.company_id) == (100, company.pk)
    assert "Удалить освобождение" in _text(staff.get(f"/fees/exemptions/{exemption.pk}/delete/"))
    staff.post(f"/fees/exemptions/{exemption.pk}/delete/")
    with schema_context(cluster_a.schema_name):
        assert not FeeExemption.objects.exists()


def test_invoice_list_search_filters_sort_pages_and_empty_state(
    cluster_a: Cluster,
    make_user: MakeUser,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    assert "Счетов ещё нет" in _text(staff.get("/fees/invoices/"))
    _, companies, invoices = _billed(cluster_a, tuple(f"Компания {i:02d}" for i in range(30)))
    first = invoices[companies[0].pk]
    billing.payment_record_manual(
        actor=Actor.system(cluster_a),
        invoice=first,
        amount_kopecks=100_000_00,
        order_number="17",
        order_date=_today(cluster_a),
    )
    page1 = _text(staff.get("/fees/invoices/?sort=company"))
    assert "Найдено счетов: 30" in page1 and "Страница 1 из 2" in page1
    assert page1.index("Компания 00") < page1.index("Компания 01")
    assert "Компания 29" in _text(staff.get("/fees/invoices/?sort=company&page=2"))
    paid = _text(staff.get("/fees/invoices/?status=paid"))
    assert "Найдено счетов: 1" in paid and f"№ {first.number}" in paid
    assert "Найдено счетов: 29" in _text(
        staff.get(f"/fees/invoices/?status=unpaid&period={_next_year(cluster_a)} год")
    )
    assert "Найдено счетов: 0" in _text(staff.get("/fees/invoices/?period=2024 год"))
    by_company = _text(staff.get(f"/fees/invoices/?company={companies[3].pk}"))
    assert "Найдено счетов: 1" in by_company and "Плательщик: Компания 03" in by_company
    assert "Ничего не найдено." in _text(staff.get("/fees/invoices/?q=Несуществующая"))
    counts = []
    for page in (1, 2):
        with CaptureQueriesContext(connection) as queries:
            assert staff.get(f"/fees/invoices/?page={page}&q=Компания").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts  # 25 rows cost what 5 do
    with django_assert_max_num_queries(10):
        staff.get("/fees/invoices/?status=unpaid&sort=-amount")


def test_staff_record_a_partial_bank_transfer_then_the_rest_and_void_another(
    cluster_a: Cluster, make_user: MakeUser
) -> None:
    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    _, companies, invoices = _billed(cluster_a, ("Платит", "Аннулируют"))
    invoice, other = invoices[companies[0].pk], invoices[companies[1].pk]
    page = _text(staff.get(f"/fees/invoices/{invoice.pk}/"))
    assert "Записать оплату банковским переводом" in page
    assert f"Членский взнос за {_next_year(cluster_a)} год" in page
    too_much = staff.post(
        f"/fees/invoices/{invoice.pk}/payment/",
        {"amount_kopecks": "150 000", "order_number": "11", "order_date": _today(cluster_a).isoformat()},
    )
    assert too_much.status_code == 400 and "Сумма больше остатка по счёту (100 000,00 ₽)." in _text(too_much)
    assert (
        staff.post(
            f"/fees/invoices/{invoice.pk}/payment/",
            {"amount_kopecks": "40 000", "order_number": "11", "order_date": _today(cluster_a).isoformat()},
        ).status_code
        == 302
    )
    invoice.refresh_from_db()
    assert (invoice.status, invoice.paid_kopecks) == (Invoice.Status.PARTIALLY_PAID, 40_000_00)
    twice = staff.post(
        f"/fees/invoices/{invoice.pk}/payment/",
        {"amount_kopecks": "1 000", "order_number": "11", "order_date": _today(cluster_a).isoformat()},
    )
    assert "Платёжное поручение с таким номером и датой уже учтено." in _text(twice)
    staff.post(
        f"/fees/invoices/{invoice.pk}/payment/",
        {"amount_kopecks": "60 000,00", "order_number": "12", "order_date": _today(cluster_a).isoformat()},
    )
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    paid_page = _text(staff.get(f"/fees/invoices/{invoice.pk}/"))
    assert f"п/п № 11 от {_today(cluster_a):%d.%m.%Y}" in paid_page and "Записать оплату" not in paid_page
    assert "Аннулировать" not in paid_page
    paid_html = _html(staff.get(f"/fees/invoices/{invoice.pk}/"))
    assert f'href="/billing/invoices/{invoice.pk}/pdf/"' in paid_html
    assert f'href="/billing/invoices/{invoice.pk}/receipt/"' in paid_html
    # void: a confirmation page first, then the reason is required
    confirm = _text(staff.get(f"/fees/invoices/{other.pk}/void/"))
    assert f"Аннулировать счёт № {other.number}?" in confirm
    assert "Обязательное поле." in _text(staff.post(f"/fees/invoices/{other.pk}/void/", {"reason": ""}))
    assert staff.post(f"/fees/invoices/{other.pk}/void/", {"reason": "Выставлен ошибочно"}).status_code == 302
    other.refresh_from_db()
    assert (other.status, other.void_reason) == (Invoice.Status.VOID, "Выставлен ошибочно")
    assert Payment.objects.filter(invoice=invoice, method=Payment.Method.MANUAL).count() == 2


def test_staff_refund_a_bank_transfer(cluster_a: Cluster, make_user: MakeUser) -> None:
    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    _, companies, invoices = _billed(cluster_a, ("Переплатил",))
    invoice = invoices[companies[0].pk]
    payment = billing.payment_record_manual(
        actor=Actor.system(cluster_a),
        invoice=invoice,
        amount_kopecks=100_000_00,
        order_number="5",
        order_date=_today(cluster_a),
    )
    url = f"/fees/invoices/{invoice.pk}/payments/{payment.pk}/refund/"
    assert "можно вернуть до 100 000,00 ₽" in _text(staff.get(url))
    assert (
        staff.post(url, {"amount_kopecks": "30 000", "reason": "Ошибочно оплачено дважды"}).status_code == 302
    )
    invoice.refresh_from_db()
    assert (invoice.status, invoice.paid_kopecks) == (Invoice.Status.PARTIALLY_PAID, 70_000_00)
    assert "возврат 30 000,00 ₽" in _text(staff.get(f"/fees/invoices/{invoice.pk}/"))


def test_arrears_per_member_and_period_with_bounded_queries(
    cluster_a: Cluster,
    make_user: MakeUser,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    _, companies, invoices = _billed(cluster_a, ("Должник", "Частичный", "Исправный"))
    system = Actor.system(cluster_a)
    billing.payment_record_manual(
        actor=system,
        invoice=invoices[companies[1].pk],
        amount_kopecks=25_000_00,
        order_number="1",
        order_date=_today(cluster_a),
    )
    billing.payment_record_manual(
        actor=system,
        invoice=invoices[companies[2].pk],
        amount_kopecks=100_000_00,
        order_number="2",
        order_date=_today(cluster_a),
    )
    billing.invoices_mark_overdue(cluster=cluster_a, today=dt.date(_next_year(cluster_a), 4, 1))
    page = _text(staff.get(f"/fees/arrears/?period={_next_year(cluster_a)} год"))
    assert "Найдено участников: 3" in page
    assert "Должник" in page and "100 000,00 ₽ 100 000,00 ₽" in page  # debt, all of it overdue
    assert "Итого 300 000,00 ₽ 125 000,00 ₽ 175 000,00 ₽ 175 000,00 ₽" in page
    debtors = _text(staff.get("/fees/arrears/?debtors=1"))
    assert "Найдено участников: 2" in debtors and "Исправный" not in debtors
    assert debtors.index("Должник") < debtors.index("Частичный")  # the biggest debt first
    with django_assert_max_num_queries(12):
        staff.get("/fees/arrears/")
    _billed_more = [f"Ещё {i}" for i in range(20)]
    with schema_context(cluster_a.schema_name):
        schedule = FeeSchedule.objects.get()
        for name in _billed_more:
            f.member(cluster_a, name)
        run = services.assessment_start(actor=system, schedule=schedule, period=str(_next_year(cluster_a)))
        services.assessment_execute(run_id=run.pk)
    with django_assert_max_num_queries(12):
        assert "Найдено участников: 23" in _text(staff.get("/fees/arrears/"))


def test_ledger_export_xlsx_and_csv_for_excel(cluster_a: Cluster, make_user: MakeUser) -> None:
    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    _, companies, invoices = _billed(cluster_a, ("Медтех",))
    invoice = invoices[companies[0].pk]
    billing.payment_record_manual(
        actor=Actor.system(cluster_a),
        invoice=invoice,
        amount_kopecks=40_000_50,
        order_number="77",
        order_date=_today(cluster_a),
    )
    today = _today(cluster_a)
    query = f"date_from={today.year}-01-01&date_to={today:%Y-%m-%d}"
    assert "Скачать XLSX" in _text(staff.get("/fees/ledger/"))
    response = staff.get(f"/fees/ledger/?{query}&format=csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment;" in response["Content-Disposition"]
    raw = response.content
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:6] == ["Дата", "Операция", "Счёт №", "Плательщик", "ИНН", "Начислено, руб."]
    assert rows[1][:7] == [
        f"{today:%d.%m.%Y}",
        "Счёт",
        invoice.number,
        "ООО «Медтех»",
        invoice.company_inn,
        "100000,00",
        "",
    ]
    assert (
        rows[2][1] == "Оплата" and rows[2][6] == "40000,50" and rows[2][8] == f"п/п № 77 от {today:%d.%m.%Y}"
    )
    assert rows[-1][1:2] == ["Итого"] and rows[-1][5:7] == ["100000,00", "40000,50"]
    xlsx = staff.get(f"/fees/ledger/?{query}&format=xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert "Реестр начислений и оплат" in values[0][0]
    header = values.index(next(r for r in values if r[0] == "Дата"))
    assert values[header + 1][1:4] == ["Счёт", invoice.number, "ООО «Медтех»"]
    assert values[header + 1][5] == 100000.0 and values[header + 2][6] == 40000.5
    bad = staff.get("/fees/ledger/?date_from=2025-02-01&date_to=2025-01-01&format=csv")
    assert bad.status_code == 200 and "Дата «по» раньше даты «с»." in _text(bad)


def test_dues_status_on_the_member_card(cluster_a: Cluster, make_user: MakeUser) -> None:
    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    _, companies, invoices = _billed(cluster_a, ("Исправный", "Должник"))
    billing.payment_record_manual(
        actor=Actor.system(cluster_a),
        invoice=invoices[companies[0].pk],
        amount_kopecks=100_000_00,
        order_number="3",
        order_date=_today(cluster_a),
    )
    billing.invoices_mark_overdue(cluster=cluster_a, today=dt.date(_next_year(cluster_a), 4, 1))
    good = _text(staff.get(f"/members/{companies[0].pk}/"))
    assert "Задолженности нет" in good
    bad = _text(staff.get(f"/members/{companies[1].pk}/"))
    assert "Есть просроченная задолженность" in bad and "из них просрочено 100 000,00 ₽" in bad
    assert f'href="/fees/invoices/?company={companies[1].pk}"' in _html(
        staff.get(f"/members/{companies[1].pk}/")
    )
    with schema_context(cluster_a.schema_name):
        newcomer = f.member(cluster_a, "Новый")
    assert "Счетов на взносы не выставлялось." in _text(staff.get(f"/members/{newcomer.pk}/"))


def test_ledger_keeps_formula_like_names_as_text() -> None:
    from tenants.fees.exports import _text

    assert _text('=HYPERLINK("http://evil")') == '\'=HYPERLINK("http://evil")'
    assert _text("ООО «Ромашка»") == "ООО «Ромашка»" and _text(5) == 5
