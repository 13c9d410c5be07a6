"""Writes of fee billing (public schema; every row and every query carries its cluster).

Every function takes an `actor`, checks that it manages the cluster (cluster admin or
staff; the system actor of tasks and webhooks too), validates with Russian messages, runs
in one transaction with its audit row, and leaves e-mail and Stripe calls that can wait to
`transaction.on_commit`. Invoices are locked (`select_for_update`) whenever money moves.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.accounts.access import member_access
from core.accounts.models import Grant
from core.accounts.selectors import user_cluster_roles
from core.audit.models import AuditEntry
from core.audit.services import Actor, audit_entry, audit_record, diff, snapshot
from core.ru.identifiers import inn_error, kpp_error
from core.ru.money import format_roubles
from tenants.models import Cluster

from . import crypto, gateway
from .models import (
    CURRENCY,
    BillingAlert,
    GatewayEvent,
    Invoice,
    InvoiceLine,
    InvoiceSequence,
    Notification,
    Payee,
    Payment,
    Refund,
)

logger = logging.getLogger(__name__)

MANAGERS_ONLY = "Это действие доступно только администраторам и сотрудникам кластера."
OTHER_CLUSTER = "Этот счёт принадлежит другому кластеру."
MAX_LINES = 50

Status = Invoice.Status


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


# --- helpers ------------------------------------------------------------------------------

def cluster_today(cluster: Cluster) -> dt.date:
    """Today's date in the cluster's own time zone."""
    return timezone.localdate(timezone=cluster.tzinfo)


def _scoped(actor: Actor, cluster: Cluster) -> Actor:
    """The actor, checked to manage `cluster`, with that cluster set (audit rows carry it)."""
    if actor.cluster is not None and actor.cluster.pk != cluster.pk:
        raise PermissionDenied(OTHER_CLUSTER)
    if actor.user is not None and not member_access(user=actor.user, cluster=cluster).manager:
        raise PermissionDenied(MANAGERS_ONLY)
    return dataclasses.replace(actor, cluster=cluster)


def _system(cluster: Cluster) -> Actor:
    return Actor.system(cluster)


def _status_for(invoice: Invoice, today: dt.date) -> str:
    """What the invoice's status should be from its amounts and due date (void stays void)."""
    if invoice.status in {Status.VOID, Status.DRAFT}:
        return invoice.status
    if invoice.paid_kopecks >= invoice.amount_kopecks:
        return Status.PAID
    if (invoice.overdue_after or invoice.due_date) < today:
        return Status.OVERDUE
    return Status.PARTIALLY_PAID if invoice.paid_kopecks > 0 else Status.OPEN


def _apply_money(*, invoice: Invoice, delta_kopecks: int, actor: Actor, action: str) -> None:
    """Add (or, for refunds, subtract) money on a locked invoice and re-derive its status."""
    before = snapshot(invoice, ["paid_kopecks", "status", "paid_at"])
    invoice.paid_kopecks = max(invoice.paid_kopecks + delta_kopecks, 0)
    invoice.status = _status_for(invoice, cluster_today(invoice.cluster))
    if invoice.status == Status.PAID and invoice.paid_at is None:
        invoice.paid_at = timezone.now()
    elif invoice.status != Status.PAID:
        invoice.paid_at = None
    invoice.save(update_fields=["paid_kopecks", "status", "paid_at", "updated_at"])
    audit_record(actor=actor, action=action, obj=invoice,
                 changes=diff(before, snapshot(invoice, ["paid_kopecks", "status", "paid_at"])))
    if invoice.status == Status.PAID and before["status"] != Status.PAID:
        _notify_on_commit(invoice, Notification.Kind.PAYMENT_RECEIVED)


def _notify_on_commit(invoice: Invoice, kind: str) -> None:
    from .tasks import invoice_notify

    invoice_id = invoice.pk
    transaction.on_commit(lambda: _enqueue(invoice_notify, invoice_id, kind))


def _locked(invoice: Invoice) -> Invoice:
    return Invoice.objects.select_for_update(of=("self",)).select_related("cluster").get(pk=invoice.pk,
                                                                             cluster_id=invoice.cluster_id)


# --- payee --------------------------------------------------------------------------------

PAYEE_FIELDS = frozenset({"name", "inn", "kpp", "address", "bank_name", "bik", "account",
                          "correspondent_account", "director", "accountant", "stripe_publishable_key"})


