"""Ministry dashboard pages on the public host: who sees what, filters, a cluster's versions, exports."""

from __future__ import annotations

import io
import re
import subprocess

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context
from openpyxl import load_workbook

from tenants.models import Cluster
from tests.conftest import ROLE, MakeUser, client_for, signed_in

from . import warehouse_rows as w

pytestmark = pytest.mark.django_db
# A table of a cluster's schema named in SQL (a column "x"."roadmap_items_total" is preceded by a dot).
TENANT_TABLE = re.compile(r'(?<!\.)"(members|roadmap|reporting|governance|events|content|fees)_\w+"')


@pytest.fixture
def reported(cluster_a: Cluster, cluster_b: Cluster) -> tuple[Cluster, Cluster]:
    """alpha (RU-MOS) and beta (RU-NVS) with two years of reports; beta fails a registry check in 2025."""
    for year, revenue in ((2024, 80_000_000_00), (2025, 100_000_000_00)):
        w.standard(cluster_a, year, revenue=revenue, employees=400)
        w.standard(
            cluster_b,
            year,
            revenue=revenue // 2,
            employees=200,
            checks={"participants_min": "fail", "cooperation_each": "pass"} if year == 2025 else None,
        )
    w.snapshot(cluster_a, members=25, invoiced=1_000_000_00, paid=750_000_00, items=20, done=15)
    w.snapshot(cluster_b, members=6, invoiced=0, paid=0, items=0, done=0)
    return cluster_a, cluster_b


def _federal(make_user: MakeUser) -> Client:
    return signed_in(make_user(ROLE.MINISTRY_FEDERAL), None)


def _regional(make_user: MakeUser, *regions: str) -> Client:
    return signed_in(make_user(ROLE.MINISTRY_REGIONAL, region_codes=list(regions)), None)


