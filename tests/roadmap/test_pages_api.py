"""Roadmap pages and /api/v1/roadmaps/: who may read and write, the import flow through the UI
and the API, item updates, bounded queries."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.accounts.models import Grant, User
from core.audit.services import Actor
from tenants.models import Cluster
from tenants.roadmap import services
from tenants.roadmap.models import Item, Roadmap, RoadmapImport
from tests.conftest import InCluster, MakeUser, api_client, client_for, signed_in, streamed, token_for
from tests.ui.scan import internal_strings

from .test_import import SEED, approve_decision


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path)


def _html(response: Any) -> str:
    return response.content.decode()


def _seed_roadmap(cluster: Cluster, in_cluster: Any, user: User) -> tuple[int, int]:
    with in_cluster(cluster):
        roadmap = services.roadmap_import_file(
            actor=Actor(user=user, cluster=cluster), data=SEED.read_bytes(), filename="seed_001.txt"
        )
        return roadmap.pk, roadmap.items.get(number="2.3.").pk


def _pages(pk: int, item_id: int) -> list[str]:
    return [
        reverse("roadmap:list"),
        reverse("roadmap:detail", args=[pk]),
        reverse("roadmap:item", args=[pk, item_id]),
    ]


def _manager_pages(pk: int) -> list[str]:
    return [
        reverse("roadmap:import"),
        reverse("roadmap:create"),
        reverse("roadmap:edit", args=[pk]),
        reverse("roadmap:delete", args=[pk]),
    ]


def test_anonymous_other_cluster_and_no_role_are_refused(
    cluster_a: Cluster, cluster_b: Cluster, in_cluster: InCluster, make_user: MakeUser
) -> None:
    admin = make_user(Grant.Role.CLUSTER_ADMIN, cluster_a)
    pk, item_id = _seed_roadmap(cluster_a, in_cluster, admin)
    for url in _pages(pk, item_id) + _manager_pages(pk):
        response = client_for(cluster_a).get(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url
    beta_admin = make_user(Grant.Role.CLUSTER_ADMIN, cluster_b)
    beta = signed_in(beta_admin, cluster_b)
    beta.defaults["HTTP_HOST"] = "alpha.localhost"  # the beta session is anonymous on alpha's host
    assert beta.get(_pages(pk, item_id)[1]).status_code == 302
    # beta's admin on beta's host: alpha's roadmap id does not exist there
    own = signed_in(beta_admin, cluster_b)
    assert own.get(reverse("roadmap:detail", args=[pk])).status_code == 404
    assert own.get(reverse("roadmap:item", args=[pk, item_id])).status_code == 404
    nobody = make_user(None)
    nobody_client = client_for(cluster_a)
    nobody_client.post("/login/", {"email": nobody.email, "password": "correct horse battery staple"})
    for url in _pages(pk, item_id):
        assert nobody_client.get(url).status_code in (302, 403), url


def test_member_representative_reads_but_does_not_change(
    cluster_a: Cluster, in_cluster: InCluster, make_user: MakeUser
) -> None:
    admin = make_user(Grant.Role.CLUSTER_ADMIN, cluster_a)
    pk, item_id = _seed_roadmap(cluster_a, in_cluster, admin)
    member = signed_in(make_user(Grant.Role.MEMBER_REPRESENTATIVE, cluster_a), cluster_a)
    for url in _pages(pk, item_id):
        assert member.get(url).status_code == 200, url
    html = _html(member.get(reverse("roadmap:detail", args=[pk])))
    assert "Создать новую версию" not in html and "Утвердить" not in html
    for url in _manager_pages(pk):
        assert member.get(url).status_code == 403, url
    response = member.post(
        reverse("roadmap:item", args=[pk, item_id]),
        {"form": "progress", "status": "done", "actual_result": "Сделано"},
    )
    assert response.status_code == 403
    assert member.post(reverse("roadmap:new_version", args=[pk])).status_code == 403
    with in_cluster(cluster_a):
        assert Item.objects.get(pk=item_id).status == Item.Status.PLANNED


def test_import_through_the_pages_preview_then_confirm(
    cluster_a: Cluster, in_cluster: InCluster, make_user: MakeUser
) -> None:
    staff = signed_in(make_user(Grant.Role.CLUSTER_STAFF, cluster_a), cluster_a)
    response = staff.post(
        reverse("roadmap:import"),
        {"file": SimpleUploadedFile("seed_001.txt", SEED.read_bytes(), "text/plain")},
    )
    assert response.status_code == 302
    preview = staff.get(response["Location"])
    html = _html(preview)
    assert "разделов: 6, мероприятий: 24" in html
    assert "Шибанов А.Н» не найден среди пользователей кластера" in html
    assert "Организационные вопросы" in html
    with in_cluster(cluster_a):
        assert Roadmap.objects.count() == 0
    done = staff.post(response["Location"])
    assert done.status_code == 302
    with in_cluster(cluster_a):
        roadmap = Roadmap.objects.get()
    assert done["Location"] == reverse("roadmap:detail", args=[roadmap.pk])
    page = _html(staff.get(done["Location"]))
    assert "Импортировано: разделов 6, мероприятий 24." in page
    assert page.count('class="section-row"') == 6
    assert re.search(
        r'href="http://mtcmr.ru/uchastniki/rabochaya-gruppa-po-kachestvu"', page
    )  # links clickable
    again = staff.post(response["Location"])
    assert again.status_code == 302
    assert "Этот файл уже импортирован." in _html(staff.get(again["Location"]))
    with in_cluster(cluster_a):
        assert Roadmap.objects.count() == 1


def test_a_bad_file_shows_the_error_on_the_form_and_saves_nothing(
    cluster_a: Cluster, in_cluster: InCluster, make_user: MakeUser
) -> None:
    staff = signed_in(make_user(Grant.Role.CLUSTER_STAFF, cluster_a), cluster_a)
    response = staff.post(
        reverse("roadmap:import"), {"file": SimpleUploadedFile("junk.xlsx", b"\x00garbage" * 100)}
    )
    assert response.status_code == 400
    assert "Файл XLSX не читается" in _html(response)
    with in_cluster(cluster_a):
        assert RoadmapImport.objects.count() == 0


def test_marking_an_item_done_needs_a_result_and_keeps_history(
    cluster_a: Cluster, in_cluster: InCluster, make_user: MakeUser
) -> None:
    admin_user = make_user(Grant.Role.CLUSTER_ADMIN, cluster_a)
    pk, item_id = _seed_roadmap(cluster_a, in_cluster, admin_user)
    admin = signed_in(admin_user, cluster_a)
    url = reverse("roadmap:item", args=[pk, item_id])
    response = admin.post(url, {"form": "progress", "status": "done", "actual_result": ""})
    assert response.status_code == 400
    assert "опишите результат" in _html(response)
    response = admin.post(
        url,
        {
            "form": "progress",
            "status": "done",
            "actual_result": "Заявка подана, см. https://example.ru/zayavka",
        },
    )
    assert response.status_code == 302
    html = _html(admin.get(url))
    assert '<span class="badge status-done" id="item-status">Выполнено</span>' in html
    assert '<a href="https://example.ru/zayavka"' in html
    assert "<b>Статус</b>: Запланировано → Выполнено" in html  # the history in words
    assert not internal_strings(html)  # no `status`, `actual_result`, `planned → done`
    evidence = admin.post(
        url,
        {"form": "evidence", "title": "Заявка", "file": SimpleUploadedFile("заявка.pdf", b"%PDF-1.4 test")},
    )
    assert evidence.status_code == 302
    html = _html(admin.get(url))
    link = re.search(r'href="(/roadmap/\d+/items/\d+/evidence/\d+/)">Заявка', html)
    assert link
    assert streamed(admin.get(link.group(1))) == b"%PDF-1.4 test"


def test_approve_then_new_version_through_the_pages(
    cluster_a: Cluster, in_cluster: InCluster, make_user: MakeUser
) -> None:
    admin_user = make_user(Grant.Role.CLUSTER_ADMIN, cluster_a)
    pk, _ = _seed_roadmap(cluster_a, in_cluster, admin_user)
    with in_cluster(cluster_a):
        decision = approve_decision(number=7)
    admin = signed_in(admin_user, cluster_a)
    assert "Утвердить решением" in _html(admin.get(reverse("roadmap:detail", args=[pk])))
    assert admin.post(reverse("roadmap:approve", args=[pk]), {"decision": decision.pk}).status_code == 302
    html = _html(admin.get(reverse("roadmap:detail", args=[pk])))
    assert 'id="roadmap-status">Утверждена</span>' in html and "решение № 7" in html
    response = admin.post(reverse("roadmap:new_version", args=[pk]))
    with in_cluster(cluster_a):
        draft = Roadmap.objects.get(previous_id=pk)
    assert response["Location"] == reverse("roadmap:detail", args=[draft.pk])
    assert admin.get(reverse("roadmap:delete", args=[draft.pk])).status_code == 200
    assert admin.post(reverse("roadmap:delete", args=[draft.pk])).status_code == 302
    with in_cluster(cluster_a):
        assert not Roadmap.objects.filter(pk=draft.pk).exists()


def test_roadmap_page_runs_the_same_queries_for_24_and_240_items(
    cluster_a: Cluster, in_cluster: InCluster, make_user: MakeUser
) -> None:
    admin_user = make_user(Grant.Role.CLUSTER_ADMIN, cluster_a)
    small, _ = _seed_roadmap(cluster_a, in_cluster, admin_user)
    big_text = SEED.read_text(encoding="utf-8").split("\n")
    header_end = next(n for n, line in enumerate(big_text) if line.startswith("1\t2\t3"))
    rows = (
        big_text[: header_end + 1]
        + ["1.\tРаздел"]
        + [
            f"1.{n}.\tМероприятие {n}\tИванов И.И., Университет «Дубна»\tдекабрь 2018 г.\t–\tСделано"
            for n in range(1, 241)
        ]
    )
    with in_cluster(cluster_a):
        big = services.roadmap_import_file(
            actor=Actor(user=admin_user, cluster=cluster_a), data="\n".join(rows).encode(), filename="big.txt"
        ).pk
    admin = signed_in(admin_user, cluster_a)
    counts = []
    for pk in (small, big):
        with CaptureQueriesContext(connection) as queries:
            assert admin.get(reverse("roadmap:detail", args=[pk])).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 14, counts


# --- API -----------------------------------------------------------------------------------


def test_api_lists_items_and_updates_progress(
    cluster_a: Cluster, cluster_b: Cluster, in_cluster: InCluster, make_user: MakeUser
) -> None:
    admin_user = make_user(Grant.Role.CLUSTER_ADMIN, cluster_a)
    pk, item_id = _seed_roadmap(cluster_a, in_cluster, admin_user)
    api = api_client(token_for(admin_user, cluster_a), cluster_a)
    listing = api.get("/api/v1/roadmaps/").json()
    assert listing["count"] == 1 and listing["results"][0]["item_count"] == 24
    detail = api.get(f"/api/v1/roadmaps/{pk}/").json()
    assert [s["number"] for s in detail["sections"]] == ["1.", "2.", "3.", "4.", "5.", "6."]
    items = api.get(f"/api/v1/roadmaps/{pk}/items/?page_size=100").json()
    assert items["count"] == 24
    item = next(i for i in items["results"] if i["number"] == "2.2.")
    assert [e["name"] for e in item["executors"]][-1] == "Терехов В.В." and item[
        "deadline_end"
    ] == "2018-10-02"
    searched = api.get(f"/api/v1/roadmaps/{pk}/items/?search=Летняя").json()
    assert [i["number"] for i in searched["results"]] == ["3.4."]
    response = api.patch(
        f"/api/v1/roadmaps/{pk}/items/{item_id}/",
        {"status": "done", "actual_result": "Подана"},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["status"] == "done"
    bad = api.patch(
        f"/api/v1/roadmaps/{pk}/items/{item_id}/", {"status": "launched"}, content_type="application/json"
    )
    assert bad.status_code == 400 and "status" in bad.json()["errors"]
    # another cluster's admin: the id does not exist there
    other = api_client(token_for(make_user(Grant.Role.CLUSTER_ADMIN, cluster_b), cluster_b), cluster_b)
    assert other.get(f"/api/v1/roadmaps/{pk}/").status_code == 404
    assert other.get(f"/api/v1/roadmaps/{pk}/items/").status_code == 404
    assert (
        other.patch(
            f"/api/v1/roadmaps/{pk}/items/{item_id}/",
            {"status": "cancelled"},
            content_type="application/json",
        ).status_code
        == 404
    )
    # alpha's token on beta's host is refused
    assert api_client(token_for(admin_user, cluster_a), cluster_b).get("/api/v1/roadmaps/").status_code == 403
    assert client_for(cluster_a).get("/api/v1/roadmaps/").status_code in (401, 403)


def test_api_member_reads_but_cannot_write_or_import(
    cluster_a: Cluster, in_cluster: InCluster, make_user: MakeUser
) -> None:
    admin_user = make_user(Grant.Role.CLUSTER_ADMIN, cluster_a)
    pk, item_id = _seed_roadmap(cluster_a, in_cluster, admin_user)
    member = api_client(
        token_for(make_user(Grant.Role.MEMBER_REPRESENTATIVE, cluster_a), cluster_a), cluster_a
    )
    assert member.get(f"/api/v1/roadmaps/{pk}/items/").status_code == 200
    response = member.patch(
        f"/api/v1/roadmaps/{pk}/items/{item_id}/", {"status": "done"}, content_type="application/json"
    )
    assert response.status_code == 403 and response.json()["detail"].startswith("У вас нет прав")
    upload = member.post("/api/v1/roadmaps/import/", {"file": SimpleUploadedFile("s.txt", SEED.read_bytes())})
    assert upload.status_code == 403
    assert member.post(f"/api/v1/roadmaps/{pk}/new-version/").status_code == 403
    assert member.delete(f"/api/v1/roadmaps/{pk}/").status_code == 403


def test_api_import_upload_preview_confirm(
    cluster_a: Cluster, in_cluster: InCluster, make_user: MakeUser
) -> None:
    api = api_client(token_for(make_user(Grant.Role.CLUSTER_STAFF, cluster_a), cluster_a), cluster_a)
    bad = api.post("/api/v1/roadmaps/import/", {"file": SimpleUploadedFile("x.docx", b"not a docx")})
    assert bad.status_code == 400 and "Файл DOCX не читается" in bad.json()["errors"]["file"][0]
    response = api.post(
        "/api/v1/roadmaps/import/", {"file": SimpleUploadedFile("seed.txt", SEED.read_bytes())}
    )
    assert response.status_code == 201
    preview = response.json()
    assert preview["status"] == "preview" and preview["parsed"]["counts"]["items"] == 24
    with in_cluster(cluster_a):
        assert Roadmap.objects.count() == 0
    assert api.get(f"/api/v1/roadmaps/import/{preview['id']}/").json()["id"] == preview["id"]
    confirmed = api.post(f"/api/v1/roadmaps/import/{preview['id']}/confirm/")
    assert confirmed.status_code == 201 and confirmed.json()["item_count"] == 24
    twice = api.post(f"/api/v1/roadmaps/import/{preview['id']}/confirm/")
    assert twice.status_code == 400 and "уже импортирован" in str(twice.json())


def test_api_approve_and_versions(cluster_a: Cluster, in_cluster: InCluster, make_user: MakeUser) -> None:
    admin_user = make_user(Grant.Role.CLUSTER_ADMIN, cluster_a)
    pk, _ = _seed_roadmap(cluster_a, in_cluster, admin_user)
    api = api_client(token_for(admin_user, cluster_a), cluster_a)
    with in_cluster(cluster_a):
        decision = approve_decision(number=9).pk
    approved = api.post(
        f"/api/v1/roadmaps/{pk}/approve/", {"decision": decision}, content_type="application/json"
    )
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert approved.json()["approved_by"]["number"] == 9
    assert api.delete(f"/api/v1/roadmaps/{pk}/").status_code == 400
    version = api.post(f"/api/v1/roadmaps/{pk}/new-version/")
    assert (
        version.status_code == 201 and version.json()["version"] == 2 and version.json()["previous_id"] == pk
    )
