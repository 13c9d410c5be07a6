"""The «payment received» e-mail through the transactional outbox: written with the payment in
its transaction, sent by the drain task (a real Celery worker on Redis where it is about the
worker), once, and never lost when the broker is down."""

from __future__ import annotations

import math
import time
import uuid
from collections.abc import Iterator

import kombu.pools
import pytest
import redis
from django.core import mail
from pytest_django import DjangoCaptureOnCommitCallbacks, Settings

from billing.models import GatewayEvent, Invoice, Notification, NotificationOutbox, Payee
from billing.services import common, settling
from billing.tasks import notifications_drain
from clusterhub.celery_app import app
from core.audit.models import AuditEntry
from tenants.content.tasks import cluster_heartbeat
from tenants.models import Cluster, QueuedTask
from tests.conftest import ROLE, TESTS_REDIS_URL, MakeUser
from tests.test_celery_worker import Worker, _heartbeat, _reset_app_connections, worker  # noqa: F401 - the fixture

from .conftest import COMPANY, deliver, intent_event, intent_for, issue
from .test_webhook import online_payment

Kind = Notification.Kind


def received(invoice: Invoice) -> list[Notification]:
    return list(Notification.objects.filter(invoice=invoice, kind=Kind.PAYMENT_RECEIVED))


def fresh_pools() -> None:
    """Forget the app's broker connections and kombu's pools: after a switch of broker, a pool
    closed for the previous one would otherwise be handed out again."""
    _reset_app_connections()
    kombu.pools.reset()


@pytest.fixture(scope="module", autouse=True)
def _pools_fresh_after_module() -> Iterator[None]:
    yield
    fresh_pools()


@pytest.fixture
def fresh_nudge(monkeypatch: pytest.MonkeyPatch) -> None:
    """This process has not nudged the drain yet (the window is per process)."""
    monkeypatch.setattr(common, "_nudged_at", -math.inf)


@pytest.mark.django_db
def test_the_email_is_written_with_the_payment_in_the_same_statement(
    cluster_a: Cluster,
    payee_a: Payee,
    make_user: MakeUser,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    rep = make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=COMPANY)
    invoice = issue(cluster_a)
    online_payment(invoice, "pi_outbox_1")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = deliver(cluster_a, intent_event(intent_for(invoice, "pi_outbox_1")))
    assert response.json()["detail"] == "processed"
    # Committed with the payment, before anything talks to a broker or a mail server.
    assert list(NotificationOutbox.objects.values_list("invoice_id", "kind")) == [
        (invoice.pk, Kind.PAYMENT_RECEIVED)
    ]
    assert mail.outbox == [] and callbacks
    for callback in callbacks:  # after commit: the drain (eager Celery here) sends it
        callback()
    assert [m.to for m in mail.outbox if "получена" in m.subject] == [[rep.email]]
    assert NotificationOutbox.objects.count() == 0
    notifications_drain.delay()  # a second drain (the beat's) sends nothing again
    assert len(received(invoice)) == 1 and len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_payment_whose_writes_fail_leaves_no_email_behind(
    cluster_a: Cluster,
    payee_a: Payee,
    make_user: MakeUser,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=COMPANY)
    invoice = issue(cluster_a)
    online_payment(invoice, "pi_outbox_2")
    real = settling.saved_with_audit

    def written_then_failed(*args: object, **kwargs: object) -> None:
        real(*args, **kwargs)  # type: ignore[arg-type]
        raise RuntimeError("the database went away after the write")

    monkeypatch.setattr(settling, "saved_with_audit", written_then_failed)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = deliver(cluster_a, intent_event(intent_for(invoice, "pi_outbox_2")))
    assert response.json()["detail"] == "error"
    invoice.refresh_from_db()
    assert invoice.status != Invoice.Status.PAID
    assert NotificationOutbox.objects.count() == 0 and mail.outbox == []
    assert GatewayEvent.objects.get().status == GatewayEvent.Status.RECEIVED  # for the sweep


@pytest.mark.django_db
def test_with_the_broker_down_the_email_waits_in_the_outbox_and_goes_once_it_is_back(
    cluster_a: Cluster,
    payee_a: Payee,
    make_user: MakeUser,
    settings: Settings,
    fresh_nudge: None,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    rep = make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=COMPANY)
    invoice = issue(cluster_a)
    online_payment(invoice, "pi_outbox_3")
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.task_always_eager = False
    app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens there
    app.conf.broker_connection_timeout = 1
    fresh_pools()  # else a pool made earlier in this process keeps its broker
    mail.outbox.clear()
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = deliver(cluster_a, intent_event(intent_for(invoice, "pi_outbox_3")))
    finally:
        app.conf.task_always_eager = True
        app.conf.broker_url = ""
        fresh_pools()
    assert response.json()["detail"] == "processed"
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID  # the money never waits for the broker
    assert mail.outbox == [] and NotificationOutbox.objects.count() == 1
    assert QueuedTask.objects.filter(task_name="billing.notifications_drain").count() == 1
    # The broker is back: the beat's drain (or the kept nudge) sends it, once.
    notifications_drain.delay()
    notifications_drain.delay()
    assert [m.to for m in mail.outbox] == [[rep.email]]
    assert NotificationOutbox.objects.count() == 0 and len(received(invoice)) == 1


