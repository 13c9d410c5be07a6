"""Writes of the personal data area (inside the current cluster schema). Cluster admins manage
the area; a person gives and withdraws their own consents. Every write is audited in its
transaction (core.audit.services)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_ipv46_address
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.accounts.access import current_cluster
from core.accounts.models import Grant, User
from core.accounts.selectors import user_cluster_roles
from core.accounts.services import grant_revoke
from core.audit.services import (
    Actor,
    audit_pseudonymise,
    audit_record,
    fields_only,
    model_create,
    model_delete,
    model_update,
)
from core.clock import cluster_today
from core.ru.workdays import add_working_days
from tenants.governance.models import Attendance, Ballot, CommitteeMember, Meeting, Officer
from tenants.members.models import Company
from tenants.models import Cluster

from .export import ballot_changes_of, named_q, person_records
from .models import Consent, ConsentPurpose, ConsentText, Incident, ProcessingActivity, SubjectRequest
from .selectors import cluster_person

ADMINS_ONLY = "Это действие доступно только администраторам кластера."
ANSWER_WITHIN_WORKING_DAYS = 10
EARLIEST = dt.date(2000, 1, 1)  # dates before are typing mistakes (and break time zone arithmetic)
ACTIVITY_FIELDS = {"name", "data_categories", "purpose", "legal_basis", "retention", "access"}
INCIDENT_FIELDS = {"title", "description", "detected_at", "affected"}


def _cluster(actor: Actor) -> Cluster:
    cluster = current_cluster(actor)
    if cluster is None:
        raise PermissionDenied("Раздел работает только на сайте кластера.")
    return cluster


def _require_admin(actor: Actor) -> None:
    if actor.user is None:
        return  # the system (demo, tasks)
    if Grant.Role.CLUSTER_ADMIN not in user_cluster_roles(actor.user, _cluster(actor)):
        raise PermissionDenied(ADMINS_ONLY)


def _text(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message})
    return value


# --- purposes and consents --------------------------------------------------------------------


def purpose_create(*, actor: Actor, title: str, text: str) -> ConsentPurpose:
    """A purpose with its first consent text (version 1)."""
    _require_admin(actor)
    with transaction.atomic():
        purpose = ConsentPurpose(title=_text(title, "title", "Укажите цель обработки."))
        model_create(obj=purpose, actor=actor, action="privacy.purpose.create", audited=["title"])
        purpose_text_publish(actor=actor, purpose=purpose, text=text)
    return purpose


def purpose_text_publish(*, actor: Actor, purpose: ConsentPurpose, text: str) -> ConsentText:
    """A new version of the purpose's consent text; consents given before keep theirs."""
    _require_admin(actor)
    body = _text(text, "text", "Введите текст согласия.")
    with transaction.atomic():
        purpose = ConsentPurpose.objects.select_for_update().get(pk=purpose.pk)
        last = purpose.texts.order_by("-version").first()
        if last is not None and last.body == body:
            raise ValidationError({"text": "Текст не изменился: новая редакция не нужна."})
        version = ConsentText(purpose=purpose, version=(last.version + 1) if last else 1, body=body)
        model_create(obj=version, actor=actor, action="privacy.text.publish", audited=["purpose", "version"])
    return version


def _address(ip: str | None) -> str | None:
    """The client's IP as stored; anything that is not an address (e.g. «unknown») is None."""
    try:
        validate_ipv46_address(ip or "")
    except ValidationError:
        return None
    return ip


