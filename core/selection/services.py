"""Writes of the PROКЛАСТЕРЫ selection: calls, applications, experts, scores, clarifications, decisions.

Every rule here raises a Russian ValidationError (naming the field) or PermissionDenied and changes
nothing; every write is atomic with its audit row.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_tenants.utils import schema_context

from core.accounts.models import Grant, User
from core.accounts.selectors import user_cluster_roles, user_grants, user_ministry_scope
from core.audit.services import Actor, audit_record, model_create, model_update
from core.files import delete_files_on_commit, document_check, stored_file_rollback
from tenants.models import Cluster

from .models import (
    Application,
    ApplicationAttachment,
    ApplicationVersion,
    Assignment,
    Call,
    Clarification,
    Criterion,
    Decision,
    ExpertAssignment,
    Score,
)
from .snapshot import live_sections

CALL_MANAGERS_ONLY = "Отборы ведут федеральные сотрудники министерства и администраторы платформы."
CLUSTER_ADMINS_ONLY = "Заявку на отбор готовит и подаёт администратор кластера."
MINISTRY_ONLY = "Это действие доступно сотрудникам министерства и администраторам платформы."
NOT_AN_EXPERT = "Вы не назначены экспертом этого отбора."
NOT_YOUR_REVIEW = "Эта заявка не назначена вам на экспертизу."
CONFLICT = (
    "Конфликт интересов: эксперт не может оценивать кластер, в котором у него есть права, "
    "или кластер региона, который он курирует."
)
OUT_OF_SCOPE = "Заявка кластера вне ваших регионов."
NARRATIVE_FIELDS = ("goals", "anchor_project", "team", "expected_effects")
CONFLICT_GRANTS = Q(cluster__isnull=False) | Q(role=Grant.Role.MINISTRY_REGIONAL)
REVIEWABLE = (
    Application.Status.SUBMITTED,
    Application.Status.CLARIFICATION_REQUESTED,
    Application.Status.RANKED,
)


# --- who may do what ------------------------------------------------------------------------


def _user(actor: Actor) -> User | None:
    return actor.user


def require_call_manager(actor: Actor) -> None:
    user = _user(actor)
    if user is None:
        return
    if not any(g.role in {Grant.Role.PLATFORM_ADMIN, Grant.Role.MINISTRY_FEDERAL} for g in user_grants(user)):
        raise PermissionDenied(CALL_MANAGERS_ONLY)


def require_cluster_admin(actor: Actor, cluster: Cluster) -> None:
    if actor.cluster is not None and actor.cluster.pk != cluster.pk:
        raise PermissionDenied(CLUSTER_ADMINS_ONLY)
    user = _user(actor)
    if user is not None and Grant.Role.CLUSTER_ADMIN not in user_cluster_roles(user, cluster):
        raise PermissionDenied(CLUSTER_ADMINS_ONLY)


def require_ministry_for(actor: Actor, cluster: Cluster) -> None:
    """A ministry user (regional: the cluster's region) or a platform admin."""
    user = _user(actor)
    if user is None:
        return
    scope = user_ministry_scope(user)
    if scope is None:
        raise PermissionDenied(MINISTRY_ONLY)
    if not scope.allows(cluster):
        raise PermissionDenied(OUT_OF_SCOPE)


def conflict_of_interest(*, expert: User, cluster: Cluster) -> bool:
    """The expert holds any grant in the cluster, or administers (as a regional ministry user) one of
    its regions."""
    regions = set(cluster.region_codes)
    for grant in Grant.objects.filter(Q(user=expert) & CONFLICT_GRANTS):
        if grant.cluster_id == cluster.pk:
            return True
        if grant.role == Grant.Role.MINISTRY_REGIONAL and regions & set(grant.region_codes):
            return True
    return False


def _is_call_expert(*, call: Call, user: User) -> bool:
    return ExpertAssignment.objects.filter(call=call, expert=user).exists()


# --- calls ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CriterionInput:
    code: str
    name: str
    weight: Decimal | int | str = 1
    scale_min: int = 0
    scale_max: int = 10
    description: str = ""


def _criteria_clean(criteria: list[CriterionInput]) -> None:
    if not criteria:
        raise ValidationError({"criteria": "Добавьте хотя бы один критерий оценки."})
    codes = Counter(c.code for c in criteria)
    twice = sorted(code for code, n in codes.items() if n > 1)
    if twice:
        raise ValidationError({"criteria": "Коды критериев повторяются: " + ", ".join(twice) + "."})


@transaction.atomic
def call_create(
    *,
    title: str,
    year: int,
    opens_at: Any,
    closes_at: Any,
    criteria: list[CriterionInput],
    eligible_kinds: list[str] | None = None,
    eligible_registry_statuses: list[str] | None = None,
    required_sections: list[str] | None = None,
    required_attachments: list[str] | None = None,
    experts_per_application: int = 3,
    description: str = "",
    outlier_spread: Decimal | None = None,
    is_demo: bool = False,
    actor: Actor,
) -> Call:
    require_call_manager(actor)
    _criteria_clean(criteria)
    kinds = list(eligible_kinds or [])
    bad = sorted(set(kinds) - set(Cluster.Kind.values))
    if bad:
        raise ValidationError({"eligible_kinds": "Неизвестный тип кластера: " + ", ".join(bad) + "."})
    statuses = list(eligible_registry_statuses or [])
    bad = sorted(set(statuses) - set(Cluster.RegistryStatus.values))
    if bad:
        raise ValidationError(
            {"eligible_registry_statuses": "Неизвестный статус в реестре: " + ", ".join(bad) + "."}
        )
    sections = list(required_sections or [])
    bad = sorted(set(sections) - set(Call.Section.values))
    if bad:
        raise ValidationError({"required_sections": "Неизвестный раздел заявки: " + ", ".join(bad) + "."})
    call = Call(
        title=title,
        year=year,
        opens_at=opens_at,
        closes_at=closes_at,
        description=description,
        eligible_kinds=kinds,
        eligible_registry_statuses=statuses,
        required_sections=sections,
        required_attachments=[a.strip() for a in required_attachments or [] if a.strip()],
        experts_per_application=experts_per_application,
        outlier_spread=outlier_spread,
        is_demo=is_demo,
        created_by=actor.user,
    )
    model_create(obj=call, actor=actor, action="selection.call_create")
    for position, c in enumerate(criteria):
        criterion = Criterion(
            call=call,
            code=c.code,
            name=c.name,
            weight=c.weight,
            scale_min=c.scale_min,
            scale_max=c.scale_max,
            description=c.description,
            position=position,
        )
        try:
            criterion.full_clean()
        except ValidationError as exc:
            raise ValidationError(
                {"criteria": f"Критерий «{c.name or c.code}»: " + "; ".join(exc.messages)}
            ) from exc
        criterion.save()
    return call


def _call_status(*, call: Call, to: str, allowed_from: tuple[str, ...], message: str, actor: Actor) -> Call:
    require_call_manager(actor)
    with transaction.atomic():
        call = Call.objects.select_for_update().get(pk=call.pk)
        if call.status not in allowed_from:
            raise ValidationError({"status": message})
        before = call.status
        call.status = to
        if to == Call.Status.PUBLISHED:
            call.results_published_at = timezone.now()
        call.save(update_fields=["status", "results_published_at", "updated_at"])
        audit_record(actor=actor, action=f"selection.call_{to}", obj=call, changes={"status": [before, to]})
    return call


def call_open(*, call: Call, actor: Actor) -> Call:
    return _call_status(
        call=call,
        to=Call.Status.OPEN,
        allowed_from=(Call.Status.DRAFT,),
        message="Открыть приём можно только у черновика отбора.",
        actor=actor,
    )


def call_close(*, call: Call, actor: Actor) -> Call:
    return _call_status(
        call=call,
        to=Call.Status.CLOSED,
        allowed_from=(Call.Status.OPEN,),
        message="Завершить приём можно только у открытого отбора.",
        actor=actor,
    )


def call_publish_results(*, call: Call, actor: Actor) -> Call:
    undecided = (
        Application.objects.filter(call=call)
        .exclude(status=Application.Status.DRAFT)
        .filter(decision__isnull=True)
        .count()
    )
    if undecided:
        raise ValidationError(
            {"status": f"Нет решения комиссии по {undecided} заявкам: итоги публиковать рано."}
        )
    return _call_status(
        call=call,
        to=Call.Status.PUBLISHED,
        allowed_from=(Call.Status.CLOSED,),
        message="Итоги публикуются после завершения приёма заявок.",
        actor=actor,
    )


def eligibility_error(*, call: Call, cluster: Cluster, now: Any = None) -> str | None:
    """Why the cluster may not apply to the call now (None: it may)."""
    now = now or timezone.now()
    if call.status != Call.Status.OPEN:
        return "Приём заявок на этот отбор не открыт."
    if now < call.opens_at:
        return f"Приём заявок начнётся {timezone.localtime(call.opens_at, cluster.tzinfo):%d.%m.%Y %H:%M}."
    if now >= call.closes_at:
        return f"Приём заявок завершён {timezone.localtime(call.closes_at, cluster.tzinfo):%d.%m.%Y %H:%M}."
    if call.eligible_kinds and cluster.kind not in call.eligible_kinds:
        return "Отбор не для кластеров этого типа: " + cluster.get_kind_display() + "."
    if call.eligible_registry_statuses and cluster.registry_status not in call.eligible_registry_statuses:
        return (
            "Отбор не для кластеров с таким статусом в реестре: "
            + cluster.get_registry_status_display()
            + "."
        )
    return None


# --- experts ----------------------------------------------------------------------------------


@transaction.atomic
def expert_grant(*, call: Call, expert: User, actor: Actor) -> ExpertAssignment:
    """The ministry role «эксперт» for one call."""
    require_call_manager(actor)
    if ExpertAssignment.objects.filter(call=call, expert=expert).exists():
        raise ValidationError({"expert": "Этот эксперт уже назначен на отбор."})
    row = ExpertAssignment(call=call, expert=expert, granted_by=actor.user)
    model_create(obj=row, actor=actor, action="selection.expert_grant")
    return row


def _assign_check(*, application: Application, expert: User) -> None:
    if application.status not in REVIEWABLE:
        raise ValidationError({"application": "Назначать экспертов можно только на поданные заявки."})
    if not _is_call_expert(call=application.call, user=expert):
        raise ValidationError({"expert": "Пользователь не назначен экспертом этого отбора."})
    if conflict_of_interest(expert=expert, cluster=application.cluster):
        raise ValidationError({"expert": CONFLICT})
    if Assignment.objects.filter(application=application, expert=expert).exists():
        raise ValidationError({"expert": "Эксперт уже назначен на эту заявку."})


@transaction.atomic
def assignment_create(*, application: Application, expert: User, actor: Actor) -> Assignment:
    """Give an application to an expert by hand (conflict-of-interest rule enforced)."""
    require_call_manager(actor)
    _assign_check(application=application, expert=expert)
    row = Assignment(application=application, expert=expert, assigned_by=actor.user)
    model_create(obj=row, actor=actor, action="selection.assignment_create")
    return row


@transaction.atomic
def assignments_distribute(*, call: Call, actor: Actor, seed: int | None = None) -> list[Assignment]:
    """Fill every submitted application up to the call's experts per application, evenly at random:
    each time the least-loaded experts without a conflict of interest, ties broken at random."""
    require_call_manager(actor)
    rng = random.Random(seed)  # noqa: S311 - fairness, not security
    experts = [row.expert for row in ExpertAssignment.objects.filter(call=call).select_related("expert")]
    if not experts:
        raise ValidationError({"experts": "У отбора нет экспертов."})
    applications = list(
        Application.objects.filter(call=call, status__in=REVIEWABLE).select_related("cluster").order_by("pk")
    )
    existing = list(
        Assignment.objects.filter(application__call=call).values_list("application_id", "expert_id")
    )
    load = Counter(expert_id for _, expert_id in existing)
    taken: dict[int, set[int]] = {}
    for application_id, expert_id in existing:
        taken.setdefault(application_id, set()).add(expert_id)
    grants = list(Grant.objects.filter(Q(user__in=experts) & CONFLICT_GRANTS))
    created: list[Assignment] = []
    rng.shuffle(applications)
    for application in applications:
        have = taken.setdefault(application.pk, set())
        regions = set(application.cluster.region_codes)
        conflicted = {
            g.user_id
            for g in grants
            if g.cluster_id == application.cluster_id
            or (g.role == Grant.Role.MINISTRY_REGIONAL and regions & set(g.region_codes))
        }
        candidates = [e for e in experts if e.pk not in have and e.pk not in conflicted]
        rng.shuffle(candidates)
        candidates.sort(key=lambda e: load[e.pk])
        for expert in candidates[: max(0, call.experts_per_application - len(have))]:
            created.append(Assignment(application=application, expert=expert, assigned_by=actor.user))
            have.add(expert.pk)
            load[expert.pk] += 1
    Assignment.objects.bulk_create(created)
    audit_record(
        actor=actor,
        action="selection.assignments_distribute",
        obj=call,
        changes={"assignments": len(created)},
    )
    return created


# --- scores -----------------------------------------------------------------------------------


def _review_check(*, assignment: Assignment, actor: Actor) -> None:
    user = _user(actor)
    if user is None or assignment.expert_id != user.pk:
        raise PermissionDenied(NOT_YOUR_REVIEW)
    application = assignment.application
    if not _is_call_expert(call=application.call, user=user):
        raise PermissionDenied(NOT_AN_EXPERT)
    if conflict_of_interest(expert=user, cluster=application.cluster):
        raise PermissionDenied(CONFLICT)
    if application.call.status == Call.Status.PUBLISHED:
        raise ValidationError({"application": "Итоги отбора опубликованы: оценки не меняются."})
    if assignment.submitted_at is not None:
        raise ValidationError({"scores": "Оценки по этой заявке уже отправлены."})


def _value_clean(raw: Any, criterion: Criterion) -> Decimal:
    try:
        value = Decimal(str(raw).replace(",", ".").strip())
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError({"value": f"Критерий «{criterion.name}»: оценка должна быть числом."}) from exc
    if not value.is_finite() or value < criterion.scale_min or value > criterion.scale_max:
        raise ValidationError(
            {
                "value": f"Критерий «{criterion.name}»: оценка должна быть от "
                f"{criterion.scale_min} до {criterion.scale_max}."
            }
        )
    return value.quantize(Decimal("0.01"))


@transaction.atomic
def scores_save(*, assignment: Assignment, scores: dict[int, tuple[Any, str]], actor: Actor) -> list[Score]:
    """Save (draft) scores: {criterion_id: (value, comment)}. All or nothing."""
    assignment = (
        Assignment.objects.select_for_update()
        .select_related("application__call", "application__cluster")
        .get(pk=assignment.pk)
    )
    _review_check(assignment=assignment, actor=actor)
    criteria = {c.pk: c for c in Criterion.objects.filter(call_id=assignment.application.call_id)}
    unknown = sorted(set(scores) - set(criteria))
    if unknown:
        raise ValidationError(
            {"criterion": "Такого критерия в отборе нет: " + ", ".join(map(str, unknown)) + "."}
        )
    saved = []
    for criterion_id, (raw, comment) in scores.items():
        criterion = criteria[criterion_id]
        value = _value_clean(raw, criterion)
        row, _ = Score.objects.update_or_create(
            assignment=assignment,
            criterion=criterion,
            defaults={"value": value, "comment": (comment or "").strip()},
        )
        saved.append(row)
    audit_record(
        actor=actor,
        action="selection.scores_save",
        obj=assignment,
        changes={"scores": {str(s.criterion_id): str(s.value) for s in saved}},
    )
    return saved


@transaction.atomic
def review_submit(*, assignment: Assignment, actor: Actor) -> Assignment:
    """Submit the scores: every criterion scored with a comment. Then others' scores open to the expert."""
    assignment = (
        Assignment.objects.select_for_update()
        .select_related("application__call", "application__cluster")
        .get(pk=assignment.pk)
    )
    _review_check(assignment=assignment, actor=actor)
    application = assignment.application
    criteria = list(Criterion.objects.filter(call_id=application.call_id))
    scored = {s.criterion_id: s for s in Score.objects.filter(assignment=assignment)}
    missing = [c.name for c in criteria if c.pk not in scored]
    if missing:
        raise ValidationError({"scores": "Не оценены критерии: " + ", ".join(missing) + "."})
    uncommented = [c.name for c in criteria if not scored[c.pk].comment]
    if uncommented:
        raise ValidationError({"comment": "Добавьте комментарий к оценке: " + ", ".join(uncommented) + "."})
    Score.objects.filter(assignment=assignment).update(submitted=True)
    assignment.submitted_at = timezone.now()
    assignment.save(update_fields=["submitted_at"])
    done = Assignment.objects.filter(application=application, submitted_at__isnull=False).count()
    if (
        done >= application.call.experts_per_application
        and application.status == Application.Status.SUBMITTED
    ):
        application.status = Application.Status.RANKED
        application.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, action="selection.review_submit", obj=assignment)
    return assignment


