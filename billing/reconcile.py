"""Gateway follow-ups that run in the background: reconciliation, refunds, cancellations.

Reconciliation settles what a lost webhook or notification missed: for each online payment
still pending (or processing, or failed — the member may have retried) on a payable invoice,
read it from its gateway (Stripe PaymentIntent, YooKassa payment) with the payee's credentials
and apply it through the same code as the webhook (`services.intent_apply`,
`services.yookassa_payment_apply`), so a late notification afterwards finds nothing to do.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from core.audit.services import Actor
from tenants.models import Cluster

from .gateways import stripe as gateway
from .gateways.base import GatewayError, GatewayUnavailable
from .gateways.yookassa import GATEWAY as YOOKASSA
from .models import Invoice, Payee, Payment, Refund
from .services import intent_apply, refund_note_gateway_id, refund_settle, yookassa_payment_apply

logger = logging.getLogger(__name__)

RECONCILE_WINDOW_DAYS = 30


def reconcile_cluster(*, cluster: Cluster, now: datetime | None = None) -> dict[str, int]:
    """Fetch open PaymentIntents of the cluster's payable invoices from Stripe and apply them."""
    counts = {"checked": 0, "settled": 0, "errors": 0}
    payee = Payee.objects.filter(cluster=cluster).first()
    if payee is None:
        return counts
    since = (now or timezone.now()) - timedelta(days=RECONCILE_WINDOW_DAYS)
    _reconcile_yookassa(cluster=cluster, payee=payee, since=since, counts=counts)
    if not payee.stripe_secret_key_encrypted:
        return counts
    payments = list(
        Payment.objects.filter(
            cluster=cluster,
            method=Payment.Method.ONLINE,
            stripe_payment_intent_id__isnull=False,
            status__in=[Payment.Status.PENDING, Payment.Status.PROCESSING, Payment.Status.FAILED],
            invoice__status__in=sorted(Invoice.PAYABLE),
            created_at__gte=since,
        ).order_by("created_at", "id")
    )
    if not payments:
        return counts
    try:
        client = gateway.client_for(payee)
    except gateway.GatewayError:
        return counts
    actor = Actor(user=None, host="billing-reconcile", cluster=cluster)
    for payment in payments:
        counts["checked"] += 1
        try:
            intent = gateway.call(client.v1.payment_intents.retrieve, payment.stripe_payment_intent_id)
        except gateway.GatewayError as exc:
            counts["errors"] += 1
            logger.warning("billing reconcile %s: %s", payment.stripe_payment_intent_id, exc.message)
            continue
        with transaction.atomic():
            outcome = intent_apply(cluster=cluster, intent=gateway.as_dict(intent), actor=actor)
        if outcome == "paid":
            counts["settled"] += 1
    return counts


def _reconcile_yookassa(*, cluster: Cluster, payee: Payee, since: datetime, counts: dict[str, int]) -> None:
    if not (payee.yookassa_shop_id and payee.yookassa_secret_key_encrypted):
        return
    payments = list(
        Payment.objects.filter(
            cluster=cluster,
            method=Payment.Method.ONLINE,
            yookassa_payment_id__isnull=False,
            status__in=[
                Payment.Status.PENDING,
                Payment.Status.PROCESSING,
                Payment.Status.FAILED,
                Payment.Status.CANCELED,
            ],
            invoice__status__in=sorted(Invoice.PAYABLE),
            created_at__gte=since,
        ).order_by("created_at", "id")
    )
    actor = Actor(user=None, host="billing-reconcile", cluster=cluster)
    for payment in payments:
        counts["checked"] += 1
        try:
            state = YOOKASSA.read_payment(payee, str(payment.yookassa_payment_id))
        except GatewayError as exc:
            counts["errors"] += 1
            logger.warning("billing reconcile %s: %s", payment.yookassa_payment_id, exc.message)
            continue
        with transaction.atomic():
            outcome = yookassa_payment_apply(cluster=cluster, state=state, actor=actor)
        if outcome == "paid":
            counts["settled"] += 1


