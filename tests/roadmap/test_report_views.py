"""Downloading the yearly report: /api/v1/roadmaps/{id}/report/ and /roadmap/<pk>/report/."""

from __future__ import annotations

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context
from openpyxl import load_workbook

from core.accounts.services import grant_revoke
from core.audit.services import Actor
from tenants.models import Cluster
from tenants.roadmap import services
from tenants.roadmap.models import Roadmap
from tenants.roadmap.report import CONTENT_TYPES
from tests.conftest import ROLE, MakeUser, api_client, client_for, signed_in, token_for

from .test_report import SEED, synthetic_table

pytestmark = pytest.mark.django_db


def _import(cluster: Cluster, data: bytes = b"", filename: str = "seed_001.txt") -> Roadmap:
    with schema_context(cluster.schema_name):
        return services.roadmap_import_file(
            actor=Actor.system(cluster), data=data or SEED.read_bytes(), filename=filename
        )


def _api(path: str) -> str:
    return f"/api/v1/roadmaps/{path}"


def test_any_cluster_role_downloads_each_format_from_the_api(cluster_a: Cluster, make_user: MakeUser) -> None:
    roadmap = _import(cluster_a)
    member = api_client(token_for(make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a), cluster_a), cluster_a)
    for fmt, content_type in CONTENT_TYPES.items():
        response = member.get(_api(f"{roadmap.pk}/report/?format={fmt}"))
        assert response.status_code == 200, (fmt, response.content[:300])
        assert response["Content-Type"] == content_type
        assert response["Content-Disposition"].startswith(
            f"attachment; filename=\"roadmap-report-alpha-2018.{fmt}\"; filename*=UTF-8''%D0%9E%D1%82%D1%87"
        )
    assert response.content.startswith(b"%PDF")  # pdf came last
    # No format: the PDF.
    default = member.get(_api(f"{roadmap.pk}/report/"))
    assert default.status_code == 200 and default["Content-Type"] == "application/pdf"


def test_api_refuses_unknown_formats_other_clusters_and_strangers(
    cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser
) -> None:
    roadmap = _import(cluster_a)
    url = _api(f"{roadmap.pk}/report/")
    staff = api_client(token_for(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a), cluster_a)
    wrong = staff.get(url + "?format=odt")
    assert wrong.status_code == 400
    assert wrong.json()["errors"] == {"format": ["Неизвестный формат отчёта: выберите docx, xlsx или pdf."]}
    missing = staff.get(_api(f"{roadmap.pk + 1000}/report/?format=xlsx"))
    assert missing.status_code == 404 and missing.json()["detail"] == "Дорожная карта не найдена."

    beta_admin = make_user(ROLE.CLUSTER_ADMIN, cluster_b)
    # beta's admin on alpha's host: no role there
    on_alpha = api_client(token_for(beta_admin, cluster_b), cluster_a).get(url + "?format=xlsx")
    assert on_alpha.status_code == 403
    # on beta's own host alpha's roadmap does not exist
    with schema_context(cluster_b.schema_name):
        assert not Roadmap.objects.filter(pk=roadmap.pk).exists()
    on_beta = api_client(token_for(beta_admin, cluster_b), cluster_b).get(url + "?format=xlsx")
    assert on_beta.status_code == 404

    nobody = make_user(None)
    assert api_client(token_for(nobody, None), cluster_a).get(url + "?format=xlsx").status_code == 403
    anonymous = client_for(cluster_a).get(url + "?format=xlsx")
    assert anonymous.status_code == 401
    assert api_client("not-a-token", cluster_a).get(url + "?format=xlsx").status_code == 401


def test_page_download_and_its_refusals(cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser) -> None:
    roadmap = _import(cluster_a)
    url = f"/roadmap/{roadmap.pk}/report/"
    admin = signed_in(make_user(ROLE.CLUSTER_ADMIN, cluster_a), cluster_a)
    detail = admin.get(f"/roadmap/{roadmap.pk}/")
    assert f'href="{url}?format=xlsx"' in detail.content.decode()  # linked from the roadmap's page

    response = admin.get(url + "?format=xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == CONTENT_TYPES["xlsx"]
    assert 'filename="roadmap-report-alpha-2018.xlsx"' in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert sheet["A1"].value == "Отчет о работе\nКластера Альфа (тест) за 2018 год"

    wrong = admin.get(url + "?format=odt")
    assert wrong.status_code == 400
    assert "Выберите формат отчёта: DOCX, XLSX или PDF." in wrong.content.decode()
    assert admin.post(url + "?format=xlsx").status_code == 405
    assert admin.get(f"/roadmap/{roadmap.pk + 1000}/report/?format=xlsx").status_code == 404

    anonymous = client_for(cluster_a).get(url + "?format=xlsx")
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/login/?next=")

    member_user = make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a)
    member = signed_in(member_user, cluster_a)
    assert member.get(url + "?format=docx").status_code == 200
    grant_revoke(user=member_user, role=ROLE.MEMBER_REPRESENTATIVE, cluster=cluster_a)
    assert member.get(url + "?format=docx").status_code == 403

    beta_admin = signed_in(make_user(ROLE.CLUSTER_ADMIN, cluster_b), cluster_b)
    with schema_context(cluster_b.schema_name):
        assert not Roadmap.objects.filter(pk=roadmap.pk).exists()
    assert beta_admin.get(url + "?format=xlsx").status_code == 404


def test_api_report_query_count_does_not_grow_with_items(cluster_a: Cluster, make_user: MakeUser) -> None:
    small = _import(cluster_a)
    big = _import(cluster_a, synthetic_table(5, 40), "big.txt")
    staff = api_client(token_for(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a), cluster_a)
    counts = []
    staff.get(
        "/api/v1/me/"
    )  # a user's first token request reads its grants (one query); the next ones use the process's copy
    for roadmap in (small, big):
        with CaptureQueriesContext(connection) as queries:
            response = staff.get(_api(f"{roadmap.pk}/report/?format=docx"))
        assert response.status_code == 200
        counts.append(len(queries))
    # token, role, roadmap, then sections + items + executors: 7 for 24 items and for 200
    assert counts[0] == counts[1] <= 8, counts
