"""Writes of the fees area (inside the current cluster schema): schedules, tiers, exemptions and
assessment runs. Cluster admins and staff only; every write is audited in its transaction.

An assessment run is queued by `assessment_start` (after commit, a Celery task in the cluster's
schema) and carried out by `assessment_execute`: facts about every liable member are read in
bulk, the plan is computed without queries (assessment.plan_assessment), invoices already
issued are skipped by their source keys (one query), and new invoices are issued 200 at a time
through billing's `invoices_issue_many` (a fixed number of queries per batch), which is
idempotent per source key — so a run repeated, or a task delivered twice, creates nothing new.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from billing.services import InvoiceLineSpec, InvoiceRequest, invoices_issue_many
from core.accounts.access import current_cluster, require_manager
from core.audit.services import (
    Actor,
    audit_record,
    diff,
    fields_only,
    model_create,
    model_delete,
    model_update,
    snapshot,
)
from core.clock import cluster_today
from core.federal.warehouse import refresh_soon
from core.jobs import job_fail_if_lost
from core.queue import enqueue_on_commit
from tenants.governance.models import Body, Decision
from tenants.members.models import Company

from .assessment import Charge, plan_assessment
from .models import AssessmentRun, FeeExemption, FeeSchedule, FeeTier
from .periods import Period, parse_period
from .selectors import (
    exemptions_by_company,
    issued_source_keys,
    member_facts,
    run_in_progress,
    schedule_has_runs,
    schedule_tiers,
)

logger = logging.getLogger(__name__)

BATCH = 200  # invoices per transaction; progress is reported after each batch
SCHEDULE_FIELDS = frozenset(
    {
        "name",
        "decision",
        "effective_from",
        "effective_until",
        "period",
        "entrance_fee_kopecks",
        "payment_days",
        "amount_kopecks",
        "tier_basis",
        "due_month",
        "due_day",
        "grace_days",
        "proration",
        "notes",
    }
)
EXEMPTION_FIELDS = frozenset({"starts_on", "ends_on", "percent", "covers_entrance", "reason"})

Tier = tuple[int, int]  # (lower bound, amount in kopecks)


# --- schedules ----------------------------------------------------------------------------


def _check_decision(decision: Decision | None) -> None:
    if decision is None:
        raise ValidationError({"decision": "Укажите решение общего собрания, которым установлены взносы."})
    if decision.kind != Decision.Kind.SET_FEES:
        raise ValidationError({"decision": "Это не решение об установлении взносов."})
    if not decision.adopted:
        raise ValidationError({"decision": "Решение об установлении взносов не принято."})
    if decision.meeting.body.kind != Body.Kind.GENERAL_MEETING:
        raise ValidationError({"decision": "Взносы устанавливает общее собрание участников."})


def _normalize_tiers(tiers: Iterable[Tier], basis: str) -> list[Tier]:
    rows = sorted((int(lower), int(amount)) for lower, amount in tiers)
    if basis == FeeSchedule.TierBasis.NONE:
        if rows:
            raise ValidationError(
                {"tiers": "Ступени задаются только для взноса по численности или по выручке."}
            )
        return []
    if not rows:
        raise ValidationError({"tiers": "Укажите хотя бы одну ступень взноса."})
    bounds = [lower for lower, _ in rows]
    if len(set(bounds)) != len(bounds):
        raise ValidationError({"tiers": "Нижние границы ступеней не должны повторяться."})
    if any(lower < 0 or amount < 0 for lower, amount in rows):
        raise ValidationError({"tiers": "Границы и суммы ступеней не могут быть отрицательными."})
    return rows


def _check_schedule(schedule: FeeSchedule) -> None:
    schedule.full_clean()
    if schedule.period == FeeSchedule.Period.QUARTER and schedule.due_month > 3:
        raise ValidationError({"due_month": "В квартале три месяца: укажите месяц периода от 1 до 3."})


def _tiers_repr(tiers: list[Tier]) -> list[str]:
    return [f"≥{lower}: {amount}" for lower, amount in tiers]


def _replace_tiers(schedule: FeeSchedule, tiers: list[Tier]) -> None:
    FeeTier.objects.filter(schedule=schedule).delete()
    FeeTier.objects.bulk_create(
        [FeeTier(schedule=schedule, lower_bound=lower, amount_kopecks=amount) for lower, amount in tiers]
    )


def fee_schedule_create(
    *,
    actor: Actor,
    name: str,
    decision: Decision,
    effective_from: dt.date,
    tiers: Iterable[Tier] = (),
    **fields: Any,
) -> FeeSchedule:
    """A fee schedule resting on an adopted general-meeting decision that sets fees."""
    require_manager(actor)
    fields_only(fields, SCHEDULE_FIELDS)
    _check_decision(decision)
    schedule = FeeSchedule(
        name=" ".join((name or "").split()), decision=decision, effective_from=effective_from, **fields
    )
    _check_schedule(schedule)
    rows = _normalize_tiers(tiers, schedule.tier_basis)
    with transaction.atomic():
        schedule.save()
        _replace_tiers(schedule, rows)
        changes = diff({}, snapshot(schedule))
        if rows:
            changes["tiers"] = [None, _tiers_repr(rows)]
        audit_record(actor=actor, action="fee_schedule.create", obj=schedule, changes=changes)
    return schedule


def fee_schedule_update(
    *, actor: Actor, schedule: FeeSchedule, tiers: Iterable[Tier] | None = None, **fields: Any
) -> FeeSchedule:
    """Change a schedule. Invoices already issued keep their amounts; the period kind of a
    schedule that has runs cannot change (its periods would no longer match)."""
    require_manager(actor)
    fields_only(fields, SCHEDULE_FIELDS)
    if "decision" in fields:
        _check_decision(fields["decision"])
    if "name" in fields:
        fields["name"] = " ".join((fields["name"] or "").split())
    with transaction.atomic():
        schedule = FeeSchedule.objects.select_for_update().get(pk=schedule.pk)
        before = snapshot(schedule)
        old_tiers = [(t.lower_bound, t.amount_kopecks) for t in schedule_tiers(schedule=schedule)]
        if fields.get("period", schedule.period) != schedule.period and schedule_has_runs(schedule=schedule):
            raise ValidationError(
                {
                    "period": "По положению уже проводились начисления: период взноса менять нельзя. "
                    "Утвердите новое положение."
                }
            )
        for key, value in fields.items():
            setattr(schedule, key, value)
        _check_schedule(schedule)
        wanted = list(old_tiers if tiers is None else tiers)
        if tiers is None and schedule.tier_basis == FeeSchedule.TierBasis.NONE:
            wanted = []  # tiers switched off: the old ones go
        rows = _normalize_tiers(wanted, schedule.tier_basis)
        changes = diff(before, snapshot(schedule))
        if rows != old_tiers:
            changes["tiers"] = [_tiers_repr(old_tiers), _tiers_repr(rows)]
        if changes:
            schedule.save()
            _replace_tiers(schedule, rows)
            audit_record(actor=actor, action="fee_schedule.update", obj=schedule, changes=changes)
    return schedule


def fee_schedule_delete(*, actor: Actor, schedule: FeeSchedule) -> None:
    require_manager(actor)
    with transaction.atomic():
        if schedule_has_runs(schedule=schedule):
            raise ValidationError("По положению уже проводились начисления: его нельзя удалить.")
        audit_record(
            actor=actor,
            action="fee_schedule.delete",
            obj=schedule,
            changes={k: [v, None] for k, v in snapshot(schedule).items()},
        )
        schedule.delete()


# --- exemptions ---------------------------------------------------------------------------


def _reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Укажите основание освобождения."})
    return reason


def exemption_create(
    *, actor: Actor, company: Company, starts_on: dt.date, reason: str, **fields: Any
) -> FeeExemption:
    require_manager(actor)
    fields_only(fields, EXEMPTION_FIELDS)
    exemption = FeeExemption(
        company=company, starts_on=starts_on, reason=_reason(reason), created_by=actor.user, **fields
    )
    model_create(obj=exemption, actor=actor, action="fee_exemption.create")
    return exemption


def exemption_update(*, actor: Actor, exemption: FeeExemption, **fields: Any) -> FeeExemption:
    require_manager(actor)
    fields_only(fields, EXEMPTION_FIELDS)
    with transaction.atomic():
        exemption = FeeExemption.objects.select_for_update().get(pk=exemption.pk)
        fields["reason"] = _reason(fields.get("reason", exemption.reason))
        model_update(obj=exemption, data=fields, actor=actor, action="fee_exemption.update")
    return exemption


def exemption_delete(*, actor: Actor, exemption: FeeExemption) -> None:
    require_manager(actor)
    model_delete(obj=exemption, actor=actor, action="fee_exemption.delete")


# --- assessment runs ----------------------------------------------------------------------


def schedule_period(schedule: FeeSchedule, key: str) -> Period:
    """The schedule's period named `key`, checked to fall (at least partly) within the schedule."""
    period = parse_period(schedule.period, key)
    if period.end < schedule.effective_from or (
        schedule.effective_until and period.start > schedule.effective_until
    ):
        raise ValidationError({"period": f"Положение «{schedule}» не действует в периоде «{period.label}»."})
    return period


