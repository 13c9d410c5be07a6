"""Writes on accounts: create users, grant roles, authenticate with lockout."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core.ru.regions import REGIONS
from tenants.models import Cluster

from .models import Grant, User
from .selectors import user_cluster_roles


def user_create(*, email: str, password: str | None, full_name: str = "") -> User:
    email = User.objects.normalize_email(email.strip()).lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": f"Пользователь с e-mail {email} уже есть."})
    user = User(email=email, full_name=full_name.strip())
    user.set_password(password)
    user.full_clean()
    user.save()
    return user


def user_get_or_create(*, email: str, password: str | None, full_name: str = "") -> tuple[User, bool]:
    existing = User.objects.filter(email__iexact=email.strip()).first()
    if existing:
        return existing, False
    return user_create(email=email, password=password, full_name=full_name), True


def grant_role(
    *, user: User, role: str, cluster: Cluster | None = None, region_codes: list[str] | None = None,
    company_id: int | None = None,
) -> Grant:
    """Give a role; idempotent for the same (user, role, cluster)."""
    region_codes = list(region_codes or [])
    if role in Grant.CLUSTER_ROLES and cluster is None:
        raise ValidationError({"cluster": "Для этой роли нужно указать кластер."})
    if role not in Grant.CLUSTER_ROLES and cluster is not None:
        raise ValidationError({"cluster": "Эта роль не относится к кластеру."})
    if role == Grant.Role.MINISTRY_REGIONAL:
        if not region_codes:
            raise ValidationError({"region_codes": "Для регионального уровня укажите регионы."})
        unknown = [c for c in region_codes if c not in REGIONS]
        if unknown:
            raise ValidationError({"region_codes": f"Неизвестные коды регионов: {', '.join(unknown)}."})
    with transaction.atomic():
        grant, _ = Grant.objects.update_or_create(
            user=user, role=role, cluster=cluster,
            defaults={"region_codes": region_codes, "company_id": company_id},
        )
    return grant


def grant_revoke(*, user: User, role: str, cluster: Cluster | None = None) -> int:
    deleted, _ = Grant.objects.filter(user=user, role=role, cluster=cluster).delete()
    return deleted


@dataclass(frozen=True)
class AuthResult:
    user: User | None
    locked_until: dt.datetime | None = None
    no_access: bool = False  # the password is right, but the account holds no role in the cluster

    @property
    def locked(self) -> bool:
        return self.locked_until is not None


def user_authenticate(*, email: str, password: str, cluster: Cluster | None = None) -> AuthResult:
    """Check e-mail and password; lock the account after repeated failures. On a cluster's
    host (`cluster` given) only an account holding a role in that cluster signs in."""
    user = User.objects.filter(email__iexact=(email or "").strip()).first()
    now = timezone.now()
    if user is None:
        User().set_password(password)  # spend the same hashing time as a real check
        return AuthResult(user=None)
    if user.locked_until and user.locked_until > now:
        return AuthResult(user=None, locked_until=user.locked_until)
    if user.is_active and user.check_password(password):
        if user.failed_login_count or user.locked_until:
            User.objects.filter(pk=user.pk).update(failed_login_count=0, locked_until=None)
        if cluster is not None and not user_cluster_roles(user, cluster):
            return AuthResult(user=None, no_access=True)
        return AuthResult(user=user)
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(failed_login_count=F("failed_login_count") + 1)
        count = User.objects.values_list("failed_login_count", flat=True).get(pk=user.pk)
        if count >= settings.LOGIN_LOCKOUT_THRESHOLD:
            until = now + dt.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
            User.objects.filter(pk=user.pk).update(failed_login_count=0, locked_until=until)
            return AuthResult(user=None, locked_until=until)
    return AuthResult(user=None)