@pytest.fixture
def private_queue(settings: Settings, fresh_nudge: None) -> Iterator[redis.Redis]:
    """A real broker (the tests' Redis) with a queue of our own and no worker on it."""
    queue = f"clusterhub-test-outbox-{uuid.uuid4().hex[:12]}"
    saved = {key: app.conf.get(key) for key in ("broker_url", "task_always_eager", "task_default_queue")}
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.BILLING_NOTIFY_DRAIN_SECONDS = 3
    app.conf.update(broker_url=TESTS_REDIS_URL, task_always_eager=False, task_default_queue=queue)
    fresh_pools()
    client = redis.Redis.from_url(TESTS_REDIS_URL)
    try:
        client.queue = queue  # type: ignore[attr-defined]
        yield client
    finally:
        client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
        client.close()
        app.conf.update(saved)
        fresh_pools()


@pytest.mark.django_db
def test_a_web_process_nudges_the_drain_once_per_window_not_once_per_payment(
    cluster_a: Cluster,
    payee_a: Payee,
    private_queue: redis.Redis,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    invoices = [issue(cluster_a) for _ in range(4)]
    for n, invoice in enumerate(invoices):
        online_payment(invoice, f"pi_window_{n}")
    queue = private_queue.queue  # type: ignore[attr-defined]
    for n, invoice in enumerate(invoices[:3]):
        with django_capture_on_commit_callbacks(execute=True):
            deliver(cluster_a, intent_event(intent_for(invoice, f"pi_window_{n}")))
    assert NotificationOutbox.objects.count() == 3
    assert private_queue.llen(queue) == 1  # one drain, due 3 s after the first payment
    time.sleep(3.1)
    with django_capture_on_commit_callbacks(execute=True):
        deliver(cluster_a, intent_event(intent_for(invoices[3], "pi_window_3")))
    assert private_queue.llen(queue) == 2  # a new window: the next drain


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_each_payment_email_once_within_the_window(
    worker: Worker,  # noqa: F811 - the fixture imported above
    cluster_a: Cluster,
    make_user: MakeUser,
    settings: Settings,
    fresh_nudge: None,
) -> None:
    from .conftest import make_payee

    settings.BILLING_NOTIFY_DRAIN_SECONDS = 1
    make_payee(cluster_a)
    rep = make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=COMPANY)
    invoices = [issue(cluster_a) for _ in range(3)]
    events = []
    for n, invoice in enumerate(invoices):
        online_payment(invoice, f"pi_worker_{n}")
        events.append(intent_event(intent_for(invoice, f"pi_worker_{n}")))
    started = time.monotonic()
    answers = [deliver(cluster_a, event).json()["detail"] for event in [*events, events[0]]]
    assert answers == ["processed", "processed", "processed", "duplicate"]
    paid_mail = Notification.objects.filter(invoice__in=invoices, kind=Kind.PAYMENT_RECEIVED)
    while paid_mail.count() < 3:
        if time.monotonic() - started > 20:
            pytest.fail(
                f"e-mails not sent: {NotificationOutbox.objects.count()} waiting\n{worker.log_tail()}"
            )
        time.sleep(0.2)
    assert NotificationOutbox.objects.count() == 0
    assert [n.recipients for invoice in invoices for n in received(invoice)] == [[rep.email]] * 3
    # Another drain (the beat's) and a new event about a paid invoice send nothing again. One
    # solo worker runs its queue in order: once the heartbeat sent after the drain answered, the
    # drain has run.
    assert deliver(cluster_a, intent_event(intent_for(invoices[1], "pi_worker_1"))).status_code == 200
    assert NotificationOutbox.objects.count() == 0  # already paid: no e-mail due again
    notifications_drain.delay()
    _heartbeat(cluster_heartbeat.delay(), worker)
    assert paid_mail.count() == 3
    assert AuditEntry.objects.filter(cluster=cluster_a, action="billing.payment_succeeded").count() == 3


@pytest.mark.django_db
def test_saved_with_audit_inserts_a_new_object_in_the_same_statement(
    cluster_a: Cluster, payee_a: Payee, django_assert_num_queries: object
) -> None:
    from core.audit.services import Actor, audit_entry, saved_with_audit

    invoice = issue(cluster_a)
    invoice.paid_kopecks = invoice.amount_kopecks
    row = NotificationOutbox(cluster=cluster_a, invoice=invoice, kind=Kind.PAYMENT_RECEIVED)
    entry = audit_entry(actor=Actor.system(cluster_a), action="billing.invoice_paid", obj=invoice)
    with django_assert_num_queries(1):  # type: ignore[operator]
        saved_with_audit([(invoice, ["paid_kopecks", "updated_at"]), (row, [])], [entry])
    assert NotificationOutbox.objects.get().invoice_id == invoice.pk
    assert Invoice.objects.get(pk=invoice.pk).paid_kopecks == invoice.amount_kopecks
    with pytest.raises(TypeError):
        saved_with_audit([(NotificationOutbox(cluster=cluster_a, invoice=invoice), ["kind"])], [entry])
