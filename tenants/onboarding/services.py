"""Onboarding of a new cluster: the platform admin creates it and invites its first admin by
e-mail; the cluster stays «в подготовке» (hidden from the platform home, other people's
«Мои кластеры» and the ministry) until that admin finishes the set-up and activates it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from core.accounts.models import Grant, User
from core.accounts.selectors import user_cluster_roles, user_is_platform_admin
from core.accounts.services import grant_role, invitation_email, invitation_issue, invited_account
from core.audit.services import Actor, audit_record
from core.files import delete_files_on_commit, image_check
from core.queue import enqueue_on_commit
from core.ru.regions import REGIONS
from tenants.models import AdminInvitation, Cluster
from tenants.selectors import cluster_primary_host, forget_cluster_hosts
from tenants.services import cluster_provision

from .selectors import setup_missing

INVITATION_DAYS = 14
SETUP_PATH = "/setup/"


def _clean_email(email: str) -> str:
    return invitation_email(email, field="admin_email")


def _send_invitation(*, email: str, cluster_name: str, link: str, setup: str, expires: str) -> None:
    subject = f"Приглашение: администратор кластера «{cluster_name}»"
    body = (
        "Здравствуйте!\n\n"
        f"Для вас создан кластер «{cluster_name}» на платформе промышленных кластеров. Вас приглашают "
        "стать его администратором.\n\n"
        f"Чтобы принять приглашение и задать пароль, откройте ссылку:\n{link}\n\n"
        "Затем заполните короткую анкету (наименование, регион, реквизиты, логотип, участники) и "
        "активируйте кластер: до этого он никому не виден. Страница подготовки (после входа):\n"
        f"{setup}\n\n"
        f"Ссылка действует до {expires}. Если вы не ждали этого письма, просто не отвечайте на него.\n"
    )
    send_mail(subject, body, None, [email])


def cluster_base_url(cluster: Cluster, *, scheme: str = "https", port: str = "") -> str:
    suffix = f":{port}" if port and port not in {"80", "443"} else ""
    return f"{scheme}://{cluster_primary_host(cluster=cluster)}{suffix}"


def admin_invite(
    *, cluster: Cluster, email: str, actor: Actor, scheme: str = "https", port: str = ""
) -> AdminInvitation:
    """Invite the cluster's admin by e-mail (platform admins only); pending invitations to the
    same address are replaced; the letter leaves after commit."""
    if actor.user is not None and not user_is_platform_admin(actor.user):
        raise PermissionDenied("Приглашать администраторов кластеров может только администратор платформы.")
    email = _clean_email(email)
    with transaction.atomic():
        invitation = invitation_issue(
            AdminInvitation,
            scope={"cluster": cluster},
            email=email,
            invited_by=actor.user,
            days=INVITATION_DAYS,
        )
        audit_record(
            actor=Actor(user=actor.user, host=actor.host, cluster=cluster),
            action="cluster.admin_invite",
            obj=invitation,
            changes={"email": [None, email], "expires_at": [None, invitation.expires_at.isoformat()]},
        )
        setup = f"{cluster_base_url(cluster, scheme=scheme, port=port)}{SETUP_PATH}"
        link = f"{setup}invitation/{invitation.token}/"
        expires = f"{invitation.expires_at.astimezone(cluster.tzinfo):%d.%m.%Y %H:%M}"
        name = cluster.display_name
        transaction.on_commit(
            lambda: _send_invitation(email=email, cluster_name=name, link=link, setup=setup, expires=expires)
        )
    return invitation


def cluster_create(
    *, actor: Actor, admin_email: str, scheme: str = "https", port: str = "", **fields: Any
) -> Cluster:
    """Create a cluster «в подготовке» and invite its first admin, all or nothing."""
    if actor.user is not None and not user_is_platform_admin(actor.user):
        raise PermissionDenied("Создавать кластеры может только администратор платформы.")
    try:
        _clean_email(admin_email)
        email_errors: dict[str, Any] = {}
    except ValidationError as exc:
        email_errors = exc.message_dict
    with transaction.atomic():
        try:
            cluster = cluster_provision(status=Cluster.Status.PREPARING, **fields)
        except ValidationError as exc:
            raise ValidationError({**exc.message_dict, **email_errors}) from exc
        if email_errors:
            raise ValidationError(email_errors)
        admin_invite(cluster=cluster, email=admin_email, actor=actor, scheme=scheme, port=port)
    return cluster


def admin_invitation_problem(*, invitation: AdminInvitation, now: dt.datetime | None = None) -> str | None:
    """Why this invitation cannot be accepted, in Russian (pages translate it); None when it can."""
    now = now or timezone.now()
    if invitation.accepted_at is not None:
        return gettext_noop("Это приглашение уже использовано.")
    if invitation.revoked_at is not None:
        return gettext_noop("Это приглашение отозвано. Попросите администратора платформы прислать новое.")
    if invitation.expires_at <= now:
        return gettext_noop(
            "Срок действия приглашения истёк. Попросите администратора платформы прислать новое."
        )
    return None


def admin_invitation_accept(
    *,
    invitation: AdminInvitation,
    actor: Actor,
    user: User | None = None,
    full_name: str = "",
    password: str = "",
) -> User:
    """Accept: link the existing account (`user`, signed in or checked by password) or create one
    (full name + password), and make it the admin of the invitation's cluster (of that one only)."""
    with transaction.atomic():
        invitation = (
            AdminInvitation.objects.select_for_update().select_related("cluster").get(pk=invitation.pk)
        )
        if actor.cluster is None or actor.cluster.pk != invitation.cluster_id:
            raise ValidationError("Приглашение принимается на сайте своего кластера.")
        problem = admin_invitation_problem(invitation=invitation)
        if problem:
            raise ValidationError(problem)
        account = invited_account(email=invitation.email, user=user, full_name=full_name, password=password)
        grant_role(user=account, role=Grant.Role.CLUSTER_ADMIN, cluster=invitation.cluster)
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = account
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        audit_record(
            actor=Actor(user=account, host=actor.host, cluster=invitation.cluster),
            action="cluster.admin_invitation_accept",
            obj=invitation,
            changes={
                "accepted_at": [None, invitation.accepted_at.isoformat()],
                "admin": [None, account.email],
            },
        )
    account.__dict__.pop("_grants_cache", None)
    return account