# --- applications (cluster side) ---------------------------------------------------------------


def _effects_clean(raw: Any) -> list[dict[str, Any]]:
    if raw in (None, ""):
        return []
    if not isinstance(raw, list):
        raise ValidationError({"expected_effects": "Ожидаемые эффекты — список показателей."})
    clean = []
    for n, item in enumerate(raw, start=1):
        if not isinstance(item, dict) or not str(item.get("name", "")).strip():
            raise ValidationError({"expected_effects": f"Эффект {n}: укажите название показателя."})
        target = str(item.get("target", "")).replace(",", ".").strip()
        try:
            Decimal(target)
        except (InvalidOperation, ValueError) as exc:
            raise ValidationError(
                {"expected_effects": f"Эффект {n}: целевое значение должно быть числом."}
            ) from exc
        baseline = str(item.get("baseline", "") or "").replace(",", ".").strip()
        if baseline:
            try:
                Decimal(baseline)
            except (InvalidOperation, ValueError) as exc:
                raise ValidationError(
                    {"expected_effects": f"Эффект {n}: базовое значение должно быть числом."}
                ) from exc
        year = item.get("year")
        if year not in (None, "") and not str(year).isdigit():
            raise ValidationError({"expected_effects": f"Эффект {n}: год — четыре цифры."})
        clean.append(
            {
                "name": str(item["name"]).strip()[:300],
                "unit": str(item.get("unit", "")).strip()[:30],
                "baseline": baseline or None,
                "target": target,
                "year": int(year) if year not in (None, "") else None,
            }
        )
    return clean


