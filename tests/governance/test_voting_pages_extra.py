"""Pages of issue 13 that close its UI gaps: a body's voting rules (notice period, who votes,
abstentions, a majority per kind of decision) and the materials of a meeting voting by ballots
(uploaded by staff before the notice, listed for every role and on the ballot, downloaded only
by the cluster's roles and only from this cluster's folder of this meeting).

Every page: anonymous → login, no role → 403, another cluster's admin → login on this host and
404 on its own, a member representative on the staff forms → 403; bad input → Russian errors and
nothing saved."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_tenants.utils import schema_context
from pytest_django import DjangoCaptureOnCommitCallbacks

from core.accounts.services import grant_revoke
from tenants.governance.models import Body, Decision, Majority, MajorityRule, Meeting, MeetingMaterial
from tenants.models import Cluster
from tests.conftest import ROLE, MakeUser, client_for, signed_in, streamed

from . import factories as f
from .test_voting_pages import absentee

pytestmark = pytest.mark.django_db


def rules_url(body_id: int) -> str:
    return f"/governance/bodies/{body_id}/voting-rules/"


def upload_url(meeting_id: int) -> str:
    return f"/governance/meetings/{meeting_id}/materials/"


def rules_input(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "notice_days": 21,
        "vote_weights": Body.VoteWeights.FEE_TIER,
        "abstentions_counted": "",
        **{f"majority_{kind}": Majority.SIMPLE_OF_CAST for kind in Decision.Kind.values},
        f"majority_{Decision.Kind.ADMIT_MEMBER}": Majority.TWO_THIRDS,
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


def material(meeting: Meeting, cluster: Cluster, *, name: str = "") -> MeetingMaterial:
    """A material stored directly (as the sweep does); `name` overrides the stored file's path."""
    with schema_context(cluster.schema_name):
        item = MeetingMaterial.objects.create(
            meeting=meeting,
            title="Финансовый отчёт",
            file=ContentFile(b"%PDF-1.4 report", name="report.pdf"),
            original_name="report.pdf",
            size=15,
        )
        if name:
            MeetingMaterial.objects.filter(pk=item.pk).update(file=name)
            item.refresh_from_db()
    return item


# --- the body's voting rules -------------------------------------------------------------------


def test_staff_set_the_voting_rules_of_a_body(cluster_a: Cluster, make_user: MakeUser) -> None:
    with schema_context(cluster_a.schema_name):
        body = f.body(cluster_a)
    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    listing = staff.get("/governance/bodies/").content.decode()
    assert rules_url(body.pk) in listing and "Правила голосования" in listing
    form = staff.get(rules_url(body.pk)).content.decode()
    assert 'name="notice_days"' in form and 'value="10"' in form
    assert "Приём в члены кластера" in form and "Единогласно" in form
    done = staff.post(rules_url(body.pk), rules_input(), follow=True).content.decode()
    assert "Правила голосования органа «Общее собрание участников» сохранены." in done
    with schema_context(cluster_a.schema_name):
        body.refresh_from_db()
        assert (body.notice_days, body.vote_weights, body.abstentions_counted) == (21, "fee_tier", False)
        rule = MajorityRule.objects.get(body=body, decision_kind=Decision.Kind.ADMIT_MEMBER)
        assert rule.rule == Majority.TWO_THIRDS
    again = staff.get(rules_url(body.pk)).content.decode()
    assert 'value="21"' in again and 'value="two_thirds" selected' in again


def test_bad_voting_rules_show_russian_errors_and_save_nothing(
    cluster_a: Cluster, make_user: MakeUser
) -> None:
    with schema_context(cluster_a.schema_name):
        body = f.body(cluster_a)
    admin = signed_in(make_user(ROLE.CLUSTER_ADMIN, cluster_a), cluster_a)
    for data, error in [
        (rules_input(notice_days=400), "Срок уведомления — от 0 до 365 дней."),
        (rules_input(notice_days="десять"), "Введите целое число."),
        (rules_input(notice_days=""), "Обязательное поле."),
        (rules_input(vote_weights="by_size"), "Выберите корректный вариант."),
        (rules_input(**{f"majority_{Decision.Kind.SET_FEES}": "most"}), "Выберите корректный вариант."),
    ]:
        response = admin.post(rules_url(body.pk), data)
        assert response.status_code == 200 and error in response.content.decode(), data
    with schema_context(cluster_a.schema_name):
        body.refresh_from_db()
        assert (body.notice_days, body.vote_weights, body.abstentions_counted) == (
            10,
            "one_per_company",
            True,
        )
        assert not MajorityRule.objects.filter(body=body).exists()


# --- meeting materials -------------------------------------------------------------------------