def payee_save(*, actor: Actor, cluster: Cluster, fields: dict[str, Any],
               stripe_secret_key: str | None = None, stripe_webhook_secret: str | None = None) -> Payee:
    """Create or change the cluster's payee. Secrets: None keeps the stored one, "" clears it.

    Only cluster admins (or the system actor). Secrets are encrypted; the audit row records
    that a secret changed, never its value."""
    actor = _scoped(actor, cluster)
    if actor.user is not None and Grant.Role.CLUSTER_ADMIN not in user_cluster_roles(actor.user, cluster):
        raise PermissionDenied("Реквизиты получателя и ключи Stripe меняет только администратор кластера.")
    unknown = set(fields) - PAYEE_FIELDS
    if unknown:
        raise TypeError(f"unexpected fields: {sorted(unknown)}")
    clean = {k: " ".join(str(v or "").split()) for k, v in fields.items()}
    for key in ("inn", "kpp", "bik", "account", "correspondent_account"):
        if key in clean:
            clean[key] = clean[key].replace(" ", "")
    errors: dict[str, list[str]] = {}
    checks = {"inn": (inn_error, True), "kpp": (kpp_error, False)}
    for key, (check, required) in checks.items():
        value = clean.get(key, "")
        message = check(value) if value else ("Обязательное поле." if required else None)
        if message:
            errors[key] = [str(message)]
    for key, length, label in (("bik", 9, "БИК"), ("account", 20, "Расчётный счёт"),
                               ("correspondent_account", 20, "Корреспондентский счёт")):
        value = clean.get(key, "")
        if not (value.isdigit() and len(value) == length):
            errors[key] = [f"{label}: ровно {length} цифр."]
    for key in ("name", "bank_name"):
        if not clean.get(key):
            errors[key] = ["Обязательное поле."]
    publishable = clean.get("stripe_publishable_key", "")
    if publishable and not publishable.startswith("pk_"):
        errors["stripe_publishable_key"] = ["Публикуемый ключ Stripe начинается с «pk_»."]
    if stripe_secret_key and not stripe_secret_key.strip().startswith(("sk_", "rk_")):
        errors["stripe_secret_key"] = ["Секретный ключ Stripe начинается с «sk_» или «rk_»."]
    if stripe_webhook_secret and not stripe_webhook_secret.strip().startswith("whsec_"):
        errors["stripe_webhook_secret"] = ["Секрет подписи вебхуков Stripe начинается с «whsec_»."]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        payee = Payee.objects.select_for_update().filter(cluster=cluster).first()
        created = payee is None
        if payee is None:
            payee = Payee(cluster=cluster)
        before = {} if created else snapshot(payee, sorted(PAYEE_FIELDS))
        for key, value in clean.items():
            setattr(payee, key, value)
        secret_changes: dict[str, list[Any]] = {}
        if stripe_secret_key is not None:
            payee.stripe_secret_key_encrypted = crypto.encrypt(stripe_secret_key.strip())
            secret_changes["stripe_secret_key"] = ["***", "*** (изменён)" if stripe_secret_key else ""]
        if stripe_webhook_secret is not None:
            payee.stripe_webhook_secret_encrypted = crypto.encrypt(stripe_webhook_secret.strip())
            secret_changes["stripe_webhook_secret"] = ["***", "*** (изменён)" if stripe_webhook_secret else ""]
        payee.save()
        changes = {**diff(before, snapshot(payee, sorted(PAYEE_FIELDS))), **secret_changes}
        if changes:
            audit_record(actor=actor, action="billing.payee_create" if created else "billing.payee_change",
                         obj=payee, changes=changes)
    return payee


def payee_secret_key(payee: Payee) -> str:
    """The decrypted Stripe secret key (server side only; never rendered)."""
    return crypto.decrypt(payee.stripe_secret_key_encrypted)


def payee_webhook_secret(payee: Payee) -> str:
    return crypto.decrypt(payee.stripe_webhook_secret_encrypted)


# --- invoices -----------------------------------------------------------------------------

def _next_number(cluster: Cluster, year: int) -> str:
    """The next number of the cluster's year sequence; the counter row stays locked until commit."""
    InvoiceSequence.objects.bulk_create([InvoiceSequence(cluster=cluster, year=year)], ignore_conflicts=True)
    sequence = InvoiceSequence.objects.select_for_update().get(cluster=cluster, year=year)
    sequence.last_number += 1
    sequence.save(update_fields=["last_number"])
    return f"{year}-{sequence.last_number:04d}"


def _validate_issue(*, company_name: str, lines: Sequence[InvoiceLineSpec], issue_date: dt.date,
                    due_date: dt.date, source_key: str) -> None:
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
                f"Сумма строки «{line.description}» должна быть больше нуля.")
    if due_date < issue_date:
        errors.setdefault("due_date", []).append("Срок оплаты не может быть раньше даты счёта.")
    if errors:
        raise ValidationError(errors)


