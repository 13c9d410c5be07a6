"""Cluster (the tenant) and its host names. Both live in the public schema."""

from __future__ import annotations

import functools
import zoneinfo

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_tenants.models import DomainMixin, TenantMixin

from core.ru.regions import REGIONS


def validate_region_codes(value: list[str]) -> None:
    if not value:
        raise ValidationError(_("Укажите хотя бы один регион (код ISO 3166-2:RU, например RU-MOS)."))
    unknown = [code for code in value if code not in REGIONS]
    if unknown:
        raise ValidationError(
            _("Неизвестный код региона: %(codes)s. Ожидается код ISO 3166-2:RU, например RU-MOS."),
            params={"codes": ", ".join(unknown)},
        )
    if len(set(value)) != len(value):
        raise ValidationError(_("Регион указан дважды."))


@functools.cache
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())  # scans the tz database: once per process


def validate_time_zone(value: str) -> None:
    if value not in _time_zones():
        raise ValidationError(_("Неизвестный часовой пояс: %(tz)s."), params={"tz": value})


class Cluster(TenantMixin):
    """A cluster: one PostgreSQL schema named by its slug, served on <slug>.<base domain>."""

    class Kind(models.TextChoices):
        REGIONAL = "regional", _("Региональный")
        INTERREGIONAL = "interregional", _("Межрегиональный")

    class RegistryStatus(models.TextChoices):
        NOT_APPLIED = "not_applied", _("Не подавал заявку")
        APPLIED = "applied", _("Заявка подана")
        INCLUDED = "included", _("Включён в реестр")
        EXCLUDED = "excluded", _("Исключён из реестра")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Действует")
        SUSPENDED = "suspended", _("Приостановлен")
        ARCHIVED = "archived", _("В архиве")
        PREPARING = "preparing", _("В подготовке")

    # Steps of the first set-up (tenants.onboarding) its admin has finished or put off.
    class SetupStep(models.TextChoices):
        NAME = "name", _("Наименование")
        REGIONS = "regions", _("Регионы")
        PAYEE = "payee", _("Реквизиты получателя платежей")
        LOGO = "logo", _("Логотип")
        IMPORT = "import", _("Загрузка участников")

    # Provisioning clones the template schema in a service, never on save().
    auto_create_schema = False
    auto_drop_schema = False

    name = models.CharField(_("полное наименование"), max_length=300)
    short_name = models.CharField(_("краткое наименование"), max_length=120, blank=True)
    region_codes = ArrayField(
        models.CharField(max_length=8),
        verbose_name=_("регионы"),
        validators=[validate_region_codes],
        help_text=_("Коды ISO 3166-2:RU; у межрегионального кластера их несколько."),
    )
    kind = models.CharField(_("тип"), max_length=20, choices=Kind.choices, default=Kind.REGIONAL)
    base_territory = models.CharField(_("базовая территория"), max_length=300, blank=True)
    specialized_organization = models.CharField(
        _("специализированная организация"), max_length=300, blank=True
    )
    founded_on = models.DateField(_("дата создания"), null=True, blank=True)
    registry_status = models.CharField(
        _("статус в реестре Минпромторга"),
        max_length=20,
        choices=RegistryStatus.choices,
        default=RegistryStatus.NOT_APPLIED,
    )
    status = models.CharField(_("состояние"), max_length=20, choices=Status.choices, default=Status.ACTIVE)
    time_zone = models.CharField(
        _("часовой пояс"), max_length=64, default="Europe/Moscow", validators=[validate_time_zone]
    )
    archive_path = models.CharField(_("файл архива"), max_length=500, blank=True)
    # The cluster's admins must sign in with a second factor (core.accounts.twofactor).
    admins_need_two_factor = models.BooleanField(_("двухфакторный вход для администраторов"), default=False)
    # The set-up steps recorded as done (SetupStep codes) while the cluster is being prepared.
    setup_steps = ArrayField(
        models.CharField(max_length=20), verbose_name=_("шаги подготовки"), default=list, blank=True
    )
    # The stored name of the logo (default storage, inside the cluster's folder).
    logo = models.CharField(_("логотип"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("создан"), auto_now_add=True)

    class Meta:
        verbose_name = _("кластер")
        verbose_name_plural = _("кластеры")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="interregional") | models.Q(region_codes__len=1),
                name="cluster_regional_has_one_region",
                violation_error_message=_("У регионального кластера ровно один регион."),
            ),
        ]
        indexes = [models.Index(fields=["status"]), models.Index(fields=["registry_status"])]

    def __str__(self) -> str:
        return self.short_name or self.name

    @property
    def slug(self) -> str:
        return self.schema_name

    @property
    def display_name(self) -> str:
        return self.short_name or self.name

    @property
    def region_names(self) -> list[str]:
        return [REGIONS.get(code, code) for code in self.region_codes]

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class Domain(DomainMixin):
    """A host name that serves one cluster (e.g. mosreg.localhost)."""

    class Meta:
        verbose_name = _("домен")
        verbose_name_plural = _("домены")

    def __str__(self) -> str:
        return self.domain


class AdminInvitation(models.Model):
    """An e-mailed invitation to become the first admin of a new cluster (public schema: the
    platform admin creates it before the cluster has anyone)."""

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="admin_invitations")
    email = models.EmailField(_("e-mail"))
    token = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("создано"), auto_now_add=True)
    expires_at = models.DateTimeField(_("действует до"))
    accepted_at = models.DateTimeField(_("принято"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(_("отозвано"), null=True, blank=True)

    class Meta:
        verbose_name = _("приглашение администратора кластера")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.email} → {self.cluster_id}"


class TemplateSnapshot(models.Model):
    """The template schema's DDL (from pg_dump), keyed by the template's migration state.

    New cluster schemas are created by replaying this DDL under their own name: a
    structural copy of the template that takes milliseconds.
    """

    fingerprint = models.CharField(max_length=64, unique=True)
    ddl = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("снимок шаблонной схемы")

    def __str__(self) -> str:
        return self.fingerprint


class QueuedTask(models.Model):
    """The outbox: a Celery task that could not be sent because the broker was down
    (core.queue.enqueue). The beat entry `queue-outbox-flush` sends these again, oldest
    first, and deletes each one sent, so the work is neither lost nor sent twice by us."""

    task_name = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    kwargs = models.JSONField(default=dict)
    headers = models.JSONField(default=dict)  # the schema stamp of tenant-schemas-celery
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.task_name} ({self.headers.get('_schema_name', '?')})"
