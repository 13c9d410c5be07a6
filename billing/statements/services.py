"""Writes of bank statements: import (parse, keep the credits to the payee's account, propose
a match per line: the preview), apply (bank-transfer payments for the matched lines, all or
nothing), and the queue: match a line by hand, or dismiss it with a reason.

Every function checks that the actor manages the cluster (admin or staff), runs in one
transaction with its audit rows, and never books a statement line twice: the booking key is
unique among booked lines in the database, and applying re-proposes every line under the
invoices' row locks, so what changed since the preview (a payment recorded meanwhile, an
overlapping statement applied first) is taken into account.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from billing.models import CURRENCY, Invoice, Notification, Payment
from billing.selectors import payee_for_cluster
from billing.services import payment_record_manual
from billing.services.common import locked, notify_on_commit, scoped, status_for
from core.audit.models import AuditEntry
from core.audit.services import Actor, audit_entry, audit_record
from core.clock import cluster_today
from core.ru.money import format_roubles
from tenants.models import Cluster

from . import matching, parser, selectors
from .models import BankStatement, BankStatementLine

BATCH = 1000  # lines per bulk write when applying (one INSERT or UPDATE … FROM (VALUES …) each)
NOT_IN_QUEUE = "Строка не ждёт разбора: сопоставлять и отклонять можно несопоставленные строки проведённых выписок."
RACED = ("Часть платежей этой выписки только что проведена другой выпиской. Загрузите выписку ещё раз: "
         "уже проведённые строки будут отмечены «Уже учтён».")
State = BankStatementLine.State


def _propose(cluster: Cluster, lines: Sequence[BankStatementLine], *, lock: bool) -> dict[int, int]:
    """Set each line's state, invoice, candidates and reason (in place). A fixed number of
    queries whatever the number of lines: the invoices named or owed by the payers, the
    booking keys already booked, the bank transfers already recorded on those invoices.
    Returns what each bookable line (by position) would put on its invoice."""
    found = [matching.invoice_numbers(line.purpose) for line in lines]
    invoices = selectors.invoices_to_match(
        cluster, numbers={key for named in found for key, _ in named},
        inns={line.payer_inn for line in lines if line.payer_inn}, lock=lock)
    matcher = matching.Matcher(invoices)
    numbers = {i.id: i.number for i in invoices}
    booked = selectors.booked_keys(cluster, [line.key for line in lines])
    by_hand = selectors.hand_recorded(cluster, numbers)
    seen: dict[tuple[str, str, str, int, str], int] = {}
    amounts: dict[int, int] = {}
    for line in lines:
        line.invoice_id, line.candidates, line.reason, line.invoice_number = None, [], "", ""
        if line.key in booked:
            line.state, line.reason = State.ALREADY_IMPORTED, "Этот платёж уже проведён по ранее загруженной выписке."
            continue
        if line.key in seen:
            line.state = State.ALREADY_IMPORTED
            line.reason = f"Повтор документа из строки {seen[line.key]} этого файла."
            continue
        seen[line.key] = line.source_line
        proposal = matcher.propose(amount_kopecks=line.amount_kopecks, payer_inn=line.payer_inn,
                                   purpose=line.purpose)
        if proposal.invoice_id is not None and (proposal.invoice_id, line.document_number, line.date) in by_hand:
            matcher.left[proposal.invoice_id] += proposal.book_kopecks  # the DB total already has it
            line.state, line.invoice_id, line.candidates = State.ALREADY_IMPORTED, proposal.invoice_id, [proposal.invoice_id]
            line.invoice_number = numbers[proposal.invoice_id]
            line.reason = (f"Платёжное поручение № {line.document_number} от {line.date:%d.%m.%Y} уже учтено "
                           f"по счёту № {line.invoice_number} вручную.")
            continue
        line.state, line.invoice_id, line.candidates = proposal.state, proposal.invoice_id, proposal.candidates
        line.invoice_number, line.reason = proposal.invoice_number[:200], proposal.reason
        if proposal.state in matching.BOOKABLE:
            amounts[line.position] = proposal.book_kopecks
    return amounts


def statement_import(*, actor: Actor, cluster: Cluster, file_name: str, data: bytes) -> BankStatement:
    """Read an uploaded statement and store its preview: the credits to the payee's account,
    each with its proposed invoice and state. Nothing is booked until `statement_apply`."""
    actor = scoped(actor, cluster)
    payee = payee_for_cluster(cluster)
    if payee is None or not payee.account:
        raise ValidationError({"file": ["Сначала укажите реквизиты получателя взносов: выписка сверяется с его "
                                        "расчётным счётом."]})
    try:
        parsed = parser.parse(data)
    except parser.StatementFormatError as exc:
        raise ValidationError({"file": [str(exc)]}) from None
    account = payee.account
    documents = parsed.documents
    if account not in parsed.accounts and not any(account in (d.payee_account, d.payer_account) for d in documents):
        listed = ", ".join(parsed.accounts) or "не указан"
        raise ValidationError({"file": [f"Выписка по счёту {listed}, а расчётный счёт получателя взносов — "
                                        f"{account}. Загрузите выписку по этому счёту."]})
    incoming = [d for d in documents if d.payee_account == account and d.payer_account != account]
    debits = sum(1 for d in documents if d.payer_account == account)
    lines = [
        BankStatementLine(
            cluster=cluster, position=i, source_line=d.line, document_kind=d.kind[:100],
            document_number=d.number[:40], date=d.date, received_date=d.received_date,
            amount_kopecks=d.amount_kopecks, payer_name=d.payer_name[:500], payer_inn=d.payer_inn,
            payer_account=d.payer_account[:20], payee_account=account, purpose=d.purpose, warnings=d.warnings,
        )
        for i, d in enumerate(incoming, start=1)
    ]
    with transaction.atomic():
        _propose(cluster, lines, lock=False)
        statement = BankStatement.objects.create(
            cluster=cluster, file_name=(file_name or "statement.txt")[:255],
            file_sha256=hashlib.sha256(data).hexdigest(), format_version=parsed.version[:10],
            encoding=parsed.encoding[:10], account=account, date_from=parsed.date_from, date_to=parsed.date_to,
            credits=len(lines), debits_skipped=debits, others_skipped=len(documents) - len(lines) - debits,
            warnings=parsed.warnings, uploaded_by=actor.user,
        )
        for line in lines:
            line.statement = statement
        BankStatementLine.objects.bulk_create(lines, batch_size=BATCH)
        audit_record(actor=actor, action="billing.statement_import", obj=statement, changes={
            "file_name": [None, statement.file_name], "credits": [None, len(lines)],
            "states": [None, _counts(lines)]})
    return statement


def _counts(lines: Sequence[BankStatementLine]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for line in lines:
        counts[line.state] = counts.get(line.state, 0) + 1
    return counts


def statement_apply(*, actor: Actor, statement: BankStatement) -> BankStatement:
    """Book the statement: a bank-transfer payment for every matched, partial or overpaid line
    (the outstanding amount at most), in one transaction — all or nothing. Lines are proposed
    again under the invoices' locks first; unmatched and ambiguous lines go to the queue."""
    actor = scoped(actor, statement.cluster)
    try:
        with transaction.atomic():
            statement = BankStatement.objects.select_for_update().select_related("cluster").get(
                pk=statement.pk, cluster_id=statement.cluster_id)
            if statement.status != BankStatement.Status.PREVIEW:
                raise ValidationError("Выписка уже проведена: повторно её провести нельзя.")
            cluster = statement.cluster
            lines = list(statement.lines.order_by("position"))
            _book(actor, cluster, lines, _propose(cluster, lines, lock=True))
            statement.status = BankStatement.Status.APPLIED
            statement.applied_by, statement.applied_at = actor.user, timezone.now()
            statement.save(update_fields=["status", "applied_by", "applied_at"])
            audit_record(actor=actor, action="billing.statement_apply", obj=statement,
                         changes={"status": [BankStatement.Status.PREVIEW, statement.status],
                                  "states": [None, _counts(lines)]})
    except IntegrityError:
        raise ValidationError(RACED) from None
    return statement