def invoice_issue(*, actor: Actor, cluster: Cluster, company_id: int, company_name: str, company_inn: str,
                  company_kpp: str, lines: Sequence[InvoiceLineSpec], issue_date: dt.date, due_date: dt.date,
                  period_label: str, source_key: str, grace_days: int = 0) -> tuple[Invoice, bool]:
    """Issue an open invoice numbered «<year>-<NNNN>», or return the one already issued for
    (cluster, source_key): (invoice, created). Sends the «issued» e-mail after commit.
    `grace_days` after the due date the invoice is still not overdue (the schedule's grace)."""
    actor = _scoped(actor, cluster)
    existing = Invoice.objects.filter(cluster=cluster, source_key=source_key).first()
    if existing is not None:
        return existing, False
    _validate_issue(company_name=company_name, lines=lines, issue_date=issue_date, due_date=due_date,
                    source_key=source_key)
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
            cluster=cluster, number=number, company_id=company_id, company_name=company_name.strip(),
            company_inn=(company_inn or "").strip(), company_kpp=(company_kpp or "").strip(),
            period_label=period_label.strip(), issue_date=issue_date, due_date=due_date,
            overdue_after=due_date + dt.timedelta(days=grace_days) if grace_days else None,
            amount_kopecks=sum(line.amount_kopecks for line in lines), currency=CURRENCY,
            status=Status.OPEN, source_key=source_key, created_by=actor.user,
        )
        invoice.status = _status_for(invoice, cluster_today(cluster))
        if invoice.status != Status.OPEN:
            invoice.save(update_fields=["status"])
        InvoiceLine.objects.bulk_create([
            InvoiceLine(cluster=cluster, invoice=invoice, position=i, code=line.code,
                        description=line.description.strip(), quantity=line.quantity,
                        unit_price_kopecks=line.unit_price_kopecks, amount_kopecks=line.amount_kopecks)
            for i, line in enumerate(lines, start=1)
        ])
        changes = diff({}, snapshot(invoice, ["number", "company_id", "company_name", "company_inn",
                                              "amount_kopecks", "issue_date", "due_date", "period_label",
                                              "status", "source_key"]))
        changes["lines"] = [None, [f"{ln.description}: {ln.amount_kopecks}" for ln in lines]]
        audit_record(actor=actor, action="billing.invoice_issue", obj=invoice, changes=changes)
        _notify_on_commit(invoice, Notification.Kind.ISSUED)
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


AUDITED_ISSUE_FIELDS = ["number", "company_id", "company_name", "company_inn", "amount_kopecks", "issue_date",
                        "due_date", "period_label", "status", "source_key"]


def invoices_issue_many(*, actor: Actor, cluster: Cluster, requests: Sequence[InvoiceRequest]) -> IssueOutcome:
    """invoice_issue() for a batch in one transaction and a fixed number of queries (an
    assessment of 10,000 members): the same numbering, idempotency per source key, audit
    rows and «issued» e-mails. A request that fails validation is refused, the rest issued."""
    actor = _scoped(actor, cluster)
    outcome = IssueOutcome(created=[], existing=[], refused={})
    wanted: dict[str, InvoiceRequest] = {}
    for request in requests:
        try:
            _validate_issue(company_name=request.company_name, lines=request.lines, issue_date=request.issue_date,
                            due_date=request.due_date, source_key=request.source_key)
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
        InvoiceSequence.objects.bulk_create([InvoiceSequence(cluster=cluster, year=y) for y in years],
                                            ignore_conflicts=True)
        sequences = {s.year: s for s in InvoiceSequence.objects.select_for_update().filter(cluster=cluster,
                                                                                           year__in=years)}
        # Read after taking the counter locks: another issuer holding them has committed by now.
        done = set(Invoice.objects.filter(cluster=cluster, source_key__in=list(wanted))
                   .values_list("source_key", flat=True))
        outcome.existing = sorted(done)
        invoices: list[Invoice] = []
        for key, request in wanted.items():
            if key in done:
                continue
            sequence = sequences[request.issue_date.year]
            sequence.last_number += 1
            invoice = Invoice(
                cluster=cluster, number=f"{sequence.year}-{sequence.last_number:04d}", company_id=request.company_id,
                company_name=request.company_name.strip(), company_inn=(request.company_inn or "").strip(),
                company_kpp=(request.company_kpp or "").strip(), period_label=request.period_label.strip(),
                issue_date=request.issue_date, due_date=request.due_date,
                overdue_after=(request.due_date + dt.timedelta(days=request.grace_days)
                               if request.grace_days else None),
                amount_kopecks=sum(line.amount_kopecks for line in request.lines), currency=CURRENCY,
                status=Status.OPEN, source_key=key, created_by=actor.user,
            )
            invoice.status = _status_for(invoice, today)
            invoices.append(invoice)
        if not invoices:
            return outcome
        InvoiceSequence.objects.bulk_update(list(sequences.values()), ["last_number"])
        Invoice.objects.bulk_create(invoices)
        InvoiceLine.objects.bulk_create([
            InvoiceLine(cluster=cluster, invoice=invoice, position=i, code=line.code,
                        description=line.description.strip(), quantity=line.quantity,
                        unit_price_kopecks=line.unit_price_kopecks, amount_kopecks=line.amount_kopecks)
            for invoice in invoices for i, line in enumerate(wanted[invoice.source_key].lines, start=1)
        ])
        entries = []
        for invoice in invoices:
            changes = diff({}, snapshot(invoice, AUDITED_ISSUE_FIELDS))
            changes["lines"] = [None, [f"{ln.description}: {ln.amount_kopecks}"
                                       for ln in wanted[invoice.source_key].lines]]
            entries.append(audit_entry(actor=actor, action="billing.invoice_issue", obj=invoice, changes=changes))
        AuditEntry.objects.bulk_create(entries)
        ids = [invoice.pk for invoice in invoices]
        transaction.on_commit(lambda: _notify_many(ids, Notification.Kind.ISSUED))
    outcome.created = invoices
    return outcome


