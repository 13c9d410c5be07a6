"""Warehouse tasks of the federal area. Each runs in the schema of the cluster that queued it.

The bodies belong to the warehouse (dashboards) side; see core/federal/warehouse.py for what is
refreshed, when and why.
"""

from __future__ import annotations

from typing import Any

from django.db import connection

from clusterhub.celery_app import app


@app.task(name="federal.warehouse_refresh_cluster", acks_late=True)
def warehouse_refresh_cluster(reason: str = "") -> dict[str, Any]:
    """Refresh the cluster's live snapshot and live registry checks (idempotent).

    Queued with `warehouse_refresh_cluster.delay_on_commit(reason=...)` from inside the cluster's
    schema; the tenant-aware task runs in that schema again. Queued from the public schema it
    does nothing (there is no cluster to refresh).
    """
    from .warehouse import cluster_refresh_current

    result = cluster_refresh_current(reason=reason)
    if result is None:
        return {"reason": reason, "refreshed": False, "schema": getattr(connection, "schema_name", "")}
    return {
        "reason": reason,
        "refreshed": True,
        "schema": result.cluster,
        "checks": result.checks,
        "member_count": result.snapshot["member_count"],
        "ms": round(result.seconds * 1000, 1),
    }


@app.task(name="federal.warehouse_refresh_all", expires=600)
def warehouse_refresh_all() -> int:
    """Beat: queue one `warehouse_refresh_cluster` per cluster, so live metrics that changed without a
    submission (members admitted, dues paid, roadmap items done) reach the dashboards. Returns tasks queued."""
    from .warehouse import refresh_all_queue

    connection.set_schema_to_public()  # type: ignore[attr-defined]
    return refresh_all_queue()
