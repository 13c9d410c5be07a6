"""Background tasks. Each runs in the schema of the cluster that queued it (ClusterTask).

Tasks stay thin: they call selectors/services, are safe to run twice, and return
plain JSON so any result backend can carry them.
"""

from __future__ import annotations

from typing import Any

from django.db import connection as _connection

from clusterhub.celery_app import app

# django-tenants' DatabaseWrapper (schema_name, set_schema_to_public) behind the default alias.
connection: Any = _connection


@app.task(name="tenants.spare_schemas_refill")
def spare_schemas_refill() -> int:
    """Top up the pool of pre-cloned schemas after a cluster took one (idempotent)."""
    from tenants import schemas

    connection.set_schema_to_public()
    return schemas.spare_schemas_refresh()


@app.task(name="tenants.outbox_flush")
def outbox_flush() -> int:
    """Send the tasks kept while the broker was down (core.queue.outbox_flush)."""
    from core.queue import outbox_flush as flush

    connection.set_schema_to_public()
    return flush()
