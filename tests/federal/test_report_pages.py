"""Annual report pages on a cluster host: who may see and do what, the draft → submit → correct
flow, drill-down, the PDF."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from django_tenants.utils import schema_context
from pytest_django import DjangoAssertNumQueries

from core.federal.models import AnnualReport
from frontend.annual_report import views as annual_views
from tenants.models import Cluster
from tenants.reporting import services as reporting
from tenants.reporting.models import AnnualReportDraft
from tests.conftest import ROLE, ClientResponse, MakeUser, client_for, signed_in

from . import factories as f

pytestmark = pytest.mark.django_db
YEAR = 2025


def _html(response: ClientResponse) -> str:
    return response.content.decode()


def _submitted(cluster: Cluster, **kwargs: Any) -> AnnualReport:
    with schema_context(cluster.schema_name):
        return reporting.annual_report_submit(
            actor=f.system(cluster),
            cluster=cluster,
            year=YEAR,
            entered_values=f.ENTERED,
            comments="Отчёт кластера",
            **kwargs,
        )


def _pages(report_id: int) -> list[str]:
    return [
        "/annual-report/",
        f"/annual-report/{YEAR}/",
        f"/annual-report/{YEAR}/figures/revenue/",
        f"/annual-report/{YEAR}/submit/",
        f"/annual-report/reports/{report_id}/",
        f"/annual-report/reports/{report_id}/figures/revenue/",
        f"/annual-report/reports/{report_id}/pdf/",
    ]


def test_anonymous_representative_and_other_clusters_are_kept_out(
    cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser
) -> None:
    with schema_context(cluster_a.schema_name):
        company = f.member("Своя")
        f.healthy_cluster(YEAR)
    report = _submitted(cluster_a)
    for url in _pages(report.pk):
        response = client_for(cluster_a).get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/?next="), url
    rep = signed_in(make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=company.pk), cluster_a)
    for url in _pages(report.pk):
        assert rep.get(url).status_code == 403, url
    assert rep.post(f"/annual-report/{YEAR}/", {"support_received": "1"}).status_code == 403
    beta_admin = signed_in(make_user(ROLE.CLUSTER_ADMIN, cluster_b), cluster_b)
    for url in _pages(report.pk):  # a session of another cluster is anonymous here
        replay = beta_admin.get(url, HTTP_HOST="alpha.localhost")
        assert replay.status_code == 302 and replay["Location"].startswith("/login/"), url
    # on its own host, another cluster's report does not exist
    beta_admin = signed_in(make_user(ROLE.CLUSTER_ADMIN, cluster_b), cluster_b)
    for url in _pages(report.pk)[4:]:
        assert beta_admin.get(url).status_code == 404, url
    assert "Отчёт кластера" not in _html(beta_admin.get("/annual-report/"))
    assert client_for(None).get("/annual-report/").status_code == 404  # not on the public host


def test_staff_read_but_do_not_change_or_submit(cluster_a: Cluster, make_user: MakeUser) -> None:
    with schema_context(cluster_a.schema_name):
        f.healthy_cluster(YEAR)
    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    page = _html(staff.get(f"/annual-report/{YEAR}/"))
    assert "Выручка участников" in page and 'name="support_received"' not in page
    assert "Изменять и отправлять отчёт могут администраторы кластера." in page
    assert staff.post(f"/annual-report/{YEAR}/", {"support_received": "5"}).status_code == 403
    assert staff.get(f"/annual-report/{YEAR}/submit/").status_code == 403
    assert staff.post(f"/annual-report/{YEAR}/submit/", {"confirm": "on"}).status_code == 403
    assert not AnnualReport.objects.filter(cluster=cluster_a).exists()
    with schema_context(cluster_a.schema_name):
        assert not AnnualReportDraft.objects.exists()


def test_admin_drafts_submits_with_confirmation_and_corrects_with_a_reason(
    cluster_a: Cluster, make_user: MakeUser, tmp_path: Path
) -> None:
    with schema_context(cluster_a.schema_name):
        companies = f.healthy_cluster(YEAR)
    admin = signed_in(make_user(ROLE.CLUSTER_ADMIN, cluster_a), cluster_a)
    index = _html(admin.get("/annual-report/"))
    assert f'href="/annual-report/{YEAR}/"' in index and "Отправленных версий нет." in index
    page = _html(admin.get(f"/annual-report/{YEAR}/"))
    assert "1 000 000,00 ₽" in page  # revenue: 10 × 100 000 ₽
    assert f"/annual-report/{YEAR}/figures/revenue/" in page
    assert "расшифровка" in page  # support received: from tranches, overridable with a reason
    bad = admin.post(f"/annual-report/{YEAR}/", {"support_received": "много", "report_comments": ""})
    assert bad.status_code == 200 and "Введите сумму в рублях" in _html(bad)
    saved = admin.post(
        f"/annual-report/{YEAR}/",
        {
            "support_received": "2 000 000",
            "highlights": "Новый завод",
            "comment__revenue": "По принятым отчётам",
            "comment__support_received": "Переходный год",
            "report_comments": "Готово",
            "to_submit": "1",
        },
    )
    assert saved.status_code == 302 and saved["Location"] == f"/annual-report/{YEAR}/submit/"
    confirm = _html(admin.get(f"/annual-report/{YEAR}/submit/"))
    assert "2 000 000,00 ₽" in confirm and "Выполнено" in confirm
    refused = admin.post(f"/annual-report/{YEAR}/submit/", {})
    assert refused.status_code == 200 and "Подтвердите отправку отчёта." in _html(refused)
    assert not AnnualReport.objects.filter(cluster=cluster_a).exists()
    done = admin.post(f"/annual-report/{YEAR}/submit/", {"confirm": "on"})
    first = AnnualReport.objects.get(cluster=cluster_a, year=YEAR)
    assert done["Location"] == f"/annual-report/reports/{first.pk}/"
    assert first.values["support_received"]["value"] == 2_000_000_00
    assert first.values["revenue"]["comment"] == "По принятым отчётам"
    shown = _html(admin.get(done["Location"]))
    assert "2 000 000,00 ₽" in shown and "Исправить" in shown and "Готово" in shown
    rows = _html(admin.get(f"/annual-report/reports/{first.pk}/figures/revenue/"))
    assert str(companies[0]) in rows and "100 000,00 ₽" in rows
    # a correction needs a reason
    admin.post(
        f"/annual-report/{YEAR}/",
        {
            "support_received": "2 500 000",
            "report_comments": "Готово",
            "comment__support_received": "Переходный год",
        },
    )
    no_reason = admin.post(f"/annual-report/{YEAR}/submit/", {"confirm": "on"})
    assert no_reason.status_code == 200 and "укажите причину исправления" in _html(no_reason)
    corrected = admin.post(
        f"/annual-report/{YEAR}/submit/", {"confirm": "on", "correction_reason": "Уточнена сумма субсидии"}
    )
    second = AnnualReport.objects.get(cluster=cluster_a, year=YEAR, is_latest=True)
    assert corrected["Location"] == f"/annual-report/reports/{second.pk}/" and second.version == 2
    old = _html(admin.get(f"/annual-report/reports/{first.pk}/"))
    assert (
        "2 000 000,00 ₽" in old and "Исправить" not in old and "Уточнена сумма субсидии" in old
    )  # in versions
    pdf = admin.get(f"/annual-report/reports/{second.pk}/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert "filename*=UTF-8''" in pdf["Content-Disposition"]
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf.content)
    text = " ".join(
        subprocess.run(
            ["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
        )
        .stdout.decode()
        .split()
    )
    assert f"Годовой отчёт кластера за {YEAR} год" in text
    assert "Версия 2" in text and "Уточнена сумма субсидии" in text
    assert "2 500 000,00 ₽" in text and "Не менее 10 участников" in text and "Выполнено" in text


def test_failed_check_lists_the_companies_concerned(cluster_a: Cluster, make_user: MakeUser) -> None:
    with schema_context(cluster_a.schema_name):
        linked = f.healthy_cluster(YEAR, members=3)
        lonely = f.member("Одиночка")
    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    page = _html(staff.get(f"/annual-report/{YEAR}/"))
    assert "Участников: 4, а требуется не менее 10: не хватает 6." in page
    assert "Без договора о кооперации с другим участником: 1 из 4." in page
    assert f'<a href="/members/{lonely.pk}/">Одиночка</a>' in page
    assert str(linked[0]) in page


def test_version_list_filters_sorts_and_stays_within_a_query_budget(
    cluster_a: Cluster,
    make_user: MakeUser,
    django_assert_max_num_queries: DjangoAssertNumQueries,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with schema_context(cluster_a.schema_name):
        f.healthy_cluster(YEAR)
    for n in range(3):
        _submitted(cluster_a, correction_reason=f"Исправление {n}" if n else None)
    admin = signed_in(make_user(ROLE.CLUSTER_ADMIN, cluster_a), cluster_a)
    with django_assert_max_num_queries(20):
        page = _html(admin.get("/annual-report/?sort=-submitted"))
    versions = page[page.index("<h2>Отправленные версии</h2>") :]
    assert versions.index("версия 1") < versions.index("версия 2") < versions.index("версия 3")
    found = _html(admin.get("/annual-report/?q=Исправление 2"))
    assert "Исправление 2" in found and "Исправление 1" not in found
    nothing = _html(admin.get("/annual-report/?year=2024"))
    assert "Ничего не найдено." in nothing and "Найдено версий: 0" in nothing
    # the header sorts (and flips); the old ?sort= values keep their meaning
    newest = _html(admin.get("/annual-report/?sort=-submitted_at"))
    newest = newest[newest.index("<h2>Отправленные версии</h2>") :]
    assert newest.index("версия 3") < newest.index("версия 2") < newest.index("версия 1")
    assert 'aria-sort="descending"' in newest and "Найдено версий: 3" in newest
    by_version = _html(admin.get("/annual-report/?sort=version"))
    by_version = by_version[by_version.index("<h2>Отправленные версии</h2>") :]
    assert by_version.index("версия 1") < by_version.index("версия 2") < by_version.index("версия 3")
    legacy = _html(admin.get("/annual-report/?sort=submitted"))  # the old «sent later first»
    legacy = legacy[legacy.index("<h2>Отправленные версии</h2>") :]
    assert legacy.index("версия 3") < legacy.index("версия 1")
    monkeypatch.setattr(annual_views, "PAGE_SIZE", 2)
    paged = _html(admin.get("/annual-report/?sort=version&page=2"))
    paged = paged[paged.index("<h2>Отправленные версии</h2>") :]
    assert "Страница 2 из 2" in paged and "версия 3" in paged and "версия 1" not in paged


def test_figure_rows_sort_by_header_search_and_page(
    cluster_a: Cluster, make_user: MakeUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    with schema_context(cluster_a.schema_name):
        names = {}
        for name, revenue in (("Альфа-Мед", 300_000_00), ("Бета-Мед", 100_000_00), ("Вега-Мед", 200_000_00)):
            company = f.member(name)
            f.kpi(company, YEAR, revenue=revenue, employees=3)
            names[name] = str(company)
    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    url = f"/annual-report/{YEAR}/figures/revenue/"
    alpha, beta, vega = names["Альфа-Мед"], names["Бета-Мед"], names["Вега-Мед"]

    def shown(query: str) -> list[str]:
        html = _html(staff.get(url + query))
        body = html[html.index("<tbody>") :]
        return sorted((n for n in (alpha, beta, vega) if n in body), key=body.index)

    assert shown("?sort=row") == [alpha, beta, vega]
    assert shown("?sort=-row") == [vega, beta, alpha]
    assert shown("?sort=-value") == [alpha, vega, beta]
    assert shown("?sort=value") == [beta, vega, alpha]
    assert shown("?q=Бета") == [beta]
    nothing = _html(staff.get(url + "?q=несуществующая"))
    assert "Найдено строк: 0" in nothing and "Ничего не найдено." in nothing
    monkeypatch.setattr(annual_views, "ROWS_PAGE_SIZE", 2)
    assert shown("?sort=row&page=2") == [vega]
