"""Voting by ballots (absentee and mixed meetings): rules, notice, ballots, proxies, close.

A meeting in absentee or mixed form gets decision drafts, is published (the notice e-mail goes
to every voting member's representatives after commit), collects one ballot per voting member
company until its deadline, and is closed by staff or by the beat task at the deadline: the
results freeze on the decisions and the meeting, and adopted decisions take effect exactly as
the decisions recorded after an in-person meeting do (an admission admits the company).

Who may do what: staff (and the system) manage the meeting, approve proxies and enter paper
ballots; a member representative casts its own company's ballot, or a company's for which its
own company holds an approved proxy valid today. Casting locks the meeting row, so concurrent
casts of one company end as one ballot whose last cast counts, each cast kept in its history;
closing takes the same lock, so no ballot slips in after the count.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from core.accounts.access import actor_access, current_cluster, require_manager
from core.accounts.models import Grant, User
from core.audit.services import Actor, audit_record, model_create, model_update
from core.clock import cluster_now, cluster_today
from core.files import delete_files_on_commit, document_check, stored_file_rollback
from core.queue import enqueue_on_commit
from tenants.members import services as member_services
from tenants.members.models import Company
from tenants.models import Cluster
from tenants.selectors import cluster_primary_host

from ..models import (
    AgendaItem,
    Ballot,
    BallotChange,
    BallotVote,
    Body,
    Decision,
    Majority,
    MajorityRule,
    Meeting,
    MeetingMaterial,
    Proxy,
)
from ..selectors import meeting_tally, meeting_voter_ids, meetings_voting_due, proxy_in_force, vote_weights

logger = logging.getLogger(__name__)

CHOICE_LABELS = {
    BallotVote.Choice.FOR: "за",
    BallotVote.Choice.AGAINST: "против",
    BallotVote.Choice.ABSTAIN: "воздержался",
}


def _fields(obj: Any) -> list[str]:
    return [f.name for f in obj._meta.concrete_fields if f.editable]


# --- the body's voting rules ----------------------------------------------------------------


def body_voting_rules_set(
    *,
    body: Body,
    actor: Actor,
    notice_days: int | None = None,
    vote_weights: str | None = None,
    abstentions_counted: bool | None = None,
    majorities: Mapping[str, str] | None = None,
) -> Body:
    """Set the charter's voting rules of a body; `majorities` maps decision kinds to rules
    (kinds left out keep theirs). All or nothing."""
    require_manager(actor)
    fields: dict[str, Any] = {}
    if notice_days is not None:
        if notice_days < 0 or notice_days > 365:
            raise ValidationError({"notice_days": "Срок уведомления — от 0 до 365 дней."})
        fields["notice_days"] = notice_days
    if vote_weights is not None:
        if vote_weights not in Body.VoteWeights.values:
            raise ValidationError({"vote_weights": "Выберите способ подсчёта веса голосов из списка."})
        fields["vote_weights"] = vote_weights
    if abstentions_counted is not None:
        fields["abstentions_counted"] = abstentions_counted
    for kind, rule in (majorities or {}).items():
        if kind not in Decision.Kind.values:
            raise ValidationError({"majorities": f"Неизвестный вид решения: «{kind}»."})
        if rule not in Majority.values:
            raise ValidationError({"majorities": f"Неизвестное правило большинства: «{rule}»."})
    with transaction.atomic():
        if fields:
            model_update(
                obj=body, data=fields, actor=actor, action="body.voting_rules", audited=_fields(body)
            )
        current = {r.decision_kind: r for r in MajorityRule.objects.select_for_update().filter(body=body)}
        changes: dict[str, list[Any]] = {}
        for kind, rule in (majorities or {}).items():
            row = current.get(kind)
            old = row.rule if row else Majority.SIMPLE_OF_CAST
            if row is None:
                row = MajorityRule(body=body, decision_kind=kind, rule=rule)
            elif row.rule == rule:
                continue
            row.rule = rule
            row.full_clean()
            row.save()
            changes[f"majority:{kind}"] = [old, rule]
        if changes:
            audit_record(actor=actor, action="body.majorities", obj=body, changes=changes)
    return body


# --- decision drafts and materials (before the notice) -----------------------------------------


def _require_ballot_meeting(meeting: Meeting) -> None:
    if not meeting.by_ballots:
        raise ValidationError(
            "Заседание проводится в форме совместного присутствия: голосование бюллетенями не предусмотрено."
        )
    if meeting.status == Meeting.Status.CANCELLED:
        raise ValidationError("Заседание отменено.")


def _require_draft(meeting: Meeting) -> None:
    _require_ballot_meeting(meeting)
    if meeting.published_at is not None:
        raise ValidationError(
            "Уведомление о собрании уже разослано: повестку и проекты решений изменить нельзя."
        )


def decision_draft_add(
    *,
    meeting: Meeting,
    actor: Actor,
    text: str,
    kind: str = Decision.Kind.OTHER,
    subject_company: Company | None = None,
    agenda_item: AgendaItem | None = None,
) -> Decision:
    """A decision put to the vote by ballots (its results stay empty until voting closes)."""
    require_manager(actor)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": "Введите формулировку решения."})
    if kind not in Decision.Kind.values:
        raise ValidationError({"kind": "Выберите вид решения из списка."})
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update(of=("self",)).select_related("body").get(pk=meeting.pk)
        _require_draft(meeting)
        if agenda_item is not None and agenda_item.meeting_id != meeting.pk:
            raise ValidationError({"agenda_item": "Этот вопрос относится к другому заседанию."})
        if kind == Decision.Kind.ADMIT_MEMBER:
            if subject_company is None:
                raise ValidationError({"subject_company": "В решении о приёме укажите организацию."})
            if meeting.body.kind != Body.Kind.GENERAL_MEETING:
                raise ValidationError({"kind": "Принимать в члены кластера может только общее собрание."})
            if subject_company.is_member:
                raise ValidationError(
                    {"subject_company": f"«{subject_company}» уже является участником кластера."}
                )
        elif subject_company is not None:
            raise ValidationError({"subject_company": "Организация указывается только в решении о приёме."})
        number = (Decision.objects.filter(meeting=meeting).aggregate(n=Max("number"))["n"] or 0) + 1
        decision = Decision(
            meeting=meeting,
            number=number,
            kind=kind,
            text=text,
            subject_company=subject_company,
            agenda_item=agenda_item,
        )
        model_create(obj=decision, actor=actor, action="decision.draft", audited=_fields(decision))
    return decision


def decision_draft_delete(*, decision: Decision, actor: Actor) -> None:
    require_manager(actor)
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update(of=("self",)).get(pk=decision.meeting_id)
        _require_draft(meeting)
        audit_record(
            actor=actor, action="decision.draft_delete", obj=decision, changes={"text": [decision.text, None]}
        )
        decision.delete()


def meeting_material_upload(
    *, meeting: Meeting, actor: Actor, file: UploadedFile, title: str = ""
) -> MeetingMaterial:
    """A document sent with the notice; served only by permission-checked downloads."""
    require_manager(actor)
    original = document_check(file)
    material = MeetingMaterial(
        meeting=meeting,
        title=(title.strip() or original)[:300],
        file=file,
        original_name=original[:200],
        size=file.size or 0,
    )
    with stored_file_rollback(material.file, keep=[file.name]), transaction.atomic():
        locked = Meeting.objects.select_for_update(of=("self",)).get(pk=meeting.pk)
        _require_draft(locked)
        model_create(obj=material, actor=actor, action="meeting_material.create", audited=_fields(material))
    return material


def meeting_material_delete(*, material: MeetingMaterial, actor: Actor) -> None:
    require_manager(actor)
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update(of=("self",)).get(pk=material.meeting_id)
        _require_draft(meeting)
        name = material.file.name
        audit_record(
            actor=actor,
            action="meeting_material.delete",
            obj=material,
            changes={"title": [material.title, None]},
        )
        material.delete()
        delete_files_on_commit(MeetingMaterial.file.field.storage, [name])


# --- the notice ----------------------------------------------------------------------------


def meeting_publish(
    *,
    meeting: Meeting,
    actor: Actor,
    deadline: dt.datetime,
    record_date: dt.date | None = None,
    late_notice_reason: str = "",
    now: dt.datetime | None = None,
) -> Meeting:
    """Open voting: fix the deadline and the record date and send the notice after commit.

    The notice must go out at least the body's notice period (days) before the deadline,
    otherwise only with a reason for the short notice (it is printed in the protocol).
    """
    require_manager(actor)
    now = now or timezone.now()
    reason = (late_notice_reason or "").strip()
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update(of=("self",)).select_related("body").get(pk=meeting.pk)
        _require_draft(meeting)
        if not Decision.objects.filter(meeting=meeting).exists():
            raise ValidationError("Добавьте в повестку хотя бы один проект решения.")
        if deadline <= now:
            raise ValidationError({"deadline": "Окончание приёма бюллетеней должно быть в будущем."})
        today = cluster_today(now=now)
        record_date = record_date or today
        if record_date > cluster_now(now=deadline).date():
            raise ValidationError(
                {
                    "record_date": "Дата определения участников с правом голоса не может быть "
                    "позже окончания приёма бюллетеней."
                }
            )
        days = (cluster_now(now=deadline).date() - today).days
        if days < meeting.body.notice_days and not reason:
            raise ValidationError(
                {
                    "late_notice_reason": (
                        f"Уставом органа «{meeting.body}» уведомление направляется не позднее чем за "
                        f"{meeting.body.notice_days} дн. до окончания голосования, а до него осталось {days} дн. "
                        f"Укажите основание сокращённого срока."
                    )
                }
            )
        fields = {
            "published_at": now,
            "deadline": deadline,
            "record_date": record_date,
            "late_notice_reason": reason if days < meeting.body.notice_days else "",
        }
        model_update(
            obj=meeting, data=fields, actor=actor, action="meeting.publish", audited=_fields(meeting)
        )
        enqueue_on_commit("governance.meeting_notice_send", meeting.pk)
    return meeting


def ballot_link(*, host: str, meeting: Meeting) -> str:
    """Where a representative votes (the member portal's ballot page)."""
    return f"https://{host}/governance/meetings/{meeting.pk}/ballot/"


def material_link(*, host: str, material: MeetingMaterial) -> str:
    """Where a material is downloaded (signed in, by the cluster's roles only)."""
    return f"https://{host}/governance/meetings/{material.meeting_id}/materials/{material.pk}/"


def notice_recipients(*, meeting: Meeting, cluster: Cluster) -> list[tuple[User, int]]:
    """(user, company id) of every representative of a voting member (one query)."""
    voters = meeting_voter_ids(meeting=meeting)
    grants = (
        Grant.objects.filter(
            cluster=cluster,
            role=Grant.Role.MEMBER_REPRESENTATIVE,
            company_id__in=voters,
            user__is_active=True,
        )
        .select_related("user")
        .order_by("user__email", "company_id")
    )
    return [(g.user, g.company_id) for g in grants if g.company_id]


def meeting_notice_send(*, meeting_id: int) -> dict[str, Any]:
    """E-mail the notice to each voting member's representatives (the task calls this)."""
    cluster = current_cluster()
    meeting = Meeting.objects.select_related("body").filter(pk=meeting_id).first()
    if cluster is None or meeting is None or meeting.published_at is None or meeting.deadline is None:
        return {"sent": 0, "skipped": "no such published meeting"}
    decisions = list(Decision.objects.filter(meeting=meeting).order_by("number"))
    materials = list(MeetingMaterial.objects.filter(meeting=meeting).order_by("id"))
    host = cluster_primary_host(cluster=cluster)
    deadline = cluster_now(cluster, meeting.deadline)
    number = f" № {meeting.number}" if meeting.number else ""
    subject = f"Уведомление о собрании: {meeting.body}{number} — {cluster.display_name}"
    agenda = "".join(f"  {d.number}. {d.text}\n" for d in decisions)
    attached = "".join(f"  — {m.title}: {material_link(host=host, material=m)}\n" for m in materials)
    names = {
        c.pk: str(c)
        for c in Company.objects.filter(
            pk__in={c for _, c in notice_recipients(meeting=meeting, cluster=cluster)}
        )
    }
    messages = []
    for user, company_id in notice_recipients(meeting=meeting, cluster=cluster):
        body = (
            f"Здравствуйте, {user.get_full_name() or user.email}!\n\n"
            f"Кластер «{cluster.display_name}» проводит собрание «{meeting.body}»{number} в форме: "
            f"{meeting.get_form_display().lower()}.\n"
            f"Вы представляете «{names.get(company_id, '')}». Бюллетени принимаются до "
            f"{deadline:%d.%m.%Y %H:%M} ({cluster.tzinfo.key}).\n\n"
            f"Проекты решений:\n{agenda}"
            + (f"\nМатериалы к собранию:\n{attached}" if attached else "")
            + f"\nПроголосовать: {ballot_link(host=host, meeting=meeting)}\n"
        )
        messages.append(
            EmailMessage(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[user.email])
        )
    sent = 0
    with get_connection() as mail:
        for message in messages:
            try:
                sent += mail.send_messages([message]) or 0
            except Exception:  # one bad address must not stop the other letters
                logger.exception("meeting notice to %s failed", message.to)
    return {"sent": sent, "meeting": meeting.pk}


# --- proxies -------------------------------------------------------------------------------


def proxy_upload(
    *,
    actor: Actor,
    grantor: Company,
    holder: Company,
    file: UploadedFile,
    valid_from: dt.date,
    valid_until: dt.date,
) -> Proxy:
    """A power of attorney, uploaded by staff or by a representative of either company; it
    gives a vote only once staff approve it."""
    access = actor_access(actor)
    if not (access.manager or grantor.pk in access.company_ids or holder.pk in access.company_ids):
        raise PermissionDenied("Загрузить доверенность может представитель доверителя или поверенного.")
    if grantor.pk == holder.pk:
        raise ValidationError({"holder": "Организация не может выдать доверенность самой себе."})
    if valid_until < valid_from:
        raise ValidationError({"valid_until": "Окончание действия доверенности раньше его начала."})
    original = document_check(file)
    proxy = Proxy(
        grantor=grantor,
        holder=holder,
        file=file,
        original_name=original[:200],
        valid_from=valid_from,
        valid_until=valid_until,
        uploaded_by=actor.user,
    )
    with stored_file_rollback(proxy.file, keep=[file.name]), transaction.atomic():
        model_create(obj=proxy, actor=actor, action="proxy.create", audited=_fields(proxy))
    return proxy


def _proxy_review(*, proxy: Proxy, actor: Actor, status: str, note: str, action: str) -> Proxy:
    require_manager(actor)
    with transaction.atomic():
        proxy = Proxy.objects.select_for_update().get(pk=proxy.pk)
        if proxy.status != Proxy.Status.PENDING:
            raise ValidationError(f"Доверенность уже проверена: {proxy.get_status_display().lower()}.")
        model_update(
            obj=proxy,
            data={
                "status": status,
                "review_note": note,
                "reviewed_by": actor.user,
                "reviewed_at": timezone.now(),
            },
            actor=actor,
            action=action,
            audited=["status", "review_note"],
        )
    return proxy


def proxy_approve(*, proxy: Proxy, actor: Actor) -> Proxy:
    return _proxy_review(
        proxy=proxy, actor=actor, status=Proxy.Status.APPROVED, note="", action="proxy.approve"
    )


def proxy_reject(*, proxy: Proxy, actor: Actor, reason: str) -> Proxy:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Укажите причину отклонения доверенности."})
    return _proxy_review(
        proxy=proxy, actor=actor, status=Proxy.Status.REJECTED, note=reason, action="proxy.reject"
    )


# --- ballots -------------------------------------------------------------------------------


@dataclass(frozen=True)
class VoteInput:
    decision: int  # the decision's id
    choice: str  # "for" | "against" | "abstain"


def _check_votes(*, meeting: Meeting, votes: Sequence[VoteInput]) -> dict[int, str]:
    if not votes:
        raise ValidationError({"votes": "Отметьте голос хотя бы по одному вопросу."})
    numbers = dict(Decision.objects.filter(meeting=meeting).values_list("pk", "number"))
    chosen: dict[int, str] = {}
    for vote in votes:
        if vote.decision not in numbers:
            raise ValidationError({"votes": f"Решение {vote.decision} не относится к этому собранию."})
        if vote.decision in chosen:
            raise ValidationError({"votes": f"По решению № {numbers[vote.decision]} голос указан дважды."})
        if vote.choice not in BallotVote.Choice.values:
            raise ValidationError({"votes": "Голос — «за», «против» или «воздержался»."})
        chosen[vote.decision] = vote.choice
    return chosen


def _lock_open(*, meeting: Meeting, now: dt.datetime, paper_received: dt.datetime | None = None) -> Meeting:
    meeting = Meeting.objects.select_for_update(of=("self",)).select_related("body").get(pk=meeting.pk)
    _require_ballot_meeting(meeting)
    if meeting.published_at is None or meeting.deadline is None:
        raise ValidationError("Голосование по этому собранию ещё не открыто.")
    if meeting.voting_closed_at is not None:
        raise ValidationError("Голосование завершено: бюллетени больше не принимаются.")
    moment = paper_received or now
    if moment > meeting.deadline:
        deadline = cluster_now(now=meeting.deadline)
        raise ValidationError(f"Приём бюллетеней закончился {deadline:%d.%m.%Y в %H:%M}.")
    return meeting


def _store_ballot(
    *,
    meeting: Meeting,
    company: Company,
    chosen: dict[int, str],
    actor: Actor,
    now: dt.datetime,
    representative_name: str,
    proxy: Proxy | None,
    paper: bool,
    scan: UploadedFile | None = None,
) -> Ballot:
    if company.pk not in meeting_voter_ids(meeting=meeting):
        when = f" на {meeting.record_date:%d.%m.%Y}" if meeting.record_date else ""
        raise ValidationError(
            f"«{company}» не имеет права голоса на этом собрании: организация не была "
            f"участником кластера с правом голоса{when}."
        )
    ballot = Ballot.objects.filter(meeting=meeting, company=company).first()
    old = {str(v.decision_id): v.choice for v in ballot.votes.all()} if ballot else None
    if ballot is None:
        on = meeting.record_date or cluster_today(now=now)
        ballot = Ballot(
            meeting=meeting,
            company=company,
            weight=vote_weights(body=meeting.body, company_ids=[company.pk], on=on)[company.pk],
        )
    ballot.cast_by = actor.user
    ballot.representative_name = representative_name[:200]
    ballot.proxy = proxy
    ballot.paper = paper
    ballot.cast_at = now
    if scan is not None:
        replaced = ballot.scan.name
        ballot.scan = scan
        with stored_file_rollback(ballot.scan, keep=[scan.name, replaced]):
            ballot.full_clean()
            ballot.save()
        delete_files_on_commit(Ballot.scan.field.storage, [replaced])
    else:
        ballot.full_clean(exclude=["scan"])
        ballot.save()
    BallotVote.objects.filter(ballot=ballot).delete()
    BallotVote.objects.bulk_create(
        [BallotVote(ballot=ballot, decision_id=d, choice=c) for d, c in chosen.items()]
    )
    ballot.replaced = old is not None
    new = {str(d): c for d, c in sorted(chosen.items())}
    BallotChange.objects.create(
        ballot=ballot,
        at=now,
        user=actor.user,
        representative_name=ballot.representative_name,
        proxy=proxy,
        paper=paper,
        votes=new,
    )
    audit_record(
        actor=actor,
        action="ballot.paper" if paper else "ballot.cast",
        obj=ballot,
        changes={
            "votes": [old, new],
            "representative": [None, ballot.representative_name],
            "proxy": [None, proxy.pk if proxy else None],
        },
    )
    return ballot


def ballot_cast(
    *,
    meeting: Meeting,
    company: Company,
    votes: Sequence[VoteInput],
    actor: Actor,
    now: dt.datetime | None = None,
) -> Ballot:
    """Cast (or recast: the votes are replaced) the company's ballot as its representative or
    as a representative of the holder of its approved proxy. All or nothing."""
    now = now or timezone.now()
    access = actor_access(actor)
    if actor.user is None:
        raise PermissionDenied("Бюллетень подаёт представитель организации.")
    proxy: Proxy | None = None
    if company.pk not in access.company_ids:
        proxy = proxy_in_force(
            grantor_id=company.pk, holder_ids=access.company_ids, day=cluster_today(now=now)
        )
        if proxy is None:
            held = Proxy.objects.filter(grantor=company, holder_id__in=list(access.company_ids)).first()
            if held is None:
                raise PermissionDenied(f"Вы не представляете «{company}» и не имеете её доверенности.")
            if held.status != Proxy.Status.APPROVED:
                raise PermissionDenied(f"Доверенность «{company}» не подтверждена сотрудниками кластера.")
            raise PermissionDenied(f"Доверенность «{company}» не действует на сегодняшнюю дату.")
    name = actor.user.get_full_name() or actor.user.email
    if proxy is not None:
        name = f"{name} («{proxy.holder}», по доверенности)"
    with transaction.atomic():
        meeting = _lock_open(meeting=meeting, now=now)
        chosen = _check_votes(meeting=meeting, votes=votes)
        return _store_ballot(
            meeting=meeting,
            company=company,
            chosen=chosen,
            actor=actor,
            now=now,
            representative_name=name,
            proxy=proxy,
            paper=False,
        )


def ballot_enter_paper(
    *,
    meeting: Meeting,
    company: Company,
    votes: Sequence[VoteInput],
    actor: Actor,
    scan: UploadedFile,
    representative_name: str,
    received_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> Ballot:
    """Staff enter a signed paper ballot received by post (before the deadline), with its scan."""
    require_manager(actor)
    now = now or timezone.now()
    representative_name = (representative_name or "").strip()
    if not representative_name:
        raise ValidationError({"representative_name": "Укажите, кто подписал бюллетень."})
    if scan is None:
        raise ValidationError({"scan": "Приложите скан подписанного бюллетеня."})
    document_check(scan)
    received = received_at or now
    if received > now:
        raise ValidationError({"received_at": "Дата получения бюллетеня не может быть в будущем."})
    with transaction.atomic():
        meeting = _lock_open(meeting=meeting, now=now, paper_received=received)
        chosen = _check_votes(meeting=meeting, votes=votes)
        return _store_ballot(
            meeting=meeting,
            company=company,
            chosen=chosen,
            actor=actor,
            now=received,
            representative_name=representative_name,
            proxy=None,
            paper=True,
            scan=scan,
        )


# --- closing --------------------------------------------------------------------------------


def voting_close(*, meeting: Meeting, actor: Actor, now: dt.datetime | None = None) -> Meeting:
    """Count the ballots and freeze the results (staff, or the beat task at the deadline).

    Each decision gets its votes, its rule and adopted-or-not; the meeting its quorum, status
    «held» and the close time. Adopted admissions admit the company (member_admit), as for
    decisions recorded after an in-person meeting. A constant number of queries whatever the
    number of ballots: the tally's six, one update per decision, one audit row.
    """
    require_manager(actor)
    now = now or timezone.now()
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update(of=("self",)).select_related("body").get(pk=meeting.pk)
        _require_ballot_meeting(meeting)
        if meeting.published_at is None:
            raise ValidationError("Голосование по этому собранию ещё не открыто.")
        if meeting.voting_closed_at is not None:
            raise ValidationError("Голосование уже завершено: итоги зафиксированы.")
        tally = meeting_tally(meeting=meeting)
        results: dict[str, Any] = {}
        decisions = []
        for row in tally.decisions:
            decision = row.decision
            decision.votes_for, decision.votes_against = row.votes_for, row.votes_against
            decision.votes_abstained, decision.adopted = row.votes_abstained, row.adopted
            decision.majority_rule, decision.abstentions_counted = row.rule, tally.abstentions_counted
            decisions.append(decision)
            results[f"decision {decision.number}"] = [
                None,
                {
                    "for": row.votes_for,
                    "against": row.votes_against,
                    "abstain": row.votes_abstained,
                    "rule": row.rule,
                    "adopted": row.adopted,
                },
            ]
        Decision.objects.bulk_update(
            decisions,
            [
                "votes_for",
                "votes_against",
                "votes_abstained",
                "adopted",
                "majority_rule",
                "abstentions_counted",
            ],
        )
        quorum = tally.quorum
        meeting.quorum_total, meeting.quorum_present, meeting.quorum_required = (
            quorum.total,
            quorum.present,
            quorum.required,
        )
        meeting.voting_closed_at = now
        if meeting.status == Meeting.Status.PLANNED:
            meeting.status = Meeting.Status.HELD
        meeting.save(
            update_fields=["quorum_total", "quorum_present", "quorum_required", "voting_closed_at", "status"]
        )
        results["quorum"] = [
            None,
            {
                "total": quorum.total,
                "ballots": quorum.present,
                "required": quorum.required,
                "reached": quorum.reached,
            },
        ]
        audit_record(actor=actor, action="meeting.voting_close", obj=meeting, changes=results)
        for decision in decisions:
            if decision.adopted and decision.kind == Decision.Kind.ADMIT_MEMBER and decision.subject_company:
                decision.meeting = meeting
                member_services.member_admit(company=decision.subject_company, decision=decision, actor=actor)
    return meeting


def voting_close_due(*, now: dt.datetime | None = None) -> list[int]:
    """Close every meeting of the current cluster whose deadline has passed (the beat task);
    idempotent: a meeting closed meanwhile (by staff or another run) is skipped."""
    now = now or timezone.now()
    closed = []
    for meeting in meetings_voting_due(now=now):
        try:
            voting_close(meeting=meeting, actor=Actor.system(current_cluster()), now=now)
        except ValidationError:
            continue  # closed or cancelled since the list was read
        closed.append(meeting.pk)
    return closed