def _book(actor: Actor, cluster: Cluster, lines: Sequence[BankStatementLine], amounts: dict[int, int]) -> None:
    """Payments, invoice totals, audit rows and line states in bulk, BATCH lines at a time
    (a fixed number of queries per batch)."""
    today = cluster_today(cluster)
    now = timezone.now()
    bookable = [line for line in lines if line.position in amounts and line.invoice_id is not None]
    ids = sorted({line.invoice_id for line in bookable if line.invoice_id})
    invoices = {i.pk: i for i in Invoice.objects.filter(cluster=cluster, pk__in=ids)}  # locked by _propose
    before = {pk: (i.paid_kopecks, i.status) for pk, i in invoices.items()}
    for start in range(0, len(bookable), BATCH):
        batch = bookable[start:start + BATCH]
        payments = [Payment(cluster=cluster, invoice_id=line.invoice_id or 0, method=Payment.Method.MANUAL,
                            status=Payment.Status.SUCCEEDED, amount_kopecks=amounts[line.position],
                            currency=CURRENCY, order_number=line.document_number, order_date=line.date,
                            recorded_by=actor.user, succeeded_at=now)
                    for line in batch]
        Payment.objects.bulk_create(payments)
        entries = []
        for line, payment in zip(batch, payments, strict=True):
            line.payment, line.booked = payment, True
            invoice = invoices[line.invoice_id or 0]
            invoice.paid_kopecks += payment.amount_kopecks
            entries.append(audit_entry(actor=actor, action="billing.payment_manual", obj=payment, changes={
                "invoice": [None, invoice.pk], "method": [None, payment.method],
                "amount_kopecks": [None, payment.amount_kopecks], "order_number": [None, payment.order_number],
                "order_date": [None, line.date.isoformat()], "statement_line": [None, line.pk]}))
        AuditEntry.objects.bulk_create(entries)
    changed = []
    paid_now = []
    entries = []
    for pk, invoice in invoices.items():
        invoice.status = status_for(invoice, today)
        if invoice.status == Invoice.Status.PAID and invoice.paid_at is None:
            invoice.paid_at = now
            paid_now.append(pk)
        old_paid, old_status = before[pk]
        changes: dict[str, list[int | str]] = {"paid_kopecks": [old_paid, invoice.paid_kopecks]}
        if old_status != invoice.status:
            changes["status"] = [old_status, invoice.status]
        entries.append(audit_entry(actor=actor, action="billing.invoice_paid", obj=invoice, changes=changes))
        changed.append(invoice)
    for start in range(0, len(changed), BATCH):
        _update_from_values(Invoice, ["paid_kopecks", "status", "paid_at", "updated_at"],
                            [(i.pk, i.paid_kopecks, i.status, i.paid_at, now) for i in changed[start:start + BATCH]],
                            ["bigint", "varchar", "timestamptz", "timestamptz"])
    AuditEntry.objects.bulk_create(entries, batch_size=BATCH)
    for start in range(0, len(lines), BATCH):
        _update_from_values(
            BankStatementLine, ["state", "invoice_id", "invoice_number", "candidates", "reason", "booked", "payment_id"],
            [(line.pk, line.state, line.invoice_id, line.invoice_number, json.dumps(line.candidates), line.reason,
              line.booked, line.payment_id)
             for line in lines[start:start + BATCH]],
            ["varchar", "bigint", "varchar", "jsonb", "text", "boolean", "bigint"])
    if paid_now:
        notify_on_commit(*paid_now, kind=Notification.Kind.PAYMENT_RECEIVED)