@transaction.atomic
def application_create(*, call: Call, cluster: Cluster, actor: Actor) -> Application:
    require_cluster_admin(actor, cluster)
    error = eligibility_error(call=call, cluster=cluster)
    if error:
        raise ValidationError({"call": error})
    if Application.objects.filter(call=call, cluster=cluster).exists():
        raise ValidationError({"call": "Кластер уже подаёт заявку на этот отбор."})
    application = Application(call=call, cluster=cluster)
    model_create(obj=application, actor=actor, action="selection.application_create")
    return application


EDITABLE = (Application.Status.DRAFT, Application.Status.CLARIFICATION_REQUESTED)


@transaction.atomic
def application_update(*, application: Application, data: dict[str, Any], actor: Actor) -> Application:
    """Edit the narrative (goals, anchor project, team, expected effects) of a draft, or while the
    ministry has asked for a clarification."""
    application = (
        Application.objects.select_for_update().select_related("call", "cluster").get(pk=application.pk)
    )
    require_cluster_admin(actor, application.cluster)
    if application.status not in EDITABLE:
        raise ValidationError(
            {"status": "Заявка подана: править её можно только по запросу уточнений министерства."}
        )
    unknown = sorted(set(data) - set(NARRATIVE_FIELDS))
    if unknown:
        raise ValidationError({unknown[0]: "Это поле заявки не редактируется."})
    clean = dict(data)
    if "expected_effects" in clean:
        clean["expected_effects"] = _effects_clean(clean["expected_effects"])
    for key in ("goals", "anchor_project", "team"):
        if key in clean:
            clean[key] = str(clean[key] or "").strip()
    model_update(
        obj=application,
        data=clean,
        actor=actor,
        action="selection.application_update",
        audited=list(NARRATIVE_FIELDS),
    )
    return application