def test_staff_upload_materials_every_role_lists_and_downloads_them(
    cluster_a: Cluster,
    make_user: MakeUser,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    meeting, voters, _d, _a = absentee(cluster_a, publish=False)
    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    page = staff.get(f"/governance/meetings/{meeting.pk}/").content.decode()
    assert "Материалы к собранию" in page and f'action="{upload_url(meeting.pk)}"' in page
    assert "multipart/form-data" in page
    report = SimpleUploadedFile("report.pdf", b"%PDF-1.4 report", content_type="application/pdf")
    done = staff.post(upload_url(meeting.pk), {"title": "Финансовый отчёт", "file": report}, follow=True)
    assert "Материал «Финансовый отчёт» загружен." in done.content.decode()
    untitled = SimpleUploadedFile("plan.docx", b"PK plan", content_type="application/octet-stream")
    staff.post(upload_url(meeting.pk), {"file": untitled})
    with schema_context(cluster_a.schema_name):
        items = list(MeetingMaterial.objects.filter(meeting=meeting).order_by("id"))
        assert [m.title for m in items] == ["Финансовый отчёт", "plan.docx"]
        assert str(items[0].file.name).startswith(f"clusters/{cluster_a.schema_name}/meetings/{meeting.pk}/")
    download = f"/governance/meetings/{meeting.pk}/materials/{items[0].pk}/"
    rep_user = make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=voters[0].pk)
    rep = signed_in(rep_user, cluster_a)
    member_page = rep.get(f"/governance/meetings/{meeting.pk}/").content.decode()
    assert "Финансовый отчёт" in member_page and download in member_page
    assert (
        f'action="{upload_url(meeting.pk)}"' not in member_page
        and f"/{items[0].pk}/delete/" not in member_page
    )
    for client in (staff, rep):
        response = client.get(download)
        assert response.status_code == 200 and streamed(response) == b"%PDF-1.4 report"
        assert "attachment" in response["Content-Disposition"]
    # the notice goes out with the materials and their links; then the ballot lists them
    deadline = timezone.localtime(timezone.now() + dt.timedelta(days=15)).strftime("%Y-%m-%dT%H:%M")
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(f"/governance/meetings/{meeting.pk}/publish/", {"deadline": deadline})
    letters = [m for m in mail.outbox if m.to == [rep_user.email]]
    assert len(letters) == 1 and "Финансовый отчёт" in letters[0].body and download in letters[0].body
    ballot = rep.get(f"/governance/meetings/{meeting.pk}/ballot/").content.decode()
    assert "Материалы к собранию" in ballot and download in ballot
    after = staff.get(f"/governance/meetings/{meeting.pk}/").content.decode()
    assert download in after and f'action="{upload_url(meeting.pk)}"' not in after


def test_bad_uploads_show_russian_errors_and_save_nothing(cluster_a: Cluster, make_user: MakeUser) -> None:
    meeting, _voters, _d, _a = absentee(cluster_a, publish=False)
    admin = signed_in(make_user(ROLE.CLUSTER_ADMIN, cluster_a), cluster_a)
    for data, error in [
        ({"title": "Без файла"}, "Обязательное поле."),
        (
            {"file": SimpleUploadedFile("tool.exe", b"MZ", content_type="application/octet-stream")},
            "Такой тип файла не принимается.",
        ),
        (
            {"file": SimpleUploadedFile("empty.pdf", b"", content_type="application/pdf")},
            "Отправленный файл пуст.",
        ),
    ]:
        response = admin.post(upload_url(meeting.pk), data)
        assert response.status_code == 200 and error in response.content.decode(), data
    published, _v, _d2, _a2 = absentee(cluster_a)
    late = admin.post(
        upload_url(published.pk),
        {"file": SimpleUploadedFile("late.pdf", b"%PDF-1.4", content_type="application/pdf")},
    )
    assert late.status_code == 200 and "Уведомление о собрании уже разослано" in late.content.decode()
    with schema_context(cluster_a.schema_name):
        assert not MeetingMaterial.objects.exists()
        in_person = f.meeting(cluster_a, f.body(cluster_a, name="Совет"))
    assert admin.get(upload_url(in_person.pk)).status_code == 404


def test_staff_delete_a_material_before_the_notice(cluster_a: Cluster, make_user: MakeUser) -> None:
    meeting, _voters, _d, _a = absentee(cluster_a, publish=False)
    item = material(meeting, cluster_a)
    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    page = staff.get(f"/governance/meetings/{meeting.pk}/").content.decode()
    assert (
        f"/governance/meetings/{meeting.pk}/materials/{item.pk}/delete/" in page and "data-confirm=" in page
    )
    done = staff.post(f"/governance/meetings/{meeting.pk}/materials/{item.pk}/delete/", follow=True)
    assert "Материал «Финансовый отчёт» удалён." in done.content.decode()
    with schema_context(cluster_a.schema_name):
        assert not MeetingMaterial.objects.filter(pk=item.pk).exists()


