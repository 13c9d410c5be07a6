"""Selection pages of the ministry on the public host: calls, a call's applications and experts,
the ranking with decisions and the protocol; who may see and do what."""

from __future__ import annotations

import io
import subprocess

import pytest
from docx import Document

from core.selection import services
from core.selection.models import Application, Call, Decision
from tenants.models import Cluster
from tests.conftest import ROLE, MakeUser, client_for, signed_in

from .conftest import SYSTEM, reviewed, submitted

pytestmark = pytest.mark.django_db


def _pdf_text(content: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True
    ).stdout.decode()


def test_federal_user_opens_a_call_with_criteria(make_user: MakeUser) -> None:
    client = signed_in(make_user(ROLE.MINISTRY_FEDERAL), None)
    assert "Новый отбор" in client.get("/selection/").content.decode()
    response = client.post(
        "/selection/new/",
        {
            "title": "PROКЛАСТЕРЫ 2027",
            "year": 2027,
            "opens_at": "2027-01-10T09:00",
            "closes_at": "2027-03-01T18:00",
            "criteria": "team; Команда проекта; 2; 0; 10\neffects; Эффекты; 1; 0; 10",
            "experts_per_application": 3,
            "eligible_kinds": ["regional"],
            "required_attachments": "Презентация проекта",
        },
    )
    call = Call.objects.get(title="PROКЛАСТЕРЫ 2027")
    assert response.status_code == 302 and response["Location"] == f"/selection/{call.pk}/"
    assert [(c.code, c.weight, c.scale_max) for c in call.criteria.all()] == [
        ("team", 2, 10),
        ("effects", 1, 10),
    ]
    assert call.required_attachments == ["Презентация проекта"] and call.status == Call.Status.DRAFT
    body = client.get(f"/selection/{call.pk}/").content.decode()
    assert "Команда проекта" in body and "Открыть приём заявок" in body
    client.post(f"/selection/{call.pk}/status/", {"action": "open"})
    call.refresh_from_db()
    assert call.status == Call.Status.OPEN


def test_bad_call_input_is_a_russian_error_and_nothing_is_saved(make_user: MakeUser) -> None:
    client = signed_in(make_user(ROLE.MINISTRY_FEDERAL), None)
    response = client.post(
        "/selection/new/",
        {
            "title": "Плохой отбор",
            "year": 2027,
            "opens_at": "2027-03-10T09:00",
            "closes_at": "2027-01-01T18:00",
            "criteria": "team; Команда; два; 0; 10",
            "experts_per_application": 3,
        },
    )
    assert response.status_code == 200
    assert "вес — число, шкала — целые числа" in response.content.decode()
    assert not Call.objects.filter(title="Плохой отбор").exists()


def test_call_page_assigns_experts_by_hand_and_evenly_and_shows_conflicts(
    call: Call, cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser
) -> None:
    alpha, beta = submitted(call, cluster_a), submitted(call, cluster_b)
    client = signed_in(make_user(ROLE.MINISTRY_FEDERAL), None)
    insider = make_user(ROLE.CLUSTER_STAFF, cluster_a, email="insider@example.test")
    outsider = make_user(email="outsider@example.test")
    for email in ("insider@example.test", "outsider@example.test"):
        client.post(f"/selection/{call.pk}/experts/", {"email": email})
    body = client.get(f"/selection/{call.pk}/").content.decode()
    assert "конфликт интересов" in body and "Распределить поровну" in body
    # By hand: the insider on its own cluster is refused with the reason.
    response = client.post(
        f"/selection/{call.pk}/assign/", {"application": alpha.pk, "expert": insider.pk}, follow=True
    )
    assert "Конфликт интересов" in response.content.decode()
    assert not alpha.assignments.exists()
    client.post(f"/selection/{call.pk}/assign/", {"application": beta.pk, "expert": insider.pk})
    assert list(beta.assignments.values_list("expert_id", flat=True)) == [insider.pk]
    response = client.post(f"/selection/{call.pk}/assign-evenly/", follow=True)
    assert "Распределено назначений: 2." in response.content.decode()
    assert set(alpha.assignments.values_list("expert_id", flat=True)) == {outsider.pk}
    assert set(beta.assignments.values_list("expert_id", flat=True)) == {insider.pk, outsider.pk}


def test_ranking_decision_and_protocol(
    call: Call, cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser
) -> None:
    alpha, beta = submitted(call, cluster_a), submitted(call, cluster_b)
    e1, e2 = make_user(email="e1@example.test"), make_user(email="e2@example.test")
    reviewed(alpha, e1, 6, 6), reviewed(alpha, e2, 7, 7)
    reviewed(beta, e1, 9, 9), reviewed(beta, e2, 2, 2)
    client = signed_in(make_user(ROLE.MINISTRY_FEDERAL), None)
    body = client.get(f"/selection/{call.pk}/ranking/").content.decode()
    assert body.index("Кластер Альфа (тест)") < body.index("Кластер Бета (тест)")  # 6.5 ahead of 5.5
    assert "6,50" in body and "5,50" in body
    assert "расхождение" in body  # beta: 9 and 2 differ by 7 points
    response = client.post(
        f"/selection/{call.pk}/ranking/{alpha.pk}/decision/",
        {"outcome": "winner", "protocol_ref": "№ 7"},
        follow=True,
    )
    assert "Решение по заявке «Кластер Альфа (тест)» записано." in response.content.decode()
    assert Decision.objects.get(application=alpha).outcome == Decision.Outcome.WINNER
    text = _pdf_text(client.get(f"/selection/{call.pk}/protocol.pdf").content)
    assert "Протокол экспертной комиссии" in text and "Кластер Альфа (тест)" in text and "Победитель" in text
    assert text.index("Кластер Альфа (тест)") < text.index("Кластер Бета (тест)")
    document = Document(io.BytesIO(client.get(f"/selection/{call.pk}/protocol.docx").content))
    cells = [[c.text for c in row.cells] for row in document.tables[0].rows]
    assert cells[1][:2] == ["1", "Кластер Альфа (тест)"] and cells[1][5] == "Победитель"
    assert client.get(f"/selection/{call.pk}/protocol.txt").status_code == 404