def _notify_many(invoice_ids: list[int], kind: str) -> None:
    from .tasks import invoice_notify

    for invoice_id in invoice_ids:
        _enqueue(invoice_notify, invoice_id, kind)


def invoice_void(*, actor: Actor, invoice: Invoice, reason: str) -> Invoice:
    """Annul an invoice nobody has paid anything on; pending online payments are cancelled."""
    actor = _scoped(actor, invoice.cluster)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ["Укажите причину аннулирования."]})
    with transaction.atomic():
        invoice = _locked(invoice)
        if invoice.status == Status.VOID:
            raise ValidationError("Счёт уже аннулирован.")
        if invoice.paid_kopecks > 0:
            raise ValidationError("По счёту уже поступили деньги: сначала оформите возврат, потом аннулируйте счёт.")
        before = snapshot(invoice, ["status", "void_reason", "voided_at"])
        invoice.status = Status.VOID
        invoice.void_reason = reason
        invoice.voided_at = timezone.now()
        invoice.save(update_fields=["status", "void_reason", "voided_at", "updated_at"])
        pending = list(invoice.payments.filter(status__in=[Payment.Status.PENDING, Payment.Status.FAILED]))
        for payment in pending:
            payment.status = Payment.Status.CANCELED
            payment.save(update_fields=["status", "updated_at"])
        audit_record(actor=actor, action="billing.invoice_void", obj=invoice,
                     changes=diff(before, snapshot(invoice, ["status", "void_reason", "voided_at"])))
        intent_ids = [p.stripe_payment_intent_id for p in pending if p.stripe_payment_intent_id]
        if intent_ids:
            from .tasks import payment_intents_cancel

            cluster_id = invoice.cluster_id
            transaction.on_commit(lambda: _enqueue(payment_intents_cancel, cluster_id, intent_ids))
    return invoice


def invoices_mark_overdue(*, cluster: Cluster, today: dt.date | None = None) -> int:
    """Open and partially paid invoices past their due date become overdue (and get one e-mail)."""
    today = today or cluster_today(cluster)
    actor = _system(cluster)
    count = 0
    past_grace = Q(overdue_after__lt=today) | Q(overdue_after__isnull=True, due_date__lt=today)
    ids = list(Invoice.objects.filter(past_grace, cluster=cluster, status__in=[Status.OPEN, Status.PARTIALLY_PAID])
               .values_list("pk", flat=True))
    for pk in ids:
        with transaction.atomic():
            invoice = Invoice.objects.select_for_update(of=("self",)).select_related("cluster").get(pk=pk, cluster=cluster)
            if invoice.status not in {Status.OPEN, Status.PARTIALLY_PAID} or _status_for(invoice, today) != Status.OVERDUE:
                continue
            before = snapshot(invoice, ["status"])
            invoice.status = Status.OVERDUE
            invoice.save(update_fields=["status", "updated_at"])
            audit_record(actor=actor, action="billing.invoice_overdue", obj=invoice,
                         changes=diff(before, snapshot(invoice, ["status"])))
            _notify_on_commit(invoice, Notification.Kind.OVERDUE)
            count += 1
    return count


# --- payments -----------------------------------------------------------------------------

def payment_record_manual(*, actor: Actor, invoice: Invoice, amount_kopecks: int, order_number: str,
                          order_date: dt.date) -> Payment:
    """Record a bank transfer (payment order number and date); partial payments allowed."""
    actor = _scoped(actor, invoice.cluster)
    order_number = (order_number or "").strip()
    errors: dict[str, list[str]] = {}
    if not order_number:
        errors["order_number"] = ["Укажите номер платёжного поручения."]
    if order_date is None:
        errors["order_date"] = ["Укажите дату платёжного поручения."]
    elif order_date > cluster_today(invoice.cluster):
        errors["order_date"] = ["Дата платёжного поручения не может быть в будущем."]
    if amount_kopecks is None or amount_kopecks <= 0:
        errors["amount_kopecks"] = ["Сумма платежа должна быть больше нуля."]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        invoice = _locked(invoice)
        if invoice.status not in Invoice.PAYABLE:
            raise ValidationError(f"Счёт в статусе «{invoice.get_status_display()}» не принимает платежи.")
        if amount_kopecks > invoice.outstanding_kopecks:
            raise ValidationError({"amount_kopecks": [
                f"Сумма больше остатка по счёту ({format_roubles(invoice.outstanding_kopecks)} ₽)."]})
        if invoice.payments.filter(method=Payment.Method.MANUAL, order_number=order_number,
                                   order_date=order_date, status=Payment.Status.SUCCEEDED).exists():
            raise ValidationError({"order_number": ["Платёжное поручение с таким номером и датой уже учтено."]})
        payment = Payment.objects.create(
            cluster=invoice.cluster, invoice=invoice, method=Payment.Method.MANUAL,
            status=Payment.Status.SUCCEEDED, amount_kopecks=amount_kopecks, currency=CURRENCY,
            order_number=order_number, order_date=order_date, recorded_by=actor.user,
            succeeded_at=timezone.now(),
        )
        audit_record(actor=actor, action="billing.payment_manual", obj=payment,
                     changes=diff({}, snapshot(payment, ["invoice", "method", "amount_kopecks",
                                                         "order_number", "order_date", "status"])))
        _apply_money(invoice=invoice, delta_kopecks=amount_kopecks, actor=actor, action="billing.invoice_paid")
    return payment


