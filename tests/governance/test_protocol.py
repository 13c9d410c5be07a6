"""The protocol: Russian DOCX and PDF built from the meeting, downloadable from page and API."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path
from urllib.parse import quote

import pytest
from django_tenants.utils import schema_context
from docx import Document

from tenants.governance import services
from tenants.governance.models import Meeting
from tenants.governance.protocol import cluster_genitive
from tenants.models import Cluster
from tests.conftest import ROLE, MakeUser, api_client, signed_in, token_for

from . import factories as f

pytestmark = pytest.mark.django_db

TITLE = "ПРОТОКОЛ № 2 общего собрания участников Кластера Альфа (тест)"


@pytest.mark.parametrize(
    ("name", "genitive"),
    [
        ("Медико-технический кластер Московской области", "Медико-технического кластера Московской области"),
        ("Межрегиональный кластер средств реабилитации", "Межрегионального кластера средств реабилитации"),
        (
            "Медико-технологический кластер Новосибирской области",
            "Медико-технологического кластера Новосибирской области",
        ),
        ("Инновационный территориальный кластер «Синий»", "Инновационного территориального кластера «Синий»"),
        ("Кластер Альфа (тест)", "Кластера Альфа (тест)"),
        ("Ассоциация «МедТех»", "кластера «Ассоциация «МедТех»»"),
    ],
)
def test_cluster_name_in_the_genitive(name: str, genitive: str) -> None:
    assert cluster_genitive(name) == genitive


@pytest.fixture
def held_meeting(cluster_a: Cluster) -> Meeting:
    """Meeting № 2 of the general meeting: 14 of 25 present, one adopted and one failed decision."""
    with schema_context(cluster_a.schema_name):
        members = f.companies(25)
        meeting = f.meeting(cluster_a, f.body(cluster_a))
        f.attend(cluster_a, meeting, present=members[:14], absent=members[14:])
        item = meeting.agenda_items.get(number=2)
        f.decide(
            cluster_a,
            meeting,
            services.DecisionInput(
                text="Утвердить дорожную карту кластера до 1 октября 2017 года.",
                kind="approve_roadmap",
                agenda_item=item,
                votes_for=14,
            ),
            services.DecisionInput(
                text="Установить членский взнос в размере 50 000 рублей в год.",
                kind="set_fees",
                votes_for=6,
                votes_against=5,
                votes_abstained=3,
            ),
        )
        return meeting


def _pdf_text(content: bytes, tmp_path: Path) -> str:
    path = tmp_path / "protocol.pdf"
    path.write_bytes(content)
    result = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
    )
    return " ".join(result.stdout.decode("utf-8").split())


def test_pdf_protocol_from_the_api_has_the_decisions_and_votes(
    cluster_a: Cluster, make_user: MakeUser, held_meeting: Meeting, tmp_path: Path
) -> None:
    member = make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a)
    response = api_client(token_for(member, cluster_a), cluster_a).get(
        f"/api/v1/meetings/{held_meeting.pk}/protocol/?format=pdf"
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    filename = "Протокол_№2_Общее_собрание_участников_2024-03-15.pdf"
    assert response["Content-Disposition"] == (
        f"attachment; filename=\"protocol_2_2024-03-15.pdf\"; filename*=UTF-8''{quote(filename, safe='')}"
    )
    text = _pdf_text(response.content, tmp_path)
    for expected in (
        TITLE,
        "15 марта 2024 г., 11:00",
        "г. Дубна, ул. Университетская, 19",
        "Присутствовали представители участников кластера: 14 из 25",
        "Участник 01 — Представитель Участник 01",
        "Кворум есть: 14 из 25.",
        "1. О приёме в члены кластера",
        "2. Об утверждении дорожной карты",
        "Решение № 1 (по вопросу 2 повестки дня)",
        "Утвердить дорожную карту кластера до 1 октября 2017 года.",
        "За — 14, Против — 0, Воздержались — 0",
        "Решение принято.",
        "Установить членский взнос в размере 50 000 рублей в год.",
        "За — 6, Против — 5, Воздержались — 3",
        "Решение не принято.",
        "Председательствующий",
        "/ Иванов И. И. /",
        "Секретарь",
        "/ Петрова А. С. /",
    ):
        assert expected in text, expected
    assert "Участник 15" not in text  # absent members are not listed as present


def test_docx_protocol_from_the_page_has_the_same_content(
    cluster_a: Cluster, make_user: MakeUser, held_meeting: Meeting
) -> None:
    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    response = staff.get(f"/governance/meetings/{held_meeting.pk}/protocol/?format=docx")
    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    assert (
        "filename*=UTF-8''%D0%9F%D1%80%D0%BE%D1%82%D0%BE%D0%BA%D0%BE%D0%BB" in response["Content-Disposition"]
    )
    paragraphs = [p.text for p in Document(io.BytesIO(response.content)).paragraphs]
    text = "\n".join(paragraphs)
    assert paragraphs[0] == TITLE
    assert "Кворум есть: 14 из 25." in text
    assert "Присутствовали представители участников кластера: 14 из 25" in text
    assert "14. Участник 14 — Представитель Участник 14" in text
    assert "Голосовали: За — 14, Против — 0, Воздержались — 0." in paragraphs
    assert "Голосовали: За — 6, Против — 5, Воздержались — 3." in paragraphs
    assert paragraphs.count("Решение принято.") == 1 and paragraphs.count("Решение не принято.") == 1
    assert any(p.startswith("Председательствующий") and p.endswith("/ Иванов И. И. /") for p in paragraphs)
    assert any(p.startswith("Секретарь") and p.endswith("/ Петрова А. С. /") for p in paragraphs)


def test_protocol_without_quorum_says_so(cluster_a: Cluster, make_user: MakeUser, tmp_path: Path) -> None:
    with schema_context(cluster_a.schema_name):
        members = f.companies(10)
        meeting = f.meeting(cluster_a, f.body(cluster_a))
        f.attend(cluster_a, meeting, present=members[:3])
    api = api_client(token_for(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a), cluster_a)
    text = _pdf_text(api.get(f"/api/v1/meetings/{meeting.pk}/protocol/").content, tmp_path)
    assert "Кворума нет: 3 из 10, нужно не менее 6." in text


def test_protocol_format_errors_and_access(
    cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser, held_meeting: Meeting
) -> None:
    api = api_client(token_for(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a), cluster_a)
    wrong = api.get(f"/api/v1/meetings/{held_meeting.pk}/protocol/?format=xlsx")
    assert wrong.status_code == 400
    assert wrong.json()["errors"] == {"format": ["Выберите формат docx или pdf."]}
    assert api.get(f"/api/v1/meetings/{held_meeting.pk + 1000}/protocol/?format=pdf").status_code == 404
    beta = api_client(token_for(make_user(ROLE.CLUSTER_ADMIN, cluster_b), cluster_b), cluster_a)
    assert beta.get(f"/api/v1/meetings/{held_meeting.pk}/protocol/?format=pdf").status_code == 403
    anonymous = api_client("nope", cluster_a)
    assert anonymous.get(f"/api/v1/meetings/{held_meeting.pk}/protocol/?format=pdf").status_code == 401
