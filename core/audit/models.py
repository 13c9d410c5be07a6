"""Audit log (public schema): every change by staff or representatives, per cluster."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    """Who changed what, when and from which host. Rows of a cluster carry that cluster."""

    cluster = models.ForeignKey(
        "tenants.Cluster", on_delete=models.CASCADE, null=True, blank=True, related_name="audit_entries"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="audit_entries",
    )
    actor_email = models.CharField(_("e-mail"), max_length=254, blank=True)
    host = models.CharField(_("хост"), max_length=253, blank=True)
    action = models.CharField(_("действие"), max_length=60)
    object_type = models.CharField(_("тип объекта"), max_length=60)
    object_id = models.CharField(_("объект"), max_length=40)
    object_repr = models.CharField(_("название объекта"), max_length=300, blank=True)
    changes = models.JSONField(_("изменения"), default=dict, blank=True)
    at = models.DateTimeField(_("когда"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("запись журнала")
        verbose_name_plural = _("журнал изменений")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["cluster", "object_type", "object_id"]),
            models.Index(fields=["cluster", "actor"]),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}:{self.object_id}"
