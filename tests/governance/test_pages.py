"""Governance pages: access by role and cluster, lists with search/sort/pages, forms that save all or
nothing, confirmation before destructive actions, bounded queries."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_tenants.utils import schema_context
from pytest_django import DjangoAssertNumQueries, Settings

from core.audit.models import AuditEntry
from tenants.governance import services
from tenants.governance.models import Attendance, Body, Committee, Decision, Meeting
from tenants.members.models import Company
from tenants.models import Cluster
from tests.conftest import ROLE, MakeUser, client_for, signed_in, streamed

from . import factories as f
from .test_api import _fill, first_meeting_id

pytestmark = pytest.mark.django_db

READ_PAGES = [
    "/governance/meetings/",
    "/governance/committees/",
    "/governance/bodies/",
    "/governance/officers/",
]


def _setup(cluster: Cluster) -> tuple[Body, Meeting, Committee]:
    with schema_context(cluster.schema_name):
        body = f.body(cluster)
        meeting = f.meeting(cluster, body)
        committee = services.committee_create(actor=f.system(cluster), name="Комитет по качеству")
    return body, meeting, committee


def test_url_names() -> None:
    assert reverse("governance:meetings", urlconf="clusterhub.urls_tenant") == "/governance/meetings/"
    assert reverse("governance:committees", urlconf="clusterhub.urls_tenant") == "/governance/committees/"


def test_anonymous_goes_to_login_and_sessions_of_another_cluster_do_not_count(
    cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser
) -> None:
    body, meeting, committee = _setup(cluster_a)
    pages = [
        *READ_PAGES,
        f"/governance/meetings/{meeting.pk}/",
        f"/governance/committees/{committee.pk}/",
        "/governance/meetings/new/",
        f"/governance/meetings/{meeting.pk}/protocol/?format=pdf",
    ]
    for url in pages:
        response = client_for(cluster_a).get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/?next="), url
    beta_staff = signed_in(make_user(ROLE.CLUSTER_ADMIN, cluster_b), cluster_b)
    for url in pages:
        replay = beta_staff.get(url, HTTP_HOST="alpha.localhost")
        assert replay.status_code == 302 and replay["Location"].startswith("/login/"), url
    deleted = beta_staff.post(f"/governance/meetings/{meeting.pk}/delete/", HTTP_HOST="alpha.localhost")
    assert deleted.status_code == 302
    with schema_context(cluster_a.schema_name):
        assert Meeting.objects.filter(pk=meeting.pk).exists()


def test_a_user_without_a_role_here_is_refused(
    cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser
) -> None:
    _setup(cluster_a)
    # a representative of alpha who lost the role keeps a session but not the pages
    from core.accounts.services import grant_revoke

    user = make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a)
    client = signed_in(user, cluster_a)
    grant_revoke(user=user, role=ROLE.MEMBER_REPRESENTATIVE, cluster=cluster_a)
    for url in READ_PAGES:
        assert client.get(url).status_code == 403, url


def test_objects_of_another_cluster_are_404(
    cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser
) -> None:
    _body, beta_meeting, beta_committee = _setup(cluster_b)
    with schema_context(cluster_a.schema_name):
        Meeting.objects.all().delete()
        Committee.objects.all().delete()
    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    for url in (
        f"/governance/meetings/{beta_meeting.pk}/",
        f"/governance/committees/{beta_committee.pk}/",
        f"/governance/meetings/{beta_meeting.pk}/edit/",
        f"/governance/meetings/{beta_meeting.pk}/protocol/",
    ):
        assert staff.get(url).status_code == 404, url
    assert staff.post(f"/governance/meetings/{beta_meeting.pk}/delete/").status_code == 404
    with schema_context(cluster_b.schema_name):
        assert Meeting.objects.filter(pk=beta_meeting.pk).exists()


def test_representatives_read_and_managers_change(cluster_a: Cluster, make_user: MakeUser) -> None:
    body, meeting, committee = _setup(cluster_a)
    member = signed_in(make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a), cluster_a)
    for url in [
        *READ_PAGES,
        f"/governance/meetings/{meeting.pk}/",
        f"/governance/committees/{committee.pk}/",
    ]:
        assert member.get(url).status_code == 200, url
    page = member.get(f"/governance/meetings/{meeting.pk}/").content.decode()
    assert "Изменить" not in page and "Записать решение" not in page
    for url in (
        "/governance/meetings/new/",
        f"/governance/meetings/{meeting.pk}/edit/",
        f"/governance/meetings/{meeting.pk}/attendance/",
        f"/governance/meetings/{meeting.pk}/decisions/new/",
        "/governance/committees/new/",
        f"/governance/bodies/{body.pk}/edit/",
    ):
        assert member.get(url).status_code == 403, url
    assert member.post("/governance/bodies/", {"kind": "council", "name": "Совет"}).status_code == 403
    assert member.post(f"/governance/meetings/{meeting.pk}/delete/").status_code == 403
    with schema_context(cluster_a.schema_name):
        assert Meeting.objects.filter(pk=meeting.pk).exists()
        assert not Body.objects.filter(name="Совет").exists()


def test_meeting_list_searches_filters_sorts_and_pages(cluster_a: Cluster, make_user: MakeUser) -> None:
    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    assert "Заседаний пока нет." in staff.get("/governance/meetings/").content.decode()
    with schema_context(cluster_a.schema_name):
        general = f.body(cluster_a)
        council = f.body(cluster_a, kind=Body.Kind.COUNCIL, name="Совет кластера")
        for i in range(30):
            f.meeting(
                cluster_a,
                general,
                number=str(i + 1),
                agenda=(f"Вопрос {i + 1}",),
                held_at=f.PAST.replace(day=1).replace(month=1 + i % 12, year=2020 + i // 12),
            )
        f.meeting(cluster_a, council, number="1", agenda=("О взносах",))
    first = staff.get("/governance/meetings/").content.decode()
    assert "Страница 1 из 2" in first
    assert staff.get("/governance/meetings/?q=взнос").content.decode().count("Совет кластера</td>") == 1
    by_body = staff.get(f"/governance/meetings/?body={council.pk}").content.decode()
    assert by_body.count("<tr>") == 2  # header + one row
    oldest_first = staff.get("/governance/meetings/?sort=held_at").content.decode()
    assert re.search(r"01\.01\.2020 11:00", oldest_first)
    assert "01.01.2020" not in first


def test_staff_creates_a_meeting_records_attendance_and_an_admission(
    cluster_a: Cluster, make_user: MakeUser
) -> None:
    staff_user = make_user(ROLE.CLUSTER_STAFF, cluster_a)
    staff = signed_in(staff_user, cluster_a)
    with schema_context(cluster_a.schema_name):
        members = f.companies(4)
        applicant = Company.objects.create(
            full_name="ООО «Новичок»", short_name="Новичок", status=Company.Status.APPLIED
        )
        body = f.body(cluster_a)
    invalid = staff.post(
        "/governance/meetings/new/", {"body": body.pk, "held_at": "не дата", "status": "planned"}
    )
    assert invalid.status_code == 200 and "Введите правильную дату и время." in invalid.content.decode()
    created = staff.post(
        "/governance/meetings/new/",
        {
            "body": body.pk,
            "number": "5",
            "held_at": "2024-03-15T11:00",
            "status": "planned",
            "place": "Дубна",
            "chair_name": "Иванов И. И.",
            "agenda": "О приёме ООО «Новичок»\n\nО плане работы\n",
        },
    )
    assert created.status_code == 302
    with schema_context(cluster_a.schema_name):
        meeting = Meeting.objects.get(number="5")
        assert [a.title for a in meeting.agenda_items.all()] == ["О приёме ООО «Новичок»", "О плане работы"]
    url = f"/governance/meetings/{meeting.pk}/"
    sheet = staff.get(url + "attendance/").content.decode()
    assert all(c.short_name in sheet for c in members) and "Новичок" not in sheet
    form = {f"present_{c.pk}": "on" for c in members[:3]} | {f"rep_{c.pk}": f"Лицо {c.pk}" for c in members}
    assert staff.post(url + "attendance/", form).status_code == 302
    page = staff.get(url).content.decode()
    assert "Кворум есть: 3 из 4" in page and "11:00" in page

    too_many = staff.post(
        url + "decisions/new/",
        {"kind": "other", "text": "Иное", "votes_for": 4, "votes_against": 0, "votes_abstained": 0},
    )
    assert "Голосов (4) больше, чем присутствующих участников (3)" in too_many.content.decode()
    form_page = staff.get(url + "decisions/new/").content.decode()
    assert "более половины присутствующих" in form_page and "data-confirm=" in form_page
    admitted = staff.post(
        url + "decisions/new/",
        {
            "kind": "admit_member",
            "subject_company": applicant.pk,
            "text": "Принять ООО «Новичок» в члены кластера.",
            "votes_for": 3,
            "votes_against": 0,
            "votes_abstained": 0,
        },
    )
    assert admitted.status_code == 302
    page = staff.get(url).content.decode()
    assert "Решение принято" in page and "Проведено" in page
    with schema_context(cluster_a.schema_name):
        applicant.refresh_from_db()
        assert applicant.status == Company.Status.ADMITTED
        assert Decision.objects.get(meeting=meeting).membership_events.get().company_id == applicant.pk
    assert (
        AuditEntry.objects.filter(cluster=cluster_a, actor=staff_user, action="decision.record").count() == 1
    )

    refused = staff.post(url + "delete/", follow=True).content.decode()
    assert "Нельзя удалить заседание, по которому записаны решения." in refused
    with schema_context(cluster_a.schema_name):
        assert Meeting.objects.filter(pk=meeting.pk).exists()
        assert Attendance.objects.filter(meeting=meeting, present=True).count() == 3


def test_destructive_actions_ask_for_confirmation_and_use_post(
    cluster_a: Cluster, make_user: MakeUser
) -> None:
    body, meeting, committee = _setup(cluster_a)
    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    page = staff.get(f"/governance/meetings/{meeting.pk}/").content.decode()
    assert re.search(
        r'<form method="post" action="/governance/meetings/\d+/delete/"[^>]*data-confirm="', page
    )
    assert staff.get(f"/governance/meetings/{meeting.pk}/delete/").status_code == 405
    for url in ("/governance/bodies/", f"/governance/committees/{committee.pk}/"):
        assert "data-confirm=" in staff.get(url).content.decode(), url
    deleted = staff.post(f"/governance/meetings/{meeting.pk}/delete/", follow=True).content.decode()
    assert "Заседание удалено." in deleted


def test_committee_page_documents_for_its_people_only(
    cluster_a: Cluster, make_user: MakeUser, settings: Settings, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    with schema_context(cluster_a.schema_name):
        (company,) = f.companies(1)
        committee = services.committee_create(
            actor=f.system(cluster_a),
            name="Комитет по качеству",
            plan="1. Аудит систем менеджмента качества.",
        )
    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    url = f"/governance/committees/{committee.pk}/"
    added = staff.post(
        url + "members/", {"role": "head", "person_name": "Сидоров С. С.", "company": company.pk}
    )
    assert added.status_code == 302
    uploaded = staff.post(
        url + "documents/", {"title": "Положение", "file": SimpleUploadedFile("положение.pdf", b"%PDF-1.4 x")}
    )
    assert uploaded.status_code == 302
    rejected = staff.post(url + "documents/", {"file": SimpleUploadedFile("пусто.pdf", b"")})
    assert rejected.status_code == 200
    with schema_context(cluster_a.schema_name):
        document = committee.documents.get()
    listing = staff.get("/governance/committees/").content.decode()
    assert "Сидоров С. С." in listing and "Аудит" not in listing

    insider = signed_in(make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=company.pk), cluster_a)
    outsider = signed_in(
        make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=company.pk + 1), cluster_a
    )
    download = f"{url}documents/{document.pk}/"
    assert "Положение" in insider.get(url).content.decode()
    response = insider.get(download)
    assert response.status_code == 200 and streamed(response) == b"%PDF-1.4 x"
    outsider_page = outsider.get(url).content.decode()
    assert "Аудит систем менеджмента качества" in outsider_page and "Положение" not in outsider_page
    assert "Документы комитета доступны его участникам" in outsider_page
    assert outsider.get(download).status_code == 404
    assert client_for(cluster_a).get(download).status_code == 302
    assert "/media/" not in staff.get(url).content.decode()


def test_bodies_and_officers_pages(cluster_a: Cluster, make_user: MakeUser) -> None:
    staff = signed_in(make_user(ROLE.CLUSTER_ADMIN, cluster_a), cluster_a)
    bad = staff.post("/governance/bodies/", {"kind": "council", "name": "Совет", "quorum_rule": "fixed"})
    assert "Для кворума «не менее заданного числа» укажите число." in bad.content.decode()
    assert (
        staff.post(
            "/governance/bodies/", {"kind": "council", "name": "Совет", "quorum_rule": "two_thirds"}
        ).status_code
        == 302
    )
    with schema_context(cluster_a.schema_name):
        body = Body.objects.get(name="Совет")
    assert (
        staff.post(
            "/governance/officers/",
            {
                "title": "Председатель совета",
                "person_name": "Иванов И. И.",
                "body": body.pk,
                "term_start": "2020-01-01",
            },
        ).status_code
        == 302
    )
    staff.post(
        "/governance/officers/",
        {
            "title": "Прежний председатель",
            "person_name": "Петров П. П.",
            "term_start": "2015-01-01",
            "term_end": "2019-12-31",
        },
    )
    current = staff.get("/governance/officers/").content.decode()
    assert "Председатель совета" in current and "Прежний председатель" not in current
    assert "Прежний председатель" in staff.get("/governance/officers/?all=1").content.decode()
    assert "Не менее двух третей" in staff.get("/governance/bodies/").content.decode()


@pytest.mark.parametrize("rows", [3, 30])
def test_page_queries_do_not_grow_with_rows(
    cluster_a: Cluster, make_user: MakeUser, django_assert_max_num_queries: DjangoAssertNumQueries, rows: int
) -> None:
    _fill(cluster_a, rows)
    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    meeting_id = first_meeting_id(cluster_a)
    with django_assert_max_num_queries(7):
        assert staff.get("/governance/meetings/").status_code == 200
    with django_assert_max_num_queries(10):
        page = staff.get(f"/governance/meetings/{meeting_id}/").content.decode()
    assert f"Кворум есть: {rows} из {rows}" in page
    with django_assert_max_num_queries(7):
        assert staff.get("/governance/committees/").status_code == 200


def test_pages_follow_the_chosen_language(cluster_a: Cluster, make_user: MakeUser) -> None:
    with schema_context(cluster_a.schema_name):
        members = f.companies(3)
        meeting = f.meeting(cluster_a, f.body(cluster_a))
        f.attend(cluster_a, meeting, present=members[:2])
    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    staff.cookies["django_language"] = "en"
    page = staff.get(f"/governance/meetings/{meeting.pk}/").content.decode()
    assert "Quorum present: 2 of 3" in page and "<h2>Agenda</h2>" in page
    assert "A decision is adopted if there is a quorum" in page
    assert "<h1>Meetings</h1>" in staff.get("/governance/meetings/").content.decode()
