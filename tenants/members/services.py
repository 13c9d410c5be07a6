"""Writes of the members area (inside the current cluster schema).

Every function checks who acts (cluster admins and staff manage everything; a member
representative only its own company's profile, products and KPIs), checks its invariants,
saves inside one transaction and writes the audit row in that same transaction. Russian
ValidationError messages reach the user as they are; PermissionDenied becomes a 403.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from core.accounts.access import MemberAccess, actor_access, current_cluster
from core.accounts.models import Grant, User
from core.accounts.services import grant_revoke, grant_role, user_get_or_create
from core.audit.services import Actor, audit_record, diff, snapshot
from core.federal.warehouse import refresh_soon as warehouse_refresh_soon
from core.ru.identifiers import okved_error, registration_number_error, registration_number_normalize
from tenants.governance.models import Decision
from tenants.members.selectors import company_by_inn, company_has_admission, representative_grant
from tenants.selectors import cluster_primary_host

from .models import Company, CooperationContract, Invitation, KpiReport, MembershipEvent, Product

Status = Company.Status

# What a representative may change in its own company's card: the profile, not the identity.
PROFILE_FIELDS = frozenset({"address", "website", "region_code", "description", "services",
                            "prospective_projects", "okved_codes", "public_fields"})
COMPANY_FIELDS = PROFILE_FIELDS | {"full_name", "short_name", "kind", "legal_form", "inn", "ogrn", "kpp",
                                   "is_sez_resident", "is_demo"}
INVITATION_DAYS = 7

MANAGERS_ONLY = "Это действие доступно только администраторам и сотрудникам кластера."
NOT_YOURS = "Вы можете изменять только данные своей организации."


# --- shared helpers -----------------------------------------------------------------------

def _verbose(model: type[Any], name: str) -> str:
    return str(getattr(model._meta.get_field(name), "verbose_name", name))


def _require_manager(actor: Actor) -> MemberAccess:
    access = actor_access(actor)
    if not access.manager:
        raise PermissionDenied(MANAGERS_ONLY)
    return access


def _require_company(actor: Actor, company_id: int | None) -> MemberAccess:
    access = actor_access(actor)
    if not access.can_see(company_id):
        raise PermissionDenied(NOT_YOURS)
    return access


def _only(fields: dict[str, Any], allowed: set[str] | frozenset[str]) -> dict[str, Any]:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise TypeError(f"unexpected fields: {sorted(unknown)}")
    return fields


def _save_new(*, obj: Any, actor: Actor, action: str) -> None:
    obj.full_clean()
    obj.save()
    audit_record(actor=actor, action=action, obj=obj, changes=diff({}, snapshot(obj)))


def _save_changes(*, obj: Any, actor: Actor, action: str, fields: dict[str, Any]) -> dict[str, list[Any]]:
    before = snapshot(obj)
    for name, value in fields.items():
        setattr(obj, name, value)
    obj.full_clean()
    changes = diff(before, snapshot(obj))
    if changes:
        obj.save()
        audit_record(actor=actor, action=action, obj=obj, changes=changes)
    return changes


def _delete(*, obj: Any, actor: Actor, action: str) -> None:
    audit_record(actor=actor, action=action, obj=obj, changes={k: [v, None] for k, v in snapshot(obj).items()})
    obj.delete()


# --- companies ----------------------------------------------------------------------------

def company_normalize(fields: dict[str, Any]) -> dict[str, Any]:
    """Trim text, drop spaces inside identifiers, check ОКВЭД2 codes and published fields."""
    for key in ("full_name", "short_name", "legal_form", "address", "website", "region_code"):
        if key in fields:
            fields[key] = " ".join(str(fields[key] or "").split())
    for key in ("inn", "ogrn", "kpp"):
        if key in fields:
            fields[key] = "".join(str(fields[key] or "").split()).upper()
    if fields.get("website") and "://" not in fields["website"]:
        fields["website"] = "https://" + fields["website"]
    if "okved_codes" in fields:
        codes = fields["okved_codes"]
        if isinstance(codes, str):
            codes = codes.replace(";", ",").replace(" ", ",").split(",")
        codes = list(dict.fromkeys(c.strip() for c in codes or [] if c and c.strip()))
        for code in codes:
            message = okved_error(code)
            if message:
                raise ValidationError({"okved_codes": message})
        fields["okved_codes"] = codes
    if "public_fields" in fields:
        chosen = set(fields["public_fields"] or [])
        unknown = chosen - set(Company.PUBLISHABLE_FIELDS)
        if unknown:
            raise ValidationError({"public_fields": f"Эти поля нельзя публиковать: {', '.join(sorted(unknown))}."})
        fields["public_fields"] = [f for f in Company.PUBLISHABLE_FIELDS if f in chosen]
    return fields


def _check_inn_free(inn: str, exclude_id: int | None = None) -> None:
    if inn:
        other = company_by_inn(inn=inn, exclude_id=exclude_id)
        if other is not None:
            raise ValidationError({"inn": f"Организация с ИНН {inn} уже есть в кластере: «{other}»."})


def _save_company(company: Company) -> None:
    try:
        with transaction.atomic():
            company.save()
    except IntegrityError as exc:  # a concurrent insert of the same INN
        raise ValidationError({"inn": f"Организация с ИНН {company.inn} уже есть в кластере."}) from exc


def _event(*, company: Company, to_status: str, actor: Actor, at: dt.datetime, reason: str = "",
           decision: Decision | None = None, from_status: str | None = None) -> MembershipEvent:
    event = MembershipEvent(company=company, from_status=company.status if from_status is None else from_status,
                            to_status=to_status, at=at, actor=actor.user, reason=reason, decision=decision)
    event.full_clean()
    event.save()
    return event


def company_create(*, actor: Actor, full_name: str, short_name: str = "", status: str = Status.INTERESTED,
                   **fields: Any) -> Company:
    """A new company of the cluster, interested or with an application filed."""
    _require_manager(actor)
    if status not in (Status.INTERESTED, Status.APPLIED):
        raise ValidationError({"status": "Новая организация может быть только «проявившей интерес» или "
                                         "«подавшей заявку»: участником её делает решение общего собрания."})
    fields = company_normalize({"full_name": full_name, "short_name": short_name,
                                **_only(fields, COMPANY_FIELDS - {"full_name", "short_name"})})
    if not fields["short_name"]:
        fields["short_name"] = fields["full_name"][:200]
    _check_inn_free(fields.get("inn", ""))
    now = timezone.now()
    company = Company(status=status, status_changed_at=now, **fields)
    company.full_clean()
    with transaction.atomic():
        _save_company(company)
        _event(company=company, from_status="", to_status=status, actor=actor, at=now,
               reason="Организация внесена в реестр кластера.")
        audit_record(actor=actor, action="company.create", obj=company, changes=diff({}, snapshot(company)))
    return company


def company_update(*, company: Company, actor: Actor, **fields: Any) -> Company:
    """Change a company's card. A representative may change only its own company's profile."""
    access = _require_company(actor, company.pk)
    _only(fields, COMPANY_FIELDS)
    if not access.manager:
        refused = sorted(set(fields) - PROFILE_FIELDS)
        if refused:
            labels = ", ".join(f"«{_verbose(Company, name)}»" for name in refused)
            raise PermissionDenied(f"Представитель участника может изменять только профиль организации; "
                                   f"недоступно: {labels}.")
    fields = company_normalize(fields)
    with transaction.atomic():
        company = Company.objects.select_for_update().get(pk=company.pk)
        if "inn" in fields:
            _check_inn_free(fields["inn"], exclude_id=company.pk)
        before = snapshot(company)
        for name, value in fields.items():
            setattr(company, name, value)
        company.full_clean()
        changes = diff(before, snapshot(company))
        if changes:
            _save_company(company)
            audit_record(actor=actor, action="company.update", obj=company, changes=changes)
    return company


# --- lifecycle ----------------------------------------------------------------------------

# action: (statuses it starts from, status it leads to, reason required)
TRANSITIONS: dict[str, tuple[frozenset[str], str, bool]] = {
    "apply": (frozenset({Status.INTERESTED, Status.WITHDRAWN, Status.EXPELLED}), Status.APPLIED, False),
    "admit": (frozenset({Status.APPLIED}), Status.ADMITTED, False),
    "activate": (frozenset({Status.ADMITTED}), Status.ACTIVE, False),
    "suspend": (frozenset({Status.ADMITTED, Status.ACTIVE}), Status.SUSPENDED, True),
    "resume": (frozenset({Status.SUSPENDED}), Status.ACTIVE, False),
    "withdraw": (frozenset({Status.ADMITTED, Status.ACTIVE, Status.SUSPENDED}), Status.WITHDRAWN, False),
    "expel": (frozenset({Status.ADMITTED, Status.ACTIVE, Status.SUSPENDED}), Status.EXPELLED, True),
}
ACTION_LABELS = {
    "apply": "подать заявку", "admit": "принять в члены кластера", "activate": "сделать действующим участником",
    "suspend": "приостановить членство", "resume": "возобновить членство", "withdraw": "оформить выход",
    "expel": "исключить",
}


def lifecycle_actions(company: Company) -> list[str]:
    """Actions possible from the company's current status (admission needs a decision)."""
    return [name for name, (sources, _to, _r) in TRANSITIONS.items() if company.status in sources]


