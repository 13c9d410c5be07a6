"""Gateway notifications (Stripe webhooks, YooKassa notifications): verify, store once,
process exactly once.

Choice: events are processed INLINE in the webhook request, not by a Celery task. The
request (1) checks the signature on the raw body with the payee's signing secret and
Stripe's tolerance, then (2) in ONE transaction inserts the event as processed (INSERT … ON
CONFLICT DO NOTHING on (cluster, provider, event id)) and applies its effects (payment and
invoice rows locked with SELECT … FOR UPDATE, audit rows); the row is written again only when
the outcome differs (ignored, or an error). A duplicate delivered at
the same moment blocks on the unique index until the first transaction commits, then finds
the event done: effects and the "processed" mark commit together, so each event counts once.
If applying fails, the transaction is rolled back and the event is then committed on its own
with its error (no savepoint on the common path); `events_process_pending` (beat) retries it,
under its row lock with a savepoint, at most MAX_ATTEMPTS times.

YooKassa does not sign its notifications, so `yookassa_notification_receive` trusts nothing in
the body but the object's id: it re-reads the payment (or refund) through the API with the
payee's credentials and stores THAT, keyed by the verified state ("payment:<id>:succeeded"), in
the same event store, applied by the same forward-only rules (services.yookassa_payment_apply
checks shop, metadata, amount and currency). YooKassa unreachable while verifying: 503, nothing
stored, YooKassa retries. A payment we already hold as succeeded is answered without calling
the API (nothing can change it): duplicates cost one query (an EXISTS read with the payee).

So the broker is never on the path of money: with Redis down, events are still stored and
applied; the «payment received» e-mail is written to the outbox (NotificationOutbox) in the same
statement as the payment's rows and sent by the drain task (nudged after commit at most once
per process and BILLING_NOTIFY_DRAIN_SECONDS, and on the beat): no broker publish per delivery,
nothing lost with the broker down (Notification rows make each e-mail happen once).
"""

from __future__ import annotations

import functools
import json
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import stripe
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from clusterhub.metrics import webhook_failure_record
from core.audit.services import Actor
from core.json_input import json_loads
from tenants.models import Cluster

from . import crypto
from .gateways.base import GatewayError, GatewayNotFound, GatewayUnavailable, NotificationRejected
from .gateways.stripe import DISPUTE_EVENTS, INTENT_EVENTS, REFUND_EVENTS, verify_signature
from .gateways.yookassa import GATEWAY as YOOKASSA
from .gateways.yookassa import Notice, notice_from, payment_state, refund_state, sender_allowed
from .models import GatewayEvent, Payee, Payment, Refund
from .services import (
    intent_apply,
    stripe_dispute_apply,
    stripe_refund_apply,
    yookassa_payment_apply,
    yookassa_refund_apply,
)

logger = logging.getLogger(__name__)

PROVIDER = "stripe"
MAX_ATTEMPTS = 10
DONE = frozenset({GatewayEvent.Status.PROCESSED, GatewayEvent.Status.IGNORED})


@dataclass(frozen=True)
class WebhookResult:
    status_code: int
    detail: str
    event_id: str = ""


def _refuse(status_code: int, reason: str, detail: str, provider: str = PROVIDER) -> WebhookResult:
    webhook_failure_record(provider=provider, reason=reason)
    return WebhookResult(status_code, detail)


