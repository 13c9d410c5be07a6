"""What the billing services share: the actor scoped to an invoice's cluster, an invoice's
status from its money and dates, money moving on a locked invoice, and e-mails after commit
(queued by task, or through the transactional outbox for a payment's «payment received»)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import threading
import time

from celery import current_app
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from core.accounts.access import require_manager
from core.audit.models import AuditEntry
from core.audit.services import Actor, audit_entry, diff, snapshot
from core.clock import cluster_today
from core.queue import enqueue
from tenants.models import Cluster

from ..models import Invoice, Notification, NotificationOutbox

OTHER_CLUSTER = "Этот счёт принадлежит другому кластеру."

Status = Invoice.Status


def scoped(actor: Actor, cluster: Cluster) -> Actor:
    """The actor, checked to manage `cluster`, with that cluster set (audit rows carry it)."""
    if actor.cluster is not None and actor.cluster.pk != cluster.pk:
        raise PermissionDenied(OTHER_CLUSTER)
    actor = dataclasses.replace(actor, cluster=cluster)
    require_manager(actor)
    return actor


def status_for(invoice: Invoice, today: dt.date) -> str:
    """What the invoice's status should be from its amounts and due date (void stays void)."""
    return status_of(
        status=invoice.status,
        paid_kopecks=invoice.paid_kopecks,
        amount_kopecks=invoice.amount_kopecks,
        due=invoice.overdue_after or invoice.due_date,
        today=today,
    )


def status_of(*, status: str, paid_kopecks: int, amount_kopecks: int, due: dt.date, today: dt.date) -> str:
    """`status_for` from the values alone (bulk writers read rows, not model instances)."""
    if status in {Status.VOID, Status.DRAFT}:
        return status
    if paid_kopecks >= amount_kopecks:
        return Status.PAID
    if due < today:
        return Status.OVERDUE
    return Status.PARTIALLY_PAID if paid_kopecks > 0 else Status.OPEN


def apply_money(
    *,
    invoice: Invoice,
    delta_kopecks: int,
    actor: Actor,
    action: str,
    audit: list[AuditEntry] | None = None,
    saves: list[tuple[Model, list[str]]] | None = None,
) -> None:
    """Add (or, for refunds, subtract) money on a locked invoice and re-derive its status.
    `audit`: the audit row is appended there, for the caller to write with its own in one INSERT.
    `saves`: the invoice's save is appended there instead of done (core.audit.saved_with_audit)."""
    before = snapshot(invoice, ["paid_kopecks", "status", "paid_at"])
    invoice.paid_kopecks = max(invoice.paid_kopecks + delta_kopecks, 0)
    invoice.status = status_for(invoice, cluster_today(invoice.cluster))
    if invoice.status == Status.PAID and invoice.paid_at is None:
        invoice.paid_at = timezone.now()
    elif invoice.status != Status.PAID:
        invoice.paid_at = None
    invoice_fields = ["paid_kopecks", "status", "paid_at", "updated_at"]
    if saves is None:
        invoice.save(update_fields=invoice_fields)
    else:
        saves.append((invoice, invoice_fields))
    entry = audit_entry(
        actor=actor,
        action=action,
        obj=invoice,
        changes=diff(before, snapshot(invoice, ["paid_kopecks", "status", "paid_at"])),
    )
    if audit is None:
        entry.save()
    else:
        audit.append(entry)
    if invoice.status == Status.PAID and before["status"] != Status.PAID:
        notify_through_outbox(invoice, kind=Notification.Kind.PAYMENT_RECEIVED, saves=saves)


NOTIFY_BATCH = 500  # invoices per queued message when a service notifies about many at once


def notify_on_commit(*invoice_ids: int, kind: str) -> None:
    """The e-mails of `kind` about these invoices, queued by one after-commit hook (a broker
    that is down is logged; the notifications sweep sends what was missed). Many invoices go
    NOTIFY_BATCH to a message (a 10,000-line bank statement: 20 messages, not 10,000 broker
    round trips after its commit)."""

    def queue() -> None:
        if len(invoice_ids) == 1:
            enqueue("billing.invoice_notify", invoice_ids[0], kind)
            return
        for start in range(0, len(invoice_ids), NOTIFY_BATCH):
            enqueue("billing.invoice_notify", list(invoice_ids[start : start + NOTIFY_BATCH]), kind)

    transaction.on_commit(queue)


def notify_through_outbox(
    invoice: Invoice, *, kind: str, saves: list[tuple[Model, list[str]]] | None = None
) -> None:
    """The e-mail of `kind` about the invoice, through the transactional outbox: its
    NotificationOutbox row is written in the caller's transaction (appended to `saves` for the
    caller's one statement, else inserted now), and after commit the drain task is nudged
    (`_drain_nudge`). A webhook thus never publishes to the broker per payment: that publish
    (kombu's send_task) cost 0.4 ms of CPU per payment measured alone in-process, more under
    a worker's load (900 payments now put 2 drain tasks on the broker instead of 900)."""
    row = NotificationOutbox(cluster_id=invoice.cluster_id, invoice_id=invoice.pk, kind=kind)
    if saves is None:
        row.save()
    else:
        saves.append((row, []))
    transaction.on_commit(_drain_nudge)


_nudge_lock = threading.Lock()
_nudged_at = -math.inf  # time.monotonic() of this process's last nudge


def _drain_nudge() -> None:
    """Queue `billing.notifications_drain` to run BILLING_NOTIFY_DRAIN_SECONDS from now, unless
    this process queued one less than that long ago: that drain runs after every row committed
    since, so each outbox row is drained within that delay (the beat entry is the backstop, e.g.
    when the broker was down). One publish per process and delay instead of one per payment.
    Eager Celery (tests, a laptop without a broker): the drain runs now, every time."""
    if current_app.conf.task_always_eager:
        enqueue("billing.notifications_drain")
        return
    global _nudged_at
    delay = float(settings.BILLING_NOTIFY_DRAIN_SECONDS)
    now = time.monotonic()
    with _nudge_lock:
        if now - _nudged_at < delay:
            return
        _nudged_at = now
    enqueue("billing.notifications_drain", countdown=delay)


def locked(invoice: Invoice) -> Invoice:
    return (
        Invoice.objects.select_for_update(of=("self",))
        .select_related("cluster")
        .get(pk=invoice.pk, cluster_id=invoice.cluster_id)
    )