def payment_refund(*, actor: Actor, payment: Payment, amount_kopecks: int, reason: str) -> Refund:
    """Give money back on a succeeded payment. A bank-transfer refund is recorded at once; an
    online one is sent to Stripe after commit (idempotency key per refund) and settles then."""
    actor = _scoped(actor, payment.cluster)
    reason = (reason or "").strip()
    errors: dict[str, list[str]] = {}
    if not reason:
        errors["reason"] = ["Укажите причину возврата."]
    if amount_kopecks is None or amount_kopecks <= 0:
        errors["amount_kopecks"] = ["Сумма возврата должна быть больше нуля."]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        invoice = _locked(payment.invoice)
        payment = Payment.objects.select_for_update().get(pk=payment.pk, cluster_id=invoice.cluster_id)
        if payment.status != Payment.Status.SUCCEEDED:
            raise ValidationError("Вернуть можно только проведённый платёж.")
        pending = sum(r.amount_kopecks for r in payment.refunds.filter(status=Refund.Status.PENDING))
        available = payment.amount_kopecks - payment.refunded_kopecks - pending
        if amount_kopecks > available:
            raise ValidationError({"amount_kopecks": [
                f"Можно вернуть не больше {format_roubles(max(available, 0))} ₽."]})
        online = payment.method == Payment.Method.ONLINE and bool(payment.stripe_payment_intent_id)
        refund = Refund.objects.create(
            cluster=invoice.cluster, payment=payment, amount_kopecks=amount_kopecks, reason=reason,
            status=Refund.Status.PENDING if online else Refund.Status.SUCCEEDED, created_by=actor.user,
        )
        audit_record(actor=actor, action="billing.refund", obj=refund,
                     changes=diff({}, snapshot(refund, ["payment", "amount_kopecks", "reason", "status"])))
        if online:
            from .tasks import refund_submit

            refund_id = refund.pk
            transaction.on_commit(lambda: _enqueue(refund_submit, refund_id))
        else:
            _refund_apply(refund=refund, payment=payment, invoice=invoice, actor=actor)
    return refund


def _refund_apply(*, refund: Refund, payment: Payment, invoice: Invoice, actor: Actor) -> None:
    """Money of a succeeded refund leaves the payment and the invoice (both locked by the caller)."""
    before = snapshot(payment, ["refunded_kopecks"])
    payment.refunded_kopecks += refund.amount_kopecks
    payment.save(update_fields=["refunded_kopecks", "updated_at"])
    audit_record(actor=actor, action="billing.payment_refunded", obj=payment,
                 changes=diff(before, snapshot(payment, ["refunded_kopecks"])))
    _apply_money(invoice=invoice, delta_kopecks=-refund.amount_kopecks, actor=actor, action="billing.invoice_refund")


def refund_settle(*, refund_id: int, stripe_refund_id: str, succeeded: bool, message: str = "") -> Refund:
    """Record Stripe's answer to a refund (system actor; idempotent: a settled refund stays)."""
    with transaction.atomic():
        refund = Refund.objects.select_related("payment__invoice__cluster").get(pk=refund_id)
        invoice = _locked(refund.payment.invoice)
        refund = Refund.objects.select_for_update().get(pk=refund_id, cluster_id=invoice.cluster_id)
        if refund.status != Refund.Status.PENDING:
            return refund
        actor = _system(invoice.cluster)
        before = snapshot(refund, ["status", "stripe_refund_id"])
        refund.status = Refund.Status.SUCCEEDED if succeeded else Refund.Status.FAILED
        refund.stripe_refund_id = stripe_refund_id or None
        refund.save(update_fields=["status", "stripe_refund_id"])
        changes = diff(before, snapshot(refund, ["status", "stripe_refund_id"]))
        if message:
            changes["message"] = [None, message]
        audit_record(actor=actor, action="billing.refund_settle", obj=refund, changes=changes)
        if succeeded:
            payment = Payment.objects.select_for_update().get(pk=refund.payment_id)
            _refund_apply(refund=refund, payment=payment, invoice=invoice, actor=actor)
    return refund


def _enqueue(task: Any, *args: Any) -> None:
    """Queue a task after commit; a broker that is down is logged, and the beat sweeps catch up."""
    try:
        task.apply_async(args=args, retry=False)
    except Exception:
        logger.warning("billing: could not queue %s%r; the periodic sweep will retry", task.name, args,
                       exc_info=True)


