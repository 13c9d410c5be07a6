"""Fee billing in the public schema: payees, invoices, payments, refunds, gateway events.

Every row carries its cluster and every query filters by it (see selectors.py). Money is
integer kopecks, currency RUB. Company data is a snapshot taken at issue time (the company
itself lives in the cluster's schema; `company_id` is its primary key there, no FK).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.ru.bank import (
    CORRESPONDENT_LABEL,
    SETTLEMENT_LABEL,
    account_format_error,
    bank_key_errors,
    bik_error,
)

CURRENCY = "RUB"
DEFAULT_VAT_NOTE = "Без налога (НДС)"


def validate_bik(value: str) -> None:
    message = bik_error(value)
    if message:
        raise ValidationError(message, code="bik")


# Twenty digits; the control key needs the БИК too, so Payee.clean checks it.
def validate_settlement_account(value: str) -> None:
    message = account_format_error(value, SETTLEMENT_LABEL)
    if message:
        raise ValidationError(message, code="account")


def validate_correspondent_account(value: str) -> None:
    message = account_format_error(value, CORRESPONDENT_LABEL)
    if message:
        raise ValidationError(message, code="account")


# Gateways a payee can enable, and the ways to pay each offers (code "gateway:method").
GATEWAYS = {"stripe": _("Stripe"), "yookassa": _("ЮKassa")}
YOOKASSA_METHODS = {
    "bank_card": _("Банковская карта"),
    "sbp": _("СБП (Система быстрых платежей)"),
    "b2b_sberbank": _("СберБизнес"),
}
METHOD_LABELS = {"card": _("Банковская карта"), **YOOKASSA_METHODS}


class Payee(models.Model):
    """The cluster's specialized organization that receives the fees: bank details and the
    gateways it enabled (Stripe keys; YooKassa shop id and secret key).

    Secrets (Stripe secret key and webhook signing secret, YooKassa secret key) are kept
    encrypted (billing.crypto) and are never shown again after they are saved.
    """

    cluster = models.OneToOneField("tenants.Cluster", on_delete=models.CASCADE, related_name="payee")
    name = models.CharField(_("получатель"), max_length=300)
    inn = models.CharField(_("ИНН"), max_length=12)
    kpp = models.CharField(_("КПП"), max_length=9, blank=True)
    address = models.CharField(_("адрес"), max_length=500, blank=True)
    bank_name = models.CharField(_("банк"), max_length=300)
    bik = models.CharField(_("БИК"), max_length=9, validators=[validate_bik])
    account = models.CharField(_("расчётный счёт"), max_length=20, validators=[validate_settlement_account])
    correspondent_account = models.CharField(
        _("корреспондентский счёт"), max_length=20, validators=[validate_correspondent_account]
    )
    director = models.CharField(_("руководитель"), max_length=200, blank=True)
    accountant = models.CharField(_("главный бухгалтер"), max_length=200, blank=True)
    # Printed under the invoice total and at the end of the payment purpose (dues of a
    # non-profit are usually outside VAT).
    vat_note = models.CharField(_("строка НДС в счёте"), max_length=200, default=DEFAULT_VAT_NOTE)
    stripe_publishable_key = models.CharField(_("публикуемый ключ Stripe"), max_length=255, blank=True)
    stripe_secret_key_encrypted = models.TextField(blank=True, editable=False)
    stripe_webhook_secret_encrypted = models.TextField(blank=True, editable=False)
    # Gateways the payee offers members: a list of GATEWAYS codes.
    enabled_gateways = models.JSONField(_("платёжные шлюзы"), default=list, blank=True)
    yookassa_shop_id = models.CharField(_("shopId ЮKassa"), max_length=40, blank=True)
    yookassa_secret_key_encrypted = models.TextField(blank=True, editable=False)
    # Ways to pay through YooKassa the payee offers: YOOKASSA_METHODS codes.
    yookassa_methods = models.JSONField(_("способы оплаты ЮKassa"), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("получатель платежей")
        verbose_name_plural = _("получатели платежей")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """The accounts' control keys against the БИК (Bank of Russia algorithm, core.ru.bank)."""
        errors = bank_key_errors(
            bik=self.bik, account=self.account, correspondent_account=self.correspondent_account
        )
        if errors:
            raise ValidationError({key: [message] for key, message in errors.items()})

    @property
    def has_stripe_secret_key(self) -> bool:
        return bool(self.stripe_secret_key_encrypted)

    @property
    def has_webhook_secret(self) -> bool:
        return bool(self.stripe_webhook_secret_encrypted)

    @property
    def stripe_enabled(self) -> bool:
        return "stripe" in (self.enabled_gateways or []) and bool(
            self.stripe_publishable_key and self.stripe_secret_key_encrypted
        )

    @property
    def has_yookassa_secret_key(self) -> bool:
        return bool(self.yookassa_secret_key_encrypted)

    @property
    def yookassa_enabled(self) -> bool:
        return (
            "yookassa" in (self.enabled_gateways or [])
            and bool(self.yookassa_shop_id)
            and bool(self.yookassa_secret_key_encrypted)
            and bool(self.yookassa_methods)
        )

    def payment_options(self) -> list[tuple[str, str]]:
        """What the member's «Оплатить» offers: ("gateway:method", label), in a fixed order."""
        options: list[tuple[str, str]] = []
        if self.yookassa_enabled:
            options += [
                (f"yookassa:{code}", str(label))
                for code, label in YOOKASSA_METHODS.items()
                if code in self.yookassa_methods
            ]
        if self.stripe_enabled:
            options.append(("stripe:card", str(_("Банковская карта (Stripe)"))))
        return options

    @property
    def online_payments_enabled(self) -> bool:
        return bool(self.payment_options())