def _transition(*, company: Company, actor: Actor, action: str, reason: str = "",
                decision: Decision | None = None, at: dt.datetime | None = None) -> Company:
    sources, target, reason_required = TRANSITIONS[action]
    reason = (reason or "").strip()
    if reason_required and not reason:
        raise ValidationError({"reason": "Укажите основание."})
    if company.status not in sources:
        raise ValidationError(
            f"Нельзя {ACTION_LABELS[action]}: организация «{company}» в статусе "
            f"«{company.get_status_display()}»."
        )
    if target == Status.ACTIVE and not company_has_admission(company=company):
        raise ValidationError(f"Нет принятого решения общего собрания о приёме «{company}»: "
                              f"сделать организацию участником нельзя.")
    when = at or timezone.now()
    before = snapshot(company, ["status", "status_changed_at"])
    _event(company=company, to_status=target, actor=actor, at=when, reason=reason, decision=decision)
    company.status = target
    company.status_changed_at = when
    # Only the status changes here: older rows with doubtful data must not block a transition.
    company.full_clean(exclude=[f.name for f in Company._meta.fields if f.name not in {"status", "status_changed_at"}],
                       validate_unique=False, validate_constraints=False)
    company.save(update_fields=["status", "status_changed_at", "updated_at"])
    changes = diff(before, snapshot(company, ["status", "status_changed_at"]))
    if reason:
        changes["reason"] = [None, reason]
    if decision is not None:
        changes["decision"] = [None, decision.pk]
    audit_record(actor=actor, action=f"company.{action}", obj=company, changes=changes)
    warehouse_refresh_soon()  # the member count on the ministry dashboard
    return company


