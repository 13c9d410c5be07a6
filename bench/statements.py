"""Billing rows: a bank statement (1CClientBankExchange) of 10,000 lines imported against
10,000 open invoices and applied, beside a line-by-line baseline; queries per run and lines
booked twice after re-importing the same file.

Run alone: `.venv/bin/python -m bench statements` (bench/results/partial.txt) or
`.venv/bin/python -m bench.area bench.statements`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .cpu import backend_cpu

if TYPE_CHECKING:  # Django is set up by bench.bootstrap before anything below runs
    from .fixtures import RequestFixture
    from .report import Row

STATEMENT_LINES = 10_000
BASELINE_LINES = 1_000  # the line-by-line baseline on a tenth, scaled ×10 in the table
STATEMENT_ACCOUNT = "40703810900000000009"  # control key valid with BIK 044525225
NOTES = [
    "  Bank statements: ours = billing.statements.services (statement_import: parse, then the facts for every line "
    "in a fixed number of queries — invoices named or owed, booked keys, hand-recorded transfers; "
    "statement_apply: the same again under the invoices' row locks, then payments, invoice totals, audit rows "
    "and line states in bulk, 1,000 lines per batch, one transaction). Baseline = line by line: per line one "
    "query for the invoice by number, one for the booked key, then billing.payment_record_manual (locks, "
    "duplicate check, payment, audit, invoice). 80 % of lines name their invoice (written in several ways), "
    "10 % are found by INN + amount, 5 % part-pay, 5 % match nothing. «Payment received» e-mails not executed "
    "(apply_async of billing.invoice_notify replaced by a stub, in both columns). CPU = this process's "
    "process_time + its PostgreSQL backend's utime + stime (/proc): the number to judge on a loaded machine, "
    "where wall time counts the other processes too. Cut for the 5 s target: the columns that are the same "
    "for every row of a batch (cluster, actor, host, action, method, status, currency, timestamps, statement, "
    "payee account) are sent once per INSERT instead of as arrays of 1,000 copies (psycopg2 adapted and "
    "PostgreSQL parsed each copy), and the «payment received» e-mails are queued 500 invoices to a message "
    "(19 enqueues after the commit, not 9,500). Second cut: every array parameter goes as one "
    "array literal ('{1,2,…}'::bigint[], core.bulk.pg_array) instead of psycopg2's ARRAY[…] that PostgreSQL parses "
    "and types element by element (1.2 ms server + 1.4 ms client CPU per 1,000 integers against 0.2 + 0.13 ms); per "
    "batch ONE query writes payments, their audit rows and the booked lines (WITH … INSERT … INSERT … UPDATE, payment "
    "ids from the sequence in SQL) and ONE the invoices' totals with their audit rows (audit JSON built by PostgreSQL "
    "from the same arrays, not json.dumps per row); at apply only the lines whose proposal changed since the preview "
    "are rewritten in full, the others get booked + payment; the parser stores fields stripped and takes the common "
    "«Ключ=Значение» row of a document first.",
]


def _statement_setup(cluster: Any, tag: str, lines: int, first_number: int) -> bytes:
    """`lines` open invoices (bulk, through billing) and a statement whose lines pay them."""
    import datetime as dt

    from billing.services import InvoiceLineSpec, InvoiceRequest, cluster_today, invoices_issue_many
    from billing.statements.parser import Document, render
    from core.audit.services import Actor
    from core.ru.identifiers import inn_with_check_digits

    today = cluster_today(cluster)
    requests = [
        InvoiceRequest(
            company_id=20_000 + i,
            company_name=f"ООО «Выписка {i}»",
            company_inn=inn_with_check_digits(f"{7_000_000 + i:09d}"),
            company_kpp="",
            lines=[InvoiceLineSpec("Членский взнос", 1_000_000 + i * 100)],
            issue_date=today,
            due_date=today + dt.timedelta(days=30),
            period_label=f"st-{tag}",
            source_key=f"bench-statement:{tag}:{i}",
        )
        for i in range(lines)
    ]
    created = invoices_issue_many(actor=Actor.system(cluster), cluster=cluster, requests=requests).created
    day = today - dt.timedelta(days=1)
    documents = []
    for i, invoice in enumerate(created):
        kind = i % 20
        amount, purpose = invoice.amount_kopecks, f"Оплата по счету № {invoice.number} от {today:%d.%m.%Y}"
        if kind in (1, 2):
            purpose = f"сч. {invoice.number.replace('-', ' - ')} членский взнос"
        elif kind in (3, 4):
            purpose = "Членский взнос, без НДС"  # by INN + amount
        elif kind == 5:
            amount //= 2
        elif kind == 6:
            purpose = "Пожертвование"
            amount = 12_345
        documents.append(
            Document(
                line=0,
                kind="Платежное поручение",
                number=str(first_number + i),
                date=day,
                amount_kopecks=amount,
                payer_account=f"40702810{i:012d}",
                payer_inn=invoice.company_inn if kind != 6 else "",
                payer_name=invoice.company_name,
                payee_account=STATEMENT_ACCOUNT,
                received_date=day,
                purpose=purpose,
            )
        )
    return render(account=STATEMENT_ACCOUNT, documents=documents, date_from=day, date_to=day)


@dataclass(frozen=True)
class Spent:
    """What one call cost: wall seconds (unreliable on a loaded machine), CPU seconds of this
    process and of its PostgreSQL backend (from /proc; nan when the server is elsewhere), and the
    SQL statements Django sent."""

    seconds: float
    cpu: float
    db_cpu: float
    queries: int

    @property
    def total_cpu(self) -> float:
        return self.cpu + self.db_cpu

    def __add__(self, other: Spent) -> Spent:
        return Spent(
            self.seconds + other.seconds,
            self.cpu + other.cpu,
            self.db_cpu + other.db_cpu,
            self.queries + other.queries,
        )


def _analyze(*tables: str) -> None:
    """Table statistics for the rows just made, as autovacuum gives a live database (it analyzes
    a table once 10 % of it changed, within a minute), outside the timed calls. Without them the
    plans depend on what the previous run left: the bench's cleanup empties the statement lines,
    and once autovacuum counted that table empty (pages, no rows), applying 10,000 lines joined
    each batch of 1,000 against a sequential scan of the whole table (40 s a batch)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {', '.join(tables or ('billing_invoice', 'billing_payment'))}")


