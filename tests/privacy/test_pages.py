"""The «Персональные данные» pages: admins manage, staff read, everyone else is refused."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from tenants.models import Cluster
from tenants.privacy import services
from tenants.privacy.models import ProcessingActivity, SubjectRequest
from tests.conftest import ROLE, MakeUser, client_for, signed_in

from .conftest import footprint, purpose, system

pytestmark = pytest.mark.django_db


def test_admin_sees_four_sections_with_empty_states_and_the_nav_link(
    cluster_a: Cluster, make_user: MakeUser
) -> None:
    admin = signed_in(make_user(ROLE.CLUSTER_ADMIN, cluster_a), cluster_a)
    page = admin.get("/privacy/")
    body = page.content.decode()
    assert page.status_code == 200
    for text in (
        "Согласия",
        "Реестр обработки",
        "Запросы субъектов",
        "Инциденты",
        "Согласий пока нет.",
        "Реестр пуст.",
        "Запросов нет.",
        "Инцидентов не было.",
        'href="/privacy/"',
    ):
        assert text in body, text


def test_outsiders_are_refused(cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser) -> None:
    assert client_for(cluster_a).get("/privacy/").status_code == 302
    member = signed_in(make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a), cluster_a)
    assert member.get("/privacy/").status_code == 403
    assert 'href="/privacy/"' not in member.get("/").content.decode()
    other_admin = signed_in(make_user(ROLE.CLUSTER_ADMIN, cluster_b), cluster_b)
    other_admin.defaults["HTTP_HOST"] = "alpha.localhost"
    assert other_admin.get("/privacy/").status_code in (302, 403)


def test_staff_reads_but_cannot_change(cluster_a: Cluster, make_user: MakeUser) -> None:
    with schema_context(cluster_a.schema_name):
        activity = services.activity_create(
            actor=system(cluster_a),
            name="Рассылка",
            data_categories="e-mail",
            purpose="Новости",
            legal_basis="consent",
            retention="До отзыва",
            access="Сотрудники",
        )
    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    assert "Рассылка" in staff.get("/privacy/").content.decode()
    assert staff.post(f"/privacy/register/{activity.pk}/delete/").status_code == 403
    with schema_context(cluster_a.schema_name):
        assert ProcessingActivity.objects.filter(pk=activity.pk).exists()


def test_admin_fills_the_register_and_deletes_with_confirmation(
    cluster_a: Cluster, make_user: MakeUser
) -> None:
    admin = signed_in(make_user(ROLE.CLUSTER_ADMIN, cluster_a), cluster_a)
    response = admin.post(
        "/privacy/register/new/",
        {
            "name": "Учёт",
            "data_categories": "ФИО",
            "purpose": "Собрания",
            "legal_basis": "law",
            "retention": "Постоянно",
            "access": "Админы",
        },
    )
    assert response.status_code == 302
    page = admin.get("/privacy/").content.decode()
    assert "Обязанность по закону" in page and "data-confirm=" in page
    with schema_context(cluster_a.schema_name):
        pk = ProcessingActivity.objects.get(name="Учёт").pk
    assert admin.post(f"/privacy/register/{pk}/delete/").status_code == 302
    assert "Реестр пуст." in admin.get("/privacy/").content.decode()


def test_admin_answers_a_request_and_downloads_the_copy(cluster_a: Cluster, make_user: MakeUser) -> None:
    person = make_user(ROLE.CLUSTER_STAFF, cluster_a)
    footprint(cluster_a, person, "Моя фирма")
    admin = signed_in(make_user(ROLE.CLUSTER_ADMIN, cluster_a), cluster_a)
    created = admin.post(
        "/privacy/requests/new/", {"kind": "copy", "user": person.pk, "received_on": "2025-12-30"}
    )
    assert created.status_code == 302
    with schema_context(cluster_a.schema_name):
        request = SubjectRequest.objects.get()
    assert request.deadline.isoformat() == "2026-01-23"
    detail = admin.get(f"/privacy/requests/{request.pk}/").content.decode()
    assert "23.01.2026" in detail and "data-confirm=" in detail
    assert admin.get(f"/privacy/requests/{request.pk}/copy.json").status_code == 404
    assert admin.post(f"/privacy/requests/{request.pk}/answer/export/").status_code == 302
    copy = admin.get(f"/privacy/requests/{request.pk}/copy.json")
    assert copy.status_code == 200 and person.email in copy.content.decode()
    assert admin.get(f"/privacy/requests/{request.pk}/copy.pdf")["Content-Type"] == "application/pdf"
    again = admin.post(f"/privacy/requests/{request.pk}/answer/export/", follow=True)
    assert "Запрос уже закрыт" in again.content.decode()


def test_withdraw_twice_shows_the_refusal(cluster_a: Cluster, make_user: MakeUser) -> None:
    person = make_user(ROLE.CLUSTER_STAFF, cluster_a)
    p = purpose(cluster_a)
    with schema_context(cluster_a.schema_name):
        consent = services.consent_give(actor=system(cluster_a), purpose=p, user_id=person.pk)
    admin = signed_in(make_user(ROLE.CLUSTER_ADMIN, cluster_a), cluster_a)
    assert "Рассылка новостей" in admin.get("/privacy/").content.decode()
    admin.post(f"/privacy/consents/{consent.pk}/withdraw/")
    again = admin.post(f"/privacy/consents/{consent.pk}/withdraw/", follow=True)
    assert "Согласие уже отозвано" in again.content.decode()


def test_incident_form_and_clock(cluster_a: Cluster, make_user: MakeUser) -> None:
    admin = signed_in(make_user(ROLE.CLUSTER_ADMIN, cluster_a), cluster_a)
    response = admin.post(
        "/privacy/incidents/new/", {"title": "Письмо не тому адресату", "detected_at": "2026-01-10T09:00"}
    )
    assert response.status_code == 302
    page = admin.get("/privacy/").content.decode()
    assert "Письмо не тому адресату" in page and "просрочено" in page
