"""Statement files for the tests, written the way bank clients write them."""

from __future__ import annotations

import datetime as dt
import itertools

from billing.models import Invoice, Payee
from billing.statements import parser

_numbers = itertools.count(100)
PAYER_ACCOUNT = "40702810400000000077"
DAY = dt.date(2026, 1, 20)


def doc(
    *,
    payee: Payee | str,
    amount: int,
    purpose: str,
    payer_inn: str = "",
    number: str | None = None,
    date: dt.date = DAY,
    payer_account: str = PAYER_ACCOUNT,
    payer_name: str = "ООО «Медтех»",
    debit: bool = False,
) -> parser.Document:
    account = payee if isinstance(payee, str) else payee.account
    return parser.Document(
        line=0,
        kind="Платежное поручение",
        number=number or str(next(_numbers)),
        date=date,
        amount_kopecks=amount,
        payer_account=account if debit else payer_account,
        payer_inn=payer_inn,
        payer_name=payer_name,
        payee_account=payer_account if debit else account,
        received_date=None if debit else date,
        debited_date=date if debit else None,
        purpose=purpose,
    )


def pays(
    invoice: Invoice, *, amount: int | None = None, purpose: str | None = None, **kwargs: object
) -> parser.Document:
    payee = invoice.cluster.payee
    return doc(
        payee=payee,
        amount=invoice.outstanding_kopecks if amount is None else amount,
        purpose=purpose
        or f"Оплата по счету № {invoice.number} от {invoice.issue_date:%d.%m.%Y}. "
        "Членский взнос. Без налога (НДС)",
        payer_inn=invoice.company_inn,
        **kwargs,  # type: ignore[arg-type]
    )


def statement(payee: Payee | str, documents: list[parser.Document], **kwargs: object) -> bytes:
    account = payee if isinstance(payee, str) else payee.account
    return parser.render(
        account=account,
        documents=documents,
        date_from=dt.date(2026, 1, 1),
        date_to=dt.date(2026, 1, 31),
        **kwargs,  # type: ignore[arg-type]
    )
