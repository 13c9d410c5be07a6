"""Background work of fee billing (public schema): e-mails, Stripe follow-ups, beat sweeps.

Every task is idempotent: e-mails are once per invoice and kind, reconciliation applies
statuses forward only, events are processed once.
"""

from __future__ import annotations

from typing import Any

from clusterhub.celery_app import app
from tenants.models import Cluster


def _active_clusters() -> list[Cluster]:
    return list(Cluster.objects.filter(status=Cluster.Status.ACTIVE).exclude(schema_name="public"))


# ignore_result: nobody reads its result; with the Redis result backend every call otherwise
# subscribed to (and on garbage collection unsubscribed from) the result channel: a quarter of
# the enqueue CPU in a webhook (bench billing, gunicorn row).
@app.task(name="billing.invoice_notify", acks_late=True, ignore_result=True)
def invoice_notify(invoice_id: int | list[int], kind: str) -> int:
    """Send the e-mail of `kind` about an invoice (or each of a list of invoices, as services
    writing many at once queue them) unless it was sent already; how many were sent now.
    Safe to run again after a lost worker: what was sent is not sent twice."""
    from .notifications import notification_send

    ids = invoice_id if isinstance(invoice_id, list) else [invoice_id]
    return sum(notification_send(invoice_id=pk, kind=kind) for pk in ids)


@app.task(name="billing.notifications_drain", acks_late=True, ignore_result=True)
def notifications_drain() -> int:
    """Send the invoice e-mails waiting in the outbox (nudged by the services after commit, at
    most once per web process and BILLING_NOTIFY_DRAIN_SECONDS; and on the beat): how many were
    sent. A full batch queues the next drain at once."""
    from core.queue import enqueue

    from .notifications import OUTBOX_DRAIN_LIMIT, outbox_drain

    done, sent = outbox_drain()
    if done >= OUTBOX_DRAIN_LIMIT:
        enqueue("billing.notifications_drain")
    return sent


@app.task(name="billing.alert_notify", acks_late=True)
def alert_notify(alert_id: int) -> bool:
    from .notifications import alert_send

    return alert_send(alert_id=alert_id)


@app.task(name="billing.payment_intents_cancel", acks_late=True)
def payment_intents_cancel(cluster_id: int, intent_ids: list[str]) -> int:
    from .reconcile import payment_intents_cancel as cancel

    return cancel(cluster_id=cluster_id, intent_ids=intent_ids)


@app.task(name="billing.refund_submit", acks_late=True)
def refund_submit(refund_id: int) -> str:
    from .reconcile import refund_submit as submit

    return submit(refund_id=refund_id)


@app.task(name="billing.reconcile", acks_late=True)
def reconcile() -> dict[str, Any]:
    """Beat: settle what lost webhooks missed and resend pending refunds, cluster by cluster."""
    from .reconcile import reconcile_cluster, refunds_retry

    result: dict[str, Any] = {}
    for cluster in _active_clusters():
        counts = reconcile_cluster(cluster=cluster)
        counts["refunds"] = refunds_retry(cluster=cluster)
        result[cluster.schema_name] = counts
    return result


@app.task(name="billing.events_sweep", acks_late=True)
def events_sweep() -> int:
    """Beat: process stored webhook events whose processing failed."""
    from .webhooks import events_process_pending

    return events_process_pending()


@app.task(name="billing.notifications_sweep", acks_late=True)
def notifications_sweep() -> dict[str, Any]:
    """Beat (hourly): overdue marks, reminders and missed e-mails in each cluster's time zone."""
    from .notifications import notifications_sweep as sweep

    return {cluster.schema_name: sweep(cluster=cluster) for cluster in _active_clusters()}
