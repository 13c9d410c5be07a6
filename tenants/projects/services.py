"""Writes of joint projects, their indicators and state support: every rule lives here.

Cluster admins and staff keep projects, budgets, support applications and tranches; the lead
participant's representative (or staff) enters the project's target indicators, which move
draft → submitted → accepted like members' yearly figures. Every bad input is a Russian
ValidationError naming the field, and nothing is saved.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Sum

from core.accounts.access import actor_access, require_manager
from core.audit.services import (
    Actor,
    audit_record,
    fields_only,
    model_create,
    model_delete,
    model_review_move,
    model_update,
)
from core.clock import cluster_tz
from core.ru.money import MAX_KOPECKS, format_roubles
from tenants.governance.models import Decision
from tenants.members.models import Company, CooperationContract, MembershipEvent, Product
from tenants.roadmap.models import Item

from .models import (
    JointProject,
    ProjectBudget,
    ProjectDocument,
    ProjectIndicator,
    ProjectParticipant,
    SupportApplication,
    SupportTranche,
)

MEMBER_STATUSES = frozenset({Company.Status.ADMITTED, Company.Status.ACTIVE, Company.Status.SUSPENDED})
MAX_INDICATOR = 10**15
MAX_SHARE = 100 * 100  # 100 % in hundredths of a per cent
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
PROJECT_FIELDS = frozenset({"title", "kind", "description", "period_start", "period_end"})
INDICATOR_FIELDS = frozenset({"planned", "actual", "comment", "name", "unit"})
NOT_LEAD = "Показатели проекта вносят представитель головного участника и сотрудники кластера."
STATUS_MOVES: dict[str, frozenset[str]] = {
    "idea": frozenset({"approved", "stopped"}),
    "approved": frozenset({"in_progress", "stopped"}),
    "in_progress": frozenset({"done", "stopped"}),
    "done": frozenset(),
    "stopped": frozenset(),
}


# --- checks -----------------------------------------------------------------------------------


def _money(field: str, value: Any, *, label: str, positive: bool = False) -> int:
    amount = int(value if value is not None else 0)
    if amount < 0 or (positive and amount == 0):
        raise ValidationError(
            {field: f"«{label}»: сумма должна быть {'больше нуля' if positive else 'не меньше нуля'}."}
        )
    if amount > MAX_KOPECKS:
        raise ValidationError({field: f"«{label}»: слишком большая сумма ({format_roubles(amount)} ₽)."})
    return amount


def membership_spans(company: Company) -> list[tuple[dt.date, dt.date | None]]:
    """When the company was a member: [(from, until or None)], from its lifecycle history.

    A company with no recorded history counts by its current status (members always were)."""
    events = list(MembershipEvent.objects.filter(company=company).order_by("at", "id"))
    if not events:
        return [(dt.date.min, None)] if company.status in MEMBER_STATUSES else []
    tz = cluster_tz()
    spans: list[tuple[dt.date, dt.date | None]] = []
    start: dt.date | None = None
    for event in events:
        day = event.at.astimezone(tz).date()
        if event.to_status in MEMBER_STATUSES and start is None:
            start = day
        elif event.to_status not in MEMBER_STATUSES and start is not None:
            spans.append((start, day))
            start = None
    if start is not None:
        spans.append((start, None))
    return spans


def membership_problem(company: Company, start: dt.date, end: dt.date) -> str | None:
    """Why the company cannot take part in a project running from start to end (Russian), or None."""
    spans = membership_spans(company)
    if not spans:
        return f"«{company}» не является участником кластера."
    for since, until in spans:
        if since <= start and (until is None or until > end):
            return None
    if company.status not in MEMBER_STATUSES:
        return f"«{company}» вышла из кластера и не была его участником весь срок проекта."
    return f"«{company}» не была участником кластера весь срок проекта ({start:%d.%m.%Y} — {end:%d.%m.%Y})."


def _check_period(start: dt.date, end: dt.date) -> None:
    if end < start:
        raise ValidationError({"period_end": "Окончание проекта раньше его начала."})
    if end.year - start.year > 15:
        raise ValidationError({"period_end": "Срок проекта больше 15 лет: проверьте даты."})


def _check_participants(participants: Sequence[tuple[Company, str]], start: dt.date, end: dt.date) -> None:
    if not participants:
        raise ValidationError({"participants": "Укажите участников проекта."})
    seen: set[int] = set()
    for company, role in participants:
        if role not in ProjectParticipant.Role.values:
            raise ValidationError({"participants": f"Неизвестная роль участника: {role}."})
        if company.pk in seen:
            raise ValidationError({"participants": f"«{company}» указана в проекте дважды."})
        seen.add(company.pk)
        problem = membership_problem(company, start, end)
        if problem:
            raise ValidationError({"participants": problem})
    leads = [c for c, role in participants if role == ProjectParticipant.Role.LEAD]
    if len(leads) != 1:
        raise ValidationError({"participants": "У проекта должен быть ровно один головной участник."})


def _existing(model: type[Any], ids: Iterable[int], field: str, what: str) -> list[Any]:
    wanted = sorted({int(i) for i in ids})
    found = {obj.pk: obj for obj in model.objects.filter(pk__in=wanted)}
    missing = [i for i in wanted if i not in found]
    if missing:
        raise ValidationError(
            {field: f"{what} с номером записи {', '.join(map(str, missing))} нет в этом кластере."}
        )
    return [found[i] for i in wanted]


def _links(
    project: JointProject,
    *,
    participant_ids: set[int],
    product_ids: Iterable[int] | None,
    roadmap_item_ids: Iterable[int] | None,
    contract_ids: Iterable[int] | None,
) -> None:
    if product_ids is not None:
        products = _existing(Product, product_ids, "products", "Продукции")
        for product in products:
            if product.company_id not in participant_ids:
                raise ValidationError(
                    {"products": f"«{product}» выпускает организация, которая не участвует в проекте."}
                )
        project.products.set(products)
    if roadmap_item_ids is not None:
        project.roadmap_items.set(
            _existing(Item, roadmap_item_ids, "roadmap_items", "Мероприятия дорожной карты")
        )
    if contract_ids is not None:
        contracts = _existing(CooperationContract, contract_ids, "contracts", "Договора о кооперации")
        for contract in contracts:
            if not {contract.party_a_id, contract.party_b_id} & participant_ids:
                raise ValidationError({"contracts": f"Договор {contract} заключён не участниками проекта."})
        project.contracts.set(contracts)


# --- projects ---------------------------------------------------------------------------------


def project_create(
    *,
    actor: Actor,
    title: str,
    kind: str,
    period_start: dt.date,
    period_end: dt.date,
    participants: Sequence[tuple[Company, str]],
    description: str = "",
    product_ids: Iterable[int] = (),
    roadmap_item_ids: Iterable[int] = (),
    contract_ids: Iterable[int] = (),
    is_demo: bool = False,
) -> JointProject:
    """A new project (status «идея») with its participants and links, all or nothing."""
    require_manager(actor)
    _check_period(period_start, period_end)
    _check_participants(participants, period_start, period_end)
    project = JointProject(
        title=" ".join(str(title).split()),
        kind=kind,
        description=str(description).strip(),
        period_start=period_start,
        period_end=period_end,
        is_demo=is_demo,
        created_by=actor.user,
    )
    with transaction.atomic():
        model_create(obj=project, actor=actor, action="project.create")
        for company, role in participants:
            ProjectParticipant.objects.create(project=project, company=company, role=role)
        _links(
            project,
            participant_ids={c.pk for c, _ in participants},
            product_ids=product_ids,
            roadmap_item_ids=roadmap_item_ids,
            contract_ids=contract_ids,
        )
        audit_record(
            actor=actor,
            action="project.participants",
            obj=project,
            changes={"participants": [None, [[c.pk, r] for c, r in participants]]},
        )
    return project


def project_update(
    *,
    project: JointProject,
    actor: Actor,
    participants: Sequence[tuple[Company, str]] | None = None,
    product_ids: Iterable[int] | None = None,
    roadmap_item_ids: Iterable[int] | None = None,
    contract_ids: Iterable[int] | None = None,
    **fields: Any,
) -> JointProject:
    require_manager(actor)
    fields_only(fields, PROJECT_FIELDS)
    if "title" in fields:
        fields["title"] = " ".join(str(fields["title"]).split())
    start = fields.get("period_start", project.period_start)
    end = fields.get("period_end", project.period_end)
    _check_period(start, end)
    with transaction.atomic():
        project = JointProject.objects.select_for_update().get(pk=project.pk)
        current = [(p.company, p.role) for p in project.participants.select_related("company")]
        chosen = list(participants) if participants is not None else current
        _check_participants(chosen, start, end)
        years = set(range(start.year, end.year + 1))
        outside = sorted(
            {y for y in project.budget.values_list("year", flat=True)} - years
            | {y for y in project.indicators.values_list("year", flat=True)} - years
        )
        if outside:
            raise ValidationError(
                {
                    "period_end": "За годы вне нового срока уже внесены бюджет или показатели: "
                    + ", ".join(map(str, outside))
                    + "."
                }
            )
        model_update(obj=project, data=fields, actor=actor, action="project.update")
        if participants is not None:
            in_use = set(
                SupportApplication.objects.filter(project=project).values_list("company_id", flat=True)
            )
            dropped = in_use - {c.pk for c, _ in chosen}
            if dropped:
                raise ValidationError(
                    {
                        "participants": "У организации, которую вы убираете из проекта, есть заявки "
                        "на поддержку по нему."
                    }
                )
            project.participants.all().delete()
            for company, role in chosen:
                ProjectParticipant.objects.create(project=project, company=company, role=role)
            audit_record(
                actor=actor,
                action="project.participants",
                obj=project,
                changes={"participants": [[[c.pk, r] for c, r in current], [[c.pk, r] for c, r in chosen]]},
            )
        _links(
            project,
            participant_ids={c.pk for c, _ in chosen},
            product_ids=product_ids,
            roadmap_item_ids=roadmap_item_ids,
            contract_ids=contract_ids,
        )
    return project


def project_set_status(
    *, project: JointProject, actor: Actor, status: str, decision: Decision | None = None
) -> JointProject:
    """idea → approved (by an adopted decision of a cluster body) → in progress → done; any → stopped."""
    require_manager(actor)
    with transaction.atomic():
        project = JointProject.objects.select_for_update().get(pk=project.pk)
        if status not in STATUS_MOVES.get(project.status, frozenset()):
            raise ValidationError(
                {
                    "status": f"Из состояния «{project.get_status_display()}» в «"
                    f"{JointProject.Status(status).label if status in JointProject.Status.values else status}» "
                    f"перейти нельзя."
                }
            )
        data: dict[str, Any] = {"status": status}
        if status == JointProject.Status.APPROVED:
            if decision is None:
                raise ValidationError({"decision": "Одобрение проекта оформляется решением органа кластера."})
            if not decision.adopted:
                raise ValidationError({"decision": "Это решение не принято."})
            data["approved_by"] = decision
        model_update(obj=project, data=data, actor=actor, action="project.status")
    return project


def project_delete(*, project: JointProject, actor: Actor) -> None:
    require_manager(actor)
    if project.status != JointProject.Status.IDEA:
        raise ValidationError(
            "Удалить можно только проект в состоянии «Идея»; одобренный проект можно остановить."
        )
    if project.support_applications.exists():
        raise ValidationError("По проекту есть заявки на поддержку: удалить его нельзя.")
    model_delete(obj=project, actor=actor, action="project.delete")


# --- budget -----------------------------------------------------------------------------------


def _check_year(project: JointProject, year: int) -> None:
    if year not in project.years:
        raise ValidationError(
            {"year": f"Год {year} вне срока проекта ({project.period_start.year}–{project.period_end.year})."}
        )


def budget_set(
    *, project: JointProject, actor: Actor, year: int, source: str, amount_kopecks: int
) -> ProjectBudget:
    """The planned amount of a year and source (0 removes nothing: it records zero)."""
    require_manager(actor)
    _check_year(project, year)
    if source not in ProjectBudget.Source.values:
        raise ValidationError({"source": "Неизвестный источник финансирования."})
    amount = _money("amount_kopecks", amount_kopecks, label="Сумма")
    with transaction.atomic():
        row = (
            ProjectBudget.objects.select_for_update()
            .filter(project=project, year=year, source=source)
            .first()
        )
        if row is None:
            row = ProjectBudget(project=project, year=year, source=source, amount_kopecks=amount)
            model_create(obj=row, actor=actor, action="project.budget")
        else:
            model_update(obj=row, data={"amount_kopecks": amount}, actor=actor, action="project.budget")
    return row


def budget_delete(*, row: ProjectBudget, actor: Actor) -> None:
    require_manager(actor)
    model_delete(obj=row, actor=actor, action="project.budget_delete")


# --- target indicators ------------------------------------------------------------------------


def _lead_id(project: JointProject) -> int | None:
    return (
        ProjectParticipant.objects.filter(project=project, role=ProjectParticipant.Role.LEAD)
        .values_list("company_id", flat=True)
        .first()
    )


def require_indicator_writer(actor: Actor, project: JointProject) -> bool:
    """The actor manages the cluster (True) or represents the lead participant (False); else 403."""
    access = actor_access(actor)
    if access.manager:
        return True
    lead = _lead_id(project)
    if lead is None or lead not in access.company_ids:
        raise PermissionDenied(NOT_LEAD)
    return False


def _indicator_value(field: str, value: Any, kind: str) -> int | None:
    if value is None:
        return None
    number = int(value)
    label = "План" if field == "planned" else "Факт"
    if number < 0:
        raise ValidationError({field: f"«{label}» не может быть отрицательным."})
    if kind == ProjectIndicator.Kind.IMPORT_SHARE and number > MAX_SHARE:
        raise ValidationError({field: f"«{label}»: доля не может быть больше 100 %."})
    if number > MAX_INDICATOR:
        raise ValidationError({field: f"«{label}»: слишком большое значение."})
    return number


def indicator_create(
    *,
    project: JointProject,
    actor: Actor,
    year: int,
    kind: str,
    planned: int | None,
    actual: int | None = None,
    name: str = "",
    unit: str = "",
    comment: str = "",
) -> ProjectIndicator:
    require_indicator_writer(actor, project)
    _check_year(project, year)
    if kind not in ProjectIndicator.Kind.values:
        raise ValidationError({"kind": "Неизвестный показатель."})
    if planned is None:
        raise ValidationError({"planned": "Укажите плановое значение."})
    name, unit = " ".join(str(name).split()), str(unit).strip()
    if kind == ProjectIndicator.Kind.CUSTOM and (not name or not unit):
        raise ValidationError({"name": "У другого показателя укажите название и единицу измерения."})
    if kind != ProjectIndicator.Kind.CUSTOM:
        name, unit = "", ""
    duplicate = ProjectIndicator.objects.filter(project=project, year=year, kind=kind)
    if kind == ProjectIndicator.Kind.CUSTOM:
        duplicate = duplicate.filter(name=name)
    if duplicate.exists():
        raise ValidationError({"kind": f"Этот показатель за {year} год уже внесён: откройте его и измените."})
    indicator = ProjectIndicator(
        project=project,
        year=year,
        kind=kind,
        name=name,
        unit=unit,
        planned=_indicator_value("planned", planned, kind) or 0,
        actual=_indicator_value("actual", actual, kind),
        comment=str(comment).strip(),
        entered_by=actor.user,
    )
    model_create(obj=indicator, actor=actor, action="project_indicator.create")
    return indicator


def indicator_update(*, indicator: ProjectIndicator, actor: Actor, **fields: Any) -> ProjectIndicator:
    """The lead's representative changes drafts; staff any indicator not yet accepted."""
    fields_only(fields, INDICATOR_FIELDS)
    manager = require_indicator_writer(actor, indicator.project)
    for key in ("planned", "actual"):
        if key in fields:
            if key == "planned" and fields[key] is None:
                raise ValidationError({"planned": "Укажите плановое значение."})
            fields[key] = _indicator_value(key, fields[key], indicator.kind)
    if indicator.kind != ProjectIndicator.Kind.CUSTOM:
        fields.pop("name", None)
        fields.pop("unit", None)
    with transaction.atomic():
        indicator = (
            ProjectIndicator.objects.select_for_update().select_related("project").get(pk=indicator.pk)
        )
        if indicator.status == ProjectIndicator.Status.ACCEPTED:
            raise ValidationError("Принятый показатель изменить нельзя: сначала верните его в черновик.")
        if not manager and indicator.status != ProjectIndicator.Status.DRAFT:
            raise ValidationError(
                "Показатель уже отправлен: изменить его можно, когда кластер вернёт его в черновик."
            )
        model_update(
            obj=indicator,
            data={**fields, "entered_by": actor.user or indicator.entered_by},
            actor=actor,
            action="project_indicator.update",
        )
    return indicator


