"""Fee periods (a year «2025» or a quarter «2025-Q2»), due dates and proration. Pure functions.

All dates are the cluster's local calendar dates: callers turn moments into dates with the
cluster's time zone before asking anything here.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError

YEAR = "year"
QUARTER = "quarter"
ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
_KEY = re.compile(r"^(\d{4})(?:-?[QqКк]([1-4]))?$")
MIN_YEAR, MAX_YEAR = 2000, 2100


@dataclass(frozen=True)
class Period:
    kind: str
    key: str  # "2025" or "2025-Q2"
    start: dt.date
    end: dt.date

    @property
    def label(self) -> str:
        """As written on an invoice: «2025 год», «II квартал 2025 года»."""
        if self.kind == YEAR:
            return f"{self.start.year} год"
        return f"{ROMAN[(self.start.month - 1) // 3 + 1]} квартал {self.start.year} года"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def months(self) -> int:
        return 12 if self.kind == YEAR else 3

    def previous(self) -> Period:
        return period_containing(self.kind, self.start - dt.timedelta(days=1))

    def next(self) -> Period:
        return period_containing(self.kind, self.end + dt.timedelta(days=1))


def _quarter(year: int, quarter: int) -> Period:
    start = dt.date(year, 3 * (quarter - 1) + 1, 1)
    end_month = start.month + 2
    end = dt.date(year, end_month, calendar.monthrange(year, end_month)[1])
    return Period(QUARTER, f"{year}-Q{quarter}", start, end)


def period_containing(kind: str, day: dt.date) -> Period:
    if kind == YEAR:
        return Period(YEAR, str(day.year), dt.date(day.year, 1, 1), dt.date(day.year, 12, 31))
    return _quarter(day.year, (day.month - 1) // 3 + 1)


def parse_period(kind: str, key: str) -> Period:
    """«2025» for a yearly schedule; «2025-Q2» (or «2025Q2», «2025-К2») for a quarterly one."""
    match = _KEY.match((key or "").strip())
    if not match:
        raise ValidationError(
            {"period": "Укажите период: год (например, 2025) или квартал (например, 2025-Q2)."}
        )
    year, quarter = int(match.group(1)), match.group(2)
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationError({"period": f"Год должен быть от {MIN_YEAR} до {MAX_YEAR}."})
    if kind == YEAR:
        if quarter:
            raise ValidationError(
                {"period": "Положение устанавливает годовой взнос: укажите год, например 2025."}
            )
        return period_containing(YEAR, dt.date(year, 1, 1))
    if not quarter:
        raise ValidationError(
            {"period": "Положение устанавливает квартальный взнос: укажите квартал, например 2025-Q2."}
        )
    return _quarter(year, int(quarter))


def clamp_day(year: int, month: int, day: int) -> dt.date:
    return dt.date(year, month, min(day, calendar.monthrange(year, month)[1]))


def due_date(period: Period, *, due_month: int, due_day: int) -> dt.date:
    """The day `due_day` of month `due_month` of the period (1: its first month), clamped to the
    month's length and to the period."""
    month_index = min(max(due_month, 1), period.months) - 1
    month = period.start.month + month_index
    return clamp_day(period.start.year, month, due_day)


def overdue_from(due: dt.date, *, grace_days: int) -> dt.date:
    """The first local day on which an unpaid invoice is overdue."""
    return due + dt.timedelta(days=grace_days + 1)


def _months_between(start: dt.date, end: dt.date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month + 1


def prorate(amount: int, period: Period, *, since: dt.date, mode: str) -> int:
    """The share of `amount` for membership from `since` to the period's end (kopecks, rounded
    half up). mode: "none" (full amount), "monthly" (months from the admission month, inclusive)
    or "daily" (days from the admission day, inclusive)."""
    if mode == "none" or since <= period.start:
        return amount
    if since > period.end:
        return 0
    if mode == "monthly":
        share, whole = _months_between(since, period.end), period.months
    else:
        share, whole = (period.end - since).days + 1, period.days
    return (amount * share * 2 + whole) // (whole * 2)