class InvoiceSequence(models.Model):
    """The last invoice number used by a cluster in a year (row-locked when a number is taken)."""

    cluster = models.ForeignKey("tenants.Cluster", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cluster", "year"], name="billing_sequence_unique")]

    def __str__(self) -> str:
        return f"{self.cluster_id}/{self.year}: {self.last_number}"


class Invoice(models.Model):
    """A «счёт на оплату» to one member company."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Черновик")
        OPEN = "open", _("Выставлен")
        PARTIALLY_PAID = "partially_paid", _("Оплачен частично")
        PAID = "paid", _("Оплачен")
        OVERDUE = "overdue", _("Просрочен")
        VOID = "void", _("Аннулирован")

    # Statuses in which money is still expected.
    PAYABLE = frozenset({Status.OPEN, Status.PARTIALLY_PAID, Status.OVERDUE})

    cluster = models.ForeignKey("tenants.Cluster", on_delete=models.CASCADE, related_name="invoices")
    number = models.CharField(_("номер"), max_length=20)
    company_id = models.BigIntegerField(_("организация"))
    company_name = models.CharField(_("плательщик"), max_length=500)
    company_inn = models.CharField(_("ИНН плательщика"), max_length=12, blank=True)
    company_kpp = models.CharField(_("КПП плательщика"), max_length=9, blank=True)
    period_label = models.CharField(_("период"), max_length=60, blank=True)
    issue_date = models.DateField(_("дата счёта"))
    due_date = models.DateField(_("оплатить до"))
    # The fee schedule's grace period: the invoice turns overdue only after this day
    # (empty: after the due date). The PDF still says «оплатить до» the due date.
    overdue_after = models.DateField(_("просрочен после"), null=True, blank=True)
    amount_kopecks = models.BigIntegerField(_("сумма, коп."))
    paid_kopecks = models.BigIntegerField(_("оплачено, коп."), default=0)
    currency = models.CharField(_("валюта"), max_length=3, default=CURRENCY)
    status = models.CharField(_("статус"), max_length=20, choices=Status.choices, default=Status.OPEN)
    source_key = models.CharField(_("источник"), max_length=200)
    paid_at = models.DateTimeField(_("оплачен"), null=True, blank=True)
    voided_at = models.DateTimeField(_("аннулирован"), null=True, blank=True)
    void_reason = models.TextField(_("причина аннулирования"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("счёт")
        verbose_name_plural = _("счета")
        ordering = ["-issue_date", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["cluster", "number"], name="billing_invoice_number_unique"),
            models.UniqueConstraint(fields=["cluster", "source_key"], name="billing_invoice_source_unique"),
            models.CheckConstraint(
                condition=models.Q(amount_kopecks__gt=0), name="billing_invoice_amount_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(paid_kopecks__gte=0), name="billing_invoice_paid_nonnegative"
            ),
            models.CheckConstraint(
                condition=models.Q(due_date__gte=models.F("issue_date")),
                name="billing_invoice_due_after_issue",
            ),
        ]
        indexes = [
            models.Index(fields=["cluster", "company_id"]),
            models.Index(fields=["cluster", "status", "due_date"]),
            models.Index(fields=["cluster", "period_label"]),
        ]

    def __str__(self) -> str:
        return f"№ {self.number}"

    @property
    def outstanding_kopecks(self) -> int:
        if self.status == self.Status.VOID:
            return 0
        return max(self.amount_kopecks - self.paid_kopecks, 0)

    @property
    def is_payable(self) -> bool:
        return self.status in self.PAYABLE and self.outstanding_kopecks > 0


class InvoiceLine(models.Model):
    cluster = models.ForeignKey("tenants.Cluster", on_delete=models.CASCADE, related_name="+")
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(_("№"))
    code = models.CharField(_("код"), max_length=40, blank=True)  # e.g. "entrance", "membership"
    description = models.CharField(_("наименование"), max_length=500)
    quantity = models.PositiveIntegerField(_("количество"), default=1)
    unit_price_kopecks = models.BigIntegerField(_("цена, коп."))
    amount_kopecks = models.BigIntegerField(_("сумма, коп."))

    class Meta:
        verbose_name = _("строка счёта")
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "position"], name="billing_line_position_unique"),
            models.CheckConstraint(
                condition=models.Q(amount_kopecks__gt=0), name="billing_line_amount_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.description


class Payment(models.Model):
    """Money received (or being received) on an invoice: online through a gateway (Stripe,
    YooKassa) or by bank transfer."""

    class Method(models.TextChoices):
        ONLINE = "online", _("Онлайн")
        MANUAL = "manual", _("Банковский перевод")

    class Status(models.TextChoices):
        PENDING = "pending", _("Ожидает оплаты")
        PROCESSING = "processing", _("Обрабатывается")
        FAILED = "failed", _("Не прошёл")
        CANCELED = "canceled", _("Отменён")
        SUCCEEDED = "succeeded", _("Проведён")

    # A status never moves to a lower rank (a late payment_failed never undoes succeeded).
    RANK = {
        Status.PENDING: 0,
        Status.FAILED: 1,
        Status.PROCESSING: 2,
        Status.CANCELED: 3,
        Status.SUCCEEDED: 4,
    }

    cluster = models.ForeignKey("tenants.Cluster", on_delete=models.CASCADE, related_name="+")
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="payments")
    method = models.CharField(_("способ"), max_length=10, choices=Method.choices)
    status = models.CharField(_("статус"), max_length=12, choices=Status.choices, default=Status.PENDING)
    amount_kopecks = models.BigIntegerField(_("сумма, коп."))
    currency = models.CharField(_("валюта"), max_length=3, default=CURRENCY)
    refunded_kopecks = models.BigIntegerField(_("возвращено, коп."), default=0)
    stripe_payment_intent_id = models.CharField(max_length=255, null=True, blank=True, unique=True)
    # Online payments: which gateway and way to pay ("card" for Stripe; YOOKASSA_METHODS codes).
    gateway = models.CharField(_("платёжный шлюз"), max_length=20, blank=True, choices=list(GATEWAYS.items()))
    gateway_method = models.CharField(_("способ оплаты"), max_length=20, blank=True)
    yookassa_payment_id = models.CharField(max_length=64, null=True, blank=True, unique=True)
    # Where the payer confirms a redirect payment (YooKassa), to send them back on a second click.
    confirmation_url = models.CharField(max_length=2048, blank=True)
    order_number = models.CharField(_("номер платёжного поручения"), max_length=40, blank=True)
    order_date = models.DateField(_("дата платёжного поручения"), null=True, blank=True)
    failure_message = models.CharField(_("причина отказа"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    succeeded_at = models.DateTimeField(_("проведён"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("платёж")
        verbose_name_plural = _("платежи")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount_kopecks__gt=0), name="billing_payment_amount_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(refunded_kopecks__gte=0)
                & models.Q(refunded_kopecks__lte=models.F("amount_kopecks")),
                name="billing_payment_refund_bounded",
            ),
        ]
        indexes = [
            models.Index(fields=["cluster", "status"]),
            models.Index(fields=["cluster", "succeeded_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_method_display()} {self.amount_kopecks} коп."

    @property
    def gateway_payment_id(self) -> str:
        return str(self.yookassa_payment_id or self.stripe_payment_intent_id or "")

    @property
    def method_label(self) -> str:
        """«Банковский перевод», «Онлайн: СБП (Система быстрых платежей)» …"""
        if self.method != self.Method.ONLINE:
            return str(self.get_method_display())
        label = METHOD_LABELS.get(self.gateway_method or "card", self.gateway_method)
        return f"{self.get_method_display()}: {label}"

    @property
    def refundable_kopecks(self) -> int:
        return self.amount_kopecks - self.refunded_kopecks if self.status == self.Status.SUCCEEDED else 0


class Refund(models.Model):
    """Money given back on a payment (recorded by staff; sent to the gateway for online payments)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Обрабатывается")
        SUCCEEDED = "succeeded", _("Проведён")
        FAILED = "failed", _("Не прошёл")

    cluster = models.ForeignKey("tenants.Cluster", on_delete=models.CASCADE, related_name="+")
    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="refunds")
    amount_kopecks = models.BigIntegerField(_("сумма, коп."))
    reason = models.TextField(_("причина"))
    status = models.CharField(_("статус"), max_length=10, choices=Status.choices, default=Status.SUCCEEDED)
    stripe_refund_id = models.CharField(max_length=255, null=True, blank=True, unique=True)
    yookassa_refund_id = models.CharField(max_length=64, null=True, blank=True, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("возврат")
        verbose_name_plural = _("возвраты")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount_kopecks__gt=0), name="billing_refund_amount_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount_kopecks} коп."