def attachment_add(*, application: Application, name: str, file: Any, actor: Actor) -> ApplicationAttachment:
    """Attach a file (e.g. the presentation) to an application the cluster may still edit."""
    with transaction.atomic():
        application = Application.objects.select_for_update().select_related("cluster").get(pk=application.pk)
        require_cluster_admin(actor, application.cluster)
        if application.status not in EDITABLE:
            raise ValidationError({"file": "Заявка подана: приложения меняются только по запросу уточнений."})
        name = (name or "").strip()
        if not name:
            raise ValidationError({"name": "Укажите, что это за приложение (например, «Презентация»)."})
        original = document_check(file)
        row = ApplicationAttachment(
            application=application,
            name=name[:200],
            file=file,
            original_name=original[:255],
            size=file.size or 0,
            uploaded_by=actor.user,
        )
        with stored_file_rollback(row.file, keep=[file.name]):
            model_create(obj=row, actor=actor, action="selection.attachment_add")
    return row


@transaction.atomic
def attachment_delete(*, attachment: ApplicationAttachment, actor: Actor) -> None:
    application = (
        Application.objects.select_for_update().select_related("cluster").get(pk=attachment.application_id)
    )
    require_cluster_admin(actor, application.cluster)
    if application.status not in EDITABLE:
        raise ValidationError({"file": "Заявка подана: приложения меняются только по запросу уточнений."})
    audit_record(
        actor=actor,
        action="selection.attachment_delete",
        obj=attachment,
        changes={"name": attachment.name, "file": attachment.original_name},
    )
    name = attachment.file.name
    attachment.delete()
    delete_files_on_commit(attachment.file.storage, [name])