# --- online payments (Stripe) -------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class PaymentStart:
    """What the payment page needs: the Stripe.js key, a SetupIntent for the card Element and
    the PaymentIntent of this invoice's outstanding amount."""

    payment: Payment
    publishable_key: str
    payment_intent_id: str
    payment_client_secret: str
    setup_client_secret: str
    amount_kopecks: int


def _require_payer(actor: Actor, invoice: Invoice) -> Actor:
    """A representative of the invoiced company or a manager of the invoice's cluster."""
    if actor.cluster is not None and actor.cluster.pk != invoice.cluster_id:
        raise PermissionDenied(OTHER_CLUSTER)
    if actor.user is not None and not member_access(user=actor.user, cluster=invoice.cluster).can_see(
            invoice.company_id):
        raise PermissionDenied("Оплатить можно только счёт своей организации.")
    return dataclasses.replace(actor, cluster=invoice.cluster)


def _payee_for_online(cluster: Cluster) -> Payee:
    payee = Payee.objects.filter(cluster=cluster).first()
    if payee is None or not payee.online_payments_enabled:
        raise ValidationError(gateway.NOT_CONFIGURED)
    return payee


def _intent_metadata(invoice: Invoice) -> dict[str, str]:
    return {"cluster": invoice.cluster.schema_name, "invoice_id": str(invoice.pk),
            "invoice_number": invoice.number, "company_id": str(invoice.company_id)}


def payment_start(*, actor: Actor, invoice: Invoice) -> PaymentStart:
    """Create (or reuse) the PaymentIntent for the invoice's outstanding amount.

    The idempotency key is derived from the invoice, its outstanding amount and the number of
    earlier cancelled attempts, so a retried click never creates a second charge. The invoice
    row stays locked during the Stripe calls: two clicks at once wait for each other. When
    Stripe cannot be reached, nothing is written and the member gets a Russian message."""
    actor = _require_payer(actor, invoice)
    payee = _payee_for_online(invoice.cluster)
    try:
        client = gateway.client_for(payee)
        with transaction.atomic():
            invoice = _locked(invoice)
            if not invoice.is_payable:
                raise ValidationError("Этот счёт не ждёт оплаты.")
            outstanding = invoice.outstanding_kopecks
            current = None
            for payment in invoice.payments.select_for_update().filter(
                    method=Payment.Method.ONLINE, status__in=[Payment.Status.PENDING, Payment.Status.FAILED]):
                if payment.amount_kopecks == outstanding and current is None:
                    current = payment
                else:  # an attempt for an amount that is no longer due
                    _payment_cancel_attempt(client=client, payment=payment, actor=actor)
            if invoice.payments.filter(method=Payment.Method.ONLINE, status=Payment.Status.PROCESSING).exists():
                raise ValidationError("Оплата по этому счёту уже обрабатывается банком. Обновите страницу позже.")
            intent: Any = None
            if current is not None:
                intent = gateway.call(client.v1.payment_intents.retrieve, current.stripe_payment_intent_id)
                if intent.status in {"succeeded", "processing"}:
                    raise ValidationError("Оплата по этому счёту уже обрабатывается банком. Обновите страницу позже.")
                if intent.status == "canceled":
                    _payment_cancel_attempt(client=None, payment=current, actor=actor)
                    current, intent = None, None
            if current is None:
                attempt = invoice.payments.filter(method=Payment.Method.ONLINE,
                                                  status=Payment.Status.CANCELED).count()
                key = f"clusterhub:{invoice.cluster.schema_name}:invoice:{invoice.pk}:{outstanding}:{attempt}"
                intent = gateway.call(
                    client.v1.payment_intents.create,
                    params={"amount": outstanding, "currency": CURRENCY.lower(),
                            "metadata": _intent_metadata(invoice), "payment_method_types": ["card"]},
                    options={"idempotency_key": key},
                )
                current = Payment.objects.filter(stripe_payment_intent_id=intent.id).first()
                if current is None:
                    current = Payment.objects.create(
                        cluster=invoice.cluster, invoice=invoice, method=Payment.Method.ONLINE,
                        status=Payment.Status.PENDING, amount_kopecks=outstanding, currency=CURRENCY,
                        stripe_payment_intent_id=intent.id, recorded_by=actor.user,
                    )
                    audit_record(actor=actor, action="billing.payment_intent", obj=current,
                                 changes=diff({}, snapshot(current, ["invoice", "method", "amount_kopecks",
                                                                    "stripe_payment_intent_id", "status"])))
            setup = gateway.call(client.v1.setup_intents.create, params={
                "usage": "on_session", "payment_method_types": ["card"],
                "metadata": {**_intent_metadata(invoice), "payment_intent": intent.id}})
    except gateway.GatewayError as exc:
        raise ValidationError(exc.message) from exc
    return PaymentStart(payment=current, publishable_key=payee.stripe_publishable_key,
                        payment_intent_id=intent.id, payment_client_secret=intent.client_secret,
                        setup_client_secret=setup.client_secret, amount_kopecks=current.amount_kopecks)


