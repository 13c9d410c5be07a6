"""The registry application pack (Decree No. 779): one ZIP whose files match the registry check, and
who may download it (API and page)."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from django_tenants.utils import schema_context
from docx import Document
from openpyxl import load_workbook

from core.federal.checks import registry_checks_compute
from tenants.members.models import Company
from tenants.models import Cluster
from tenants.projects.models import (
    JointProject,
    ProjectIndicator,
    ProjectParticipant,
    SupportApplication,
    SupportTranche,
)
from tenants.roadmap.models import Item, Roadmap, Section
from tests.conftest import ROLE, MakeUser, api_client, client_for, signed_in, token_for
from tests.federal import factories as f

pytestmark = pytest.mark.django_db
YEAR = 2025
URL = f"/api/v1/registry/application-pack/?year={YEAR}"
PAGE = "/annual-report/registry/"
PACK_PAGE = f"/annual-report/registry/application-pack.zip?year={YEAR}"


def _cluster_data() -> list[Company]:
    """Ten linked participants (30 % dependence), one in a single-industry town with its OGRN and address,
    a project with a Decree 41 subsidy and a shortfall, and a roadmap."""
    companies = f.healthy_cluster(YEAR)
    Company.objects.filter(pk=companies[0].pk).update(
        ogrn="1027700132195",
        address="141980, Московская обл., г. Дубна, ул. Программистов, 4",
        special_territory=Company.SpecialTerritory.MONOTOWN,
    )
    f.member("Вышедший", status=Company.Status.WITHDRAWN)  # not a participant: in no list
    project = JointProject.objects.create(
        title="Импортозамещение эндоскопов",
        period_start=dt.date(2024, 1, 1),
        period_end=dt.date(2026, 12, 31),
    )
    ProjectParticipant.objects.create(project=project, company=companies[0], role="lead")
    ProjectParticipant.objects.create(project=project, company=companies[1], role="participant")
    ProjectIndicator.objects.create(
        project=project, year=YEAR, kind="output_volume", planned=10_000_000_00, actual=7_500_000_00
    )
    grant = SupportApplication.objects.create(
        project=project,
        company=companies[0],
        measure="decree_41",
        amount_requested_kopecks=5_000_000_00,
        submitted_on=dt.date(2025, 2, 1),
        decision="granted",
        amount_granted_kopecks=4_000_000_00,
    )
    SupportTranche.objects.create(
        application=grant, received_on=dt.date(2025, 6, 1), amount_kopecks=2_000_000_00
    )
    roadmap = Roadmap.objects.create(
        title="Дорожная карта 2025–2026", period_start=dt.date(2025, 1, 1), period_end=dt.date(2026, 12, 31)
    )
    section = Section.objects.create(roadmap=roadmap, number="1.", title="Кадры", position=1)
    Item.objects.create(
        roadmap=roadmap,
        section=section,
        number="1.1.",
        position=1,
        title="Стажировки студентов университета «Дубна»",
    )
    return companies


def _zip(content: bytes) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(content))


def _sheet(archive: zipfile.ZipFile, name: str, sheet: str | None = None) -> list[tuple]:
    book = load_workbook(io.BytesIO(archive.read(name)))
    ws = book[sheet] if sheet else book.worksheets[0]
    return list(ws.iter_rows(values_only=True))


def _docx_text(archive: zipfile.ZipFile, name: str) -> str:
    document = Document(io.BytesIO(archive.read(name)))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def test_the_pack_matches_the_registry_check(cluster_a: Cluster, make_user: MakeUser) -> None:
    with schema_context(cluster_a.schema_name):
        companies = _cluster_data()
        checks = {c.code: c for c in registry_checks_compute(cluster=cluster_a, year=YEAR)}
    api = api_client(token_for(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a), cluster_a)
    response = api.get(URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "registry-application-alpha-2025.zip" in response["Content-Disposition"]
    archive = _zip(response.content)
    assert set(archive.namelist()) == {
        "01_Сопроводительное_письмо.docx",
        "02_Перечень_участников.docx",
        "02_Перечень_участников.xlsx",
        "03_Договоры_о_кооперации.xlsx",
        "04_Расчет_функциональной_зависимости.xlsx",
        "05_Совместные_проекты.xlsx",
        "06_Программа_развития_кластера.docx",
        "06_Программа_развития_кластера.xlsx",
    }

    # participants: the same companies as the check, with INN/OGRN/address
    rows = _sheet(archive, "02_Перечень_участников.xlsx")
    assert rows[0][:5] == ("№", "Полное наименование", "Краткое наименование", "ИНН", "ОГРН")
    listed = {r[3] for r in rows[1:]}
    checked = {p["inn"] for p in checks["participants_min"].evidence["participants"]}
    assert listed == checked == {c.inn for c in companies}
    first = next(r for r in rows[1:] if r[3] == companies[0].inn)
    assert first[4] == "1027700132195" and "Дубна" in first[7]
    assert first[9] == "Моногород (монопрофильное муниципальное образование)"
    assert "Вышедший" not in str(rows)
    assert companies[0].inn in _docx_text(archive, "02_Перечень_участников.docx")

    # functional dependence: the check's figure, summed from rows listed beside it
    calc = {r[0]: r[1] for r in _sheet(archive, "04_Расчет_функциональной_зависимости.xlsx", "Расчет")[1:]}
    assert calc["Функциональная зависимость, %"] == checks["functional_dependence"].data["value"] == "30.00"
    revenue = _sheet(archive, "04_Расчет_функциональной_зависимости.xlsx", "Выручка участников")[1:]
    contracts = _sheet(archive, "04_Расчет_функциональной_зависимости.xlsx", "Договоры за год")[1:]
    assert (
        float(calc["Выручка участников за год по принятым показателям, ₽"])
        == sum(r[2] for r in revenue)
        == 1_000_000
    )
    assert (
        float(calc["Договоры между участниками, заключённые в году, ₽"])
        == sum(r[4] for r in contracts)
        == 300_000
    )
    assert calc["Итог"] == "выполнено"
    assert calc["Участников в моногородах или на ТОР"] == 1

    # contracts binding the participants, each with both parties' INN
    listed_contracts = _sheet(archive, "03_Договоры_о_кооперации.xlsx")[1:]
    assert len(listed_contracts) == len(checks["cooperation_each"].evidence["contracts"]) == 10
    assert all(r[5] and r[7] for r in listed_contracts)

    # projects with indicators and support
    projects = _sheet(archive, "05_Совместные_проекты.xlsx")
    assert projects[1][1] == "Импортозамещение эндоскопов" and projects[1][10] == 2_000_000
    indicators = _sheet(archive, "05_Совместные_проекты.xlsx", "Целевые показатели")
    assert indicators[1][4:6] == (10_000_000, 7_500_000) and indicators[1][7] == 25.0
    support = _sheet(archive, "05_Совместные_проекты.xlsx", "Господдержка")
    assert support[1][1] == "Субсидия по постановлению № 41" and support[1][5:] == (4_000_000, 2_000_000)

    letter = _docx_text(archive, "01_Сопроводительное_письмо.docx")
    assert "постановлением Правительства Российской Федерации от 31.07.2015 № 779" in letter
    assert "Участников кластера: 10." in letter and "30,00 %" in letter
    assert "Дорожная карта 2025–2026" in letter
    programme = _docx_text(archive, "06_Программа_развития_кластера.docx")
    assert "Стажировки студентов университета «Дубна»" in programme


def test_the_page_shows_evidence_and_offers_the_pack(cluster_a: Cluster, make_user: MakeUser) -> None:
    with schema_context(cluster_a.schema_name):
        companies = _cluster_data()
    admin = signed_in(make_user(ROLE.CLUSTER_ADMIN, cluster_a), cluster_a)
    body = admin.get(f"{PAGE}?year={YEAR}").content.decode()
    assert "Требования реестра промышленных кластеров (ПП РФ № 779)" in body
    assert "Обоснование" in body and "141980, Московская обл., г. Дубна" in body
    assert f"с «{companies[1].short_name}»" in body  # the contract binding the first two participants
    assert "В моногородах или на ТОР: 1 из 10 участников" in body
    assert f'href="/annual-report/registry/application-pack.zip?year={YEAR}"' in body
    response = admin.get(PACK_PAGE)
    assert response.status_code == 200
    assert "04_Расчет_функциональной_зависимости.xlsx" in _zip(response.content).namelist()


def test_an_empty_cluster_still_gets_a_pack_that_says_so(cluster_a: Cluster, make_user: MakeUser) -> None:
    api = api_client(token_for(make_user(ROLE.CLUSTER_ADMIN, cluster_a), cluster_a), cluster_a)
    archive = _zip(api.get(URL).content)
    assert "06_Программа_развития_кластера.docx" not in archive.namelist()  # no roadmap yet
    calc = {r[0]: r[1] for r in _sheet(archive, "04_Расчет_функциональной_зависимости.xlsx", "Расчет")[1:]}
    assert calc["Функциональная зависимость, %"] == "нет данных"
    assert calc["Итог"] == "недостаточно данных"
    assert len(_sheet(archive, "02_Перечень_участников.xlsx")) == 1  # the header only


def test_bad_year_is_a_russian_error(cluster_a: Cluster, make_user: MakeUser) -> None:
    api = api_client(token_for(make_user(ROLE.CLUSTER_ADMIN, cluster_a), cluster_a), cluster_a)
    response = api.get("/api/v1/registry/application-pack/?year=1999")
    assert response.status_code == 400
    assert response.json()["errors"]["year"] == ["Укажите год от 2000 до текущего."]


def test_nobody_else_gets_the_pack(cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser) -> None:
    with schema_context(cluster_a.schema_name):
        companies = _cluster_data()
    # anonymous
    assert client_for(cluster_a).get(URL).status_code == 401
    page = client_for(cluster_a).get(PACK_PAGE)
    assert page.status_code == 302 and page["Location"].startswith("/login/")
    # a member representative (of a participant) and a user without a role here
    rep = make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=companies[0].pk)
    assert api_client(token_for(rep, cluster_a), cluster_a).get(URL).status_code == 403
    assert signed_in(rep, cluster_a).get(PACK_PAGE).status_code == 403
    assert signed_in(rep, cluster_a).get(PAGE).status_code == 403
    # the other cluster's admin: its token is refused here, its own host has only its own (empty) pack
    beta_admin = make_user(ROLE.CLUSTER_ADMIN, cluster_b)
    beta_token = token_for(beta_admin, cluster_b)
    assert api_client(beta_token, cluster_a).get(URL).status_code == 403
    own = _zip(api_client(beta_token, cluster_b).get(URL).content)
    assert companies[0].inn not in str(_sheet(own, "02_Перечень_участников.xlsx"))
    beta_session = signed_in(beta_admin, cluster_b)
    replay = beta_session.get(
        PACK_PAGE, HTTP_HOST="alpha.localhost"
    )  # a session of beta is anonymous on alpha
    assert replay.status_code == 302 and replay["Location"].startswith("/login/")
    # not on the public host
    assert api_client(beta_token, None).get(URL).status_code == 404


def test_the_pack_is_in_the_openapi_schema(cluster_a: Cluster) -> None:
    paths = client_for(cluster_a).get("/api/schema/", HTTP_ACCEPT="application/json").json()["paths"]
    assert "/api/v1/registry/application-pack/" in paths
