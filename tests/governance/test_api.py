"""/api/v1/bodies|officers|committees|meetings: reads for every cluster role, writes for managers,
nothing across clusters, bounded queries."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context
from pytest_django import DjangoAssertNumQueries, Settings

from core.audit.models import AuditEntry
from tenants.governance import services
from tenants.governance.models import Body, Committee, Meeting
from tenants.models import Cluster
from tenants.selectors import forget_cluster_hosts
from tests.conftest import ROLE, MakeUser, api_client, client_for, streamed, token_for

from . import factories as f

pytestmark = pytest.mark.django_db

JSON = "application/json"


def _api(make_user: MakeUser, cluster: Cluster, role: str = ROLE.CLUSTER_STAFF, **kwargs: Any) -> Client:
    return api_client(token_for(make_user(role, cluster, **kwargs), cluster), cluster)


def test_every_resource_refuses_anonymous_other_clusters_and_users_without_a_role(
    cluster_a: Cluster,
    cluster_b: Cluster,
    make_user: MakeUser,
) -> None:
    other_cluster = api_client(token_for(make_user(ROLE.CLUSTER_ADMIN, cluster_b), cluster_b), cluster_a)
    no_role = api_client(token_for(make_user(None), None), cluster_a)
    for url in ("/api/v1/bodies/", "/api/v1/officers/", "/api/v1/committees/", "/api/v1/meetings/"):
        anonymous = client_for(cluster_a).get(url)
        assert anonymous.status_code == 401, url
        assert other_cluster.get(url).status_code == 403, url
        assert other_cluster.get(url).json()["detail"] == "У вас нет прав на это действие в этом кластере."
        assert no_role.get(url).status_code == 403, url
        assert other_cluster.post(url, {}, content_type=JSON).status_code == 403, url


def test_objects_of_another_cluster_are_never_visible(
    cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser
) -> None:
    with schema_context(cluster_b.schema_name):
        beta_body = f.body(cluster_b, name="Совет Беты", kind=Body.Kind.COUNCIL)
        beta_meeting = f.meeting(cluster_b, beta_body)
        beta_committee = services.committee_create(actor=f.system(cluster_b), name="Комитет Беты")
    with schema_context(cluster_a.schema_name):
        Meeting.objects.all().delete()
    api = _api(make_user, cluster_a, ROLE.CLUSTER_ADMIN)
    assert api.get("/api/v1/meetings/").json()["count"] == 0
    assert "Комитет Беты" not in api.get("/api/v1/committees/").content.decode()
    assert api.get(f"/api/v1/meetings/{beta_meeting.pk}/").status_code == 404
    assert api.get(f"/api/v1/committees/{beta_committee.pk}/").status_code == 404
    assert api.get(f"/api/v1/bodies/{beta_body.pk}/").status_code == 404
    assert api.delete(f"/api/v1/meetings/{beta_meeting.pk}/").status_code == 404
    with schema_context(cluster_b.schema_name):
        assert Meeting.objects.filter(pk=beta_meeting.pk).exists()


def test_representatives_read_but_do_not_write(cluster_a: Cluster, make_user: MakeUser) -> None:
    with schema_context(cluster_a.schema_name):
        body = f.body(cluster_a)
        meeting = f.meeting(cluster_a, body)
        committee = services.committee_create(actor=f.system(cluster_a), name="Комитет по кадрам")
    member = _api(make_user, cluster_a, ROLE.MEMBER_REPRESENTATIVE)
    assert member.get(f"/api/v1/meetings/{meeting.pk}/").json()["number"] == "2"
    assert member.get(f"/api/v1/committees/{committee.pk}/").json()["name"] == "Комитет по кадрам"
    denied = [
        member.post("/api/v1/bodies/", {"kind": "council", "name": "Совет"}, content_type=JSON),
        member.post("/api/v1/meetings/", {"body": body.pk, "held_at": "2024-03-15T11:00"}, content_type=JSON),
        member.patch(f"/api/v1/meetings/{meeting.pk}/", {"place": "Москва"}, content_type=JSON),
        member.delete(f"/api/v1/meetings/{meeting.pk}/"),
        member.post(f"/api/v1/meetings/{meeting.pk}/attendance/", {"rows": []}, content_type=JSON),
        member.post(f"/api/v1/meetings/{meeting.pk}/decisions/", {"decisions": []}, content_type=JSON),
        member.post(f"/api/v1/committees/{committee.pk}/members/", {"person_name": "Я"}, content_type=JSON),
        member.post("/api/v1/committees/", {"name": "Свой комитет"}, content_type=JSON),
    ]
    assert [r.status_code for r in denied] == [403] * len(denied)


def _set_time_zone(cluster: Cluster, name: str) -> None:
    cluster.time_zone = name
    cluster.save()
    forget_cluster_hosts(cluster=cluster)


def test_bodies_and_officers_crud_with_current_officers_in_the_cluster_time_zone(
    cluster_a: Cluster,
    make_user: MakeUser,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    api = _api(make_user, cluster_a)
    created = api.post(
        "/api/v1/bodies/",
        {"kind": "council", "name": "Совет кластера", "quorum_rule": "fixed"},
        content_type=JSON,
    )
    assert created.status_code == 400
    assert created.json()["errors"]["quorum_fixed_count"] == [
        "Для кворума «не менее заданного числа» укажите число."
    ]
    body = api.post(
        "/api/v1/bodies/",
        {"kind": "council", "name": "Совет кластера", "quorum_rule": "fixed", "quorum_fixed_count": 5},
        content_type=JSON,
    ).json()
    assert body["quorum_rule_display"] == "Не менее заданного числа участников"
    patched = api.patch(f"/api/v1/bodies/{body['id']}/", {"name": "Совет МТК"}, content_type=JSON).json()
    assert patched["name"] == "Совет МТК" and patched["quorum_fixed_count"] == 5

    # 20:00 UTC on 1 March is 23:00 in Moscow and already 2 March in Vladivostok.
    _set_time_zone(cluster_a, "Asia/Vladivostok")
    for title, start in (("Председатель совета", "2024-03-02"), ("Исполнительный директор", "2023-01-01")):
        response = api.post(
            "/api/v1/officers/",
            {"title": title, "person_name": "Иванов И. И.", "body": body["id"], "term_start": start},
            content_type=JSON,
        )
        assert response.status_code == 201, response.content
    api.post(
        "/api/v1/officers/",
        {
            "title": "Бывший директор",
            "person_name": "Петров П. П.",
            "term_start": "2020-01-01",
            "term_end": "2022-12-31",
        },
        content_type=JSON,
    )
    monkeypatch.setattr(timezone, "now", lambda: dt.datetime(2024, 3, 1, 20, 0, tzinfo=dt.UTC))
    current = api.get("/api/v1/officers/?current=true").json()["results"]
    assert sorted(o["title"] for o in current) == ["Исполнительный директор", "Председатель совета"]
    assert all(o["is_current"] for o in current)
    _set_time_zone(cluster_a, "Europe/Moscow")
    current = api.get("/api/v1/officers/?current=true").json()["results"]
    assert [o["title"] for o in current] == ["Исполнительный директор"]
    assert api.get("/api/v1/officers/").json()["count"] == 3
    assert AuditEntry.objects.filter(cluster=cluster_a, action="officer.create").count() == 3


def test_meeting_flow_through_the_api(cluster_a: Cluster, make_user: MakeUser) -> None:
    with schema_context(cluster_a.schema_name):
        members = f.companies(5)
        body = f.body(cluster_a)
    api = _api(make_user, cluster_a)
    created = api.post(
        "/api/v1/meetings/",
        {
            "body": body.pk,
            "number": "3",
            "held_at": "2024-03-15T11:00",
            "place": "Дубна",
            "chair_name": "Иванов И. И.",
            "agenda": ["О приёме", "О взносах"],
        },
        content_type=JSON,
    )
    assert created.status_code == 201, created.content
    meeting = created.json()
    assert meeting["held_at"] == "2024-03-15T11:00:00+03:00"  # the cluster's time
    assert [a["title"] for a in meeting["agenda"]] == ["О приёме", "О взносах"]
    url = f"/api/v1/meetings/{meeting['id']}"
    assert meeting["protocol"] == {
        "docx": f"{url}/protocol/?format=docx",
        "pdf": f"{url}/protocol/?format=pdf",
    }

    rows = [
        {"company": c.pk, "present": i < 3, "representative_name": f"Лицо {i}"} for i, c in enumerate(members)
    ]
    attended = api.post(f"{url}/attendance/", {"rows": rows}, content_type=JSON)
    assert attended.status_code == 200, attended.content
    assert attended.json()["quorum"]["label"] == "Кворум есть: 3 из 5"
    assert [a["representative_name"] for a in attended.json()["attendance"] if not a["present"]] == ["", ""]

    too_many = api.post(
        f"{url}/decisions/",
        {
            "decisions": [
                {"text": "Первое", "votes_for": 2},
                {"text": "Второе", "votes_for": 3, "votes_against": 1},
            ]
        },
        content_type=JSON,
    )
    assert too_many.status_code == 400
    assert too_many.json()["errors"]["non_field_errors"] == [
        "Голосов (4) больше, чем присутствующих участников (3). Сначала отметьте присутствующих."
    ]
    agenda_id = meeting["agenda"][1]["id"]
    decided = api.post(
        f"{url}/decisions/",
        {
            "decisions": [
                {
                    "text": "Установить взносы",
                    "kind": "set_fees",
                    "votes_for": 2,
                    "votes_against": 1,
                    "agenda_item": agenda_id,
                },
                {"text": "Иное", "votes_for": 1, "votes_abstained": 2},
            ]
        },
        content_type=JSON,
    )
    assert decided.status_code == 201, decided.content
    body_json = decided.json()
    assert [(d["number"], d["adopted"]) for d in body_json["decisions"]] == [(1, True), (2, False)]
    assert body_json["status"] == "held"
    assert "более половины присутствующих" in body_json["adoption_rule"]

    refused = api.delete(url + "/")
    assert refused.status_code == 400
    assert refused.json()["errors"]["non_field_errors"] == [
        "Нельзя удалить заседание, по которому записаны решения."
    ]
    frozen = api.post(f"{url}/attendance/", {"rows": rows[:1]}, content_type=JSON)
    assert frozen.status_code == 400
    listing = api.get("/api/v1/meetings/?status=held&search=взнос").json()
    assert [m["id"] for m in listing["results"]] == [meeting["id"]]


def test_committee_documents_only_for_its_people_and_managers(
    cluster_a: Cluster, make_user: MakeUser, settings: Settings, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    with schema_context(cluster_a.schema_name):
        (company,) = f.companies(1)
        quality = services.committee_create(actor=f.system(cluster_a), name="Комитет по качеству")
        hr = services.committee_create(
            actor=f.system(cluster_a), name="Рабочая группа по кадрам", kind=Committee.Kind.WORKING_GROUP
        )
        services.committee_member_add(
            committee=quality, actor=f.system(cluster_a), person_name="Сидоров С. С.", company=company
        )
    staff = _api(make_user, cluster_a)
    upload = staff.post(
        f"/api/v1/committees/{quality.pk}/documents/",
        {"title": "Положение о комитете", "file": SimpleUploadedFile("положение.pdf", b"%PDF-1.4 x")},
    )
    assert upload.status_code == 201, upload.content
    document = upload.json()
    assert document["download_url"] == f"/api/v1/committees/{quality.pk}/documents/{document['id']}/"
    assert "/media/" not in upload.content.decode()

    insider = _api(make_user, cluster_a, ROLE.MEMBER_REPRESENTATIVE, company_id=company.pk)
    outsider = _api(make_user, cluster_a, ROLE.MEMBER_REPRESENTATIVE, company_id=company.pk + 100)
    seen = {c["name"]: c for c in insider.get("/api/v1/committees/").json()["results"]}
    assert seen["Комитет по качеству"]["documents_visible"] is True
    assert [d["title"] for d in seen["Комитет по качеству"]["documents"]] == ["Положение о комитете"]
    download = insider.get(document["download_url"])
    assert download.status_code == 200 and streamed(download) == b"%PDF-1.4 x"
    assert "filename*=utf-8''%D0%BF%D0%BE%D0%BB" in download["Content-Disposition"]

    hidden = {c["name"]: c for c in outsider.get("/api/v1/committees/").json()["results"]}
    assert hidden["Комитет по качеству"]["documents_visible"] is False
    assert hidden["Комитет по качеству"]["documents"] == []
    assert [p["person_name"] for p in hidden["Комитет по качеству"]["people"]] == ["Сидоров С. С."]
    assert outsider.get(document["download_url"]).status_code == 404
    assert outsider.delete(document["download_url"]).status_code == 403
    assert client_for(cluster_a).get(document["download_url"]).status_code == 401
    assert staff.get(f"/api/v1/committees/{hr.pk}/documents/{document['id']}/").status_code == 404

    bad = staff.post(
        f"/api/v1/committees/{quality.pk}/documents/", {"file": SimpleUploadedFile("a.exe", b"MZ")}
    )
    assert bad.status_code == 400 and "Такой тип файла не принимается" in bad.json()["errors"]["file"][0]
    assert staff.delete(document["download_url"]).status_code == 204
    assert staff.get(document["download_url"]).status_code == 404


def test_committee_members_through_the_api(cluster_a: Cluster, make_user: MakeUser) -> None:
    rep = make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a)
    with schema_context(cluster_a.schema_name):
        committee = services.committee_create(actor=f.system(cluster_a), name="Комитет по маркетингу")
    api = _api(make_user, cluster_a)
    seat = api.post(
        f"/api/v1/committees/{committee.pk}/members/", {"user": rep.pk, "role": "head"}, content_type=JSON
    )
    assert seat.status_code == 201 and seat.json()["person_name"] == rep.full_name
    missing = api.post(f"/api/v1/committees/{committee.pk}/members/", {"user": 999999}, content_type=JSON)
    assert missing.status_code == 400 and missing.json()["errors"]["user"] == [services.NO_SEAT_ACCOUNT]
    assert api.delete(f"/api/v1/committees/{committee.pk}/members/{seat.json()['id']}/").status_code == 204
    assert api.get(f"/api/v1/committees/{committee.pk}/").json()["people"] == []


def _fill(cluster: Cluster, rows: int) -> None:
    """`rows` meetings and committees; the first meeting has `rows` members present, agenda items
    and decisions."""
    with schema_context(cluster.schema_name):
        members = f.companies(rows, prefix=f"Орг{rows}")
        body = f.body(cluster, name=f"Собрание {rows}")
        for i in range(rows):
            agenda = tuple(f"Вопрос {n}" for n in range(rows if i == 0 else 1))
            meeting = f.meeting(cluster, body, number=str(i + 1), agenda=agenda)
            f.attend(cluster, meeting, present=members if i == 0 else members[:2])
            count = rows if i == 0 else 1
            f.decide(
                cluster,
                meeting,
                *[services.DecisionInput(text=f"Решение {n}", votes_for=2) for n in range(count)],
            )
            committee = services.committee_create(actor=f.system(cluster), name=f"Комитет {rows}-{i}")
            services.committee_member_add(
                committee=committee, actor=f.system(cluster), person_name="Лицо", company=members[0]
            )


def first_meeting_id(cluster: Cluster) -> int:
    with schema_context(cluster.schema_name):
        return Meeting.objects.order_by("id").values_list("id", flat=True)[0]


@pytest.mark.parametrize("rows", [3, 30])
def test_list_and_detail_queries_do_not_grow_with_rows(
    cluster_a: Cluster, make_user: MakeUser, django_assert_max_num_queries: DjangoAssertNumQueries, rows: int
) -> None:
    _fill(cluster_a, rows)
    api = _api(make_user, cluster_a)
    meeting_id = first_meeting_id(cluster_a)
    with django_assert_max_num_queries(8):
        assert api.get("/api/v1/meetings/?page_size=50").json()["count"] == rows
    with django_assert_max_num_queries(9):
        detail = api.get(f"/api/v1/meetings/{meeting_id}/").json()
    assert len(detail["decisions"]) == rows and detail["quorum"]["present"] == rows
    with django_assert_max_num_queries(7):
        assert api.get("/api/v1/committees/?page_size=50").json()["count"] == rows