def _actual_entered(indicator: ProjectIndicator) -> None:
    if indicator.actual is None:
        raise ValidationError({"actual": "Перед отправкой внесите фактическое значение."})


def indicator_submit(*, indicator: ProjectIndicator, actor: Actor) -> ProjectIndicator:
    require_indicator_writer(actor, indicator.project)
    return model_review_move(
        queryset=ProjectIndicator.objects.select_related("project"),
        pk=indicator.pk,
        actor=actor,
        action="project_indicator.submit",
        sources={ProjectIndicator.Status.DRAFT},
        target=ProjectIndicator.Status.SUBMITTED,
        message="Отправить можно только черновик показателя.",
        check=_actual_entered,
    )


def indicator_accept(*, indicator: ProjectIndicator, actor: Actor) -> ProjectIndicator:
    require_manager(actor)
    return model_review_move(
        queryset=ProjectIndicator.objects.select_related("project"),
        pk=indicator.pk,
        actor=actor,
        action="project_indicator.accept",
        sources={ProjectIndicator.Status.SUBMITTED},
        target=ProjectIndicator.Status.ACCEPTED,
        message="Принять можно только отправленный показатель.",
    )


def indicator_return(*, indicator: ProjectIndicator, actor: Actor, reason: str = "") -> ProjectIndicator:
    require_manager(actor)
    return model_review_move(
        queryset=ProjectIndicator.objects.select_related("project"),
        pk=indicator.pk,
        actor=actor,
        action="project_indicator.return",
        sources={ProjectIndicator.Status.SUBMITTED, ProjectIndicator.Status.ACCEPTED},
        target=ProjectIndicator.Status.DRAFT,
        message="Показатель и так в черновике.",
        reason=reason,
    )