def consent_give(
    *,
    actor: Actor,
    purpose: ConsentPurpose,
    user_id: int | None = None,
    company_id: int | None = None,
    ip: str | None = None,
    user_agent: str = "",
    given_at: dt.datetime | None = None,
) -> Consent:
    """A consent to the purpose's current text. A person gives their own (user_id empty or
    theirs); an admin records one for any person of the cluster (a signed paper)."""
    cluster = _cluster(actor)
    own = actor.user is not None and (user_id is None or user_id == actor.user.pk)
    if not own:
        _require_admin(actor)
    person = cluster_person(cluster=cluster, user_id=actor.user.pk if own and actor.user else user_id)
    if person is None:
        raise ValidationError({"user": "Такого человека нет среди пользователей и представителей кластера."})
    if company_id is None:  # a representative consents as the company's representative
        company_id = (
            Grant.objects.filter(user=person, cluster=cluster, role=Grant.Role.MEMBER_REPRESENTATIVE)
            .values_list("company_id", flat=True)
            .first()
        )
        if company_id is not None and not Company.objects.filter(pk=company_id).exists():
            company_id = None
    else:
        represents = Grant.objects.filter(
            user=person, cluster=cluster, role=Grant.Role.MEMBER_REPRESENTATIVE, company_id=company_id
        ).exists()
        if not represents or not Company.objects.filter(pk=company_id).exists():
            raise ValidationError({"company": "Этот человек не представляет такую организацию в кластере."})
    text = purpose.texts.order_by("-version").first()
    if text is None:
        raise ValidationError({"purpose": "У цели нет текста согласия."})
    with transaction.atomic():
        if Consent.objects.filter(user_id=person.pk, purpose=purpose, withdrawn_at__isnull=True).exists():
            raise ValidationError({"purpose": "Согласие на эту цель уже дано и не отозвано."})
        consent = Consent(
            purpose=purpose,
            text=text,
            user_id=person.pk,
            company_id=company_id,
            given_at=given_at or timezone.now(),
            ip=_address(ip),
            host=actor.host[:253],
            user_agent=(user_agent or "")[:500],
        )
        model_create(
            obj=consent,
            actor=actor,
            action="privacy.consent.give",
            audited=["purpose", "text", "user", "company", "ip", "host"],
        )
    return consent


def consent_withdraw(*, actor: Actor, consent: Consent) -> Consent:
    """Withdraw a consent (the person themself or an admin). Twice is refused, nothing changes."""
    if actor.user is None or consent.user_id != actor.user.pk:
        _require_admin(actor)
    with transaction.atomic():
        consent = Consent.objects.select_for_update().get(pk=consent.pk)
        if consent.withdrawn_at is not None:
            local = timezone.localtime(consent.withdrawn_at)
            raise ValidationError(f"Согласие уже отозвано {local:%d.%m.%Y в %H:%M}.")
        model_update(
            obj=consent,
            data={"withdrawn_at": timezone.now()},
            actor=actor,
            action="privacy.consent.withdraw",
            audited=["withdrawn_at"],
        )
    return consent


# --- register of processing -------------------------------------------------------------------


def _activity_fields(fields: dict[str, Any]) -> dict[str, Any]:
    fields = fields_only(fields, ACTIVITY_FIELDS)
    return {k: v.strip() if isinstance(v, str) else v for k, v in fields.items()}


def activity_create(*, actor: Actor, **fields: Any) -> ProcessingActivity:
    _require_admin(actor)
    activity = ProcessingActivity(**_activity_fields(fields))
    model_create(obj=activity, actor=actor, action="privacy.activity.create")
    return activity


def activity_update(*, actor: Actor, activity: ProcessingActivity, **fields: Any) -> ProcessingActivity:
    _require_admin(actor)
    model_update(obj=activity, data=_activity_fields(fields), actor=actor, action="privacy.activity.update")
    return activity


def activity_delete(*, actor: Actor, activity: ProcessingActivity) -> None:
    _require_admin(actor)
    model_delete(obj=activity, actor=actor, action="privacy.activity.delete")


# --- subject requests -------------------------------------------------------------------------


def request_deadline(received_on: dt.date) -> dt.date:
    """10 working days from receipt on the Russian production calendar (152-FZ art. 14, 20)."""
    return add_working_days(received_on, ANSWER_WITHIN_WORKING_DAYS)


def request_create(
    *, actor: Actor, kind: str, user_id: int, received_on: dt.date | None = None
) -> SubjectRequest:
    """Register a person's request; only a person of this cluster can be its subject."""
    _require_admin(actor)
    cluster = _cluster(actor)
    person = cluster_person(cluster=cluster, user_id=user_id)
    if person is None:
        raise ValidationError({"user": "Такого человека нет среди пользователей и представителей кластера."})
    today = cluster_today(cluster)
    received_on = received_on or today
    if not EARLIEST <= received_on <= today:
        raise ValidationError({"received_on": "Дата получения — не позже сегодняшней и не раньше 2000 года."})
    request = SubjectRequest(
        kind=kind,
        user_id=person.pk,
        subject_name=person.full_name or person.email,
        received_on=received_on,
        deadline=request_deadline(received_on),
    )
    model_create(
        obj=request,
        actor=actor,
        action="privacy.request.create",
        audited=["kind", "user", "subject_name", "received_on", "deadline"],
    )
    return request


