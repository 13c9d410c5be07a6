"""Reads of fee billing. Every query filters by the cluster it is given."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from tenants.models import Cluster

from .models import BillingAlert, Invoice, Payee, Payment, Refund

Status = Invoice.Status

INVOICE_ORDERINGS: dict[str, tuple[str, ...]] = {
    "number": ("issue_date", "number"),
    "-number": ("-issue_date", "-number"),
    "issue_date": ("issue_date", "id"),
    "-issue_date": ("-issue_date", "-id"),
    "due_date": ("due_date", "id"),
    "-due_date": ("-due_date", "-id"),
    "amount": ("amount_kopecks", "id"),
    "-amount": ("-amount_kopecks", "-id"),
    "company": ("company_name", "id"),
    "-company": ("-company_name", "-id"),
    "status": ("status", "-issue_date", "-id"),
}
# Filter value for «everything still to be paid».
UNPAID = "unpaid"


def payee_for_cluster(cluster: Cluster) -> Payee | None:
    return Payee.objects.filter(cluster=cluster).first()


def invoices_for_cluster(
    cluster: Cluster,
    *,
    company_id: int | None = None,
    company_ids: Iterable[int] | None = None,
    status: str | None = None,
    search: str | None = None,
    ordering: str | None = None,
) -> QuerySet[Invoice]:
    """The cluster's invoices; `company_ids` limits a representative to its own companies."""
    qs = Invoice.objects.filter(cluster=cluster)
    if company_id is not None:
        qs = qs.filter(company_id=company_id)
    if company_ids is not None:
        qs = qs.filter(company_id__in=sorted(company_ids))
    if status == UNPAID:
        qs = qs.filter(status__in=sorted(Invoice.PAYABLE))
    elif status and status in Status.values:
        qs = qs.filter(status=status)
    query = (search or "").strip()
    if query:
        condition = (
            Q(number__icontains=query) | Q(company_name__icontains=query) | Q(period_label__icontains=query)
        )
        digits = query.replace(" ", "")
        if digits.isdigit():
            condition |= Q(company_inn__startswith=digits)
        qs = qs.filter(condition)
    return qs.order_by(*INVOICE_ORDERINGS.get(ordering or "", INVOICE_ORDERINGS["-issue_date"]))


def _cluster_invoice(cluster: Cluster, pk: int | str) -> QuerySet[Invoice]:
    """The cluster's invoice `pk` as a queryset (empty for a pk that is not a number)."""
    try:
        return Invoice.objects.filter(cluster=cluster, pk=int(pk))
    except (TypeError, ValueError):
        return Invoice.objects.none()


def invoice_get(cluster: Cluster, pk: int | str) -> Invoice | None:
    """One invoice of the cluster with its lines and payments (None if not this cluster's)."""
    return (
        _cluster_invoice(cluster, pk)
        .select_related("cluster")
        .prefetch_related(
            "lines",
            Prefetch(
                "payments", queryset=Payment.objects.order_by("created_at", "id").prefetch_related("refunds")
            ),
        )
        .first()
    )


def invoice_status_get(cluster: Cluster, pk: int | str) -> Invoice | None:
    """One invoice of the cluster with only what its status shows (no lines, no payments): what
    the payment page polls every quarter second while it waits for the webhook."""
    return (
        _cluster_invoice(cluster, pk)
        .only("pk", "company_id", "status", "amount_kopecks", "paid_kopecks")
        .first()
    )


def payments_for_cluster(
    cluster: Cluster, *, invoice_id: int | None = None, method: str | None = None, status: str | None = None
) -> QuerySet[Payment]:
    qs = Payment.objects.filter(cluster=cluster).select_related("invoice")
    if invoice_id is not None:
        qs = qs.filter(invoice_id=invoice_id)
    if method in Payment.Method.values:
        qs = qs.filter(method=method)
    if status in Payment.Status.values:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def payment_get(cluster: Cluster, pk: int | str) -> Payment | None:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return (
        Payment.objects.filter(cluster=cluster, pk=pk).select_related("invoice", "invoice__cluster").first()
    )


def alerts_for_cluster(cluster: Cluster, *, unresolved: bool = True) -> QuerySet[BillingAlert]:
    qs = BillingAlert.objects.filter(cluster=cluster).select_related("invoice")
    return qs.filter(resolved_at__isnull=True) if unresolved else qs


