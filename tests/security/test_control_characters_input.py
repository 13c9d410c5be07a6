"""Control characters (U+0000–U+001F but tab, LF, CR) are refused at input by core.text's one
validator: in the form bodies of hand-written page views (clusterhub.request_checks: the 400
status page naming the field, nothing saved) and in imported files (a line-numbered error,
nothing imported)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_tenants.utils import schema_context
from pytest_django import DjangoCaptureOnCommitCallbacks

from core.audit.services import Actor
from tenants.governance.models import AgendaItem, Meeting
from tenants.members.company_import import import_job_create
from tenants.members.models import Company, ImportJob
from tenants.models import Cluster
from tenants.roadmap import services as roadmap_services
from tenants.roadmap.models import Item, Roadmap, RoadmapImport
from tests.conftest import PASSWORD, ROLE, InCluster, MakeUser, client_for, signed_in
from tests.governance import factories as gf
from tests.members import factories as mf
from tests.roadmap.test_import import seed_bytes

pytestmark = pytest.mark.django_db


def _meeting(cluster: Cluster) -> Meeting:
    with schema_context(cluster.schema_name):
        return gf.meeting(cluster, gf.body(cluster), agenda=())


def _agenda(cluster: Cluster) -> list[str]:
    with schema_context(cluster.schema_name):
        return list(AgendaItem.objects.values_list("title", flat=True))


# --- page forms not built on form_page (governance: adding an agenda item) ------------------


def test_a_control_character_in_a_hand_written_form_is_a_400_page_and_nothing_is_saved(
    cluster_a: Cluster, make_user: MakeUser
) -> None:
    meeting = _meeting(cluster_a)
    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    url = f"/governance/meetings/{meeting.pk}/agenda/"
    multipart = staff.post(url, {"title": "О взносах\x01"})
    urlencoded = staff.post(
        url, urlencode({"title": "О\x00взносах"}), content_type="application/x-www-form-urlencoded"
    )
    in_name = staff.post(url, {"title": "О взносах", "ti\x02tle": "x"})
    for response in (multipart, urlencoded, in_name):
        assert response.status_code == 400
        page = response.content.decode()
        assert '<p class="code">400</p>' in page and "Недопустимые символы" in page
    assert "Недопустимые символы в поле «title»" in multipart.content.decode()
    assert "в поле «title»" in in_name.content.decode()  # the name shown without the character
    assert _agenda(cluster_a) == []


def test_put_and_patch_form_bodies_are_checked_too(cluster_a: Cluster, make_user: MakeUser) -> None:
    meeting = _meeting(cluster_a)
    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    url = f"/governance/meetings/{meeting.pk}/agenda/"
    body = urlencode({"title": "О\x1fвзносах"})
    for send in (staff.put, staff.patch):
        assert send(url, body, content_type="application/x-www-form-urlencoded").status_code == 400
    clean = staff.put(
        url, urlencode({"title": "О взносах"}), content_type="application/x-www-form-urlencoded"
    )
    assert clean.status_code == 405  # the view's own answer: the check let it through
    assert _agenda(cluster_a) == []


def test_normal_posts_work_with_the_csrf_token_tabs_newlines_and_uploaded_files(
    cluster_a: Cluster, make_user: MakeUser
) -> None:
    meeting = _meeting(cluster_a)
    user = make_user(ROLE.CLUSTER_STAFF, cluster_a)
    browser = Client(HTTP_HOST=f"{cluster_a.schema_name}.localhost", enforce_csrf_checks=True)
    login_page = browser.get("/login/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page)
    assert token is not None
    signed = browser.post(
        "/login/", {"email": user.email, "password": PASSWORD, "csrfmiddlewaretoken": token.group(1)}
    )
    assert signed.status_code == 302  # the password and the CSRF token pass the check
    page = browser.get(f"/governance/meetings/{meeting.pk}/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token is not None
    url = f"/governance/meetings/{meeting.pk}/agenda/"
    binary = SimpleUploadedFile("data.bin", b"\x00\x01\x02 binary \x1f")  # files are not text
    response = browser.post(
        url,
        {"title": "О взносах\tна 2025 год\r\nи далее", "csrfmiddlewaretoken": token.group(1), "file": binary},
    )
    assert response.status_code == 302
    assert _agenda(cluster_a) == ["О взносах\tна 2025 год\r\nи далее"]


def test_the_api_keeps_its_json_answer_and_the_anonymous_login_page_its_own(cluster_a: Cluster) -> None:
    client = client_for(cluster_a)
    response = client.post("/api/v1/auth/token/", {"email": "a\x01@example.test", "password": "x"})
    assert response.status_code == 400 and response["Content-Type"].startswith("application/json")
    login = client.post("/login/", {"email": "a\x01@example.test", "password": "x"})
    assert login.status_code == 400 and "«email»" in login.content.decode()


# --- file imports ---------------------------------------------------------------------------

HEADER = "Полное наименование;Краткое наименование;ИНН;ОГРН;КПП;Регион;Адрес;Сайт;Резидент ОЭЗ;ОКВЭД2"


def _company_row(n: int, *, short: str | None = None) -> str:
    return ";".join(
        [f"ООО «Компания {n}»", short or f"Компания {n}", mf.inn(100000 + n), mf.ogrn(n), "501001001"]
        + ["RU-MOS", f"г. Дубна, д. {n}", "", "да", "32.50"]
    )


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def test_a_members_csv_with_a_control_character_in_a_cell_imports_nothing(
    cluster_a: Cluster, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    rows = [HEADER, _company_row(1), _company_row(2, short="Компания\x012"), _company_row(3)]
    content = ("\n".join(rows) + "\n").encode("utf-8")
    with schema_context(cluster_a.schema_name):
        with django_capture_on_commit_callbacks(execute=True):
            job = import_job_create(actor=mf.system(cluster_a), file=SimpleUploadedFile("m.csv", content))
        job.refresh_from_db()
        assert job.status == ImportJob.Status.FAILED
        assert job.errors == [
            {
                "line": 3,
                "message": "Краткое наименование: "
                "Текст содержит управляющие (непечатаемые) символы; уберите их.",
            }
        ]
        assert not Company.objects.filter(short_name__startswith="Компания").exists()


def test_a_roadmap_table_with_a_control_character_in_a_cell_imports_nothing(
    cluster_a: Cluster, in_cluster: InCluster, make_user: MakeUser
) -> None:
    admin = make_user(ROLE.CLUSTER_ADMIN, cluster_a)
    lines = seed_bytes().decode("utf-8-sig").splitlines()
    number = next(n for n, line in enumerate(lines, start=1) if line.startswith("1.1"))
    lines[number - 1] = lines[number - 1].replace("\t", "\t\x07", 1)
    data = "\n".join(lines).encode("utf-8")
    with in_cluster(cluster_a):
        actor = Actor(user=admin, cluster=cluster_a)
        with pytest.raises(ValidationError) as refused:
            roadmap_services.roadmap_import_file(actor=actor, data=data, filename="plan.txt")
        assert refused.value.message_dict == {
            "file": [
                f"Строка {number}, столбец «Наименование мероприятия»: "
                "Текст содержит управляющие (непечатаемые) символы; уберите их."
            ]
        }
        assert RoadmapImport.objects.count() == 0
        assert Roadmap.objects.count() == 0 and Item.objects.count() == 0
