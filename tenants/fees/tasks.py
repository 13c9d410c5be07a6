"""Background tasks of the fees area. Each runs in the schema of the cluster that queued it."""

from __future__ import annotations

from typing import Any

from clusterhub.celery_app import app

from .services import assessment_execute


@app.task(name="fees.assessment_run", acks_late=True)
def assessment_run(run_id: int) -> dict[str, Any]:
    """Carry out an assessment run; a finished run is left as it is, so a repeated delivery is harmless."""
    run = assessment_execute(run_id=run_id)
    return {"run": run_id, "status": run.status if run else None, "created": run.created_count if run else 0}
