"""Writes of fee billing (public schema; every row and every query carries its cluster).

Every function takes an `actor`, checks that it manages the cluster (cluster admin or staff;
the system actor of tasks and webhooks too) — paying online is for representatives of the
invoiced company — validates with Russian messages, runs in one transaction with its audit
row, and queues e-mails and Stripe calls that can wait by task name after commit
(core.queue). Invoices are locked (`select_for_update`) whenever money moves.

| module | holds |
|---|---|
| `common` | the actor scoped to a cluster, an invoice's status, money on a locked invoice, e-mails after commit |
| `payees` | `payee_save`, `payee_check` (its errors without saving), the decrypted secrets |
| `invoices` | `invoice_issue`, `invoices_issue_many`, `invoice_void`, `invoices_mark_overdue` |
| `payments` | `payment_record_manual`, `payment_refund`, `refund_settle` |
| `online` | `may_pay` / `require_payer`, `payment_options`, `payment_begin`; Stripe: `payment_start`, `payment_confirm_card`; YooKassa: `payment_start_yookassa` |
| `settling` | `payment_state_apply`: what a gateway reports, forward-only, amount/currency checked; `intent_apply` (Stripe), `yookassa_payment_apply` (shop and metadata checked first); `stripe_refund_apply` (a pending refund stays pending), `stripe_dispute_apply` (chargebacks: alert, audit, a lost one booked by `chargeback_book`) |
"""

from core.clock import cluster_today

from .common import OTHER_CLUSTER
from .invoices import (
    AUDITED_ISSUE_FIELDS,
    MAX_LINES,
    InvoiceLineSpec,
    InvoiceRequest,
    IssueOutcome,
    invoice_issue,
    invoice_void,
    invoices_issue_many,
    invoices_mark_overdue,
)
from .online import (
    PAYERS_ONLY,
    CardConfirmation,
    PaymentStart,
    RedirectStart,
    may_pay,
    method_label,
    payment_begin,
    payment_confirm_card,
    payment_options,
    payment_start,
    payment_start_yookassa,
    require_payer,
)
from .payees import PAYEE_FIELDS, payee_check, payee_save, payee_secret_key, payee_webhook_secret
from .payments import (
    chargeback_book,
    payment_record_manual,
    payment_refund,
    refund_note_gateway_id,
    refund_settle,
)
from .settling import (
    INTENT_STATUSES,
    intent_apply,
    payment_state_apply,
    stripe_dispute_apply,
    stripe_refund_apply,
    yookassa_payment_apply,
    yookassa_refund_apply,
)

__all__ = [
    "AUDITED_ISSUE_FIELDS",
    "INTENT_STATUSES",
    "MAX_LINES",
    "OTHER_CLUSTER",
    "PAYEE_FIELDS",
    "PAYERS_ONLY",
    "CardConfirmation",
    "InvoiceLineSpec",
    "InvoiceRequest",
    "IssueOutcome",
    "PaymentStart",
    "RedirectStart",
    "chargeback_book",
    "cluster_today",
    "intent_apply",
    "invoice_issue",
    "invoice_void",
    "invoices_issue_many",
    "invoices_mark_overdue",
    "may_pay",
    "method_label",
    "payee_check",
    "payee_save",
    "payee_secret_key",
    "payee_webhook_secret",
    "payment_begin",
    "payment_confirm_card",
    "payment_options",
    "payment_record_manual",
    "payment_refund",
    "payment_start",
    "payment_start_yookassa",
    "payment_state_apply",
    "refund_note_gateway_id",
    "refund_settle",
    "require_payer",
    "stripe_dispute_apply",
    "stripe_refund_apply",
    "yookassa_payment_apply",
    "yookassa_refund_apply",
]