def webhook_receive(*, cluster_slug: str, payload: bytes, signature: str, host: str = "") -> WebhookResult:
    """Verify, store and process one delivery for the cluster's payee. One SELECT reads the
    payee's secret, its cluster and whether this event id is done already: a duplicate of a done
    event is answered (after its signature is checked) with no further query."""
    # Read before the signature check for the event id only; refused after it, as before.
    data: dict[str, Any] = {}
    problem, event_id, event_type = "", "", ""
    try:
        data = json_loads(payload)
        event_id, event_type = str(data["id"]), str(data["type"])
    except ValueError:
        problem = "Тело запроса не JSON."
    except (KeyError, TypeError):
        problem = "В событии нет id или type."
    found = _stripe_payee(cluster_slug, event_id)
    if found is None or not found[0].stripe_webhook_secret_encrypted:
        return _refuse(404, "unknown_endpoint", "Нет такого получателя платежей.")
    payee, event_status = found
    try:
        secret = crypto.decrypt(payee.stripe_webhook_secret_encrypted)
    except crypto.SecretUnavailable:
        logger.error("billing: webhook secret of %s cannot be decrypted", cluster_slug)
        return _refuse(500, "processing", "Секрет вебхука недоступен.")
    try:
        verify_signature(payload, signature or "", secret)  # the tolerance both ways
    except stripe.SignatureVerificationError:
        return _refuse(400, "signature", "Подпись не прошла проверку.")
    except ValueError:  # not UTF-8
        return _refuse(400, "payload", "Тело запроса не JSON.")
    if problem:
        return _refuse(400, "payload", problem)
    if event_status in DONE:
        return WebhookResult(200, "duplicate", event_id)
    outcome = event_ingest(
        cluster=payee.cluster, event_id=event_id, event_type=event_type, payload=data, host=host
    )
    if outcome == "error":
        # Stored with its error; the sweep retries. Stripe gets 200: it need not resend the same bytes.
        webhook_failure_record(provider=PROVIDER, reason="processing")
    return WebhookResult(200, outcome, event_id)


def _stripe_payee(cluster_slug: str, event_id: str) -> tuple[Payee, str | None] | None:
    """The payee of the cluster named in the URL (with its cluster) and the stored status of the
    event (None when new), in one round trip (_payee_by_slug)."""
    status = (
        f"(SELECT e.status FROM {GatewayEvent._meta.db_table} e WHERE e.cluster_id = c.id "  # noqa: S608 - names are ours
        "AND e.provider = %s AND e.event_id = %s)"
    )
    found = _payee_by_slug(cluster_slug, status, [PROVIDER, event_id])
    return None if found is None else (found[0], found[1])


@functools.cache
def _payee_by_slug_sql(extra: str) -> tuple[str, list[str], list[str]]:
    """The SELECT of `_payee_by_slug` with the expression `extra` last, and the Payee and Cluster
    attnames it returns (column names are the models')."""

    def quote(name: str | None) -> str:
        return str(connection.ops.quote_name(str(name)))

    payee_fields, cluster_fields = Payee._meta.concrete_fields, Cluster._meta.concrete_fields
    columns = [f"p.{quote(f.column)}" for f in payee_fields] + [
        f"c.{quote(f.column)}" for f in cluster_fields
    ]
    sql = (
        f"SELECT {', '.join(columns)}, {extra} "  # noqa: S608 - names are ours, `extra` is our SQL
        f"FROM {quote(Payee._meta.db_table)} p JOIN {quote(Cluster._meta.db_table)} c ON c.id = p.cluster_id "
        "WHERE c.schema_name = %s LIMIT 1"
    )
    return sql, [f.attname for f in payee_fields], [f.attname for f in cluster_fields]


def _payee_by_slug(cluster_slug: str, extra: str, params: list[Any]) -> tuple[Payee, Any] | None:
    """The payee of the cluster named in a gateway's URL, with its cluster, and the value of the SQL
    expression `extra` (over `p`, the payee, and `c`, the cluster; its `params`), in one round
    trip of plain SQL: compiling the same ORM query (select_related and an annotation) was a
    quarter to a third of a delivery's CPU, and all of a duplicate's but the middleware."""
    sql, payee_names, cluster_names = _payee_by_slug_sql(extra)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, cluster_slug])
        row = cursor.fetchone()
    if row is None:
        return None
    n = len(payee_names)
    payee = Payee.from_db(connection.alias, payee_names, row[:n])
    payee.cluster = Cluster.from_db(connection.alias, cluster_names, row[n : n + len(cluster_names)])
    return payee, row[-1]


class _EffectsFailed(Exception):
    """Applying a new event failed: its whole transaction rolls back, then the event is stored
    with the error (the exception is the cause)."""


