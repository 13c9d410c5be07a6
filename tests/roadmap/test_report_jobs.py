"""A PDF of a large roadmap is made in the background: ordered, progress, then a download."""

from __future__ import annotations

import datetime as dt
import io
import re
import subprocess
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone
from pytest_django import DjangoCaptureOnCommitCallbacks

from core.accounts.models import Grant
from tenants.models import Cluster
from tenants.roadmap.models import ReportJob
from tests.conftest import (
    InCluster,
    MakeUser,
    api_client,
    client_for,
    host_of,
    signed_in,
    streamed,
    token_for,
)

from .test_pages_api import _seed_roadmap


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    settings.ROADMAP_REPORT_SYNC_MAX_ITEMS = 10  # seed 001 (24 items) counts as large here


def test_large_pdf_is_ordered_then_downloaded(
    cluster_a: Cluster,
    cluster_b: Cluster,
    in_cluster: InCluster,
    make_user: MakeUser,
    tmp_path: Path,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    member = make_user(Grant.Role.MEMBER_REPRESENTATIVE, cluster_a)
    pk, _ = _seed_roadmap(cluster_a, in_cluster, make_user(Grant.Role.CLUSTER_ADMIN, cluster_a))
    browser = signed_in(member, cluster_a)
    detail = browser.get(reverse("roadmap:detail", args=[pk])).content.decode()
    assert f'href="/roadmap/{pk}/report/?format=pdf">PDF</a>' in detail  # no «download»: a page first
    page = browser.get(reverse("roadmap:report", args=[pk]) + "?format=pdf")
    assert page.status_code == 200 and "формируется в фоне" in page.content.decode()
    assert browser.get(reverse("roadmap:report", args=[pk]) + "?format=xlsx")["Content-Type"].startswith(
        "application/vnd.openxmlformats"
    )  # small formats stay immediate
    with django_capture_on_commit_callbacks(execute=True):
        ordered = browser.post(reverse("roadmap:report_job_create", args=[pk]), {"format": "pdf"})
    assert ordered.status_code == 302
    with in_cluster(cluster_a):
        job = ReportJob.objects.get()
    assert ordered["Location"] == reverse("roadmap:report_job", args=[pk, job.pk])
    status = browser.get(reverse("roadmap:report_job_status", args=[pk, job.pk])).json()
    assert status["status"] == "done" and status["finished"] and status["percent"] == 100
    html = browser.get(ordered["Location"]).content.decode()
    link = re.search(r'href="(/roadmap/\d+/report/jobs/\d+/file/)" download>Скачать отчёт', html)
    assert link
    response = browser.get(link.group(1))
    pdf = tmp_path / "r.pdf"
    pdf.write_bytes(streamed(response))
    text = subprocess.run(
        ["pdftotext", "-raw", str(pdf), "-"], capture_output=True, check=True, text=True
    ).stdout
    assert "Отчет о работе" in text and "Организационные вопросы" in text
    # the job and its file stay inside the cluster and its people
    other = signed_in(make_user(Grant.Role.CLUSTER_ADMIN, cluster_b), cluster_b)
    assert other.get(reverse("roadmap:report_job_file", args=[pk, job.pk])).status_code == 404
    assert other.get(reverse("roadmap:report_job", args=[pk, job.pk])).status_code == 404
    assert other.post(reverse("roadmap:report_job_create", args=[pk]), {"format": "pdf"}).status_code == 404
    for url in (
        reverse("roadmap:report_job_file", args=[pk, job.pk]),
        reverse("roadmap:report_job_status", args=[pk, job.pk]),
    ):
        # cluster B's admin, signed in there, carrying that session to cluster A's host
        assert other.get(url, HTTP_HOST=host_of(cluster_a)).status_code in (302, 403, 404)
    anonymous = client_for(cluster_a).get(reverse("roadmap:report_job_file", args=[pk, job.pk]))
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    assert client_for(cluster_a).post(reverse("roadmap:report_job_create", args=[pk])).status_code == 302
    with in_cluster(cluster_a):
        assert ReportJob.objects.count() == 1


def test_an_unfinished_order_is_reused_and_a_bad_format_refused(
    cluster_a: Cluster, in_cluster: InCluster, make_user: MakeUser
) -> None:
    admin = make_user(Grant.Role.CLUSTER_ADMIN, cluster_a)
    pk, _ = _seed_roadmap(cluster_a, in_cluster, admin)
    browser = signed_in(admin, cluster_a)
    first = browser.post(reverse("roadmap:report_job_create", args=[pk]), {"format": "pdf"})
    second = browser.post(reverse("roadmap:report_job_create", args=[pk]), {"format": "pdf"})
    assert first["Location"] == second["Location"]  # still queued (on_commit not run): the same order
    with in_cluster(cluster_a):
        assert ReportJob.objects.get().status == ReportJob.Status.QUEUED
    bad = browser.post(reverse("roadmap:report_job_create", args=[pk]), {"format": "odt"}, follow=True)
    assert "Неизвестный формат отчёта" in bad.content.decode()


def test_api_orders_a_report_file_and_serves_it_when_ready(
    cluster_a: Cluster,
    cluster_b: Cluster,
    in_cluster: InCluster,
    make_user: MakeUser,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    member = make_user(Grant.Role.MEMBER_REPRESENTATIVE, cluster_a)
    pk, _ = _seed_roadmap(cluster_a, in_cluster, make_user(Grant.Role.CLUSTER_ADMIN, cluster_a))
    api = api_client(token_for(member, cluster_a), cluster_a)
    jobs_url = f"/api/v1/roadmaps/{pk}/report-jobs/"
    bad = api.post(jobs_url, {"format": "odt"}, content_type="application/json")
    assert bad.status_code == 400 and "Неизвестный формат" in bad.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        ordered = api.post(jobs_url, {"format": "xlsx"}, content_type="application/json")
    assert ordered.status_code == 202 and ordered.json()["format"] == "xlsx"
    job = api.get(f"{jobs_url}{ordered.json()['id']}/").json()
    assert job["status"] == "done" and job["file_url"].endswith("/file/")
    assert [j["id"] for j in api.get(jobs_url).json()] == [job["id"]]
    sheet = openpyxl.load_workbook(io.BytesIO(streamed(api.get(job["file_url"]))))
    cells = {str(c.value) for row in sheet.active.iter_rows() for c in row if c.value}
    assert any("Отчет о работе" in c for c in cells)
    # another cluster, a ministry user without a cluster role, anonymous: nothing
    other = api_client(token_for(make_user(Grant.Role.CLUSTER_ADMIN, cluster_b), cluster_b), cluster_b)
    assert other.get(job["file_url"]).status_code == 404
    assert other.post(jobs_url, {"format": "pdf"}, content_type="application/json").status_code == 404
    ministry = api_client(token_for(make_user(Grant.Role.MINISTRY_FEDERAL), None), cluster_a)
    assert ministry.get(job["file_url"]).status_code == 403
    assert ministry.post(jobs_url, {"format": "pdf"}, content_type="application/json").status_code == 403
    assert client_for(cluster_a).get(job["file_url"]).status_code == 401
    with in_cluster(cluster_a):
        assert ReportJob.objects.count() == 1


def test_api_file_of_an_unfinished_order_is_not_there_yet(
    cluster_a: Cluster, in_cluster: InCluster, make_user: MakeUser
) -> None:
    admin = make_user(Grant.Role.CLUSTER_ADMIN, cluster_a)
    pk, _ = _seed_roadmap(cluster_a, in_cluster, admin)
    api = api_client(token_for(admin, cluster_a), cluster_a)
    ordered = api.post(f"/api/v1/roadmaps/{pk}/report-jobs/", {}, content_type="application/json").json()
    assert ordered["status"] == "queued" and ordered["format"] == "pdf" and ordered["file_url"] is None
    missing = api.get(f"/api/v1/roadmaps/{pk}/report-jobs/{ordered['id']}/file/")
    assert missing.status_code == 404 and missing.json()["detail"] == "Отчёт ещё не готов."


def test_an_order_lost_for_long_is_failed_and_ordered_anew(
    cluster_a: Cluster, in_cluster: InCluster, make_user: MakeUser
) -> None:
    admin = make_user(Grant.Role.CLUSTER_ADMIN, cluster_a)
    pk, _ = _seed_roadmap(cluster_a, in_cluster, admin)
    browser = signed_in(admin, cluster_a)
    first = browser.post(reverse("roadmap:report_job_create", args=[pk]), {"format": "pdf"})
    with in_cluster(cluster_a):  # its task never ran (worker gone): still queued 20 minutes later
        ReportJob.objects.update(created_at=timezone.now() - dt.timedelta(minutes=20))
    second = browser.post(reverse("roadmap:report_job_create", args=[pk]), {"format": "pdf"})
    assert second["Location"] != first["Location"]
    with in_cluster(cluster_a):
        assert list(ReportJob.objects.order_by("pk").values_list("status", flat=True)) == ["failed", "queued"]
    html = browser.get(first["Location"]).content.decode()
    assert "Отчёт не сформирован вовремя: заказан заново." in html