def indicator_delete(*, indicator: ProjectIndicator, actor: Actor) -> None:
    require_indicator_writer(actor, indicator.project)
    if indicator.status != ProjectIndicator.Status.DRAFT:
        raise ValidationError("Удалить можно только черновик показателя.")
    model_delete(obj=indicator, actor=actor, action="project_indicator.delete")


# --- state support ----------------------------------------------------------------------------


def support_create(
    *,
    project: JointProject,
    company: Company,
    actor: Actor,
    measure: str,
    amount_requested_kopecks: int,
    submitted_on: dt.date,
    measure_name: str = "",
    is_demo: bool = False,
) -> SupportApplication:
    """An application of one project participant for a support measure."""
    require_manager(actor)
    if not ProjectParticipant.objects.filter(project=project, company=company).exists():
        raise ValidationError({"company": f"«{company}» не участвует в проекте «{project}»."})
    if measure not in SupportApplication.Measure.values:
        raise ValidationError({"measure": "Неизвестная мера поддержки."})
    measure_name = " ".join(str(measure_name).split())
    if measure == SupportApplication.Measure.OTHER and not measure_name:
        raise ValidationError({"measure_name": "Назовите меру поддержки."})
    amount = _money("amount_requested_kopecks", amount_requested_kopecks, label="Запрошено", positive=True)
    application = SupportApplication(
        project=project,
        company=company,
        measure=measure,
        measure_name=measure_name,
        amount_requested_kopecks=amount,
        submitted_on=submitted_on,
        is_demo=is_demo,
    )
    model_create(obj=application, actor=actor, action="support.create")
    return application


