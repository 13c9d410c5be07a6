"""Member companies of the cluster and their lifecycle (tenant schema)."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.utils.text import get_valid_filename
from django.utils.translation import gettext_lazy as _

from core.jobs import BackgroundJob
from core.ru.identifiers import inn_error, kpp_error, ogrn_error
from core.ru.regions import REGIONS


def _raise_if(message: str | None) -> None:
    if message:
        raise ValidationError(message)


def validate_inn(value: str) -> None:
    _raise_if(inn_error(value) if value else None)


def validate_ogrn(value: str) -> None:
    _raise_if(ogrn_error(value) if value else None)


def validate_kpp(value: str) -> None:
    _raise_if(kpp_error(value) if value else None)


def validate_region(value: str) -> None:
    if value and value not in REGIONS:
        raise ValidationError(_("Неизвестный код региона: %(code)s."), params={"code": value})


class Company(models.Model):
    """A member (or would-be member): a company or an organization."""

    class Kind(models.TextChoices):
        COMPANY = "company", _("Компания")
        UNIVERSITY = "university", _("Вуз или научная организация")
        FUND = "fund", _("Фонд, институт развития")
        SEZ_MANAGEMENT = "sez_management", _("Управляющая компания ОЭЗ")
        OTHER = "other", _("Другая организация")

    class Status(models.TextChoices):
        INTERESTED = "interested", _("Проявил интерес")
        APPLIED = "applied", _("Подал заявку")
        ADMITTED = "admitted", _("Принят общим собранием")
        ACTIVE = "active", _("Действующий участник")
        SUSPENDED = "suspended", _("Членство приостановлено")
        WITHDRAWN = "withdrawn", _("Вышел из кластера")
        EXPELLED = "expelled", _("Исключён")

    class Action(models.TextChoices):
        """Steps of the membership lifecycle (services.lifecycle.TRANSITIONS), labelled once."""

        APPLY = "apply", _("Подать заявку")
        ADMIT = "admit", _("Принять в члены кластера")
        ACTIVATE = "activate", _("Сделать действующим участником")
        SUSPEND = "suspend", _("Приостановить членство")
        RESUME = "resume", _("Возобновить членство")
        WITHDRAW = "withdraw", _("Оформить выход из кластера")
        EXPEL = "expel", _("Исключить из кластера")

    class SpecialTerritory(models.TextChoices):
        """Where a participant is located, for the lowered functional-dependence threshold of Decree No. 779."""

        MONOTOWN = "monotown", _("Моногород (монопрофильное муниципальное образование)")
        PRIORITY = "priority_territory", _("Территория опережающего развития (ТОР)")

    # Fields a company may opt to show in the public members directory.
    PUBLISHABLE_FIELDS = (
        "website",
        "address",
        "region_code",
        "description",
        "services",
        "prospective_projects",
        "okved_codes",
        "inn",
        "is_sez_resident",
    )

    full_name = models.CharField(_("полное наименование"), max_length=500)
    short_name = models.CharField(_("краткое наименование"), max_length=200)
    kind = models.CharField(_("тип"), max_length=20, choices=Kind.choices, default=Kind.COMPANY)
    legal_form = models.CharField(_("организационно-правовая форма"), max_length=100, blank=True)
    inn = models.CharField(_("ИНН"), max_length=12, blank=True, validators=[validate_inn])
    ogrn = models.CharField(_("ОГРН/ОГРНИП"), max_length=15, blank=True, validators=[validate_ogrn])
    kpp = models.CharField(_("КПП"), max_length=9, blank=True, validators=[validate_kpp])
    region_code = models.CharField(_("регион"), max_length=8, blank=True, validators=[validate_region])
    address = models.CharField(_("адрес"), max_length=500, blank=True)
    website = models.URLField(_("сайт"), blank=True)
    is_sez_resident = models.BooleanField(_("резидент ОЭЗ"), default=False)
    special_territory = models.CharField(
        _("моногород или ТОР"),
        max_length=20,
        blank=True,
        choices=SpecialTerritory.choices,
        help_text=_("Для требований реестра промышленных кластеров (постановление № 779): пусто — нет."),
    )
    okved_codes = ArrayField(
        models.CharField(max_length=12), verbose_name=_("коды ОКВЭД2"), default=list, blank=True
    )
    description = models.TextField(_("описание"), blank=True)
    services = models.TextField(_("услуги"), blank=True)
    prospective_projects = models.TextField(_("перспективные проекты"), blank=True)
    status = models.CharField(_("статус"), max_length=20, choices=Status.choices, default=Status.INTERESTED)
    status_changed_at = models.DateTimeField(_("статус изменён"), null=True, blank=True)
    public_fields = ArrayField(
        models.CharField(max_length=40), verbose_name=_("публикуемые поля"), default=list, blank=True
    )
    is_demo = models.BooleanField(_("демо-данные"), default=False)
    created_at = models.DateTimeField(_("создана"), auto_now_add=True)
    updated_at = models.DateTimeField(_("изменена"), auto_now=True)

    class Meta:
        verbose_name = _("организация")
        verbose_name_plural = _("организации")
        ordering = ["short_name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["inn"],
                condition=~models.Q(inn=""),
                name="company_inn_unique",
                violation_error_message=_("Организация с таким ИНН уже есть в кластере."),
            ),
        ]
        indexes = [models.Index(fields=["status"]), models.Index(fields=["short_name"])]

    def __str__(self) -> str:
        return self.short_name or self.full_name

    @property
    def is_member(self) -> bool:
        return self.status in {self.Status.ADMITTED, self.Status.ACTIVE, self.Status.SUSPENDED}


class MembershipEvent(models.Model):
    """One step of a company's lifecycle: who moved it, when, why, on which decision."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="membership_events")
    from_status = models.CharField(max_length=20, choices=Company.Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Company.Status.choices)
    at = models.DateTimeField(_("когда"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    reason = models.TextField(_("основание"), blank=True)
    decision = models.ForeignKey(
        "governance.Decision",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="membership_events",
    )

    class Meta:
        verbose_name = _("изменение статуса участника")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.company_id}: {self.from_status} → {self.to_status}"


class Product(models.Model):
    """A product of a member, e.g. a registered medical device."""

    class Kind(models.TextChoices):
        MEDICAL_DEVICE = "medical_device", _("Медицинское изделие")
        DRUG = "drug", _("Лекарственное средство")
        EQUIPMENT = "equipment", _("Оборудование")
        SERVICE = "service", _("Услуга")
        OTHER = "other", _("Другое")

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="products")
    name = models.CharField(_("наименование"), max_length=300)
    kind = models.CharField(_("вид"), max_length=20, choices=Kind.choices, default=Kind.MEDICAL_DEVICE)
    description = models.TextField(_("описание"), blank=True)
    registration_number = models.CharField(
        _("регистрационное удостоверение"),
        max_length=60,
        blank=True,
        help_text=_("Например: РЗН 2024/23835, ФСР 2009/05719, ФСЗ 2010/07753."),
    )
    in_innovation_registry = models.BooleanField(_("в реестре инновационной продукции"), default=False)
    innovation_registry_date = models.DateField(_("дата включения в реестр"), null=True, blank=True)
    is_published = models.BooleanField(_("показывать в каталоге"), default=True)
    created_at = models.DateTimeField(_("создан"), auto_now_add=True)

    class Meta:
        verbose_name = _("продукт")
        verbose_name_plural = _("продукция")
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(in_innovation_registry=True)
                | models.Q(innovation_registry_date__isnull=True),
                name="product_registry_date_only_when_included",
                violation_error_message=_(
                    "Дата включения в реестр указывается только для включённой продукции."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name


def import_file_path(instance: ImportJob, filename: str) -> str:
    """Uploads of a cluster live under MEDIA_ROOT/clusters/<schema>/: never shared, never guessed."""
    name = get_valid_filename(PurePath(filename).name)[-120:] or "file"
    schema = getattr(connection, "schema_name", "public")  # django-tenants' wrapper
    return f"clusters/{schema}/member-imports/{uuid.uuid4().hex}/{name}"


class Invitation(models.Model):
    """An e-mailed invitation for a person to represent a company on the cluster's site."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("e-mail"))
    token = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    created_at = models.DateTimeField(_("создано"), auto_now_add=True)
    expires_at = models.DateTimeField(_("действует до"))
    accepted_at = models.DateTimeField(_("принято"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    revoked_at = models.DateTimeField(_("отозвано"), null=True, blank=True)

    class Meta:
        verbose_name = _("приглашение представителя")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["company", "email"])]

    def __str__(self) -> str:
        return f"{self.email} → {self.company_id}"

    def is_pending(self, now: dt.datetime) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > now


class KpiReport(models.Model):
    """A member's yearly figures for the cluster's report. Money in kopecks."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Черновик")
        SUBMITTED = "submitted", _("Отправлен")
        ACCEPTED = "accepted", _("Принят")

    MONEY_FIELDS = ("revenue", "revenue_medical_devices", "investment", "export", "rnd_spend", "taxes_paid")
    COUNT_FIELDS = ("employees", "new_jobs", "products_launched")

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="kpi_reports")
    year = models.PositiveSmallIntegerField(_("год"))
    revenue = models.BigIntegerField(_("выручка, коп."), default=0)
    revenue_medical_devices = models.BigIntegerField(_("выручка от медицинских изделий, коп."), default=0)
    investment = models.BigIntegerField(_("инвестиции, коп."), default=0)
    export = models.BigIntegerField(_("экспорт, коп."), default=0)
    rnd_spend = models.BigIntegerField(_("расходы на НИОКР, коп."), default=0)
    taxes_paid = models.BigIntegerField(_("уплаченные налоги, коп."), default=0)
    employees = models.PositiveIntegerField(_("численность работников"), default=0)
    new_jobs = models.PositiveIntegerField(_("новые рабочие места"), default=0)
    products_launched = models.PositiveIntegerField(_("выведено продуктов на рынок"), default=0)
    status = models.CharField(_("состояние"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    submitted_at = models.DateTimeField(_("отправлен"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("принят"), null=True, blank=True)
    created_at = models.DateTimeField(_("создан"), auto_now_add=True)
    updated_at = models.DateTimeField(_("изменён"), auto_now=True)

    class Meta:
        verbose_name = _("показатели участника за год")
        ordering = ["-year", "company__short_name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "year"],
                name="kpi_report_unique_per_year",
                violation_error_message=_("Показатели организации за этот год уже внесены."),
            ),
            models.CheckConstraint(
                condition=models.Q(
                    revenue__gte=0,
                    revenue_medical_devices__gte=0,
                    investment__gte=0,
                    export__gte=0,
                    rnd_spend__gte=0,
                    taxes_paid__gte=0,
                ),
                name="kpi_report_money_not_negative",
                violation_error_message=_("Суммы не могут быть отрицательными."),
            ),
            models.CheckConstraint(
                condition=models.Q(revenue_medical_devices__lte=models.F("revenue")),
                name="kpi_report_device_revenue_within_revenue",
                violation_error_message=_("Выручка от медицинских изделий не может превышать общую выручку."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.company} — {self.year}"


class CooperationContract(models.Model):
    """A contract between two members: what the Minpromtorg registry counts as cooperation.

    That the parties differ is checked by the services (contract_create/contract_update).
    """

    class Kind(models.TextChoices):
        SUPPLY = "supply", _("Поставка продукции кластера")
        JOINT_PROJECT = "joint_project", _("Совместный проект (импортозамещение)")
        WORKS_SERVICES = "works_services", _("Выполнение работ, оказание услуг")

    kind = models.CharField(_("вид"), max_length=20, choices=Kind.choices, default=Kind.SUPPLY)
    party_a = models.ForeignKey(
        Company,
        on_delete=models.PROTECT,
        related_name="contracts_as_party_a",
        verbose_name=_("поставщик (сторона А)"),
    )
    party_b = models.ForeignKey(
        Company,
        on_delete=models.PROTECT,
        related_name="contracts_as_party_b",
        verbose_name=_("покупатель (сторона Б)"),
    )
    number = models.CharField(_("номер договора"), max_length=100)
    signed_on = models.DateField(_("дата заключения"))
    amount_kopecks = models.BigIntegerField(_("сумма, коп."), default=0)
    subject = models.TextField(_("предмет договора"))
    created_at = models.DateTimeField(_("создан"), auto_now_add=True)
    updated_at = models.DateTimeField(_("изменён"), auto_now=True)

    class Meta:
        verbose_name = _("договор о кооперации")
        verbose_name_plural = _("договоры о кооперации")
        ordering = ["-signed_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount_kopecks__gte=0),
                name="contract_amount_not_negative",
                violation_error_message=_("Сумма договора не может быть отрицательной."),
            ),
        ]

    def __str__(self) -> str:
        return f"№ {self.number} от {self.signed_on:%d.%m.%Y}"


class ImportJob(BackgroundJob):
    """A bulk import of companies from a CSV or XLSX file: all rows or none."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("В очереди")
        VALIDATING = "validating", _("Проверка строк")
        IMPORTING = "importing", _("Загрузка")
        DONE = "done", _("Готово")
        FAILED = "failed", _("Не загружено")

    ERRORS_SHOWN = 500  # errors the status JSON carries; the page says how many more there are

    file = models.FileField(_("файл"), upload_to=import_file_path, max_length=300)
    original_name = models.CharField(_("имя файла"), max_length=200, blank=True)
    status = models.CharField(_("состояние"), max_length=20, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(_("строк в файле"), default=0)
    processed = models.PositiveIntegerField(_("проверено строк"), default=0)
    created_count = models.PositiveIntegerField(_("добавлено организаций"), default=0)
    errors = models.JSONField(_("ошибки"), default=list, blank=True)

    class Meta:
        verbose_name = _("загрузка организаций")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.original_name or f"#{self.pk}"

    def lost_fields(self) -> dict[str, Any]:
        return {**super().lost_fields(), "errors": [{"line": None, "message": self.LOST_MESSAGE}]}

    def status_payload(self) -> dict[str, Any]:
        return {
            **super().status_payload(),
            "id": self.pk,
            "created_count": self.created_count,
            "errors": self.errors[: self.ERRORS_SHOWN],
            "error_count": len(self.errors),
        }