def _lifecycle(action: str, *, company: Company, actor: Actor, reason: str = "",
               decision: Decision | None = None) -> Company:
    _require_manager(actor)
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
    _require_manager(actor)
    if decision.kind != Decision.Kind.ADMIT_MEMBER:
        raise ValidationError({"decision": "Это не решение о приёме в члены кластера."})
    if not decision.adopted:
        raise ValidationError({"decision": "Решение о приёме не принято общим собранием."})
    if decision.subject_company_id != company.pk:
        raise ValidationError({"decision": "Решение о приёме касается другой организации."})
    with transaction.atomic():
        company = Company.objects.select_for_update().get(pk=company.pk)
        if MembershipEvent.objects.filter(company=company, decision=decision, to_status=Status.ADMITTED).exists():
            return company
        held_at = decision.meeting.held_at
        last = MembershipEvent.objects.filter(company=company).order_by("-at", "-id").values_list("at", flat=True)
        latest = last.first()
        at = held_at if latest is None or held_at >= latest else timezone.now()
        meeting = decision.meeting
        number = f" № {meeting.number}" if meeting.number else ""
        reason = (f"Решение {decision.number} ({meeting.body}, протокол{number} "
                  f"от {timezone.localtime(held_at):%d.%m.%Y}).")
        return _transition(company=company, actor=actor, action="admit", reason=reason, decision=decision, at=at)


