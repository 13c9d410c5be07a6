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

import dataclasses
import datetime as dt
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
from billing.services.common import locked, notify_on_commit, scoped, status_of
from core.audit.models import AuditEntry
from core.audit.services import Actor, audit_record
from core.bulk import insert_rows, insert_select, pg_array
from core.clock import cluster_today
from core.ru.money import format_roubles
from tenants.models import Cluster

from . import matching, parser, selectors
from .models import BankStatement, BankStatementLine

BATCH = 1000  # lines per bulk write (one INSERT … SELECT FROM unnest(…) or UPDATE … FROM (VALUES …) each)
NOT_IN_QUEUE = (
    "Строка не ждёт разбора: сопоставлять и отклонять можно несопоставленные строки проведённых выписок."
)
RACED = (
    "Часть платежей этой выписки только что проведена другой выпиской. Загрузите выписку ещё раз: "
    "уже проведённые строки будут отмечены «Уже учтён»."
)
State = BankStatementLine.State


@dataclasses.dataclass(slots=True)
class _Line:
    """What matching and booking need of a statement line, as plain values: building, saving
    and loading 10,000 model instances took longer than the queries themselves."""

    position: int
    source_line: int
    document_number: str
    date: dt.date
    amount_kopecks: int
    payer_inn: str
    payee_account: str
    payer_account: str
    purpose: str
    pk: int = 0
    state: str = ""
    invoice_id: int | None = None
    invoice_number: str = ""
    candidates: list[int] = dataclasses.field(default_factory=list)
    reason: str = ""
    booked: bool = False
    stored: tuple[str, int | None, str, list[int], str] | None = None  # the preview's proposal

    @property
    def proposal(self) -> tuple[str, int | None, str, list[int], str]:
        return (self.state, self.invoice_id, self.invoice_number, self.candidates, self.reason)

    @property
    def key(self) -> selectors.Key:
        """The booking key, as `BankStatementLine.key` (unique among booked lines)."""
        return (
            self.payee_account,
            self.document_number,
            self.date.isoformat(),
            self.amount_kopecks,
            self.payer_account,
        )


