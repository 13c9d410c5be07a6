"""Import → preview → apply → queue, through billing.statements.services: states, all or
nothing, never booked twice, staff only, each cluster its own."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from billing.models import Invoice, Payee, Payment
from billing.services import payment_record_manual
from billing.statements import services
from billing.statements.models import BankStatement, BankStatementLine
from core.accounts.models import Grant
from core.audit.models import AuditEntry
from core.audit.services import Actor
from tenants.models import Cluster
from tests.billing.conftest import OTHER_COMPANY, issue

from .helpers import doc, pays, statement

pytestmark = pytest.mark.django_db
State = BankStatementLine.State


def staff(make_user: Any, cluster: Cluster) -> Actor:
    return Actor(user=make_user(Grant.Role.CLUSTER_STAFF, cluster), cluster=cluster)


def load(actor: Actor, cluster: Cluster, data: bytes, name: str = "kl_to_1c.txt") -> BankStatement:
    return services.statement_import(actor=actor, cluster=cluster, file_name=name, data=data)


def states(stmt: BankStatement) -> list[tuple[str, str]]:
    return list(stmt.lines.order_by("position").values_list("state", "invoice_number"))


def test_preview_states_then_apply_books_payments(cluster_a: Cluster, payee_a: Payee, make_user: Any) -> None:
    actor = staff(make_user, cluster_a)
    full, part, over, by_inn = (
        issue(cluster_a),
        issue(cluster_a, amount=2_000_000),
        issue(cluster_a, amount=500_000),
        issue(cluster_a, company_id=OTHER_COMPANY, amount=700_000),
    )
    twin1, twin2 = (
        issue(cluster_a, company_id=303, amount=100_000),
        issue(cluster_a, company_id=303, amount=100_000),
    )
    data = statement(
        payee_a,
        [
            pays(full),
            pays(part, amount=500_000, purpose=f"сч. {part.number} членский взнос, часть"),
            pays(over, amount=600_000, purpose=f"СЧЁТ{over.number.replace('-', ' - ')} от 01.01.2026"),
            pays(by_inn, purpose="Членский взнос за 2026 год, без НДС"),
            pays(twin1, purpose="Членский взнос"),
            doc(
                payee=payee_a,
                amount=123_400,
                purpose="Пожертвование на развитие кластера",
                payer_inn="7707083893",
            ),
            doc(payee=payee_a, amount=99_900, purpose="Комиссия банка", debit=True),
        ],
    )
    stmt = load(actor, cluster_a, data)
    assert (stmt.status, stmt.credits, stmt.debits_skipped) == (BankStatement.Status.PREVIEW, 6, 1)
    assert states(stmt) == [
        (State.MATCHED, full.number),
        (State.PARTIAL, part.number),
        (State.OVERPAID, over.number),
        (State.MATCHED, by_inn.number),
        (State.AMBIGUOUS, ""),
        (State.UNMATCHED, ""),
    ]
    ambiguous = stmt.lines.get(position=5)
    assert sorted(ambiguous.candidates) == sorted([twin1.pk, twin2.pk])
    assert "найден по ИНН плательщика и сумме" in stmt.lines.get(position=4).reason
    assert not Payment.objects.filter(cluster=cluster_a).exists()  # a preview books nothing

    services.statement_apply(actor=actor, statement=stmt)
    stmt.refresh_from_db()
    assert stmt.status == BankStatement.Status.APPLIED and stmt.applied_by == actor.user
    for invoice, status, paid in (
        (full, "paid", 1_500_000),
        (part, "partially_paid", 500_000),
        (over, "paid", 500_000),
        (by_inn, "paid", 700_000),
        (twin1, "open", 0),
    ):
        invoice.refresh_from_db()
        assert (invoice.status, invoice.paid_kopecks) == (status, paid), invoice.number
    payment = Payment.objects.get(invoice=part)
    assert (payment.method, payment.order_number, payment.order_date) == (
        "manual",
        stmt.lines.get(position=2).document_number,
        dt.date(2026, 1, 20),
    )
    assert stmt.lines.filter(booked=True).count() == 4
    assert "Переплата 1 000,00 ₽" in stmt.lines.get(position=3).reason
    assert AuditEntry.objects.filter(action="billing.payment_manual", cluster=cluster_a).count() == 4
    assert AuditEntry.objects.filter(action="billing.statement_apply", cluster=cluster_a).count() == 1


def test_reimport_of_the_same_or_an_overlapping_statement_books_nothing_twice(
    cluster_a: Cluster, payee_a: Payee, make_user: Any
) -> None:
    actor = staff(make_user, cluster_a)
    first, second = issue(cluster_a, amount=1_000_000), issue(cluster_a, amount=1_000_000)
    one = pays(first, amount=400_000)
    stmt = load(actor, cluster_a, statement(payee_a, [one]))
    services.statement_apply(actor=actor, statement=stmt)
    again = load(actor, cluster_a, statement(payee_a, [one, pays(second)]))  # overlaps: same document again
    assert states(again) == [(State.ALREADY_IMPORTED, ""), (State.MATCHED, second.number)]
    services.statement_apply(actor=actor, statement=again)
    first.refresh_from_db()
    assert first.paid_kopecks == 400_000 and Payment.objects.filter(invoice=first).count() == 1
    with pytest.raises(ValidationError, match="уже проведена"):
        services.statement_apply(actor=actor, statement=again)


def test_two_previews_of_one_file_applied_one_after_the_other_book_once(
    cluster_a: Cluster, payee_a: Payee, make_user: Any
) -> None:
    actor = staff(make_user, cluster_a)
    invoice = issue(cluster_a)
    data = statement(payee_a, [pays(invoice)])
    a, b = load(actor, cluster_a, data), load(actor, cluster_a, data)
    services.statement_apply(actor=actor, statement=a)
    services.statement_apply(actor=actor, statement=b)  # re-proposed at apply time
    assert states(b) == [(State.ALREADY_IMPORTED, "")]
    assert Payment.objects.filter(invoice=invoice).count() == 1


def test_a_payment_order_recorded_by_hand_is_not_booked_again(
    cluster_a: Cluster, payee_a: Payee, make_user: Any
) -> None:
    actor = staff(make_user, cluster_a)
    invoice = issue(cluster_a)
    line = pays(invoice, amount=300_000, number="555")
    payment_record_manual(
        actor=actor, invoice=invoice, amount_kopecks=300_000, order_number="555", order_date=line.date
    )
    stmt = load(actor, cluster_a, statement(payee_a, [line]))
    (row,) = stmt.lines.all()
    assert row.state == State.ALREADY_IMPORTED and "уже учтено" in row.reason


def test_duplicate_document_inside_one_file(cluster_a: Cluster, payee_a: Payee, make_user: Any) -> None:
    invoice = issue(cluster_a, amount=1_000_000)
    line = pays(invoice, amount=100_000)
    stmt = load(staff(make_user, cluster_a), cluster_a, statement(payee_a, [line, line]))
    assert [s for s, _ in states(stmt)] == [State.PARTIAL, State.ALREADY_IMPORTED]


def test_apply_is_all_or_nothing(
    cluster_a: Cluster, payee_a: Payee, make_user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    actor = staff(make_user, cluster_a)
    invoices = [issue(cluster_a) for _ in range(3)]
    stmt = load(actor, cluster_a, statement(payee_a, [pays(i) for i in invoices]))
    monkeypatch.setattr(
        services, "notify_on_commit", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("boom"))
    )
    with pytest.raises(RuntimeError):
        services.statement_apply(actor=actor, statement=stmt)
    stmt.refresh_from_db()
    assert stmt.status == BankStatement.Status.PREVIEW and not stmt.lines.filter(booked=True).exists()
    assert not Payment.objects.filter(cluster=cluster_a).exists()
    assert set(
        Invoice.objects.filter(pk__in=[i.pk for i in invoices]).values_list("paid_kopecks", flat=True)
    ) == {0}


def test_paid_and_void_invoices_by_number_go_to_the_queue(
    cluster_a: Cluster, payee_a: Payee, make_user: Any
) -> None:
    actor = staff(make_user, cluster_a)
    paid = issue(cluster_a, amount=100_000)
    payment_record_manual(
        actor=actor, invoice=paid, amount_kopecks=100_000, order_number="1", order_date=dt.date(2026, 1, 2)
    )
    stmt = load(
        actor,
        cluster_a,
        statement(
            payee_a, [pays(paid, amount=100_000), doc(payee=payee_a, amount=5_000, purpose="сч 2026-9999")]
        ),
    )
    (first, second) = stmt.lines.order_by("position")
    assert first.state == State.UNMATCHED and "уже оплачен" in first.reason
    assert second.state == State.UNMATCHED and "Счёт № 2026-9999 не найден" in second.reason
    assert "ИНН плательщика не указан" in second.reason


def test_statement_of_another_account_is_refused(cluster_a: Cluster, payee_a: Payee, make_user: Any) -> None:
    data = statement("40702810000000000555", [doc(payee="40702810000000000555", amount=100, purpose="x")])
    with pytest.raises(ValidationError) as caught:
        load(staff(make_user, cluster_a), cluster_a, data)
    assert (
        "Выписка по счёту 40702810000000000555, а расчётный счёт получателя взносов — 40703810900000000001"
        in caught.value.message_dict["file"][0]
    )
    assert not BankStatement.objects.exists()


def test_a_bad_file_saves_nothing(cluster_a: Cluster, payee_a: Payee, make_user: Any) -> None:
    data = statement(payee_a, [doc(payee=payee_a, amount=100, purpose="x")]).replace(
        "КонецФайла".encode("cp1251"), b""
    )
    with pytest.raises(ValidationError, match="Файл обрезан"):
        load(staff(make_user, cluster_a), cluster_a, data)
    assert not BankStatement.objects.exists()


def test_queue_match_and_dismiss(cluster_a: Cluster, payee_a: Payee, make_user: Any) -> None:
    actor = staff(make_user, cluster_a)
    invoice = issue(cluster_a, amount=1_000_000)
    stmt = load(
        actor,
        cluster_a,
        statement(
            payee_a,
            [
                doc(payee=payee_a, amount=250_000, purpose="Взнос"),
                doc(payee=payee_a, amount=1_000, purpose="Возврат займа"),
            ],
        ),
    )
    unmatched, other = stmt.lines.order_by("position")
    with pytest.raises(ValidationError, match="Строка не ждёт разбора"):  # not applied yet
        services.line_match(actor=actor, line=unmatched, invoice=invoice)
    services.statement_apply(actor=actor, statement=stmt)
    line = services.line_match(actor=actor, line=unmatched, invoice=invoice)
    assert (line.state, line.booked, line.invoice_id) == (State.PARTIAL, True, invoice.pk)
    invoice.refresh_from_db()
    assert invoice.paid_kopecks == 250_000
    with pytest.raises(ValidationError, match="Строка не ждёт разбора"):
        services.line_match(actor=actor, line=line, invoice=invoice)
    with pytest.raises(ValidationError) as caught:
        services.line_dismiss(actor=actor, line=other, reason="  ")
    assert caught.value.message_dict == {"reason": ["Укажите, почему строка отклонена."]}
    dismissed = services.line_dismiss(actor=actor, line=other, reason="Не взнос: возврат займа")
    assert (dismissed.state, dismissed.reason, dismissed.resolved_by) == (
        State.DISMISSED,
        "Не взнос: возврат займа",
        actor.user,
    )


def test_other_cluster_and_representatives_are_refused(
    cluster_a: Cluster, cluster_b: Cluster, payee_a: Payee, payee_b: Payee, make_user: Any
) -> None:
    data = statement(payee_a, [doc(payee=payee_a, amount=100, purpose="x")])
    rep = Actor(user=make_user(Grant.Role.MEMBER_REPRESENTATIVE, cluster_a, company_id=1), cluster=cluster_a)
    with pytest.raises(PermissionDenied):
        load(rep, cluster_a, data)
    with pytest.raises(PermissionDenied):
        load(staff(make_user, cluster_b), cluster_a, data)
    stmt = load(staff(make_user, cluster_a), cluster_a, data)
    with pytest.raises(PermissionDenied):
        services.statement_apply(actor=staff(make_user, cluster_b), statement=stmt)
    foreign = issue(cluster_b)
    services.statement_apply(actor=staff(make_user, cluster_a), statement=stmt)
    with pytest.raises(ValidationError, match="Такого счёта нет в этом кластере"):
        services.line_match(actor=staff(make_user, cluster_a), line=stmt.lines.get(), invoice=foreign)


def test_apply_audits_each_payment_and_invoice_as_the_log_shows_them(
    cluster_a: Cluster, payee_a: Payee, make_user: Any
) -> None:
    actor = staff(make_user, cluster_a)
    full, part = issue(cluster_a), issue(cluster_a, amount=2_000_000)
    stmt = load(actor, cluster_a, statement(payee_a, [pays(full, number="71"), pays(part, amount=500_000)]))
    services.statement_apply(actor=actor, statement=stmt)
    line = stmt.lines.get(position=1)
    payment = Payment.objects.get(invoice=full)
    assert line.payment == payment and line.booked
    entry = AuditEntry.objects.get(action="billing.payment_manual", object_id=str(payment.pk))
    assert (entry.cluster, entry.actor, entry.object_type, entry.object_repr) == (
        cluster_a,
        actor.user,
        "billing.payment",
        str(payment),
    )
    assert entry.changes == {
        "invoice": [None, full.pk],
        "method": [None, "manual"],
        "amount_kopecks": [None, 1_500_000],
        "order_number": [None, "71"],
        "order_date": [None, "2026-01-20"],
        "statement_line": [None, line.pk],
    }
    paid = {
        e.object_id: e for e in AuditEntry.objects.filter(action="billing.invoice_paid", cluster=cluster_a)
    }
    assert paid[str(full.pk)].object_repr == str(full)
    assert paid[str(full.pk)].changes == {"paid_kopecks": [0, 1_500_000], "status": ["open", "paid"]}
    assert paid[str(part.pk)].changes == {"paid_kopecks": [0, 500_000], "status": ["open", "partially_paid"]}
    full.refresh_from_db()
    assert full.paid_at is not None


def test_apply_stores_what_changed_since_the_preview(
    cluster_a: Cluster, payee_a: Payee, make_user: Any
) -> None:
    actor = staff(make_user, cluster_a)
    halved, settled = issue(cluster_a, amount=1_000_000), issue(cluster_a, amount=300_000)
    stmt = load(actor, cluster_a, statement(payee_a, [pays(halved), pays(settled)]))
    assert [s for s, _ in states(stmt)] == [State.MATCHED, State.MATCHED]
    for invoice, amount in ((halved, 400_000), (settled, 300_000)):  # paid by hand meanwhile
        payment_record_manual(
            actor=actor,
            invoice=invoice,
            amount_kopecks=amount,
            order_number="9",
            order_date=dt.date(2026, 1, 5),
        )
    services.statement_apply(actor=actor, statement=stmt)
    first, second = stmt.lines.order_by("position")
    assert (first.state, first.booked) == (State.OVERPAID, True)
    assert "Переплата 4 000,00 ₽" in first.reason
    assert (second.state, second.booked, second.payment) == (State.UNMATCHED, False, None)
    assert "уже оплачен" in second.reason
    halved.refresh_from_db()
    assert (halved.paid_kopecks, halved.status) == (1_000_000, "paid")
