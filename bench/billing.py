"""Billing rows: Stripe webhook and YooKassa notification processing throughput and latency,
with 10% duplicate deliveries.

Ours: every delivery goes through the whole stack (Django test client → host routing → the
webhook view → signature check on the raw body → INSERT … ON CONFLICT of the event →
SELECT … FOR UPDATE of the event, payment and invoice → effects + audit rows in one
transaction). Baseline: a naive handler with the same signature check that applies each
event straight to the payment and invoice rows (no event store, no locks) — faster, but it
applies every duplicate a second time (double-counted money). A third row gives the cost of
stripe.Webhook.construct_event alone: the floor any handler pays.

YooKassa: every notification goes through the whole stack too, and the handler re-reads the
payment through the yookassa SDK from the local YooKassa-compatible server (a subprocess, as in
the demo) before storing and applying it; a duplicate of a payment already held as succeeded is
answered from the database alone. The «payment received» e-mail is queued after commit (counted,
not sent inline: in production a broker takes it), in both rows. Target: ≥ 200 notifications/s,
none applied twice. Both rows print the SQL round trips per delivery (statements seen by Django's
cursor wrapper, plus BEGIN and COMMIT of each transaction).

Run alone: `.venv/bin/python -m bench.billing` (uses the bench database, cleans up after).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import random
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import stripe

if TYPE_CHECKING:  # Django is set up by bench.bootstrap before anything below runs
    from .fixtures import RequestFixture
    from .report import Row

UNIQUE_EVENTS = 900
DUPLICATE_SHARE = 0.10  # of all deliveries
SECRET = "whsec_bench_billing"  # noqa: S105 - a throwaway bench secret
NOTES = [
    "Billing webhooks: the first rows: deliveries are sequential on one connection, ours and the naive "
    "baseline interleaved so both see the same machine load. «Full HTTP stack» there means Django's test "
    "Client in the bench process: the request goes through the WSGI handler, the middleware, host routing "
    "and the view, but not through a socket or a WSGI server. The «through gunicorn» rows are the real "
    "server: one gunicorn worker process (gthread, 4 threads) with production settings (request log, "
    "metrics, CSP, HTTPS via X-Forwarded-Proto) on the bench database, 4 sender threads in the bench "
    "process each on one kept-alive connection, the deliveries split between them (a duplicate may "
    "arrive while its original is in flight: exactly-once is checked on the rows). The worker's CPU per "
    "delivery comes from /proc (utime + stime over the run): robust on a loaded machine, where the "
    "wall-clock events/s of every row falls with the load (senders, worker and PostgreSQL share 2 "
    "cores). The «payment received» e-mail is queued after commit: counted, not sent, in the test-client "
    "rows; put on the real broker (Redis) by the worker and counted there in the gunicorn rows. The "
    "naive baseline applies duplicates twice; ours once. Since the webhook became a lean endpoint "
    "(clusterhub/lean.py: no session, auth, CSRF, messages, language, 2FA or session-record middleware), "
    "one SELECT reads payee, cluster and the event's stored status (a duplicate is answered from it), "
    "the signature is checked with stripe.WebhookSignature.verify_header (no stripe.Event tree) and "
    "invoice + payment are locked in one statement: CPU per delivery in the bench process, new event "
    "8.6 -> 4.5 ms, duplicate 7.1 -> 1.7 ms (process_time, loaded machine).",
    "  SQL round trips per new event (statements + BEGIN/COMMIT), Stripe 15 -> 7 -> 6, YooKassa 12 -> 7; "
    "duplicates: Stripe 6 -> 5 -> 1, YooKassa 2 -> 1. Cut: the SET search_path each request sent although "
    "the kept-open connection already had that path (tenants/middleware.py); the SAVEPOINT/RELEASE "
    "around the effects (a new event that fails now rolls back whole and is stored on its own with its "
    "error); the Stripe payment looked up, then its invoice locked, then the payment locked (3 queries) "
    "-> invoice locked through the payment, then payment locked (2) -> both in one SELECT … FOR UPDATE OF invoice, payment (1); the payment UPDATE, invoice UPDATE "
    "and audit INSERT in one statement (core.audit.services.saved_with_audit). Remaining per new event: "
    "payee + event status read, BEGIN, event INSERT … ON CONFLICT RETURNING, invoice + payment lock, the "
    "one write statement, COMMIT; per duplicate the first read only. The locks and the write are plain SQL (ORM compilation was a third of the CPU); "
    "the SDK session no longer scans os.environ for proxies on every call.",
]


@dataclass(frozen=True)
class WebhookRun:
    deliveries: int
    duplicates: int
    seconds: float
    latencies_ms: list[float]
    paid_invoices: int
    double_applied: int
    # SQL round trips per delivery (statements + BEGIN/COMMIT), by the handler's answer.
    round_trips: dict[str, float] = field(default_factory=dict)

    @property
    def per_second(self) -> float:
        return self.deliveries / self.seconds

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies_ms)

    @property
    def p95(self) -> float:
        return statistics.quantiles(self.latencies_ms, n=20, method="inclusive")[-1]


def _sign(body: bytes, ts: int) -> str:
    return f"t={ts},v1=" + hmac.new(SECRET.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()


class RoundTrips:
    """SQL round trips on the default connection: every statement Django sends (its cursor
    wrapper sees SET search_path, SAVEPOINT and RELEASE too) plus BEGIN and COMMIT/ROLLBACK of
    each transaction (psycopg2 sends BEGIN before a transaction's first statement)."""

    def __init__(self) -> None:
        self.count = 0

    @contextmanager
    def counting(self) -> Iterator[None]:
        from django.db import connection

        def wrapper(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
            self.count += 1
            return execute(sql, params, many, context)

        db: Any = connection
        real_commit, real_rollback = db.commit, db.rollback

        def commit() -> None:
            self.count += 2  # BEGIN and COMMIT
            real_commit()

        def rollback() -> None:
            self.count += 2  # BEGIN and ROLLBACK
            real_rollback()

        db.commit, db.rollback = commit, rollback
        try:
            with connection.execute_wrapper(wrapper):
                yield
        finally:
            del db.commit, db.rollback


def _per_kind(counts: dict[str, list[int]]) -> dict[str, float]:
    return {kind: statistics.mean(values) for kind, values in counts.items()}


def _setup(fixture: RequestFixture, tag: str) -> list[tuple[bytes, str]]:
    """UNIQUE_EVENTS invoices with a pending card payment each, and the signed deliveries
    (every event once, plus 10% of deliveries repeated at random later positions)."""
    from billing.models import Invoice, Payment
    from billing.services import InvoiceLineSpec, cluster_today, invoice_issue

    cluster = fixture.cluster
    from core.audit.services import Actor

    actor = Actor.system(cluster)
    today = cluster_today(cluster)
    payments = []
    for i in range(UNIQUE_EVENTS):
        invoice, _ = invoice_issue(
            actor=actor,
            cluster=cluster,
            company_id=10_000 + i,
            company_name=f"ООО «{i}»",
            company_inn="",
            company_kpp="",
            lines=[InvoiceLineSpec("Взнос", 1_500_000)],
            issue_date=today,
            due_date=today,
            period_label=tag,
            source_key=f"bench:{tag}:{i}",
        )
        payments.append(
            Payment(
                cluster=cluster,
                invoice=invoice,
                method=Payment.Method.ONLINE,
                amount_kopecks=invoice.amount_kopecks,
                stripe_payment_intent_id=f"pi_bench_{tag}_{i}",
            )
        )
    Payment.objects.bulk_create(payments)
    ts = int(time.time())
    deliveries = []
    for i, payment in enumerate(payments):
        event = {
            "id": f"evt_bench_{tag}_{i}",
            "object": "event",
            "type": "payment_intent.succeeded",
            "created": ts,
            "data": {
                "object": {
                    "id": payment.stripe_payment_intent_id,
                    "object": "payment_intent",
                    "status": "succeeded",
                    "amount": payment.amount_kopecks,
                    "amount_received": payment.amount_kopecks,
                    "currency": "rub",
                    "metadata": {"cluster": cluster.schema_name, "invoice_id": str(payment.invoice_id)},
                }
            },
        }
        body = json.dumps(event).encode()
        deliveries.append((body, _sign(body, ts)))
    rng = random.Random(5)
    duplicates = round(UNIQUE_EVENTS * DUPLICATE_SHARE / (1 - DUPLICATE_SHARE))
    for _ in range(duplicates):
        position = rng.randrange(1, len(deliveries))
        deliveries.insert(position, deliveries[rng.randrange(0, position)])
    assert Invoice.objects.filter(cluster=cluster, period_label=tag).count() == UNIQUE_EVENTS
    return deliveries


def _naive_apply(cluster_id: int, body: bytes, header: str) -> None:
    """The baseline: verify, then apply straight to the rows — no event store, no row locks."""
    from django.db import transaction
    from django.db.models import F

    from billing.models import Invoice, Payment

    stripe.Webhook.construct_event(body, header, SECRET)
    intent = json.loads(body)["data"]["object"]
    with transaction.atomic():
        payment = Payment.objects.get(cluster_id=cluster_id, stripe_payment_intent_id=intent["id"])
        Payment.objects.filter(pk=payment.pk).update(status=Payment.Status.SUCCEEDED)
        Invoice.objects.filter(pk=payment.invoice_id).update(
            paid_kopecks=F("paid_kopecks") + intent["amount"], status=Invoice.Status.PAID
        )


def _outcome(cluster_id: int, tag: str) -> tuple[int, int]:
    from django.db.models import F

    from billing.models import Invoice

    qs = Invoice.objects.filter(cluster_id=cluster_id, period_label=tag)
    return (
        qs.filter(status=Invoice.Status.PAID).count(),
        qs.filter(paid_kopecks__gt=F("amount_kopecks")).count(),
    )


def measure(fixture: RequestFixture) -> tuple[WebhookRun, WebhookRun, float]:
    from unittest import mock

    from django.test import Client

    from billing.services import payee_save
    from billing.tasks import invoice_notify
    from core.audit.services import Actor
    from core.ru.identifiers import inn_with_check_digits

    from .fixtures import to_public_schema

    to_public_schema()
    cluster = fixture.cluster
    payee_save(
        actor=Actor.system(cluster),
        cluster=cluster,
        fields={
            "name": "Bench payee",
            "inn": inn_with_check_digits("000000999"),
            "bank_name": "Банк",
            "bik": "000000001",
            "account": "40703810500000000009",
            "correspondent_account": "30101810500000000009",
            "stripe_publishable_key": "pk_test_bench",
        },
        stripe_secret_key="sk_test_bench",  # noqa: S106
        stripe_webhook_secret=SECRET,
    )

    ours_deliveries = _setup(fixture, "ours")
    naive_deliveries = _setup(fixture, "naive")
    client = Client(HTTP_HOST="localhost")
    path = f"/billing/stripe/webhook/{cluster.schema_name}/"
    ours_ms: list[float] = []
    naive_ms: list[float] = []
    counter = RoundTrips()
    ours_trips: dict[str, list[int]] = {}
    naive_trips: list[int] = []
    queued: list[object] = []
    # Interleaved (one of ours, one naive) so both see the same load on a shared machine. The
    # «payment received» e-mail is queued after commit, as with a broker in production (the
    # bench's eager Celery would send it inside the request); the count is checked.
    with (
        mock.patch.object(invoice_notify, "apply_async", side_effect=lambda *a, **k: queued.append(a)),
        counter.counting(),
    ):
        for (body, header), (naive_body, naive_header) in zip(ours_deliveries, naive_deliveries, strict=True):
            before = counter.count
            t0 = time.perf_counter()
            response = client.post(
                path, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
            )
            t1 = time.perf_counter()
            middle = counter.count
            _naive_apply(cluster.pk, naive_body, naive_header)
            t2 = time.perf_counter()
            ours_ms.append((t1 - t0) * 1000)
            naive_ms.append((t2 - t1) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"webhook answered {response.status_code}: {response.content[:200]!r}")
            ours_trips.setdefault(str(response.json()["detail"]), []).append(middle - before)
            naive_trips.append(counter.count - middle)
    if len(queued) != UNIQUE_EVENTS:
        raise RuntimeError(f"{len(queued)} «payment received» e-mails queued for {UNIQUE_EVENTS} payments")
    paid, doubled = _outcome(cluster.pk, "ours")
    ours = WebhookRun(
        len(ours_deliveries),
        len(ours_deliveries) - UNIQUE_EVENTS,
        sum(ours_ms) / 1000,
        ours_ms,
        paid,
        doubled,
        _per_kind(ours_trips),
    )
    paid, doubled = _outcome(cluster.pk, "naive")
    naive = WebhookRun(
        len(naive_deliveries),
        len(naive_deliveries) - UNIQUE_EVENTS,
        sum(naive_ms) / 1000,
        naive_ms,
        paid,
        doubled,
        {"applied": statistics.mean(naive_trips)},
    )

    body, header = naive_deliveries[0]
    rounds = 2000
    t0 = time.perf_counter()
    for _ in range(rounds):
        stripe.Webhook.construct_event(body, header, SECRET)
    parse_us = (time.perf_counter() - t0) / rounds * 1e6
    return ours, naive, parse_us


def rows(ours: WebhookRun, naive: WebhookRun, parse_us: float) -> list[Row]:
    from .report import Row

    exact = ours.paid_invoices == UNIQUE_EVENTS and ours.double_applied == 0
    return [
        Row(
            f"Billing: Stripe webhooks, {ours.deliveries} deliveries ({ours.duplicates} duplicates, "
            f"{DUPLICATE_SHARE:.0%})",
            section=True,
        ),
        Row(
            "  throughput, events/s (baseline: naive handler, no event store / locks)",
            f"{naive.per_second:.0f}",
            f"{ours.per_second:.0f}",
            f"{ours.per_second / naive.per_second:.2f}x of naive (ours: full HTTP stack)",
        ),
        Row(
            "  latency p50 / p95, ms",
            f"{naive.p50:.2f} / {naive.p95:.2f}",
            f"{ours.p50:.2f} / {ours.p95:.2f}",
            "",
        ),
        Row(
            "  invoices paid / paid twice (of 900)",
            f"{naive.paid_invoices} / {naive.double_applied}",
            f"{ours.paid_invoices} / {ours.double_applied}",
            f"exactly once: {'PASS' if exact else 'FAIL'}",
        ),
        Row(
            "  SQL round trips per delivery: new event / duplicate (incl. BEGIN, COMMIT)",
            f"{naive.round_trips.get('applied', 0):.0f} (each)",
            f"{ours.round_trips.get('processed', 0):.0f} / {ours.round_trips.get('duplicate', 0):.0f}",
            "before: 15 (+2 in the e-mail task) / 6; then 7 / 5",
        ),
        Row(
            "  signature check alone (stripe.Webhook.construct_event), µs/event",
            f"{parse_us:.0f}",
            "-",
            "floor",
        ),
    ]


YOOKASSA_SHOP = "777001"
YOOKASSA_SECRET = "test_bench_yookassa"  # noqa: S105 - a throwaway bench secret
YOOKASSA_TARGET_PER_SECOND = 200


def measure_yookassa(fixture: RequestFixture) -> WebhookRun:
    """UNIQUE_EVENTS invoices paid through the local YooKassa server, then their payment.succeeded
    notifications (plus 10% duplicates at random later positions) POSTed through the HTTP stack."""
    from unittest import mock

    from django.conf import settings
    from django.test import Client
    from yookassa import Payment as SdkPayment

    from billing.gateways.yookassa import ShopClient, _bound, roubles
    from billing.gateways.yookassa_local import ensure_server
    from billing.models import Invoice, Payment
    from billing.services import InvoiceLineSpec, cluster_today, invoice_issue, payee_save
    from billing.tasks import invoice_notify
    from core.audit.services import Actor

    from .fixtures import to_public_schema

    to_public_schema()
    cluster = fixture.cluster
    base, process = ensure_server(0)
    previous = settings.YOOKASSA_API_BASE
    settings.YOOKASSA_API_BASE = base
    try:
        actor = Actor.system(cluster)
        payee_save(
            actor=actor,
            cluster=cluster,
            fields={"yookassa_shop_id": YOOKASSA_SHOP},
            yookassa_secret_key=YOOKASSA_SECRET,
            gateways=["yookassa"],
            yookassa_methods=["sbp"],
        )
        api = _bound(
            SdkPayment, ShopClient(shop_id=YOOKASSA_SHOP, secret_key=YOOKASSA_SECRET, endpoint=f"{base}/v3")
        )
        today = cluster_today(cluster)
        payments = []
        for i in range(UNIQUE_EVENTS):
            invoice, _ = invoice_issue(
                actor=actor,
                cluster=cluster,
                company_id=20_000 + i,
                company_name=f"ООО «{i}»",
                company_inn="",
                company_kpp="",
                lines=[InvoiceLineSpec("Взнос", 1_500_000)],
                issue_date=today,
                due_date=today,
                period_label="yookassa",
                source_key=f"bench:yookassa:{i}",
            )
            created = dict(
                api.create(
                    {
                        "amount": {"value": roubles(invoice.amount_kopecks), "currency": "RUB"},
                        "capture": True,
                        "confirmation": {"type": "redirect", "return_url": "http://bench.localhost/"},
                        "payment_method_data": {"type": "sbp"},
                        "metadata": {"cluster": cluster.schema_name, "invoice_id": str(invoice.pk)},
                    },
                    f"bench-{i}",
                )
            )
            _checkout(created["confirmation"]["confirmation_url"])
            payments.append(
                Payment(
                    cluster=cluster,
                    invoice=invoice,
                    method=Payment.Method.ONLINE,
                    amount_kopecks=invoice.amount_kopecks,
                    gateway="yookassa",
                    gateway_method="sbp",
                    yookassa_payment_id=created["id"],
                )
            )
        Payment.objects.bulk_create(payments)
        outbox = {
            body["object"]["id"]: json.dumps(body).encode()
            for body in _outbox(base, YOOKASSA_SHOP)
            if body["event"] == "payment.succeeded"
        }
        deliveries = [outbox[str(p.yookassa_payment_id)] for p in payments]
        rng = random.Random(7)
        for _ in range(round(UNIQUE_EVENTS * DUPLICATE_SHARE / (1 - DUPLICATE_SHARE))):
            position = rng.randrange(1, len(deliveries))
            deliveries.insert(position, deliveries[rng.randrange(0, position)])
        client = Client(HTTP_HOST="localhost")
        path = f"/billing/yookassa/notify/{cluster.schema_name}/"
        latencies: list[float] = []
        queued: list[object] = []
        # The «payment received» e-mail is queued after commit, as with a broker in production
        # (the bench's eager Celery would send it inside the request); the count is checked.
        counter = RoundTrips()
        trips: dict[str, list[int]] = {}
        with (
            mock.patch.object(invoice_notify, "apply_async", side_effect=lambda *a, **k: queued.append(a)),
            counter.counting(),
        ):
            for body in deliveries:
                before = counter.count
                t0 = time.perf_counter()
                response = client.post(
                    path, data=body, content_type="application/json", REMOTE_ADDR="127.0.0.1"
                )
                latencies.append((time.perf_counter() - t0) * 1000)
                if response.status_code != 200:
                    raise RuntimeError(
                        f"notification answered {response.status_code}: {response.content[:200]!r}"
                    )
                trips.setdefault(str(response.json()["detail"]), []).append(counter.count - before)
        if len(queued) != UNIQUE_EVENTS:
            raise RuntimeError(
                f"{len(queued)} «payment received» e-mails queued for {UNIQUE_EVENTS} payments"
            )
        paid, doubled = _outcome(cluster.pk, "yookassa")
        assert Invoice.objects.filter(cluster=cluster, period_label="yookassa").count() == UNIQUE_EVENTS
        return WebhookRun(
            len(deliveries),
            len(deliveries) - UNIQUE_EVENTS,
            sum(latencies) / 1000,
            latencies,
            paid,
            doubled,
            _per_kind(trips),
        )
    finally:
        settings.YOOKASSA_API_BASE = previous
        if process is not None:
            process.terminate()
            process.wait(timeout=10)


def _checkout(url: str) -> None:
    """The payer confirms on the local server's page (its redirect back is not followed)."""
    import urllib.error
    import urllib.request

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    request = urllib.request.Request(url, data=b"outcome=succeeded", method="POST")  # noqa: S310 - local server
    try:
        urllib.request.build_opener(NoRedirect).open(request, timeout=10).close()
    except urllib.error.HTTPError as exc:
        if exc.code != 303:
            raise


def _outbox(base: str, shop: str) -> list[dict[str, Any]]:
    import urllib.request

    with urllib.request.urlopen(f"{base}/_outbox/{shop}", timeout=30) as response:  # noqa: S310 - local server
        return list(json.loads(response.read()))


def yookassa_rows(run: WebhookRun) -> list[Row]:
    from .report import Row

    exact = run.paid_invoices == UNIQUE_EVENTS and run.double_applied == 0
    fast = run.per_second >= YOOKASSA_TARGET_PER_SECOND
    return [
        Row(
            f"Billing: YooKassa notifications, {run.deliveries} deliveries ({run.duplicates} duplicates, "
            f"{DUPLICATE_SHARE:.0%}), each verified by re-reading the payment (SDK → local server)",
            section=True,
        ),
        Row(
            "  throughput, notifications/s (target ≥ 200)",
            f"≥ {YOOKASSA_TARGET_PER_SECOND}",
            f"{run.per_second:.0f}",
            f"{'PASS' if fast else 'FAIL'} (full HTTP stack + API re-read)",
        ),
        Row("  latency p50 / p95, ms", "-", f"{run.p50:.2f} / {run.p95:.2f}", ""),
        Row(
            f"  invoices paid / paid twice (of {UNIQUE_EVENTS})",
            "-",
            f"{run.paid_invoices} / {run.double_applied}",
            f"exactly once: {'PASS' if exact else 'FAIL'}",
        ),
        Row(
            "  SQL round trips per notification: new payment / duplicate (incl. BEGIN, COMMIT)",
            "-",
            f"{run.round_trips.get('processed', 0):.0f} / {run.round_trips.get('duplicate', 0):.0f}",
            "before: 12 / 2",
        ),
    ]


# --- the same deliveries through a real WSGI server ----------------------------------------

HTTP_PORT = int(os.environ.get("BENCH_BILLING_HTTP_PORT", "8190"))
HTTP_REDIS = os.environ.get("BENCH_BILLING_REDIS", "redis://127.0.0.1:6379/12")  # broker + cache, flushed
HTTP_THREADS = 4  # gthread worker threads (the server side) = concurrent kept-alive senders
TARGET_PER_SECOND = 300
TARGET_CPU_MS = 1000 / TARGET_PER_SECOND


@dataclass(frozen=True)
class HttpRun:
    run: WebhookRun
    worker_cpu_ms: float  # the gunicorn worker's utime + stime per delivery, from /proc
    queued_emails: int  # «payment received» tasks found on the broker afterwards


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                status = (entry / "status").read_text()
            except OSError:
                continue
            if f"\nPPid:\t{pid}\n" in status:
                found.append(int(entry.name))
    return found


def _cpu_seconds(pid: int) -> float:
    """utime + stime of a process (/proc/<pid>/stat fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure_http(fixture: RequestFixture) -> HttpRun:
    """One gunicorn worker process (gthread, HTTP_THREADS threads) with production settings on the
    bench database; HTTP_THREADS senders, each on its own kept-alive connection, split the
    deliveries (so a duplicate may arrive while its original is in flight). The e-mail task goes
    to the real broker (Redis) after commit, as in production, and is counted there."""
    import http.client
    import sys
    import tempfile
    import threading

    import redis
    from django.conf import settings

    from billing import crypto

    from .fixtures import to_public_schema

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "deploy"))
    from localstack import Stack, StackConfig, running

    to_public_schema()
    cluster = fixture.cluster
    deliveries = _setup(fixture, "http")
    # The worker must decrypt the payee's webhook secret the bench process encrypted.
    key = (
        str(getattr(settings, "BILLING_SECRETS_KEY", "") or "")
        or crypto._derived_key(settings.SECRET_KEY).decode()
    )
    broker = redis.Redis.from_url(HTTP_REDIS)
    broker.flushdb()
    work = Path(tempfile.mkdtemp(prefix="bench-billing-http-"))
    config = StackConfig(
        work_dir=work,
        broker=HTTP_REDIS,
        cache=HTTP_REDIS,
        gunicorn_port=HTTP_PORT,
        gunicorn_workers=1,
        gunicorn_threads=HTTP_THREADS,
        extra_env={
            "DATABASE_URL": os.environ["DATABASE_URL"],
            "BILLING_SECRETS_KEY": key,
            "GUNICORN_MAX_REQUESTS": "0",
            "GUNICORN_LOG_LEVEL": "warning",
        },
    )
    path = f"/billing/stripe/webhook/{cluster.schema_name}/"
    headers = {"Host": "localhost", "X-Forwarded-Proto": "https", "Content-Type": "application/json"}
    stack = Stack(config, say=lambda line: None)
    with running(stack):
        stack.start_gunicorn()
        master = stack.processes[0][1].pid
        deadline = time.monotonic() + 60
        workers: list[int] = []
        while True:  # up: the worker answers (a GET is refused with 405 by the view)
            try:
                conn = http.client.HTTPConnection("127.0.0.1", HTTP_PORT, timeout=10)
                conn.request("GET", path, headers=headers)
                if conn.getresponse().status == 405:
                    workers = _children(master)
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not answer: " + stack.log_of("gunicorn")[-2000:])
            time.sleep(0.2)
        if len(workers) != 1:
            raise RuntimeError(f"expected one gunicorn worker, found {workers}")
        for _ in range(20):  # warm-up: the worker's first signature refusals (nothing stored)
            conn = http.client.HTTPConnection("127.0.0.1", HTTP_PORT, timeout=10)
            conn.request("POST", path, body=b"{}", headers={**headers, "Stripe-Signature": "t=1,v1=00"})
            if conn.getresponse().status != 400:
                raise RuntimeError("warm-up delivery not refused")
        latencies: list[float] = []
        answers: list[str] = []
        errors: list[str] = []
        lock = threading.Lock()

        def send(part: list[tuple[bytes, str]]) -> None:
            conn = http.client.HTTPConnection("127.0.0.1", HTTP_PORT, timeout=30)
            try:
                for body, header in part:
                    t0 = time.perf_counter()
                    conn.request("POST", path, body=body, headers={**headers, "Stripe-Signature": header})
                    response = conn.getresponse()
                    answer = response.read()
                    ms = (time.perf_counter() - t0) * 1000
                    with lock:
                        latencies.append(ms)
                        if response.status != 200:
                            errors.append(f"{response.status}: {answer[:200]!r}")
                        else:
                            answers.append(str(json.loads(answer)["detail"]))
            finally:
                conn.close()

        parts = [deliveries[i::HTTP_THREADS] for i in range(HTTP_THREADS)]
        senders = [threading.Thread(target=send, args=(part,)) for part in parts]
        cpu0 = _cpu_seconds(workers[0])
        t0 = time.perf_counter()
        for sender in senders:
            sender.start()
        for sender in senders:
            sender.join()
        seconds = time.perf_counter() - t0
        cpu = _cpu_seconds(workers[0]) - cpu0
        if "Traceback" in stack.log_of("gunicorn"):
            raise RuntimeError("gunicorn logged a traceback: " + stack.log_of("gunicorn")[-3000:])
    queued = sum(int(broker.llen(k)) for k in broker.keys("*") if broker.type(k) == b"list")
    broker.flushdb()
    if errors:
        raise RuntimeError(f"{len(errors)} deliveries failed, e.g. {errors[0]}")
    if len(answers) != len(deliveries) or answers.count("processed") != UNIQUE_EVENTS:
        raise RuntimeError(f"answers: { {a: answers.count(a) for a in set(answers)} }")
    paid, doubled = _outcome(cluster.pk, "http")
    run = WebhookRun(len(deliveries), len(deliveries) - UNIQUE_EVENTS, seconds, latencies, paid, doubled)
    return HttpRun(run, cpu * 1000 / len(deliveries), queued)


def http_rows(http: HttpRun, naive: WebhookRun) -> list[Row]:
    from .report import Row

    run = http.run
    exact = (
        run.paid_invoices == UNIQUE_EVENTS and run.double_applied == 0 and http.queued_emails == UNIQUE_EVENTS
    )
    return [
        Row(
            f"  through gunicorn (1 worker process, {HTTP_THREADS} threads, production settings), "
            f"{HTTP_THREADS} kept-alive senders: events/s (baseline: naive, in-process)",
            f"{naive.per_second:.0f}",
            f"{run.per_second:.0f}",
            f"{'PASS' if run.per_second >= TARGET_PER_SECOND else 'FAIL'} ≥ {TARGET_PER_SECOND}/s "
            "(wall clock: senders, worker and PostgreSQL share the cores)",
        ),
        Row(
            "  web worker CPU per delivery, ms (from /proc; target = 1 s / 300)",
            f"≤ {TARGET_CPU_MS:.1f}",
            f"{http.worker_cpu_ms:.2f}",
            f"{'PASS' if http.worker_cpu_ms <= TARGET_CPU_MS else 'FAIL'}: "
            f"{1000 / http.worker_cpu_ms:.0f} events/s per CPU-second of the worker",
        ),
        Row("  latency p50 / p95 through gunicorn, ms", "-", f"{run.p50:.2f} / {run.p95:.2f}", ""),
        Row(
            f"  invoices paid / paid twice (of {UNIQUE_EVENTS}); e-mails queued on the broker",
            "-",
            f"{run.paid_invoices} / {run.double_applied}; {http.queued_emails}",
            f"exactly once: {'PASS' if exact else 'FAIL'}",
        ),
    ]


# --- bank statements ------------------------------------------------------------------------

STATEMENT_LINES = 10_000
BASELINE_LINES = 1_000  # the line-by-line baseline on a tenth, scaled ×10 in the table
STATEMENT_ACCOUNT = "40703810000000000009"
NOTES.append(
    "  Bank statements: ours = billing.statements.services (statement_import: parse, then the facts for every line "
    "in a fixed number of queries — invoices named or owed, booked keys, hand-recorded transfers; "
    "statement_apply: the same again under the invoices' row locks, then payments, invoice totals, audit rows "
    "and line states in bulk, 1,000 lines per batch, one transaction). Baseline = line by line: per line one "
    "query for the invoice by number, one for the booked key, then billing.payment_record_manual (locks, "
    "duplicate check, payment, audit, invoice). 80 % of lines name their invoice (written in several ways), "
    "10 % are found by INN + amount, 5 % part-pay, 5 % match nothing. «Payment received» e-mails not executed."
)


def _statement_setup(cluster: Any, tag: str, lines: int, first_number: int) -> bytes:
    """`lines` open invoices (bulk, through billing) and a statement whose lines pay them."""
    import datetime as dt

    from billing.services import InvoiceLineSpec, InvoiceRequest, cluster_today, invoices_issue_many
    from billing.statements.parser import Document, render
    from core.audit.services import Actor
    from core.ru.identifiers import inn_with_check_digits

    today = cluster_today(cluster)
    requests = [
        InvoiceRequest(
            company_id=20_000 + i,
            company_name=f"ООО «Выписка {i}»",
            company_inn=inn_with_check_digits(f"{7_000_000 + i:09d}"),
            company_kpp="",
            lines=[InvoiceLineSpec("Членский взнос", 1_000_000 + i * 100)],
            issue_date=today,
            due_date=today + dt.timedelta(days=30),
            period_label=f"st-{tag}",
            source_key=f"bench-statement:{tag}:{i}",
        )
        for i in range(lines)
    ]
    created = invoices_issue_many(actor=Actor.system(cluster), cluster=cluster, requests=requests).created
    day = today - dt.timedelta(days=1)
    documents = []
    for i, invoice in enumerate(created):
        kind = i % 20
        amount, purpose = invoice.amount_kopecks, f"Оплата по счету № {invoice.number} от {today:%d.%m.%Y}"
        if kind in (1, 2):
            purpose = f"сч. {invoice.number.replace('-', ' - ')} членский взнос"
        elif kind in (3, 4):
            purpose = "Членский взнос, без НДС"  # by INN + amount
        elif kind == 5:
            amount //= 2
        elif kind == 6:
            purpose = "Пожертвование"
            amount = 12_345
        documents.append(
            Document(
                line=0,
                kind="Платежное поручение",
                number=str(first_number + i),
                date=day,
                amount_kopecks=amount,
                payer_account=f"40702810{i:012d}",
                payer_inn=invoice.company_inn if kind != 6 else "",
                payer_name=invoice.company_name,
                payee_account=STATEMENT_ACCOUNT,
                received_date=day,
                purpose=purpose,
            )
        )
    return render(account=STATEMENT_ACCOUNT, documents=documents, date_from=day, date_to=day)


def _counted(call: Any) -> tuple[Any, float, int]:
    from django.db import connection

    counter = [0]

    def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        counter[0] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        t0 = time.perf_counter()
        result = call()
        seconds = time.perf_counter() - t0
    return result, seconds, counter[0]


def _baseline(cluster: Any, data: bytes) -> tuple[float, int, int]:
    """Line by line: find the invoice, check the key, record the payment with the one-payment service."""
    from django.core.exceptions import ValidationError

    from billing.models import Invoice
    from billing.services import payment_record_manual
    from billing.statements import matching, parser
    from billing.statements.models import BankStatementLine
    from core.audit.services import Actor

    actor = Actor.system(cluster)

    def work() -> int:
        booked = 0
        for d in parser.parse(data).documents:
            named = matching.invoice_numbers(d.purpose)
            invoice = None
            if named:
                year, seq = named[0][0]
                invoice = Invoice.objects.filter(cluster=cluster, number=f"{year}-{seq:04d}").first()
            elif d.payer_inn:
                invoice = Invoice.objects.filter(
                    cluster=cluster, company_inn=d.payer_inn, amount_kopecks=d.amount_kopecks
                ).first()
            if invoice is None:
                continue
            if BankStatementLine.objects.filter(
                cluster=cluster, booked=True, document_number=d.number, date=d.date
            ).exists():
                continue
            try:
                payment_record_manual(
                    actor=actor,
                    invoice=invoice,
                    amount_kopecks=min(d.amount_kopecks, invoice.outstanding_kopecks),
                    order_number=d.number,
                    order_date=d.date,
                )
            except ValidationError:
                continue
            booked += 1
        return booked

    booked, seconds, queries = _counted(work)
    return seconds, queries, booked


def statement_measure(fixture: RequestFixture) -> list[Row]:
    from unittest import mock

    from billing.models import Payee, Payment
    from billing.services import payee_save
    from billing.statements import parser, services
    from core.audit.services import Actor
    from core.ru.identifiers import inn_with_check_digits

    from .fixtures import to_public_schema
    from .report import Row

    to_public_schema()
    cluster = fixture.cluster
    if not Payee.objects.filter(cluster=cluster).exists():
        payee_save(
            actor=Actor.system(cluster),
            cluster=cluster,
            fields={
                "name": "Bench payee",
                "inn": inn_with_check_digits("000000999"),
                "bank_name": "Банк",
                "bik": "000000001",
                "account": STATEMENT_ACCOUNT,
                "correspondent_account": "30101810000000000009",
            },
        )
    Payee.objects.filter(cluster=cluster).update(account=STATEMENT_ACCOUNT)
    actor = Actor.system(cluster)
    results = {}
    from billing.tasks import invoice_notify

    with (
        mock.patch.object(invoice_notify, "apply_async", return_value=None),
        mock.patch.object(invoice_notify, "delay", return_value=None),
    ):
        for tag, lines, first in (
            ("small", STATEMENT_LINES // 10, 100_000),
            ("ours", STATEMENT_LINES, 200_000),
        ):
            data = _statement_setup(cluster, tag, lines, first)
            parsed, parse_s, _ = _counted(lambda data=data: parser.parse(data))
            stmt, import_s, import_q = _counted(
                lambda data=data, tag=tag: services.statement_import(
                    actor=actor, cluster=cluster, file_name=f"{tag}.txt", data=data
                )
            )
            _, apply_s, apply_q = _counted(
                lambda stmt=stmt: services.statement_apply(actor=actor, statement=stmt)
            )
            booked = stmt.lines.filter(booked=True).count()
            again = services.statement_import(
                actor=actor, cluster=cluster, file_name=f"{tag}-again.txt", data=data
            )
            services.statement_apply(actor=actor, statement=again)
            twice = (
                Payment.objects.filter(cluster=cluster, invoice__period_label=f"st-{tag}").count() - booked
            )
            results[tag] = (
                len(parsed.documents),
                parse_s,
                import_s,
                import_q,
                apply_s,
                apply_q,
                booked,
                twice,
            )
        base_data = _statement_setup(cluster, "naive", BASELINE_LINES, 300_000)
        base_s, base_q, base_booked = _baseline(cluster, base_data)
    n, parse_s, import_s, import_q, apply_s, apply_q, booked, twice = results["ours"]
    small = results["small"]
    total = import_s + apply_s
    scale = STATEMENT_LINES / BASELINE_LINES
    return [
        Row(
            f"Billing: bank statement of {n:,} lines against {n:,} open invoices (1CClientBankExchange)",
            section=True,
        ),
        Row(
            "  import (parse + match → preview) + apply, s (baseline: line by line, ×10 from 1,000 lines)",
            f"{base_s * scale:.1f}",
            f"{total:.2f}",
            f"{'PASS' if total <= 5 else 'FAIL'} ≤ 5 s; {base_s * scale / total:.0f}x faster",
        ),
        Row(
            "  of which parse alone / import / apply, s",
            "-",
            f"{parse_s:.2f} / {import_s:.2f} / {apply_s:.2f}",
            "",
        ),
        Row(
            "  SQL queries: import / apply (1,000 lines: import / apply)",
            f"{base_q * scale:.0f}",
            f"{import_q} / {apply_q} ({small[3]} / {small[5]})",
            "apply: a fixed number per batch of 1,000 lines",
        ),
        Row(
            "  lines booked; booked twice after re-import of the same file",
            f"{base_booked * scale:.0f}; -",
            f"{booked:,}; {twice}",
            "exactly once: " + ("PASS" if twice == 0 else "FAIL"),
        ),
    ]


def run(fixture: RequestFixture) -> list[Row]:
    ours, naive, parse_us = measure(fixture)
    return (
        rows(ours, naive, parse_us)
        + http_rows(measure_http(fixture), naive)
        + yookassa_rows(measure_yookassa(fixture))
        + statement_measure(fixture)
    )


if __name__ == "__main__":
    from bench import bootstrap

    bootstrap.setup()
    from bench import fixtures
    from bench.report import render_table

    fixtures.cleanup()
    try:
        result = run(fixtures.provision_request_fixture())
        print(render_table(result))
        for note in NOTES:
            print(note)
    finally:
        fixtures.cleanup()