def _update_from_values(model: Any, columns: list[str], rows: list[tuple[Any, ...]], types: list[str]) -> None:
    """One `UPDATE … FROM (VALUES …)` for many rows by primary key (Django's bulk_update builds a
    CASE per column whose cost grows with the square of the rows: 30 s for 10,000 lines)."""
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in ["id", *columns])
    cells = "(" + ", ".join(f"%s::{t}" for t in ["bigint", *types]) + ")"
    assignments = ", ".join(f"{connection.ops.quote_name(c)} = v.{connection.ops.quote_name(c)}" for c in columns)
    sql = (f"UPDATE {table} AS t SET {assignments} FROM (VALUES {', '.join([cells] * len(rows))}) "  # noqa: S608 - names from the model
           f"AS v({names}) WHERE t.id = v.id")
    with connection.cursor() as cursor:
        cursor.execute(sql, [value for row in rows for value in row])


def _queued(line: BankStatementLine) -> BankStatementLine:
    line = (BankStatementLine.objects.select_for_update(of=("self",)).select_related("statement", "cluster")
            .get(pk=line.pk, cluster_id=line.cluster_id))
    if not line.in_queue:
        raise ValidationError(NOT_IN_QUEUE)
    return line


def line_match(*, actor: Actor, line: BankStatementLine, invoice: Invoice) -> BankStatementLine:
    """Staff match a queued line to an open invoice of the cluster: a bank-transfer payment of
    the line's amount (the invoice's outstanding at most) is booked at once."""
    actor = scoped(actor, line.cluster)
    if invoice.cluster_id != line.cluster_id:
        raise ValidationError({"invoice": ["Такого счёта нет в этом кластере."]})
    try:
        with transaction.atomic():
            line = _queued(line)
            invoice = locked(invoice)
            if not invoice.is_payable:
                raise ValidationError({"invoice": [
                    f"Счёт № {invoice.number} не ждёт оплаты (статус «{invoice.get_status_display()}»)."]})
            left = invoice.outstanding_kopecks
            booked = min(line.amount_kopecks, left)
            payment = payment_record_manual(actor=actor, invoice=invoice, amount_kopecks=booked,
                                            order_number=line.document_number, order_date=line.date)
            state = (State.MATCHED if line.amount_kopecks == left
                     else State.PARTIAL if line.amount_kopecks < left else State.OVERPAID)
            before = {"state": line.state, "invoice": line.invoice_id}
            note = f"Сопоставлено вручную со счётом № {invoice.number}."
            if state == State.OVERPAID:
                note += (f" Переплата {format_roubles(line.amount_kopecks - left)} ₽: зачтено "
                         f"{format_roubles(left)} ₽, излишек верните или зачтите.")
            line.state, line.invoice, line.payment, line.booked = state, invoice, payment, True
            line.invoice_number, line.reason = invoice.number, note
            line.resolved_by, line.resolved_at = actor.user, timezone.now()
            line.save(update_fields=["state", "invoice", "payment", "booked", "invoice_number", "reason",
                                     "resolved_by", "resolved_at"])
            audit_record(actor=actor, action="billing.statement_line_match", obj=line, changes={
                "state": [before["state"], state], "invoice": [before["invoice"], invoice.pk],
                "payment": [None, payment.pk]})
    except IntegrityError:
        raise ValidationError("Этот платёж уже проведён по другой выписке.") from None
    return line


def line_dismiss(*, actor: Actor, line: BankStatementLine, reason: str) -> BankStatementLine:
    """Staff take a queued line out of the queue without booking it (not a dues payment,
    returned to the payer …), with the reason."""
    actor = scoped(actor, line.cluster)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ["Укажите, почему строка отклонена."]})
    with transaction.atomic():
        line = _queued(line)
        before = line.state
        line.state, line.reason = State.DISMISSED, reason[:2000]
        line.resolved_by, line.resolved_at = actor.user, timezone.now()
        line.save(update_fields=["state", "reason", "resolved_by", "resolved_at"])
        audit_record(actor=actor, action="billing.statement_line_dismiss", obj=line,
                     changes={"state": [before, line.state], "reason": [None, line.reason]})
    return line