def _open(request: SubjectRequest, kind: str | None = None) -> tuple[SubjectRequest, User]:
    request = SubjectRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != SubjectRequest.Status.OPEN:
        raise ValidationError(f"Запрос уже закрыт: {request.get_status_display().lower()}.")
    if kind is not None and request.kind != kind:
        raise ValidationError(f"Это запрос другого вида: {request.get_kind_display().lower()}.")
    user = User.objects.filter(pk=request.user_id).first() if request.user_id else None
    if user is None:
        raise ValidationError("Учётной записи субъекта больше нет.")
    return request, user


def _close(
    *, actor: Actor, request: SubjectRequest, status: str, result: dict[str, Any], reason: str = ""
) -> None:
    model_update(
        obj=request,
        data={"status": status, "answered_at": timezone.now(), "result": result, "refusal_reason": reason},
        actor=actor,
        action=f"privacy.request.{status}",
        audited=["status", "refusal_reason"],
    )


def request_export(*, actor: Actor, request: SubjectRequest) -> SubjectRequest:
    """Answer a request for a copy: every record of the person in this cluster."""
    _require_admin(actor)
    cluster = _cluster(actor)
    with transaction.atomic():
        request, user = _open(request, SubjectRequest.Kind.COPY)
        records = person_records(cluster=cluster, user=user)
        _close(actor=actor, request=request, status=SubjectRequest.Status.EXPORTED, result=records)
    return request


def request_refuse(*, actor: Actor, request: SubjectRequest, reason: str) -> SubjectRequest:
    _require_admin(actor)
    reason = _text(reason, "reason", "Укажите причину отказа: она сообщается субъекту.")
    with transaction.atomic():
        request, _user = _open(request)
        _close(actor=actor, request=request, status=SubjectRequest.Status.REFUSED, result={}, reason=reason)
    return request


def request_delete(*, actor: Actor, request: SubjectRequest) -> SubjectRequest:
    """Answer a request for deletion: remove what no law requires to keep; keep invoices,
    payments and protocols, with the person's name pseudonymised where they are not part of a
    signed document. The answer lists what was removed and what was kept, and why."""
    _require_admin(actor)
    cluster = _cluster(actor)
    with transaction.atomic():
        request, user = _open(request, SubjectRequest.Kind.DELETION)
        label = f"Субъект ПДн (запрос № {request.pk})"
        removed: list[str] = []
        kept: list[str] = []
        for consent in Consent.objects.filter(user_id=user.pk).select_related("purpose"):
            model_delete(
                obj=consent, actor=actor, action="privacy.consent.delete", audited=["purpose", "text"]
            )
            removed.append(f"Согласие: {consent.purpose.title}")
        for seat in CommitteeMember.objects.filter(user_id=user.pk).select_related("committee"):
            model_delete(
                obj=seat, actor=actor, action="privacy.committee_member.delete", audited=["committee"]
            )
            removed.append(f"Место в комитете «{seat.committee}»")
        named = user.full_name.strip()
        for post in Officer.objects.filter(Q(user_id=user.pk) | named_q("person_name", user)):
            model_update(
                obj=post,
                data={"user": None, "person_name": label},
                actor=actor,
                action="privacy.officer.pseudonymise",
            )
            kept.append(f"Должность «{post.title}»: сохранена, ФИО обезличено")
        if named:
            for attendance in Attendance.objects.filter(representative_name=named).select_related("meeting"):
                model_update(
                    obj=attendance,
                    data={"representative_name": label},
                    actor=actor,
                    action="privacy.attendance.pseudonymise",
                )
                kept.append(f"Участие в заседании {attendance.meeting}: сохранено, ФИО обезличено")
        for ballot in Ballot.objects.filter(Q(cast_by_id=user.pk) | named_q("representative_name", user)):
            model_update(
                obj=ballot,
                data={"cast_by": None, "representative_name": label},
                actor=actor,
                action="privacy.ballot.pseudonymise",
                audited=["cast_by", "representative_name"],
            )
            kept.append(f"Бюллетень ({ballot.meeting}): голос организации сохранён, ФИО обезличено")
        ballot_changes_of(user).update(user=None, representative_name=label)
        if named:
            for meeting in Meeting.objects.filter(chair_name=named) | Meeting.objects.filter(
                secretary_name=named
            ):
                kept.append(
                    f"Протокол {meeting}: подписан субъектом как председательствующим или секретарём, "
                    "сохранён без изменений — протоколы органов кластера хранятся постоянно"
                )
        kept.extend(_billing_kept(cluster=cluster, user=user))
        entries = audit_pseudonymise(cluster=cluster, user=user, label=label)
        if entries:
            kept.append(f"Журнал изменений: {entries} записей сохранены, e-mail обезличен")
        for grant in Grant.objects.filter(user=user, cluster=cluster):
            grant_revoke(user=user, role=grant.role, cluster=cluster)
            audit_record(
                actor=actor, action="privacy.grant.revoke", obj=request, changes={"role": [grant.role, None]}
            )
            removed.append(f"Роль в кластере: {grant.get_role_display()}")
        result = {
            "Удалено": removed,
            "Сохранено": kept,
            "Примечание": "Учётная запись платформы (e-mail и ФИО) общая для всех кластеров и "
            "в этом кластере больше не используется.",
        }
        _close(actor=actor, request=request, status=SubjectRequest.Status.DELETED, result=result)
    return request


