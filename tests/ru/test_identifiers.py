"""INN, OGRN, KPP and registration numbers: check digits, lengths, formats, Russian messages."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.ru.identifiers import (
    inn_error,
    inn_with_check_digits,
    kpp_error,
    ogrn_error,
    ogrn_with_check_digit,
    okved_error,
    registration_number_error,
    registration_number_normalize,
)

digits = st.text(alphabet="0123456789", min_size=1, max_size=1)


def _prefix(size: int) -> st.SearchStrategy[str]:
    return st.text(alphabet="0123456789", min_size=size, max_size=size)


def _changed(value: str, position: int, digit: str) -> str:
    return value[:position] + digit + value[position + 1 :]


@given(_prefix(9))
def test_inn_of_a_legal_entity_built_with_its_check_digit_passes(prefix: str) -> None:
    assert inn_error(inn_with_check_digits(prefix)) is None


@given(_prefix(10))
def test_inn_of_an_individual_built_with_its_check_digits_passes(prefix: str) -> None:
    assert inn_error(inn_with_check_digits(prefix)) is None


@given(_prefix(12))
def test_ogrn_built_with_its_check_digit_passes(prefix: str) -> None:
    assert ogrn_error(ogrn_with_check_digit(prefix)) is None


@given(_prefix(14))
def test_ogrnip_built_with_its_check_digit_passes(prefix: str) -> None:
    assert ogrn_error(ogrn_with_check_digit(prefix)) is None


W10 = (2, 4, 10, 3, 5, 9, 4, 6, 8)
W11 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
W12 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)


def _remainders(value: str) -> list[tuple[int, int]]:
    """(weighted sum mod 11, the digit it guards) for each check digit, after DOMAIN.md."""
    if len(value) == 10:
        return [(sum(w * int(d) for w, d in zip(W10, value, strict=False)) % 11, int(value[9]))]
    return [
        (sum(w * int(d) for w, d in zip(W11, value, strict=False)) % 11, int(value[10])),
        (sum(w * int(d) for w, d in zip(W12, value, strict=False)) % 11, int(value[11])),
    ]


@settings(max_examples=500)
@given(st.one_of(_prefix(9), _prefix(10)), st.data())
def test_any_single_digit_change_of_a_valid_inn_fails(prefix: str, data: st.DataObject) -> None:
    """A change of one digit always moves a weighted remainder (the weights are prime to 11), so
    it fails, except where the remainder moves between 10 and 0: «mod 11 mod 10» makes both
    the check digit 0 — a known weakness of the official algorithm, checked here exactly."""
    valid = inn_with_check_digits(prefix)
    position = data.draw(st.integers(min_value=0, max_value=len(valid) - 1), label="position")
    digit = data.draw(st.sampled_from([d for d in "0123456789" if d != valid[position]]), label="digit")
    changed = _changed(valid, position, digit)
    wraps = all(remainder % 10 == guarded for remainder, guarded in _remainders(changed))
    if wraps:
        assert position < len(valid) - (1 if len(valid) == 10 else 2)  # never a changed check digit
        assert inn_error(changed) is None
    else:
        assert inn_error(changed) == "ИНН: неверное контрольное число."


@given(st.one_of(_prefix(9), _prefix(10)), st.data())
def test_a_changed_check_digit_of_a_valid_inn_always_fails(prefix: str, data: st.DataObject) -> None:
    valid = inn_with_check_digits(prefix)
    position = len(valid) - 1 - data.draw(st.integers(min_value=0, max_value=0 if len(valid) == 10 else 1))
    digit = data.draw(st.sampled_from([d for d in "0123456789" if d != valid[position]]))
    assert inn_error(_changed(valid, position, digit)) == "ИНН: неверное контрольное число."


def test_single_digit_changes_that_stay_valid_are_rare() -> None:
    """Over many INNs, fewer than 3% of single-digit changes slip through (the 10 ↔ 0 wrap)."""
    import random

    rng = random.Random(20240315)
    slipped = total = 0
    for _ in range(2000):
        valid = inn_with_check_digits("".join(rng.choice("0123456789") for _ in range(9)))
        for position in range(10):
            for digit in "0123456789":
                if digit != valid[position]:
                    total += 1
                    slipped += inn_error(_changed(valid, position, digit)) is None
    assert 0 < slipped / total < 0.03


@settings(max_examples=300)
@given(st.one_of(_prefix(12), _prefix(14)), st.data())
def test_a_change_of_the_control_digit_of_a_valid_ogrn_fails(prefix: str, data: st.DataObject) -> None:
    valid = ogrn_with_check_digit(prefix)
    digit = data.draw(st.sampled_from([d for d in "0123456789" if d != valid[-1]]), label="digit")
    message = ogrn_error(_changed(valid, len(valid) - 1, digit))
    assert message in {"ОГРН: неверное контрольное число.", "ОГРНИП: неверное контрольное число."}


@settings(max_examples=300)
@given(st.one_of(_prefix(12), _prefix(14)), st.data())
def test_any_single_digit_change_of_a_valid_ogrn_fails_unless_the_remainder_repeats(
    prefix: str, data: st.DataObject
) -> None:
    """The OGRN check digit is (number mod 11 or 13) mod 10: a change of one digit alters the
    remainder (10^k is never divisible by 11 or 13), and the result fails unless the new
    remainder ends with the same digit (10 vs 0, 11 vs 1, 12 vs 2) — which we rule out here."""
    valid = ogrn_with_check_digit(prefix)
    modulus = 11 if len(valid) == 13 else 13
    position = data.draw(st.integers(min_value=0, max_value=len(valid) - 2), label="position")
    digit = data.draw(st.sampled_from([d for d in "0123456789" if d != valid[position]]), label="digit")
    changed = _changed(valid, position, digit)
    body = int(changed[:-1])
    if body % modulus % 10 == int(valid[-1]):  # a genuinely valid number (remainder 10/11/12 wraps)
        assert ogrn_error(changed) is None
    else:
        assert ogrn_error(changed) is not None


@given(st.text(alphabet="0123456789", min_size=0, max_size=20).filter(lambda s: len(s) not in (10, 12)))
def test_inn_of_a_wrong_length_fails(value: str) -> None:
    assert inn_error(value) == "ИНН: должно быть 10 цифр (организация) или 12 цифр (ИП, физическое лицо)."


@given(st.text(alphabet="0123456789", min_size=0, max_size=20).filter(lambda s: len(s) not in (13, 15)))
def test_ogrn_of_a_wrong_length_fails(value: str) -> None:
    assert ogrn_error(value) == "ОГРН: должно быть 13 цифр (ОГРН) или 15 цифр (ОГРНИП)."


@given(st.from_regex(r"\A[0-9]{4}[0-9A-Z]{2}[0-9]{3}\Z"))
def test_kpp_of_the_right_format_passes(value: str) -> None:
    assert kpp_error(value) is None


@given(
    st.text(min_size=0, max_size=12).filter(
        lambda s: (
            not (
                len(s) == 9
                and s[:4].isascii()
                and s[:4].isdigit()
                and s[6:].isascii()
                and s[6:].isdigit()
                and all(c.isascii() and (c.isdigit() or c.isupper()) for c in s[4:6])
            )
        )
    )
)
def test_kpp_of_another_format_fails(value: str) -> None:
    assert kpp_error(value) == "КПП: 9 символов — 4 цифры, 2 цифры или заглавные латинские буквы, 3 цифры."


@pytest.mark.parametrize("value", ["77070838931", "770708389", "77070838939a", "abcdefghij", ""])
def test_inn_messages_name_the_field(value: str) -> None:
    assert (inn_error(value) or "").startswith("ИНН: ")


def test_known_real_identifiers() -> None:
    assert inn_error("7707083893") is None  # Сбербанк
    assert ogrn_error("1027700132195") is None
    assert kpp_error("773601001") is None
    assert kpp_error("7736AB001") is None
    assert kpp_error("7736ab001") is not None


@pytest.mark.parametrize(
    "value", ["РЗН 2024/23835", "ФСР 2009/05719", "ФСЗ 2010/07753", "рзн 2013/1234", "РЗН  2024 / 23835"]
)
def test_registration_numbers_in_observed_forms_pass(value: str) -> None:
    assert registration_number_error(value) is None


def test_registration_numbers_are_normalized() -> None:
    assert registration_number_normalize(" рзн  2024 / 23835 ") == "РЗН 2024/23835"


@pytest.mark.parametrize(
    "value",
    [
        "asdf",
        "123",
        "РЗН",
        "РЗН2024/23835",
        "РЗН 24/23835",
        "РЗН 2024-23835",
        "2024/23835",
        "РЗН 2024/",
        "!!! 2024/1",
    ],
)
def test_obvious_junk_is_not_a_registration_number(value: str) -> None:
    assert registration_number_error(value) == (
        "Регистрационное удостоверение: ожидается вид «РЗН 2024/23835» — "
        "буквы, пробел, год и номер через косую черту."
    )


@pytest.mark.parametrize(
    ("value", "ok"),
    [("32.50", True), ("26.60", True), ("32", True), ("32.50.1", True), ("3250", False), ("ab.cd", False)],
)
def test_okved_codes(value: str, ok: bool) -> None:
    assert (okved_error(value) is None) is ok
