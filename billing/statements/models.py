"""Bank statements uploaded by staff and their lines (public schema, every row with its cluster).

A line is booked when its payment is created; the booking key (cluster, payee account,
document number, date, amount, payer account) is unique among booked lines, so the same or an
overlapping statement imported again can never book a payment twice, even in a race.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from billing.models import Invoice, Payment

from . import matching


class BankStatement(models.Model):
    class Status(models.TextChoices):
        PREVIEW = "preview", _("Предпросмотр")
        APPLIED = "applied", _("Проведена")

    cluster = models.ForeignKey("tenants.Cluster", on_delete=models.CASCADE, related_name="+")
    file_name = models.CharField(_("файл"), max_length=255)
    file_sha256 = models.CharField(max_length=64)
    format_version = models.CharField(_("версия формата"), max_length=10, blank=True)
    encoding = models.CharField(_("кодировка"), max_length=10, blank=True)
    account = models.CharField(_("расчётный счёт"), max_length=20)
    date_from = models.DateField(_("с"), null=True, blank=True)
    date_to = models.DateField(_("по"), null=True, blank=True)
    status = models.CharField(_("статус"), max_length=10, choices=Status.choices, default=Status.PREVIEW)
    credits = models.PositiveIntegerField(_("поступлений"), default=0)
    debits_skipped = models.PositiveIntegerField(_("списаний пропущено"), default=0)
    others_skipped = models.PositiveIntegerField(_("документов других счетов пропущено"), default=0)
    warnings = models.JSONField(default=list, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    applied_at = models.DateTimeField(_("проведена"), null=True, blank=True)

    class Meta:
        verbose_name = _("банковская выписка")
        verbose_name_plural = _("банковские выписки")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["cluster", "created_at"])]

    def __str__(self) -> str:
        return self.file_name


class BankStatementLine(models.Model):
    class State(models.TextChoices):
        MATCHED = matching.MATCHED, _("Оплачен полностью")
        PARTIAL = matching.PARTIAL, _("Частичная оплата")
        OVERPAID = matching.OVERPAID, _("Переплата")
        AMBIGUOUS = matching.AMBIGUOUS, _("Несколько счетов")
        UNMATCHED = matching.UNMATCHED, _("Счёт не найден")
        ALREADY_IMPORTED = matching.ALREADY_IMPORTED, _("Уже учтён")
        DISMISSED = matching.DISMISSED, _("Отклонён")

    cluster = models.ForeignKey("tenants.Cluster", on_delete=models.CASCADE, related_name="+")
    statement = models.ForeignKey(BankStatement, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField(_("№"))
    source_line = models.PositiveIntegerField(_("строка файла"))
    document_kind = models.CharField(_("вид документа"), max_length=100, blank=True)
    document_number = models.CharField(_("номер документа"), max_length=40)
    date = models.DateField(_("дата документа"))
    received_date = models.DateField(_("дата поступления"), null=True, blank=True)
    amount_kopecks = models.BigIntegerField(_("сумма, коп."))
    payer_name = models.CharField(_("плательщик"), max_length=500, blank=True)
    payer_inn = models.CharField(_("ИНН плательщика"), max_length=12, blank=True)
    payer_account = models.CharField(_("счёт плательщика"), max_length=20, blank=True)
    payee_account = models.CharField(_("счёт получателя"), max_length=20)
    purpose = models.TextField(_("назначение платежа"), blank=True)
    invoice_number = models.CharField(_("номер счёта"), max_length=200, blank=True)
    invoice = models.ForeignKey(Invoice, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    candidates = models.JSONField(default=list, blank=True)
    state = models.CharField(_("состояние"), max_length=20, choices=State.choices)
    reason = models.TextField(_("пояснение"), blank=True)
    warnings = models.JSONField(default=list, blank=True)
    booked = models.BooleanField(default=False)
    payment = models.OneToOneField(
        Payment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("строка выписки")
        verbose_name_plural = _("строки выписок")
        ordering = ["statement_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["statement", "position"], name="billing_statement_line_position"),
            models.UniqueConstraint(
                fields=[
                    "cluster",
                    "payee_account",
                    "document_number",
                    "date",
                    "amount_kopecks",
                    "payer_account",
                ],
                condition=models.Q(booked=True),
                name="billing_statement_line_booked_once",
            ),
            models.CheckConstraint(
                condition=models.Q(amount_kopecks__gt=0), name="billing_statement_line_positive"
            ),
        ]
        indexes = [
            models.Index(fields=["cluster", "state"]),
            models.Index(fields=["cluster", "payee_account", "document_number", "date"]),
        ]

    def __str__(self) -> str:
        return f"п/п № {self.document_number} от {self.date:%d.%m.%Y}"

    @property
    def key(self) -> tuple[str, str, str, int, str]:
        return (
            self.payee_account,
            self.document_number,
            self.date.isoformat(),
            self.amount_kopecks,
            self.payer_account,
        )

    @property
    def in_queue(self) -> bool:
        return (
            self.state in matching.QUEUE
            and not self.booked
            and self.statement.status == BankStatement.Status.APPLIED
        )
