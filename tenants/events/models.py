"""Events: exhibitions, forums, conferences, participation (tenant schema)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tenants.members.models import Company


class Event(models.Model):
    """An exhibition, forum or conference the cluster organizes or takes part in."""

    class Kind(models.TextChoices):
        EXHIBITION = "exhibition", _("Выставка")
        FORUM = "forum", _("Форум")
        CONFERENCE = "conference", _("Конференция")
        OTHER = "other", _("Другое мероприятие")

    kind = models.CharField(_("вид"), max_length=20, choices=Kind.choices, default=Kind.EXHIBITION)
    title = models.CharField(_("название"), max_length=300)
    starts_on = models.DateField(_("дата начала"))
    ends_on = models.DateField(_("дата окончания"))
    place = models.CharField(_("место проведения"), max_length=300, blank=True)
    organizer = models.CharField(_("организатор"), max_length=300, blank=True)
    description = models.TextField(_("описание"), blank=True)
    has_joint_stand = models.BooleanField(_("совместный стенд кластера"), default=False)
    is_public = models.BooleanField(_("показывать на сайте кластера"), default=True)
    companies = models.ManyToManyField(
        Company, through="Participation", related_name="events", verbose_name=_("участники"), blank=True
    )
    created_at = models.DateTimeField(_("создано"), auto_now_add=True)
    updated_at = models.DateTimeField(_("изменено"), auto_now=True)

    class Meta:
        verbose_name = _("мероприятие")
        verbose_name_plural = _("мероприятия")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="event_ends_not_before_start",
                violation_error_message=_("Дата окончания не может быть раньше даты начала."),
            ),
        ]
        indexes = [models.Index(fields=["starts_on", "ends_on"])]

    def __str__(self) -> str:
        return self.title


class Participation(models.Model):
    """A member company taking part in an event, and how."""

    class Role(models.TextChoices):
        JOINT_STAND = "joint_stand", _("на совместном стенде")
        OWN_STAND = "own_stand", _("отдельный стенд")
        BUSINESS_PROGRAMME = "business_programme", _("участник деловой программы")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="participations")
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="participations")
    role = models.CharField(
        _("формат участия"), max_length=30, choices=Role.choices, default=Role.BUSINESS_PROGRAMME
    )
    note = models.CharField(_("примечание"), max_length=300, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    created_at = models.DateTimeField(_("зарегистрирован"), auto_now_add=True)

    class Meta:
        verbose_name = _("участие в мероприятии")
        verbose_name_plural = _("участие в мероприятиях")
        ordering = ["company__short_name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "company"],
                name="participation_unique_company",
                violation_error_message=_("Эта организация уже зарегистрирована на мероприятие."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.company_id} @ {self.event_id}: {self.role}"
