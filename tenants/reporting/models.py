"""The cluster's draft of its annual report (tenant schema): what the cluster types in.

Computed figures are never stored here: they are computed from the cluster's data each time
the draft is opened, and frozen only when the report is submitted (core.federal.AnnualReport).
Nobody outside the cluster reads this table.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AnnualReportDraft(models.Model):
    year = models.PositiveSmallIntegerField(_("год"), unique=True)
    # {indicator code: raw text as typed}; parsed and validated by tenants.reporting.services.
    entered_values = models.JSONField(_("введённые значения"), default=dict, blank=True)
    # {indicator code: comment}
    indicator_comments = models.JSONField(_("комментарии к показателям"), default=dict, blank=True)
    comments = models.TextField(_("комментарий к отчёту"), blank=True)
    updated_by = models.ForeignKey(
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
        verbose_name = _("черновик годового отчёта")
        verbose_name_plural = _("черновики годовых отчётов")
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year}"
