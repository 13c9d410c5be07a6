"""Fee schedules of a cluster and the runs that assess members against them (tenant schema).

A schedule is set by an adopted general-meeting decision; the invoices an assessment creates
live in the public schema (billing), keyed by a source key so a run repeated creates nothing.
Money is integer kopecks; dates are the cluster's local dates.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.jobs import BackgroundJob


class FeeSchedule(models.Model):
    """The fee regulation («положение об уплате взносов») adopted by a general meeting."""

    class Period(models.TextChoices):
        YEAR = "year", _("Год")
        QUARTER = "quarter", _("Квартал")

    class TierBasis(models.TextChoices):
        NONE = "none", _("Без ступеней")
        HEADCOUNT = "headcount", _("По численности работников")
        REVENUE = "revenue", _("По выручке")

    class Proration(models.TextChoices):
        NONE = "none", _("Полный взнос за период")
        MONTHLY = "monthly", _("Пропорционально месяцам членства")
        DAILY = "daily", _("Пропорционально дням членства")

    name = models.CharField(_("наименование"), max_length=200)
    decision = models.ForeignKey(
        "governance.Decision",
        on_delete=models.PROTECT,
        related_name="fee_schedules",
        verbose_name=_("решение общего собрания"),
    )
    effective_from = models.DateField(_("действует с"))
    effective_until = models.DateField(_("действует по"), null=True, blank=True)
    period = models.CharField(
        _("период членского взноса"), max_length=10, choices=Period.choices, default=Period.YEAR
    )
    entrance_fee_kopecks = models.BigIntegerField(_("вступительный взнос, коп."), default=0)
    # Term of invoices issued on or after the period's due day (newcomers, late runs) and of
    # entrance-fee invoices: issue date + payment_days.
    payment_days = models.PositiveSmallIntegerField(
        _("срок оплаты поздних и вступительных счетов, дней"), default=30
    )
    amount_kopecks = models.BigIntegerField(_("членский взнос за период, коп."), default=0)
    tier_basis = models.CharField(
        _("ступени взноса"), max_length=10, choices=TierBasis.choices, default=TierBasis.NONE
    )
    due_month = models.PositiveSmallIntegerField(_("месяц периода для оплаты"), default=1)
    due_day = models.PositiveSmallIntegerField(_("день месяца для оплаты"), default=31)
    grace_days = models.PositiveSmallIntegerField(_("льготный период, дней"), default=0)
    proration = models.CharField(
        _("принятым в середине периода"), max_length=10, choices=Proration.choices, default=Proration.NONE
    )
    notes = models.TextField(_("примечания"), blank=True)
    created_at = models.DateTimeField(_("создано"), auto_now_add=True)
    updated_at = models.DateTimeField(_("изменено"), auto_now=True)

    class Meta:
        verbose_name = _("положение о взносах")
        verbose_name_plural = _("положения о взносах")
        ordering = ["-effective_from", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(entrance_fee_kopecks__gte=0, amount_kopecks__gte=0),
                name="fee_schedule_amounts_not_negative",
                violation_error_message=_("Суммы взносов не могут быть отрицательными."),
            ),
            models.CheckConstraint(
                condition=models.Q(due_day__gte=1, due_day__lte=31, due_month__gte=1, due_month__lte=12),
                name="fee_schedule_due_date_valid",
                violation_error_message=_("День оплаты — от 1 до 31, месяц периода — от 1 до 12."),
            ),
            models.CheckConstraint(
                condition=models.Q(effective_until__isnull=True)
                | models.Q(effective_until__gte=models.F("effective_from")),
                name="fee_schedule_dates_ordered",
                violation_error_message=_("Окончание действия положения раньше его начала."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class FeeTier(models.Model):
    """A step of the periodic fee: members whose figure is at least `lower_bound` pay `amount`.

    The figure is the headcount (persons) or the revenue (kopecks) of the member's latest
    accepted yearly report before the period.
    """

    schedule = models.ForeignKey(FeeSchedule, on_delete=models.CASCADE, related_name="tiers")
    lower_bound = models.BigIntegerField(_("от (включительно)"))
    amount_kopecks = models.BigIntegerField(_("взнос за период, коп."))

    class Meta:
        verbose_name = _("ступень взноса")
        ordering = ["schedule", "lower_bound"]
        constraints = [
            models.UniqueConstraint(
                fields=["schedule", "lower_bound"],
                name="fee_tier_bound_unique",
                violation_error_message=_("Две ступени с одной нижней границей."),
            ),
            models.CheckConstraint(
                condition=models.Q(lower_bound__gte=0, amount_kopecks__gte=0),
                name="fee_tier_not_negative",
                violation_error_message=_("Граница и сумма ступени не могут быть отрицательными."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.schedule_id}: ≥{self.lower_bound} → {self.amount_kopecks}"


class FeeExemption(models.Model):
    """A member freed from (or given a discount on) its periodic fee for a time."""

    company = models.ForeignKey(
        "members.Company",
        on_delete=models.CASCADE,
        related_name="fee_exemptions",
        verbose_name=_("организация"),
    )
    starts_on = models.DateField(_("с"))
    ends_on = models.DateField(_("по"), null=True, blank=True)
    percent = models.PositiveSmallIntegerField(_("освобождение, %"), default=100)
    covers_entrance = models.BooleanField(_("и от вступительного взноса"), default=False)
    reason = models.TextField(_("основание"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    created_at = models.DateTimeField(_("создано"), auto_now_add=True)

    class Meta:
        verbose_name = _("освобождение от взносов")
        verbose_name_plural = _("освобождения от взносов")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(percent__gte=1, percent__lte=100),
                name="fee_exemption_percent_range",
                violation_error_message=_("Освобождение — от 1 до 100 %."),
            ),
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=models.F("starts_on")),
                name="fee_exemption_dates_ordered",
                violation_error_message=_("Окончание освобождения раньше его начала."),
            ),
        ]
        indexes = [models.Index(fields=["company", "starts_on"])]

    def __str__(self) -> str:
        return f"{self.company_id}: {self.percent}% с {self.starts_on:%d.%m.%Y}"

    def covers(self, day: object) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)  # type: ignore[operator]


class AssessmentRun(BackgroundJob):
    """One assessment of the members for one period: what it created, skipped, and any errors.
    A background job (core.jobs): progress, the status JSON and the lost-job rule are shared."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("В очереди")
        RUNNING = "running", _("Выполняется")
        DONE = "done", _("Готово")
        FAILED = "failed", _("Завершено с ошибками")

    ERRORS_SHOWN = 200  # errors the status JSON carries

    schedule = models.ForeignKey(
        FeeSchedule, on_delete=models.PROTECT, related_name="runs", verbose_name=_("положение о взносах")
    )
    period = models.CharField(_("период"), max_length=10)
    issue_date = models.DateField(_("дата счетов"))
    period_start = models.DateField(_("начало периода"))
    period_end = models.DateField(_("конец периода"))
    status = models.CharField(_("состояние"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(_("участников к начислению"), default=0)
    created_count = models.PositiveIntegerField(_("выставлено счетов"), default=0)
    existing_count = models.PositiveIntegerField(_("уже были выставлены"), default=0)
    exempt_count = models.PositiveIntegerField(_("освобождены"), default=0)
    amount_kopecks = models.BigIntegerField(_("начислено, коп."), default=0)
    errors = models.JSONField(_("ошибки"), default=list, blank=True)

    class Meta:
        verbose_name = _("начисление взносов")
        verbose_name_plural = _("начисления взносов")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["schedule", "period"])]

    def __str__(self) -> str:
        return f"{self.period} (#{self.pk})"

    def lost_fields(self) -> dict[str, Any]:
        return {
            **super().lost_fields(),
            "errors": [*self.errors, {"company_id": None, "company": "", "message": self.LOST_MESSAGE}],
        }

    def status_payload(self) -> dict[str, Any]:
        return {
            **super().status_payload(),
            "id": self.pk,
            "status_display": str(self.get_status_display()),
            "created_count": self.created_count,
            "existing_count": self.existing_count,
            "exempt_count": self.exempt_count,
            "errors": self.errors[: self.ERRORS_SHOWN],
            "error_count": len(self.errors),
        }
