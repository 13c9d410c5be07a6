"""Russian company identifiers, checked by their check digits (DOMAIN.md).

Each check returns None when the value is valid, else a Russian message naming the
field, so forms, the API and the importer report the same words.
"""

from __future__ import annotations

import re

_INN10_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_WEIGHTS_11 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_WEIGHTS_12 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
KPP_RE = re.compile(r"^\d{4}[0-9A-Z]{2}\d{3}$")


def _check_digit(digits: str, weights: tuple[int, ...]) -> int:
    return sum(w * int(d) for w, d in zip(weights, digits, strict=False)) % 11 % 10


def inn_error(value: str) -> str | None:
    if not value.isdigit() or len(value) not in (10, 12):
        return "ИНН: должно быть 10 цифр (организация) или 12 цифр (ИП, физическое лицо)."
    if len(value) == 10:
        if _check_digit(value[:9], _INN10_WEIGHTS) != int(value[9]):
            return "ИНН: неверное контрольное число."
        return None
    if _check_digit(value[:10], _INN12_WEIGHTS_11) != int(value[10]) or _check_digit(
        value[:11], _INN12_WEIGHTS_12
    ) != int(value[11]):
        return "ИНН: неверное контрольное число."
    return None


def ogrn_error(value: str) -> str | None:
    """OGRN (13 digits) or OGRNIP (15 digits)."""
    if not value.isdigit() or len(value) not in (13, 15):
        return "ОГРН: должно быть 13 цифр (ОГРН) или 15 цифр (ОГРНИП)."
    if len(value) == 13 and int(value[:12]) % 11 % 10 != int(value[12]):
        return "ОГРН: неверное контрольное число."
    if len(value) == 15 and int(value[:14]) % 13 % 10 != int(value[14]):
        return "ОГРНИП: неверное контрольное число."
    return None


def kpp_error(value: str) -> str | None:
    if not KPP_RE.match(value):
        return "КПП: 9 символов — 4 цифры, 2 цифры или заглавные латинские буквы, 3 цифры."
    return None


def inn_with_check_digits(prefix: str) -> str:
    """Complete a 9-digit (legal entity) or 10-digit (individual) prefix into a valid INN."""
    if len(prefix) == 9:
        return prefix + str(_check_digit(prefix, _INN10_WEIGHTS))
    if len(prefix) == 10:
        eleven = prefix + str(_check_digit(prefix, _INN12_WEIGHTS_11))
        return eleven + str(_check_digit(eleven, _INN12_WEIGHTS_12))
    raise ValueError("prefix must have 9 or 10 digits")


def ogrn_with_check_digit(prefix: str) -> str:
    """Complete a 12-digit (OGRN) or 14-digit (OGRNIP) prefix."""
    if len(prefix) == 12:
        return prefix + str(int(prefix) % 11 % 10)
    if len(prefix) == 14:
        return prefix + str(int(prefix) % 13 % 10)
    raise ValueError("prefix must have 12 or 14 digits")


# Registration certificates of medical devices: «РЗН 2024/23835», «ФСР 2009/05719», «ФСЗ 2010/07753».
# Checked loosely: letters, a space, a year, a slash, a number.
REGISTRATION_NUMBER_RE = re.compile(r"^[A-ZА-ЯЁ]{2,6} (?:19|20)\d{2}/\d{1,7}$")


def registration_number_normalize(value: str) -> str:
    """Upper case, single spaces, no spaces around the slash."""
    value = " ".join(value.split()).upper()
    return re.sub(r"\s*/\s*", "/", value)


def registration_number_error(value: str) -> str | None:
    if not REGISTRATION_NUMBER_RE.match(registration_number_normalize(value)):
        return (
            "Регистрационное удостоверение: ожидается вид «РЗН 2024/23835» — буквы, пробел, "
            "год и номер через косую черту."
        )
    return None


OKVED_RE = re.compile(r"^\d{2}(?:\.\d{1,2}(?:\.\d{1,2})?)?$")


def okved_error(value: str) -> str | None:
    if not OKVED_RE.match(value):
        return f"ОКВЭД2: код «{value}» не похож на код ОКВЭД2 (например, 32.50 или 26.60)."
    return None
