"""The PROКЛАСТЕРЫ selection in the public schema: the ministry's calls for cluster development
projects, the clusters' applications (frozen snapshots of their live figures), expert review,
clarifications and the commission's decisions.

Every row of a cluster carries it and is filtered by it. Writes go through
core.selection.services; reads through core.selection.selectors.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _


class Call(models.Model):
    """A call (конкурсный отбор) for cluster development projects: who may apply, when, and how
    applications are scored. Opened by a platform admin or a federal ministry user."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Черновик")
        OPEN = "open", _("Приём заявок")
        CLOSED = "closed", _("Приём завершён")
        PUBLISHED = "published", _("Итоги опубликованы")

    class Section(models.TextChoices):
        GOALS = "goals", _("Цели проекта")
        ANCHOR_PROJECT = "anchor_project", _("Якорный проект")
        TEAM = "team", _("Команда проекта")
        EXPECTED_EFFECTS = "expected_effects", _("Ожидаемые эффекты")

    title = models.CharField(_("название"), max_length=300)
    year = models.PositiveSmallIntegerField(_("год"))
    description = models.TextField(_("описание"), blank=True)
    # Who may apply: empty lists mean any kind / any registry status (tenants.Cluster choices).
    eligible_kinds = ArrayField(
        models.CharField(max_length=20), verbose_name=_("типы кластеров"), default=list, blank=True
    )
    eligible_registry_statuses = ArrayField(
        models.CharField(max_length=20), verbose_name=_("статусы в реестре"), default=list, blank=True
    )
    opens_at = models.DateTimeField(_("начало приёма заявок"))
    closes_at = models.DateTimeField(_("окончание приёма заявок"))
    required_sections = ArrayField(
        models.CharField(max_length=40, choices=Section.choices),
        verbose_name=_("обязательные разделы"),
        default=list,
        blank=True,
    )
    required_attachments = ArrayField(
        models.CharField(max_length=200), verbose_name=_("обязательные приложения"), default=list, blank=True
    )
    experts_per_application = models.PositiveSmallIntegerField(_("экспертов на заявку"), default=3)
    # Experts' weighted totals differing by more than this flag the application (None: the setting
    # SELECTION_OUTLIER_SPREAD).
    outlier_spread = models.DecimalField(
        _("допустимое расхождение оценок"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    status = models.CharField(_("состояние"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    protocol_ref = models.CharField(_("протокол комиссии"), max_length=200, blank=True)
    results_published_at = models.DateTimeField(_("итоги опубликованы"), null=True, blank=True)
    is_demo = models.BooleanField(_("демо-данные"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("создан"), auto_now_add=True)
    updated_at = models.DateTimeField(_("изменён"), auto_now=True)

    class Meta:
        verbose_name = _("конкурсный отбор")
        verbose_name_plural = _("конкурсные отборы")
        ordering = ["-year", "-opens_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_at__gt=models.F("opens_at")),
                name="selection_call_window_order",
                violation_error_message=_("Окончание приёма заявок должно быть позже начала."),
            ),
            models.CheckConstraint(
                condition=models.Q(experts_per_application__gte=1),
                name="selection_call_experts_positive",
                violation_error_message=_("Нужен хотя бы один эксперт на заявку."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.year})"


class Criterion(models.Model):
    """One scoring criterion of a call: its weight and the scale experts score it on."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="criteria")
    code = models.SlugField(_("код"), max_length=60)
    name = models.CharField(_("название"), max_length=300)
    description = models.TextField(_("пояснение"), blank=True)
    weight = models.DecimalField(_("вес"), max_digits=7, decimal_places=3, default=1)
    scale_min = models.SmallIntegerField(_("минимальная оценка"), default=0)
    scale_max = models.SmallIntegerField(_("максимальная оценка"), default=10)
    position = models.PositiveIntegerField(_("порядок"), default=0)

    class Meta:
        verbose_name = _("критерий оценки")
        verbose_name_plural = _("критерии оценки")
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["call", "code"],
                name="selection_criterion_code_unique",
                violation_error_message=_("Критерий с таким кодом в отборе уже есть."),
            ),
            models.CheckConstraint(
                condition=models.Q(scale_max__gt=models.F("scale_min")),
                name="selection_criterion_scale_order",
                violation_error_message=_("Максимальная оценка должна быть больше минимальной."),
            ),
            models.CheckConstraint(
                condition=models.Q(weight__gt=0),
                name="selection_criterion_weight_positive",
                violation_error_message=_("Вес критерия должен быть больше нуля."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.name}"


class Application(models.Model):
    """A cluster's application to a call. The narrative is edited while a draft (or when the
    ministry asks for a clarification); submitting freezes `snapshot` (live figures and the
    narrative as of submission) as version N, kept in ApplicationVersion."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Черновик")
        SUBMITTED = "submitted", _("Подана")
        CLARIFICATION_REQUESTED = "clarification_requested", _("Запрошены уточнения")
        RANKED = "ranked", _("Оценена")
        DECIDED = "decided", _("Решение принято")

    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="applications")
    cluster = models.ForeignKey(
        "tenants.Cluster", on_delete=models.PROTECT, related_name="program_applications"
    )
    status = models.CharField(_("состояние"), max_length=30, choices=Status.choices, default=Status.DRAFT)
    goals = models.TextField(_("цели проекта"), blank=True)
    anchor_project = models.TextField(_("якорный проект"), blank=True)
    team = models.TextField(_("команда проекта"), blank=True)
    # [{"name": str, "unit": str, "baseline": str|None, "target": str, "year": int|None}]
    expected_effects = models.JSONField(_("ожидаемые эффекты"), default=list, blank=True)
    # The frozen application as submitted: {"sections": {...live figures...}, "narrative": {...}, ...}
    snapshot = models.JSONField(_("снимок заявки"), default=dict, blank=True)
    version = models.PositiveSmallIntegerField(_("версия"), default=0)
    submitted_at = models.DateTimeField(_("подана"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    submitted_by_email = models.CharField(_("подал"), max_length=254, blank=True)
    version_reason = models.TextField(_("причина новой версии"), blank=True)
    is_demo = models.BooleanField(_("демо-данные"), default=False)
    created_at = models.DateTimeField(_("создана"), auto_now_add=True)
    updated_at = models.DateTimeField(_("изменена"), auto_now=True)

    class Meta:
        verbose_name = _("заявка на отбор")
        verbose_name_plural = _("заявки на отбор")
        ordering = ["call_id", "cluster_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["call", "cluster"],
                name="selection_application_once_per_call",
                violation_error_message=_("Кластер уже подаёт заявку на этот отбор."),
            ),
            models.CheckConstraint(
                condition=models.Q(status="draft", version=0)
                | models.Q(version__gte=1, submitted_at__isnull=False),
                name="selection_application_submitted_has_version",
            ),
            models.CheckConstraint(
                condition=models.Q(version__lte=1) | ~models.Q(version_reason=""),
                name="selection_application_new_version_has_reason",
                violation_error_message=_("Укажите причину новой версии."),
            ),
        ]
        indexes = [models.Index(fields=["call", "status"])]

    def __str__(self) -> str:
        return f"{self.call_id}:{self.cluster_id} v{self.version}"


class ApplicationVersion(models.Model):
    """One submitted version of an application: immutable history (the application holds the latest)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveSmallIntegerField(_("версия"))
    snapshot = models.JSONField(_("снимок заявки"), default=dict)
    reason = models.TextField(_("причина новой версии"), blank=True)
    submitted_at = models.DateTimeField(_("подана"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    submitted_by_email = models.CharField(_("подал"), max_length=254, blank=True)

    class Meta:
        verbose_name = _("версия заявки")
        verbose_name_plural = _("версии заявки")
        ordering = ["application_id", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "version"], name="selection_application_version_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application_id} v{self.version}"


def attachment_path(instance: ApplicationAttachment, filename: str) -> str:
    return f"selection/{instance.application.call_id}/{instance.application.cluster_id}/{filename}"


class ApplicationAttachment(models.Model):
    """A file attached to an application (e.g. the presentation); `name` matches one of the call's
    required attachments when it fulfils it."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="attachments")
    name = models.CharField(_("приложение"), max_length=200)
    file = models.FileField(_("файл"), upload_to=attachment_path, max_length=300)
    original_name = models.CharField(_("имя файла"), max_length=255)
    size = models.PositiveBigIntegerField(_("размер, байт"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    uploaded_at = models.DateTimeField(_("загружено"), auto_now_add=True)

    class Meta:
        verbose_name = _("приложение к заявке")
        verbose_name_plural = _("приложения к заявке")
        ordering = ["application_id", "name", "id"]

    def __str__(self) -> str:
        return f"{self.application_id}: {self.name}"


class ExpertAssignment(models.Model):
    """The ministry role «эксперт», granted per call: who may review that call's applications."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="experts")
    expert = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="expert_calls"
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("назначен"), auto_now_add=True)

    class Meta:
        verbose_name = _("эксперт отбора")
        verbose_name_plural = _("эксперты отбора")
        ordering = ["call_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["call", "expert"],
                name="selection_expert_once_per_call",
                violation_error_message=_("Этот эксперт уже назначен на отбор."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.call_id}: {self.expert_id}"


class Assignment(models.Model):
    """An application given to an expert to review. `submitted_at` is set when the expert submits
    the scores of every criterion; other experts' scores are hidden from them until then."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="assignments")
    expert = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="review_assignments"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("назначено"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("оценки отправлены"), null=True, blank=True)

    class Meta:
        verbose_name = _("назначение эксперта")
        verbose_name_plural = _("назначения экспертов")
        ordering = ["application_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "expert"],
                name="selection_assignment_once",
                violation_error_message=_("Эксперт уже назначен на эту заявку."),
            ),
        ]
        indexes = [models.Index(fields=["expert", "submitted_at"])]

    def __str__(self) -> str:
        return f"{self.application_id}: {self.expert_id}"


class Score(models.Model):
    """An expert's score of one criterion, with a comment. `submitted` once the expert submits."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="scores")
    value = models.DecimalField(_("оценка"), max_digits=6, decimal_places=2)
    comment = models.TextField(_("комментарий"), blank=True)
    submitted = models.BooleanField(_("отправлена"), default=False)
    updated_at = models.DateTimeField(_("изменена"), auto_now=True)

    class Meta:
        verbose_name = _("оценка эксперта")
        verbose_name_plural = _("оценки экспертов")
        ordering = ["assignment_id", "criterion__position", "criterion_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "criterion"],
                name="selection_score_once",
                violation_error_message=_("Этот критерий уже оценён."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assignment_id}:{self.criterion_id}={self.value}"


class Clarification(models.Model):
    """The ministry's request for a clarification and the cluster's answer (the history of an
    application). Answering lets the cluster submit a new version with the request as its reason."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="clarifications")
    request_text = models.TextField(_("запрос"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    requested_by_email = models.CharField(_("запросил"), max_length=254, blank=True)
    requested_at = models.DateTimeField(_("запрошено"))
    answer = models.TextField(_("ответ"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    answered_by_email = models.CharField(_("ответил"), max_length=254, blank=True)
    answered_at = models.DateTimeField(_("ответ дан"), null=True, blank=True)
    version = models.PositiveSmallIntegerField(_("версия после ответа"), null=True, blank=True)

    class Meta:
        verbose_name = _("запрос уточнений")
        verbose_name_plural = _("запросы уточнений")
        ordering = ["application_id", "requested_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(answered_at__isnull=True) | ~models.Q(answer=""),
                name="selection_clarification_answer_text",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application_id} @ {self.requested_at}"


class Decision(models.Model):
    """The expert commission's decision on one application."""

    class Outcome(models.TextChoices):
        WINNER = "winner", _("Победитель")
        SUPPORTED = "supported", _("Рекомендован к поддержке")
        NOT_SUPPORTED = "not_supported", _("Не поддержан")

    application = models.OneToOneField(Application, on_delete=models.CASCADE, related_name="decision")
    outcome = models.CharField(_("решение"), max_length=20, choices=Outcome.choices)
    protocol_ref = models.CharField(_("протокол"), max_length=200, blank=True)
    comment = models.TextField(_("комментарий"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    decided_at = models.DateTimeField(_("решение принято"))

    class Meta:
        verbose_name = _("решение комиссии")
        verbose_name_plural = _("решения комиссии")
        ordering = ["application_id"]

    def __str__(self) -> str:
        return f"{self.application_id}: {self.outcome}"
