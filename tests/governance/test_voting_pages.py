"""Pages of voting by ballots: the staff meeting page (notice, live count, close, register, paper
ballot, proxies) and the member portal («Голосование», the ballot, its history, proxies).

Every page: anonymous → login, another cluster's session → login / its objects 404, no role → 403,
a representative of another company → 404 (never another company's ballot), members never see
the count."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_tenants.utils import schema_context
from pytest_django import DjangoAssertNumQueries

from core.accounts.services import grant_revoke
from tenants.governance import services
from tenants.governance.models import Ballot, BallotChange, Decision, Meeting, Proxy
from tenants.members.models import Company
from tenants.models import Cluster
from tests.conftest import ROLE, MakeUser, client_for, signed_in, streamed

from . import factories as f

pytestmark = pytest.mark.django_db

# the staff meeting page of a meeting voting by ballots, at any number of ballots
PAGE_QUERIES = 20


def pdf(name: str = "scan.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4 test", content_type="application/pdf")


def absentee(
    cluster: Cluster, *, members: int = 3, publish: bool = True, deadline_days: int = 15
) -> tuple[Meeting, list[Company], list[Decision], Company]:
    """An absentee general meeting of `members` voters with an admission and one other draft."""
    system = f.system(cluster)
    with schema_context(cluster.schema_name):
        voters = f.companies(members)
        applicant = Company.objects.create(
            full_name="ООО «Заявитель»", short_name="Заявитель", status=Company.Status.APPLIED
        )
        body = f.body(cluster)
        deadline = timezone.now() + dt.timedelta(days=deadline_days)
        meeting = services.meeting_create(
            actor=system,
            body=body,
            held_at=deadline,
            number="9",
            form=Meeting.Form.ABSENTEE,
            agenda=["О приёме", "О плане"],
        )
        services.decision_draft_add(
            meeting=meeting,
            actor=system,
            kind=Decision.Kind.ADMIT_MEMBER,
            text="Принять ООО «Заявитель» в члены кластера.",
            subject_company=applicant,
        )
        services.decision_draft_add(meeting=meeting, actor=system, text="Утвердить план работы.")
        if publish:
            services.meeting_publish(meeting=meeting, actor=system, deadline=deadline)
        meeting.refresh_from_db()
        decisions = list(meeting.decisions.order_by("number"))
    return meeting, voters, decisions, applicant


def votes(decisions: list[Decision], *choices: str) -> dict[str, Any]:
    return {f"decision_{d.pk}": c for d, c in zip(decisions, choices, strict=True)}


def staff_pages(meeting_id: int) -> list[str]:
    return [
        f"/governance/meetings/{meeting_id}/tally/",
        f"/governance/meetings/{meeting_id}/publish/",
        f"/governance/meetings/{meeting_id}/paper-ballot/",
        f"/governance/meetings/{meeting_id}/register/",
    ]


def member_pages(meeting_id: int) -> list[str]:
    return [
        "/governance/voting/",
        f"/governance/meetings/{meeting_id}/ballot/",
        "/governance/proxies/",
        "/governance/proxies/new/",
    ]


def test_anonymous_is_sent_to_login_and_another_clusters_session_counts_for_nothing(
    cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser
) -> None:
    meeting, _voters, _d, _a = absentee(cluster_a)
    urls = staff_pages(meeting.pk) + member_pages(meeting.pk)
    for url in urls:
        response = client_for(cluster_a).get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/?next="), url
    beta_user = make_user(ROLE.CLUSTER_ADMIN, cluster_b)
    beta_admin = signed_in(beta_user, cluster_b)
    for url in urls:
        replay = beta_admin.get(url, HTTP_HOST="alpha.localhost")
        assert replay.status_code == 302 and replay["Location"].startswith("/login/"), url
    closed = beta_admin.post(f"/governance/meetings/{meeting.pk}/close-voting/", HTTP_HOST="alpha.localhost")
    assert closed.status_code == 302
    # beta's own admin on beta's host: alpha's meeting does not exist there
    beta_admin = signed_in(beta_user, cluster_b)
    for url in staff_pages(meeting.pk) + [f"/governance/meetings/{meeting.pk}/"]:
        assert beta_admin.get(url).status_code == 404, url
    assert beta_admin.post(f"/governance/meetings/{meeting.pk}/close-voting/").status_code == 404
    with schema_context(cluster_a.schema_name):
        assert Meeting.objects.get(pk=meeting.pk).voting_closed_at is None


def test_a_user_without_a_role_here_is_refused(cluster_a: Cluster, make_user: MakeUser) -> None:
    meeting, voters, _d, _a = absentee(cluster_a)
    user = make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=voters[0].pk)
    client = signed_in(user, cluster_a)
    grant_revoke(user=user, role=ROLE.MEMBER_REPRESENTATIVE, cluster=cluster_a)
    for url in staff_pages(meeting.pk) + member_pages(meeting.pk):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/governance/meetings/{meeting.pk}/close-voting/").status_code == 403


def test_a_representative_sees_no_count_and_no_other_companys_ballot(
    cluster_a: Cluster, make_user: MakeUser
) -> None:
    meeting, voters, decisions, _a = absentee(cluster_a)
    mine, theirs = voters[0], voters[1]
    other = signed_in(make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=theirs.pk), cluster_a)
    other.post(
        f"/governance/meetings/{meeting.pk}/ballot/?company={theirs.pk}", votes(decisions, "for", "for")
    )
    with schema_context(cluster_a.schema_name):
        their_ballot = Ballot.objects.get(meeting=meeting, company=theirs)
    client = signed_in(make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=mine.pk), cluster_a)
    for url in staff_pages(meeting.pk):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/governance/meetings/{meeting.pk}/close-voting/").status_code == 403
    page = client.get(f"/governance/meetings/{meeting.pk}/").content.decode()
    assert "Подсчёт голосов" not in page and "Реестр бюллетеней" not in page
    # another company's ballot: the page, a vote through it, its PDF and scan — all 404
    assert client.get(f"/governance/meetings/{meeting.pk}/ballot/?company={theirs.pk}").status_code == 404
    forged = client.post(
        f"/governance/meetings/{meeting.pk}/ballot/?company={theirs.pk}",
        votes(decisions, "against", "against"),
    )
    assert forged.status_code == 404
    assert client.get(f"/governance/meetings/{meeting.pk}/ballots/{their_ballot.pk}/pdf/").status_code == 404
    assert client.get(f"/governance/meetings/{meeting.pk}/ballots/{their_ballot.pk}/scan/").status_code == 404
    with schema_context(cluster_a.schema_name):
        assert {v.choice for v in Ballot.objects.get(pk=their_ballot.pk).votes.all()} == {"for"}
    listing = client.get("/governance/voting/").content.decode()
    assert mine.short_name in listing and theirs.short_name not in listing


def test_member_votes_changes_the_vote_and_sees_the_history(cluster_a: Cluster, make_user: MakeUser) -> None:
    meeting, voters, decisions, _a = absentee(cluster_a)
    client = signed_in(make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=voters[0].pk), cluster_a)
    listing = client.get("/governance/voting/").content.decode()
    assert "Голосовать" in listing and "не подан" in listing
    url = f"/governance/meetings/{meeting.pk}/ballot/"
    form = client.get(url).content.decode()
    assert "Принять ООО «Заявитель» в члены кластера." in form and 'type="radio"' in form
    incomplete = client.post(url, {f"decision_{decisions[0].pk}": "for"})
    assert incomplete.status_code == 200
    assert "Выберите «за», «против» или «воздержался»." in incomplete.content.decode()
    with schema_context(cluster_a.schema_name):
        assert not Ballot.objects.filter(meeting=meeting).exists()
    first = client.post(url, votes(decisions, "for", "against"), follow=True)
    assert "Ваш голос учтён." in first.content.decode()
    second = client.post(url, votes(decisions, "abstain", "for"), follow=True).content.decode()
    assert (
        "История бюллетеня" in second and "1: за; 2: против" in second and "1: воздержался; 2: за" in second
    )
    with schema_context(cluster_a.schema_name):
        ballot = Ballot.objects.get(meeting=meeting, company=voters[0])
        assert {v.decision_id: v.choice for v in ballot.votes.all()} == {
            decisions[0].pk: "abstain",
            decisions[1].pk: "for",
        }
        assert BallotChange.objects.filter(ballot=ballot).count() == 2
    assert "Изменить голос" in client.get("/governance/voting/").content.decode()
    printed = client.get(f"/governance/meetings/{meeting.pk}/ballots/{ballot.pk}/pdf/")
    assert printed.status_code == 200 and printed.content.startswith(b"%PDF")


def test_staff_watch_the_count_close_voting_and_read_the_register(
    cluster_a: Cluster, make_user: MakeUser, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    meeting, voters, decisions, applicant = absentee(cluster_a)
    for company, choices in zip(voters[:2], [("for", "for"), ("for", "against")], strict=True):
        rep = signed_in(make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=company.pk), cluster_a)
        rep.post(f"/governance/meetings/{meeting.pk}/ballot/", votes(decisions, *choices))
    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    with django_assert_max_num_queries(30):
        tally = staff.get(f"/governance/meetings/{meeting.pk}/tally/").json()
    assert tally["status"] == "open"
    assert tally["quorum"] | {"label": ""} == {
        "voters": 3,
        "ballots": 2,
        "required": 2,
        "reached": True,
        "label": "",
    }
    assert [(d["for"], d["against"], d["abstain"], d["adopted"]) for d in tally["decisions"]] == [
        (2, 0, 0, True),
        (1, 1, 0, False),
    ]
    page = staff.get(f"/governance/meetings/{meeting.pk}/").content.decode()
    assert (
        "Подсчёт голосов" in page and 'data-tally-url="/governance/meetings/' in page and "tally.js" in page
    )
    assert "Реестр бюллетеней" in page and voters[0].short_name in page
    assert "Завершить голосование" in page and "data-confirm=" in page
    closed = staff.post(f"/governance/meetings/{meeting.pk}/close-voting/", follow=True).content.decode()
    assert "Голосование завершено, итоги подведены." in closed
    assert "Итоги голосования" in closed and "tally.js" not in closed and "1: За; 2: Против" in closed
    with schema_context(cluster_a.schema_name):
        applicant.refresh_from_db()
        assert applicant.status == Company.Status.ADMITTED
        assert [d.adopted for d in Decision.objects.filter(meeting=meeting).order_by("number")] == [
            True,
            False,
        ]
    again = staff.post(f"/governance/meetings/{meeting.pk}/close-voting/", follow=True).content.decode()
    assert "Голосование уже завершено" in again
    assert staff.get(f"/governance/meetings/{meeting.pk}/tally/").json()["status"] == "closed"


def test_publishing_asks_for_a_reason_when_the_notice_is_short(
    cluster_a: Cluster, make_user: MakeUser
) -> None:
    meeting, _voters, _d, _a = absentee(cluster_a, publish=False)
    staff = signed_in(make_user(ROLE.CLUSTER_ADMIN, cluster_a), cluster_a)
    page = staff.get(f"/governance/meetings/{meeting.pk}/").content.decode()
    assert "Разослать уведомление и открыть голосование" in page and "Добавить проект решения" in page
    url = f"/governance/meetings/{meeting.pk}/publish/"
    form = staff.get(url).content.decode()
    assert "data-confirm=" in form and "Утвердить план работы." in form
    soon = timezone.localtime(timezone.now() + dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    refused = staff.post(url, {"deadline": soon})
    assert refused.status_code == 200 and "Укажите основание сокращённого срока." in refused.content.decode()
    with schema_context(cluster_a.schema_name):
        assert Meeting.objects.get(pk=meeting.pk).published_at is None
    done = staff.post(url, {"deadline": soon, "late_notice_reason": "Срочный вопрос о приёме"}, follow=True)
    assert "голосование открыто" in done.content.decode()
    with schema_context(cluster_a.schema_name):
        published = Meeting.objects.get(pk=meeting.pk)
    assert published.published_at is not None and published.late_notice_reason == "Срочный вопрос о приёме"


def test_staff_enter_a_paper_ballot_with_its_scan(cluster_a: Cluster, make_user: MakeUser) -> None:
    meeting, voters, decisions, _a = absentee(cluster_a)
    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    url = f"/governance/meetings/{meeting.pk}/paper-ballot/"
    assert voters[2].short_name in staff.get(url).content.decode()
    missing = staff.post(
        url,
        {"company": voters[2].pk, "representative_name": "Сидоров С. С.", **votes(decisions, "for", "for")},
    )
    assert missing.status_code == 200
    with schema_context(cluster_a.schema_name):
        assert not Ballot.objects.filter(meeting=meeting).exists()
    done = staff.post(
        url,
        {
            "company": voters[2].pk,
            "representative_name": "Сидоров С. С.",
            "scan": pdf(),
            **votes(decisions, "for", "abstain"),
        },
        follow=True,
    ).content.decode()
    assert "Бумажный бюллетень внесён." in done and "бумажный" in done
    with schema_context(cluster_a.schema_name):
        ballot = Ballot.objects.get(meeting=meeting, company=voters[2])
    assert ballot.paper and ballot.scan and ballot.representative_name == "Сидоров С. С."
    scan = staff.get(f"/governance/meetings/{meeting.pk}/ballots/{ballot.pk}/scan/")
    assert scan.status_code == 200 and (streamed(scan) if scan.streaming else scan.content).startswith(
        b"%PDF"
    )


def test_a_proxy_uploaded_by_a_member_and_approved_by_staff_lets_it_vote_for_the_grantor(
    cluster_a: Cluster, make_user: MakeUser
) -> None:
    meeting, voters, decisions, _a = absentee(cluster_a)
    holder, grantor = voters[0], voters[1]
    member = signed_in(make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=holder.pk), cluster_a)
    ballot_url = f"/governance/meetings/{meeting.pk}/ballot/?company={grantor.pk}"
    assert member.get(ballot_url).status_code == 404
    today = timezone.localdate()
    uploaded = member.post(
        "/governance/proxies/new/",
        {
            "grantor": grantor.pk,
            "holder": holder.pk,
            "valid_from": today.isoformat(),
            "valid_until": (today + dt.timedelta(days=30)).isoformat(),
            "file": pdf("proxy.pdf"),
        },
        follow=True,
    )
    assert "передана на проверку" in uploaded.content.decode()
    with schema_context(cluster_a.schema_name):
        proxy = Proxy.objects.get(grantor=grantor, holder=holder)
    assert proxy.status == Proxy.Status.PENDING
    assert member.get(ballot_url).status_code == 404  # not approved yet
    assert member.post(f"/governance/proxies/{proxy.pk}/approve/").status_code == 403
    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    listing = staff.get("/governance/proxies/?status=pending").content.decode()
    assert grantor.short_name in listing and "Подтвердить" in listing
    staff.post(f"/governance/proxies/{proxy.pk}/approve/")
    page = member.get(ballot_url)
    assert page.status_code == 200 and grantor.short_name in page.content.decode()
    member.post(ballot_url, votes(decisions, "for", "for"))
    with schema_context(cluster_a.schema_name):
        ballot = Ballot.objects.get(meeting=meeting, company=grantor)
    assert ballot.proxy_id == proxy.pk
    # a representative of a third company sees neither the proxy nor its file
    third = signed_in(make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=voters[2].pk), cluster_a)
    assert grantor.short_name not in third.get("/governance/proxies/").content.decode()
    assert third.get(f"/governance/proxies/{proxy.pk}/file/").status_code == 404


def test_after_the_deadline_the_ballot_page_shows_the_ballot_without_a_form(
    cluster_a: Cluster, make_user: MakeUser
) -> None:
    meeting, voters, decisions, _a = absentee(cluster_a)
    client = signed_in(make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a, company_id=voters[0].pk), cluster_a)
    client.post(f"/governance/meetings/{meeting.pk}/ballot/", votes(decisions, "for", "for"))
    with schema_context(cluster_a.schema_name):
        Meeting.objects.filter(pk=meeting.pk).update(deadline=timezone.now() - dt.timedelta(minutes=1))
    page = client.get(f"/governance/meetings/{meeting.pk}/ballot/").content.decode()
    assert "Приём бюллетеней закрыт." in page and 'type="radio"' not in page
    late = client.post(f"/governance/meetings/{meeting.pk}/ballot/", votes(decisions, "against", "against"))
    assert late.status_code == 200
    with schema_context(cluster_a.schema_name):
        assert {v.choice for v in Ballot.objects.get(meeting=meeting, company=voters[0]).votes.all()} == {
            "for"
        }


def _register_rows(page: str) -> int:
    """Rows of the ballot register on the staff meeting page (each links to its ballot's PDF)."""
    return page.count('/pdf/">PDF</a>')


def test_the_register_is_paged_and_the_page_queries_do_not_grow_with_the_ballots(
    cluster_a: Cluster, make_user: MakeUser, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    from bench.governance import voting_fixture

    with schema_context(cluster_a.schema_name):
        small = voting_fixture(cluster=cluster_a, companies=20, decisions=3, prefix="Мало")
        big = voting_fixture(cluster=cluster_a, companies=60, decisions=3, prefix="Много")
        names = list(
            Ballot.objects.filter(meeting=big)
            .order_by("company__short_name", "company_id")
            .values_list("company__short_name", flat=True)
        )
    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    pages: dict[int, str] = {}
    queries: dict[int, int] = {}
    for meeting in (small, big):
        with django_assert_max_num_queries(PAGE_QUERIES) as captured:
            response = staff.get(f"/governance/meetings/{meeting.pk}/")
        assert response.status_code == 200
        pages[meeting.pk], queries[meeting.pk] = response.content.decode(), len(captured)
    print(f"\nstaff meeting page: {queries[small.pk]} queries at 20 ballots, {queries[big.pk]} at 60")
    assert queries[small.pk] == queries[big.pk]
    assert _register_rows(pages[small.pk]) == 20 and "Страница 1 из" not in pages[small.pk]
    first = pages[big.pk]
    assert _register_rows(first) == 50 and "Бюллетеней в реестре: 60" in first
    assert "Страница 1 из 2" in first and names[0] in first and names[-1] not in first
    assert f'href="/governance/meetings/{big.pk}/register/"' in first
    assert "Подсчёт голосов" in first  # the live count is still on the page
    second = staff.get(f"/governance/meetings/{big.pk}/?page=2").content.decode()
    assert _register_rows(second) == 10 and "Страница 2 из 2" in second
    assert names[-1] in second and names[0] not in second
    # once closed the register shows each ballot's votes: still a page at a time, same bound
    staff.post(f"/governance/meetings/{big.pk}/close-voting/")
    with django_assert_max_num_queries(PAGE_QUERIES):
        closed = staff.get(f"/governance/meetings/{big.pk}/").content.decode()
    assert _register_rows(closed) == 50 and closed.count("1: За; 2: Против; 3: Воздержался") > 0


def test_staff_download_the_whole_register_as_a_spreadsheet(cluster_a: Cluster, make_user: MakeUser) -> None:
    import io

    from openpyxl import load_workbook

    from bench.governance import voting_fixture

    with schema_context(cluster_a.schema_name):
        meeting = voting_fixture(cluster=cluster_a, companies=60, decisions=3, prefix="Реестр")
        first = Ballot.objects.filter(meeting=meeting).order_by("company__short_name", "company_id").first()
        assert first is not None
        first_name = str(first.company)
    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    response = staff.get(f"/governance/meetings/{meeting.pk}/register/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert "%D0%A0%D0%B5%D0%B5%D1%81%D1%82%D1%80" in response["Content-Disposition"]  # «Реестр…»
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=3)]
    assert rows[0] == ["№", "Участник", "Представитель", "Получен", "Голоса", "Доверенность", "Бумажный"]
    assert len(rows) == 61 and [r[0] for r in rows[1:]] == list(range(1, 61))
    assert rows[1][1] == first_name and rows[1][4] == "1 — за; 2 — против; 3 — воздержался"
    assert str(sheet["A1"].value).startswith("Реестр бюллетеней: ")
