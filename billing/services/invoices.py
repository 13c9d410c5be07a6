"""Invoices: issue one (idempotent per source key, row-locked number sequence) or a batch of
them in a fixed number of queries, void, and mark the overdue ones."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.audit.models import AuditEntry
from core.audit.services import Actor, audit_entry, audit_record, diff, snapshot
from core.clock import cluster_today
from core.queue import enqueue_on_commit
from tenants.models import Cluster

from ..models import CURRENCY, Invoice, InvoiceLine, InvoiceSequence, Notification, Payment
from .common import Status, locked, notify_on_commit, scoped, status_for

MAX_LINES = 50


@dataclasses.dataclass(frozen=True)
class InvoiceLineSpec:
    """One line of a new invoice: «Членский взнос за 2026 год», 1 × 150 000,00 ₽."""

    description: str
    unit_price_kopecks: int
    quantity: int = 1
    code: str = ""  # free-form tag of the fees area, e.g. "entrance", "membership"

    @property
    def amount_kopecks(self) -> int:
        return self.unit_price_kopecks * self.quantity


def _next_number(cluster: Cluster, year: int) -> str:
    """The next number of the cluster's year sequence; the counter row stays locked until commit."""
    InvoiceSequence.objects.bulk_create([InvoiceSequence(cluster=cluster, year=year)], ignore_conflicts=True)
    sequence = InvoiceSequence.objects.select_for_update().get(cluster=cluster, year=year)
    sequence.last_number += 1
    sequence.save(update_fields=["last_number"])
    return f"{year}-{sequence.last_number:04d}"


def _validate_issue(
    *,
    company_name: str,
    lines: Sequence[InvoiceLineSpec],
    issue_date: dt.date,
    due_date: dt.date,
    source_key: str,
) -> None:
    errors: dict[str, list[str]] = {}
    if not company_name.strip():
        errors.setdefault("company_name", []).append("Укажите плательщика.")
    if not source_key.strip():
        errors.setdefault("source_key", []).append("Не указан источник счёта.")
    if not lines:
        errors.setdefault("lines", []).append("В счёте должна быть хотя бы одна строка.")
    if len(lines) > MAX_LINES:
        errors.setdefault("lines", []).append(f"В счёте не может быть больше {MAX_LINES} строк.")
    for line in lines:
        if not line.description.strip():
            errors.setdefault("lines", []).append("У строки счёта нет наименования.")
        if line.quantity < 1 or line.unit_price_kopecks <= 0:
            errors.setdefault("lines", []).append(
                f"Сумма строки «{line.description}» должна быть больше нуля."
            )
    if due_date < issue_date:
        errors.setdefault("due_date", []).append("Срок оплаты не может быть раньше даты счёта.")
    if errors:
        raise ValidationError(errors)


def invoice_issue(
    *,
    actor: Actor,
    cluster: Cluster,
    company_id: int,
    company_name: str,
    company_inn: str,
    company_kpp: str,
    lines: Sequence[InvoiceLineSpec],
    issue_date: dt.date,
    due_date: dt.date,
    period_label: str,
    source_key: str,
    grace_days: int = 0,
) -> tuple[Invoice, bool]:
    """Issue an open invoice numbered «<year>-<NNNN>», or return the one already issued for
    (cluster, source_key): (invoice, created). Sends the «issued» e-mail after commit.
    `grace_days` after the due date the invoice is still not overdue (the schedule's grace)."""
    actor = scoped(actor, cluster)
    existing = Invoice.objects.filter(cluster=cluster, source_key=source_key).first()
    if existing is not None:
        return existing, False
    _validate_issue(
        company_name=company_name,
        lines=lines,
        issue_date=issue_date,
        due_date=due_date,
        source_key=source_key,
    )
    if grace_days < 0:
        raise ValidationError({"grace_days": ["Льготный период не может быть отрицательным."]})
    with transaction.atomic():
        number = _next_number(cluster, issue_date.year)
        # Another run may have issued it while we waited for the counter lock.
        existing = Invoice.objects.filter(cluster=cluster, source_key=source_key).first()
        if existing is not None:
            transaction.set_rollback(True)
            return existing, False
        invoice = Invoice.objects.create(
            cluster=cluster,
            number=number,
            company_id=company_id,
            company_name=company_name.strip(),
            company_inn=(company_inn or "").strip(),
            company_kpp=(company_kpp or "").strip(),
            period_label=period_label.strip(),
            issue_date=issue_date,
            due_date=due_date,
            overdue_after=due_date + dt.timedelta(days=grace_days) if grace_days else None,
            amount_kopecks=sum(line.amount_kopecks for line in lines),
            currency=CURRENCY,
            status=Status.OPEN,
            source_key=source_key,
            created_by=actor.user,
        )
        invoice.status = status_for(invoice, cluster_today(cluster))
        if invoice.status != Status.OPEN:
            invoice.save(update_fields=["status"])
        InvoiceLine.objects.bulk_create(
            [
                InvoiceLine(
                    cluster=cluster,
                    invoice=invoice,
                    position=i,
                    code=line.code,
                    description=line.description.strip(),
                    quantity=line.quantity,
                    unit_price_kopecks=line.unit_price_kopecks,
                    amount_kopecks=line.amount_kopecks,
                )
                for i, line in enumerate(lines, start=1)
            ]
        )
        changes = diff(
            {},
            snapshot(
                invoice,
                [
                    "number",
                    "company_id",
                    "company_name",
                    "company_inn",
                    "amount_kopecks",
                    "issue_date",
                    "due_date",
                    "period_label",
                    "status",
                    "source_key",
                ],
            ),
        )
        changes["lines"] = [None, [f"{ln.description}: {ln.amount_kopecks}" for ln in lines]]
        audit_record(actor=actor, action="billing.invoice_issue", obj=invoice, changes=changes)
        notify_on_commit(invoice.pk, kind=Notification.Kind.ISSUED)
    return invoice, True