def _refund_submit_yookassa(refund: Refund, payee: Payee) -> str:
    try:
        result = YOOKASSA.refund(
            payee,
            payment_id=str(refund.payment.yookassa_payment_id),
            amount_kopecks=refund.amount_kopecks,
            currency=refund.payment.currency,
            idempotence_key=f"ch-{refund.cluster.schema_name}-refund-{refund.pk}"[:64],
            description=refund.reason,
        )
    except GatewayUnavailable:
        return "retry"  # still pending; the reconciliation sweep sends it again (same key)
    except GatewayError as exc:
        refund_settle(refund_id=refund.pk, succeeded=False, message=exc.message)
        return "failed"
    if result.status == "succeeded":
        refund_settle(refund_id=refund.pk, succeeded=True, yookassa_refund_id=result.id)
        return "succeeded"
    if result.status == "canceled":
        refund_settle(
            refund_id=refund.pk,
            succeeded=False,
            yookassa_refund_id=result.id,
            message="ЮKassa отклонила возврат.",
        )
        return "failed"
    refund_note_gateway_id(refund_id=refund.pk, yookassa_refund_id=result.id)
    return "pending"  # refund.succeeded (or the next sweep) settles it


def refund_submit(*, refund_id: int) -> str:
    """Send a pending online refund to its gateway (idempotency key per refund) and settle it."""
    refund = Refund.objects.select_related("payment", "cluster").filter(pk=refund_id).first()
    if refund is None or refund.status != Refund.Status.PENDING:
        return "skipped"
    payee = Payee.objects.filter(cluster=refund.cluster).first()
    if payee is None:
        return "no-payee"
    if refund.payment.yookassa_payment_id:
        return _refund_submit_yookassa(refund, payee)
    try:
        client = gateway.client_for(payee)
        result = gateway.call(
            client.v1.refunds.create,
            params={
                "payment_intent": refund.payment.stripe_payment_intent_id,
                "amount": refund.amount_kopecks,
                "metadata": {"cluster": refund.cluster.schema_name, "refund_id": str(refund.pk)},
            },
            options={"idempotency_key": f"clusterhub:{refund.cluster.schema_name}:refund:{refund.pk}"},
        )
    except gateway.GatewayUnavailable:
        return "retry"  # still pending; the reconciliation sweep sends it again
    except gateway.GatewayError as exc:
        refund_settle(refund_id=refund.pk, stripe_refund_id="", succeeded=False, message=exc.message)
        return "failed"
    status = gateway.refund_status(result.status)
    if status == "pending":  # not money back yet: the refund webhook (or the next sweep) settles it
        refund_note_gateway_id(refund_id=refund.pk, stripe_refund_id=result.id)
        return "pending"
    refund_settle(refund_id=refund.pk, stripe_refund_id=result.id, succeeded=status == "succeeded")
    return status if status == "succeeded" else "failed"


def refunds_retry(*, cluster: Cluster) -> int:
    ids = list(
        Refund.objects.filter(cluster=cluster, status=Refund.Status.PENDING).values_list("pk", flat=True)
    )
    return sum(refund_submit(refund_id=pk) == "succeeded" for pk in ids)


def payment_intents_cancel(*, cluster_id: int, intent_ids: list[str]) -> int:
    """Cancel PaymentIntents of a voided invoice (best effort: they are already marked cancelled)."""
    payee = Payee.objects.filter(cluster_id=cluster_id).first()
    if payee is None or not payee.stripe_secret_key_encrypted:
        return 0
    client = gateway.client_for(payee)
    done = 0
    for intent_id in intent_ids:
        try:
            gateway.call(client.v1.payment_intents.cancel, intent_id)
            done += 1
        except gateway.GatewayError as exc:
            logger.warning("billing: cancel %s: %s", intent_id, exc.message)
    return done
