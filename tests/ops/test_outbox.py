"""A task queued while the broker is down is kept in the outbox and sent once it is back:
nothing lost, nothing sent twice."""

from __future__ import annotations

from typing import Any
from unittest import mock

from django.db import transaction
from django_tenants.utils import schema_context
from kombu.exceptions import OperationalError as BrokerDown

from core.queue import enqueue_on_commit, outbox_flush
from tenants.models import Cluster, QueuedTask


def test_broker_down_keeps_the_task_and_flush_sends_it_once(
    cluster_a: Cluster, django_capture_on_commit_callbacks: Any
) -> None:
    task = mock.Mock()
    task.apply_async.side_effect = BrokerDown("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
    with mock.patch("core.queue._task", return_value=task), schema_context(cluster_a.schema_name):
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            enqueue_on_commit("tenants.cluster_heartbeat", 7, reason="test")
    kept = list(QueuedTask.objects.all())
    assert [(q.task_name, q.args, q.kwargs, q.headers) for q in kept] == [
        ("tenants.cluster_heartbeat", [7], {"reason": "test"}, {"_schema_name": cluster_a.schema_name})
    ]

    # Still down: nothing sent, nothing dropped.
    with mock.patch("core.queue._task", return_value=task):
        assert outbox_flush() == 0
    assert QueuedTask.objects.count() == 1

    # Back: sent once, with the cluster's schema stamp, and gone from the outbox.
    task.apply_async.side_effect = None
    with mock.patch("core.queue._task", return_value=task):
        assert outbox_flush() == 1
        assert outbox_flush() == 0
    assert task.apply_async.call_args_list[-1] == mock.call(
        [7], {"reason": "test"}, headers={"_schema_name": cluster_a.schema_name}, retry=False
    )
    assert QueuedTask.objects.count() == 0


def test_broker_up_uses_no_outbox(cluster_a: Cluster, django_capture_on_commit_callbacks: Any) -> None:
    task = mock.Mock()
    with mock.patch("core.queue._task", return_value=task), schema_context(cluster_a.schema_name):
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            enqueue_on_commit("tenants.cluster_heartbeat")
    assert task.apply_async.call_count == 1
    assert QueuedTask.objects.count() == 0
