"""Reads of bank statements; every query filters by the cluster it is given. The facts
matching needs come in a fixed number of queries per batch of lines, whatever its size."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.db.models import BooleanField, F, Func, Q, QuerySet, Value

from billing.models import Invoice, Payment
from core.bulk import pg_array
from tenants.models import Cluster

from . import matching
from .models import BankStatement, BankStatementLine

Key = tuple[str, str, str, int, str]


class AnyOf(Func):
    """`column = ANY(%s::type[])`: many values as ONE parameter, an array literal. Django's `__in`
    with a list prepares and sends one parameter per value, which cost more than the query
    itself for 10,000 lines; `IN (SELECT unnest(…))` let the planner guess a nested loop
    (seconds); a Python list goes as `ARRAY[…]`, parsed value by value (core.bulk.pg_array)."""

    arg_joiner = " = ANY("
    template = "%(expressions)s::%(db_type)s[])"
    output_field = BooleanField()


def any_of(field: str, values: Iterable[object], db_type: str) -> AnyOf:
    return AnyOf(F(field), Value(pg_array(values)), db_type=db_type)


def statements_for_cluster(
    cluster: Cluster, *, search: str = "", status: str = ""
) -> QuerySet[BankStatement]:
    """The cluster's statements, latest first; `search` finds a file name or an account number."""
    qs = BankStatement.objects.filter(cluster=cluster).select_related("uploaded_by")
    query = search.strip()
    if query:
        qs = qs.filter(Q(file_name__icontains=query) | Q(account__startswith=query))
    if status in BankStatement.Status.values:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def statement_get(cluster: Cluster, pk: int | str) -> BankStatement | None:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return BankStatement.objects.filter(cluster=cluster, pk=pk).first()


LINE_ORDERINGS: dict[str, tuple[str, ...]] = {
    "date": ("date", "id"),
    "-date": ("-date", "-id"),
    "amount": ("amount_kopecks", "id"),
    "-amount": ("-amount_kopecks", "-id"),
    "payer": ("payer_name", "id"),
    "statement": ("statement_id", "position"),
}


def lines_for_cluster(
    cluster: Cluster,
    *,
    state: str | None = None,
    statement_id: int | None = None,
    search: str | None = None,
    queue: bool = False,
    ordering: str | None = None,
) -> QuerySet[BankStatementLine]:
    """Lines of the cluster's statements; `queue`: those waiting for staff (unmatched or
    ambiguous lines of applied statements); `search`: payer, INN, document number, purpose."""
    qs = BankStatementLine.objects.filter(cluster=cluster).select_related("statement", "invoice")
    if state == "queue" or queue:
        qs = qs.filter(
            state__in=sorted(matching.QUEUE), booked=False, statement__status=BankStatement.Status.APPLIED
        )
    elif state in BankStatementLine.State.values:
        qs = qs.filter(state=state)
    if statement_id is not None:
        qs = qs.filter(statement_id=statement_id)
    query = (search or "").strip()
    if query:
        condition = (
            Q(payer_name__icontains=query)
            | Q(document_number=query)
            | Q(purpose__icontains=query)
            | Q(invoice_number__icontains=query)
        )
        if query.isdigit():
            condition |= Q(payer_inn__startswith=query)
        qs = qs.filter(condition)
    return qs.order_by(*LINE_ORDERINGS.get(ordering or "", ("-statement_id", "position")))


def line_get(cluster: Cluster, pk: int | str) -> BankStatementLine | None:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return (
        BankStatementLine.objects.filter(cluster=cluster, pk=pk)
        .select_related("statement", "invoice", "payment")
        .first()
    )


def line_candidates(cluster: Cluster, line: BankStatementLine) -> list[Invoice]:
    """The invoices matching proposed for a line (ambiguous: several), still payable."""
    ids = [i for i in line.candidates if isinstance(i, int)]
    if not ids:
        return []
    return list(
        Invoice.objects.filter(cluster=cluster, pk__in=ids, status__in=sorted(Invoice.PAYABLE)).order_by(
            "issue_date", "id"
        )
    )


