"""The membership lifecycle: interested → applied → admitted (by a general-meeting decision) →
active ⇄ suspended → withdrawn or expelled. Each step is one MembershipEvent and one audit row."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.accounts.access import require_manager
from core.audit.services import Actor, audit_record, diff, snapshot
from core.federal.warehouse import refresh_soon as warehouse_refresh_soon
from tenants.governance.models import Decision
from tenants.members.models import Company, MembershipEvent
from tenants.members.selectors import company_has_admission

from .companies import membership_event_record

Status = Company.Status
Action = Company.Action

# action (labels: Company.Action): (statuses it starts from, status it leads to, reason required)
TRANSITIONS: dict[str, tuple[frozenset[str], str, bool]] = {
    Action.APPLY: (frozenset({Status.INTERESTED, Status.WITHDRAWN, Status.EXPELLED}), Status.APPLIED, False),
    Action.ADMIT: (frozenset({Status.APPLIED}), Status.ADMITTED, False),
    Action.ACTIVATE: (frozenset({Status.ADMITTED}), Status.ACTIVE, False),
    Action.SUSPEND: (frozenset({Status.ADMITTED, Status.ACTIVE}), Status.SUSPENDED, True),
    Action.RESUME: (frozenset({Status.SUSPENDED}), Status.ACTIVE, False),
    Action.WITHDRAW: (frozenset({Status.ADMITTED, Status.ACTIVE, Status.SUSPENDED}), Status.WITHDRAWN, False),
    Action.EXPEL: (frozenset({Status.ADMITTED, Status.ACTIVE, Status.SUSPENDED}), Status.EXPELLED, True),
}


def lifecycle_actions(company: Company) -> list[str]:
    """Actions possible from the company's current status (admission needs a decision)."""
    return [name for name, (sources, _to, _r) in TRANSITIONS.items() if company.status in sources]


def _transition(
    *,
    company: Company,
    actor: Actor,
    action: str,
    reason: str = "",
    decision: Decision | None = None,
    at: dt.datetime | None = None,
) -> Company:
    sources, target, reason_required = TRANSITIONS[action]
    reason = (reason or "").strip()
    if reason_required and not reason:
        raise ValidationError({"reason": "Укажите основание."})
    if company.status not in sources:
        raise ValidationError(
            f"Нельзя {str(Action(action).label).lower()}: организация «{company}» в статусе "
            f"«{company.get_status_display()}»."
        )
    if target == Status.ACTIVE and not company_has_admission(company=company):
        raise ValidationError(
            f"Нет принятого решения общего собрания о приёме «{company}»: "
            f"сделать организацию участником нельзя."
        )
    when = at or timezone.now()
    before = snapshot(company, ["status", "status_changed_at"])
    membership_event_record(
        company=company, to_status=target, actor=actor, at=when, reason=reason, decision=decision
    )
    company.status = target
    company.status_changed_at = when
    # Only the status changes here: older rows with doubtful data must not block a transition.
    company.full_clean(
        exclude=[f.name for f in Company._meta.fields if f.name not in {"status", "status_changed_at"}],
        validate_unique=False,
        validate_constraints=False,
    )
    company.save(update_fields=["status", "status_changed_at", "updated_at"])
    changes = diff(before, snapshot(company, ["status", "status_changed_at"]))
    if reason:
        changes["reason"] = [None, reason]
    if decision is not None:
        changes["decision"] = [None, decision.pk]
    audit_record(actor=actor, action=f"company.{action}", obj=company, changes=changes)
    warehouse_refresh_soon()  # the member count on the ministry dashboard
    return company


def _lifecycle(
    action: str, *, company: Company, actor: Actor, reason: str = "", decision: Decision | None = None
) -> Company:
    require_manager(actor)
    with transaction.atomic():
        company = Company.objects.select_for_update().get(pk=company.pk)
        return _transition(company=company, actor=actor, action=action, reason=reason, decision=decision)


def member_apply(*, company: Company, actor: Actor, reason: str = "") -> Company:
    """interested (or withdrawn/expelled, applying again) → applied."""
    return _lifecycle("apply", company=company, actor=actor, reason=reason)


def member_admit(*, company: Company, decision: Decision, actor: Actor) -> Company:
    """applied → admitted by an adopted general-meeting decision about this company.

    Called by the governance meeting service when such a decision is recorded; idempotent:
    a decision already applied to the company changes nothing. The event is dated by the
    meeting (or now, when later events already exist).
    """
    require_manager(actor)
    if decision.kind != Decision.Kind.ADMIT_MEMBER:
        raise ValidationError({"decision": "Это не решение о приёме в члены кластера."})
    if not decision.adopted:
        raise ValidationError({"decision": "Решение о приёме не принято общим собранием."})
    if decision.subject_company_id != company.pk:
        raise ValidationError({"decision": "Решение о приёме касается другой организации."})
    with transaction.atomic():
        company = Company.objects.select_for_update().get(pk=company.pk)
        if MembershipEvent.objects.filter(
            company=company, decision=decision, to_status=Status.ADMITTED
        ).exists():
            return company
        held_at = decision.meeting.held_at
        last = (
            MembershipEvent.objects.filter(company=company)
            .order_by("-at", "-id")
            .values_list("at", flat=True)
        )
        latest = last.first()
        at = held_at if latest is None or held_at >= latest else timezone.now()
        meeting = decision.meeting
        number = f" № {meeting.number}" if meeting.number else ""
        reason = (
            f"Решение {decision.number} ({meeting.body}, протокол{number} "
            f"от {timezone.localtime(held_at):%d.%m.%Y})."
        )
        return _transition(
            company=company, actor=actor, action="admit", reason=reason, decision=decision, at=at
        )


def member_activate(*, company: Company, actor: Actor, reason: str = "") -> Company:
    """admitted → active."""
    return _lifecycle("activate", company=company, actor=actor, reason=reason)


def member_suspend(
    *, company: Company, actor: Actor, reason: str, decision: Decision | None = None
) -> Company:
    """admitted or active → suspended (the reason is required)."""
    return _lifecycle("suspend", company=company, actor=actor, reason=reason, decision=decision)


def member_resume(*, company: Company, actor: Actor, reason: str = "") -> Company:
    """suspended → active."""
    return _lifecycle("resume", company=company, actor=actor, reason=reason)


def member_withdraw(
    *, company: Company, actor: Actor, reason: str = "", decision: Decision | None = None
) -> Company:
    """A member leaves the cluster at its own wish."""
    return _lifecycle("withdraw", company=company, actor=actor, reason=reason, decision=decision)


def member_expel(*, company: Company, actor: Actor, reason: str, decision: Decision | None = None) -> Company:
    """A member is expelled (the reason is required)."""
    return _lifecycle("expel", company=company, actor=actor, reason=reason, decision=decision)


LIFECYCLE_SERVICES: dict[str, Callable[..., Company]] = {
    "apply": member_apply,
    "activate": member_activate,
    "suspend": member_suspend,
    "resume": member_resume,
    "withdraw": member_withdraw,
    "expel": member_expel,
}
