"""Tasks of the site content. The worker heartbeat lives here because what it proves a worker
sees inside a cluster's schema is that cluster's news (the registry in tenants/ reads no
per-cluster app)."""

from __future__ import annotations

from typing import Any, TypedDict

from django.db import connection as _connection
from django_tenants.utils import get_public_schema_name

from clusterhub.celery_app import app

from .selectors import news_list

# django-tenants' DatabaseWrapper (schema_name) behind the default alias.
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
