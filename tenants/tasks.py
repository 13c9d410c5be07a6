"""Background tasks. Each runs in the schema of the cluster that queued it (ClusterTask).

Tasks stay thin: they call selectors/services, are safe to run twice, and return
plain JSON so any result backend can carry them.
"""

from __future__ import annotations

from typing import Any, TypedDict

from django.db import connection as _connection
from django_tenants.utils import get_public_schema_name

from clusterhub.celery_app import app
from tenants.content.selectors import news_list

# django-tenants' DatabaseWrapper (schema_name, set_schema_to_public) behind the default alias.
connection: Any = _connection


class Heartbeat(TypedDict):
    schema: str
    news_count: int | None
    worker: str | None


@app.task(bind=True, name="tenants.cluster_heartbeat", expires=60)
def cluster_heartbeat(self: Any) -> Heartbeat:
    """Prove a worker is alive and serving a cluster: the schema it ran in and what it sees there.

    Read-only, so idempotent. Queued from the public schema it answers
    news_count=None (the platform has no news of its own). Heartbeats older than
    a minute are dropped unread: a stale probe proves nothing.
    """
    schema: str = connection.schema_name
    news_count = None if schema == get_public_schema_name() else news_list(published_only=False).count()
    return {"schema": schema, "news_count": news_count, "worker": self.request.hostname}


@app.task(name="tenants.spare_schemas_refill")
def spare_schemas_refill() -> int:
    """Top up the pool of pre-cloned schemas after a cluster took one (idempotent)."""
    from tenants import schemas

    connection.set_schema_to_public()
    return schemas.spare_schemas_refresh()
