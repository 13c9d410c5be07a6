"""A month grid for the events calendar: weeks Monday to Sunday, each day with its events."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from .models import Event


@dataclass
class Day:
    date: dt.date
    in_month: bool
    is_today: bool
    events: list[Event] = field(default_factory=list)


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, value: str, *, default: dt.date) -> Month:
        """ "2025-03" → Month(2025, 3); anything else (or out of range) → the default's month."""
        try:
            year_text, month_text = value.split("-", 1)
            year, month = int(year_text), int(month_text)
        except ValueError:
            return cls(default.year, default.month)
        if not (1 <= month <= 12 and dt.MINYEAR < year < dt.MAXYEAR):
            return cls(default.year, default.month)
        return cls(year, month)

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def last_day(self) -> dt.date:
        return dt.date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    @property
    def previous(self) -> Month:
        return Month(self.year - 1, 12) if self.month == 1 else Month(self.year, self.month - 1)

    @property
    def next(self) -> Month:
        return Month(self.year + 1, 1) if self.month == 12 else Month(self.year, self.month + 1)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def grid_bounds(self) -> tuple[dt.date, dt.date]:
        """The Monday on or before the 1st and the Sunday on or after the last day."""
        start = self.first_day - dt.timedelta(days=self.first_day.weekday())
        end = self.last_day + dt.timedelta(days=6 - self.last_day.weekday())
        return start, end


def month_grid(month: Month, events: Iterable[Event], *, today: dt.date) -> list[list[Day]]:
    """Weeks of days; an event spanning several days appears on each of them."""
    start, end = month.grid_bounds()
    days: dict[dt.date, Day] = {}
    current = start
    while current <= end:
        days[current] = Day(date=current, in_month=current.month == month.month, is_today=current == today)
        current += dt.timedelta(days=1)
    for event in events:
        current = max(event.starts_on, start)
        last = min(event.ends_on, end)
        while current <= last:
            days[current].events.append(event)
            current += dt.timedelta(days=1)
    ordered = list(days.values())
    return [ordered[i : i + 7] for i in range(0, len(ordered), 7)]
