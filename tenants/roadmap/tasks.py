"""Background tasks of the roadmap area: deadline reminders (Celery beat, once an hour) and
report files ordered by report_job_start (queued by name, "roadmap.report_job").

reminders_dispatch runs in the public schema and queues reminders_run once per live cluster,
inside that cluster's schema (ClusterTask stamps the schema on the message). reminders_run is
idempotent: ReminderSent keeps each reminder to one per item, kind and deadline.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, schema_context, tenant_context

from clusterhub.celery_app import app
from core.accounts.access import current_cluster
from tenants.models import Cluster

from .reminders import reminders_send
from .services import report_job_run

DEFAULT_REMINDER_HOUR = 9


@app.task(name="roadmap.reminders_dispatch")
def reminders_dispatch() -> dict[str, Any]:
    """Queue reminders_run in every active cluster (suspended and archived ones are skipped)."""
    with schema_context(get_public_schema_name()):
        clusters = list(
            Cluster.objects.filter(status=Cluster.Status.ACTIVE)
            .exclude(schema_name=get_public_schema_name())
            .order_by("schema_name")
        )
    for cluster in clusters:
        with tenant_context(cluster):
            reminders_run.delay()
    return {"clusters": [c.schema_name for c in clusters]}


@app.task(name="roadmap.reminders_run", acks_late=True)
def reminders_run(now: str | None = None) -> dict[str, Any]:
    """Send the reminders due in the current cluster, from ROADMAP_REMINDER_HOUR (the cluster's
    local time) on; `now` (ISO 8601) fixes the instant for tests and re-runs."""
    tenant = current_cluster()
    if tenant is None:
        return {"skipped": "not in a cluster schema"}
    moment = dt.datetime.fromisoformat(now) if now else timezone.now()
    hour = int(getattr(settings, "ROADMAP_REMINDER_HOUR", DEFAULT_REMINDER_HOUR))
    if moment.astimezone(tenant.tzinfo).hour < hour:
        return {"cluster": tenant.schema_name, "skipped": f"before {hour}:00 local time"}
    return reminders_send(cluster=tenant, now=moment)


@app.task(name="roadmap.report_job", acks_late=True)
def report_job_task(job_id: int) -> dict[str, Any]:
    """Make a queued report file in the current cluster's schema (ClusterTask stamps it)."""
    job = report_job_run(job_id=job_id)
    return {"job": job_id, "status": job.status if job else "missing"}
