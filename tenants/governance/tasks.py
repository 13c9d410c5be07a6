"""Background tasks of the governance area: the meeting notice (queued by meeting_publish
after commit) and closing voting at the deadline (Celery beat, every minute).

voting_close_dispatch runs in the public schema and queues voting_close_run once per live
cluster, inside that cluster's schema. Closing is idempotent: a meeting closed already (by
staff or an earlier run) is skipped, so a repeated or overlapping run changes nothing.
"""

from __future__ import annotations

from typing import Any

from django_tenants.utils import get_public_schema_name, schema_context, tenant_context

from clusterhub.celery_app import app
from core.accounts.access import current_cluster
from tenants.models import Cluster

from .services import meeting_notice_send, voting_close_due


@app.task(name="governance.meeting_notice_send", acks_late=True)
def meeting_notice_task(meeting_id: int) -> dict[str, Any]:
    return meeting_notice_send(meeting_id=meeting_id)


@app.task(name="governance.voting_close_dispatch")
def voting_close_dispatch() -> dict[str, Any]:
    """Queue voting_close_run in every active cluster."""
    with schema_context(get_public_schema_name()):
        clusters = list(
            Cluster.objects.filter(status=Cluster.Status.ACTIVE)
            .exclude(schema_name=get_public_schema_name())
            .order_by("schema_name")
        )
    for cluster in clusters:
        with tenant_context(cluster):
            voting_close_run.delay()
    return {"clusters": [c.schema_name for c in clusters]}


@app.task(name="governance.voting_close_run", acks_late=True)
def voting_close_run() -> dict[str, Any]:
    """Close the meetings of the current cluster whose ballot deadline has passed."""
    tenant = current_cluster()
    if tenant is None:
        return {"skipped": "not in a cluster schema"}
    return {"cluster": tenant.schema_name, "closed": voting_close_due()}