def event_ingest(
    *,
    cluster: Cluster,
    event_id: str,
    event_type: str,
    payload: dict[str, Any],
    host: str = "",
    provider: str = PROVIDER,
    payee: Payee | None = None,
) -> str:
    """Store the event once and apply it, in ONE transaction: processed / ignored / duplicate / error.

    A concurrent delivery of the same event blocks on the unique index until this transaction
    ends, then finds the row (processed) and does nothing. A new event is inserted as processed
    (first attempt, now): nobody sees the row before this transaction commits, and it commits
    with the effects, so the common case needs no second write of the row and no savepoint. If
    applying a new event fails, the whole transaction rolls back (row and effects), and the event
    is then stored on its own as received, with its error, for the sweep to retry — unless a
    concurrent delivery stored it meanwhile. An event delivered again while still unprocessed is
    applied under its row lock, with a savepoint around the effects."""
    try:
        with transaction.atomic():
            row = _event_insert(cluster, provider, event_id, event_type, payload)
            if row is None:  # delivered before: lock it and see whether it still needs work
                event = GatewayEvent.objects.select_for_update().get(
                    cluster=cluster, provider=provider, event_id=event_id
                )
                if event.status in DONE:
                    return "duplicate"
                event.cluster = cluster
                return _apply(event, host=host, payee=payee)
            # Our own uncommitted row: nobody else can see or lock it.
            event = GatewayEvent(
                pk=row[0],
                cluster=cluster,
                provider=provider,
                event_id=event_id,
                type=event_type[:100],
                payload=payload,
                status=GatewayEvent.Status.PROCESSED,
            )
            try:
                return _effects(event, host=host, fresh=True, payee=payee)
            except Exception as exc:
                raise _EffectsFailed from exc
    except _EffectsFailed as failed:
        cause = failed.__cause__
        logger.error(
            "billing: event %s of %s failed", event_id, cluster.schema_name, exc_info=cause or failed
        )
        _event_store_failed(cluster, provider, event_id, event_type, payload, error=_error_text(cause))
        return "error"


