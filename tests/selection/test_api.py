"""The selection API: every endpoint with its positive path and the other-cluster, no-role,
wrong-expert and anonymous refusals; the ranking's constant number of queries."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from core.selection import services
from core.selection.models import Application, Assignment, Call, Score
from tenants.models import Cluster
from tests.conftest import MakeUser, api_client, client_for, token_for

from .factories import ROLE, SYSTEM, expert, open_call, scored, submitted

pytestmark = pytest.mark.django_db


def as_user(user: Any, cluster: Cluster | None) -> Client:
    return api_client(token_for(user, cluster), cluster)


def test_calls_api_ministry_expert_and_refusals(cluster_a: Cluster, make_user: MakeUser) -> None:
    call = open_call()
    federal = as_user(make_user(ROLE.MINISTRY_FEDERAL), None)
    body = {
        "title": "PROКЛАСТЕРЫ 2027",
        "year": 2027,
        "opens_at": "2027-03-01T09:00:00+03:00",
        "closes_at": "2027-04-01T18:00:00+03:00",
        "experts_per_application": 3,
        "criteria": [{"code": "effect", "name": "Эффект", "weight": "1", "scale_min": 0, "scale_max": 10}],
    }
    created = federal.post("/api/v1/federal/calls/", body, content_type="application/json")
    assert created.status_code == 201, created.content
    assert created.json()["criteria"][0]["name"] == "Эффект"
    bad = federal.post(
        "/api/v1/federal/calls/",
        {**body, "closes_at": "2027-02-01T09:00:00+03:00"},
        content_type="application/json",
    )
    assert bad.status_code == 400 and "позже начала" in bad.content.decode()
    titles = [c["title"] for c in federal.get("/api/v1/federal/calls/").json()["results"]]
    assert titles == ["PROКЛАСТЕРЫ 2027", "PROКЛАСТЕРЫ 2026"]
    regional = as_user(make_user(ROLE.MINISTRY_REGIONAL, region_codes=["RU-MOS"]), None)
    assert regional.post("/api/v1/federal/calls/", body, content_type="application/json").status_code == 403
    assert Call.objects.count() == 2
    # an expert sees only its calls; a user with no role, an admin on its cluster host, anonymous: refused
    reviewer = expert(make_user, call)
    assert [c["id"] for c in as_user(reviewer, None).get("/api/v1/federal/calls/").json()["results"]] == [
        call.pk
    ]
    assert as_user(make_user(), None).get("/api/v1/federal/calls/").status_code == 403
    admin_a = make_user(ROLE.CLUSTER_ADMIN, cluster_a)
    assert as_user(admin_a, cluster_a).get("/api/v1/federal/calls/").status_code == 404
    assert client_for(None).get("/api/v1/federal/calls/").status_code == 401


def test_applications_and_ranking_are_scoped(
    cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser
) -> None:
    call = open_call(experts=1)
    a, b = submitted(call, cluster_a), submitted(call, cluster_b)
    services.application_create(
        call=open_call(title="Другой"), cluster=cluster_a, actor=SYSTEM
    )  # a draft elsewhere
    reviewer = expert(make_user, call)
    scored(services.assignment_create(application=a, expert=reviewer, actor=SYSTEM), 9, 9)
    scored(services.assignment_create(application=b, expert=reviewer, actor=SYSTEM), 5, 5)
    federal = as_user(make_user(ROLE.MINISTRY_FEDERAL), None)
    apps = federal.get(f"/api/v1/federal/calls/{call.pk}/applications/").json()["results"]
    assert sorted(x["cluster_name"] for x in apps) == sorted([cluster_a.name, cluster_b.name])
    ranking = federal.get(f"/api/v1/federal/calls/{call.pk}/ranking/").json()
    assert [(r["cluster_name"], r["place"], r["score"]) for r in ranking["rows"]] == [
        (cluster_a.name, 1, "9.00"),
        (cluster_b.name, 2, "5.00"),
    ]
    regional = as_user(make_user(ROLE.MINISTRY_REGIONAL, region_codes=["RU-NVS"]), None)
    assert [
        x["cluster_name"]
        for x in regional.get(f"/api/v1/federal/calls/{call.pk}/applications/").json()["results"]
    ] == [cluster_b.name]
    assert [
        r["cluster_name"] for r in regional.get(f"/api/v1/federal/calls/{call.pk}/ranking/").json()["rows"]
    ] == [cluster_b.name]
    for path in (
        f"/api/v1/federal/calls/{call.pk}/applications/",
        f"/api/v1/federal/calls/{call.pk}/ranking/",
    ):
        assert as_user(reviewer, None).get(path).status_code == 403, path  # experts: their reviews only
        assert as_user(make_user(), None).get(path).status_code == 403, path
        assert client_for(None).get(path).status_code == 401, path
        admin = make_user(ROLE.CLUSTER_ADMIN, cluster_a)
        assert as_user(admin, cluster_a).get(path).status_code == 404, path
    assert federal.get("/api/v1/federal/calls/999999/ranking/").status_code == 404


def test_ranking_queries_do_not_grow(
    cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser, django_assert_max_num_queries: Any
) -> None:
    from core.selection import selectors

    call = open_call(experts=3)
    experts = [expert(make_user, call) for _ in range(3)]
    criteria = list(call.criteria.all())

    def add(n: int) -> None:
        _bulk(call, experts, criteria, n)

    add(3)
    with django_assert_max_num_queries(4) as small:
        rows3 = selectors.call_ranking(call=call).rows
    add(27)
    with django_assert_max_num_queries(4) as large:
        rows30 = selectors.call_ranking(call=call).rows
    assert (len(rows3), len(rows30)) == (3, 30)
    assert len(small.captured_queries) == len(large.captured_queries)


def _bulk(call: Call, experts: list[Any], criteria: list[Any], n: int) -> None:
    """n ranked applications, each of its own (throw-away) cluster row, scored by every expert."""
    from django.db import connection

    from tenants.models import Cluster as ClusterModel

    base = ClusterModel.objects.count()
    for i in range(n):
        # a registry row only: the ranking reads the public schema, never the cluster's
        cluster = ClusterModel(
            schema_name=f"rank{base + i}", name=f"Кластер {base + i:03d}", region_codes=["RU-MOS"]
        )
        ClusterModel.objects.bulk_create([cluster])
        cluster = ClusterModel.objects.get(schema_name=f"rank{base + i}")
        application = Application.objects.create(
            call=call,
            cluster=cluster,
            version=1,
            snapshot={},
            status=Application.Status.RANKED,
            submitted_at=call.opens_at,
        )
        for j, user in enumerate(experts):
            assignment = Assignment.objects.create(
                application=application, expert=user, submitted_at=call.opens_at
            )
            Score.objects.bulk_create(
                [
                    Score(assignment=assignment, criterion=c, value=(i + j) % 10, submitted=True)
                    for c in criteria
                ]
            )
    assert connection.schema_name == "public"  # type: ignore[attr-defined]


def test_reviews_api_own_only_and_scores(cluster_a: Cluster, make_user: MakeUser) -> None:
    call = open_call(experts=2)
    application = submitted(call, cluster_a)
    first, second = expert(make_user, call), expert(make_user, call)
    mine = services.assignment_create(application=application, expert=first, actor=SYSTEM)
    theirs = services.assignment_create(application=application, expert=second, actor=SYSTEM)
    client = as_user(first, None)
    listed = client.get("/api/v1/federal/reviews/").json()["results"]
    assert [r["id"] for r in listed] == [mine.pk]
    detail = client.get(f"/api/v1/federal/reviews/{mine.pk}/").json()
    assert detail["snapshot"]["narrative"]["goals"] == "Выпуск тренажёров" and detail["others"] is None
    assert client.get(f"/api/v1/federal/reviews/{theirs.pk}/").status_code == 404  # the wrong expert
    criteria = {c.code: c.pk for c in call.criteria.all()}
    out_of_scale = client.post(
        f"/api/v1/federal/reviews/{mine.pk}/scores/",
        {"scores": [{"criterion": criteria["effect"], "value": "12", "comment": "x"}]},
        content_type="application/json",
    )
    assert out_of_scale.status_code == 400 and "от 0 до 10" in out_of_scale.content.decode()
    assert not Score.objects.exists()
    wrong = client.post(
        f"/api/v1/federal/reviews/{theirs.pk}/scores/",
        {"scores": [{"criterion": criteria["effect"], "value": "5", "comment": "x"}]},
        content_type="application/json",
    )
    assert wrong.status_code == 404 and not Score.objects.exists()
    ok = client.post(
        f"/api/v1/federal/reviews/{mine.pk}/scores/",
        {
            "scores": [
                {"criterion": criteria["effect"], "value": "8", "comment": "Хорошо"},
                {"criterion": criteria["team"], "value": "7", "comment": "Опытная"},
            ]
        },
        content_type="application/json",
    )
    assert ok.status_code == 200 and [s["value"] for s in ok.json()["scores"]] == ["8.00", "7.00"]
    submitted_review = client.post(f"/api/v1/federal/reviews/{mine.pk}/submit/")
    assert submitted_review.status_code == 200 and submitted_review.json()["others"] == []
    assert client.post(f"/api/v1/federal/reviews/{mine.pk}/submit/").status_code == 400
    # no role, a cluster admin on its host, anonymous
    assert as_user(make_user(), None).get("/api/v1/federal/reviews/").status_code == 403
    admin = make_user(ROLE.CLUSTER_ADMIN, cluster_a)
    assert as_user(admin, cluster_a).get("/api/v1/federal/reviews/").status_code == 404
    assert client_for(None).get("/api/v1/federal/reviews/").status_code == 401


def test_program_applications_api(cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser) -> None:
    call = open_call()
    admin = as_user(make_user(ROLE.CLUSTER_ADMIN, cluster_a), cluster_a)
    created = admin.post("/api/v1/program-applications/", {"call": call.pk}, content_type="application/json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    again = admin.post("/api/v1/program-applications/", {"call": call.pk}, content_type="application/json")
    assert again.status_code == 400 and "уже подаёт" in again.content.decode()
    bad = admin.patch(
        f"/api/v1/program-applications/{pk}/",
        {"expected_effects": [{"name": "Выручка", "target": "много"}]},
        content_type="application/json",
    )
    assert bad.status_code == 400 and "числом" in bad.content.decode()
    edited = admin.patch(
        f"/api/v1/program-applications/{pk}/",
        {
            "goals": "Тренажёры",
            "expected_effects": [{"name": "Рабочие места", "unit": "шт.", "target": "40", "year": 2027}],
        },
        content_type="application/json",
    )
    assert edited.status_code == 200 and edited.json()["goals"] == "Тренажёры"
    sent = admin.post(f"/api/v1/program-applications/{pk}/submit/")
    assert sent.status_code == 200 and sent.json()["version"] == 1
    assert sent.json()["snapshot"]["narrative"]["goals"] == "Тренажёры"
    late = admin.patch(
        f"/api/v1/program-applications/{pk}/", {"goals": "Иное"}, content_type="application/json"
    )
    assert late.status_code == 400 and "Заявка подана" in late.content.decode()
    # clarification: the ministry asks, the cluster answers, a version 2 appears
    application = Application.objects.get(pk=pk)
    clar = services.clarification_request(application=application, text="Приложите расчёт", actor=SYSTEM)
    answered = admin.post(
        f"/api/v1/program-applications/{pk}/answer/",
        {"clarification": clar.pk, "answer": "Расчёт приложен"},
        content_type="application/json",
    )
    assert answered.status_code == 200, answered.content
    assert (
        answered.json()["version"] == 2
        and answered.json()["clarifications"][0]["answer"] == "Расчёт приложен"
    )
    # staff reads but may not write; another cluster's admin, no role, anonymous
    staff = as_user(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    assert staff.get(f"/api/v1/program-applications/{pk}/").status_code == 200
    assert staff.post(f"/api/v1/program-applications/{pk}/submit/").status_code == 403
    member = as_user(make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=1), cluster_a)
    assert member.get("/api/v1/program-applications/").status_code == 403
    other = as_user(make_user(ROLE.CLUSTER_ADMIN, cluster_b), cluster_b)
    assert other.get(f"/api/v1/program-applications/{pk}/").status_code == 404
    assert (
        other.patch(
            f"/api/v1/program-applications/{pk}/", {"goals": "x"}, content_type="application/json"
        ).status_code
        == 404
    )
    assert other.get("/api/v1/program-applications/").json()["results"] == []
    assert client_for(cluster_a).get("/api/v1/program-applications/").status_code == 401
    expert_user = expert(make_user, call)
    assert as_user(expert_user, None).get("/api/v1/program-applications/").status_code == 404
    assert Application.objects.get(pk=pk).goals == "Тренажёры"


def _pdf_text(content: bytes) -> str:
    import subprocess

    result = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", "-", "-"], input=content, capture_output=True, check=True
    )
    return " ".join(result.stdout.decode().split())


def test_protocol_and_application_documents(
    cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser
) -> None:
    import io

    from docx import Document

    from .factories import live_data

    live_data(cluster_a)
    call = open_call(experts=1)
    a, b = submitted(call, cluster_a, goals="Серийный выпуск тренажёров"), submitted(call, cluster_b)
    reviewer = expert(make_user, call)
    scored(services.assignment_create(application=a, expert=reviewer, actor=SYSTEM), 9, 8)
    scored(services.assignment_create(application=b, expert=reviewer, actor=SYSTEM), 4, 5)
    federal_user = make_user(ROLE.MINISTRY_FEDERAL)
    from core.audit.services import Actor

    services.decision_record(
        application=a, outcome="winner", protocol_ref="№ 7", actor=Actor(user=federal_user)
    )
    federal = as_user(federal_user, None)
    response = federal.get(f"/api/v1/federal/calls/{call.pk}/protocol/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = _pdf_text(response.content)
    assert "Рейтинг заявок" in text
    assert text.index(cluster_a.name) < text.index(cluster_b.name)
    assert "8.60" in text and "Победитель" in text and "4.40" in text
    docx_response = federal.get(f"/api/v1/federal/calls/{call.pk}/protocol/?type=docx")
    table = Document(io.BytesIO(docx_response.content)).tables[0]
    assert [row.cells[1].text for row in table.rows[1:]] == [cluster_a.name, cluster_b.name]
    assert (
        as_user(make_user(ROLE.MINISTRY_REGIONAL, region_codes=["RU-NVS"]), None)
        .get(f"/api/v1/federal/calls/{call.pk}/protocol/")
        .status_code
        == 200
    )
    assert as_user(reviewer, None).get(f"/api/v1/federal/calls/{call.pk}/protocol/").status_code == 403
    assert client_for(None).get(f"/api/v1/federal/calls/{call.pk}/protocol/").status_code == 401
    # the application, on the cluster's host
    admin = as_user(make_user(ROLE.CLUSTER_ADMIN, cluster_a), cluster_a)
    pdf = admin.get(f"/api/v1/program-applications/{a.pk}/document/")
    assert pdf.status_code == 200
    text = _pdf_text(pdf.content)
    assert "Всего участников: 2" in text and "Вуз или научная организация 1" in text
    assert "Реабилитационные" in text and "Альфа-Мед" in text  # the project row (the cell wraps)
    assert "Серийный выпуск тренажёров" in text and "Выручка" in text
    docx_app = admin.get(f"/api/v1/program-applications/{a.pk}/document/?type=docx")
    assert "Реабилитационные тренажёры" in [
        c.text for t in Document(io.BytesIO(docx_app.content)).tables for r in t.rows for c in r.cells
    ]
    other = as_user(make_user(ROLE.CLUSTER_ADMIN, cluster_b), cluster_b)
    assert other.get(f"/api/v1/program-applications/{a.pk}/document/").status_code == 404
    assert client_for(cluster_a).get(f"/api/v1/program-applications/{a.pk}/document/").status_code == 401