def _counted(call: Any) -> tuple[Any, Spent]:
    from django.db import connection

    counter = [0]

    def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        counter[0] += 1
        return execute(sql, params, many, context)

    db0 = backend_cpu()
    with connection.execute_wrapper(wrapper):
        t0, cpu0 = time.perf_counter(), time.process_time()
        result = call()
        seconds, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    return result, Spent(seconds, cpu, backend_cpu() - db0, counter[0])


def _baseline(cluster: Any, data: bytes) -> tuple[Spent, int]:
    """Line by line: find the invoice, check the key, record the payment with the one-payment service."""
    from django.core.exceptions import ValidationError

    from billing.models import Invoice
    from billing.services import payment_record_manual
    from billing.statements import matching, parser
    from billing.statements.models import BankStatementLine
    from core.audit.services import Actor

    actor = Actor.system(cluster)

    def work() -> int:
        booked = 0
        for d in parser.parse(data).documents:
            named = matching.invoice_numbers(d.purpose)
            invoice = None
            if named:
                year, seq = named[0][0]
                invoice = Invoice.objects.filter(cluster=cluster, number=f"{year}-{seq:04d}").first()
            elif d.payer_inn:
                invoice = Invoice.objects.filter(
                    cluster=cluster, company_inn=d.payer_inn, amount_kopecks=d.amount_kopecks
                ).first()
            if invoice is None:
                continue
            if BankStatementLine.objects.filter(
                cluster=cluster, booked=True, document_number=d.number, date=d.date
            ).exists():
                continue
            try:
                payment_record_manual(
                    actor=actor,
                    invoice=invoice,
                    amount_kopecks=min(d.amount_kopecks, invoice.outstanding_kopecks),
                    order_number=d.number,
                    order_date=d.date,
                )
            except ValidationError:
                continue
            booked += 1
        return booked

    booked, spent = _counted(work)
    return spent, booked


