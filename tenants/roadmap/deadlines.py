"""Deadlines of roadmap items as people write them («до 08 июля 2018 г.», «II квартал 2019 г.»).

parse_deadline() keeps nothing but the parsed form: the caller keeps the original text.
A missing year is taken from the roadmap's period (the year of its start, or the year
of its end when the month falls past the start's year).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum


class DeadlineKind(StrEnum):
    DATE = "date"  # «2 октября 2018 г.», «10.12.18»
    UNTIL = "until"  # «до 08 июля 2018 г.»
    MONTH = "month"  # «декабрь 2018 г.»
    QUARTER = "quarter"  # «II квартал 2019 г.»
    RANGE = "range"  # «март–апрель 2019 г.»
    START = "start"  # «с марта 2018 г.»
    RECURRING = "recurring"  # «Ежеквартально»
    WHOLE_PERIOD = "whole_period"  # «В течение года»
    SEPARATE_PLAN = "separate_plan"  # «По отдельному плану»
    NONE = "none"  # «–» or empty
    UNPARSED = "unparsed"  # anything else: kept as text, flagged in the import preview


@dataclass(frozen=True)
class Deadline:
    kind: DeadlineKind
    start: dt.date | None = None
    end: dt.date | None = None  # the date by which the item is due, when there is one
    recurrence: str = ""  # "monthly" / "quarterly" / "yearly" for RECURRING

    @property
    def has_date(self) -> bool:
        return self.end is not None


MONTHS = {
    "январ": 1,
    "феврал": 2,
    "март": 3,
    "апрел": 4,
    "ма": 5,
    "июн": 6,
    "июл": 7,
    "август": 8,
    "сентябр": 9,
    "октябр": 10,
    "ноябр": 11,
    "декабр": 12,
}
# Longest stems first so that «мая»/«май»/«мае» do not shadow «марта».
_MONTH_STEMS = sorted(MONTHS, key=len, reverse=True)
_MONTH_RE = r"(январ[ьяе]|феврал[ьяе]|март[аеу]?|апрел[ьяе]|ма[йяе]|июн[ьяе]|июл[ьяе]|август[аеу]?|сентябр[ьяе]|октябр[ьяе]|ноябр[ьяе]|декабр[ьяе])"
_YEAR_RE = r"(?:\s*(\d{4}|\d{2})\s*(?:г\.?|года?)?)?"
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}


def _month(word: str) -> int:
    word = word.lower()
    for stem in _MONTH_STEMS:
        if word.startswith(stem):
            return MONTHS[stem]
    raise ValueError(word)


def _year(raw: str | None, default: int) -> int:
    if not raw:
        return default
    year = int(raw)
    return year + 2000 if year < 100 else year


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _normalize(text: str) -> str:
    text = text.replace("\u00a0", " ").replace("—", "–").replace("−", "–")
    return re.sub(r"\s+", " ", text).strip().strip(".").strip()


def parse_deadline(
    text: str, *, period_start: dt.date | None = None, period_end: dt.date | None = None
) -> Deadline:
    """Parse one deadline cell; the roadmap's period supplies a missing year."""
    raw = _normalize(text or "")
    low = raw.lower()
    default_year = (period_start or period_end or dt.datetime.now(tz=dt.UTC).date()).year
    if low in {"", "–", "-"}:
        return Deadline(DeadlineKind.NONE)
    if low.startswith("по отдельному плану"):
        return Deadline(DeadlineKind.SEPARATE_PLAN)
    if low.startswith("ежеквартальн"):
        return Deadline(DeadlineKind.RECURRING, recurrence="quarterly")
    if low.startswith("ежемесячн"):
        return Deadline(DeadlineKind.RECURRING, recurrence="monthly")
    if low.startswith("ежегодн"):
        return Deadline(DeadlineKind.RECURRING, recurrence="yearly")
    if low.startswith(("в течение года", "в течение всего периода", "постоянно")):
        return Deadline(DeadlineKind.WHOLE_PERIOD, start=period_start, end=period_end)

    # «10.12.18», «10.12.2018»
    m = re.fullmatch(r"(до\s+)?(\d{1,2})\.(\d{1,2})\.(\d{2}|\d{4})(?:\s*г\.?)?", low)
    if m:
        day = dt.date(_year(m.group(4), default_year), int(m.group(3)), int(m.group(2)))
        return Deadline(DeadlineKind.UNTIL if m.group(1) else DeadlineKind.DATE, end=day)
    # «2 октября 2018 г.», «до 08 июля 2018 г.»
    m = re.fullmatch(rf"(до\s+)?(\d{{1,2}})\s+{_MONTH_RE}{_YEAR_RE}", low)
    if m:
        day = dt.date(_year(m.group(4), default_year), _month(m.group(3)), int(m.group(2)))
        return Deadline(DeadlineKind.UNTIL if m.group(1) else DeadlineKind.DATE, end=day)
    # «с марта 2018 г.»
    m = re.fullmatch(rf"с\s+{_MONTH_RE}{_YEAR_RE}", low)
    if m:
        year = _year(m.group(2), default_year)
        return Deadline(DeadlineKind.START, start=dt.date(year, _month(m.group(1)), 1), end=period_end)
    # «март–апрель 2019 г.», «март - апрель 2019»
    m = re.fullmatch(rf"{_MONTH_RE}\s*[–-]\s*{_MONTH_RE}{_YEAR_RE}", low)
    if m:
        year = _year(m.group(3), default_year)
        first, last = _month(m.group(1)), _month(m.group(2))
        return Deadline(DeadlineKind.RANGE, start=dt.date(year, first, 1), end=_month_end(year, last))
    # «II квартал 2019 г.»
    m = re.fullmatch(rf"(i{{1,3}}|iv|[1-4])\s*(?:-?й\s*)?кв(?:артал|\.)?{_YEAR_RE}", low)
    if m:
        year, quarter = _year(m.group(2), default_year), _ROMAN[m.group(1)]
        first = 3 * (quarter - 1) + 1
        return Deadline(DeadlineKind.QUARTER, start=dt.date(year, first, 1), end=_month_end(year, first + 2))
    # «декабрь 2018 г.», «до марта 2019»
    m = re.fullmatch(rf"(до\s+)?{_MONTH_RE}{_YEAR_RE}", low)
    if m:
        month = _month(m.group(2))
        year = _year(m.group(3), default_year)
        if not m.group(3) and period_start and period_end and month < period_start.month:
            year = period_end.year
        kind = DeadlineKind.UNTIL if m.group(1) else DeadlineKind.MONTH
        return Deadline(
            kind, start=None if m.group(1) else dt.date(year, month, 1), end=_month_end(year, month)
        )
    # «В течение года, заявка – март 2018г.»: a whole-period item with a note
    if low.startswith("в течение"):
        return Deadline(DeadlineKind.WHOLE_PERIOD, start=period_start, end=period_end)
    return Deadline(DeadlineKind.UNPARSED)
