"""Invoices, bank transfers, refunds, voids, overdue marks, payee secrets, reports."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from pytest_django import DjangoAssertNumQueries, DjangoCaptureOnCommitCallbacks

from billing import crypto
from billing.models import Invoice, Payee, Payment, Refund
from billing.selectors import arrears, company_dues_status, invoices_for_cluster, ledger_rows
from billing.services import (
    InvoiceLineSpec,
    InvoiceRequest,
    cluster_today,
    invoice_issue,
    invoice_void,
    invoices_issue_many,
    invoices_mark_overdue,
    payment_record_manual,
    payment_refund,
)
from core.audit.models import AuditEntry
from core.audit.services import Actor
from tenants.models import Cluster
from tests.conftest import ROLE, MakeUser

from .conftest import COMPANY, OTHER_COMPANY, issue

pytestmark = pytest.mark.django_db
Status = Invoice.Status


def staff(make_user: MakeUser, cluster: Cluster) -> Actor:
    return Actor(user=make_user(ROLE.CLUSTER_STAFF, cluster), host="test", cluster=cluster)


def test_issue_numbers_per_cluster_and_year_and_is_idempotent(cluster_a: Cluster, cluster_b: Cluster) -> None:
    first = issue(cluster_a, source="run-1:101", issue_date=dt.date(2026, 1, 15))
    second = issue(cluster_a, source="run-1:102", company_id=102, issue_date=dt.date(2026, 2, 1))
    other = issue(cluster_b, source="run-1:101", issue_date=dt.date(2026, 1, 15))
    next_year = issue(cluster_a, source="run-2:101", issue_date=dt.date(2027, 1, 10))
    assert (first.number, second.number, other.number, next_year.number) == (
        "2026-0001",
        "2026-0002",
        "2026-0001",
        "2027-0001",
    )
    again, created = invoice_issue(
        actor=Actor.system(cluster_a),
        cluster=cluster_a,
        company_id=COMPANY,
        company_name="x",
        company_inn="",
        company_kpp="",
        lines=[InvoiceLineSpec("Взнос", 1)],
        issue_date=dt.date(2026, 3, 1),
        due_date=dt.date(2026, 3, 2),
        period_label="2026",
        source_key="run-1:101",
    )
    assert (again.pk, created) == (first.pk, False)
    assert Invoice.objects.filter(cluster=cluster_a).count() == 3
    # Issued already past its due date (these dates are in the past): overdue at once.
    expected = Status.OPEN if first.due_date >= cluster_today(cluster_a) else Status.OVERDUE
    assert first.status == expected and first.amount_kopecks == 1_500_000 and first.currency == "RUB"
    assert first.lines.get().description == "Членский взнос за 2026 год"
    assert AuditEntry.objects.filter(cluster=cluster_a, action="billing.invoice_issue").count() == 3


def test_issue_refuses_bad_input_and_wrong_people(
    cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser
) -> None:
    with pytest.raises(ValidationError) as err:
        invoice_issue(
            actor=Actor.system(cluster_a),
            cluster=cluster_a,
            company_id=1,
            company_name="ООО",
            company_inn="",
            company_kpp="",
            lines=[InvoiceLineSpec("Взнос", 0)],
            issue_date=dt.date(2026, 2, 1),
            due_date=dt.date(2026, 1, 1),
            period_label="",
            source_key="k",
        )
    assert "Срок оплаты не может быть раньше даты счёта." in err.value.message_dict["due_date"]
    assert "больше нуля" in " ".join(err.value.message_dict["lines"])
    rep = make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=COMPANY)
    for actor in (Actor(user=rep, cluster=cluster_a), Actor(user=make_user(ROLE.CLUSTER_ADMIN, cluster_b))):
        with pytest.raises(PermissionDenied):
            issue_as(actor, cluster_a)
    with pytest.raises(PermissionDenied):  # an actor of cluster B acting on cluster A
        issue_as(Actor(user=None, cluster=cluster_b), cluster_a)
    assert not Invoice.objects.filter(cluster=cluster_a).exists()


def issue_as(actor: Actor, cluster: Cluster) -> None:
    invoice_issue(
        actor=actor,
        cluster=cluster,
        company_id=COMPANY,
        company_name="ООО",
        company_inn="",
        company_kpp="",
        lines=[InvoiceLineSpec("Взнос", 100)],
        issue_date=dt.date(2026, 1, 1),
        due_date=dt.date(2026, 1, 31),
        period_label="2026",
        source_key="perm",
    )


def test_manual_payments_partial_then_full_with_audit(cluster_a: Cluster, make_user: MakeUser) -> None:
    actor = staff(make_user, cluster_a)
    invoice = issue(cluster_a, amount=1_000_000)
    today = cluster_today(cluster_a)
    payment_record_manual(
        actor=actor, invoice=invoice, amount_kopecks=400_000, order_number="17", order_date=today
    )
    invoice.refresh_from_db()
    assert (invoice.status, invoice.paid_kopecks, invoice.outstanding_kopecks) == (
        Status.PARTIALLY_PAID,
        400_000,
        600_000,
    )
    with pytest.raises(ValidationError) as err:
        payment_record_manual(
            actor=actor, invoice=invoice, amount_kopecks=600_001, order_number="18", order_date=today
        )
    assert "Сумма больше остатка по счёту (6 000,00 ₽)." in err.value.message_dict["amount_kopecks"]
    with pytest.raises(ValidationError) as err:
        payment_record_manual(
            actor=actor, invoice=invoice, amount_kopecks=1, order_number="17", order_date=today
        )
    assert "уже учтено" in err.value.message_dict["order_number"][0]
    with pytest.raises(ValidationError) as err:
        payment_record_manual(
            actor=actor,
            invoice=invoice,
            amount_kopecks=1,
            order_number="19",
            order_date=today + dt.timedelta(days=1),
        )
    assert "в будущем" in err.value.message_dict["order_date"][0]
    payment_record_manual(
        actor=actor, invoice=invoice, amount_kopecks=600_000, order_number="18", order_date=today
    )
    invoice.refresh_from_db()
    assert invoice.status == Status.PAID and invoice.paid_at is not None
    with pytest.raises(ValidationError, match="не принимает платежи"):
        payment_record_manual(
            actor=actor, invoice=invoice, amount_kopecks=1, order_number="20", order_date=today
        )
    entries = AuditEntry.objects.filter(
        cluster=cluster_a, object_type="billing.payment", action="billing.payment_manual"
    )
    first = entries.first()
    assert actor.user is not None
    assert entries.count() == 2 and first is not None and first.actor_id == actor.user.pk


def test_representative_cannot_record_payments_or_refund(cluster_a: Cluster, make_user: MakeUser) -> None:
    invoice = issue(cluster_a)
    rep = Actor(user=make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=COMPANY), cluster=cluster_a)
    with pytest.raises(PermissionDenied):
        payment_record_manual(
            actor=rep,
            invoice=invoice,
            amount_kopecks=1,
            order_number="1",
            order_date=cluster_today(cluster_a),
        )
    with pytest.raises(PermissionDenied):
        invoice_void(actor=rep, invoice=invoice, reason="не хочу")


def test_refund_of_a_bank_transfer_reopens_the_invoice(cluster_a: Cluster, make_user: MakeUser) -> None:
    actor = staff(make_user, cluster_a)
    invoice = issue(cluster_a, amount=500_000)
    payment = payment_record_manual(
        actor=actor,
        invoice=invoice,
        amount_kopecks=500_000,
        order_number="5",
        order_date=cluster_today(cluster_a),
    )
    with pytest.raises(ValidationError) as err:
        payment_refund(actor=actor, payment=payment, amount_kopecks=500_001, reason="ошибка")
    assert "Можно вернуть не больше 5 000,00 ₽." in err.value.message_dict["amount_kopecks"]
    with pytest.raises(ValidationError) as err:
        payment_refund(actor=actor, payment=payment, amount_kopecks=100, reason=" ")
    assert "reason" in err.value.message_dict
    refund = payment_refund(actor=actor, payment=payment, amount_kopecks=200_000, reason="Переплата")
    invoice.refresh_from_db()
    payment.refresh_from_db()
    assert refund.status == Refund.Status.SUCCEEDED
    assert (payment.refunded_kopecks, invoice.paid_kopecks, invoice.status) == (
        200_000,
        300_000,
        Status.PARTIALLY_PAID,
    )


def test_void_only_without_money(cluster_a: Cluster, make_user: MakeUser) -> None:
    actor = staff(make_user, cluster_a)
    paid = issue(cluster_a)
    payment_record_manual(
        actor=actor, invoice=paid, amount_kopecks=100, order_number="1", order_date=cluster_today(cluster_a)
    )
    with pytest.raises(ValidationError, match="сначала оформите возврат"):
        invoice_void(actor=actor, invoice=paid, reason="ошибка")
    unpaid = issue(cluster_a)
    with pytest.raises(ValidationError):
        invoice_void(actor=actor, invoice=unpaid, reason="")
    invoice_void(actor=actor, invoice=unpaid, reason="Выставлен по ошибке")
    unpaid.refresh_from_db()
    assert unpaid.status == Status.VOID and unpaid.outstanding_kopecks == 0
    with pytest.raises(ValidationError, match="уже аннулирован"):
        invoice_void(actor=actor, invoice=unpaid, reason="ещё раз")


def test_overdue_uses_the_cluster_date(cluster_a: Cluster, make_user: MakeUser) -> None:
    today = cluster_today(cluster_a)
    late = issue(cluster_a, issue_date=today - dt.timedelta(days=40), due_in_days=10)
    assert late.status == Status.OVERDUE  # issued already past due
    Invoice.objects.filter(pk=late.pk).update(status=Status.OPEN)
    on_time = issue(cluster_a)
    assert invoices_mark_overdue(cluster=cluster_a, today=today) == 1
    assert invoices_mark_overdue(cluster=cluster_a, today=today) == 0
    late.refresh_from_db()
    on_time.refresh_from_db()
    assert (late.status, on_time.status) == (Status.OVERDUE, Status.OPEN)
    payment_record_manual(
        actor=staff(make_user, cluster_a),
        invoice=late,
        amount_kopecks=100,
        order_number="1",
        order_date=today,
    )
    late.refresh_from_db()
    assert late.status == Status.OVERDUE and late.paid_kopecks == 100  # partly paid, still late


def test_payee_secrets_are_encrypted_and_never_audited(payee_a: Payee, cluster_a: Cluster) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT stripe_secret_key_encrypted, stripe_webhook_secret_encrypted FROM billing_payee "
            "WHERE id = %s",
            [payee_a.pk],
        )
        stored = cursor.fetchone()
    assert "sk_test_alpha" not in stored[0] and "whsec_test_alpha" not in stored[1]
    assert crypto.decrypt(stored[0]) == "sk_test_alpha"
    entry = AuditEntry.objects.get(cluster=cluster_a, action="billing.payee_create")
    assert "sk_test_alpha" not in str(entry.changes) and "whsec_test_alpha" not in str(entry.changes)
    assert Payee.objects.get(pk=payee_a.pk).online_payments_enabled


def test_payee_validation_and_admin_only(cluster_a: Cluster, make_user: MakeUser) -> None:
    from billing.services import payee_save

    staff_actor = Actor(user=make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster=cluster_a)
    with pytest.raises(PermissionDenied):
        payee_save(actor=staff_actor, cluster=cluster_a, fields={"name": "x"})
    admin = Actor(user=make_user(ROLE.CLUSTER_ADMIN, cluster_a), cluster=cluster_a)
    with pytest.raises(ValidationError) as err:
        payee_save(
            actor=admin,
            cluster=cluster_a,
            fields={
                "name": "АНО",
                "inn": "123",
                "bank_name": "Банк",
                "bik": "12",
                "account": "1",
                "correspondent_account": "2",
            },
            stripe_secret_key="pk_wrong",
        )
    errors = err.value.message_dict
    assert errors["bik"] == ["БИК: ровно 9 цифр."] and "ИНН" in errors["inn"][0]
    assert "sk_" in errors["stripe_secret_key"][0]


def test_reports_arrears_ledger_and_dues(
    cluster_a: Cluster,
    cluster_b: Cluster,
    make_user: MakeUser,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    actor = staff(make_user, cluster_a)
    today = cluster_today(cluster_a)
    a1 = issue(cluster_a, amount=1_000_000)
    issue(cluster_a, amount=300_000, company_id=OTHER_COMPANY, name="АО «Прибор»")
    late = issue(cluster_a, amount=200_000, issue_date=today - dt.timedelta(days=60), due_in_days=5)
    void = issue(cluster_a, amount=999_900, company_id=OTHER_COMPANY)
    invoice_void(actor=actor, invoice=void, reason="ошибка")
    issue(cluster_b, amount=777_700)  # another cluster: never counted
    payment_record_manual(
        actor=actor, invoice=a1, amount_kopecks=250_000, order_number="77", order_date=today
    )
    with django_assert_max_num_queries(3):
        rows = {row.company_id: row for row in arrears(cluster_a)}
    assert set(rows) == {COMPANY, OTHER_COMPANY}
    mine = rows[COMPANY]
    assert (mine.invoiced_kopecks, mine.paid_kopecks, mine.outstanding_kopecks, mine.overdue_kopecks) == (
        1_200_000,
        250_000,
        950_000,
        200_000,
    )
    assert rows[OTHER_COMPANY].outstanding_kopecks == 300_000
    with django_assert_max_num_queries(3):
        ledger = ledger_rows(cluster_a, date_from=today - dt.timedelta(days=90), date_to=today)
    kinds = [(r.kind, r.invoice_number) for r in ledger]
    assert ("payment", a1.number) in kinds and ("void", void.number) in kinds
    assert ("invoice", late.number) in kinds
    payment_row = next(r for r in ledger if r.kind == "payment")
    assert payment_row.credit_kopecks == 250_000 and payment_row.reference.startswith("п/п № 77 от")
    dues = company_dues_status(cluster_a, COMPANY)
    assert (dues.state, dues.outstanding_kopecks, dues.unpaid_invoices) == ("overdue", 950_000, 2)
    assert company_dues_status(cluster_a, 999).state == "none"
    assert invoices_for_cluster(cluster_a, status="unpaid", search="Прибор").count() == 1
    assert not Payment.objects.filter(cluster=cluster_b).exists()


def test_demo_payees_are_idempotent_and_fake(cluster_a: Cluster, cluster_b: Cluster) -> None:
    from billing.demo import demo_payees
    from core.ru.identifiers import inn_error

    demo_payees([cluster_a, cluster_b])
    demo_payees([cluster_a, cluster_b])
    payees = list(Payee.objects.filter(cluster__in=[cluster_a, cluster_b]).order_by("cluster__schema_name"))
    assert len(payees) == 2 and all(p.online_payments_enabled and p.has_webhook_secret for p in payees)
    assert all(p.inn.startswith("000000") and inn_error(p.inn) is None for p in payees)
    assert crypto.decrypt(payees[0].stripe_secret_key_encrypted) == "sk_test_clusterhub_alpha"


def test_a_batch_is_numbered_after_single_invoices_audited_idempotent_and_refuses_bad_rows(
    cluster_a: Cluster,
    make_user: MakeUser,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    first = issue(cluster_a, source="single:1", issue_date=dt.date(2026, 3, 1))
    actor = staff(make_user, cluster_a)

    def request(n: int, *, amount: int = 100_00, name: str = "ООО «Пакет»") -> InvoiceRequest:
        return InvoiceRequest(
            company_id=500 + n,
            company_name=name,
            company_inn="",
            company_kpp="",
            lines=[InvoiceLineSpec(description="Членский взнос за 2026 год", unit_price_kopecks=amount)],
            issue_date=dt.date(2026, 3, 2),
            due_date=dt.date(2026, 4, 1),
            period_label="2026 год",
            source_key=f"batch:{n}",
            grace_days=5,
        )

    requests = [request(n) for n in range(1, 41)] + [request(99, amount=0)]
    with django_capture_on_commit_callbacks(execute=False) as callbacks, django_assert_max_num_queries(12):
        outcome = invoices_issue_many(actor=actor, cluster=cluster_a, requests=requests)
    assert len(callbacks) == 1  # one after-commit hook queues the 40 «issued» e-mails
    assert len(outcome.created) == 40 and list(outcome.refused) == ["batch:99"]
    assert "больше нуля" in " ".join(outcome.refused["batch:99"].messages)
    numbers = sorted(
        Invoice.objects.filter(cluster=cluster_a, source_key__startswith="batch:").values_list(
            "number", flat=True
        )
    )
    assert first.number == "2026-0001" and numbers[0] == "2026-0002" and numbers[-1] == "2026-0041"
    invoice = Invoice.objects.get(cluster=cluster_a, source_key="batch:7")
    assert invoice.overdue_after == dt.date(2026, 4, 6) and invoice.lines.get().amount_kopecks == 100_00
    assert AuditEntry.objects.filter(
        cluster=cluster_a, action="billing.invoice_issue", object_id=str(invoice.pk)
    ).exists()
    again = invoices_issue_many(actor=actor, cluster=cluster_a, requests=requests[:5])
    assert again.created == [] and again.existing == sorted(f"batch:{n}" for n in range(1, 6))
    member = Actor(user=make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a), host="test", cluster=cluster_a)
    with pytest.raises(PermissionDenied):
        invoices_issue_many(actor=member, cluster=cluster_a, requests=[request(200)])
