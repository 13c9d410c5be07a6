"""БИК, settlement and correspondent accounts (Bank of Russia control key), GOST payment QR text."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.ru.bank import (
    account_key_valid,
    account_with_key,
    bank_details_errors,
    bank_key_errors,
    bik_error,
    correspondent_account_error,
    gost_qr_payload,
    settlement_account_error,
)


def _digits(size: int) -> st.SearchStrategy[str]:
    return st.text(alphabet="0123456789", min_size=size, max_size=size)


def _key_sum(prefix: str, account: str) -> int:
    """DOMAIN.md, written out once more: weights 7, 1, 3 …; add the last digits of the products."""
    weights = [7, 1, 3] * 8
    return sum(w * int(d) % 10 for w, d in zip(weights, prefix + account, strict=False))


# Published pairs of real banks (БИК, correspondent account) — public reference data.
REAL_BANKS = [
    ("044525225", "30101810400000000225"),  # Сбербанк, Москва
    ("044525187", "30101810700000000187"),  # ВТБ
    ("044525593", "30101810200000000593"),  # Альфа-Банк
    ("044525974", "30101810145250000974"),  # Т-Банк
    ("045004641", "30101810500000000641"),  # Сибирский банк Сбербанка, Новосибирск
]


@pytest.mark.parametrize(("bik", "correspondent"), REAL_BANKS)
def test_published_correspondent_accounts_of_real_banks_pass(bik: str, correspondent: str) -> None:
    assert correspondent_account_error(correspondent, bik=bik) is None
    assert account_key_valid(correspondent, bik=bik, correspondent=True)


@pytest.mark.parametrize(("bik", "correspondent"), REAL_BANKS)
def test_a_correspondent_account_is_not_keyed_like_a_settlement_account(bik: str, correspondent: str) -> None:
    # Keyed with «0» + digits 5–6 of the БИК, not with its last three digits: these differ here.
    assert not account_key_valid(correspondent, bik=bik)


@given(_digits(9), _digits(20))
def test_an_account_built_with_its_key_passes_and_sums_to_a_multiple_of_ten(bik: str, raw: str) -> None:
    settlement = account_with_key(raw, bik=bik)
    correspondent = account_with_key(raw, bik=bik, correspondent=True)
    assert account_key_valid(settlement, bik=bik) and account_key_valid(
        correspondent, bik=bik, correspondent=True
    )
    assert _key_sum(bik[-3:], settlement) % 10 == 0
    assert _key_sum("0" + bik[4:6], correspondent) % 10 == 0
    assert settlement[:8] == raw[:8] and settlement[9:] == raw[9:]


@given(_digits(9), _digits(20), st.integers(0, 19), st.integers(1, 9))
def test_any_single_wrong_digit_of_the_account_is_caught(
    bik: str, raw: str, position: int, shift: int
) -> None:
    account = account_with_key(raw, bik=bik)
    wrong = account[:position] + str((int(account[position]) + shift) % 10) + account[position + 1 :]
    assert not account_key_valid(wrong, bik=bik)


@given(_digits(9), _digits(20), st.integers(6, 8), st.integers(1, 9))
def test_a_wrong_bik_digit_that_keys_the_account_is_caught(
    bik: str, raw: str, position: int, shift: int
) -> None:
    account = account_with_key(raw, bik=bik)
    other = bik[:position] + str((int(bik[position]) + shift) % 10) + bik[position + 1 :]
    assert not account_key_valid(account, bik=other)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("044525225", None),
        ("04452522", "БИК: ровно 9 цифр."),
        ("0445252250", "БИК: ровно 9 цифр."),
        ("04452522A", "БИК: ровно 9 цифр."),
        ("０４４５２５２２５", "БИК: ровно 9 цифр."),  # full-width digits are not ASCII digits
        ("", "БИК: ровно 9 цифр."),
    ],
)
def test_bik_is_nine_digits(value: str, expected: str | None) -> None:
    assert bik_error(value) == expected


def test_settlement_account_messages_name_the_field() -> None:
    bik = "044525225"
    good = account_with_key("40702810000000012345", bik=bik)
    assert settlement_account_error(good, bik=bik) is None
    assert settlement_account_error("4070281", bik=bik) == "Расчётный счёт: ровно 20 цифр."
    wrong_key = good[:8] + str((int(good[8]) + 1) % 10) + good[9:]
    assert settlement_account_error(wrong_key, bik=bik) == (
        "Расчётный счёт: неверный контрольный ключ — проверьте номер счёта и БИК банка."
    )
    dollars = account_with_key("40702840000000012345", bik=bik)
    message = settlement_account_error(dollars, bik=bik)
    assert message is not None and message.startswith("Расчётный счёт:") and "840" in message
    treasury = account_with_key("03100643000000012345", bik=bik)
    assert settlement_account_error(treasury, bik=bik) is None


def test_correspondent_account_messages_name_the_field() -> None:
    assert (
        correspondent_account_error("301018104", bik="044525225") == "Корреспондентский счёт: ровно 20 цифр."
    )
    assert correspondent_account_error("30101810500000000225", bik="044525225") == (
        "Корреспондентский счёт: неверный контрольный ключ — проверьте номер счёта и БИК банка."
    )


def test_bank_details_errors_report_each_field_and_skip_keys_without_a_bik() -> None:
    assert (
        bank_details_errors(
            bik="044525225",
            account=account_with_key("40703810000000000001", bik="044525225"),
            correspondent_account="30101810400000000225",
        )
        == {}
    )
    errors = bank_details_errors(
        bik="12",
        account=account_with_key("40703810000000000001", bik="044525225"),
        correspondent_account="301",
    )
    # A broken БИК cannot key the accounts: only the format errors are reported.
    assert errors == {
        "bik": "БИК: ровно 9 цифр.",
        "correspondent_account": "Корреспондентский счёт: ровно 20 цифр.",
    }
    errors = bank_details_errors(
        bik="044515226",
        account=account_with_key("40703810000000000001", bik="044525225"),
        correspondent_account="30101810400000000225",
    )
    assert set(errors) == {"account", "correspondent_account"}


def test_account_with_key_refuses_malformed_input() -> None:
    with pytest.raises(ValueError, match="20 digits"):
        account_with_key("123", bik="044525225")


def test_gost_payload_keeps_order_drops_empty_and_strips_the_separator() -> None:
    payload = gost_qr_payload(
        [
            ("Name", "АНО «Развитие | кластера»"),
            ("PersonalAcc", "40703810900000000001"),
            ("BankName", "ПАО\nБанк"),
            ("BIC", "044525225"),
            ("CorrespAcc", "30101810400000000225"),
            ("PayeeINN", "7700000000"),
            ("KPP", ""),
            ("Sum", 1500000),
            ("Purpose", "Членский взнос по счёту № 2026-0001"),
        ]
    )
    assert payload == (
        "ST00012|Name=АНО «Развитие / кластера»|PersonalAcc=40703810900000000001|BankName=ПАО Банк|"
        "BIC=044525225|CorrespAcc=30101810400000000225|PayeeINN=7700000000|Sum=1500000|"
        "Purpose=Членский взнос по счёту № 2026-0001"
    )
    assert payload.count("|") == 8


def test_gost_payload_requires_the_five_mandatory_keys_first() -> None:
    with pytest.raises(ValueError, match="Name, PersonalAcc"):
        gost_qr_payload(
            [
                ("Name", "АНО"),
                ("PersonalAcc", ""),
                ("BankName", "Банк"),
                ("BIC", "044525225"),
                ("CorrespAcc", "30101810400000000225"),
            ]
        )
    with pytest.raises(ValueError, match="Name, PersonalAcc"):
        gost_qr_payload([("PersonalAcc", "1"), ("Name", "АНО")])


def test_bank_key_errors_leave_the_format_errors_to_the_field_validators() -> None:
    bik = "044525225"
    wrong_key = "40703810000000000001"
    assert not account_key_valid(wrong_key, bik=bik)
    assert bank_key_errors(bik=bik, account=wrong_key, correspondent_account="301") == {
        "account": "Расчётный счёт: неверный контрольный ключ — проверьте номер счёта и БИК банка."
    }
    assert bank_key_errors(bik="1", account=wrong_key, correspondent_account="30101810500000000225") == {}
