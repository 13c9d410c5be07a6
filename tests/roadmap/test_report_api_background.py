"""Finding 11: GET /api/v1/roadmaps/{id}/report/?format=pdf of a roadmap above
ROADMAP_REPORT_SYNC_MAX_ITEMS is not rendered in the request; it answers 202 with the report job,
as the page does, and the file comes from the job."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pytest_django import DjangoCaptureOnCommitCallbacks

import api.roadmap.report_views
from core.accounts.models import Grant
from tenants.models import Cluster
from tenants.roadmap.models import ReportJob
from tests.conftest import InCluster, MakeUser, api_client, client_for, streamed, token_for

from .test_pages_api import _seed_roadmap


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    settings.ROADMAP_REPORT_SYNC_MAX_ITEMS = 10  # seed 001 (24 items) counts as large here


def test_a_large_pdf_through_the_api_is_a_job_not_a_render(
    cluster_a: Cluster,
    cluster_b: Cluster,
    in_cluster: InCluster,
    make_user: MakeUser,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    pk, _ = _seed_roadmap(cluster_a, in_cluster, make_user(Grant.Role.CLUSTER_ADMIN, cluster_a))
    member = api_client(
        token_for(make_user(Grant.Role.MEMBER_REPRESENTATIVE, cluster_a), cluster_a), cluster_a
    )
    url = f"/api/v1/roadmaps/{pk}/report/?format=pdf"

    def no_render_in_the_request(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a large PDF was rendered in the request")

    monkeypatch.setattr(api.roadmap.report_views, "roadmap_report", no_render_in_the_request)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        first = member.get(url)
        again = member.get(url)  # an unfinished order of the same file is reused

    assert first.status_code == again.status_code == 202
    job = first.json()
    assert job["status"] == "queued" and job["format"] == "pdf" and job["file_url"] is None
    assert again.json()["id"] == job["id"]
    assert first["Location"] == f"/api/v1/roadmaps/{pk}/report-jobs/{job['id']}/"
    with in_cluster(cluster_a):
        assert ReportJob.objects.count() == 1
    for callback in queued:
        callback()  # the worker (eager here) makes the file

    done = member.get(first["Location"]).json()
    assert done["status"] == "done" and done["file_url"]
    assert streamed(member.get(done["file_url"])).startswith(b"%PDF")

    # small formats stay immediate; nobody outside the cluster gets a job
    monkeypatch.undo()
    assert member.get(f"/api/v1/roadmaps/{pk}/report/?format=xlsx")["Content-Type"].startswith(
        "application/vnd.openxmlformats"
    )
    other = api_client(token_for(make_user(Grant.Role.CLUSTER_ADMIN, cluster_b), cluster_b), cluster_a)
    assert other.get(url).status_code in (403, 404)
    assert client_for(cluster_a).get(url).status_code == 401
    with in_cluster(cluster_a):
        assert ReportJob.objects.count() == 1