def _completeness(application: Application) -> None:
    call = application.call
    missing = [
        Call.Section(code).label for code in call.required_sections if not (getattr(application, code, None))
    ]
    if missing:
        first = next(code for code in call.required_sections if not getattr(application, code, None))
        raise ValidationError(
            {first: "Заполните обязательные разделы: " + ", ".join(map(str, missing)) + "."}
        )
    have = set(application.attachments.values_list("name", flat=True))
    absent = [name for name in call.required_attachments if name not in have]
    if absent:
        raise ValidationError({"attachments": "Приложите обязательные файлы: " + ", ".join(absent) + "."})


def _freeze(*, application: Application, actor: Actor, reason: str) -> Application:
    """Take the live sections inside the cluster's schema and freeze them with the narrative."""
    cluster = application.cluster
    with schema_context(cluster.schema_name):
        sections = live_sections(cluster=cluster)
    now = timezone.now()
    user = _user(actor)
    snapshot = {
        "call": {"id": application.call_id, "title": application.call.title, "year": application.call.year},
        "cluster": {
            "id": cluster.pk,
            "name": cluster.name,
            "short_name": cluster.short_name,
            "region_codes": list(cluster.region_codes),
            "kind": cluster.kind,
            "registry_status": cluster.registry_status,
        },
        "sections": sections,
        "narrative": {key: getattr(application, key) for key in NARRATIVE_FIELDS},
        "attachments": [
            {"name": a.name, "file": a.original_name, "size": a.size} for a in application.attachments.all()
        ],
        "submitted_at": now.isoformat(),
    }
    application.version += 1
    application.snapshot = snapshot
    application.submitted_at = now
    application.submitted_by = user
    application.submitted_by_email = user.email if user else ""
    application.version_reason = reason
    application.status = Application.Status.SUBMITTED
    application.full_clean()
    application.save()
    ApplicationVersion.objects.create(
        application=application,
        version=application.version,
        snapshot=snapshot,
        reason=reason,
        submitted_at=now,
        submitted_by=user,
        submitted_by_email=application.submitted_by_email,
    )
    return application