@dataclasses.dataclass(frozen=True)
class InvoiceRequest:
    """One invoice of a batch (invoices_issue_many): the same fields as invoice_issue()."""

    company_id: int
    company_name: str
    company_inn: str
    company_kpp: str
    lines: Sequence[InvoiceLineSpec]
    issue_date: dt.date
    due_date: dt.date
    period_label: str
    source_key: str
    grace_days: int = 0


@dataclasses.dataclass
class IssueOutcome:
    created: list[Invoice]
    existing: list[str]  # source keys already issued
    refused: dict[str, ValidationError]  # source key -> why


AUDITED_ISSUE_FIELDS = [
    "number",
    "company_id",
    "company_name",
    "company_inn",
    "amount_kopecks",
    "issue_date",
    "due_date",
    "period_label",
    "status",
    "source_key",
]


def invoices_issue_many(
    *, actor: Actor, cluster: Cluster, requests: Sequence[InvoiceRequest]
) -> IssueOutcome:
    """invoice_issue() for a batch in one transaction and a fixed number of queries (an
    assessment of 10,000 members): the same numbering, idempotency per source key, audit
    rows and «issued» e-mails. A request that fails validation is refused, the rest issued."""
    actor = scoped(actor, cluster)
    outcome = IssueOutcome(created=[], existing=[], refused={})
    wanted: dict[str, InvoiceRequest] = {}
    for request in requests:
        try:
            _validate_issue(
                company_name=request.company_name,
                lines=request.lines,
                issue_date=request.issue_date,
                due_date=request.due_date,
                source_key=request.source_key,
            )
            if request.grace_days < 0:
                raise ValidationError({"grace_days": ["Льготный период не может быть отрицательным."]})
        except ValidationError as exc:
            outcome.refused[request.source_key] = exc
            continue
        wanted.setdefault(request.source_key, request)
    if not wanted:
        return outcome
    today = cluster_today(cluster)
    with transaction.atomic():
        years = sorted({r.issue_date.year for r in wanted.values()})
        InvoiceSequence.objects.bulk_create(
            [InvoiceSequence(cluster=cluster, year=y) for y in years], ignore_conflicts=True
        )
        sequences = {
            s.year: s
            for s in InvoiceSequence.objects.select_for_update().filter(cluster=cluster, year__in=years)
        }
        # Read after taking the counter locks: another issuer holding them has committed by now.
        done = set(
            Invoice.objects.filter(cluster=cluster, source_key__in=list(wanted)).values_list(
                "source_key", flat=True
            )
        )
        outcome.existing = sorted(done)
        invoices: list[Invoice] = []
        for key, request in wanted.items():
            if key in done:
                continue
            sequence = sequences[request.issue_date.year]
            sequence.last_number += 1
            invoice = Invoice(
                cluster=cluster,
                number=f"{sequence.year}-{sequence.last_number:04d}",
                company_id=request.company_id,
                company_name=request.company_name.strip(),
                company_inn=(request.company_inn or "").strip(),
                company_kpp=(request.company_kpp or "").strip(),
                period_label=request.period_label.strip(),
                issue_date=request.issue_date,
                due_date=request.due_date,
                overdue_after=(
                    request.due_date + dt.timedelta(days=request.grace_days) if request.grace_days else None
                ),
                amount_kopecks=sum(line.amount_kopecks for line in request.lines),
                currency=CURRENCY,
                status=Status.OPEN,
                source_key=key,
                created_by=actor.user,
            )
            invoice.status = status_for(invoice, today)
            invoices.append(invoice)
        if not invoices:
            return outcome
        InvoiceSequence.objects.bulk_update(list(sequences.values()), ["last_number"])
        Invoice.objects.bulk_create(invoices)
        InvoiceLine.objects.bulk_create(
            [
                InvoiceLine(
                    cluster=cluster,
                    invoice=invoice,
                    position=i,
                    code=line.code,
                    description=line.description.strip(),
                    quantity=line.quantity,
                    unit_price_kopecks=line.unit_price_kopecks,
                    amount_kopecks=line.amount_kopecks,
                )
                for invoice in invoices
                for i, line in enumerate(wanted[invoice.source_key].lines, start=1)
            ]
        )
        entries = []
        for invoice in invoices:
            changes = diff({}, snapshot(invoice, AUDITED_ISSUE_FIELDS))
            changes["lines"] = [
                None,
                [f"{ln.description}: {ln.amount_kopecks}" for ln in wanted[invoice.source_key].lines],
            ]
            entries.append(
                audit_entry(actor=actor, action="billing.invoice_issue", obj=invoice, changes=changes)
            )
        AuditEntry.objects.bulk_create(entries)
        notify_on_commit(*[invoice.pk for invoice in invoices], kind=Notification.Kind.ISSUED)
    outcome.created = invoices
    return outcome


