"""Report files made in the background: a PDF of a large roadmap is ordered, made by a Celery
task, then downloaded."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from core.accounts.access import current_cluster
from core.accounts.selectors import user_cluster_roles
from core.audit.services import Actor
from core.jobs import job_fail_if_lost
from core.queue import enqueue_on_commit

from ..models import ReportJob, Roadmap
from ..report import CONTENT_TYPES, roadmap_report

logger = logging.getLogger(__name__)


def report_in_background(*, roadmap: Roadmap, fmt: str) -> bool:
    """A PDF of a large roadmap is made by a Celery task (ReportLab spends ~2 ms a row: 2,000
    items take a few seconds, too long for a request); everything else is made during the request."""
    limit = int(getattr(settings, "ROADMAP_REPORT_SYNC_MAX_ITEMS", 300))
    return fmt == "pdf" and roadmap.items.count() > limit


def report_job_start(*, actor: Actor, roadmap: Roadmap, fmt: str) -> ReportJob:
    """Order a report file; a recent unfinished order of the same file is reused, not repeated.
    An order lost for ReportJob.LOST_AFTER (worker gone, message dropped) is failed
    (core.jobs.job_fail_if_lost) and the file ordered anew instead of waiting on it forever."""
    if actor.user is None or not user_cluster_roles(actor.user, current_cluster(actor)):
        raise PermissionDenied("Отчёт доступен участникам, сотрудникам и администраторам кластера.")
    if fmt not in CONTENT_TYPES:
        raise ValidationError({"format": "Неизвестный формат отчёта: выберите docx, xlsx или pdf."})
    with transaction.atomic():
        pending = ReportJob.objects.select_for_update().filter(
            roadmap=roadmap, format=fmt, status__in=[ReportJob.Status.QUEUED, ReportJob.Status.RUNNING]
        )
        for job in pending:
            if not job_fail_if_lost(job):
                return job
        job = ReportJob.objects.create(roadmap=roadmap, format=fmt, created_by=actor.user, host=actor.host)
        enqueue_on_commit("roadmap.report_job", job.pk)
    return job


def report_job_run(*, job_id: int) -> ReportJob | None:
    """Make the file of a queued job (the Celery task calls this; safe to call twice)."""
    with transaction.atomic():
        job = ReportJob.objects.select_for_update().select_related("roadmap").filter(pk=job_id).first()
        if job is None or job.status != ReportJob.Status.QUEUED:
            return job
        job.status, job.started_at = ReportJob.Status.RUNNING, timezone.now()
        job.save(update_fields=["status", "started_at"])
    try:
        report = roadmap_report(job.roadmap, job.format)
    except Exception as exc:  # the job must end either way; the log keeps the details
        logger.exception("roadmap report job %s failed", job_id)
        job.status, job.error = ReportJob.Status.FAILED, f"Отчёт не сформирован: {type(exc).__name__}."
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "error", "finished_at"])
        return job
    job.file.save(report.filename, ContentFile(report.content), save=False)
    job.filename, job.content_type = report.filename_ru, report.content_type
    job.status, job.finished_at = ReportJob.Status.DONE, timezone.now()
    job.save(update_fields=["file", "filename", "content_type", "status", "finished_at"])
    return job