def _propose(cluster: Cluster, lines: Sequence[_Line], *, lock: bool) -> dict[int, int]:
    """Set each line's state, invoice, candidates and reason (in place). A fixed number of
    queries whatever the number of lines: the invoices named or owed by the payers, the
    booking keys already booked, the bank transfers already recorded on those invoices.
    Returns what each bookable line (by position) would put on its invoice."""
    found = [matching.invoice_numbers(line.purpose) for line in lines]
    invoices = selectors.invoices_to_match(
        cluster,
        numbers={key for named in found for key, _ in named},
        inns={line.payer_inn for line in lines if line.payer_inn},
        lock=lock,
    )
    matcher = matching.Matcher(invoices)
    numbers = {i.id: i.number for i in invoices}
    keys = [line.key for line in lines]
    booked = selectors.booked_keys(cluster, keys)
    by_hand = selectors.hand_recorded(cluster, numbers)
    seen: dict[tuple[str, str, str, int, str], int] = {}
    amounts: dict[int, int] = {}
    for line, named, key in zip(lines, found, keys, strict=True):
        line.invoice_id, line.candidates, line.reason, line.invoice_number = None, [], "", ""
        if key in booked:
            line.state, line.reason = (
                State.ALREADY_IMPORTED,
                "Этот платёж уже проведён по ранее загруженной выписке.",
            )
            continue
        if key in seen:
            line.state = State.ALREADY_IMPORTED
            line.reason = f"Повтор документа из строки {seen[key]} этого файла."
            continue
        seen[key] = line.source_line
        proposal = matcher.propose(
            amount_kopecks=line.amount_kopecks, payer_inn=line.payer_inn, purpose=line.purpose, named=named
        )
        if (
            proposal.invoice_id is not None
            and (proposal.invoice_id, line.document_number, line.date) in by_hand
        ):
            matcher.left[proposal.invoice_id] += proposal.book_kopecks  # the DB total already has it
            line.state, line.invoice_id, line.candidates = (
                State.ALREADY_IMPORTED,
                proposal.invoice_id,
                [proposal.invoice_id],
            )
            line.invoice_number = numbers[proposal.invoice_id]
            line.reason = (
                f"Платёжное поручение № {line.document_number} от {line.date:%d.%m.%Y} уже учтено "
                f"по счёту № {line.invoice_number} вручную."
            )
            continue
        line.state, line.invoice_id, line.candidates = (
            proposal.state,
            proposal.invoice_id,
            proposal.candidates,
        )
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
        raise ValidationError(
            {
                "file": [
                    "Сначала укажите реквизиты получателя взносов: выписка сверяется с его расчётным счётом."
                ]
            }
        )
    try:
        parsed = parser.parse(data)
    except parser.StatementFormatError as exc:
        raise ValidationError({"file": [str(exc)]}) from None
    account = payee.account
    documents = parsed.documents
    if account not in parsed.accounts and not any(
        account in (d.payee_account, d.payer_account) for d in documents
    ):
        listed = ", ".join(parsed.accounts) or "не указан"
        raise ValidationError(
            {
                "file": [
                    f"Выписка по счёту {listed}, а расчётный счёт получателя взносов — "
                    f"{account}. Загрузите выписку по этому счёту."
                ]
            }
        )
    incoming = [d for d in documents if d.payee_account == account and d.payer_account != account]
    debits = sum(1 for d in documents if d.payer_account == account)
    lines = [
        _Line(
            position=i,
            source_line=d.line,
            document_number=d.number[:40],
            date=d.date,
            amount_kopecks=d.amount_kopecks,
            payer_inn=d.payer_inn,
            payee_account=account,
            payer_account=d.payer_account[:20],
            purpose=d.purpose,
        )
        for i, d in enumerate(incoming, start=1)
    ]
    with transaction.atomic():
        _propose(cluster, lines, lock=False)
        statement = BankStatement.objects.create(
            cluster=cluster,
            file_name=(file_name or "statement.txt")[:255],
            file_sha256=hashlib.sha256(data).hexdigest(),
            format_version=parsed.version[:10],
            encoding=parsed.encoding[:10],
            account=account,
            date_from=parsed.date_from,
            date_to=parsed.date_to,
            credits=len(lines),
            debits_skipped=debits,
            others_skipped=len(documents) - len(lines) - debits,
            warnings=parsed.warnings,
            uploaded_by=actor.user,
        )
        fields = [
            "position",
            "source_line",
            "document_kind",
            "document_number",
            "date",
            "received_date",
            "amount_kopecks",
            "payer_name",
            "payer_inn",
            "payer_account",
            "purpose",
            "warnings",
            "state",
            "invoice",
            "invoice_number",
            "candidates",
            "reason",
        ]
        same = {"cluster": cluster.pk, "statement": statement.pk, "payee_account": account, "booked": False}
        for start in range(0, len(lines), BATCH):
            insert_rows(
                BankStatementLine,
                fields,
                [
                    (
                        line.position,
                        line.source_line,
                        d.kind[:100],
                        line.document_number,
                        line.date,
                        d.received_date,
                        line.amount_kopecks,
                        d.payer_name[:500],
                        line.payer_inn,
                        line.payer_account,
                        line.purpose,
                        json.dumps(d.warnings) if d.warnings else "[]",
                        line.state,
                        line.invoice_id,
                        line.invoice_number,
                        _ids_json(line.candidates),
                        line.reason,
                    )
                    for line, d in zip(
                        lines[start : start + BATCH], incoming[start : start + BATCH], strict=True
                    )
                ],
                same=same,
            )
        audit_record(
            actor=actor,
            action="billing.statement_import",
            obj=statement,
            changes={
                "file_name": [None, statement.file_name],
                "credits": [None, len(lines)],
                "states": [None, _counts(lines)],
            },
        )
    return statement


def _ids_json(ids: list[int]) -> str:
    """`json.dumps` of a list of invoice ids, without the encoder's machinery per line."""
    return "[" + ", ".join(map(str, ids)) + "]"


