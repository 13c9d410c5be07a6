"""The cluster's roadmap (дорожная карта): sections, items, executors, evidence (tenant schema)."""

from __future__ import annotations

import uuid
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.db import connection, models
from django.utils.text import get_valid_filename
from django.utils.translation import gettext_lazy as _

from core.jobs import BackgroundJob

from .deadlines import DeadlineKind


def evidence_path(instance: Evidence, filename: str) -> str:
    """Files of a cluster live under MEDIA_ROOT/clusters/<schema>/: never shared, never guessed."""
    name = get_valid_filename(PurePath(filename).name)[-120:] or "file"
    schema = getattr(connection, "schema_name", "public")  # django-tenants' wrapper
    return f"clusters/{schema}/roadmap/{instance.item_id}/{uuid.uuid4().hex}/{name}"


class Roadmap(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Черновик")
        APPROVED = "approved", _("Утверждена")
        CLOSED = "closed", _("Закрыта")

    title = models.CharField(_("название"), max_length=500)
    period_start = models.DateField(_("действует с"))
    period_end = models.DateField(_("действует по"))
    status = models.CharField(_("статус"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    approved_by = models.ForeignKey(
        "governance.Decision",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="roadmaps",
        verbose_name=_("решение об утверждении"),
    )
    version = models.PositiveIntegerField(_("версия"), default=1)
    previous = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="next_versions",
        verbose_name=_("предыдущая версия"),
    )
    source_name = models.CharField(_("исходный файл"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    created_at = models.DateTimeField(_("создана"), auto_now_add=True)

    class Meta:
        verbose_name = _("дорожная карта")
        verbose_name_plural = _("дорожные карты")
        ordering = ["-period_start", "-version"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="roadmap_period_ordered",
                violation_error_message=_("Окончание срока действия раньше его начала."),
            ),
            models.CheckConstraint(
                condition=~models.Q(status="approved") | models.Q(approved_by__isnull=False),
                name="roadmap_approved_by_decision",
                violation_error_message=_(
                    "Утверждённая дорожная карта ссылается на решение общего собрания."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"


class Section(models.Model):
    roadmap = models.ForeignKey(Roadmap, on_delete=models.CASCADE, related_name="sections")
    number = models.CharField(_("№"), max_length=20)
    title = models.TextField(_("название раздела"))
    position = models.PositiveIntegerField(_("порядок"))

    class Meta:
        verbose_name = _("раздел дорожной карты")
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["roadmap", "position"], name="section_position_unique")
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class Item(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Запланировано")
        IN_PROGRESS = "in_progress", _("Выполняется")
        DONE = "done", _("Выполнено")
        NOT_DONE = "not_done", _("Не выполнено")
        CANCELLED = "cancelled", _("Отменено")

    roadmap = models.ForeignKey(Roadmap, on_delete=models.CASCADE, related_name="items")
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="items")
    number = models.CharField(_("№"), max_length=20)
    position = models.PositiveIntegerField(_("порядок"))
    title = models.TextField(_("наименование мероприятия"))
    executors_text = models.TextField(_("ответственные исполнители (как в документе)"), blank=True)
    deadline_text = models.CharField(_("сроки исполнения (как в документе)"), max_length=300, blank=True)
    deadline_kind = models.CharField(
        _("вид срока"),
        max_length=20,
        choices=[(k.value, k.value) for k in DeadlineKind],
        default=DeadlineKind.NONE,
    )
    deadline_start = models.DateField(_("начало срока"), null=True, blank=True)
    deadline_end = models.DateField(_("срок"), null=True, blank=True)
    deadline_recurrence = models.CharField(_("периодичность"), max_length=20, blank=True)
    expected_result = models.TextField(_("ожидаемый результат, примечание"), blank=True)
    actual_result = models.TextField(_("результат"), blank=True)
    status = models.CharField(_("статус"), max_length=20, choices=Status.choices, default=Status.PLANNED)
    comments = models.TextField(_("комментарии"), blank=True)
    updated_at = models.DateTimeField(_("изменён"), auto_now=True)

    class Meta:
        verbose_name = _("мероприятие дорожной карты")
        verbose_name_plural = _("мероприятия дорожной карты")
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["roadmap", "position"], name="item_position_unique")]
        indexes = [models.Index(fields=["roadmap", "status"]), models.Index(fields=["deadline_end"])]

    def __str__(self) -> str:
        return f"{self.number} {self.title[:60]}"


class Executor(models.Model):
    """One executor of an item: a person (maybe a user), a member company, a committee or
    working group, or an organization named as text («Университет «Дубна»»)."""

    class Kind(models.TextChoices):
        PERSON = "person", _("Человек")
        COMPANY = "company", _("Участник кластера")
        COMMITTEE = "committee", _("Комитет или рабочая группа")
        ORGANIZATION = "organization", _("Организация")

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="executors")
    position = models.PositiveSmallIntegerField(_("порядок"))
    name = models.CharField(_("как в документе"), max_length=300)
    kind = models.CharField(_("вид"), max_length=20, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    company = models.ForeignKey(
        "members.Company", on_delete=models.SET_NULL, null=True, blank=True, related_name="roadmap_items"
    )
    committee = models.ForeignKey(
        "governance.Committee", on_delete=models.SET_NULL, null=True, blank=True, related_name="roadmap_items"
    )

    class Meta:
        verbose_name = _("исполнитель")
        ordering = ["position"]

    def __str__(self) -> str:
        return self.name


class Evidence(models.Model):
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="evidence")
    title = models.CharField(_("название"), max_length=300)
    file = models.FileField(_("файл"), upload_to=evidence_path, max_length=300)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    uploaded_at = models.DateTimeField(_("загружен"), auto_now_add=True)

    class Meta:
        verbose_name = _("подтверждающий документ")
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return self.title


class RoadmapImport(models.Model):
    """An uploaded table, parsed and waiting for confirmation (upload -> preview -> confirm).

    `parsed` holds the structured rows the preview showed; confirming creates exactly
    those, in one transaction, and marks the import done so it cannot be applied twice."""

    class Status(models.TextChoices):
        PREVIEW = "preview", _("Предпросмотр")
        DONE = "done", _("Импортирована")

    source_name = models.CharField(_("исходный файл"), max_length=300)
    title = models.CharField(_("название"), max_length=500)
    period_start = models.DateField(_("действует с"))
    period_end = models.DateField(_("действует по"))
    parsed = models.JSONField(_("разобранная таблица"))
    status = models.CharField(_("статус"), max_length=20, choices=Status.choices, default=Status.PREVIEW)
    roadmap = models.ForeignKey(Roadmap, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    replaces = models.ForeignKey(
        Roadmap,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("новая версия карты"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    created_at = models.DateTimeField(_("загружена"), auto_now_add=True)

    class Meta:
        verbose_name = _("импорт дорожной карты")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.source_name


class ReminderSent(models.Model):
    """A reminder e-mail about an item, sent once per kind and deadline (see tracking reminders).

    The deadline is part of the key: when an item's deadline moves, its reminders are due again."""

    class Kind(models.TextChoices):
        DUE_SOON = "due_soon", _("Скоро срок")
        OVERDUE = "overdue", _("Просрочено")

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(_("вид"), max_length=20, choices=Kind.choices)
    deadline = models.DateField(_("срок"))
    recipients = models.JSONField(_("получатели"), default=list, blank=True)
    sent_at = models.DateTimeField(_("отправлено"), auto_now_add=True)

    class Meta:
        verbose_name = _("напоминание о сроке")
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(fields=["item", "kind", "deadline"], name="reminder_once_per_deadline")
        ]

    def __str__(self) -> str:
        return f"{self.item_id} {self.kind} {self.deadline}"


def report_file_path(instance: ReportJob, filename: str) -> str:
    schema = getattr(connection, "schema_name", "public")  # django-tenants' wrapper
    return f"clusters/{schema}/roadmap-reports/{uuid.uuid4().hex}/{get_valid_filename(filename)[-120:]}"


class ReportJob(BackgroundJob):
    """A report of a large roadmap made in the background (a PDF of thousands of rows takes
    tens of seconds): queued, then running, then a file to download — or an error. An order
    lost for LOST_AFTER (the worker gone) is failed with LOST_MESSAGE and ordered anew."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("В очереди")
        RUNNING = "running", _("Формируется")
        DONE = "done", _("Готов")
        FAILED = "failed", _("Ошибка")

    LOST_MESSAGE = "Отчёт не сформирован вовремя: заказан заново."

    roadmap = models.ForeignKey(Roadmap, on_delete=models.CASCADE, related_name="report_jobs")
    format = models.CharField(_("формат"), max_length=10)
    status = models.CharField(_("статус"), max_length=20, choices=Status.choices, default=Status.QUEUED)
    file = models.FileField(_("файл"), upload_to=report_file_path, max_length=300, blank=True)
    filename = models.CharField(_("имя файла"), max_length=300, blank=True)
    content_type = models.CharField(max_length=120, blank=True)
    error = models.TextField(_("ошибка"), blank=True)

    class Meta:
        verbose_name = _("отчёт дорожной карты")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.roadmap_id} {self.format} {self.status}"

    @property
    def percent(self) -> int:
        """One file, no row count: half-way while it is being made."""
        return {self.Status.QUEUED: 0, self.Status.RUNNING: 50}.get(self.Status(self.status), 100)

    @property
    def is_ready(self) -> bool:
        """Made, with a file to download."""
        return self.status == self.Status.DONE and bool(self.file)

    def lost_fields(self) -> dict[str, Any]:
        return {**super().lost_fields(), "error": self.LOST_MESSAGE}

    def status_payload(self) -> dict[str, Any]:
        return {**super().status_payload(), "id": self.pk, "error": self.error}