def member_activate(*, company: Company, actor: Actor, reason: str = "") -> Company:
    """admitted → active."""
    return _lifecycle("activate", company=company, actor=actor, reason=reason)


def member_suspend(*, company: Company, actor: Actor, reason: str, decision: Decision | None = None) -> Company:
    """admitted or active → suspended (the reason is required)."""
    return _lifecycle("suspend", company=company, actor=actor, reason=reason, decision=decision)


def member_resume(*, company: Company, actor: Actor, reason: str = "") -> Company:
    """suspended → active."""
    return _lifecycle("resume", company=company, actor=actor, reason=reason)


def member_withdraw(*, company: Company, actor: Actor, reason: str = "", decision: Decision | None = None) -> Company:
    """A member leaves the cluster at its own wish."""
    return _lifecycle("withdraw", company=company, actor=actor, reason=reason, decision=decision)


def member_expel(*, company: Company, actor: Actor, reason: str, decision: Decision | None = None) -> Company:
    """A member is expelled (the reason is required)."""
    return _lifecycle("expel", company=company, actor=actor, reason=reason, decision=decision)


LIFECYCLE_SERVICES: dict[str, Callable[..., Company]] = {
    "apply": member_apply, "activate": member_activate, "suspend": member_suspend, "resume": member_resume,
    "withdraw": member_withdraw, "expel": member_expel,
}


# --- representatives ----------------------------------------------------------------------

def _invitation_link(*, token: str, base_url: str, actor: Actor) -> str:
    if not base_url:
        cluster = current_cluster(actor)
        host = cluster_primary_host(cluster=cluster) if cluster else (actor.host or "localhost")
        base_url = f"https://{host}"
    return base_url.rstrip("/") + reverse("members:invitation", kwargs={"token": token})


def _send_invitation(*, email: str, company_name: str, cluster_name: str, link: str, expires: str) -> None:
    subject = f"Приглашение в кластер «{cluster_name}»"
    body = (
        "Здравствуйте!\n\n"
        f"Вас приглашают стать представителем организации «{company_name}» на сайте кластера "
        f"«{cluster_name}».\n\n"
        f"Чтобы принять приглашение, откройте ссылку:\n{link}\n\n"
        f"Ссылка действует до {expires}. Если вы не ждали этого письма, просто не отвечайте на него.\n"
    )
    send_mail(subject, body, None, [email])


def invitation_create(*, company: Company, email: str, actor: Actor, base_url: str = "") -> Invitation:
    """Invite a person by e-mail to represent the company; the letter leaves after commit.

    A newer invitation to the same address for the same company replaces pending ones.
    """
    _require_manager(actor)
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ValidationError({"email": "Введите правильный адрес электронной почты."}) from exc
    cluster = current_cluster(actor)
    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None and cluster is not None and representative_grant(
            company=company, cluster=cluster, user_id=existing.pk):
        raise ValidationError({"email": f"{email} уже представляет «{company}»."})
    now = timezone.now()
    invitation = Invitation(company=company, email=email, token=secrets.token_urlsafe(32), invited_by=actor.user,
                            expires_at=now + dt.timedelta(days=INVITATION_DAYS))
    with transaction.atomic():
        Invitation.objects.filter(company=company, email__iexact=email, accepted_at__isnull=True,
                                  revoked_at__isnull=True).update(revoked_at=now)
        invitation.full_clean()
        invitation.save()
        audit_record(actor=actor, action="invitation.create", obj=invitation,
                     changes={"company": [None, company.pk], "email": [None, email],
                              "expires_at": [None, invitation.expires_at.isoformat()]})
        link = _invitation_link(token=invitation.token, base_url=base_url, actor=actor)
        tz = cluster.tzinfo if cluster else timezone.get_current_timezone()
        expires = f"{invitation.expires_at.astimezone(tz):%d.%m.%Y %H:%M}"
        cluster_name = cluster.display_name if cluster else ""
        transaction.on_commit(lambda: _send_invitation(email=email, company_name=str(company),
                                                       cluster_name=cluster_name, link=link, expires=expires))
    return invitation


