"""Global accounts (public schema): one user, many grants across clusters and the ministry."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("email is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        """For Django's createsuperuser: a user with the platform-admin grant."""
        user = self.create_user(email, password, **extra)
        Grant.objects.create(user=user, role=Grant.Role.PLATFORM_ADMIN)
        return user


class User(AbstractBaseUser):
    email = models.EmailField(_("e-mail"), max_length=254, unique=True)
    full_name = models.CharField(_("ФИО"), max_length=200, blank=True)
    is_active = models.BooleanField(_("активен"), default=True)
    date_joined = models.DateTimeField(_("зарегистрирован"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        verbose_name = _("пользователь")
        verbose_name_plural = _("пользователи")
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self) -> str:
        return self.full_name or self.email

    @property
    def is_staff(self) -> bool:  # Django's own admin is not installed; kept for libraries
        return False

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class Grant(models.Model):
    """One role of a user: platform-wide, ministry-wide (maybe by region) or in one cluster."""

    class Role(models.TextChoices):
        PLATFORM_ADMIN = "platform_admin", _("Администратор платформы")
        MINISTRY_FEDERAL = "ministry_federal", _("Министерство (федеральный уровень)")
        MINISTRY_REGIONAL = "ministry_regional", _("Министерство (региональный уровень)")
        CLUSTER_ADMIN = "cluster_admin", _("Администратор кластера")
        CLUSTER_STAFF = "cluster_staff", _("Сотрудник кластера")
        MEMBER_REPRESENTATIVE = "member_representative", _("Представитель участника")

    CLUSTER_ROLES = frozenset({Role.CLUSTER_ADMIN, Role.CLUSTER_STAFF, Role.MEMBER_REPRESENTATIVE})

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="grants")
    role = models.CharField(_("роль"), max_length=32, choices=Role.choices)
    cluster = models.ForeignKey(
        "tenants.Cluster", on_delete=models.CASCADE, null=True, blank=True, related_name="grants"
    )
    region_codes = ArrayField(models.CharField(max_length=8), default=list, blank=True)
    # The member company (a row of the cluster's own schema) a representative speaks for.
    company_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("право доступа")
        verbose_name_plural = _("права доступа")
        constraints = [
            models.CheckConstraint(
                name="grant_cluster_roles_have_cluster",
                condition=(
                    models.Q(
                        role__in=["cluster_admin", "cluster_staff", "member_representative"],
                        cluster__isnull=False,
                    )
                    | models.Q(
                        role__in=["platform_admin", "ministry_federal", "ministry_regional"],
                        cluster__isnull=True,
                    )
                ),
            ),
            models.CheckConstraint(
                name="grant_regional_has_regions",
                condition=~models.Q(role="ministry_regional") | ~models.Q(region_codes=[]),
            ),
            models.UniqueConstraint(
                fields=["user", "role", "cluster"],
                name="grant_unique_per_cluster",
                nulls_distinct=False,
            ),
        ]
        indexes = [models.Index(fields=["user", "cluster"])]

    def __str__(self) -> str:
        where = f" @ {self.cluster_id}" if self.cluster_id else ""
        return f"{self.user_id}: {self.role}{where}"


class SignInLock(models.Model):
    """Failed sign-ins for one e-mail from one client address, and the lock they set.

    Keyed by the e-mail as typed (lower-cased), not by the account: an unknown e-mail locks
    exactly like a known one, so a refusal never reveals which accounts exist; and keyed by
    address, so nobody locks an account out for others. A guess is reserved with one
    INSERT … ON CONFLICT DO UPDATE … RETURNING before the password is checked
    (core.accounts.services.user_authenticate), so concurrent guesses never exceed the budget.
    """

    email = models.CharField(max_length=254)
    address = models.CharField(max_length=64)
    failures = models.PositiveIntegerField(default=0)
    window_started_at = models.DateTimeField()
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["email", "address"], name="signinlock_email_address")]

    def __str__(self) -> str:
        return f"{self.email} @ {self.address}: {self.failures}"


class ApiToken(models.Model):
    """A named API key of one user. Only its SHA-256 is stored; the key is shown once.

    Dies at `expires_at`, when revoked (by its owner, a cluster admin for its staff, a
    password reset, the loss of a grant), and answers only on `host` when that is set."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("название"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(_("начало ключа"), max_length=8)
    host = models.CharField(_("только для адреса"), max_length=253, blank=True)
    created_at = models.DateTimeField(_("создан"), auto_now_add=True)
    expires_at = models.DateTimeField(_("действует до"))
    last_used_at = models.DateTimeField(_("последнее использование"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("отозван"), null=True, blank=True)

    class Meta:
        verbose_name = _("токен API")
        verbose_name_plural = _("токены API")
        indexes = [models.Index(fields=["user", "revoked_at", "expires_at"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class WebAuthnCredential(models.Model):
    """A passkey (WebAuthn credential) of one user, registered on one host (its RP ID), like
    the host-bound sessions: it signs in there; TOTP and recovery codes work on every host."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="passkeys")
    name = models.CharField(_("название"), max_length=100)
    rp_id = models.CharField(max_length=253)
    credential_id = models.CharField(max_length=1400, unique=True)  # base64url
    public_key = models.BinaryField()
    sign_count = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(_("добавлен"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("последний вход"), null=True, blank=True)

    class Meta:
        verbose_name = _("ключ доступа")
        verbose_name_plural = _("ключи доступа")
        indexes = [models.Index(fields=["user", "rp_id"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.rp_id})"


class UserSession(models.Model):
    """A signed-in browser session, for the owner's «Сеансы» list. Keyed by the SHA-256 of the
    session key (the key itself is never stored); made by the login view, seen at most once a
    minute (core.accounts.middleware.SessionRecordMiddleware), gone at sign-out or when ended."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="browser_sessions")
    key_hash = models.CharField(max_length=64, unique=True)
    host = models.CharField(_("адрес"), max_length=253)
    user_agent = models.CharField(_("браузер"), max_length=400, blank=True)
    ip = models.CharField(_("IP-адрес"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("вход"), auto_now_add=True)
    last_seen_at = models.DateTimeField(_("последняя активность"))

    class Meta:
        verbose_name = _("сеанс")
        verbose_name_plural = _("сеансы")
        indexes = [models.Index(fields=["user", "last_seen_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.host}"