def test_federal_user_sees_every_cluster_with_totals_charts_and_checks(
    reported: tuple[Cluster, Cluster], make_user: MakeUser
) -> None:
    response = _federal(make_user).get("/ministry/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "Сводка по кластерам" in body and "Итоги за 2025 год" in body
    assert "Кластер Альфа (тест)" in body and "Кластер Бета (тест)" in body
    assert "150\u00a0000\u00a0000\u00a0₽" in body  # revenue 2025: 100 + 50 million roubles
    assert "Есть невыполненные требования" in body and "Требования выполнены" in body
    assert body.count("<svg") >= 6 and "<script" not in body.split('<main id="main">')[1]
    assert "75\u00a0%" in body  # dues collected now: 750 000 of 1 000 000
    assert 'href="/ministry/clusters/alpha/"' in body


def test_regional_user_sees_only_clusters_of_its_regions_everywhere(
    reported: tuple[Cluster, Cluster], make_user: MakeUser
) -> None:
    inter = w.bare_cluster("Межрегиональный кластер", regions=["RU-NVS", "RU-BA"])
    w.standard(inter, 2025, revenue=1_000_00)
    nvs = _regional(make_user, "RU-NVS")
    body = nvs.get("/ministry/").content.decode()
    assert "Кластер Бета (тест)" in body and "Межрегиональный кластер" in body
    assert "Кластер Альфа (тест)" not in body
    assert nvs.get("/ministry/clusters/alpha/").status_code == 404
    assert nvs.get("/ministry/clusters/beta/").status_code == 200
    assert nvs.get(f"/ministry/clusters/{inter.schema_name}/").status_code == 200
    # Asking for another region's clusters by filter shows nothing rather than widening the scope.
    assert "Кластер Альфа (тест)" not in nvs.get("/ministry/?region=RU-MOS").content.decode()

    sheet = load_workbook(io.BytesIO(nvs.get("/ministry/export/clusters.xlsx").content)).active
    names = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert names == {"Кластер Бета (тест)", "Межрегиональный кластер"}

    pdf_text = _pdf_text(nvs.get("/ministry/export/summary.pdf").content)
    assert "Кластер Бета (тест)" in pdf_text and "Кластер Альфа (тест)" not in pdf_text

    bashkortostan = _regional(make_user, "RU-BA").get("/ministry/").content.decode()
    assert "Межрегиональный кластер" in bashkortostan and "Кластер Бета (тест)" not in bashkortostan
    moscow = _regional(make_user, "RU-MOS").get("/ministry/").content.decode()
    assert "Межрегиональный кластер" not in moscow and "Кластер Альфа (тест)" in moscow


def test_cluster_people_and_strangers_get_no_ministry_pages(
    reported: tuple[Cluster, Cluster], make_user: MakeUser
) -> None:
    paths = [
        "/ministry/",
        "/ministry/clusters/alpha/",
        "/ministry/export/clusters.xlsx",
        "/ministry/export/summary.pdf",
        "/ministry/clusters/",
    ]
    for role in (ROLE.CLUSTER_ADMIN, ROLE.CLUSTER_STAFF, ROLE.MEMBER_REPRESENTATIVE):
        client = signed_in(make_user(role, reported[0]), None)
        for path in paths:
            assert client.get(path).status_code == 403, (role, path)
    anonymous = client_for(None)
    for path in paths:
        response = anonymous.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/login/"), path
    # On a cluster host the ministry pages do not exist at all.
    assert client_for(reported[0]).get("/ministry/").status_code == 404


def test_ministry_users_do_not_get_a_clusters_own_pages(
    reported: tuple[Cluster, Cluster], make_user: MakeUser
) -> None:
    federal = make_user(ROLE.MINISTRY_FEDERAL)
    alpha = client_for(reported[0])
    refused = alpha.post("/login/", {"email": federal.email, "password": "correct horse battery staple"})
    assert refused.status_code == 200 and "нет доступа к кластеру" in refused.content.decode()
    assert alpha.get("/members/").status_code == 302  # still anonymous there


def test_drafts_and_unsubmitted_figures_stay_inside_the_cluster(
    cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser
) -> None:
    from tenants.reporting.models import AnnualReportDraft

    with schema_context(cluster_a.schema_name):
        AnnualReportDraft.objects.create(
            year=2025,
            entered_values={"support_received": "777 777 777,00"},
            comments="Черновик: не для министерства",
        )
    w.standard(cluster_b, 2025)
    client = _federal(make_user)
    body = client.get("/ministry/").content.decode()
    assert "Нет отчёта" in body and "не отправлен" in body
    detail = client.get("/ministry/clusters/alpha/").content.decode()
    assert "Кластер ещё не отправил ни одного годового отчёта." in detail
    for text in ("777", "Черновик: не для министерства"):
        assert text not in body and text not in detail


def test_filters_sorting_and_pages(reported: tuple[Cluster, Cluster], make_user: MakeUser) -> None:
    for n in range(30):
        cluster = w.bare_cluster(
            f"Кластер ТА {n:02d}", regions=["RU-TA"], registry_status=Cluster.RegistryStatus.APPLIED
        )
        w.standard(cluster, 2025, revenue=(n + 1) * 1_000_000_00)
    client = _federal(make_user)
    by_region = client.get("/ministry/?region=RU-TA").content.decode()
    assert "Найдено кластеров: 30" in by_region and "Кластер Альфа (тест)" not in by_region
    assert "Страница 1 из 2" in by_region
    second = client.get("/ministry/?region=RU-TA&page=2").content.decode()
    assert "Кластер ТА 29" in second and "Кластер ТА 00" not in second
    richest = client.get("/ministry/?region=RU-TA&sort=-revenue").content.decode()
    assert richest.index("Кластер ТА 29") < richest.index("Кластер ТА 28")
    failing = client.get("/ministry/?checks=fail").content.decode()
    assert "Найдено кластеров: 1" in failing and "Кластер Бета (тест)" in failing
    registry = client.get("/ministry/?registry=applied").content.decode()
    assert "Найдено кластеров: 30" in registry
    inter = client.get("/ministry/?kind=interregional").content.decode()
    assert "Кластеров не найдено." in inter
    old = client.get("/ministry/?year=2024").content.decode()
    assert "Итоги за 2024 год" in old and "Нет отчёта" in old  # the 30 reported 2025 only
    assert client.get("/ministry/clusters/?region=RU-TA")["Location"] == "/ministry/?region=RU-TA"


def test_cluster_page_lists_versions_and_what_a_correction_changed(
    reported: tuple[Cluster, Cluster], make_user: MakeUser
) -> None:
    alpha = reported[0]
    w.report(
        alpha,
        2025,
        {
            "members_total": 12,
            "revenue": 123_456_789_00,
            "employees": 400,
            "export": 5_000_000_00,
            "dues_collection": (900_000_00, 1_000_000_00),
            "roadmap_completion": (8, 10),
            "highlights": "Запущено серийное производство.",
        },
        correction_reason="Уточнена выручка по данным бухгалтерии",
    )
    body = _federal(make_user).get("/ministry/clusters/alpha/").content.decode()
    assert "Отчёт за 2025 год, версия 2" in body
    assert "версия 1" in body and "Уточнена выручка по данным бухгалтерии" in body
    assert "Изменения: версия 1 → версия 2" in body
    diff = body.split("fed-diff")[1].split("</table>")[0]
    assert "Выручка участников" in diff and "123 456 789,00 ₽" in diff and "100 000 000,00 ₽" in diff
    assert "Численность работников" not in diff  # unchanged figures are not listed
    first = (
        _federal(make_user)
        .get("/ministry/clusters/alpha/?report=" + str(alpha.annual_reports.get(year=2025, version=1).pk))
        .content.decode()
    )
    assert "Отчёт за 2025 год, версия 1" in first and "Изменения:" not in first
    # Any two versions of a year compare, either way round.
    v1 = alpha.annual_reports.get(year=2025, version=1).pk
    assert f"?report={v1}&amp;compare=2" in first  # the link to compare with the other version
    back = _federal(make_user).get(f"/ministry/clusters/alpha/?report={v1}&compare=2").content.decode()
    assert "Изменения: версия 2 → версия 1" in back and "123 456 789,00 ₽" in back


def test_the_dashboard_speaks_english_too(reported: tuple[Cluster, Cluster], make_user: MakeUser) -> None:
    client = _federal(make_user)
    client.cookies["django_language"] = "en"
    body = client.get("/ministry/").content.decode()
    for english in (
        "Clusters overview",
        "Totals for 2025",
        "Year over year",
        "Requirements not met",
        "Table as XLSX",
        "Participants now",
    ):
        assert english in body, english
    assert "Сводка по кластерам" not in body


def test_xlsx_has_the_filtered_table_with_numbers(
    reported: tuple[Cluster, Cluster], make_user: MakeUser
) -> None:
    response = _federal(make_user).get("/ministry/export/clusters.xlsx?region=RU-MOS")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [c.value for c in sheet[1]]
    assert header[0] == "Кластер" and "Выручка участников, 2025" in header
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 1 and rows[0][0] == "Кластер Альфа (тест)"
    assert rows[0][header.index("Выручка участников, 2025")] == 100_000_000
    assert rows[0][header.index("Участников сейчас")] == 25


def _pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF")
    result = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"], input=content, capture_output=True, check=True
    )
    return " ".join(result.stdout.decode().split())  # table cells wrap; words stay in reading order


