"""Lookups the roadmap API views share: what they find in this cluster, or a 404 (another
cluster's roadmap answers as a missing one does)."""

from __future__ import annotations

from rest_framework.exceptions import NotFound

from tenants.roadmap import selectors
from tenants.roadmap.models import ReportJob, Roadmap


def roadmap_or_404(pk: int) -> Roadmap:
    roadmap = selectors.roadmap_get(roadmap_id=pk)
    if roadmap is None:
        raise NotFound("Дорожная карта не найдена.")
    return roadmap


def report_job_or_404(pk: int, job_id: int) -> ReportJob:
    job = selectors.report_job_get(roadmap_id=pk, job_id=job_id)
    if job is None:
        raise NotFound("Такого отчёта нет.")
    return job