@transaction.atomic
def application_submit(*, application: Application, actor: Actor) -> Application:
    """Submit a draft: the snapshot (live figures as of now + narrative) becomes version 1."""
    application = (
        Application.objects.select_for_update().select_related("call", "cluster").get(pk=application.pk)
    )
    require_cluster_admin(actor, application.cluster)
    if application.status != Application.Status.DRAFT:
        raise ValidationError(
            {"status": "Заявка уже подана: новая версия — только в ответ на запрос уточнений министерства."}
        )
    error = eligibility_error(call=application.call, cluster=application.cluster)
    if error:
        raise ValidationError({"call": error})
    _completeness(application)
    _freeze(application=application, actor=actor, reason="")
    audit_record(
        actor=actor,
        action="selection.application_submit",
        obj=application,
        changes={"version": application.version},
    )
    return application


@transaction.atomic
def clarification_request(*, application: Application, text: str, actor: Actor) -> Clarification:
    """The ministry asks the cluster for a clarification; the cluster may then edit and answer."""
    application = (
        Application.objects.select_for_update().select_related("call", "cluster").get(pk=application.pk)
    )
    require_ministry_for(actor, application.cluster)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"request_text": "Напишите, что нужно уточнить."})
    if application.status not in (Application.Status.SUBMITTED, Application.Status.RANKED):
        raise ValidationError(
            {"application": "Уточнения запрашивают по поданной заявке без открытого запроса."}
        )
    user = _user(actor)
    row = Clarification(
        application=application,
        request_text=text,
        requested_by=user,
        requested_by_email=user.email if user else "",
        requested_at=timezone.now(),
    )
    model_create(obj=row, actor=actor, action="selection.clarification_request")
    application.status = Application.Status.CLARIFICATION_REQUESTED
    application.save(update_fields=["status", "updated_at"])
    return row


