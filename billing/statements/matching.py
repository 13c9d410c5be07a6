"""Which invoice a statement line pays, and in what state (pure: the facts come in, no queries).

First the invoice number in the payment purpose — «по счету № 2026-0012 от 15.01.2026»,
«сч. 2026-12», «Счёт2026 - 0012», in any case and spacing; numbers after a word for invoice
win over bare «2026-0012» elsewhere in the text. Then, with no usable number, the payer's INN
and the amount among the open invoices. Several lines of one statement may pay the same
invoice: each sees what the previous ones left outstanding.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable

from core.ru.money import format_roubles

MATCHED, PARTIAL, OVERPAID = "matched", "partial", "overpaid"
AMBIGUOUS, UNMATCHED, ALREADY_IMPORTED, DISMISSED = "ambiguous", "unmatched", "already_imported", "dismissed"
BOOKABLE = frozenset({MATCHED, PARTIAL, OVERPAID})
QUEUE = frozenset({AMBIGUOUS, UNMATCHED})

_NUMBER = re.compile(r"(?<![\d.])(20\d{2})\s*[-‐–—/]\s*(\d{1,7})(?![\d])(?![-./]\d)")
_INVOICE_WORD = re.compile(
    r"(?:сч[её]т\w*|сч|invoice|инвойс)\.?\s*(?:на\s+оплату\s*)?(?:№|N|No|#|номер)?\s*[:.]?\s*$", re.IGNORECASE
)

# «по счетам № 2026-0001, 2026-0002 и № 2026-0003»: the numbers after the first are listed too.
_LIST_GAP = re.compile(r"^(?:\s|,|;|и\s|№)*$", re.IGNORECASE)
_SPACES = re.compile(r"\s+")

Key = tuple[int, int]


def number_key(text: str) -> Key | None:
    """«2026-0012» → (2026, 12): how invoice numbers compare (zero padding and spacing aside)."""
    year, dash, seq = (text or "").partition("-")
    if (
        dash
        and len(year) == 4
        and year.startswith("20")
        and year.isdecimal()
        and seq.isdecimal()
        and len(seq) < 8
    ):
        return int(year), int(seq)  # as billing writes them: no need for the pattern
    match = _NUMBER.search(text or "")
    return (int(match.group(1)), int(match.group(2))) if match else None


def invoice_numbers(purpose: str) -> list[tuple[Key, str]]:
    """Invoice numbers named in a payment purpose, as (key, text as written); numbers after a
    word for invoice («счёт», «сч.», «по счету №») when there are any, else every bare one."""
    text = (purpose or "").replace("\u00a0", " ")
    named: list[tuple[Key, str]] = []
    bare: list[tuple[Key, str]] = []
    last_named = -1
    for match in _NUMBER.finditer(text):
        year, seq = match.groups()
        key = (int(year), int(seq))
        found = (key, _SPACES.sub("", match.group(0)))
        start = match.start()
        listed = last_named >= 0 and _LIST_GAP.match(text[last_named:start]) is not None
        is_named = listed or _INVOICE_WORD.search(text[max(0, start - 30) : start]) is not None
        if is_named:
            last_named = match.end()
        target = named if is_named else bare
        if key not in [k for k, _ in target]:
            target.append(found)
    return named or bare


@dataclasses.dataclass
class OpenInvoice:
    """What matching needs to know about an invoice of the cluster."""

    id: int
    number: str
    company_inn: str
    outstanding_kopecks: int
    payable: bool
    status_label: str


@dataclasses.dataclass
class Proposal:
    state: str
    invoice_id: int | None = None
    invoice_number: str = ""
    candidates: list[int] = dataclasses.field(default_factory=list)
    reason: str = ""
    book_kopecks: int = 0  # what a booking puts on the invoice (the outstanding at most)


class Matcher:
    """Proposes an invoice and a state per line, keeping what each invoice still awaits."""

    def __init__(self, invoices: Iterable[OpenInvoice]) -> None:
        self.by_key: dict[Key, OpenInvoice] = {}
        self.by_inn: dict[str, list[OpenInvoice]] = {}
        self.left: dict[int, int] = {}
        for invoice in invoices:
            key = number_key(invoice.number)
            if key is not None:
                self.by_key[key] = invoice
            self.left[invoice.id] = invoice.outstanding_kopecks if invoice.payable else 0
            if invoice.payable and invoice.company_inn:
                self.by_inn.setdefault(invoice.company_inn, []).append(invoice)

    def book(self, invoice: OpenInvoice, amount_kopecks: int, reason: str = "") -> Proposal:
        left = self.left[invoice.id]
        if left <= 0:
            why = (
                "уже оплачен"
                if invoice.payable or invoice.status_label == "Оплачен"
                else f"в статусе «{invoice.status_label}»"
            )
            return Proposal(
                UNMATCHED,
                invoice_number=invoice.number,
                candidates=[invoice.id],
                reason=f"Счёт № {invoice.number} {why}: разберите платёж вручную.",
            )
        state = MATCHED if amount_kopecks == left else PARTIAL if amount_kopecks < left else OVERPAID
        booked = min(amount_kopecks, left)
        self.left[invoice.id] = left - booked
        notes = [reason] if reason else []
        if state == PARTIAL:
            notes.append(f"Частичная оплата: остаток по счёту {format_roubles(left - booked)} ₽.")
        elif state == OVERPAID:
            notes.append(
                f"Переплата {format_roubles(amount_kopecks - left)} ₽ сверх остатка по счёту: "
                f"зачтено {format_roubles(left)} ₽, излишек верните или зачтите."
            )
        return Proposal(
            state,
            invoice_id=invoice.id,
            invoice_number=invoice.number,
            candidates=[invoice.id],
            reason=" ".join(notes),
            book_kopecks=booked,
        )

    def propose(
        self, *, amount_kopecks: int, payer_inn: str, purpose: str, named: list[tuple[Key, str]] | None = None
    ) -> Proposal:
        """`named`: `invoice_numbers(purpose)` when the caller has it already."""
        if named is None:
            named = invoice_numbers(purpose)
        found = [self.by_key[key] for key, _ in named if key in self.by_key]
        missing = [text for key, text in named if key not in self.by_key]
        if len(found) > 1:
            open_ones = [i for i in found if self.left[i.id] > 0]
            if len(open_ones) == 1:
                return self.book(open_ones[0], amount_kopecks)
            return Proposal(
                AMBIGUOUS,
                invoice_number=", ".join(i.number for i in found),
                candidates=[i.id for i in found],
                reason="В назначении платежа несколько счетов: "
                + ", ".join(f"№ {i.number}" for i in found)
                + ". Выберите счёт.",
            )
        if found:
            invoice = found[0]
            note = ""
            if payer_inn and invoice.company_inn and payer_inn != invoice.company_inn:
                note = f"ИНН плательщика {payer_inn} не совпадает с ИНН в счёте ({invoice.company_inn})."
            return self.book(invoice, amount_kopecks, note)
        not_found = f"Счёт № {', '.join(missing)} не найден. " if missing else ""
        if not payer_inn:
            return Proposal(
                UNMATCHED,
                invoice_number=", ".join(missing),
                reason=(not_found or "Номера счёта в назначении нет. ") + "ИНН плательщика не указан.",
            )
        open_ones = [i for i in self.by_inn.get(payer_inn, []) if self.left[i.id] > 0]
        same = [i for i in open_ones if self.left[i.id] == amount_kopecks]
        if len(same) == 1:
            return self.book(same[0], amount_kopecks, not_found + "Счёт найден по ИНН плательщика и сумме.")
        if len(same) > 1:
            return Proposal(
                AMBIGUOUS,
                invoice_number=", ".join(missing),
                candidates=[i.id for i in same],
                reason=not_found + f"У плательщика с ИНН {payer_inn} несколько открытых счетов на эту "
                "сумму: " + ", ".join(f"№ {i.number}" for i in same) + ".",
            )
        if open_ones:
            return Proposal(
                UNMATCHED,
                invoice_number=", ".join(missing),
                candidates=[i.id for i in open_ones],
                reason=not_found
                + f"Открытые счета плательщика с ИНН {payer_inn} ("
                + ", ".join(f"№ {i.number}" for i in open_ones)
                + ") на другую сумму.",
            )
        return Proposal(
            UNMATCHED,
            invoice_number=", ".join(missing),
            reason=not_found + f"Открытых счетов плательщика с ИНН {payer_inn} нет.",
        )