def assessment_start(
    *, actor: Actor, schedule: FeeSchedule, period: str, issue_date: dt.date | None = None
) -> AssessmentRun:
    """Queue an assessment of every liable member for `period` (e.g. «2025» or «2025-Q2»)."""
    require_manager(actor)
    found = schedule_period(schedule, period)
    cluster = current_cluster(actor)
    if cluster is None:
        raise ValidationError("Начисление проводится на сайте кластера.")
    with transaction.atomic():
        schedule = FeeSchedule.objects.select_for_update().get(pk=schedule.pk)
        current = run_in_progress(schedule=schedule, period=found.key)
        if current is not None and not job_fail_if_lost(current):  # a lost run no longer blocks
            raise ValidationError({"period": f"Начисление за период «{found.label}» уже выполняется."})
        run = AssessmentRun(
            schedule=schedule,
            period=found.key,
            period_start=found.start,
            period_end=found.end,
            issue_date=issue_date or cluster_today(cluster),
            created_by=actor.user,
            host=actor.host,
        )
        run.full_clean()
        run.save()
        audit_record(
            actor=actor,
            action="assessment.start",
            obj=run,
            changes={
                "period": [None, found.key],
                "schedule": [None, schedule.pk],
                "issue_date": [None, str(run.issue_date)],
            },
        )
        enqueue_on_commit("fees.assessment_run", run.pk)
    return run