def test_pdf_summary_is_russian_text(reported: tuple[Cluster, Cluster], make_user: MakeUser) -> None:
    response = _federal(make_user).get("/ministry/export/summary.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = _pdf_text(response.content)
    for phrase in (
        "Сводка по кластерам за 2025 год",
        "Охват: все регионы",
        "Год к году",
        "Выручка участников",
        "Кластер Альфа (тест)",
        "Кластер Бета (тест)",
        "Есть невыполненные требования",
        "Проверка требований реестра",
    ):
        assert phrase in text, phrase


def test_overview_runs_the_same_queries_for_4_and_40_clusters(
    cluster_a: Cluster, make_user: MakeUser
) -> None:
    client = _federal(make_user)

    def grow_to(total: int) -> None:
        while Cluster.objects.count() < total:
            cluster = w.bare_cluster(regions=["RU-TA"])
            w.standard(cluster, 2024)
            w.standard(cluster, 2025, checks={"participants_min": "fail"})
            w.snapshot(cluster, members=11, invoiced=100_00, paid=50_00, items=4, done=1)

    def statements(path: str) -> list[str]:
        client.get(path)  # warm: the session and grants are cached per request anyway
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(path).status_code == 200
        return [q["sql"] for q in ctx.captured_queries]

    grow_to(4)
    small = {p: statements(p) for p in ("/ministry/", "/ministry/?sort=-revenue&checks=fail")}
    grow_to(40)
    large = {p: statements(p) for p in small}
    for path in small:
        assert len(small[path]) == len(large[path]), (path, len(small[path]), len(large[path]))
        assert len(large[path]) <= 10  # 12 before the project sums joined the snapshot query
        # The public schema only: no cluster table, no switch of search_path to a cluster.
        for sql in large[path]:
            assert not TENANT_TABLE.search(sql), sql
            assert "search_path" not in sql.lower() or "public" in sql.lower(), sql


def test_regional_scope_reads_as_region_names_and_check_links_are_plain_queries(
    reported: tuple[Cluster, Cluster], make_user: MakeUser
) -> None:
    body = _regional(make_user, "RU-MOS", "RU-NVS").get("/ministry/").content.decode()
    assert "ваши регионы: Московская область, Новосибирская область." in body
    assert "RU-MOS" not in body.replace('value="RU-MOS"', "")  # only the filter's option value
    assert 'href="?checks=pass"' in body and "??" not in body