def invitation_revoke(*, invitation: Invitation, actor: Actor) -> Invitation:
    _require_manager(actor)
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.accepted_at is not None:
            raise ValidationError("Приглашение уже принято: отзовите права представителя.")
        if invitation.revoked_at is None:
            invitation.revoked_at = timezone.now()
            invitation.save(update_fields=["revoked_at"])
            audit_record(actor=actor, action="invitation.revoke", obj=invitation,
                         changes={"revoked_at": [None, invitation.revoked_at.isoformat()]})
    return invitation


def invitation_problem(*, invitation: Invitation, now: dt.datetime | None = None) -> str | None:
    """Why this invitation cannot be accepted, in Russian; None when it can."""
    now = now or timezone.now()
    if invitation.accepted_at is not None:
        return "Это приглашение уже использовано."
    if invitation.revoked_at is not None:
        return "Это приглашение отозвано. Попросите сотрудников кластера прислать новое."
    if invitation.expires_at <= now:
        return "Срок действия приглашения истёк. Попросите сотрудников кластера прислать новое."
    return None


def invitation_accept(*, invitation: Invitation, actor: Actor, user: User | None = None, full_name: str = "",
                      password: str = "") -> User:
    """Accept: link the existing account (`user`, already signed in or checked by password) or
    create one (full name + password), and grant member_representative for the company."""
    cluster = current_cluster(actor)
    if cluster is None:
        raise ValidationError("Приглашение принимается на сайте кластера.")
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().select_related("company").get(pk=invitation.pk)
        problem = invitation_problem(invitation=invitation)
        if problem:
            raise ValidationError(problem)
        existing = User.objects.filter(email__iexact=invitation.email).first()
        if existing is not None:
            if user is None or user.pk != existing.pk:
                raise ValidationError(f"Учётная запись {invitation.email} уже есть: войдите в неё, чтобы принять "
                                      f"приглашение.")
            account = existing
        else:
            full_name = " ".join((full_name or "").split())
            if not full_name:
                raise ValidationError({"full_name": "Укажите фамилию, имя и отчество."})
            if not password:
                raise ValidationError({"password": "Придумайте пароль."})
            try:
                validate_password(password, User(email=invitation.email, full_name=full_name))
            except ValidationError as exc:
                raise ValidationError({"password": exc.messages}) from exc
            account, _created = user_get_or_create(email=invitation.email, password=password, full_name=full_name)
        current = Grant.objects.filter(user=account, cluster=cluster, role=Grant.Role.MEMBER_REPRESENTATIVE).first()
        if current is not None and current.company_id not in (None, invitation.company_id):
            raise ValidationError("Эта учётная запись уже представляет другую организацию в этом кластере.")
        grant_role(user=account, role=Grant.Role.MEMBER_REPRESENTATIVE, cluster=cluster,
                   company_id=invitation.company_id)
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = account
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        who = Actor(user=account, host=actor.host, cluster=cluster)
        audit_record(actor=who, action="invitation.accept", obj=invitation,
                     changes={"accepted_at": [None, invitation.accepted_at.isoformat()],
                              "representative": [None, account.email]})
    account.__dict__.pop("_grants_cache", None)
    return account


def representative_revoke(*, company: Company, user_id: int, actor: Actor) -> None:
    """Take the representative role of this company away from a person."""
    _require_manager(actor)
    cluster = current_cluster(actor)
    grant = representative_grant(company=company, cluster=cluster, user_id=user_id) if cluster else None
    if grant is None:
        raise ValidationError("Этот человек не является представителем организации.")
    with transaction.atomic():
        grant_revoke(user=grant.user, role=Grant.Role.MEMBER_REPRESENTATIVE, cluster=cluster)
        audit_record(actor=actor, action="company.representative_revoke", obj=company,
                     changes={"representative": [grant.user.email, None]})


# --- products -----------------------------------------------------------------------------

PRODUCT_FIELDS = frozenset({"company", "name", "kind", "description", "registration_number",
                            "in_innovation_registry", "innovation_registry_date", "is_published"})


def _product_normalize(fields: dict[str, Any]) -> dict[str, Any]:
    if "name" in fields:
        fields["name"] = " ".join(str(fields["name"] or "").split())
        if not fields["name"]:
            raise ValidationError({"name": "Укажите наименование продукта."})
    if fields.get("registration_number"):
        message = registration_number_error(fields["registration_number"])
        if message:
            raise ValidationError({"registration_number": message})
        fields["registration_number"] = registration_number_normalize(fields["registration_number"])
    if fields.get("in_innovation_registry") is False:
        fields["innovation_registry_date"] = None
    return fields


