"""Background tasks of the members area. Each runs in the schema of the cluster that queued it."""

from __future__ import annotations

from typing import Any

from clusterhub.celery_app import app

from .company_import import import_job_run


@app.task(name="members.company_import_run", acks_late=True)
def company_import_run(job_id: int) -> dict[str, Any]:
    """Run an import job; a finished job is left as it is, so a repeated delivery is harmless."""
    job = import_job_run(job_id=job_id)
    return {"job": job_id, "status": job.status if job else None}
