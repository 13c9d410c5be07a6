"""Personal data (152-FZ) of one cluster, the operator: consents per purpose with versioned
texts, the register of processing, subjects' requests and the breach log (tenant schema)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ConsentPurpose(models.Model):
    """A purpose a person consents to separately (one consent document per purpose)."""

    title = models.CharField(_("цель обработки"), max_length=300)
    created_at = models.DateTimeField(_("создана"), auto_now_add=True)

    class Meta:
        verbose_name = _("цель согласия")
        verbose_name_plural = _("цели согласий")
        ordering = ["title", "id"]

    def __str__(self) -> str:
        return self.title


class ConsentText(models.Model):
    """One version of a purpose's consent text. A new version never changes given consents."""

    purpose = models.ForeignKey(ConsentPurpose, on_delete=models.PROTECT, related_name="texts")
    version = models.PositiveIntegerField(_("версия"))
    body = models.TextField(_("текст согласия"))
    created_at = models.DateTimeField(_("создана"), auto_now_add=True)

    class Meta:
        verbose_name = _("текст согласия")
        ordering = ["purpose", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["purpose", "version"], name="privacy_text_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.purpose}, ред. {self.version}"


class Consent(models.Model):
    """A person's consent to one purpose: the text version shown, when and from where; its
    withdrawal."""

    purpose = models.ForeignKey(ConsentPurpose, on_delete=models.PROTECT, related_name="consents")
    text = models.ForeignKey(ConsentText, on_delete=models.PROTECT, related_name="consents")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        verbose_name=_("субъект"),
    )
    # Set when the person gave it as a member company's representative.
    company = models.ForeignKey(
        "members.Company", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    given_at = models.DateTimeField(_("дано"))
    ip = models.GenericIPAddressField(_("IP-адрес"), null=True, blank=True)
    host = models.CharField(_("сайт"), max_length=253, blank=True)
    user_agent = models.CharField(_("браузер"), max_length=500, blank=True)
    withdrawn_at = models.DateTimeField(_("отозвано"), null=True, blank=True)

    class Meta:
        verbose_name = _("согласие")
        verbose_name_plural = _("согласия")
        ordering = ["-given_at", "-id"]
        indexes = [models.Index(fields=["user", "purpose"])]

    def __str__(self) -> str:
        return f"{self.purpose}: {self.user_id}"


class ProcessingActivity(models.Model):
    """A line of the register of processing: what data, why, on what basis, how long, who sees it."""

    class Basis(models.TextChoices):
        CONSENT = "consent", _("Согласие субъекта")
        CONTRACT = "contract", _("Договор с субъектом")
        LAW = "law", _("Обязанность по закону")
        LEGITIMATE = "legitimate", _("Законные интересы оператора")

    name = models.CharField(_("процесс"), max_length=300)
    data_categories = models.TextField(_("какие данные"))
    purpose = models.TextField(_("цель"))
    legal_basis = models.CharField(_("правовое основание"), max_length=20, choices=Basis.choices)
    retention = models.CharField(_("срок хранения"), max_length=300)
    access = models.TextField(_("у кого доступ"))
    created_at = models.DateTimeField(_("создано"), auto_now_add=True)
    updated_at = models.DateTimeField(_("изменено"), auto_now=True)

    class Meta:
        verbose_name = _("запись реестра обработки")
        verbose_name_plural = _("реестр обработки")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class SubjectRequest(models.Model):
    """A person's request for a copy of their data or for its deletion."""

    class Kind(models.TextChoices):
        COPY = "copy", _("Копия данных")
        DELETION = "deletion", _("Удаление данных")

    class Status(models.TextChoices):
        OPEN = "open", _("В работе")
        EXPORTED = "exported", _("Выдана копия")
        DELETED = "deleted", _("Данные удалены")
        REFUSED = "refused", _("Отказано")

    kind = models.CharField(_("вид запроса"), max_length=10, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
        verbose_name=_("субъект"),
    )
    subject_name = models.CharField(_("субъект"), max_length=200)
    received_on = models.DateField(_("получен"))
    deadline = models.DateField(_("ответить до"))
    status = models.CharField(_("состояние"), max_length=10, choices=Status.choices, default=Status.OPEN)
    answered_at = models.DateTimeField(_("ответ дан"), null=True, blank=True)
    refusal_reason = models.TextField(_("причина отказа"), blank=True)
    # The answer: the export (copy) or the report of what was deleted and what was kept.
    result = models.JSONField(_("ответ"), default=dict, blank=True)
    created_at = models.DateTimeField(_("создан"), auto_now_add=True)

    class Meta:
        verbose_name = _("запрос субъекта")
        verbose_name_plural = _("запросы субъектов")
        ordering = ["-received_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(deadline__gte=models.F("received_on")),
                name="privacy_deadline_after_receipt",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.subject_name}"


class Incident(models.Model):
    """A personal data breach: Roskomnadzor is notified within 24 hours of detection and
    receives the results of the investigation within 72 hours."""

    title = models.CharField(_("инцидент"), max_length=300)
    description = models.TextField(_("что произошло"), blank=True)
    detected_at = models.DateTimeField(_("обнаружен"))
    affected = models.PositiveIntegerField(_("затронуто субъектов"), null=True, blank=True)
    notified_at = models.DateTimeField(_("уведомление в Роскомнадзор"), null=True, blank=True)
    reported_at = models.DateTimeField(_("результаты расследования"), null=True, blank=True)
    closed_at = models.DateTimeField(_("закрыт"), null=True, blank=True)
    created_at = models.DateTimeField(_("создан"), auto_now_add=True)

    class Meta:
        verbose_name = _("инцидент")
        verbose_name_plural = _("инциденты")
        ordering = ["-detected_at", "-id"]

    def __str__(self) -> str:
        return self.title
