"""/api/v1/meetings/{id}/ballots|tally|close-voting/ and /api/v1/proxies/: who may call them,
what they answer, and two representatives of one company voting at the same moment."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from tenants.governance.models import Ballot, BallotChange, Decision, Proxy
from tenants.models import Cluster
from tests.conftest import ROLE, MakeUser, api_client, client_for, token_for

from .test_voting import absentee

JSON = "application/json"


def _api(make_user: MakeUser, cluster: Cluster, role: str = ROLE.CLUSTER_STAFF, **kwargs: Any) -> Client:
    return api_client(token_for(make_user(role, cluster, **kwargs), cluster), cluster)


def _votes(*pairs: tuple[Decision, str]) -> dict[str, Any]:
    return {"votes": [{"decision": d.pk, "choice": c} for d, c in pairs]}


@pytest.mark.django_db
def test_every_voting_endpoint_refuses_anonymous_other_clusters_and_users_without_a_role(
    cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser
) -> None:
    with schema_context(cluster_a.schema_name):
        meeting, voters, (d1, _) = absentee(cluster_a)
    other_cluster = api_client(token_for(make_user(ROLE.CLUSTER_ADMIN, cluster_b), cluster_b), cluster_a)
    no_role = api_client(token_for(make_user(None), None), cluster_a)
    base = f"/api/v1/meetings/{meeting.pk}"
    for method, url in [
        ("get", f"{base}/ballots/"),
        ("post", f"{base}/ballots/"),
        ("get", f"{base}/tally/"),
        ("post", f"{base}/close-voting/"),
        ("get", "/api/v1/proxies/"),
        ("post", "/api/v1/proxies/"),
    ]:
        assert getattr(client_for(cluster_a), method)(url).status_code == 401, url
        assert getattr(other_cluster, method)(url, {}, content_type=JSON).status_code == 403, url
        assert getattr(no_role, method)(url, {}, content_type=JSON).status_code == 403, url
    representative = _api(make_user, cluster_a, ROLE.MEMBER_REPRESENTATIVE, company_id=voters[0].pk)
    assert representative.get(f"{base}/tally/").status_code == 403
    assert representative.post(f"{base}/close-voting/").status_code == 403
    with schema_context(cluster_b.schema_name):  # the same ids on another cluster's host: not found
        beta_meeting, _, _ = absentee(cluster_b, members=1)
    beta_admin = _api(make_user, cluster_b, ROLE.CLUSTER_ADMIN)
    missing = meeting.pk + beta_meeting.pk + 1000
    assert beta_admin.get(f"/api/v1/meetings/{missing}/tally/").status_code == 404
    with schema_context(cluster_a.schema_name):
        assert not Ballot.objects.filter(meeting=meeting).exists()


@pytest.mark.django_db
def test_a_representative_casts_and_replaces_its_ballot_and_staff_watch_the_tally(
    cluster_a: Cluster, make_user: MakeUser
) -> None:
    with schema_context(cluster_a.schema_name):
        meeting, voters, (d1, d2) = absentee(cluster_a)
    base = f"/api/v1/meetings/{meeting.pk}"
    alice = _api(make_user, cluster_a, ROLE.MEMBER_REPRESENTATIVE, company_id=voters[0].pk)
    bob = _api(make_user, cluster_a, ROLE.MEMBER_REPRESENTATIVE, company_id=voters[1].pk)
    staff = _api(make_user, cluster_a)
    first = alice.post(f"{base}/ballots/", _votes((d1, "for"), (d2, "for")), content_type=JSON)
    assert first.status_code == 201, first.content
    again = alice.post(f"{base}/ballots/", _votes((d1, "against")), content_type=JSON)
    assert again.status_code == 200
    assert [v["choice"] for v in again.json()["votes"]] == ["against"]
    assert bob.post(f"{base}/ballots/", _votes((d1, "for")), content_type=JSON).status_code == 201
    mine = alice.get(f"{base}/ballots/").json()
    assert [b["company"] for b in mine] == [voters[0].pk]
    assert staff.get(f"{base}/ballots/").status_code == 403  # not before the close
    tally = staff.get(f"{base}/tally/").json()
    assert tally["status"] == "open"
    assert tally["quorum"] == {"voters": 5, "ballots": 2, "required": 3, "reached": False}
    assert [(d["for"], d["against"], d["abstain"]) for d in tally["decisions"]] == [(1, 1, 0), (0, 0, 0)]
    assert tally["decisions"][0]["rule"] == "simple_of_cast" and tally["decisions"][0]["text"] == "Решение 1"
    closed = staff.post(f"{base}/close-voting/")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert closed.json()["decisions"][0]["adopted"] is False  # no quorum
    assert len(staff.get(f"{base}/ballots/").json()) == 2
    refused = alice.post(f"{base}/ballots/", _votes((d1, "for")), content_type=JSON)
    assert refused.status_code == 400 and "Голосование завершено" in refused.content.decode()
    twice = staff.post(f"{base}/close-voting/")
    assert twice.status_code == 400 and "уже завершено" in twice.content.decode()


@pytest.mark.django_db
def test_bad_ballots_answer_in_russian_and_record_nothing(cluster_a: Cluster, make_user: MakeUser) -> None:
    with schema_context(cluster_a.schema_name):
        meeting, voters, (d1, _) = absentee(cluster_a)
        other, _, (foreign, _) = absentee(cluster_a, members=1)
    base = f"/api/v1/meetings/{meeting.pk}"
    alice = _api(make_user, cluster_a, ROLE.MEMBER_REPRESENTATIVE, company_id=voters[0].pk)
    cases = [
        ({"votes": [{"decision": foreign.pk, "choice": "for"}]}, 400, "не относится к этому собранию"),
        ({"votes": [{"decision": d1.pk, "choice": "yes"}]}, 400, "«for», «against» или «abstain»"),
        (
            {"votes": [{"decision": d1.pk, "choice": "for"}, {"decision": d1.pk, "choice": "against"}]},
            400,
            "голос указан дважды",
        ),
        ({"votes": [{"decision": d1.pk, "choice": "for"}], "company": voters[1].pk}, 403, "не представляете"),
        ({"votes": []}, 400, ""),
    ]
    for body, code, text in cases:
        answer = alice.post(f"{base}/ballots/", body, content_type=JSON)
        assert answer.status_code == code, answer.content
        assert text in answer.content.decode()
    with schema_context(cluster_a.schema_name):
        meeting.deadline = timezone.now() - dt.timedelta(minutes=1)
        meeting.save(update_fields=["deadline"])
    late = alice.post(f"{base}/ballots/", _votes((d1, "for")), content_type=JSON)
    assert late.status_code == 400 and "Приём бюллетеней закончился" in late.content.decode()
    with schema_context(cluster_a.schema_name):
        assert not Ballot.objects.filter(meeting__in=[meeting, other]).exists()


@pytest.mark.django_db
def test_proxies_over_the_api(cluster_a: Cluster, make_user: MakeUser) -> None:
    with schema_context(cluster_a.schema_name):
        meeting, voters, (d1, _) = absentee(cluster_a)
    holder = _api(make_user, cluster_a, ROLE.MEMBER_REPRESENTATIVE, company_id=voters[1].pk)
    stranger = _api(make_user, cluster_a, ROLE.MEMBER_REPRESENTATIVE, company_id=voters[3].pk)
    staff = _api(make_user, cluster_a)
    today = timezone.localdate().isoformat()
    upload = holder.post(
        "/api/v1/proxies/",
        {
            "grantor": voters[0].pk,
            "holder": voters[1].pk,
            "valid_from": today,
            "valid_until": today,
            "file": SimpleUploadedFile("доверенность.pdf", b"%PDF-1.4 proxy", content_type="application/pdf"),
        },
    )
    assert upload.status_code == 201, upload.content
    proxy_id = upload.json()["id"]
    assert upload.json()["status"] == "pending"
    cast = {"votes": [{"decision": d1.pk, "choice": "for"}], "company": voters[0].pk}
    unapproved = holder.post(f"/api/v1/meetings/{meeting.pk}/ballots/", cast, content_type=JSON)
    assert unapproved.status_code == 403 and "не подтверждена" in unapproved.content.decode()
    assert stranger.get(f"/api/v1/proxies/{proxy_id}/").status_code == 404
    assert stranger.get("/api/v1/proxies/").json()["count"] == 0
    assert holder.post(f"/api/v1/proxies/{proxy_id}/approve/").status_code == 403
    assert staff.post(f"/api/v1/proxies/{proxy_id}/approve/").json()["status"] == "approved"
    assert holder.get(f"/api/v1/proxies/{proxy_id}/file/").status_code == 200
    voted = holder.post(f"/api/v1/meetings/{meeting.pk}/ballots/", cast, content_type=JSON)
    assert voted.status_code == 201 and voted.json()["proxy"] == proxy_id
    rejected = staff.post(f"/api/v1/proxies/{proxy_id}/reject/", {"reason": "Нет подписи"}, content_type=JSON)
    assert rejected.status_code == 400 and "уже проверена" in rejected.content.decode()
    with schema_context(cluster_a.schema_name):
        assert Proxy.objects.get(pk=proxy_id).status == Proxy.Status.APPROVED


@pytest.mark.django_db(transaction=True)
def test_two_representatives_of_one_company_voting_at_the_same_moment(
    cluster_a: Cluster, make_user: MakeUser
) -> None:
    """Real concurrent requests (threads, each with its own database connection): one ballot,
    the last write wins, both casts in its history."""
    with schema_context(cluster_a.schema_name):
        meeting, voters, (d1, _) = absentee(cluster_a)
    clients = [
        _api(make_user, cluster_a, ROLE.MEMBER_REPRESENTATIVE, company_id=voters[0].pk) for _ in range(2)
    ]
    barrier = threading.Barrier(2)
    answers: dict[str, int] = {}

    def vote(client: Client, choice: str) -> None:
        try:
            barrier.wait()
            answers[choice] = client.post(
                f"/api/v1/meetings/{meeting.pk}/ballots/", _votes((d1, choice)), content_type=JSON
            ).status_code
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=vote, args=(c, choice))
        for c, choice in zip(clients, ["for", "against"], strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers.values()) == [200, 201]
    with schema_context(cluster_a.schema_name):
        ballot = Ballot.objects.get(meeting=meeting, company=voters[0])
        history = list(BallotChange.objects.filter(ballot=ballot).order_by("at", "id"))
        assert len(history) == 2
        assert {h.votes[str(d1.pk)] for h in history} == {"for", "against"}
        assert ballot.votes.get().choice == history[-1].votes[str(d1.pk)]  # the last write counts


@pytest.mark.django_db
def test_protocol_of_an_absentee_meeting_has_tallies_rules_and_the_ballot_register(
    cluster_a: Cluster, make_user: MakeUser, tmp_path: Path
) -> None:
    import io

    from docx import Document

    from .test_protocol import _pdf_text

    with schema_context(cluster_a.schema_name):
        meeting, voters, (d1, d2) = absentee(cluster_a)
    reps = [_api(make_user, cluster_a, ROLE.MEMBER_REPRESENTATIVE, company_id=c.pk) for c in voters[:3]]
    for api, choice in zip(reps, ["for", "for", "against"], strict=True):
        assert (
            api.post(
                f"/api/v1/meetings/{meeting.pk}/ballots/",
                _votes((d1, choice), (d2, "abstain")),
                content_type=JSON,
            ).status_code
            == 201
        )
    staff = _api(make_user, cluster_a)
    assert staff.post(f"/api/v1/meetings/{meeting.pk}/close-voting/").status_code == 200
    pdf = staff.get(f"/api/v1/meetings/{meeting.pk}/protocol/?format=pdf")
    text = _pdf_text(pdf.content, tmp_path)
    assert "Форма проведения: Заочное голосование" in text
    assert "Бюллетени представили участники кластера: 3 из 5" in text
    assert "Голосовали: За — 2, Против — 1, Воздержались — 0." in text
    assert "Требуемое большинство: «за» более половины поданных голосов" in text
    assert "Реестр бюллетеней" in text and "1 — за; 2 — воздержался" in text and "1 — против" in text
    assert "Подсчёт голосов провёл: Петрова А. С." in text
    docx = staff.get(f"/api/v1/meetings/{meeting.pk}/protocol/?format=docx")
    document = Document(io.BytesIO(docx.content))
    cells = [cell.text for row in document.tables[0].rows for cell in row.cells]
    assert str(voters[0]) in cells and "1 — за; 2 — воздержался" in cells
    mine = reps[0].get(f"/api/v1/meetings/{meeting.pk}/ballots/").json()[0]
    ballot = reps[0].get(f"/api/v1/meetings/{meeting.pk}/ballots/{mine['id']}/pdf/")
    assert ballot.status_code == 200 and ballot["Content-Type"] == "application/pdf"
    ballot_text = _pdf_text(ballot.content, tmp_path)
    assert "БЮЛЛЕТЕНЬ" in ballot_text and str(voters[0]) in ballot_text and "воздержался" in ballot_text
    assert reps[1].get(f"/api/v1/meetings/{meeting.pk}/ballots/{mine['id']}/pdf/").status_code == 404