def support_decide(
    *,
    application: SupportApplication,
    actor: Actor,
    decision: str,
    decided_on: dt.date | None,
    amount_granted_kopecks: int = 0,
    decision_note: str = "",
) -> SupportApplication:
    """Record the decision on an application: granted (with the amount), rejected, withdrawn, or pending again."""
    require_manager(actor)
    if decision not in SupportApplication.Decision.values:
        raise ValidationError({"decision": "Неизвестное решение."})
    granted = _money("amount_granted_kopecks", amount_granted_kopecks, label="Предоставлено")
    with transaction.atomic():
        application = SupportApplication.objects.select_for_update().get(pk=application.pk)
        received = application.tranches.aggregate(total=Sum("amount_kopecks"))["total"] or 0
        if decision == SupportApplication.Decision.GRANTED:
            if granted <= 0:
                raise ValidationError({"amount_granted_kopecks": "Укажите предоставленную сумму."})
            if granted > application.amount_requested_kopecks:
                raise ValidationError(
                    {
                        "amount_granted_kopecks": "Предоставлено больше, чем запрошено "
                        f"({format_roubles(application.amount_requested_kopecks)} ₽)."
                    }
                )
            if received > granted:
                raise ValidationError(
                    {
                        "amount_granted_kopecks": f"Уже получено {format_roubles(received)} ₽ — "
                        "больше новой суммы."
                    }
                )
        else:
            if received:
                raise ValidationError({"decision": "По заявке уже получены транши: решение изменить нельзя."})
            granted = 0
        if decision != SupportApplication.Decision.PENDING and decided_on is None:
            raise ValidationError({"decided_on": "Укажите дату решения."})
        if decided_on is not None and decided_on < application.submitted_on:
            raise ValidationError({"decided_on": "Решение не может быть раньше подачи заявки."})
        model_update(
            obj=application,
            actor=actor,
            action="support.decide",
            data={
                "decision": decision,
                "decided_on": decided_on,
                "amount_granted_kopecks": granted,
                "decision_note": str(decision_note).strip(),
            },
        )
    return application


