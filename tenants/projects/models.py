"""Joint projects of cluster participants, their target indicators and state support (tenant schema).

Money is integer kopecks. Indicator values are integers in the kind's stored unit
(`ProjectIndicator.SCALE`): kopecks for money, people for jobs, hundredths of a per cent for
the import-substituted share, hundredths of the unit for custom indicators. Rules (who may
write, membership during the period, years inside the period, the grant limit) live in
tenants.projects.services; the constraints below are the invariants the database keeps.
"""

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import connection, models
from django.utils.text import get_valid_filename
from django.utils.translation import gettext_lazy as _

from core.ru.money import format_roubles


class JointProject(models.Model):
    """A joint project of cluster participants (import substitution, supply, R&D, infrastructure)."""

    class Kind(models.TextChoices):
        IMPORT_SUBSTITUTION = "import_substitution", _("Импортозамещение")
        PRODUCT_SUPPLY = "product_supply", _("Поставка продукции кластера")
        JOINT_RND = "joint_rnd", _("Совместные НИОКР")
        INFRASTRUCTURE = "infrastructure", _("Инфраструктура")

    class Status(models.TextChoices):
        IDEA = "idea", _("Идея")
        APPROVED = "approved", _("Одобрен решением органа кластера")
        IN_PROGRESS = "in_progress", _("Реализуется")
        DONE = "done", _("Завершён")
        STOPPED = "stopped", _("Остановлен")

    # Statuses that rest on a decision of a cluster body.
    DECIDED = ("approved", "in_progress", "done")

    title = models.CharField(_("название"), max_length=500)
    kind = models.CharField(_("вид"), max_length=30, choices=Kind.choices, default=Kind.IMPORT_SUBSTITUTION)
    description = models.TextField(_("описание"), blank=True)
    status = models.CharField(_("статус"), max_length=20, choices=Status.choices, default=Status.IDEA)
    period_start = models.DateField(_("начало"))
    period_end = models.DateField(_("окончание"))
    approved_by = models.ForeignKey(
        "governance.Decision",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="joint_projects",
        verbose_name=_("решение об одобрении"),
    )
    products = models.ManyToManyField(
        "members.Product", blank=True, related_name="joint_projects", verbose_name=_("продукция")
    )
    roadmap_items = models.ManyToManyField(
        "roadmap.Item",
        blank=True,
        related_name="joint_projects",
        verbose_name=_("мероприятия дорожной карты"),
    )
    contracts = models.ManyToManyField(
        "members.CooperationContract",
        blank=True,
        related_name="joint_projects",
        verbose_name=_("договоры о кооперации"),
    )
    is_demo = models.BooleanField(_("демо-данные"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    created_at = models.DateTimeField(_("создан"), auto_now_add=True)
    updated_at = models.DateTimeField(_("изменён"), auto_now=True)

    class Meta:
        verbose_name = _("совместный проект")
        verbose_name_plural = _("совместные проекты")
        ordering = ["-period_start", "title", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="project_period_ordered",
                violation_error_message=_("Окончание проекта раньше его начала."),
            ),
            models.CheckConstraint(
                # Equalities, not status__in: PostgreSQL prints an IN list differently after a
                # pg_dump round trip, and cloned schemas must equal migrated ones (test_provisioning).
                condition=models.Q(status="idea")
                | models.Q(status="stopped")
                | models.Q(approved_by__isnull=False),
                name="project_decided_has_decision",
                violation_error_message=_("Одобренный проект ссылается на решение органа кластера."),
            ),
        ]
        indexes = [models.Index(fields=["status"]), models.Index(fields=["title"])]

    def __str__(self) -> str:
        return self.title

    @property
    def years(self) -> range:
        return range(self.period_start.year, self.period_end.year + 1)


class ProjectParticipant(models.Model):
    """A member company taking part in a project, with its role (one lead per project)."""

    class Role(models.TextChoices):
        LEAD = "lead", _("Головной участник")
        PARTICIPANT = "participant", _("Участник")
        SUPPLIER = "supplier", _("Поставщик")

    project = models.ForeignKey(JointProject, on_delete=models.CASCADE, related_name="participants")
    company = models.ForeignKey(
        "members.Company",
        on_delete=models.PROTECT,
        related_name="project_participations",
        verbose_name=_("организация"),
    )
    role = models.CharField(_("роль"), max_length=20, choices=Role.choices, default=Role.PARTICIPANT)

    class Meta:
        verbose_name = _("участник проекта")
        verbose_name_plural = _("участники проекта")
        ordering = ["role", "company__short_name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "company"],
                name="project_participant_unique",
                violation_error_message=_("Организация уже участвует в проекте."),
            ),
            models.UniqueConstraint(
                fields=["project"],
                condition=models.Q(role="lead"),
                name="project_one_lead",
                violation_error_message=_("У проекта может быть только один головной участник."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: организация № {self.company_id}, проект № {self.project_id}"


class ProjectBudget(models.Model):
    """The planned financing of a project for one year from one source, in kopecks."""

    class Source(models.TextChoices):
        OWN_FUNDS = "own_funds", _("Собственные средства")
        FEDERAL_SUBSIDY = "federal_subsidy", _("Федеральная субсидия")
        REGIONAL_SUPPORT = "regional_support", _("Региональная поддержка")
        LOANS = "loans", _("Заёмные средства")

    project = models.ForeignKey(JointProject, on_delete=models.CASCADE, related_name="budget")
    year = models.PositiveSmallIntegerField(_("год"))
    source = models.CharField(_("источник"), max_length=20, choices=Source.choices)
    amount_kopecks = models.BigIntegerField(_("сумма, коп."), default=0)

    class Meta:
        verbose_name = _("бюджет проекта")
        verbose_name_plural = _("бюджет проекта")
        ordering = ["year", "source", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "year", "source"],
                name="project_budget_unique",
                violation_error_message=_("Сумма по этому источнику за этот год уже внесена."),
            ),
            models.CheckConstraint(
                condition=models.Q(amount_kopecks__gte=0),
                name="project_budget_not_negative",
                violation_error_message=_("Сумма не может быть отрицательной."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()}, {self.year} (проект № {self.project_id})"


class ProjectIndicator(models.Model):
    """A target indicator of a project for one year: planned vs actual, draft → submitted → accepted."""

    class Kind(models.TextChoices):
        OUTPUT_VOLUME = "output_volume", _("Объём выпуска продукции")
        CLUSTER_SALES = "cluster_sales", _("Продажи продукции кластера")
        NEW_JOBS = "new_jobs", _("Новые рабочие места")
        INVESTMENT = "investment", _("Инвестиции")
        IMPORT_SHARE = "import_share", _("Доля импортозамещённой продукции")
        CUSTOM = "custom", _("Другой показатель")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Черновик")
        SUBMITTED = "submitted", _("Отправлен")
        ACCEPTED = "accepted", _("Принят")

    MONEY_KINDS = ("output_volume", "cluster_sales", "investment")
    # Stored integer per displayed unit: kopecks per rouble, hundredths of a per cent / unit.
    SCALE = {
        "output_volume": 100,
        "cluster_sales": 100,
        "investment": 100,
        "new_jobs": 1,
        "import_share": 100,
        "custom": 100,
    }

    project = models.ForeignKey(JointProject, on_delete=models.CASCADE, related_name="indicators")
    year = models.PositiveSmallIntegerField(_("год"))
    kind = models.CharField(_("показатель"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("название (для другого показателя)"), max_length=300, blank=True)
    unit = models.CharField(_("единица измерения (для другого показателя)"), max_length=50, blank=True)
    planned = models.BigIntegerField(_("план"))
    actual = models.BigIntegerField(_("факт"), null=True, blank=True)
    status = models.CharField(_("состояние"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    comment = models.TextField(_("комментарий"), blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    submitted_at = models.DateTimeField(_("отправлен"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("принят"), null=True, blank=True)
    created_at = models.DateTimeField(_("создан"), auto_now_add=True)
    updated_at = models.DateTimeField(_("изменён"), auto_now=True)

    class Meta:
        verbose_name = _("целевой показатель проекта")
        verbose_name_plural = _("целевые показатели проекта")
        ordering = ["year", "kind", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "year", "kind"],
                condition=~models.Q(kind="custom"),
                name="project_indicator_unique",
                violation_error_message=_("Этот показатель за этот год уже внесён."),
            ),
            models.UniqueConstraint(
                fields=["project", "year", "name"],
                condition=models.Q(kind="custom"),
                name="project_custom_indicator_unique",
                violation_error_message=_("Показатель с таким названием за этот год уже внесён."),
            ),
            models.CheckConstraint(
                condition=models.Q(planned__gte=0)
                & (models.Q(actual__isnull=True) | models.Q(actual__gte=0)),
                name="project_indicator_not_negative",
                violation_error_message=_("Значения показателя не могут быть отрицательными."),
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="custom") | (~models.Q(name="") & ~models.Q(unit="")),
                name="project_custom_indicator_named",
                violation_error_message=_("У другого показателя должны быть название и единица."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}, {self.year} (проект № {self.project_id})"

    @property
    def shortfall_percent(self) -> float | None:
        """How far the actual is below plan, in per cent of plan; None when on plan or not known."""
        if self.actual is None or not self.planned or self.actual >= self.planned:
            return None
        return round((self.planned - self.actual) * 100 / self.planned, 1)


class SupportApplication(models.Model):
    """An application for state support of a project by one participant, and its outcome."""

    class Measure(models.TextChoices):
        DECREE_41 = "decree_41", _("Субсидия по постановлению № 41")
        REGIONAL_PROGRAMME = "regional_programme", _("Региональная программа")
        IDF_LOAN = "idf_loan", _("Заём Фонда развития промышленности")
        OTHER = "other", _("Другая мера")

    class Decision(models.TextChoices):
        PENDING = "pending", _("На рассмотрении")
        GRANTED = "granted", _("Одобрена")
        REJECTED = "rejected", _("Отказано")
        WITHDRAWN = "withdrawn", _("Отозвана")

    project = models.ForeignKey(JointProject, on_delete=models.CASCADE, related_name="support_applications")
    company = models.ForeignKey(
        "members.Company",
        on_delete=models.PROTECT,
        related_name="support_applications",
        verbose_name=_("заявитель"),
    )
    measure = models.CharField(_("мера поддержки"), max_length=30, choices=Measure.choices)
    measure_name = models.CharField(_("название меры (для другой)"), max_length=300, blank=True)
    amount_requested_kopecks = models.BigIntegerField(_("запрошено, коп."))
    submitted_on = models.DateField(_("дата подачи"))
    decision = models.CharField(
        _("решение"), max_length=20, choices=Decision.choices, default=Decision.PENDING
    )
    decided_on = models.DateField(_("дата решения"), null=True, blank=True)
    decision_note = models.TextField(_("основание решения"), blank=True)
    amount_granted_kopecks = models.BigIntegerField(_("предоставлено, коп."), default=0)
    is_demo = models.BooleanField(_("демо-данные"), default=False)
    created_at = models.DateTimeField(_("создана"), auto_now_add=True)
    updated_at = models.DateTimeField(_("изменена"), auto_now=True)

    class Meta:
        verbose_name = _("заявка на господдержку")
        verbose_name_plural = _("заявки на господдержку")
        ordering = ["-submitted_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount_requested_kopecks__gt=0),
                name="support_requested_positive",
                violation_error_message=_("Запрошенная сумма должна быть больше нуля."),
            ),
            models.CheckConstraint(
                condition=models.Q(amount_granted_kopecks__gte=0),
                name="support_granted_not_negative",
                violation_error_message=_("Предоставленная сумма не может быть отрицательной."),
            ),
            models.CheckConstraint(
                condition=models.Q(decision="granted") | models.Q(amount_granted_kopecks=0),
                name="support_granted_only_when_granted",
                violation_error_message=_("Сумма указывается только для одобренной заявки."),
            ),
        ]
        indexes = [models.Index(fields=["measure"]), models.Index(fields=["decision"])]

    def __str__(self) -> str:
        return f"{self.get_measure_display()} — {self.project_id}"


class SupportTranche(models.Model):
    """Money actually received under a granted application."""

    application = models.ForeignKey(SupportApplication, on_delete=models.CASCADE, related_name="tranches")
    received_on = models.DateField(_("дата поступления"))
    amount_kopecks = models.BigIntegerField(_("сумма, коп."))
    note = models.CharField(_("примечание"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("внесён"), auto_now_add=True)

    class Meta:
        verbose_name = _("транш")
        verbose_name_plural = _("транши")
        ordering = ["received_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount_kopecks__gt=0),
                name="support_tranche_positive",
                violation_error_message=_("Сумма транша должна быть больше нуля."),
            ),
        ]
        indexes = [models.Index(fields=["received_on"])]

    def __str__(self) -> str:
        return f"Транш {self.received_on:%d.%m.%Y} на {format_roubles(self.amount_kopecks)} ₽ (заявка № {self.application_id})"


def project_document_path(instance: ProjectDocument, filename: str) -> str:
    """Files of a cluster live under MEDIA_ROOT/clusters/<schema>/: never shared, never guessed."""
    name = get_valid_filename(PurePath(filename).name)[-120:] or "file"
    schema = getattr(connection, "schema_name", "public")  # django-tenants' wrapper
    return f"clusters/{schema}/projects/{instance.project_id}/{uuid.uuid4().hex}/{name}"


class ProjectDocument(models.Model):
    """A document of a project (agreement, business plan, subsidy contract), served by a checked view."""

    project = models.ForeignKey(JointProject, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(_("название"), max_length=300)
    file = models.FileField(_("файл"), upload_to=project_document_path, max_length=300)
    original_name = models.CharField(_("имя файла"), max_length=200, blank=True)
    size = models.PositiveBigIntegerField(_("размер, байт"), default=0)
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
        verbose_name = _("документ проекта")
        verbose_name_plural = _("документы проекта")
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return self.title
