"""Russian bank details: БИК, settlement and correspondent accounts with the Bank of Russia
control key (DOMAIN.md), and the payment QR text of GOST R 56042-2014.

Each check returns None when the value is valid, else a Russian message naming the field,
so the payee form, the API and the service report the same words (as core.ru.identifiers).

The control key is digit 9 of a 20-digit account. Put three digits in front of the account —
the last three digits of the БИК for a settlement account, «0» and digits 5–6 of the БИК for a
correspondent account — multiply the 23 digits by 7, 1, 3, 7, 1, 3 …, add up the last digits
of the products: the sum of a valid account ends in 0.
"""

from __future__ import annotations

from collections.abc import Iterable

BIK_LENGTH = 9
ACCOUNT_LENGTH = 20
KEY_POSITION = 8  # 0-based: the ninth digit of the account
_WEIGHTS = (7, 1, 3)
# Digits 6–8 of a rouble account: 810 in bank accounts, 643 in treasury accounts.
ROUBLE_CODES = frozenset({"810", "643"})

SETTLEMENT_LABEL = "Расчётный счёт"
CORRESPONDENT_LABEL = "Корреспондентский счёт"


def _weighted_sum(digits: str) -> int:
    return sum(_WEIGHTS[i % 3] * int(d) % 10 for i, d in enumerate(digits))


def _prefix(bik: str, *, correspondent: bool) -> str:
    return "0" + bik[4:6] if correspondent else bik[-3:]


def account_key_valid(account: str, *, bik: str, correspondent: bool = False) -> bool:
    """True when the 20-digit account carries the right control key for this (9-digit) БИК."""
    if not (_is_digits(account, ACCOUNT_LENGTH) and _is_digits(bik, BIK_LENGTH)):
        return False
    return _weighted_sum(_prefix(bik, correspondent=correspondent) + account) % 10 == 0


def account_with_key(account: str, *, bik: str, correspondent: bool = False) -> str:
    """The account with its ninth digit replaced by the right control key (demo data, tests)."""
    if not (_is_digits(account, ACCOUNT_LENGTH) and _is_digits(bik, BIK_LENGTH)):
        raise ValueError("account must have 20 digits and bik 9 digits")
    zeroed = account[:KEY_POSITION] + "0" + account[KEY_POSITION + 1 :]
    remainder = _weighted_sum(_prefix(bik, correspondent=correspondent) + zeroed) % 10
    # The key sits at position 11 of the 23 digits, weight 3; 3 · 3 ≡ -1 (mod 10).
    key = remainder * 3 % 10
    return zeroed[:KEY_POSITION] + str(key) + zeroed[KEY_POSITION + 1 :]


def _is_digits(value: str, length: int) -> bool:
    return len(value) == length and value.isascii() and value.isdigit()


def bik_error(value: str) -> str | None:
    if not _is_digits(value, BIK_LENGTH):
        return "БИК: ровно 9 цифр."
    return None


def account_format_error(value: str, label: str) -> str | None:
    if not _is_digits(value, ACCOUNT_LENGTH):
        return f"{label}: ровно 20 цифр."
    return None


def settlement_account_error(value: str, *, bik: str) -> str | None:
    """The payee's settlement (расчётный) account: 20 digits, roubles, keyed with the БИК."""
    message = account_format_error(value, SETTLEMENT_LABEL)
    if message or bik_error(bik):
        return message
    if value[5:8] not in ROUBLE_CODES:
        return (
            f"{SETTLEMENT_LABEL}: разряды 6–8 — код валюты; для рублёвого счёта это 810 "
            f"(или 643 у казначейских счетов), а указано {value[5:8]}."
        )
    if not account_key_valid(value, bik=bik):
        return f"{SETTLEMENT_LABEL}: неверный контрольный ключ — проверьте номер счёта и БИК банка."
    return None


def correspondent_account_error(value: str, *, bik: str) -> str | None:
    """The bank's correspondent account: 20 digits, keyed with «0» + digits 5–6 of the БИК."""
    message = account_format_error(value, CORRESPONDENT_LABEL)
    if message or bik_error(bik):
        return message
    if not account_key_valid(value, bik=bik, correspondent=True):
        return f"{CORRESPONDENT_LABEL}: неверный контрольный ключ — проверьте номер счёта и БИК банка."
    return None


def bank_details_errors(*, bik: str, account: str, correspondent_account: str) -> dict[str, str]:
    """Every error of a set of bank details, by field name (`bik`, `account`,
    `correspondent_account`). The accounts' keys are checked only against a well-formed БИК."""
    errors = {
        "bik": bik_error(bik),
        "account": settlement_account_error(account, bik=bik),
        "correspondent_account": correspondent_account_error(correspondent_account, bik=bik),
    }
    return {key: message for key, message in errors.items() if message}


def bank_key_errors(*, bik: str, account: str, correspondent_account: str) -> dict[str, str]:
    """The errors beyond each field's own format (a model's field validators report those):
    the accounts' currency and control keys, checked against a well-formed БИК."""
    formats = {
        "bik": bik_error(bik),
        "account": account_format_error(account, SETTLEMENT_LABEL),
        "correspondent_account": account_format_error(correspondent_account, CORRESPONDENT_LABEL),
    }
    errors = bank_details_errors(bik=bik, account=account, correspondent_account=correspondent_account)
    return {key: message for key, message in errors.items() if not formats[key]}


# --- GOST R 56042-2014 payment QR ---------------------------------------------------------

GOST_QR_HEADER_UTF8 = "ST00012"  # «ST0001» + encoding 2 = UTF-8
GOST_QR_REQUIRED = ("Name", "PersonalAcc", "BankName", "BIC", "CorrespAcc")


def gost_qr_value(value: object) -> str:
    """A value as the standard allows it: no «|» (the separator) and no line breaks."""
    text = str(value).replace("|", "/")
    return " ".join(text.split())


def gost_qr_payload(pairs: Iterable[tuple[str, object]]) -> str:
    """`ST00012|Key=Value|…` in the given order; empty optional values are left out.

    The five required keys must come first and be non-empty (the standard's order)."""
    items = [(key, gost_qr_value(value)) for key, value in pairs]
    keys = [key for key, _ in items[: len(GOST_QR_REQUIRED)]]
    if tuple(keys) != GOST_QR_REQUIRED or not all(value for _, value in items[: len(GOST_QR_REQUIRED)]):
        raise ValueError(f"the first keys must be {', '.join(GOST_QR_REQUIRED)}, all filled in")
    return "|".join([GOST_QR_HEADER_UTF8] + [f"{key}={value}" for key, value in items if value])
