"""Side effects after commit: a service queues a Celery task by its name, so services never
import their app's tasks module (which imports the services) and no import cycle is needed.

The task runs in the schema that is current when it is queued (tenant-schemas-celery stamps
the message now, not at commit), and only if the transaction commits. With no broker
configured (a fresh laptop, tests) Celery runs it eagerly, after the commit as well. A broker
that is down when the transaction commits is logged, not raised: the change is committed, and
the periodic sweeps and the lost-job rule (core.jobs) pick the work up.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import current_app
from django.db import transaction
from tenant_schemas_celery.task import headers_with_schema

logger = logging.getLogger("clusterhub.queue")


def _task(task_name: str) -> Any:
    """The registered task; a web process has not imported the apps' tasks modules yet the first
    time, so this asks Celery's loader to (the same autodiscovery the worker runs at start)."""
    tasks = current_app.tasks
    if task_name not in tasks:
        current_app.loader.import_default_modules()
    return current_app.tasks[task_name]


def enqueue(task_name: str, *args: Any, headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    """Queue the task `task_name` now, in the current schema; a broker failure is logged."""
    task = _task(task_name)  # an unknown name is a programming error: it raises
    try:
        task.apply_async(args, kwargs, headers=headers_with_schema(headers), retry=False)
    except Exception:
        logger.warning("could not queue %s%r; the periodic sweep will retry", task_name, args, exc_info=True)


def enqueue_on_commit(task_name: str, *args: Any, **kwargs: Any) -> None:
    """Queue the task `task_name` (e.g. "tenants.fees.tasks.assessment_run") after commit."""
    headers = headers_with_schema(None)
    transaction.on_commit(lambda: enqueue(task_name, *args, headers=headers, **kwargs))