def test_ranking_query_count_does_not_grow(
    call: Call,
    cluster_a: Cluster,
    cluster_b: Cluster,
    make_user: MakeUser,
    django_assert_max_num_queries: object,
) -> None:
    alpha = submitted(call, cluster_a)
    reviewed(alpha, make_user(email="e1@example.test"), 5, 5)
    client = signed_in(make_user(ROLE.MINISTRY_FEDERAL), None)
    with django_assert_max_num_queries(14):  # type: ignore[operator]
        assert client.get(f"/selection/{call.pk}/ranking/").status_code == 200
    reviewed(submitted(call, cluster_b), make_user(email="e2@example.test"), 5, 5)
    with django_assert_max_num_queries(14):  # type: ignore[operator]
        assert client.get(f"/selection/{call.pk}/ranking/").status_code == 200


def test_regional_user_sees_only_its_regions_and_cannot_decide(
    call: Call, cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser
) -> None:
    alpha, beta = submitted(call, cluster_a), submitted(call, cluster_b)
    client = signed_in(make_user(ROLE.MINISTRY_REGIONAL, region_codes=["RU-NVS"]), None)
    body = client.get(f"/selection/{call.pk}/ranking/").content.decode()
    assert "Кластер Бета (тест)" in body and "Кластер Альфа (тест)" not in body
    assert client.get(f"/selection/{call.pk}/applications/{alpha.pk}/").status_code == 404
    assert client.get(f"/selection/{call.pk}/applications/{beta.pk}/").status_code == 200
    assert client.post(f"/selection/{call.pk}/assign-evenly/").status_code == 403
    assert client.post("/selection/new/", {"title": "x"}).status_code in (200, 403)
    assert not Call.objects.filter(title="x").exists()


def test_clarification_request_reaches_the_application(
    call: Call, cluster_a: Cluster, make_user: MakeUser
) -> None:
    alpha = submitted(call, cluster_a)
    client = signed_in(make_user(ROLE.MINISTRY_FEDERAL), None)
    response = client.post(
        f"/selection/{call.pk}/applications/{alpha.pk}/",
        {"request_text": "Уточните численность команды"},
        follow=True,
    )
    assert "Запрос уточнений отправлен кластеру." in response.content.decode()
    assert "Уточните численность команды" in response.content.decode()
    alpha.refresh_from_db()
    assert alpha.status == Application.Status.CLARIFICATION_REQUESTED


@pytest.mark.parametrize(
    "path",
    [
        "/selection/",
        "/selection/{pk}/",
        "/selection/{pk}/ranking/",
        "/selection/{pk}/protocol.pdf",
        "/selection/new/",
    ],
)
def test_who_may_not_see_the_ministry_pages(
    path: str, call: Call, cluster_a: Cluster, make_user: MakeUser
) -> None:
    url = path.format(pk=call.pk)
    anonymous = client_for(None).get(url)
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    assert signed_in(make_user(), None).get(url).status_code == 403  # no role (an expert is not the ministry)
    cluster_admin = make_user(ROLE.CLUSTER_ADMIN, cluster_a)
    assert signed_in(cluster_admin, None).get(url).status_code == 403  # a cluster's admin is not the ministry


def test_published_results_are_public_and_on_the_platform_home(
    call: Call, cluster_a: Cluster, make_user: MakeUser
) -> None:
    alpha = submitted(call, cluster_a)
    assert "PROКЛАСТЕРЫ 2026" in client_for(None).get("/").content.decode()  # the open call
    assert client_for(None).get(f"/selection/{call.pk}/results/").status_code == 404  # not published yet
    reviewed(alpha, make_user(email="e1@example.test"), 8, 8)
    reviewed(alpha, make_user(email="e2@example.test"), 9, 9)
    services.decision_record(application=alpha, outcome="winner", actor=SYSTEM)
    services.call_close(call=call, actor=SYSTEM)
    services.call_publish_results(call=call, actor=SYSTEM)
    home = client_for(None).get("/").content.decode()
    assert "Итоги отбора «PROКЛАСТЕРЫ 2026»" in home
    body = client_for(None).get(f"/selection/{call.pk}/results/").content.decode()
    assert "Кластер Альфа (тест)" in body and "Победитель" in body


def test_call_page_query_count_is_bounded(
    call: Call,
    cluster_a: Cluster,
    cluster_b: Cluster,
    make_user: MakeUser,
    django_assert_max_num_queries: object,
) -> None:
    submitted(call, cluster_a), submitted(call, cluster_b)
    for n in range(2):
        services.expert_grant(call=call, expert=make_user(email=f"x{n}@example.test"), actor=SYSTEM)
    client = signed_in(make_user(ROLE.MINISTRY_FEDERAL), None)
    with django_assert_max_num_queries(20):  # type: ignore[operator]
        body = client.get(f"/selection/{call.pk}/").content.decode()
    assert "Кластер Альфа (тест)" in body and "Кластер Бета (тест)" in body