def support_delete(*, application: SupportApplication, actor: Actor) -> None:
    require_manager(actor)
    if application.tranches.exists():
        raise ValidationError("По заявке получены транши: удалить её нельзя.")
    model_delete(obj=application, actor=actor, action="support.delete")


def tranche_add(
    *,
    application: SupportApplication,
    actor: Actor,
    received_on: dt.date,
    amount_kopecks: int,
    note: str = "",
) -> SupportTranche:
    """Money received under a granted application; the total never exceeds the grant."""
    require_manager(actor)
    amount = _money("amount_kopecks", amount_kopecks, label="Сумма транша", positive=True)
    with transaction.atomic():
        application = SupportApplication.objects.select_for_update().get(pk=application.pk)
        if application.decision != SupportApplication.Decision.GRANTED:
            raise ValidationError({"amount_kopecks": "Транши получают только по одобренной заявке."})
        if application.decided_on and received_on < application.decided_on:
            raise ValidationError({"received_on": "Транш не может поступить раньше решения о поддержке."})
        received = application.tranches.aggregate(total=Sum("amount_kopecks"))["total"] or 0
        if received + amount > application.amount_granted_kopecks:
            raise ValidationError(
                {
                    "amount_kopecks": f"С этим траншем получено бы {format_roubles(received + amount)} ₽"
                    f" — больше предоставленных "
                    f"{format_roubles(application.amount_granted_kopecks)} ₽."
                }
            )
        tranche = SupportTranche(
            application=application, received_on=received_on, amount_kopecks=amount, note=str(note).strip()
        )
        model_create(obj=tranche, actor=actor, action="support.tranche")
    return tranche


