"""The demo's bank statement: a Windows-1251 1CClientBankExchange file for mosreg's payee,
built from the cluster's open invoices when `make demo` runs (so the numbers match): two
invoices paid in full (by number, written differently), one part-paid, one found by the
payer's INN and amount, a donation nobody invoiced (left unmatched) and a bank fee (a debit,
ignored). Written once to MEDIA_ROOT/demo/bank-statement-<slug>.txt and never rewritten, so
importing it again shows every payment as already booked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings

from billing.models import Payee
from billing.selectors import UNPAID, invoices_for_cluster
from core.clock import cluster_today
from core.ru.identifiers import inn_with_check_digits
from tenants.models import Cluster

from .parser import Document, render

DEMO_SLUGS = frozenset({"mosreg"})


def demo_statement_path(cluster: Cluster) -> Path:
    return Path(settings.MEDIA_ROOT) / "demo" / f"bank-statement-{cluster.schema_name}.txt"


def demo_statement_bytes(cluster: Cluster, payee: Payee) -> bytes | None:
    """The statement of the payee's account for the week up to today (None: fewer than 3 open invoices)."""
    today = cluster_today(cluster)
    day = today  # received today: never before the invoices it pays
    invoices = [
        i for i in invoices_for_cluster(cluster, status=UNPAID, ordering="number") if i.outstanding_kopecks
    ]
    if len(invoices) < 3:
        return None
    account = payee.account

    def credit(n: int, invoice_amount: int, purpose: str, inn: str, name: str) -> Document:
        return Document(
            line=0,
            kind="Платежное поручение",
            number=str(n),
            date=day,
            amount_kopecks=invoice_amount,
            payer_account=f"40702810{n:012d}",
            payer_inn=inn,
            payer_name=name,
            payee_account=account,
            payee_inn=payee.inn,
            payee_name=payee.name,
            received_date=day,
            purpose=purpose,
        )

    first, second, third = invoices[:3]
    documents = [
        credit(
            1001,
            first.outstanding_kopecks,
            f"Оплата по счету № {first.number} от {first.issue_date:%d.%m.%Y}. "
            "Членский взнос. Без налога (НДС)",
            first.company_inn,
            first.company_name,
        ),
        credit(
            1002,
            second.outstanding_kopecks,
            f"сч. {second.number} членский взнос, НДС не облагается",
            second.company_inn,
            second.company_name,
        ),
        credit(
            1003,
            third.outstanding_kopecks // 2,
            f"Частичная оплата по счёту {third.number} от {third.issue_date:%d.%m.%Y}. Без НДС",
            third.company_inn,
            third.company_name,
        ),
    ]
    by_inn = next(
        (
            i
            for i in invoices[3:]
            if i.company_inn
            and sum(
                1
                for j in invoices
                if j.company_inn == i.company_inn and j.outstanding_kopecks == i.outstanding_kopecks
            )
            == 1
        ),
        None,
    )
    if by_inn is not None:
        documents.append(
            credit(
                1004,
                by_inn.outstanding_kopecks,
                "Членский взнос в ассоциацию. Без налога (НДС)",
                by_inn.company_inn,
                by_inn.company_name,
            )
        )
    documents.append(
        credit(
            1005,
            2_500_000,
            "Благотворительное пожертвование на развитие кластера. Без НДС",
            inn_with_check_digits("000000555"),
            "ООО «Меценат (демо)»",
        )
    )
    documents.append(
        Document(
            line=0,
            kind="Банковский ордер",
            number="77",
            date=day,
            amount_kopecks=45_000,
            payer_account=account,
            payer_inn=payee.inn,
            payer_name=payee.name,
            payee_account="70601810000000000001",
            payee_name="ДЕМО-БАНК",
            debited_date=day,
            purpose="Комиссия банка за ведение счёта",
        )
    )
    return render(
        account=account,
        documents=documents,
        date_from=today - dt.timedelta(days=6),
        date_to=day,
        opening_kopecks=10_000_000,
    )


def demo_statements(clusters: Iterable[Cluster]) -> None:
    """PLATFORM_DEMOS hook (after billing.demo.demo_payees): write each demo cluster's statement once."""
    for cluster in clusters:
        if cluster.schema_name not in DEMO_SLUGS:
            continue
        path = demo_statement_path(cluster)
        payee = Payee.objects.filter(cluster=cluster).first()
        if path.exists() or payee is None:
            continue
        data = demo_statement_bytes(cluster, payee)
        if data is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
