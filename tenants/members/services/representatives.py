"""Representatives of a member company: invitations by e-mail, accepting them, revoking the role."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop

from core.accounts.access import current_cluster, require_manager
from core.accounts.models import Grant, User
from core.accounts.services import (
    grant_revoke,
    grant_role,
    invitation_email,
    invitation_issue,
    invited_account,
)
from core.audit.services import Actor, audit_record
from tenants.members.models import Company, Invitation
from tenants.members.selectors import representative_grant
from tenants.selectors import cluster_primary_host

INVITATION_DAYS = 7


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
    require_manager(actor)
    email = invitation_email(email)
    cluster = current_cluster(actor)
    existing = User.objects.filter(email__iexact=email).first()
    if (
        existing is not None
        and cluster is not None
        and representative_grant(company=company, cluster=cluster, user_id=existing.pk)
    ):
        raise ValidationError({"email": f"{email} уже представляет «{company}»."})
    with transaction.atomic():
        invitation = invitation_issue(
            Invitation, scope={"company": company}, email=email, invited_by=actor.user, days=INVITATION_DAYS
        )
        audit_record(
            actor=actor,
            action="invitation.create",
            obj=invitation,
            changes={
                "company": [None, company.pk],
                "email": [None, email],
                "expires_at": [None, invitation.expires_at.isoformat()],
            },
        )
        link = _invitation_link(token=invitation.token, base_url=base_url, actor=actor)
        tz = cluster.tzinfo if cluster else timezone.get_current_timezone()
        expires = f"{invitation.expires_at.astimezone(tz):%d.%m.%Y %H:%M}"
        cluster_name = cluster.display_name if cluster else ""
        transaction.on_commit(
            lambda: _send_invitation(
                email=email, company_name=str(company), cluster_name=cluster_name, link=link, expires=expires
            )
        )
    return invitation


def invitation_revoke(*, invitation: Invitation, actor: Actor) -> Invitation:
    require_manager(actor)
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.accepted_at is not None:
            raise ValidationError("Приглашение уже принято: отзовите права представителя.")
        if invitation.revoked_at is None:
            invitation.revoked_at = timezone.now()
            invitation.save(update_fields=["revoked_at"])
            audit_record(
                actor=actor,
                action="invitation.revoke",
                obj=invitation,
                changes={"revoked_at": [None, invitation.revoked_at.isoformat()]},
            )
    return invitation


def invitation_problem(*, invitation: Invitation, now: dt.datetime | None = None) -> str | None:
    """Why this invitation cannot be accepted, in Russian (pages translate it); None when it can."""
    now = now or timezone.now()
    if invitation.accepted_at is not None:
        return gettext_noop("Это приглашение уже использовано.")
    if invitation.revoked_at is not None:
        return gettext_noop("Это приглашение отозвано. Попросите сотрудников кластера прислать новое.")
    if invitation.expires_at <= now:
        return gettext_noop("Срок действия приглашения истёк. Попросите сотрудников кластера прислать новое.")
    return None


def invitation_accept(
    *, invitation: Invitation, actor: Actor, user: User | None = None, full_name: str = "", password: str = ""
) -> User:
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
        account = invited_account(email=invitation.email, user=user, full_name=full_name, password=password)
        current = Grant.objects.filter(
            user=account, cluster=cluster, role=Grant.Role.MEMBER_REPRESENTATIVE
        ).first()
        if current is not None and current.company_id not in (None, invitation.company_id):
            raise ValidationError("Эта учётная запись уже представляет другую организацию в этом кластере.")
        grant_role(
            user=account,
            role=Grant.Role.MEMBER_REPRESENTATIVE,
            cluster=cluster,
            company_id=invitation.company_id,
        )
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = account
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        who = Actor(user=account, host=actor.host, cluster=cluster)
        audit_record(
            actor=who,
            action="invitation.accept",
            obj=invitation,
            changes={
                "accepted_at": [None, invitation.accepted_at.isoformat()],
                "representative": [None, account.email],
            },
        )
    account.__dict__.pop("_grants_cache", None)
    return account


def representative_revoke(*, company: Company, user_id: int, actor: Actor) -> None:
    """Take the representative role of this company away from a person."""
    require_manager(actor)
    cluster = current_cluster(actor)
    grant = representative_grant(company=company, cluster=cluster, user_id=user_id) if cluster else None
    if grant is None:
        raise ValidationError("Этот человек не является представителем организации.")
    with transaction.atomic():
        grant_revoke(user=grant.user, role=Grant.Role.MEMBER_REPRESENTATIVE, cluster=cluster)
        audit_record(
            actor=actor,
            action="company.representative_revoke",
            obj=company,
            changes={"representative": [grant.user.email, None]},
        )