# --- reports ------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ArrearsRow:
    company_id: int
    company_name: str
    company_inn: str
    invoices: int
    invoiced_kopecks: int
    paid_kopecks: int
    outstanding_kopecks: int
    overdue_kopecks: int


def arrears(
    cluster: Cluster, *, period_label: str | None = None, only_debtors: bool = False, search: str = ""
) -> list[ArrearsRow]:
    """Per company: invoiced, paid, outstanding and overdue (void invoices left out). One query.
    `search` keeps the members whose name (as on their latest invoice) or INN holds it."""
    qs = Invoice.objects.filter(cluster=cluster).exclude(status__in=[Status.VOID, Status.DRAFT])
    if period_label:
        qs = qs.filter(period_label=period_label)
    zero = 0
    rows = (
        qs.values("company_id")
        .annotate(
            invoices=Count("id"),
            invoiced=Coalesce(Sum("amount_kopecks"), zero),
            paid=Coalesce(Sum("paid_kopecks"), zero),
            overdue_amount=Coalesce(Sum("amount_kopecks", filter=Q(status=Status.OVERDUE)), zero),
            overdue_paid=Coalesce(Sum("paid_kopecks", filter=Q(status=Status.OVERDUE)), zero),
        )
        .order_by("company_id")
    )
    names = dict(
        qs.order_by("company_id", "-issue_date", "-id")
        .distinct("company_id")
        .values_list("company_id", "company_name")
    )
    inns = dict(
        qs.order_by("company_id", "-issue_date", "-id")
        .distinct("company_id")
        .values_list("company_id", "company_inn")
    )
    query = search.strip().casefold()
    result = []
    for row in rows:
        outstanding = max(row["invoiced"] - row["paid"], 0)
        if only_debtors and outstanding == 0:
            continue
        name, inn = names.get(row["company_id"], ""), inns.get(row["company_id"], "")
        if query and query not in name.casefold() and not inn.startswith(query):
            continue
        result.append(
            ArrearsRow(
                company_id=row["company_id"],
                company_name=name,
                company_inn=inn,
                invoices=row["invoices"],
                invoiced_kopecks=row["invoiced"],
                paid_kopecks=row["paid"],
                outstanding_kopecks=outstanding,
                overdue_kopecks=max(row["overdue_amount"] - row["overdue_paid"], 0),
            )
        )
    result.sort(key=lambda r: (-r.outstanding_kopecks, r.company_name))
    return result


def arrears_periods(cluster: Cluster) -> list[str]:
    return list(
        Invoice.objects.filter(cluster=cluster)
        .exclude(period_label="")
        .order_by("-period_label")
        .values_list("period_label", flat=True)
        .distinct()
    )


@dataclasses.dataclass(frozen=True)
class LedgerRow:
    """One line of the ledger export: an invoice (debit), a payment (credit), a refund or a void."""

    date: dt.date
    kind: str  # "invoice" | "payment" | "refund" | "void"
    kind_label: str
    invoice_number: str
    company_id: int
    company_name: str
    company_inn: str
    debit_kopecks: int  # invoiced to the member
    credit_kopecks: int  # received from the member (refunds negative)
    method: str  # "online" | "manual" | ""
    reference: str  # payment order «№ 123 от 01.02.2026», Stripe PaymentIntent id, void reason


