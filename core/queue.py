"""Side effects after commit: a service queues a Celery task by its name, so services never
import their app's tasks module (which imports the services) and no import cycle is needed.

The task runs in the schema that is current when it is queued (tenant-schemas-celery stamps
the message now, not at commit), and only if the transaction commits. With no broker
configured (a fresh laptop, tests) Celery runs it eagerly, after the commit as well. A broker
that is down when the transaction commits is logged, not raised: the change is committed and
the message is kept in the outbox (tenants.models.QueuedTask, public schema); the beat entry
`queue-outbox-flush` sends it once the broker answers again (outbox_flush), and the periodic
sweeps and the lost-job rule (core.jobs) remain the last resort.
"""

from __future__ import annotations

import functools
import logging
import threading
from typing import Any

from celery import current_app
from django.conf import settings
from django.db import transaction
from tenant_schemas_celery.task import headers_with_schema

logger = logging.getLogger("clusterhub.queue")


_discovery = threading.Lock()


def tasks_import() -> None:
    """Import every app's tasks module and the broker's transport now (a web worker at start): else
    the first task a process queues pays both (_task; ~1 s of CPU with Django's checks that
    Celery's loader runs). Connects to nothing."""
    with _discovery:
        current_app.loader.import_default_modules()
    if getattr(settings, "CELERY_BROKER_URL", ""):
        with current_app.connection_for_write() as connection:
            connection.transport  # noqa: B018 - resolves (imports) the transport class


def _task(task_name: str) -> Any:
    """The registered task; a web process has not imported the apps' tasks modules yet the first
    time, so this asks Celery's loader to (the same autodiscovery the worker runs at start).
    One thread at a time: Celery's autodiscovery returns nothing at once to a second caller while
    the first one is still importing (its _RACE_PROTECTION flag), and that caller would find the
    task unregistered (seen under gunicorn gthread: NotRegistered after a payment was committed)."""
    tasks = current_app.tasks
    if task_name not in tasks:
        with _discovery:
            if task_name not in current_app.tasks:
                current_app.loader.import_default_modules()
    return current_app.tasks[task_name]


def enqueue(
    task_name: str,
    *args: Any,
    headers: dict[str, Any] | None = None,
    countdown: float | None = None,
    **kwargs: Any,
) -> None:
    """Queue the task `task_name` now (to run `countdown` seconds later, if given), in the current
    schema; when the broker does not take it, the message goes to the outbox (logged; sent
    again without the delay)."""
    task = _task(task_name)  # an unknown name is a programming error: it raises
    stamped = headers_with_schema(headers)
    try:
        task.apply_async(args, kwargs, headers=stamped, retry=False, countdown=countdown)
    except Exception:
        logger.warning("could not queue %s%r; kept in the outbox", task_name, args, exc_info=True)
        _keep(task_name, list(args), kwargs, stamped)


def _keep(task_name: str, args: list[Any], kwargs: dict[str, Any], headers: dict[str, Any]) -> None:
    from tenants.models import QueuedTask

    try:
        QueuedTask.objects.create(task_name=task_name, args=args, kwargs=kwargs, headers=headers)
    except Exception:  # the database is down as well: the periodic sweeps are the last resort
        logger.error("could not keep %s%r in the outbox either", task_name, args, exc_info=True)


def outbox_flush(limit: int = 500) -> int:
    """Send the outbox's tasks, oldest first; each one sent is deleted in the same transaction
    (rows locked, SKIP LOCKED: two flushes never send one row twice). Stops at the first
    broker failure, keeping the rest. Returns how many were sent."""
    from tenants.models import QueuedTask

    sent: list[int] = []
    with transaction.atomic():
        for row in QueuedTask.objects.select_for_update(skip_locked=True).order_by("id")[:limit]:
            try:
                _task(row.task_name).apply_async(row.args, row.kwargs, headers=row.headers, retry=False)
            except Exception:
                logger.warning(
                    "outbox: the broker still refuses %s; %d sent so far", row.task_name, len(sent)
                )
                break
            sent.append(row.pk)
        QueuedTask.objects.filter(pk__in=sent).delete()
    return len(sent)


def enqueue_on_commit(task_name: str, *args: Any, **kwargs: Any) -> None:
    """Queue the task `task_name` (e.g. "tenants.fees.tasks.assessment_run") after commit."""
    headers = headers_with_schema(None)
    # a partial, not a lambda: callers can see what a transaction already queued
    # (core.federal.warehouse queues one refresh per transaction and cluster)
    transaction.on_commit(functools.partial(enqueue, task_name, *args, headers=headers, **kwargs))