def tranche_delete(*, tranche: SupportTranche, actor: Actor) -> None:
    require_manager(actor)
    model_delete(obj=tranche, actor=actor, action="support.tranche_delete")


# --- documents --------------------------------------------------------------------------------


def document_upload(
    *, project: JointProject, actor: Actor, title: str, file: UploadedFile
) -> ProjectDocument:
    require_manager(actor)
    if not file or not file.size:
        raise ValidationError({"file": "Файл пустой."})
    if file.size > MAX_DOCUMENT_BYTES:
        raise ValidationError({"file": "Файл больше 20 МБ."})
    document = ProjectDocument(
        project=project,
        title=" ".join(str(title).split()) or str(file.name),
        file=file,
        original_name=str(file.name)[:200],
        size=file.size,
        uploaded_by=actor.user,
    )
    model_create(
        obj=document, actor=actor, action="project.document", audited=["project", "title", "original_name"]
    )
    return document


def document_delete(*, document: ProjectDocument, actor: Actor) -> None:
    require_manager(actor)
    storage, name = document.file.storage, document.file.name
    transaction.on_commit(lambda: storage.delete(name) if name else None)
    model_delete(
        obj=document,
        actor=actor,
        action="project.document_delete",
        audited=["project", "title", "original_name"],
    )
