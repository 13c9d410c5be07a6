"""The calendar's month grid: whole weeks Monday to Sunday, events on every day they span."""

from __future__ import annotations

import datetime as dt

from tenants.events.models import Event
from tenants.events.month import Month, month_grid


def test_month_parse_and_neighbours() -> None:
    today = dt.date(2031, 12, 15)
    assert Month.parse("2031-12", default=today) == Month(2031, 12)
    assert Month.parse("", default=today) == Month(2031, 12)
    assert Month.parse("2031-13", default=today) == Month(2031, 12)
    assert Month.parse("9999-12", default=today) == Month(2031, 12)
    assert Month.parse("x-y", default=today) == Month(2031, 12)
    assert (str(Month(2031, 12).next), str(Month(2031, 1).previous)) == ("2032-01", "2030-12")


def test_grid_covers_whole_weeks_and_marks_today() -> None:
    weeks = month_grid(Month(2029, 10), [], today=dt.date(2029, 10, 31))  # 1 October 2029 is a Monday
    assert weeks[0][0].date == dt.date(2029, 10, 1) and weeks[-1][-1].date == dt.date(2029, 11, 4)
    assert all(len(week) == 7 for week in weeks) and len(weeks) == 5
    today = [day for week in weeks for day in week if day.is_today]
    assert [d.date for d in today] == [dt.date(2029, 10, 31)]
    assert not weeks[-1][-1].in_month and weeks[0][0].in_month


def test_events_appear_on_each_day_they_span_clipped_to_the_grid() -> None:
    long = Event(pk=1, title="Длинная выставка", starts_on=dt.date(2031, 1, 20), ends_on=dt.date(2031, 3, 10))
    short = Event(pk=2, title="Однодневная", starts_on=dt.date(2031, 2, 14), ends_on=dt.date(2031, 2, 14))
    weeks = month_grid(Month(2031, 2), [long, short], today=dt.date(2000, 1, 1))
    days = [day for week in weeks for day in week]
    assert all(long in day.events for day in days)  # spans the whole grid
    assert [d.date for d in days if short in d.events] == [dt.date(2031, 2, 14)]