def _payment_cancel_attempt(*, client: Any, payment: Payment, actor: Actor) -> None:
    if client is not None and payment.stripe_payment_intent_id:
        try:
            gateway.call(client.v1.payment_intents.cancel, payment.stripe_payment_intent_id)
        except gateway.GatewayError:
            logger.warning("billing: could not cancel %s", payment.stripe_payment_intent_id)
    before = snapshot(payment, ["status"])
    payment.status = Payment.Status.CANCELED
    payment.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, action="billing.payment_cancel", obj=payment,
                 changes=diff(before, snapshot(payment, ["status"])))


@dataclasses.dataclass(frozen=True)
class CardConfirmation:
    """Stripe's answer after the server confirmed the PaymentIntent with the card of a SetupIntent.

    status: "submitted" (wait for the webhook), "requires_action" (3-D Secure in the browser with
    `client_secret`) or "failed" (`message` says why). Nothing is marked paid here."""

    status: str
    client_secret: str = ""
    message: str = ""


def payment_confirm_card(*, actor: Actor, invoice: Invoice, setup_intent_id: str) -> CardConfirmation:
    """Attach the card saved by Stripe.js (a succeeded SetupIntent of this invoice) to the
    invoice's PaymentIntent and confirm it on the server. Only the webhook (or reconciliation)
    records the payment."""
    actor = _require_payer(actor, invoice)
    payee = _payee_for_online(invoice.cluster)
    payment = (invoice.payments.filter(method=Payment.Method.ONLINE, status__in=[Payment.Status.PENDING,
                                                                               Payment.Status.FAILED])
               .order_by("-created_at", "-id").first())
    if payment is None or not payment.stripe_payment_intent_id:
        raise ValidationError("Платёж не начат или уже завершён. Обновите страницу и нажмите «Оплатить» ещё раз.")
    try:
        client = gateway.client_for(payee)
        setup = gateway.call(client.v1.setup_intents.retrieve, str(setup_intent_id or "")[:255])
        metadata = gateway.as_dict(setup).get("metadata") or {}
        if (metadata.get("payment_intent") != payment.stripe_payment_intent_id
                or metadata.get("cluster") != invoice.cluster.schema_name):
            raise ValidationError("Данные карты относятся к другому платежу. Обновите страницу.")
        if setup.status != "succeeded" or not setup.payment_method:
            raise ValidationError(gateway.DECLINED)
        intent_id = payment.stripe_payment_intent_id
        intent = gateway.call(client.v1.payment_intents.retrieve, intent_id)
        if intent.status in {"requires_payment_method", "requires_confirmation"}:
            if intent.status == "requires_payment_method":
                gateway.call(client.v1.payment_intents.update, intent_id,
                             params={"payment_method": setup.payment_method})
            intent = gateway.call(client.v1.payment_intents.confirm, intent_id)
    except gateway.GatewayDeclined as exc:
        return CardConfirmation(status="failed", message=exc.message)
    except gateway.GatewayError as exc:
        raise ValidationError(exc.message) from exc
    if intent.status == "requires_action":
        return CardConfirmation(status="requires_action", client_secret=intent.client_secret)
    if intent.status == "requires_payment_method":
        return CardConfirmation(status="failed", message=gateway.DECLINED)
    return CardConfirmation(status="submitted")


# --- settling what Stripe reports (webhook events and reconciliation) ---------------------

INTENT_STATUSES = {
    "succeeded": Payment.Status.SUCCEEDED,
    "processing": Payment.Status.PROCESSING,
    "canceled": Payment.Status.CANCELED,
}


def _intent_status(intent: dict[str, Any]) -> str | None:
    status = str(intent.get("status") or "")
    if status in INTENT_STATUSES:
        return INTENT_STATUSES[status]
    if status == "requires_payment_method" and intent.get("last_payment_error"):
        return Payment.Status.FAILED
    return None


def _alert(*, cluster: Cluster, kind: str, message: str, invoice: Invoice | None, intent_id: str,
           event: GatewayEvent | None, expected: int | None = None, received: int | None = None,
           expected_currency: str = "", received_currency: str = "") -> BillingAlert:
    alert, created = BillingAlert.objects.get_or_create(
        cluster=cluster, kind=kind, payment_intent_id=intent_id,
        defaults={"invoice": invoice, "event": event, "message": message, "expected_kopecks": expected,
                  "received_kopecks": received, "expected_currency": expected_currency,
                  "received_currency": received_currency},
    )
    if created:
        audit_record(actor=_system(cluster), action="billing.alert", obj=alert,
                     changes={"kind": [None, kind], "message": [None, message]})
        from .tasks import alert_notify

        alert_id = alert.pk
        transaction.on_commit(lambda: _enqueue(alert_notify, alert_id))
    return alert


