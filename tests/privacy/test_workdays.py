"""The production calendar: working days and the 10-working-day answer deadline."""

from __future__ import annotations

import datetime as dt

from core.ru.workdays import add_working_days, is_working_day, working_days_in_year
from tenants.privacy.services import request_deadline


def test_each_year_of_the_table_has_247_working_days() -> None:
    assert [working_days_in_year(y) for y in (2025, 2026, 2027)] == [247, 247, 247]


def test_deadline_skips_the_new_year_holidays() -> None:
    # Received Tuesday 29.12.2026: 30.12 counts, 31.12 and 1–10.01 are off (31.12 moved from 4.01,
    # 9.01 from 3.01), so the tenth working day is 21.01.2027, not 12.01 as plain weekdays give.
    assert request_deadline(dt.date(2026, 12, 29)) == dt.date(2027, 1, 21)


def test_deadline_skips_may_holidays_and_counts_a_working_saturday() -> None:
    assert request_deadline(dt.date(2025, 4, 28)) == dt.date(2025, 5, 16)  # 1–4 and 8–11 May off
    assert is_working_day(dt.date(2025, 11, 1))  # a Saturday worked for Monday 3.11
    assert not is_working_day(dt.date(2025, 11, 3))
    assert add_working_days(dt.date(2025, 10, 30), 2) == dt.date(2025, 11, 1)


def test_a_request_received_before_the_2026_holidays() -> None:
    # 30.12.2025: 31.12 (moved from 5.01) and 1–11.01 are off; plain weekdays would give 13.01.
    assert request_deadline(dt.date(2025, 12, 30)) == dt.date(2026, 1, 23)