def _counts(lines: Sequence[_Line]) -> dict[str, int]:
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
            statement = (
                BankStatement.objects.select_for_update()
                .select_related("cluster")
                .get(pk=statement.pk, cluster_id=statement.cluster_id)
            )
            if statement.status != BankStatement.Status.PREVIEW:
                raise ValidationError("Выписка уже проведена: повторно её провести нельзя.")
            cluster = statement.cluster
            lines = [
                _Line(
                    pk=row[0],
                    position=row[1],
                    source_line=row[2],
                    document_number=row[3],
                    date=row[4],
                    amount_kopecks=row[5],
                    payer_inn=row[6],
                    payee_account=row[7],
                    payer_account=row[8],
                    purpose=row[9],
                    stored=row[10:],
                )
                for row in statement.lines.order_by("position").values_list(*LINE_COLUMNS)
            ]
            _book(actor, cluster, lines, _propose(cluster, lines, lock=True))
            statement.status = BankStatement.Status.APPLIED
            statement.applied_by, statement.applied_at = actor.user, timezone.now()
            statement.save(update_fields=["status", "applied_by", "applied_at"])
            audit_record(
                actor=actor,
                action="billing.statement_apply",
                obj=statement,
                changes={
                    "status": [BankStatement.Status.PREVIEW, statement.status],
                    "states": [None, _counts(lines)],
                },
            )
    except IntegrityError:
        raise ValidationError(RACED) from None
    return statement


LINE_COLUMNS = (
    "pk",
    "position",
    "source_line",
    "document_number",
    "date",
    "amount_kopecks",
    "payer_inn",
    "payee_account",
    "payer_account",
    "purpose",
    # the preview's proposal: only the lines whose proposal changed since are written again
    "state",
    "invoice_id",
    "invoice_number",
    "candidates",
    "reason",
)


def _book(actor: Actor, cluster: Cluster, lines: Sequence[_Line], amounts: dict[int, int]) -> None:
    """Payments, invoice totals, audit rows and line states in bulk, BATCH lines at a time: per
    batch one query writes the payments, their audit rows and the lines that book them, and one
    the invoices' totals with their audit rows (the audit JSON built by PostgreSQL from the
    same arrays); the lines whose proposal changed since the preview are written again first."""
    today = cluster_today(cluster)
    now = timezone.now()
    bookable = [line for line in lines if line.position in amounts and line.invoice_id is not None]
    rows = selectors.invoices_money(cluster, {line.invoice_id for line in bookable if line.invoice_id})
    invoices = {row[0]: row for row in rows}  # locked by _propose
    paid = {pk: row[3] for pk, row in invoices.items()}
    user_id = actor.user.pk if actor.user else None
    who = {
        "cluster": cluster.pk,
        "actor": user_id,
        "actor_email": actor.user.email if actor.user else "",
        "host": actor.host,
        "at": now,
    }
    changed = [line for line in lines if line.proposal != line.stored]
    for start in range(0, len(changed), BATCH):
        _update_from_values(
            BankStatementLine,
            ["state", "invoice_id", "invoice_number", "candidates", "reason"],
            [
                (
                    line.pk,
                    line.state,
                    line.invoice_id,
                    line.invoice_number,
                    _ids_json(line.candidates),
                    line.reason,
                )
                for line in changed[start : start + BATCH]
            ],
            ["varchar", "bigint", "varchar", "jsonb", "text"],
        )
    booking = _booking_sql(user_id, now, who)
    for start in range(0, len(bookable), BATCH):
        batch = bookable[start : start + BATCH]
        booked = [amounts[line.position] for line in batch]
        for line, amount in zip(batch, booked, strict=True):
            line.booked = True
            paid[line.invoice_id or 0] += amount
        arrays = [
            pg_array([line.pk for line in batch]),
            pg_array([line.invoice_id for line in batch]),
            pg_array(booked),
            pg_array([line.document_number for line in batch]),
            pg_array([line.date for line in batch]),
        ]
        with connection.cursor() as cursor:
            cursor.execute(booking[0], [*arrays, *booking[1]])
    totals = []
    paid_now = []
    for pk, (_, number, amount, old_paid, old_status, due, paid_at) in invoices.items():
        status = status_of(
            status=old_status, paid_kopecks=paid[pk], amount_kopecks=amount, due=due, today=today
        )
        newly_paid = status == Invoice.Status.PAID and paid_at is None
        if newly_paid:
            paid_now.append(pk)
        totals.append((pk, paid[pk], status, newly_paid, old_paid, old_status, number))
    settling = _totals_sql(now, who)
    for start in range(0, len(totals), BATCH):
        with connection.cursor() as cursor:
            cursor.execute(
                settling[0],
                [*(pg_array(c) for c in zip(*totals[start : start + BATCH], strict=True)), *settling[1]],
            )
    if paid_now:
        notify_on_commit(*paid_now, kind=Notification.Kind.PAYMENT_RECEIVED)