def statement_measure(fixture: RequestFixture) -> list[Row]:
    from unittest import mock

    from billing.models import Payee, Payment
    from billing.services import payee_save
    from billing.statements import parser, services
    from core.audit.services import Actor
    from core.ru.identifiers import inn_with_check_digits

    from .fixtures import to_public_schema
    from .report import Row

    to_public_schema()
    cluster = fixture.cluster
    if not Payee.objects.filter(cluster=cluster).exists():
        payee_save(
            actor=Actor.system(cluster),
            cluster=cluster,
            fields={
                "name": "Bench payee",
                "inn": inn_with_check_digits("000000999"),
                "bank_name": "Банк",
                "bik": "044525225",
                "account": STATEMENT_ACCOUNT,
                "correspondent_account": "30101810400000000225",
            },
        )
    Payee.objects.filter(cluster=cluster).update(account=STATEMENT_ACCOUNT)
    actor = Actor.system(cluster)
    results = {}
    from billing.tasks import invoice_notify

    with (
        mock.patch.object(invoice_notify, "apply_async", return_value=None),
        mock.patch.object(invoice_notify, "delay", return_value=None),
    ):
        for tag, lines, first in (
            ("small", STATEMENT_LINES // 10, 100_000),
            ("ours", STATEMENT_LINES, 200_000),
        ):
            data = _statement_setup(cluster, tag, lines, first)
            _analyze()
            parsed, parse = _counted(lambda data=data: parser.parse(data))
            stmt, imported = _counted(
                lambda data=data, tag=tag: services.statement_import(
                    actor=actor, cluster=cluster, file_name=f"{tag}.txt", data=data
                )
            )
            _analyze("billing_bankstatementline")
            _, applied = _counted(lambda stmt=stmt: services.statement_apply(actor=actor, statement=stmt))
            booked = stmt.lines.filter(booked=True).count()
            again = services.statement_import(
                actor=actor, cluster=cluster, file_name=f"{tag}-again.txt", data=data
            )
            services.statement_apply(actor=actor, statement=again)
            twice = (
                Payment.objects.filter(cluster=cluster, invoice__period_label=f"st-{tag}").count() - booked
            )
            results[tag] = (len(parsed.documents), parse, imported, applied, booked, twice)
        base_data = _statement_setup(cluster, "naive", BASELINE_LINES, 300_000)
        _analyze()
        base, base_booked = _baseline(cluster, base_data)
    n, parse, imported, applied, booked, twice = results["ours"]
    small = results["small"]
    total = imported + applied
    scale = STATEMENT_LINES / BASELINE_LINES
    passed = total.seconds <= 5 and total.total_cpu <= 5
    return [
        Row(
            f"Billing: bank statement of {n:,} lines against {n:,} open invoices (1CClientBankExchange)",
            section=True,
        ),
        Row(
            "  import (parse + match → preview) + apply, s wall (baseline: line by line, ×10 from 1,000 lines)",
            f"{base.seconds * scale:.1f}",
            f"{total.seconds:.2f}",
            f"{'PASS' if passed else 'FAIL'} ≤ 5 s (wall and CPU); {base.seconds * scale / total.seconds:.0f}x faster",
        ),
        Row(
            "  CPU s: this process + its PostgreSQL backend (robust under load)",
            f"{base.cpu * scale:.1f} + {base.db_cpu * scale:.1f}",
            f"{total.cpu:.2f} + {total.db_cpu:.2f} = {total.total_cpu:.2f}",
            "",
        ),
        Row(
            "  of which parse alone / import / apply: wall s; CPU s process + backend",
            "-",
            f"{parse.seconds:.2f} / {imported.seconds:.2f} / {applied.seconds:.2f}; "
            f"{parse.cpu:.2f} / {imported.cpu:.2f} + {imported.db_cpu:.2f} / {applied.cpu:.2f} + {applied.db_cpu:.2f}",
            "",
        ),
        Row(
            "  SQL queries: import / apply (1,000 lines: import / apply)",
            f"{base.queries * scale:.0f}",
            f"{imported.queries} / {applied.queries} ({small[2].queries} / {small[3].queries})",
            "apply: a fixed number per batch of 1,000 lines",
        ),
        Row(
            "  lines booked; booked twice after re-import of the same file",
            f"{base_booked * scale:.0f}; -",
            f"{booked:,}; {twice}",
            "exactly once: " + ("PASS" if twice == 0 else "FAIL"),
        ),
    ]


def run(fixture: RequestFixture) -> list[Row]:
    return statement_measure(fixture)