def _event_insert(
    cluster: Cluster, provider: str, event_id: str, event_type: str, payload: dict[str, Any]
) -> tuple[int] | None:
    """INSERT the event as processed (first attempt, now) unless it is stored already: its id, or None."""
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO billing_gatewayevent
                    (cluster_id, provider, event_id, type, payload, status, received_at, processed_at,
                     attempts, error)
                VALUES (%s, %s, %s, %s, %s, %s, now(), now(), 1, '')
                ON CONFLICT (cluster_id, provider, event_id) DO NOTHING
                RETURNING id""",
            [
                cluster.pk,
                provider,
                event_id,
                event_type[:100],
                json.dumps(payload),
                GatewayEvent.Status.PROCESSED,
            ],
        )
        row = cursor.fetchone()
    return None if row is None else (int(row[0]),)


def _event_store_failed(
    cluster: Cluster, provider: str, event_id: str, event_type: str, payload: dict[str, Any], *, error: str
) -> None:
    """Store a new event whose effects failed (rolled back) as received with its error, for the
    sweep. A concurrent delivery may have stored it meanwhile: then only a still unprocessed row
    counts the attempt; a processed one stays as it is."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO billing_gatewayevent AS e
                    (cluster_id, provider, event_id, type, payload, status, received_at, processed_at,
                     attempts, error)
                VALUES (%s, %s, %s, %s, %s, %s, now(), NULL, 1, %s)
                ON CONFLICT (cluster_id, provider, event_id) DO UPDATE
                    SET attempts = e.attempts + 1, error = EXCLUDED.error
                    WHERE e.status = %s""",
            [
                cluster.pk,
                provider,
                event_id,
                event_type[:100],
                json.dumps(payload),
                GatewayEvent.Status.RECEIVED,
                error,
                GatewayEvent.Status.RECEIVED,
            ],
        )


def _error_text(exc: BaseException | None) -> str:
    return f"{exc.__class__.__name__}: {exc}"[:2000]


def _effects(event: GatewayEvent, *, host: str, fresh: bool = False, payee: Payee | None = None) -> str:
    """Apply a locked (or just inserted) unprocessed event inside the caller's transaction and mark
    it: processed / ignored. Raises when applying fails (the caller rolls back). `fresh`: the row
    was inserted by this transaction as processed, first attempt."""
    cluster = event.cluster
    outcome = "ignored"
    if event.provider == YOOKASSA_PROVIDER:
        result = _yookassa_apply(event, host=host, payee=payee)
        outcome = "ignored" if result in {"ignored", "unknown"} else "processed"
    elif event.type in INTENT_EVENTS | REFUND_EVENTS | DISPUTE_EVENTS:
        obj = (event.payload.get("data") or {}).get("object") or {}
        actor = Actor(user=None, host=host or "stripe-webhook", cluster=cluster)
        if event.type in REFUND_EVENTS:
            result = stripe_refund_apply(cluster=cluster, refund=obj)
        elif event.type in DISPUTE_EVENTS:
            result = stripe_dispute_apply(cluster=cluster, dispute=obj, event=event, actor=actor)
        else:
            result = intent_apply(cluster=cluster, intent=obj, event=event, actor=actor)
        outcome = "ignored" if result in {"ignored", "unknown"} else "processed"
    if not (fresh and outcome == "processed"):  # else: inserted so already
        GatewayEvent.objects.filter(pk=event.pk).update(
            status=GatewayEvent.Status.PROCESSED if outcome == "processed" else GatewayEvent.Status.IGNORED,
            processed_at=timezone.now(),
            attempts=1 if fresh else F("attempts") + 1,
            error="",
        )
    return outcome


def _apply(event: GatewayEvent, *, host: str, payee: Payee | None = None) -> str:
    """Apply a stored, locked, unprocessed event inside the caller's transaction, with a savepoint
    around the effects: if they fail, the event keeps its row with the error and one more attempt."""
    try:
        with transaction.atomic():
            return _effects(event, host=host, payee=payee)
    except Exception as exc:
        logger.exception("billing: event %s of %s failed", event.event_id, event.cluster.schema_name)
        GatewayEvent.objects.filter(pk=event.pk).update(
            attempts=F("attempts") + 1,
            error=_error_text(exc),
            status=GatewayEvent.Status.RECEIVED,
            processed_at=None,
        )
        return "error"


def event_process(*, event_pk: int, host: str = "") -> str:
    """Apply a stored event that is not done yet (the sweep): processed / ignored / duplicate / error."""
    with transaction.atomic():
        event = (
            GatewayEvent.objects.select_for_update(of=("self",)).select_related("cluster").get(pk=event_pk)
        )
        if event.status in DONE:
            return "duplicate"
        return _apply(event, host=host)


def events_process_pending(*, older_than_seconds: int = 30, limit: int = 500) -> int:
    """The beat sweep: process stored events that are still unprocessed (a crash, an error)."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    pending = list(
        GatewayEvent.objects.filter(
            status=GatewayEvent.Status.RECEIVED, received_at__lte=cutoff, attempts__lt=MAX_ATTEMPTS
        )
        .order_by("received_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    done = 0
    for pk in pending:
        if event_process(event_pk=pk, host="billing-sweep") in {"processed", "ignored"}:
            done += 1
    GatewayEvent.objects.filter(status=GatewayEvent.Status.RECEIVED, attempts__gte=MAX_ATTEMPTS).update(
        status=GatewayEvent.Status.FAILED
    )
    return done


# --- YooKassa ----------------------------------------------------------------------------

YOOKASSA_PROVIDER = "yookassa"


def _yookassa_apply(event: GatewayEvent, *, host: str, payee: Payee | None = None) -> str:
    """Apply a stored, verified YooKassa object (what the API said, never a notification body)."""
    cluster = event.cluster
    data = event.payload.get("data") or {}
    if event.payload.get("kind") == "refund":
        return yookassa_refund_apply(cluster=cluster, state=refund_state(data))
    return yookassa_payment_apply(
        cluster=cluster,
        state=payment_state(data),
        event=event,
        payee=payee,
        actor=Actor(user=None, host=host or "yookassa-notification", cluster=cluster),
    )


def _already_final(notice: Notice | None) -> tuple[str, list[Any]]:
    """Whether the notification names a payment we hold as succeeded, or a refund we settled:
    nothing it could say changes them (statuses only move forward), so no need to ask the API.
    A condition on the payee's cluster (SQL and parameters; `p` is the payee), read in the same
    query as the payee."""
    if notice is None:
        return "FALSE", []
    if notice.event.startswith("payment."):
        return (
            f"EXISTS (SELECT 1 FROM {Payment._meta.db_table} x WHERE x.cluster_id = p.cluster_id "  # noqa: S608 - names are ours
            "AND x.yookassa_payment_id = %s AND x.status = %s)",
            [notice.object_id, Payment.Status.SUCCEEDED],
        )
    if notice.event.startswith("refund."):
        return (
            f"EXISTS (SELECT 1 FROM {Refund._meta.db_table} x WHERE x.cluster_id = p.cluster_id "  # noqa: S608 - names are ours
            "AND x.yookassa_refund_id = %s AND x.status <> %s)",
            [notice.object_id, Refund.Status.PENDING],
        )
    return "FALSE", []


def _notification_payee(cluster_slug: str, notice: Notice | None) -> Payee | None:
    """The cluster's payee with its cluster, and `already_final` (see _already_final), in one
    round trip (_payee_by_slug)."""
    final, params = _already_final(notice)
    found = _payee_by_slug(cluster_slug, final, params)
    if found is None:
        return None
    payee, already_final = found
    payee.already_final = bool(already_final)  # type: ignore[attr-defined]
    return payee


def yookassa_notification_receive(
    *, cluster_slug: str, payload: bytes, sender: str, host: str = ""
) -> WebhookResult:
    """Verify one YooKassa notification for the cluster's payee by asking the API, then store and
    apply what the API said, once. 503 when YooKassa cannot be asked now (it retries)."""
    provider = YOOKASSA_PROVIDER
    notice: Notice | None = None
    try:
        notice = notice_from(payload)  # the body is read once: event and object id
    except NotificationRejected as exc:
        rejected = exc  # answered after the endpoint and sender checks, as before
    payee = _notification_payee(cluster_slug, notice)
    if payee is None or not payee.yookassa_shop_id or not payee.yookassa_secret_key_encrypted:
        return _refuse(404, "unknown_endpoint", "Нет такого получателя платежей.", provider)
    if not sender_allowed(sender, getattr(settings, "YOOKASSA_NOTIFY_NETWORKS", None)):
        return _refuse(403, "sender", "Уведомления принимаются только из сетей ЮKassa.", provider)
    if notice is None:
        return _refuse(rejected.status_code, rejected.reason, rejected.detail, provider)
    cluster = payee.cluster
    if getattr(payee, "already_final", False):
        return WebhookResult(200, "duplicate")
    try:
        verified = YOOKASSA.verify_notice(payee, notice)
    except NotificationRejected as exc:
        return _refuse(exc.status_code, exc.reason, exc.detail, provider)
    except GatewayNotFound:
        # Not a payment of this shop (unknown id, another payee's): nothing to apply, nothing to retry.
        webhook_failure_record(provider=provider, reason="unknown_object")
        return WebhookResult(200, "unknown")
    except crypto.SecretUnavailable:
        logger.error("billing: yookassa secret of %s cannot be decrypted", cluster_slug)
        return _refuse(503, "processing", "Секретный ключ ЮKassa недоступен; повторите позже.", provider)
    except GatewayUnavailable:
        return _refuse(
            503, "verify_unavailable", "ЮKassa недоступна для проверки; повторите позже.", provider
        )
    except GatewayError:
        # The API refused our credentials: retrying later (after an admin fixes them) may succeed.
        return _refuse(
            503, "verify_refused", "Не удалось проверить платёж в ЮKassa; повторите позже.", provider
        )
    if verified.payment is not None:
        state = verified.payment
        if state.status is None or state.account_id != payee.yookassa_shop_id:
            return WebhookResult(200, "ignored")
        if (
            state.metadata.get("cluster") != cluster.schema_name
            and not Payment.objects.filter(cluster=cluster, yookassa_payment_id=state.id).exists()
        ):
            return WebhookResult(200, "ignored")  # not ours: store nothing
        body = {"kind": "payment", "data": dict(state.raw)}
    elif verified.refund is not None:
        if not Refund.objects.filter(cluster=cluster, yookassa_refund_id=verified.refund.id).exists():
            return WebhookResult(200, "unknown")  # not ours (yet): the refund sweep settles it
        body = {"kind": "refund", "data": dict(verified.refund.raw)}
    else:
        return WebhookResult(200, "ignored")
    outcome = event_ingest(
        cluster=cluster,
        event_id=verified.event_id,
        event_type=verified.event_type,
        payload=body,
        host=host,
        provider=provider,
        payee=payee,
    )
    if outcome == "error":
        webhook_failure_record(provider=provider, reason="processing")
    return WebhookResult(200, outcome, verified.event_id)
