"""Governance services: invariants, all-or-nothing recording, audit rows, admission by decision."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, NoReturn

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_tenants.utils import schema_context
from pytest_django import Settings

from core.audit.models import AuditEntry
from core.audit.services import Actor
from tenants.governance import services
from tenants.governance.models import Attendance, Body, Decision, Meeting
from tenants.governance.selectors import meeting_quorum
from tenants.members.models import Company, MembershipEvent
from tenants.models import Cluster
from tests.conftest import ROLE, MakeUser

from . import factories as f

pytestmark = pytest.mark.django_db

Kind = Decision.Kind


def _audit(cluster: Cluster, action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(cluster=cluster, action=action).order_by("id"))


def test_body_needs_a_count_for_the_fixed_rule_and_writes_audit(cluster_a: Cluster) -> None:
    with schema_context(cluster_a.schema_name):
        with pytest.raises(ValidationError) as error:
            f.body(cluster_a, rule=Body.Quorum.FIXED)
        assert "Для кворума «не менее заданного числа» укажите число." in str(error.value)
        body = f.body(cluster_a, rule=Body.Quorum.FIXED, fixed=7)
        services.body_update(body=body, actor=f.system(cluster_a), quorum_rule=Body.Quorum.MAJORITY)
        body.refresh_from_db()
        assert (body.quorum_rule, body.quorum_fixed_count) == (Body.Quorum.MAJORITY, None)
    created, updated = _audit(cluster_a, "body.create"), _audit(cluster_a, "body.update")
    assert created[-1].object_repr == "Общее собрание участников"
    assert updated[-1].changes == {"quorum_rule": ["fixed", "majority"], "quorum_fixed_count": [7, None]}


def test_body_with_meetings_cannot_be_deleted(cluster_a: Cluster) -> None:
    with schema_context(cluster_a.schema_name):
        body = f.body(cluster_a)
        f.meeting(cluster_a, body)
        with pytest.raises(
            ValidationError, match="Нельзя удалить орган управления, у которого есть заседания."
        ):
            services.body_delete(body=body, actor=f.system(cluster_a))
        assert Body.objects.filter(pk=body.pk).exists()


def test_officer_term_must_be_ordered(cluster_a: Cluster) -> None:
    with schema_context(cluster_a.schema_name):
        with pytest.raises(ValidationError, match="Окончание полномочий раньше их начала."):
            services.officer_create(
                actor=f.system(cluster_a),
                title="Председатель совета",
                person_name="Иванов И. И.",
                term_start=dt.date(2024, 1, 1),
                term_end=dt.date(2023, 1, 1),
            )


def test_meeting_number_is_unique_per_body(cluster_a: Cluster) -> None:
    with schema_context(cluster_a.schema_name):
        body = f.body(cluster_a)
        f.meeting(cluster_a, body, number="2")
        with pytest.raises(ValidationError, match="уже есть заседание с таким номером"):
            f.meeting(cluster_a, body, number="2")
        council = f.body(cluster_a, kind=Body.Kind.COUNCIL, name="Совет")
        f.meeting(cluster_a, council, number="2")  # another body may reuse the number


def test_attendance_is_all_or_nothing_and_only_for_voters(cluster_a: Cluster) -> None:
    with schema_context(cluster_a.schema_name):
        members = f.companies(3)
        outsider = Company.objects.create(
            full_name="ООО «Соискатель»", short_name="Соискатель", status=Company.Status.APPLIED
        )
        meeting = f.meeting(cluster_a, f.body(cluster_a))
        rows = [services.AttendanceRow(company=c, present=True) for c in [*members, outsider]]
        with pytest.raises(ValidationError, match="«Соискатель» не была участником кластера с правом голоса"):
            services.meeting_record_attendance(meeting=meeting, actor=f.system(cluster_a), rows=rows)
        assert not Attendance.objects.filter(meeting=meeting).exists()
        twice = [services.AttendanceRow(company=members[0], present=True)] * 2
        with pytest.raises(ValidationError, match="указана дважды"):
            services.meeting_record_attendance(meeting=meeting, actor=f.system(cluster_a), rows=twice)
        f.attend(cluster_a, meeting, present=members[:2], absent=members[2:])
        assert Attendance.objects.filter(meeting=meeting, present=True).count() == 2
    entry = _audit(cluster_a, "meeting.attendance")[-1]
    assert entry.changes[members[0].short_name] == [
        None,
        f"присутствовал (Представитель {members[0].short_name})",
    ]
    assert entry.changes[members[2].short_name] == [None, "отсутствовал"]


def test_decisions_are_adopted_by_the_rule_and_mark_the_meeting_held(cluster_a: Cluster) -> None:
    with schema_context(cluster_a.schema_name):
        members = f.companies(25)
        meeting = f.meeting(cluster_a, f.body(cluster_a))
        f.attend(cluster_a, meeting, present=members[:14], absent=members[14:])
        first, second = f.decide(
            cluster_a,
            meeting,
            services.DecisionInput(
                text="Утвердить план работы на 2024 год.", votes_for=8, votes_against=4, votes_abstained=2
            ),
            services.DecisionInput(
                text="Перенести вопрос на следующее собрание.", votes_for=7, votes_against=7
            ),
        )
        assert (first.number, first.adopted) == (1, True)
        assert (second.number, second.adopted) == (2, False)  # 7 of 14 is not more than half
        meeting.refresh_from_db()
        assert meeting.status == Meeting.Status.HELD
    assert len(_audit(cluster_a, "decision.record")) == 2
    assert _audit(cluster_a, "meeting.update")[-1].changes == {
        "status": ["planned", "held"],
        "quorum_total": [None, 25],
        "quorum_present": [None, 14],
        "quorum_required": [None, 13],
    }


def test_a_held_meeting_keeps_its_quorum_when_the_rule_changes_later(cluster_a: Cluster) -> None:
    with schema_context(cluster_a.schema_name):
        members = f.companies(25)
        body = f.body(cluster_a)
        meeting = f.meeting(cluster_a, body)
        f.attend(cluster_a, meeting, present=members[:14])
        f.decide(cluster_a, meeting, services.DecisionInput(text="Решение.", votes_for=14))
        services.body_update(body=body, actor=f.system(cluster_a), quorum_rule=Body.Quorum.TWO_THIRDS)
        f.companies(10, prefix="Новый")
        meeting = Meeting.objects.select_related("body").get(pk=meeting.pk)
        assert meeting_quorum(meeting=meeting).label == "Кворум есть: 14 из 25"


def test_without_quorum_nothing_is_adopted(cluster_a: Cluster) -> None:
    with schema_context(cluster_a.schema_name):
        members = f.companies(25)
        meeting = f.meeting(cluster_a, f.body(cluster_a))
        f.attend(cluster_a, meeting, present=members[:12])
        (decision,) = f.decide(cluster_a, meeting, services.DecisionInput(text="Единогласно.", votes_for=12))
        assert decision.adopted is False


def test_recording_decisions_is_all_or_nothing(cluster_a: Cluster) -> None:
    with schema_context(cluster_a.schema_name):
        members = f.companies(5)
        meeting = f.meeting(cluster_a, f.body(cluster_a))
        f.attend(cluster_a, meeting, present=members[:4])
        with pytest.raises(
            ValidationError, match=r"Голосов \(5\) больше, чем присутствующих участников \(4\)"
        ):
            f.decide(
                cluster_a,
                meeting,
                services.DecisionInput(text="Первое решение.", votes_for=4),
                services.DecisionInput(text="Второе решение.", votes_for=3, votes_against=2),
            )
        assert not Decision.objects.filter(meeting=meeting).exists()
        meeting.refresh_from_db()
        assert meeting.status == Meeting.Status.PLANNED
    assert _audit(cluster_a, "decision.record") == []


def test_attendance_is_frozen_once_decisions_exist_and_such_meeting_cannot_be_deleted(
    cluster_a: Cluster,
) -> None:
    with schema_context(cluster_a.schema_name):
        members = f.companies(3)
        meeting = f.meeting(cluster_a, f.body(cluster_a))
        f.attend(cluster_a, meeting, present=members)
        f.decide(cluster_a, meeting, services.DecisionInput(text="Решение.", votes_for=3))
        with pytest.raises(ValidationError, match="список присутствующих изменить нельзя"):
            f.attend(cluster_a, meeting, present=members[:1])
        with pytest.raises(ValidationError, match="Нельзя удалить заседание, по которому записаны решения."):
            services.meeting_delete(meeting=meeting, actor=f.system(cluster_a))
        with pytest.raises(ValidationError, match="нельзя менять орган управления и дату заседания"):
            services.meeting_update(
                meeting=meeting, actor=f.system(cluster_a), held_at=f.PAST + dt.timedelta(days=1)
            )
        assert Meeting.objects.filter(pk=meeting.pk).exists()


def test_meeting_without_decisions_is_deleted_with_an_audit_row(cluster_a: Cluster) -> None:
    with schema_context(cluster_a.schema_name):
        meeting = f.meeting(cluster_a, f.body(cluster_a))
        pk = meeting.pk
        services.meeting_delete(meeting=meeting, actor=f.system(cluster_a))
        assert not Meeting.objects.filter(pk=pk).exists()
    assert _audit(cluster_a, "meeting.delete")[-1].object_id == str(pk)


def test_decisions_wait_for_the_meeting_and_not_for_a_cancelled_one(cluster_a: Cluster) -> None:
    with schema_context(cluster_a.schema_name):
        f.companies(3)
        body = f.body(cluster_a)
        future = f.meeting(cluster_a, body, held_at=timezone.now() + dt.timedelta(days=3), number="9")
        with pytest.raises(ValidationError, match="Заседание ещё не началось"):
            f.decide(cluster_a, future, services.DecisionInput(text="Рано.", votes_for=0))
        cancelled = f.meeting(cluster_a, body, number="8")
        services.meeting_update(meeting=cancelled, actor=f.system(cluster_a), status=Meeting.Status.CANCELLED)
        with pytest.raises(ValidationError, match="Заседание отменено"):
            f.decide(cluster_a, cancelled, services.DecisionInput(text="Поздно.", votes_for=0))


def test_admission_only_by_the_general_meeting_and_only_of_non_members(cluster_a: Cluster) -> None:
    with schema_context(cluster_a.schema_name):
        members = f.companies(3)
        council = f.meeting(cluster_a, f.body(cluster_a, kind=Body.Kind.COUNCIL, name="Совет"))
        f.attend(cluster_a, council, present=members)
        applicant = Company.objects.create(
            full_name="ООО «Новичок»", short_name="Новичок", status=Company.Status.APPLIED
        )
        with pytest.raises(ValidationError, match="Принимать в члены кластера может только общее собрание."):
            f.decide(
                cluster_a,
                council,
                services.DecisionInput(
                    kind=Kind.ADMIT_MEMBER, text="Принять.", subject_company=applicant, votes_for=3
                ),
            )
        general = f.meeting(cluster_a, f.body(cluster_a), number="3")
        f.attend(cluster_a, general, present=members)
        with pytest.raises(ValidationError, match="уже является участником кластера"):
            f.decide(
                cluster_a,
                general,
                services.DecisionInput(
                    kind=Kind.ADMIT_MEMBER, text="Принять.", subject_company=members[0], votes_for=3
                ),
            )
        with pytest.raises(ValidationError, match="В решении о приёме укажите организацию."):
            f.decide(
                cluster_a,
                general,
                services.DecisionInput(kind=Kind.ADMIT_MEMBER, text="Принять.", votes_for=3),
            )


def test_adopted_admission_admits_the_company_in_the_same_transaction(
    cluster_a: Cluster, make_user: MakeUser
) -> None:
    staff = make_user(ROLE.CLUSTER_STAFF, cluster_a)
    actor = Actor(user=staff, host="alpha.localhost", cluster=cluster_a)
    with schema_context(cluster_a.schema_name):
        members = f.companies(5)
        applicant = Company.objects.create(
            full_name="ООО «Новичок»", short_name="Новичок", status=Company.Status.APPLIED
        )
        refused = Company.objects.create(
            full_name="ООО «Отказ»", short_name="Отказ", status=Company.Status.APPLIED
        )
        meeting = f.meeting(cluster_a, f.body(cluster_a))
        f.attend(cluster_a, meeting, present=members[:4])
        admitted, rejected = services.meeting_record_decisions(
            meeting=meeting,
            actor=actor,
            decisions=[
                services.DecisionInput(
                    kind=Kind.ADMIT_MEMBER,
                    text="Принять ООО «Новичок» в члены кластера.",
                    subject_company=applicant,
                    votes_for=4,
                ),
                services.DecisionInput(
                    kind=Kind.ADMIT_MEMBER,
                    text="Принять ООО «Отказ» в члены кластера.",
                    subject_company=refused,
                    votes_for=2,
                    votes_against=2,
                ),
            ],
        )
        assert admitted.adopted and not rejected.adopted
        applicant.refresh_from_db()
        refused.refresh_from_db()
        assert applicant.status == Company.Status.ADMITTED
        assert refused.status == Company.Status.APPLIED
        event = MembershipEvent.objects.get(company=applicant, to_status=Company.Status.ADMITTED)
        assert event.decision_id == admitted.pk
        assert not MembershipEvent.objects.filter(company=refused, to_status=Company.Status.ADMITTED).exists()
    rows = AuditEntry.objects.filter(cluster=cluster_a, actor=staff)
    assert rows.filter(action="decision.record", object_id=str(admitted.pk)).exists()
    assert rows.filter(object_type="members.company", object_id=str(applicant.pk)).exists()


def test_failed_admission_rolls_back_the_whole_recording(
    cluster_a: Cluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tenants.members.services as members_services

    def refuse(**kwargs: Any) -> NoReturn:
        raise ValidationError("Приём невозможен.")

    monkeypatch.setattr(members_services, "member_admit", refuse)
    with schema_context(cluster_a.schema_name):
        members = f.companies(3)
        applicant = Company.objects.create(
            full_name="ООО «Новичок»", short_name="Новичок", status=Company.Status.APPLIED
        )
        meeting = f.meeting(cluster_a, f.body(cluster_a))
        f.attend(cluster_a, meeting, present=members)
        with pytest.raises(ValidationError, match="Приём невозможен."):
            f.decide(
                cluster_a,
                meeting,
                services.DecisionInput(text="Другое решение.", votes_for=3),
                services.DecisionInput(
                    kind=Kind.ADMIT_MEMBER, text="Принять.", subject_company=applicant, votes_for=3
                ),
            )
        assert not Decision.objects.filter(meeting=meeting).exists()
    assert _audit(cluster_a, "decision.record") == []


def test_committee_people_and_documents(
    cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser, settings: Settings, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    rep = make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a)
    stranger = make_user(ROLE.CLUSTER_STAFF, cluster_b)
    actor = f.system(cluster_a)
    with schema_context(cluster_a.schema_name):
        committee = services.committee_create(actor=actor, name="Комитет по качеству")
        seat = services.committee_member_add(committee=committee, actor=actor, user=rep, role="head")
        assert seat.person_name == rep.full_name
        with pytest.raises(ValidationError, match="уже входит в комитет"):
            services.committee_member_add(committee=committee, actor=actor, user=rep)
        with pytest.raises(ValidationError, match="Нет учётной записи с ролью в этом кластере"):
            services.committee_member_add(committee=committee, actor=actor, user=stranger)
        with pytest.raises(ValidationError, match="Укажите ФИО или учётную запись."):
            services.committee_member_add(committee=committee, actor=actor, person_name="  ")
        services.committee_member_add(committee=committee, actor=actor, person_name="Сидоров П. П.")
        document = services.committee_document_upload(
            committee=committee,
            actor=actor,
            title="План",
            file=SimpleUploadedFile("план работы.docx", b"PK-fake-docx"),
        )
        assert document.file.name is not None
        assert document.file.name.startswith(f"clusters/alpha/committees/{committee.pk}/")
        assert document.original_name == "план работы.docx"
        stored = tmp_path / document.file.name
        assert stored.read_bytes() == b"PK-fake-docx"
        with pytest.raises(ValidationError, match="Такой тип файла не принимается"):
            services.committee_document_upload(
                committee=committee, actor=actor, file=SimpleUploadedFile("x.html", b"<script>")
            )
        services.committee_document_delete(document=document, actor=actor)
    # the file goes once the deletion commits (the test transaction never commits: check the hook)
    assert [
        a
        for a in (
            "committee.create",
            "committee_member.create",
            "committee_document.create",
            "committee_document.delete",
        )
        if not _audit(cluster_a, a)
    ] == []