class GatewayEvent(models.Model):
    """One webhook event of a payment gateway, stored once by its id and processed exactly once."""

    class Status(models.TextChoices):
        RECEIVED = "received", _("Получено")
        PROCESSED = "processed", _("Обработано")
        IGNORED = "ignored", _("Пропущено")
        FAILED = "failed", _("Ошибка")

    cluster = models.ForeignKey("tenants.Cluster", on_delete=models.CASCADE, related_name="+")
    provider = models.CharField(max_length=20, default="stripe")
    event_id = models.CharField(max_length=255)
    type = models.CharField(max_length=100)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RECEIVED)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("событие платёжного шлюза")
        verbose_name_plural = _("события платёжного шлюза")
        ordering = ["received_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["cluster", "provider", "event_id"], name="billing_event_once"),
        ]
        indexes = [models.Index(fields=["status", "received_at"])]

    def __str__(self) -> str:
        return f"{self.provider}:{self.event_id} {self.type}"


class Notification(models.Model):
    """An e-mail about an invoice, sent at most once per invoice and kind."""

    class Kind(models.TextChoices):
        ISSUED = "issued", _("Счёт выставлен")
        REMINDER = "reminder", _("Напоминание о сроке оплаты")
        OVERDUE = "overdue", _("Счёт просрочен")
        PAYMENT_RECEIVED = "payment_received", _("Оплата получена")

    cluster = models.ForeignKey("tenants.Cluster", on_delete=models.CASCADE, related_name="+")
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    recipients = models.JSONField(default=list)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("уведомление по счёту")
        constraints = [models.UniqueConstraint(fields=["invoice", "kind"], name="billing_notification_once")]

    def __str__(self) -> str:
        return f"{self.invoice_id}: {self.kind}"


