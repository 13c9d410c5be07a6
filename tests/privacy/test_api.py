"""API of the personal data area: who may read and write, other clusters, Russian errors."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from core.audit.models import AuditEntry
from tenants.models import Cluster
from tenants.privacy import services
from tenants.privacy.models import ProcessingActivity
from tests.conftest import ROLE, MakeUser, api_client, client_for, token_for

from .conftest import footprint, purpose, system

pytestmark = pytest.mark.django_db

ACTIVITY = {
    "name": "Учёт представителей",
    "data_categories": "ФИО, e-mail",
    "purpose": "Созыв собраний",
    "legal_basis": "contract",
    "retention": "5 лет",
    "access": "Администраторы",
}


def test_register_crud_by_admin_read_by_staff(cluster_a: Cluster, make_user: MakeUser) -> None:
    admin = api_client(token_for(make_user(ROLE.CLUSTER_ADMIN, cluster_a), cluster_a), cluster_a)
    staff = api_client(token_for(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a), cluster_a)
    created = admin.post("/api/v1/processing-register/", ACTIVITY, content_type="application/json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["legal_basis_display"] == "Договор с субъектом"
    assert staff.get("/api/v1/processing-register/").json()["results"][0]["name"] == "Учёт представителей"
    refused = staff.post("/api/v1/processing-register/", ACTIVITY, content_type="application/json")
    assert refused.status_code == 403
    changed = admin.patch(
        f"/api/v1/processing-register/{pk}/", {"retention": "3 года"}, content_type="application/json"
    )
    assert changed.json()["retention"] == "3 года"
    assert staff.delete(f"/api/v1/processing-register/{pk}/").status_code == 403
    assert admin.delete(f"/api/v1/processing-register/{pk}/").status_code == 204
    with schema_context(cluster_a.schema_name):
        assert not ProcessingActivity.objects.exists()
    assert AuditEntry.objects.filter(cluster=cluster_a, action="privacy.activity.delete").count() == 1


def test_outsiders_are_refused(cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser) -> None:
    with schema_context(cluster_a.schema_name):
        activity = services.activity_create(actor=system(cluster_a), **ACTIVITY)
    anonymous = client_for(cluster_a)
    no_role = make_user()
    no_role_client = api_client(token_for(no_role, None), cluster_a)
    member = api_client(token_for(make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a), cluster_a), cluster_a)
    other_admin_token = token_for(make_user(ROLE.CLUSTER_ADMIN, cluster_b), cluster_b)
    for path in ("/api/v1/processing-register/", "/api/v1/subject-requests/", "/api/v1/incidents/"):
        assert anonymous.get(path).status_code == 401
        assert member.get(path).status_code == 403
        assert no_role_client.get(path).status_code in (401, 403)
        assert api_client(other_admin_token, cluster_a).get(path).status_code in (401, 403)
    # beta's admin on beta's host never sees alpha's row: its id is not found there
    assert (
        api_client(other_admin_token, cluster_b)
        .get(f"/api/v1/processing-register/{activity.pk}/")
        .status_code
        == 404
    )


def test_a_person_gives_and_withdraws_their_own_consent(cluster_a: Cluster, make_user: MakeUser) -> None:
    p = purpose(cluster_a)
    rep = api_client(token_for(make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a), cluster_a), cluster_a)
    other = api_client(token_for(make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a), cluster_a), cluster_a)
    given = rep.post(
        "/api/v1/consents/",
        {"purpose": p.pk},
        content_type="application/json",
        HTTP_USER_AGENT="Тестовый браузер",
    )
    assert given.status_code == 201, given.content
    body = given.json()
    assert (body["text_version"], body["ip"], body["host"], body["user_agent"]) == (
        1,
        "127.0.0.1",
        "alpha.localhost",
        "Тестовый браузер",
    )
    assert other.get(f"/api/v1/consents/{body['id']}/").status_code == 404
    assert other.get("/api/v1/consents/").json()["count"] == 0
    assert other.post(f"/api/v1/consents/{body['id']}/withdraw/").status_code == 404
    first = rep.post(f"/api/v1/consents/{body['id']}/withdraw/")
    assert first.status_code == 200 and first.json()["withdrawn_at"]
    again = rep.post(f"/api/v1/consents/{body['id']}/withdraw/")
    assert again.status_code == 400
    assert "Согласие уже отозвано" in str(again.json()["errors"])
    assert rep.get(f"/api/v1/consents/{body['id']}/").json()["withdrawn_at"] == first.json()["withdrawn_at"]
    # recording someone else's consent is an admin's job
    someone = make_user(ROLE.CLUSTER_STAFF, cluster_a)
    assert (
        rep.post(
            "/api/v1/consents/", {"purpose": p.pk, "user": someone.pk}, content_type="application/json"
        ).status_code
        == 403
    )


def pdf_text(content: bytes, tmp_path: Path) -> str:
    path = tmp_path / "copy.pdf"
    path.write_bytes(content)
    result = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True)
    return " ".join(result.stdout.decode("utf-8").split())


def test_subject_request_copy_downloads_json_and_pdf(
    cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser, tmp_path: Path
) -> None:
    person = make_user(ROLE.CLUSTER_STAFF, cluster_a)
    stranger = make_user(ROLE.CLUSTER_STAFF, cluster_b)
    footprint(cluster_a, person, "Моя фирма")
    admin = api_client(token_for(make_user(ROLE.CLUSTER_ADMIN, cluster_a), cluster_a), cluster_a)
    refused = admin.post(
        "/api/v1/subject-requests/", {"kind": "copy", "user": stranger.pk}, content_type="application/json"
    )
    assert refused.status_code == 400 and "Такого человека нет" in str(refused.json()["errors"])
    created = admin.post(
        "/api/v1/subject-requests/",
        {"kind": "copy", "user": person.pk, "received_on": "2025-12-30"},
        content_type="application/json",
    )
    assert created.status_code == 201 and created.json()["deadline"] == "2026-01-23"
    pk = created.json()["id"]
    assert admin.get(f"/api/v1/subject-requests/{pk}/copy-json/").status_code == 404  # not answered yet
    answered = admin.post(f"/api/v1/subject-requests/{pk}/export/")
    assert answered.status_code == 200 and answered.json()["status"] == "exported"
    as_json = admin.get(f"/api/v1/subject-requests/{pk}/copy-json/")
    assert as_json.status_code == 200 and as_json.json()["Субъект"]["E-mail"] == person.email
    as_pdf = admin.get(f"/api/v1/subject-requests/{pk}/copy-pdf/")
    assert as_pdf["Content-Type"] == "application/pdf"
    text = pdf_text(as_pdf.content, tmp_path)
    assert person.full_name in text and "Согласия" in text and f"№ PD-{person.pk}" in text
    again = admin.post(f"/api/v1/subject-requests/{pk}/export/")
    assert again.status_code == 400 and "Запрос уже закрыт" in str(again.json()["errors"])
    staff = api_client(token_for(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a), cluster_a)
    assert staff.get(f"/api/v1/subject-requests/{pk}/").json()["deadline"] == "2026-01-23"
    assert (
        staff.post(
            f"/api/v1/subject-requests/{pk}/refuse/", {"reason": "x"}, content_type="application/json"
        ).status_code
        == 403
    )
    other_admin = api_client(token_for(make_user(ROLE.CLUSTER_ADMIN, cluster_b), cluster_b), cluster_b)
    assert other_admin.get(f"/api/v1/subject-requests/{pk}/copy-json/").status_code == 404


def test_subject_request_deletion_through_the_api(cluster_a: Cluster, make_user: MakeUser) -> None:
    person = make_user(ROLE.CLUSTER_STAFF, cluster_a)
    footprint(cluster_a, person, "Моя фирма")
    admin = api_client(token_for(make_user(ROLE.CLUSTER_ADMIN, cluster_a), cluster_a), cluster_a)
    pk = admin.post(
        "/api/v1/subject-requests/", {"kind": "deletion", "user": person.pk}, content_type="application/json"
    ).json()["id"]
    wrong = admin.post(f"/api/v1/subject-requests/{pk}/export/")
    assert wrong.status_code == 400 and "другого вида" in str(wrong.json()["errors"])
    done = admin.post(f"/api/v1/subject-requests/{pk}/delete-data/")
    assert done.status_code == 200 and done.json()["status"] == "deleted"
    assert any("Счёт № PD-" in line for line in done.json()["result"]["Сохранено"])
    assert any("Согласие" in line for line in done.json()["result"]["Удалено"])


def test_incidents_show_deadlines_and_overdue_states(cluster_a: Cluster, make_user: MakeUser) -> None:
    admin = api_client(token_for(make_user(ROLE.CLUSTER_ADMIN, cluster_a), cluster_a), cluster_a)
    detected = timezone.now() - dt.timedelta(hours=80)
    created = admin.post(
        "/api/v1/incidents/",
        {"title": "Утечка выгрузки", "detected_at": detected.isoformat(), "affected": 12},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["notify_state"], body["report_state"]) == ("overdue", "overdue")
    pk = body["id"]
    early = admin.post(f"/api/v1/incidents/{pk}/close/")
    assert early.status_code == 400 and "Закрыть можно после" in str(early.json()["errors"])
    assert admin.post(f"/api/v1/incidents/{pk}/notify/").json()["notify_state"] == "late"
    assert admin.post(f"/api/v1/incidents/{pk}/notify/").status_code == 400
    fresh = admin.post(
        "/api/v1/incidents/",
        {"title": "Свежий", "detected_at": timezone.now().isoformat()},
        content_type="application/json",
    ).json()
    assert (fresh["notify_state"], fresh["report_state"]) == ("pending", "pending")
    staff = api_client(token_for(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a), cluster_a)
    assert staff.get("/api/v1/incidents/").json()["count"] == 2
    assert staff.post(f"/api/v1/incidents/{pk}/report/").status_code == 403