def intent_apply(*, cluster: Cluster, intent: dict[str, Any], actor: Actor,
                 event: GatewayEvent | None = None) -> str:
    """Apply what Stripe says about a PaymentIntent of `cluster`; call inside a transaction.

    Only this cluster's payments are looked at. A status never moves back (a late
    payment_failed after succeeded is ignored). A success whose amount or currency differs from
    the payment asked for is recorded as an alert (staff get an e-mail) and pays nothing.
    Returns what happened: paid, mismatch, stale, ignored, unknown or the new payment status."""
    intent_id = str(intent.get("id") or "")
    metadata = intent.get("metadata") or {}
    payment = (Payment.objects.filter(cluster=cluster, stripe_payment_intent_id=intent_id)
               .select_related("invoice").first()) if intent_id else None
    if payment is None:
        if metadata.get("cluster") == cluster.schema_name and intent.get("status") == "succeeded":
            _alert(cluster=cluster, kind=BillingAlert.Kind.UNKNOWN_INVOICE, invoice=None, intent_id=intent_id,
                   event=event, received=intent.get("amount"), received_currency=str(intent.get("currency", "")),
                   message=f"Поступил платёж {intent_id}, которого нет среди платежей по счетам кластера.")
            return "unknown"
        return "ignored"  # another cluster's (or another system's) PaymentIntent
    new_status = _intent_status(intent)
    if new_status is None:
        return "ignored"
    invoice = _locked(payment.invoice)
    payment = Payment.objects.select_for_update().get(pk=payment.pk, cluster=cluster)
    if Payment.RANK[new_status] <= Payment.RANK[payment.status]:  # type: ignore[index]
        return "stale"
    actor = dataclasses.replace(actor, cluster=cluster)
    before = snapshot(payment, ["status", "failure_message", "succeeded_at"])
    if new_status != Payment.Status.SUCCEEDED:
        payment.status = new_status
        error = intent.get("last_payment_error") or {}
        payment.failure_message = str(error.get("message") or "")[:500] if new_status == Payment.Status.FAILED else ""
        payment.save(update_fields=["status", "failure_message", "updated_at"])
        audit_record(actor=actor, action=f"billing.payment_{new_status}", obj=payment,
                     changes=diff(before, snapshot(payment, ["status", "failure_message", "succeeded_at"])))
        return new_status
    received = intent.get("amount_received")
    received = int(received if received not in (None, 0) else intent.get("amount") or 0)
    currency = str(intent.get("currency") or "").upper()
    if currency != payment.currency:
        payment.failure_message = f"Валюта платежа {currency or '—'} вместо {payment.currency}; счёт не оплачен."
        payment.save(update_fields=["failure_message", "updated_at"])
        _alert(cluster=cluster, kind=BillingAlert.Kind.CURRENCY_MISMATCH, invoice=invoice, intent_id=intent_id,
               event=event, expected=payment.amount_kopecks, received=received,
               expected_currency=payment.currency, received_currency=currency,
               message=f"Счёт № {invoice.number}: платёж {intent_id} пришёл в валюте {currency or '—'}, "
                       f"ожидалась {payment.currency}. Счёт не отмечен оплаченным.")
        return "mismatch"
    if received != payment.amount_kopecks:
        payment.failure_message = (f"Получено {format_roubles(received)} ₽ вместо "
                                   f"{format_roubles(payment.amount_kopecks)} ₽; счёт не оплачен.")
        payment.save(update_fields=["failure_message", "updated_at"])
        _alert(cluster=cluster, kind=BillingAlert.Kind.AMOUNT_MISMATCH, invoice=invoice, intent_id=intent_id,
               event=event, expected=payment.amount_kopecks, received=received,
               expected_currency=payment.currency, received_currency=currency,
               message=f"Счёт № {invoice.number}: по платежу {intent_id} получено {format_roubles(received)} ₽, "
                       f"ожидалось {format_roubles(payment.amount_kopecks)} ₽. Счёт не отмечен оплаченным.")
        return "mismatch"
    payment.status = Payment.Status.SUCCEEDED
    payment.succeeded_at = timezone.now()
    payment.failure_message = ""
    payment.save(update_fields=["status", "succeeded_at", "failure_message", "updated_at"])
    audit_record(actor=actor, action="billing.payment_succeeded", obj=payment,
                 changes=diff(before, snapshot(payment, ["status", "failure_message", "succeeded_at"])))
    if invoice.status == Status.VOID or received > invoice.outstanding_kopecks:
        _alert(cluster=cluster, kind=BillingAlert.Kind.AMOUNT_MISMATCH, invoice=invoice, intent_id=intent_id,
               event=event, expected=invoice.outstanding_kopecks, received=received,
               expected_currency=invoice.currency, received_currency=currency,
               message=f"Счёт № {invoice.number}: поступило {format_roubles(received)} ₽ при остатке "
                       f"{format_roubles(invoice.outstanding_kopecks)} ₽ (счёт «{invoice.get_status_display()}»). "
                       "Проверьте и при необходимости оформите возврат.")
    if invoice.status != Status.VOID:
        _apply_money(invoice=invoice, delta_kopecks=received, actor=actor, action="billing.invoice_paid")
    return "paid"
