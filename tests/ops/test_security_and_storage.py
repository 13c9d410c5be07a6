"""The CSP header, and media storage that keeps each cluster's files in its own folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile
from django.http import HttpResponse
from django.test import RequestFactory
from django_tenants.utils import schema_context
from pytest_django import Settings

from clusterhub.security import ContentSecurityPolicyMiddleware
from clusterhub.storage import ClusterMediaStorage
from tenants.models import Cluster
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

POLICY = {"default-src": ["'self'"], "script-src-attr": ["'unsafe-inline'"], "upgrade-insecure-requests": []}


@pytest.mark.usefixtures("production_middleware")
def test_every_page_gets_the_content_security_policy(settings: Settings, cluster_a: Cluster) -> None:
    settings.CONTENT_SECURITY_POLICY = POLICY
    response = client_for(cluster_a).get("/")
    assert response.status_code == 200
    assert (
        response["Content-Security-Policy"]
        == "default-src 'self'; script-src-attr 'unsafe-inline'; upgrade-insecure-requests"
    )
    assert "Content-Security-Policy-Report-Only" not in response


def test_report_only_mode_and_a_views_own_policy_wins(settings: Settings) -> None:
    settings.CONTENT_SECURITY_POLICY = POLICY
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = True
    middleware = ContentSecurityPolicyMiddleware(lambda request: HttpResponse("x"))
    response = middleware(RequestFactory().get("/"))
    assert response["Content-Security-Policy-Report-Only"].startswith("default-src 'self'")
    assert "Content-Security-Policy" not in response

    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = False
    own = HttpResponse("x")
    own["Content-Security-Policy"] = "default-src 'none'"
    assert (
        ContentSecurityPolicyMiddleware(lambda request: own)(RequestFactory().get("/"))[
            "Content-Security-Policy"
        ]
        == "default-src 'none'"
    )


@pytest.fixture
def storage(settings: Settings, tmp_path: Path) -> ClusterMediaStorage:
    settings.MEDIA_ROOT = str(tmp_path)
    return ClusterMediaStorage(location=str(tmp_path))


def test_a_clusters_files_go_to_its_own_folder(
    storage: ClusterMediaStorage, tmp_path: Path, cluster_a: Cluster, cluster_b: Cluster
) -> None:
    with schema_context(cluster_a.schema_name):
        plain = storage.save("roadmap/2026/plan.txt", ContentFile(b"alpha plan"))
        already = storage.save("clusters/alpha/site-documents/x/charter.txt", ContentFile(b"alpha charter"))
        assert plain == "clusters/alpha/roadmap/2026/plan.txt"
        assert already == "clusters/alpha/site-documents/x/charter.txt"
        assert storage.open(plain).read() == b"alpha plan"
    assert (tmp_path / "clusters" / "alpha" / "roadmap" / "2026" / "plan.txt").read_bytes() == b"alpha plan"

    with schema_context(cluster_b.schema_name):
        for call in (storage.open, storage.exists, storage.size, storage.path, storage.delete, storage.url):
            with pytest.raises(SuspiciousFileOperation):
                call(plain)
        with pytest.raises(SuspiciousFileOperation):
            storage.save("clusters/alpha/roadmap/evil.txt", ContentFile(b"x"))
        with pytest.raises(SuspiciousFileOperation):
            storage.open("clusters/beta/../alpha/roadmap/2026/plan.txt")
        own = storage.save("notes.txt", ContentFile(b"beta"))
        assert own == "clusters/beta/notes.txt"

    # The public schema (platform code, cross-cluster jobs) may read any cluster's file.
    assert storage.open(plain).read() == b"alpha plan"