def ledger_rows(cluster: Cluster, *, date_from: dt.date, date_to: dt.date) -> list[LedgerRow]:
    """Invoices, succeeded payments, refunds and voids between two dates (inclusive), by date.
    Dates of payments are in the cluster's time zone. Three queries whatever the size."""
    tz = cluster.tzinfo
    rows: list[LedgerRow] = []
    invoices = Invoice.objects.filter(cluster=cluster).exclude(status=Status.DRAFT)
    for inv in invoices.filter(issue_date__range=(date_from, date_to)):
        rows.append(
            LedgerRow(
                inv.issue_date,
                "invoice",
                "Счёт",
                inv.number,
                inv.company_id,
                inv.company_name,
                inv.company_inn,
                inv.amount_kopecks,
                0,
                "",
                inv.period_label,
            )
        )
        if inv.voided_at and date_from <= inv.voided_at.astimezone(tz).date() <= date_to:
            rows.append(
                LedgerRow(
                    inv.voided_at.astimezone(tz).date(),
                    "void",
                    "Аннулирование",
                    inv.number,
                    inv.company_id,
                    inv.company_name,
                    inv.company_inn,
                    -inv.amount_kopecks,
                    0,
                    "",
                    inv.void_reason,
                )
            )
    start = dt.datetime.combine(date_from, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    payments = Payment.objects.filter(
        cluster=cluster, status=Payment.Status.SUCCEEDED, succeeded_at__gte=start, succeeded_at__lt=end
    ).select_related("invoice")
    for p in payments:
        inv = p.invoice
        if p.method == Payment.Method.MANUAL:
            ref = f"п/п № {p.order_number} от {p.order_date:%d.%m.%Y}" if p.order_date else p.order_number
        else:
            ref = p.stripe_payment_intent_id or ""
        succeeded = p.succeeded_at or p.created_at
        rows.append(
            LedgerRow(
                succeeded.astimezone(tz).date(),
                "payment",
                "Оплата",
                inv.number,
                inv.company_id,
                inv.company_name,
                inv.company_inn,
                0,
                p.amount_kopecks,
                p.method,
                ref,
            )
        )
    refunds = Refund.objects.filter(
        cluster=cluster, status=Refund.Status.SUCCEEDED, created_at__gte=start, created_at__lt=end
    ).select_related("payment__invoice")
    for r in refunds:
        inv = r.payment.invoice
        rows.append(
            LedgerRow(
                r.created_at.astimezone(tz).date(),
                "refund",
                "Возврат",
                inv.number,
                inv.company_id,
                inv.company_name,
                inv.company_inn,
                0,
                -r.amount_kopecks,
                r.payment.method,
                r.reason,
            )
        )
    order = {"invoice": 0, "payment": 1, "refund": 2, "void": 3}
    rows.sort(key=lambda r: (r.date, r.invoice_number, order[r.kind]))
    return rows


@dataclasses.dataclass(frozen=True)
class DuesStatus:
    company_id: int
    invoices: int
    invoiced_kopecks: int
    paid_kopecks: int
    outstanding_kopecks: int
    overdue_kopecks: int
    unpaid_invoices: int
    next_due_date: dt.date | None
    last_invoice_number: str

    @property
    def state(self) -> str:
        """ "none" (no invoices), "paid" (nothing owed), "due" (owes, not late), "overdue"."""
        if not self.invoices:
            return "none"
        if self.overdue_kopecks > 0:
            return "overdue"
        return "due" if self.outstanding_kopecks > 0 else "paid"


def company_dues_status(cluster: Cluster, company_id: int) -> DuesStatus:
    """Dues of one member company for its card. Three small queries."""
    qs = Invoice.objects.filter(cluster=cluster, company_id=company_id).exclude(
        status__in=[Status.VOID, Status.DRAFT]
    )
    payable = Q(status__in=sorted(Invoice.PAYABLE))
    agg = qs.aggregate(
        invoices=Count("id"),
        invoiced=Coalesce(Sum("amount_kopecks"), 0),
        paid=Coalesce(Sum("paid_kopecks"), 0),
        overdue_amount=Coalesce(Sum("amount_kopecks", filter=Q(status=Status.OVERDUE)), 0),
        overdue_paid=Coalesce(Sum("paid_kopecks", filter=Q(status=Status.OVERDUE)), 0),
        unpaid=Count("id", filter=payable),
    )
    nearest = qs.filter(payable).order_by("due_date").values_list("due_date", flat=True).first()
    last = qs.order_by("-issue_date", "-id").values_list("number", flat=True).first()
    return DuesStatus(
        company_id=company_id,
        invoices=agg["invoices"],
        invoiced_kopecks=agg["invoiced"],
        paid_kopecks=agg["paid"],
        outstanding_kopecks=max(agg["invoiced"] - agg["paid"], 0),
        overdue_kopecks=max(agg["overdue_amount"] - agg["overdue_paid"], 0),
        unpaid_invoices=agg["unpaid"],
        next_due_date=nearest,
        last_invoice_number=last or "",
    )