def _progress(run: AssessmentRun, **fields: Any) -> None:
    """Visible at once to the page that polls the run (outside any transaction)."""
    for key, value in fields.items():
        setattr(run, key, value)
    AssessmentRun.objects.filter(pk=run.pk).update(**fields)


def _request(charge: Charge, *, issue_date: dt.date, grace_days: int) -> InvoiceRequest:
    member = charge.member
    return InvoiceRequest(
        company_id=member.company_id,
        company_name=member.name,
        company_inn=member.inn,
        company_kpp=member.kpp,
        lines=[
            InvoiceLineSpec(
                description=charge.description, unit_price_kopecks=charge.amount_kopecks, code=charge.kind
            )
        ],
        issue_date=issue_date,
        due_date=charge.due_date,
        period_label=charge.period_label,
        source_key=charge.source_key,
        grace_days=grace_days,
    )


def _failure(charge: Charge, exc: Exception) -> dict[str, Any]:
    messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
    return {
        "company_id": charge.member.company_id,
        "company": charge.member.name,
        "message": " ".join(messages),
    }


def _issue_batch(
    *, run: AssessmentRun, actor: Actor, batch: list[Charge], grace_days: int, errors: list[dict[str, Any]]
) -> tuple[int, int, int]:
    """Issue a batch of invoices in one transaction (one commit, not one per invoice): (created,
    existing, amount). A member's refusal (ValidationError) is recorded and the others go on; if
    the batch itself fails, none of it counts and a re-run issues it."""
    created = existing = amount = 0
    failed: list[dict[str, Any]] = []
    committed: list[bool] = []
    cluster = actor.cluster
    if cluster is None:
        raise RuntimeError("an assessment acts for a cluster")
    by_key = {charge.source_key: charge for charge in batch}
    try:
        with transaction.atomic():
            transaction.on_commit(lambda: committed.append(True))  # runs first after the commit
            outcome = invoices_issue_many(
                actor=actor,
                cluster=cluster,
                requests=[
                    _request(charge, issue_date=run.issue_date, grace_days=grace_days) for charge in batch
                ],
            )
            created = len(outcome.created)
            amount = sum(invoice.amount_kopecks for invoice in outcome.created)
            existing = len(outcome.existing)  # issued meanwhile by someone else
            failed = [_failure(by_key[key], exc) for key, exc in outcome.refused.items()]
    except Exception as exc:
        if not committed:  # the batch was rolled back: nothing of it happened
            logger.exception("assessment run %s: a batch of %s invoices failed", run.pk, len(batch))
            errors.extend(_failure(charge, exc) for charge in batch)
            return 0, 0, 0
        # committed, then an after-commit hook (an e-mail task) failed: billing's sweep resends it
        logger.exception("assessment run %s: after-commit work of a batch failed", run.pk)
    errors.extend(failed)
    return created, existing, amount