def test_a_file_outside_this_clusters_meeting_folder_is_not_served(
    cluster_a: Cluster, make_user: MakeUser
) -> None:
    meeting, _voters, _d, _a = absentee(cluster_a, publish=False)
    other_meeting, _v, _d2, _a2 = absentee(cluster_a, publish=False)
    stored = material(meeting, cluster_a)
    path = str(stored.file.name)
    admin = signed_in(make_user(ROLE.CLUSTER_ADMIN, cluster_a), cluster_a)
    for name in [
        path.replace(f"clusters/{cluster_a.schema_name}/", "clusters/beta/"),
        path.replace(f"/meetings/{meeting.pk}/", f"/meetings/{other_meeting.pk}/"),
        "../../etc/passwd",
    ]:
        forged = material(meeting, cluster_a, name=name)
        assert admin.get(f"/governance/meetings/{meeting.pk}/materials/{forged.pk}/").status_code == 404, name
    # a material is reached only through its own meeting
    assert admin.get(f"/governance/meetings/{other_meeting.pk}/materials/{stored.pk}/").status_code == 404


# --- who may not -------------------------------------------------------------------------------


def new_pages(body_id: int, meeting_id: int, material_id: int) -> tuple[list[str], list[str]]:
    """(staff pages, pages of every role)."""
    staff = [
        rules_url(body_id),
        upload_url(meeting_id),
        f"/governance/meetings/{meeting_id}/materials/{material_id}/delete/",
    ]
    return staff, [f"/governance/meetings/{meeting_id}/materials/{material_id}/"]


def test_anonymous_no_role_and_another_cluster_are_refused(
    cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser
) -> None:
    meeting, voters, _d, _a = absentee(cluster_a, publish=False)
    item = material(meeting, cluster_a)
    staff_urls, reader_urls = new_pages(meeting.body_id, meeting.pk, item.pk)
    anonymous = client_for(cluster_a)
    for url in staff_urls + reader_urls:
        for response in (anonymous.get(url), anonymous.post(url)):
            assert response.status_code == 302 and response["Location"].startswith("/login/?next="), url
    user = make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=voters[0].pk)
    no_role = signed_in(user, cluster_a)
    grant_revoke(user=user, role=ROLE.MEMBER_REPRESENTATIVE, cluster=cluster_a)
    for url in staff_urls + reader_urls:
        assert no_role.get(url).status_code == 403, url
        assert no_role.post(url).status_code == 403, url
    beta_user = make_user(ROLE.CLUSTER_ADMIN, cluster_b)
    beta_admin = signed_in(beta_user, cluster_b)
    for url in staff_urls + reader_urls:
        replay = beta_admin.get(url, HTTP_HOST="alpha.localhost")
        assert replay.status_code == 302 and replay["Location"].startswith("/login/"), url
        posted = beta_admin.post(url, rules_input(notice_days=1), HTTP_HOST="alpha.localhost")
        assert posted.status_code == 302 and posted["Location"].startswith("/login/"), url
    beta_admin = signed_in(beta_user, cluster_b)
    for url in staff_urls + reader_urls:
        assert beta_admin.get(url).status_code in (404, 405), url
    assert beta_admin.post(rules_url(meeting.body_id), rules_input(notice_days=1)).status_code == 404
    with schema_context(cluster_a.schema_name):
        assert Body.objects.get(pk=meeting.body_id).notice_days == 10
        assert MeetingMaterial.objects.filter(pk=item.pk).exists()


def test_a_representative_may_not_use_the_staff_forms(cluster_a: Cluster, make_user: MakeUser) -> None:
    meeting, voters, _d, _a = absentee(cluster_a, publish=False)
    item = material(meeting, cluster_a)
    staff_urls, _readers = new_pages(meeting.body_id, meeting.pk, item.pk)
    rep = signed_in(make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=voters[0].pk), cluster_a)
    for url in staff_urls:
        assert rep.get(url).status_code == 403, url
    assert rep.post(rules_url(meeting.body_id), rules_input(notice_days=1)).status_code == 403
    sneaked = SimpleUploadedFile("mine.pdf", b"%PDF-1.4", content_type="application/pdf")
    assert rep.post(upload_url(meeting.pk), {"file": sneaked}).status_code == 403
    assert rep.post(f"/governance/meetings/{meeting.pk}/materials/{item.pk}/delete/").status_code == 403
    assert "Правила голосования" not in rep.get("/governance/bodies/").content.decode()
    with schema_context(cluster_a.schema_name):
        assert Body.objects.get(pk=meeting.body_id).notice_days == 10
        assert list(MeetingMaterial.objects.values_list("pk", flat=True)) == [item.pk]