def _booking_sql(user_id: int | None, now: dt.datetime, who: dict[str, Any]) -> tuple[str, list[Any]]:
    """One batch of bookings as one query, its arrays (line, invoice, amount, order number, order
    date) first: a payment id per line from the payments' sequence, the payments, their audit
    rows («billing.payment_manual», as payment_record_manual writes them, plus the statement
    line) and the lines marked booked with their payment."""
    quote = connection.ops.quote_name
    method = Payment.Method.MANUAL
    payments, payment_params = insert_select(
        Payment,
        {
            "id": "v.payment_id",
            "invoice": "v.invoice_id",
            "amount_kopecks": "v.amount",
            "order_number": "v.order_number",
            "order_date": "v.order_date",
        },
        source="v",
        same={
            "cluster": who["cluster"],
            "method": method,
            "status": Payment.Status.SUCCEEDED,
            "currency": CURRENCY,
            "recorded_by": user_id,
            "created_at": now,
            "succeeded_at": now,
            "updated_at": now,
        },
    )
    audit, audit_params = insert_select(
        AuditEntry,
        {
            "object_id": "v.payment_id::text",
            # Payment.__str__ without a model instance (and a translation lookup) per row
            "object_repr": "%s::text || ' ' || v.amount || ' коп.'",
            "changes": "jsonb_build_object('invoice', jsonb_build_array(NULL, v.invoice_id), "
            "'method', jsonb_build_array(NULL, %s::text), 'amount_kopecks', jsonb_build_array(NULL, v.amount), "
            "'order_number', jsonb_build_array(NULL, v.order_number), "
            "'order_date', jsonb_build_array(NULL, to_char(v.order_date, 'YYYY-MM-DD')), "
            "'statement_line', jsonb_build_array(NULL, v.line_id))",
        },
        source="v",
        params=[str(method.label), method],
        same={**who, "action": "billing.payment_manual", "object_type": Payment._meta.label_lower},
    )
    sql = (
        "WITH v AS MATERIALIZED ("  # noqa: S608 - names from the models
        f"SELECT u.*, nextval(pg_get_serial_sequence('{Payment._meta.db_table}', 'id')) AS payment_id "
        "FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::varchar[], %s::date[]) "
        "AS u(line_id, invoice_id, amount, order_number, order_date)), "
        f"p AS ({payments}), a AS ({audit}) "
        f"UPDATE {quote(BankStatementLine._meta.db_table)} AS t SET booked = true, payment_id = v.payment_id "
        "FROM v WHERE t.id = v.line_id"
    )
    return sql, [*payment_params, *audit_params]