def product_create(*, actor: Actor, company: Company, name: str, **fields: Any) -> Product:
    _require_company(actor, company.pk)
    fields = _product_normalize({"name": name, **_only(fields, PRODUCT_FIELDS - {"company", "name"})})
    product = Product(company=company, **fields)
    with transaction.atomic():
        _save_new(obj=product, actor=actor, action="product.create")
    return product


def product_update(*, product: Product, actor: Actor, **fields: Any) -> Product:
    access = _require_company(actor, product.company_id)
    fields = _product_normalize(_only(fields, PRODUCT_FIELDS))
    if "company" in fields and fields["company"].pk != product.company_id and not access.manager:
        raise PermissionDenied(NOT_YOURS)
    with transaction.atomic():
        _save_changes(obj=product, actor=actor, action="product.update", fields=fields)
    return product


def product_delete(*, product: Product, actor: Actor) -> None:
    _require_company(actor, product.company_id)
    with transaction.atomic():
        _delete(obj=product, actor=actor, action="product.delete")


# --- KPIs ---------------------------------------------------------------------------------

KPI_FIGURES = frozenset(KpiReport.MONEY_FIELDS + KpiReport.COUNT_FIELDS)
FIRST_KPI_YEAR = 2000


def _kpi_check_year(year: int) -> None:
    this_year = timezone.localdate().year
    if not FIRST_KPI_YEAR <= year <= this_year:
        raise ValidationError({"year": f"Год должен быть от {FIRST_KPI_YEAR} до {this_year}."})


def _kpi_check_figures(fields: dict[str, Any]) -> None:
    for name in KPI_FIGURES & set(fields):
        value = fields[name]
        if value is None:
            fields[name] = 0
        elif int(value) < 0:
            label = _verbose(KpiReport, name)
            raise ValidationError({name: f"«{label}» не может быть отрицательным числом."})


def kpi_create(*, actor: Actor, company: Company, year: int, **figures: Any) -> KpiReport:
    """A draft of a company's figures for a year (once per company and year)."""
    _require_company(actor, company.pk)
    _only(figures, KPI_FIGURES)
    _kpi_check_year(year)
    _kpi_check_figures(figures)
    if KpiReport.objects.filter(company=company, year=year).exists():
        raise ValidationError({"year": f"Показатели «{company}» за {year} год уже внесены: откройте их и измените."})
    report = KpiReport(company=company, year=year, **figures)
    with transaction.atomic():
        _save_new(obj=report, actor=actor, action="kpi.create")
    return report


def kpi_update(*, report: KpiReport, actor: Actor, **figures: Any) -> KpiReport:
    """Representatives change drafts of their company; staff any report not yet accepted."""
    access = _require_company(actor, report.company_id)
    _only(figures, KPI_FIGURES)
    _kpi_check_figures(figures)
    with transaction.atomic():
        report = KpiReport.objects.select_for_update().select_related("company").get(pk=report.pk)
        if report.status == KpiReport.Status.ACCEPTED:
            raise ValidationError("Принятые показатели изменить нельзя: сначала верните их в черновик.")
        if not access.manager and report.status != KpiReport.Status.DRAFT:
            raise ValidationError("Показатели уже отправлены: изменить их можно, когда кластер вернёт их "
                                  "в черновик.")
        _save_changes(obj=report, actor=actor, action="kpi.update", fields=figures)
    return report


def _kpi_move(*, report: KpiReport, actor: Actor, action: str, sources: set[str], target: str,
              message: str, reason: str = "") -> KpiReport:
    with transaction.atomic():
        report = KpiReport.objects.select_for_update().select_related("company").get(pk=report.pk)
        if report.status not in sources:
            raise ValidationError(message)
        before = snapshot(report, ["status", "submitted_at", "accepted_at"])
        now = timezone.now()
        report.status = target
        if target == KpiReport.Status.SUBMITTED:
            report.submitted_at = now
        if target == KpiReport.Status.ACCEPTED:
            report.accepted_at = now
        if target == KpiReport.Status.DRAFT:
            report.accepted_at = None
        report.save(update_fields=["status", "submitted_at", "accepted_at", "updated_at"])
        changes = diff(before, snapshot(report, ["status", "submitted_at", "accepted_at"]))
        if reason.strip():
            changes["reason"] = [None, reason.strip()]
        audit_record(actor=actor, action=action, obj=report, changes=changes)
    return report


