"""Printable documents: the «Счёт на оплату» with the payee's bank details, and the receipt.

Rendered from HTML templates by WeasyPrint (as the governance protocol), always in Russian:
these are accounting documents. The invoice follows the layout Russian accountants know
(bank details block, supplier and payer, lines, total, the payee's VAT line, «Всего
наименований N, на сумму …», the amount in words, signatures) and carries a payment QR code
per GOST R 56042-2014 that bank apps scan to fill in the transfer; its purpose names the
invoice so the bank statement line can be matched back to it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from urllib.parse import quote

import segno
from django.template.loader import render_to_string
from django.utils import translation

from core.ru.bank import gost_qr_payload
from core.ru.money import format_roubles

from .models import DEFAULT_VAT_NOTE, Invoice, InvoiceLine, Payee, Payment

MONTHS_GENITIVE = (
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
)

_UNITS = ("", "один", "два", "три", "четыре", "пять", "шесть", "семь", "восемь", "девять")
_UNITS_FEMININE = ("", "одна", "две", "три", "четыре", "пять", "шесть", "семь", "восемь", "девять")
_TEENS = (
    "десять",
    "одиннадцать",
    "двенадцать",
    "тринадцать",
    "четырнадцать",
    "пятнадцать",
    "шестнадцать",
    "семнадцать",
    "восемнадцать",
    "девятнадцать",
)
_TENS = (
    "",
    "",
    "двадцать",
    "тридцать",
    "сорок",
    "пятьдесят",
    "шестьдесят",
    "семьдесят",
    "восемьдесят",
    "девяносто",
)
_HUNDREDS = (
    "",
    "сто",
    "двести",
    "триста",
    "четыреста",
    "пятьсот",
    "шестьсот",
    "семьсот",
    "восемьсот",
    "девятьсот",
)
# (forms for 1, 2-4, 5+; feminine?)
_SCALES = (
    (("", "", ""), False),
    (("тысяча", "тысячи", "тысяч"), True),
    (("миллион", "миллиона", "миллионов"), False),
    (("миллиард", "миллиарда", "миллиардов"), False),
    (("триллион", "триллиона", "триллионов"), False),
)


def plural(n: int, forms: tuple[str, str, str]) -> str:
    """Russian plural: 1 рубль, 2 рубля, 5 рублей, 11 рублей, 21 рубль."""
    n = abs(n) % 100
    if 11 <= n <= 19:
        return forms[2]
    n %= 10
    if n == 1:
        return forms[0]
    if 2 <= n <= 4:
        return forms[1]
    return forms[2]


def _triad(n: int, feminine: bool) -> list[str]:
    words = [_HUNDREDS[n // 100]]
    rest = n % 100
    if 10 <= rest <= 19:
        words.append(_TEENS[rest - 10])
    else:
        words.append(_TENS[rest // 10])
        words.append((_UNITS_FEMININE if feminine else _UNITS)[rest % 10])
    return [w for w in words if w]


def number_in_words(n: int) -> str:
    """123 456 → «сто двадцать три тысячи четыреста пятьдесят шесть»."""
    if n == 0:
        return "ноль"
    parts: list[str] = []
    scale = 0
    while n > 0:
        n, triad = divmod(n, 1000)
        if triad:
            forms, feminine = _SCALES[scale]
            words = _triad(triad, feminine)
            if scale:
                words.append(plural(triad, forms))
            parts = words + parts
        scale += 1
    return " ".join(parts)


def amount_in_words(kopecks: int) -> str:
    """15 000 000 kopecks → «Сто пятьдесят тысяч рублей 00 копеек»."""
    roubles, rest = divmod(int(kopecks), 100)
    text = (
        f"{number_in_words(roubles)} {plural(roubles, ('рубль', 'рубля', 'рублей'))} "
        f"{rest:02d} {plural(rest, ('копейка', 'копейки', 'копеек'))}"
    )
    return text[:1].upper() + text[1:]


def date_ru(value: dt.date) -> str:
    """«15 января 2026 г.»"""
    return f"{value.day} {MONTHS_GENITIVE[value.month - 1]} {value.year} г."


@dataclass(frozen=True)
class PaymentLine:
    date: str
    method: str
    reference: str
    amount: str


def _payment_lines(invoice: Invoice) -> list[PaymentLine]:
    tz = invoice.cluster.tzinfo
    lines = []
    for p in invoice.payments.all():
        if p.status != Payment.Status.SUCCEEDED or p.succeeded_at is None:
            continue
        if p.method == Payment.Method.MANUAL:
            ref = f"платёжное поручение № {p.order_number}" + (
                f" от {p.order_date:%d.%m.%Y}" if p.order_date else ""
            )
        else:
            ref = f"оплата картой, {p.stripe_payment_intent_id}"
        amount = format_roubles(p.amount_kopecks)
        if p.refunded_kopecks:
            amount += f" (возвращено {format_roubles(p.refunded_kopecks)})"
        lines.append(
            PaymentLine(f"{p.succeeded_at.astimezone(tz):%d.%m.%Y}", p.get_method_display(), ref, amount)
        )
    return lines


# What the lines pay for, by their codes (fees.Charge.kind), for the payment purpose.
_PURPOSE_SUBJECTS = {"membership": "Членский взнос", "entrance": "Вступительный взнос"}
# GOST R 56042-2014 limits Purpose to 210 characters.
PURPOSE_MAX_LENGTH = 210


def payment_purpose(invoice: Invoice, payee: Payee | None, lines: list[InvoiceLine] | None = None) -> str:
    """«Членский взнос по счёту № 2026-000123 от 01.12.2026. Без налога (НДС)»: the words a
    bank statement line carries back, so the payment can be matched to the invoice."""
    codes = {line.code for line in (invoice.lines.all() if lines is None else lines)}
    subject = _PURPOSE_SUBJECTS.get(codes.pop(), "Оплата") if len(codes) == 1 else "Оплата"
    vat = (payee.vat_note if payee else "") or DEFAULT_VAT_NOTE
    text = f"{subject} по счёту № {invoice.number} от {invoice.issue_date:%d.%m.%Y}. {vat}"
    return text[:PURPOSE_MAX_LENGTH]


def payment_qr_payload(
    invoice: Invoice, payee: Payee | None, lines: list[InvoiceLine] | None = None
) -> str | None:
    """The GOST R 56042-2014 text (UTF-8, `ST00012|…`) for what is still owed on the invoice;
    None when there is no payee or nothing to pay (paid in full, void)."""
    if payee is None or not invoice.is_payable:
        return None
    return gost_qr_payload(
        [
            ("Name", payee.name),
            ("PersonalAcc", payee.account),
            ("BankName", payee.bank_name),
            ("BIC", payee.bik),
            ("CorrespAcc", payee.correspondent_account),
            ("PayeeINN", payee.inn),
            ("KPP", payee.kpp),
            ("Sum", invoice.outstanding_kopecks),
            ("Purpose", payment_purpose(invoice, payee, lines)),
            ("PayerINN", invoice.company_inn),
        ]
    )


# Printed module size: bank apps on phones read 0.4–0.5 mm modules reliably; a long payee name
# makes a bigger symbol, so the picture grows with it (within the head of the page).
QR_MODULE_MM = 0.45
QR_SIZE_MM = (30.0, 50.0)


@dataclass(frozen=True)
class QrImage:
    data_uri: str
    size_mm: float


def qr_image(payload: str) -> QrImage:
    """The QR code as an SVG data URI (vector, sharp at any print resolution): error
    correction M exactly (not boosted), byte mode in UTF-8 as the «2» of ST00012 says."""
    code = segno.make_qr(payload, error="m", boost_error=False, encoding="utf-8")
    border = 4
    modules = code.symbol_size(border=border)[0]
    size = min(max(modules * QR_MODULE_MM, QR_SIZE_MM[0]), QR_SIZE_MM[1])
    return QrImage(code.svg_data_uri(scale=1, border=border), round(size, 1))


def _context(invoice: Invoice, payee: Payee | None) -> dict[str, object]:
    lines = list(invoice.lines.all())
    qr_payload = payment_qr_payload(invoice, payee, lines)
    return {
        "invoice": invoice,
        "payee": payee,
        "lines": lines,
        "cluster": invoice.cluster,
        "issue_date": date_ru(invoice.issue_date),
        "due_date": f"{invoice.due_date:%d.%m.%Y}",
        "total": format_roubles(invoice.amount_kopecks),
        "total_words": amount_in_words(invoice.amount_kopecks),
        "paid": format_roubles(invoice.paid_kopecks),
        "outstanding": format_roubles(invoice.outstanding_kopecks),
        "rows": [
            (ln, format_roubles(ln.unit_price_kopecks), format_roubles(ln.amount_kopecks)) for ln in lines
        ],
        "count_phrase": f"Всего наименований {len(lines)}, на сумму {format_roubles(invoice.amount_kopecks)} руб.",
        "payments": _payment_lines(invoice),
        "vat_note": (payee.vat_note if payee else "") or DEFAULT_VAT_NOTE,
        "purpose": payment_purpose(invoice, payee, lines),
        "qr": qr_image(qr_payload) if qr_payload else None,
        "qr_sum": format_roubles(invoice.outstanding_kopecks),
    }


def _pdf(template: str, context: dict[str, object]) -> bytes:
    from weasyprint import HTML

    with translation.override("ru"):
        html = render_to_string(template, context)
    return HTML(string=html).write_pdf() or b""


def invoice_pdf(invoice: Invoice, payee: Payee | None) -> bytes:
    return _pdf("billing/invoice_pdf.html", _context(invoice, payee))


def receipt_pdf(invoice: Invoice, payee: Payee | None) -> bytes:
    return _pdf("billing/receipt_pdf.html", _context(invoice, payee))


def filename(invoice: Invoice, kind: str) -> str:
    """«Счёт_2026-0001.pdf» / «Квитанция_2026-0001.pdf»."""
    title = "Счёт" if kind == "invoice" else "Квитанция"
    return re.sub(r"[\\/:*?\"<>|\s]+", "_", f"{title}_{invoice.number}") + ".pdf"


def content_disposition(name: str, fallback_stem: str) -> str:
    ascii_stem = re.sub(
        r"[^A-Za-z0-9-]+", "_", name.rpartition(".")[0].encode("ascii", "ignore").decode()
    ).strip("_")
    return (
        f'attachment; filename="{fallback_stem}_{ascii_stem or "document"}.pdf"; '
        f"filename*=UTF-8''{quote(name, safe='')}"
    )