def _totals_sql(now: dt.datetime, who: dict[str, Any]) -> tuple[str, list[Any]]:
    """One batch of invoices as one query, its arrays (id, paid, status, newly paid, old paid, old
    status, number) first: the new totals and statuses, and an audit row per invoice
    («billing.invoice_paid»: paid_kopecks and, when it changed, status, as [old, new])."""
    quote = connection.ops.quote_name
    audit, audit_params = insert_select(
        AuditEntry,
        {
            "object_id": "v.id::text",
            "object_repr": "'№ ' || v.number",  # Invoice.__str__
            "changes": "jsonb_build_object('paid_kopecks', jsonb_build_array(v.old_paid, v.paid)) "
            "|| CASE WHEN v.old_status = v.status THEN '{}'::jsonb "
            "ELSE jsonb_build_object('status', jsonb_build_array(v.old_status, v.status)) END",
        },
        source="v",
        same={**who, "action": "billing.invoice_paid", "object_type": Invoice._meta.label_lower},
    )
    sql = (
        "WITH v AS MATERIALIZED (SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::varchar[], "  # noqa: S608 - names from the models
        "%s::boolean[], %s::bigint[], %s::varchar[], %s::varchar[]) "
        "AS v(id, paid, status, newly_paid, old_paid, old_status, number)), "
        f"u AS (UPDATE {quote(Invoice._meta.db_table)} AS t SET paid_kopecks = v.paid, status = v.status, "
        "paid_at = CASE WHEN v.newly_paid THEN %s::timestamptz ELSE t.paid_at END, "
        "updated_at = %s::timestamptz FROM v WHERE t.id = v.id) "
        f"{audit}"
    )
    return sql, [now, now, *audit_params]


def _update_from_values(
    model: Any, columns: list[str], rows: list[tuple[Any, ...]], types: list[str]
) -> None:
    """One `UPDATE … FROM unnest(%s::type[], …)` for many rows by primary key: an array parameter
    per column (Django's bulk_update builds a CASE per column whose cost grows with the square of
    the rows: 30 s for 10,000 lines)."""
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(c) for c in ["id", *columns])
    arrays = ", ".join(f"%s::{t}[]" for t in ["bigint", *types])
    assignments = ", ".join(f"{quote(c)} = v.{quote(c)}" for c in columns)
    sql = (
        f"UPDATE {table} AS t SET {assignments} FROM unnest({arrays}) AS v({names}) "  # noqa: S608 - names from the model
        "WHERE t.id = v.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [pg_array(values) for values in zip(*rows, strict=True)])


def _queued(line: BankStatementLine) -> BankStatementLine:
    line = (
        BankStatementLine.objects.select_for_update(of=("self",))
        .select_related("statement", "cluster")
        .get(pk=line.pk, cluster_id=line.cluster_id)
    )
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
                raise ValidationError(
                    {
                        "invoice": [
                            f"Счёт № {invoice.number} не ждёт оплаты (статус «{invoice.get_status_display()}»)."
                        ]
                    }
                )
            left = invoice.outstanding_kopecks
            booked = min(line.amount_kopecks, left)
            payment = payment_record_manual(
                actor=actor,
                invoice=invoice,
                amount_kopecks=booked,
                order_number=line.document_number,
                order_date=line.date,
            )
            state = (
                State.MATCHED
                if line.amount_kopecks == left
                else State.PARTIAL
                if line.amount_kopecks < left
                else State.OVERPAID
            )
            before = {"state": line.state, "invoice": line.invoice_id}
            note = f"Сопоставлено вручную со счётом № {invoice.number}."
            if state == State.OVERPAID:
                note += (
                    f" Переплата {format_roubles(line.amount_kopecks - left)} ₽: зачтено "
                    f"{format_roubles(left)} ₽, излишек верните или зачтите."
                )
            line.state, line.invoice, line.payment, line.booked = state, invoice, payment, True
            line.invoice_number, line.reason = invoice.number, note
            line.resolved_by, line.resolved_at = actor.user, timezone.now()
            line.save(
                update_fields=[
                    "state",
                    "invoice",
                    "payment",
                    "booked",
                    "invoice_number",
                    "reason",
                    "resolved_by",
                    "resolved_at",
                ]
            )
            audit_record(
                actor=actor,
                action="billing.statement_line_match",
                obj=line,
                changes={
                    "state": [before["state"], state],
                    "invoice": [before["invoice"], invoice.pk],
                    "payment": [None, payment.pk],
                },
            )
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
        audit_record(
            actor=actor,
            action="billing.statement_line_dismiss",
            obj=line,
            changes={"state": [before, line.state], "reason": [None, line.reason]},
        )
    return line