def invoice_void(*, actor: Actor, invoice: Invoice, reason: str) -> Invoice:
    """Annul an invoice nobody has paid anything on; pending online payments are cancelled."""
    actor = scoped(actor, invoice.cluster)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ["Укажите причину аннулирования."]})
    with transaction.atomic():
        invoice = locked(invoice)
        if invoice.status == Status.VOID:
            raise ValidationError("Счёт уже аннулирован.")
        if invoice.paid_kopecks > 0:
            raise ValidationError(
                "По счёту уже поступили деньги: сначала оформите возврат, потом аннулируйте счёт."
            )
        before = snapshot(invoice, ["status", "void_reason", "voided_at"])
        invoice.status = Status.VOID
        invoice.void_reason = reason
        invoice.voided_at = timezone.now()
        invoice.save(update_fields=["status", "void_reason", "voided_at", "updated_at"])
        pending = list(invoice.payments.filter(status__in=[Payment.Status.PENDING, Payment.Status.FAILED]))
        for payment in pending:
            payment.status = Payment.Status.CANCELED
            payment.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=actor,
            action="billing.invoice_void",
            obj=invoice,
            changes=diff(before, snapshot(invoice, ["status", "void_reason", "voided_at"])),
        )
        intent_ids = [p.stripe_payment_intent_id for p in pending if p.stripe_payment_intent_id]
        if intent_ids:
            enqueue_on_commit("billing.payment_intents_cancel", invoice.cluster_id, intent_ids)
    return invoice


def invoices_mark_overdue(*, cluster: Cluster, today: dt.date | None = None) -> int:
    """Open and partially paid invoices past their due date become overdue (and get one e-mail)."""
    today = today or cluster_today(cluster)
    actor = Actor.system(cluster)
    count = 0
    past_grace = Q(overdue_after__lt=today) | Q(overdue_after__isnull=True, due_date__lt=today)
    ids = list(
        Invoice.objects.filter(
            past_grace, cluster=cluster, status__in=[Status.OPEN, Status.PARTIALLY_PAID]
        ).values_list("pk", flat=True)
    )
    for pk in ids:
        with transaction.atomic():
            invoice = (
                Invoice.objects.select_for_update(of=("self",))
                .select_related("cluster")
                .get(pk=pk, cluster=cluster)
            )
            if (
                invoice.status not in {Status.OPEN, Status.PARTIALLY_PAID}
                or status_for(invoice, today) != Status.OVERDUE
            ):
                continue
            before = snapshot(invoice, ["status"])
            invoice.status = Status.OVERDUE
            invoice.save(update_fields=["status", "updated_at"])
            audit_record(
                actor=actor,
                action="billing.invoice_overdue",
                obj=invoice,
                changes=diff(before, snapshot(invoice, ["status"])),
            )
            notify_on_commit(invoice.pk, kind=Notification.Kind.OVERDUE)
            count += 1
    return count
