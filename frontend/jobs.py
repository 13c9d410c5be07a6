"""One status view for every background job (core.jobs.BackgroundJob): the JSON the progress
partial (frontend/job_progress.html + frontend/progress.js) polls. A job lost for longer than
its LOST_AFTER is failed here, on the first look after that, so a page never waits forever."""

from __future__ import annotations

from django.http import JsonResponse

from core.jobs import BackgroundJob, job_fail_if_lost


def job_status_response(job: BackgroundJob) -> JsonResponse:
    job_fail_if_lost(job)
    return JsonResponse(job.status_payload())
