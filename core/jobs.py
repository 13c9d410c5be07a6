"""Background jobs: one abstract model for every long piece of work a user waits for (member
imports, fee assessments, report files), with one progress figure and one lost-job rule.

A job is queued by a service, run by a Celery task, and watched from a page through
`frontend.jobs.job_status_response`. A job still unfinished `LOST_AFTER` after it was queued
(the worker died, the message was dropped) is failed by `job_fail_if_lost`, so nothing waits
on it forever.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

LOST_MESSAGE = "Задача не выполнена вовремя: запустите её заново."


class BackgroundJob(models.Model):
    """Fields and progress every background job shares. Subclasses declare `Status` (with at
    least QUEUED, DONE and FAILED) and override `status` to give it those choices."""

    QUEUED: ClassVar[str] = "queued"
    DONE: ClassVar[str] = "done"
    FAILED: ClassVar[str] = "failed"
    LOST_AFTER: ClassVar[dt.timedelta] = dt.timedelta(minutes=15)
    LOST_MESSAGE: ClassVar[str] = LOST_MESSAGE

    status = models.CharField(_("состояние"), max_length=20, default="queued")
    total = models.PositiveIntegerField(_("всего"), default=0)
    processed = models.PositiveIntegerField(_("обработано"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    host = models.CharField(max_length=253, blank=True)
    created_at = models.DateTimeField(_("создано"), auto_now_add=True)
    started_at = models.DateTimeField(_("начато"), null=True, blank=True)
    finished_at = models.DateTimeField(_("завершено"), null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def is_finished(self) -> bool:
        return self.status in {self.DONE, self.FAILED}

    @property
    def percent(self) -> int:
        if self.status == self.DONE:
            return 100
        return min(100, int(self.processed * 100 / self.total)) if self.total else 0

    def is_lost(self, now: dt.datetime | None = None) -> bool:
        """Unfinished long after it was queued: its worker is gone."""
        if self.is_finished or self.created_at is None:
            return False
        return (now or timezone.now()) - self.created_at > self.LOST_AFTER

    def lost_fields(self) -> dict[str, Any]:
        """What failing a lost job sets; subclasses add where they keep the error."""
        return {"status": self.FAILED, "finished_at": timezone.now()}

    def status_payload(self) -> dict[str, Any]:
        """The JSON a progress page polls (frontend/static/frontend/progress.js)."""
        return {
            "status": self.status,
            "status_display": self.get_status_display(),  # type: ignore[attr-defined]
            "total": self.total,
            "processed": self.processed,
            "percent": self.percent,
            "finished": self.is_finished,
        }


def job_fail_if_lost(job: BackgroundJob, *, now: dt.datetime | None = None) -> bool:
    """Fail a job whose worker is gone (once; a job that finished meanwhile is left alone).
    True when it was failed now."""
    if not job.is_lost(now):
        return False
    fields = job.lost_fields()
    updated = (
        type(job)
        ._default_manager.filter(pk=job.pk)
        .exclude(status__in=[job.DONE, job.FAILED])
        .update(**fields)
    )
    if updated:
        for name, value in fields.items():
            setattr(job, name, value)
    return bool(updated)
