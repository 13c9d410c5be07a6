"""Roubles as typed («1 234 567,89») ↔ kopecks as stored."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.ru.money import MAX_KOPECKS, AmountError, format_roubles, parse_roubles


@pytest.mark.parametrize(
    ("text", "kopecks"),
    [
        ("1 234 567,89", 123456789),
        ("1234567.89", 123456789),
        ("1\u00a0234\u00a0567,8", 123456780),
        ("15", 1500),
        ("0,05", 5),
        ("", 0),
        ("  ", 0),
        ("1 000 ₽", 100000),
    ],
)
def test_parse(text: str, kopecks: int) -> None:
    assert parse_roubles(text) == kopecks


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("-5", "negative"),
        ("1,234", "invalid"),
        ("abc", "invalid"),
        ("1,2,3", "invalid"),
        ("9" * 20, "too_big"),
    ],
)
def test_parse_refuses(text: str, code: str) -> None:
    with pytest.raises(AmountError) as error:
        parse_roubles(text)
    assert error.value.code == code


def test_format() -> None:
    assert format_roubles(123456789) == "1 234 567,89"
    assert format_roubles(5) == "0,05"
    assert format_roubles(0) == "0,00"
    assert format_roubles(None) == ""


@given(st.integers(min_value=0, max_value=MAX_KOPECKS))
def test_format_then_parse_round_trips(kopecks: int) -> None:
    assert parse_roubles(format_roubles(kopecks)) == kopecks