@transaction.atomic
def clarification_answer(*, clarification: Clarification, answer: str, actor: Actor) -> Clarification:
    """The cluster answers: the answer is kept with the request and the application is frozen again
    as a new version (live figures and the narrative as of now), the request being its reason."""
    application = (
        Application.objects.select_for_update()
        .select_related("call", "cluster")
        .get(pk=clarification.application_id)
    )
    require_cluster_admin(actor, application.cluster)
    clarification = Clarification.objects.select_for_update().get(pk=clarification.pk)
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError({"answer": "Напишите ответ на запрос."})
    if clarification.answered_at is not None:
        raise ValidationError({"answer": "На этот запрос уже ответили."})
    if application.status != Application.Status.CLARIFICATION_REQUESTED:
        raise ValidationError({"answer": "Министерство не ждёт уточнений по этой заявке."})
    _freeze(
        application=application,
        actor=actor,
        reason=f"Уточнение по запросу министерства: {clarification.request_text}"[:2000],
    )
    user = _user(actor)
    clarification.answer = answer
    clarification.answered_by = user
    clarification.answered_by_email = user.email if user else ""
    clarification.answered_at = timezone.now()
    clarification.version = application.version
    clarification.save()
    done = Assignment.objects.filter(application=application, submitted_at__isnull=False).count()
    if done >= application.call.experts_per_application:
        application.status = Application.Status.RANKED
        application.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action="selection.clarification_answer",
        obj=clarification,
        changes={"version": application.version},
    )
    return clarification


# --- decisions --------------------------------------------------------------------------------


@transaction.atomic
def decision_record(
    *, application: Application, outcome: str, protocol_ref: str = "", comment: str = "", actor: Actor
) -> Decision:
    """The commission's decision (winner / supported / not supported) on a scored application."""
    require_call_manager(actor)
    application = Application.objects.select_for_update().select_related("call").get(pk=application.pk)
    if outcome not in Decision.Outcome.values:
        raise ValidationError(
            {"outcome": "Выберите решение: победитель, рекомендован к поддержке или не поддержан."}
        )
    if application.call.status == Call.Status.PUBLISHED:
        raise ValidationError({"outcome": "Итоги отбора опубликованы: решения не меняются."})
    if application.status not in (Application.Status.RANKED, Application.Status.DECIDED):
        raise ValidationError(
            {
                "outcome": "Решение принимают по оценённой заявке (все эксперты отправили "
                "оценки, уточнения получены)."
            }
        )
    values = {
        "outcome": outcome,
        "protocol_ref": protocol_ref.strip()[:200],
        "comment": comment.strip(),
        "decided_by": actor.user,
        "decided_at": timezone.now(),
    }
    existing = Decision.objects.filter(application=application).first()
    if existing is None:
        decision = Decision(application=application, **values)
        model_create(obj=decision, actor=actor, action="selection.decision_record")
    else:
        decision = existing
        model_update(
            obj=decision,
            data=values,
            actor=actor,
            action="selection.decision_record",
            audited=["outcome", "protocol_ref", "comment"],
        )
    application.status = Application.Status.DECIDED
    application.save(update_fields=["status", "updated_at"])
    return decision
