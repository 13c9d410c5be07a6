"""Roubles as people write them («1 234 567,89») and kopecks as the database keeps them."""

from __future__ import annotations

import re

_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']+")
_AMOUNT = re.compile(r"^(\d+)(?:[.,](\d{1,2}))?$")
# A sanity bound: ten trillion roubles.
MAX_KOPECKS = 10**13 * 100


class AmountError(ValueError):
    """Raised with a Russian message naming what is wrong; `code`: negative, invalid or too_big."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


def parse_roubles(text: str) -> int:
    """«1 234 567,89» → 123456789 kopecks. Empty → 0. Negative amounts are refused."""
    value = _SPACES.sub("", str(text or "")).removesuffix("₽").removesuffix("руб.").removesuffix("р.")
    if not value:
        return 0
    if value.startswith("-"):
        raise AmountError("Сумма не может быть отрицательной.", "negative")
    match = _AMOUNT.match(value)
    if not match:
        raise AmountError("Введите сумму в рублях, например «1 234 567,89».", "invalid")
    roubles, kopecks = match.group(1), (match.group(2) or "").ljust(2, "0")
    total = int(roubles) * 100 + int(kopecks)
    if total > MAX_KOPECKS:
        raise AmountError("Слишком большая сумма.", "too_big")
    return total


def format_roubles(kopecks: int | None) -> str:
    """123456789 → «1 234 567,89» (spaces between thousands, comma before kopecks)."""
    if kopecks is None:
        return ""
    sign = "-" if kopecks < 0 else ""
    roubles, rest = divmod(abs(int(kopecks)), 100)
    return f"{sign}{roubles:,}".replace(",", " ") + f",{rest:02d}"
