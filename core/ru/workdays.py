"""Working days on the Russian production calendar (settings.RU_NON_WORKING_DAYS and
RU_EXTRA_WORKING_DAYS): Monday to Friday, minus holidays and moved days off, plus the Saturdays
a decree makes working. Years outside the table count weekends only."""

from __future__ import annotations

import datetime as dt
from functools import cache

from django.conf import settings


@cache
def _table(
    non_working: tuple[str, ...], extra: tuple[str, ...]
) -> tuple[frozenset[dt.date], frozenset[dt.date]]:
    return (
        frozenset(dt.date.fromisoformat(day) for day in non_working),
        frozenset(dt.date.fromisoformat(day) for day in extra),
    )


def is_working_day(day: dt.date) -> bool:
    non_working, extra = _table(
        tuple(getattr(settings, "RU_NON_WORKING_DAYS", ())),
        tuple(getattr(settings, "RU_EXTRA_WORKING_DAYS", ())),
    )
    if day in extra:
        return True
    return day.weekday() < 5 and day not in non_working


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The `days`-th working day after `start` (the day of receipt itself does not count)."""
    day, left = start, days
    while left > 0:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            left -= 1
    return day


def working_days_in_year(year: int) -> int:
    day, count = dt.date(year, 1, 1), 0
    while day.year == year:
        count += is_working_day(day)
        day += dt.timedelta(days=1)
    return count