# --- the set-up steps (the cluster's admin, on its host) ----------------------------------------


def _require_admin(actor: Actor, cluster: Cluster) -> None:
    if actor.user is not None and Grant.Role.CLUSTER_ADMIN not in user_cluster_roles(actor.user, cluster):
        raise PermissionDenied("Подготовку кластера ведёт и завершает только его администратор.")


def _mark(cluster: Cluster, step: str, actor: Actor, changes: dict[str, Any], fields: list[str]) -> Cluster:
    if step not in cluster.setup_steps:
        cluster.setup_steps = [*cluster.setup_steps, step]
    cluster.save(update_fields=[*fields, "setup_steps"])
    audit_record(actor=actor, action=f"cluster.setup_{step}", obj=cluster, changes=changes)
    forget_cluster_hosts(cluster=cluster)
    transaction.on_commit(lambda: forget_cluster_hosts(cluster=cluster))
    return cluster


def setup_name(*, cluster: Cluster, actor: Actor, name: str, short_name: str = "") -> Cluster:
    _require_admin(actor, cluster)
    before = (cluster.name, cluster.short_name)
    cluster.name = " ".join((name or "").split())
    cluster.short_name = " ".join((short_name or "").split())
    if not cluster.name:
        raise ValidationError({"name": "Укажите полное наименование кластера."})
    cluster.full_clean(exclude=["schema_name"])
    with transaction.atomic():
        return _mark(
            cluster,
            Cluster.SetupStep.NAME,
            actor,
            {"name": [before[0], cluster.name], "short_name": [before[1], cluster.short_name]},
            ["name", "short_name"],
        )


def setup_regions(*, cluster: Cluster, actor: Actor, region_codes: list[str]) -> Cluster:
    """The cluster's regions (one: regional, several: interregional)."""
    _require_admin(actor, cluster)
    codes = list(dict.fromkeys(code.strip().upper() for code in region_codes if code.strip()))
    unknown = [code for code in codes if code not in REGIONS]
    if not codes or unknown:
        raise ValidationError({"region_codes": "Выберите регионы из списка."})
    before = list(cluster.region_codes)
    cluster.region_codes = codes
    cluster.kind = Cluster.Kind.INTERREGIONAL if len(codes) > 1 else Cluster.Kind.REGIONAL
    cluster.full_clean(exclude=["schema_name"])
    with transaction.atomic():
        return _mark(
            cluster,
            Cluster.SetupStep.REGIONS,
            actor,
            {"region_codes": [before, codes], "kind": [None, cluster.kind]},
            ["region_codes", "kind"],
        )


def setup_logo(*, cluster: Cluster, actor: Actor, file: UploadedFile) -> Cluster:
    """Store the logo (a checked picture) in the cluster's folder; the old one goes after commit.
    Call inside the cluster's schema (production storage keeps each cluster's files apart)."""
    _require_admin(actor, cluster)
    extension = image_check(file)
    old = cluster.logo
    stored = default_storage.save(f"logo/logo{extension}", file)
    try:
        with transaction.atomic():
            cluster.logo = stored
            _mark(cluster, Cluster.SetupStep.LOGO, actor, {"logo": [old or None, stored]}, ["logo"])
            delete_files_on_commit(default_storage, [old])
    except Exception:
        default_storage.delete(stored)
        raise
    return cluster


def setup_import_later(*, cluster: Cluster, actor: Actor) -> Cluster:
    """The admin chose to import the members later («позже»): the step no longer waits."""
    _require_admin(actor, cluster)
    with transaction.atomic():
        return _mark(cluster, Cluster.SetupStep.IMPORT, actor, {"import": [None, "later"]}, [])


def cluster_activate(*, cluster: Cluster, actor: Actor) -> Cluster:
    """Open the prepared cluster: it appears on the platform home and to the ministry. Refused,
    naming the steps, while a required step (name, regions, payee) is not done."""
    _require_admin(actor, cluster)
    if cluster.status != Cluster.Status.PREPARING:
        raise ValidationError("Кластер уже активирован.")
    missing = setup_missing(cluster=cluster)
    if missing:
        raise ValidationError(
            "Кластер нельзя активировать: не выполнены шаги — "
            + ", ".join(item.label for item in missing)
            + "."
        )
    with transaction.atomic():
        cluster.status = Cluster.Status.ACTIVE
        cluster.save(update_fields=["status"])
        audit_record(
            actor=actor, action="cluster.activate", obj=cluster, changes={"status": ["preparing", "active"]}
        )
        forget_cluster_hosts(cluster=cluster)
        transaction.on_commit(lambda: forget_cluster_hosts(cluster=cluster))
        # the ministry's warehouse skipped it while it was being prepared
        enqueue_on_commit("federal.warehouse_refresh_cluster", reason="activated")
    return cluster