def assessment_execute(*, run_id: int) -> AssessmentRun | None:
    """Carry out a queued run (safe to call twice: a finished run is left as it is, and invoices
    already issued are never issued again)."""
    run = AssessmentRun.objects.select_related("schedule").filter(pk=run_id).first()
    if run is None or run.is_finished:
        return run
    cluster = current_cluster()
    if cluster is None:
        raise RuntimeError("assessment_execute must run inside a cluster schema")
    actor = Actor(user=run.created_by, host=run.host, cluster=cluster)
    schedule = run.schedule
    _progress(run, status=AssessmentRun.Status.RUNNING, started_at=timezone.now(), processed=0)
    errors: list[dict[str, Any]] = []
    try:
        period = parse_period(schedule.period, run.period)
        members = member_facts(period=period, tz=cluster.tzinfo)
        exemptions = exemptions_by_company(start=min(period.start, schedule.effective_from), end=period.end)
        plan = plan_assessment(
            schedule=schedule,
            tiers=schedule_tiers(schedule=schedule),
            period=period,
            members=members,
            exemptions=exemptions,
            issue_date=run.issue_date,
        )
        issued = issued_source_keys(cluster=cluster, keys=[c.source_key for c in plan.charges])
        _progress(run, total=len(plan.charges), exempt_count=len(plan.exempt))
        todo = [c for c in plan.charges if c.source_key not in issued]
        existing = len(plan.charges) - len(todo)
        created = amount = 0
        _progress(run, processed=existing, existing_count=existing)
        for first in range(0, len(todo), BATCH):
            batch = todo[first : first + BATCH]
            done = _issue_batch(
                run=run, actor=actor, batch=batch, grace_days=schedule.grace_days, errors=errors
            )
            created += done[0]
            existing += done[1]
            amount += done[2]
            _progress(
                run,
                processed=existing + created + len(errors),
                created_count=created,
                existing_count=existing,
                amount_kopecks=amount,
                errors=errors,
            )
    except Exception as exc:  # recorded on the run for staff to see; the log keeps the traceback
        logger.exception("assessment run %s failed", run.pk)
        errors.append({"company_id": None, "company": "", "message": f"Начисление прервано: {exc}"})
    status = AssessmentRun.Status.FAILED if errors else AssessmentRun.Status.DONE
    with transaction.atomic():
        _progress(run, status=status, errors=errors, finished_at=timezone.now())
        audit_record(
            actor=actor,
            action="assessment.finish",
            obj=run,
            changes={
                "status": [AssessmentRun.Status.RUNNING, status],
                "created_count": [0, run.created_count],
                "existing_count": [0, run.existing_count],
                "exempt_count": [0, run.exempt_count],
                "errors": [0, len(errors)],
            },
        )
        if run.created_count:
            refresh_soon()  # dues invoiced moved: the ministry's warehouse refreshes this cluster after commit
    return run