def kpi_submit(*, report: KpiReport, actor: Actor) -> KpiReport:
    _require_company(actor, report.company_id)
    return _kpi_move(report=report, actor=actor, action="kpi.submit", sources={KpiReport.Status.DRAFT},
                     target=KpiReport.Status.SUBMITTED, message="Отправить можно только черновик показателей.")


def kpi_accept(*, report: KpiReport, actor: Actor) -> KpiReport:
    _require_manager(actor)
    return _kpi_move(report=report, actor=actor, action="kpi.accept", sources={KpiReport.Status.SUBMITTED},
                     target=KpiReport.Status.ACCEPTED, message="Принять можно только отправленные показатели.")


def kpi_return(*, report: KpiReport, actor: Actor, reason: str = "") -> KpiReport:
    _require_manager(actor)
    return _kpi_move(report=report, actor=actor, action="kpi.return",
                     sources={KpiReport.Status.SUBMITTED, KpiReport.Status.ACCEPTED},
                     target=KpiReport.Status.DRAFT, message="Показатели и так в черновике.", reason=reason)


def kpi_delete(*, report: KpiReport, actor: Actor) -> None:
    _require_company(actor, report.company_id)
    if report.status != KpiReport.Status.DRAFT:
        raise ValidationError("Удалить можно только черновик показателей.")
    with transaction.atomic():
        _delete(obj=report, actor=actor, action="kpi.delete")


# --- cooperation contracts ----------------------------------------------------------------

CONTRACT_FIELDS = frozenset({"kind", "party_a", "party_b", "number", "signed_on", "amount_kopecks", "subject"})


def _contract_check(fields: dict[str, Any], *, current: CooperationContract | None = None) -> dict[str, Any]:
    for key in ("number", "subject"):
        if key in fields:
            fields[key] = " ".join(str(fields[key] or "").split()) if key == "number" else str(fields[key]).strip()
    party_a = fields.get("party_a", current.party_a if current else None)
    party_b = fields.get("party_b", current.party_b if current else None)
    if party_a is not None and party_b is not None and party_a.pk == party_b.pk:
        raise ValidationError({"party_b": "Стороны договора должны быть разными организациями."})
    for key in ("party_a", "party_b"):
        company = fields.get(key)
        if company is not None and (current is None or getattr(current, f"{key}_id") != company.pk) \
                and not company.is_member:
            raise ValidationError({key: f"«{company}» не является участником кластера."})
    if (fields.get("amount_kopecks") or 0) < 0:
        raise ValidationError({"amount_kopecks": "Сумма договора не может быть отрицательной."})
    return fields


def contract_create(*, actor: Actor, kind: str, party_a: Company, party_b: Company, number: str,
                    signed_on: dt.date, subject: str, amount_kopecks: int = 0) -> CooperationContract:
    _require_manager(actor)
    fields = _contract_check({"kind": kind, "party_a": party_a, "party_b": party_b, "number": number,
                              "signed_on": signed_on, "subject": subject, "amount_kopecks": amount_kopecks})
    contract = CooperationContract(**fields)
    with transaction.atomic():
        _save_new(obj=contract, actor=actor, action="contract.create")
    return contract


def contract_update(*, contract: CooperationContract, actor: Actor, **fields: Any) -> CooperationContract:
    _require_manager(actor)
    fields = _contract_check(_only(fields, CONTRACT_FIELDS), current=contract)
    with transaction.atomic():
        _save_changes(obj=contract, actor=actor, action="contract.update", fields=fields)
    return contract


def contract_delete(*, contract: CooperationContract, actor: Actor) -> None:
    _require_manager(actor)
    with transaction.atomic():
        _delete(obj=contract, actor=actor, action="contract.delete")