def invoices_to_match(
    cluster: Cluster, *, numbers: Iterable[matching.Key], inns: Iterable[str], lock: bool = False
) -> list[matching.OpenInvoice]:
    """The cluster's invoices named by number in the lines (any status: a paid or void one is
    told apart from a missing one), and the payable invoices of the payers' INNs. One query;
    `lock`: the rows stay locked (in id order) until the caller's transaction ends."""
    wanted = set(numbers)
    condition = Q(any_of("company_inn", sorted(set(inns)), "varchar"), status__in=sorted(Invoice.PAYABLE))
    if wanted:
        condition |= Q(any_of("number", _number_texts(wanted), "varchar"))
    qs = Invoice.objects.filter(condition, cluster=cluster).order_by("pk")
    if lock:
        qs = qs.select_for_update()
    rows = qs.values_list("pk", "number", "company_inn", "amount_kopecks", "paid_kopecks", "status")
    labels = {value: str(label) for value, label in Invoice.Status.choices}  # translated once, not per row
    return [
        matching.OpenInvoice(
            id=pk,
            number=number,
            company_inn=inn,
            outstanding_kopecks=max(amount - paid, 0) if status != Invoice.Status.VOID else 0,
            payable=status in Invoice.PAYABLE,
            status_label=labels.get(status, status),
        )
        for pk, number, inn, amount, paid, status in rows
    ]


def _number_texts(keys: set[matching.Key]) -> list[str]:
    """The ways billing writes these numbers: «2026-0012» (at least four digits) and «2026-12»."""
    texts: set[str] = set()
    for year, seq in keys:
        texts.update({f"{year}-{seq:04d}", f"{year}-{seq}", f"{year}-{seq:06d}"})
    return sorted(texts)


def booked_keys(cluster: Cluster, keys: Sequence[Key]) -> set[Key]:
    """Which booking keys are booked already (by an earlier statement). One query."""
    if not keys:
        return set()
    numbers = sorted({k[1] for k in keys})
    dates = sorted({k[2] for k in keys})
    rows = BankStatementLine.objects.filter(
        any_of("document_number", numbers, "varchar"), cluster=cluster, booked=True, date__in=dates
    ).values_list("payee_account", "document_number", "date", "amount_kopecks", "payer_account")
    wanted = set(keys)
    return {key for a, n, d, amt, p in rows if (key := (a, n, d.isoformat(), amt, p)) in wanted}


def hand_recorded(cluster: Cluster, invoice_ids: Iterable[int]) -> set[tuple[int, str, dt.date | None]]:
    """Bank transfers recorded on these invoices: (invoice, payment order number, order date),
    so a statement line of the same payment order is not booked again. One query."""
    ids = sorted(set(invoice_ids))
    if not ids:
        return set()
    return set(
        Payment.objects.filter(
            any_of("invoice_id", ids, "bigint"),
            cluster=cluster,
            method=Payment.Method.MANUAL,
            status=Payment.Status.SUCCEEDED,
        ).values_list("invoice_id", "order_number", "order_date")
    )


def invoices_money(
    cluster: Cluster, ids: Iterable[int]
) -> list[tuple[int, str, int, int, str, dt.date, dt.datetime | None]]:
    """(id, number, amount, paid, status, due, paid_at) of these invoices of the cluster, as rows
    (no model instances); `due` is the day after which the invoice is overdue. One query."""
    rows = Invoice.objects.filter(any_of("id", sorted(set(ids)), "bigint"), cluster=cluster).values_list(
        "pk", "number", "amount_kopecks", "paid_kopecks", "status", "overdue_after", "due_date", "paid_at"
    )
    return [
        (pk, number, amount, paid, status, overdue_after or due_date, paid_at)
        for pk, number, amount, paid, status, overdue_after, due_date, paid_at in rows
    ]