def _billing_kept(*, cluster: Cluster, user: User) -> list[str]:
    from billing.models import Invoice, Payment

    kept = [
        f"Счёт № {number}: сохранён — первичный учётный документ хранится 5 лет (402-ФЗ, ст. 29)"
        for number in Invoice.objects.filter(cluster=cluster, created_by_id=user.pk).values_list(
            "number", flat=True
        )
    ]
    payments = Payment.objects.filter(cluster=cluster, recorded_by_id=user.pk).count()
    if payments:
        kept.append(f"Платежи ({payments}): сохранены — документы учёта хранятся 5 лет (402-ФЗ, ст. 29)")
    return kept


# --- incidents --------------------------------------------------------------------------------


def _check_detected(detected_at: dt.datetime | None) -> None:
    if detected_at is None:
        return
    if detected_at > timezone.now():
        raise ValidationError({"detected_at": "Время обнаружения не может быть в будущем."})
    if detected_at.date() < EARLIEST:
        raise ValidationError({"detected_at": "Проверьте время обнаружения: не раньше 2000 года."})


def incident_create(*, actor: Actor, **fields: Any) -> Incident:
    _require_admin(actor)
    fields = fields_only(fields, INCIDENT_FIELDS)
    _check_detected(fields["detected_at"])
    incident = Incident(**fields)
    model_create(obj=incident, actor=actor, action="privacy.incident.create")
    return incident


def incident_update(*, actor: Actor, incident: Incident, **fields: Any) -> Incident:
    _require_admin(actor)
    _check_detected(fields.get("detected_at"))
    model_update(
        obj=incident, data=fields_only(fields, INCIDENT_FIELDS), actor=actor, action="privacy.incident.update"
    )
    return incident


STEPS = {
    "notify": ("notified_at", "Уведомление в Роскомнадзор уже отмечено."),
    "report": ("reported_at", "Результаты расследования уже отмечены."),
    "close": ("closed_at", "Инцидент уже закрыт."),
}


def incident_step(*, actor: Actor, incident: Incident, step: str, at: dt.datetime | None = None) -> Incident:
    """Mark the 24-hour notice sent («notify»), the 72-hour results sent («report») or close the
    incident («close», only after both)."""
    _require_admin(actor)
    field, done = STEPS[step]
    with transaction.atomic():
        incident = Incident.objects.select_for_update().get(pk=incident.pk)
        if getattr(incident, field) is not None:
            raise ValidationError(done)
        if step == "report" and incident.notified_at is None:
            raise ValidationError("Сначала отметьте уведомление Роскомнадзора (24 часа).")
        if step == "close" and (incident.notified_at is None or incident.reported_at is None):
            raise ValidationError("Закрыть можно после уведомления и отчёта о расследовании.")
        at = at or timezone.now()
        if at < incident.detected_at:
            raise ValidationError("Время не может быть раньше обнаружения инцидента.")
        model_update(
            obj=incident, data={field: at}, actor=actor, action=f"privacy.incident.{step}", audited=[field]
        )
    return incident
