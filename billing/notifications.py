"""E-mails about invoices (to the company's representatives) and alerts (to cluster staff).

Each invoice e-mail is sent at most once per invoice and kind: the Notification row is
inserted in the same transaction as the send; a second attempt meets the unique constraint.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from core.accounts.models import Grant
from core.ru.money import format_roubles
from tenants.models import Cluster
from tenants.selectors import cluster_primary_host

from .models import BillingAlert, Invoice, Notification, NotificationOutbox

logger = logging.getLogger(__name__)

Kind = Notification.Kind
REMINDER_DAYS = 3  # the reminder goes out this many days before the due date
SEND_FROM_HOUR, SEND_UNTIL_HOUR = 9, 21  # local time of the cluster
CATCH_UP_DAYS = 30  # the sweep sends missed "issued" / "payment received" e-mails this far back


def representative_emails(invoice: Invoice) -> list[str]:
    return sorted(
        set(
            Grant.objects.filter(
                cluster_id=invoice.cluster_id,
                role=Grant.Role.MEMBER_REPRESENTATIVE,
                company_id=invoice.company_id,
                user__is_active=True,
            ).values_list("user__email", flat=True)
        )
    )


def staff_emails(cluster: Cluster) -> list[str]:
    return sorted(
        set(
            Grant.objects.filter(
                cluster=cluster,
                role__in=[Grant.Role.CLUSTER_ADMIN, Grant.Role.CLUSTER_STAFF],
                user__is_active=True,
            ).values_list("user__email", flat=True)
        )
    )


def _invoice_url(invoice: Invoice) -> str:
    host = cluster_primary_host(cluster=invoice.cluster)
    scheme = "http" if host.endswith("localhost") else "https"
    return f"{scheme}://{host}{reverse('billing:invoice_detail', urlconf='clusterhub.urls_tenant', args=[invoice.pk])}"


def _message(invoice: Invoice, kind: str) -> tuple[str, str]:
    amount = format_roubles(invoice.amount_kopecks)
    outstanding = format_roubles(invoice.outstanding_kopecks)
    due = f"{invoice.due_date:%d.%m.%Y}"
    cluster = invoice.cluster.display_name
    link = _invoice_url(invoice)
    if kind == Kind.ISSUED:
        return (
            f"Счёт № {invoice.number} на {amount} ₽ — {cluster}",
            f"Здравствуйте!\n\n{cluster} выставил счёт № {invoice.number} от {invoice.issue_date:%d.%m.%Y} "
            f"для {invoice.company_name} на {amount} ₽ ({invoice.period_label}).\nОплатить до {due}.\n\n"
            f"Счёт (PDF) и оплата картой: {link}\n",
        )
    if kind == Kind.REMINDER:
        return (
            f"Напоминание: счёт № {invoice.number}, срок оплаты {due}",
            f"Здравствуйте!\n\nНапоминаем, что срок оплаты счёта № {invoice.number} ({invoice.company_name}) "
            f"— {due}. К оплате: {outstanding} ₽.\n\n{link}\n",
        )
    if kind == Kind.OVERDUE:
        return (
            f"Счёт № {invoice.number} просрочен",
            f"Здравствуйте!\n\nСрок оплаты счёта № {invoice.number} ({invoice.company_name}) истёк {due}. "
            f"Не оплачено: {outstanding} ₽.\n\n{link}\n",
        )
    return (
        f"Оплата по счёту № {invoice.number} получена",
        f"Здравствуйте!\n\nОплата по счёту № {invoice.number} ({invoice.company_name}) на {amount} ₽ "
        f"получена. Спасибо!\n\nКвитанция: {link}\n",
    )


def _still_relevant(invoice: Invoice, kind: str) -> bool:
    if kind == Kind.ISSUED:
        return invoice.status != Invoice.Status.VOID
    if kind == Kind.REMINDER:
        return invoice.status in {Invoice.Status.OPEN, Invoice.Status.PARTIALLY_PAID}
    if kind == Kind.OVERDUE:
        return invoice.status == Invoice.Status.OVERDUE
    return invoice.status == Invoice.Status.PAID


def notification_send(*, invoice_id: int, kind: str) -> bool:
    """Send one e-mail of `kind` about the invoice unless it was sent (True if sent now)."""
    invoice = Invoice.objects.select_related("cluster").filter(pk=invoice_id).first()
    if invoice is None or kind not in Kind.values or not _still_relevant(invoice, kind):
        return False
    recipients = representative_emails(invoice)
    if not recipients:
        return False  # nobody to tell yet; the sweep tries again while it is relevant
    subject, body = _message(invoice, kind)
    try:
        with transaction.atomic():
            Notification.objects.create(
                cluster=invoice.cluster, invoice=invoice, kind=kind, recipients=recipients
            )
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    except IntegrityError:
        return False  # already sent
    return True


OUTBOX_DRAIN_LIMIT = 1000  # rows per drain task; more are left to a drain queued right away


def outbox_drain(*, limit: int = OUTBOX_DRAIN_LIMIT) -> tuple[int, int]:
    """Send the e-mails waiting in the NotificationOutbox, oldest first, at most `limit` rows:
    each row is claimed (FOR UPDATE SKIP LOCKED: two drains never take one row), its e-mail sent
    through notification_send (whose Notification row makes it once per invoice and kind) and the
    row deleted, in ONE transaction: once it commits, the e-mail is never sent again; a crash
    before it leaves the row and no Notification row for the next drain (the same window as
    notification_send alone: a crash between the mail server's answer and the commit). An e-mail
    that fails (the mail server refuses) leaves its row for the next drain (logged).
    Returns (rows done, e-mails sent now)."""
    done = sent = 0
    after = 0
    table = NotificationOutbox._meta.db_table
    while done < limit:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, invoice_id, kind FROM {table} WHERE id > %s "  # noqa: S608 - our table
                "ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED",
                [after],
            )
            row = cursor.fetchone()
            if row is None:
                break
            after, done = row[0], done + 1
            try:
                with transaction.atomic():
                    sent += notification_send(invoice_id=row[1], kind=row[2])
            except Exception:
                logger.exception(
                    "billing: the e-mail of outbox row %s failed; kept for the next drain", after
                )
                continue  # nothing written: the row stays
            cursor.execute(f"DELETE FROM {table} WHERE id = %s", [after])  # noqa: S608 - our table
    return done, sent


def alert_send(*, alert_id: int) -> bool:
    alert = BillingAlert.objects.select_related("cluster", "invoice").filter(pk=alert_id).first()
    if alert is None:
        return False
    recipients = staff_emails(alert.cluster)
    if not recipients:
        logger.warning("billing alert %s: no staff e-mail in cluster %s", alert.pk, alert.cluster.schema_name)
        return False
    send_mail(
        f"Платежи: требуется проверка — {alert.get_kind_display()}",
        f"{alert.message}\n\nPaymentIntent: {alert.payment_intent_id or '—'}\n",
        settings.DEFAULT_FROM_EMAIL,
        recipients,
    )
    return True


def cluster_local_now(cluster: Cluster) -> dt.datetime:
    return timezone.localtime(timezone=cluster.tzinfo)


def notifications_sweep(*, cluster: Cluster, now: dt.datetime | None = None) -> dict[str, int]:
    """Per cluster, in its own time zone: mark overdue invoices, then (in daytime only) send
    reminders, overdue notices and any «issued»/«payment received» e-mail that was missed."""
    from .services import invoices_mark_overdue

    local = (now or timezone.now()).astimezone(cluster.tzinfo)
    today = local.date()
    counts = {"overdue_marked": invoices_mark_overdue(cluster=cluster, today=today)}
    if not SEND_FROM_HOUR <= local.hour < SEND_UNTIL_HOUR:
        return counts
    base = Invoice.objects.filter(cluster=cluster)
    wanted: list[tuple[int, str]] = []
    wanted += [
        (pk, Kind.REMINDER)
        for pk in base.filter(
            status__in=[Invoice.Status.OPEN, Invoice.Status.PARTIALLY_PAID],
            due_date__gte=today,
            due_date__lte=today + dt.timedelta(days=REMINDER_DAYS),
            issue_date__lt=today,
        )
        .exclude(notifications__kind=Kind.REMINDER)
        .values_list("pk", flat=True)
    ]
    wanted += [
        (pk, Kind.OVERDUE)
        for pk in base.filter(status=Invoice.Status.OVERDUE)
        .exclude(notifications__kind=Kind.OVERDUE)
        .values_list("pk", flat=True)
    ]
    since = today - dt.timedelta(days=CATCH_UP_DAYS)
    wanted += [
        (pk, Kind.ISSUED)
        for pk in base.exclude(status=Invoice.Status.VOID)
        .filter(issue_date__gte=since)
        .exclude(notifications__kind=Kind.ISSUED)
        .values_list("pk", flat=True)
    ]
    wanted += [
        (pk, Kind.PAYMENT_RECEIVED)
        for pk in base.filter(status=Invoice.Status.PAID, paid_at__date__gte=since)
        .exclude(notifications__kind=Kind.PAYMENT_RECEIVED)
        .values_list("pk", flat=True)
    ]
    sent = 0
    for pk, kind in wanted:
        sent += notification_send(invoice_id=pk, kind=kind)
    counts["sent"] = sent
    return counts