class NotificationOutbox(models.Model):
    """An invoice e-mail that is due, written in the same transaction as the change that makes it
    due (a payment settled by a webhook): the transactional outbox. The web process does not talk
    to the broker for it; `billing.notifications_drain` (nudged at most once per process and
    BILLING_NOTIFY_DRAIN_SECONDS, and on the beat) sends the e-mails and deletes the rows, each in
    its own transaction with its Notification row, so nothing is lost when the broker is down and
    nothing is sent twice."""

    cluster = models.ForeignKey("tenants.Cluster", on_delete=models.CASCADE, related_name="+")
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=Notification.Kind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("письмо по счёту в очереди")
        verbose_name_plural = _("письма по счетам в очереди")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.invoice_id}: {self.kind}"


class BillingAlert(models.Model):
    """Something staff must look at: a payment whose amount or currency does not match its invoice."""

    class Kind(models.TextChoices):
        AMOUNT_MISMATCH = "amount_mismatch", _("Сумма платежа не совпадает со счётом")
        CURRENCY_MISMATCH = "currency_mismatch", _("Валюта платежа не совпадает со счётом")
        UNKNOWN_INVOICE = "unknown_invoice", _("Платёж по неизвестному счёту")
        DISPUTE = "dispute", _("Плательщик оспорил платёж (chargeback)")

    cluster = models.ForeignKey("tenants.Cluster", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    invoice = models.ForeignKey(
        Invoice, on_delete=models.CASCADE, null=True, blank=True, related_name="alerts"
    )
    event = models.ForeignKey(
        GatewayEvent, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    payment_intent_id = models.CharField(max_length=255, blank=True)
    expected_kopecks = models.BigIntegerField(null=True, blank=True)
    received_kopecks = models.BigIntegerField(null=True, blank=True)
    expected_currency = models.CharField(max_length=3, blank=True)
    received_currency = models.CharField(max_length=3, blank=True)
    message = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("оповещение по платежам")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cluster", "kind", "payment_intent_id"],
                condition=~models.Q(payment_intent_id=""),
                name="billing_alert_once",
            ),
        ]

    def __str__(self) -> str:
        return self.message[:80]


# Bank statements live in their own package; imported here so Django registers them with billing.
from .statements.models import BankStatement, BankStatementLine  # noqa: E402, F401
