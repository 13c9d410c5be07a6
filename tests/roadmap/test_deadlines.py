"""Every kind of deadline the roadmap documents use, with the year taken from the period."""

import datetime as dt

import pytest

from tenants.roadmap.deadlines import DeadlineKind as K
from tenants.roadmap.deadlines import parse_deadline

D = dt.date
Y2018 = {"period_start": D(2018, 1, 1), "period_end": D(2018, 12, 31)}
# The seed 000 roadmap: approved in February 2017, valid until 1 October 2017.
FEB_TO_OCT_2017 = {"period_start": D(2017, 2, 16), "period_end": D(2017, 10, 1)}
SEASON_2018_19 = {"period_start": D(2018, 10, 1), "period_end": D(2019, 9, 30)}


@pytest.mark.parametrize(
    ("text", "period", "kind", "start", "end"),
    [
        ("2 октября 2018 г.", Y2018, K.DATE, None, D(2018, 10, 2)),
        ("13 августа 2018", Y2018, K.DATE, None, D(2018, 8, 13)),
        ("10.12.18", Y2018, K.DATE, None, D(2018, 12, 10)),
        ("10.12.2018г.", Y2018, K.DATE, None, D(2018, 12, 10)),
        ("до 08 июля 2018 г.", Y2018, K.UNTIL, None, D(2018, 7, 8)),
        ("До 08 июля 2018 г.", Y2018, K.UNTIL, None, D(2018, 7, 8)),
        ("декабрь 2018 г.", Y2018, K.MONTH, D(2018, 12, 1), D(2018, 12, 31)),
        ("Апрель 2018г.", Y2018, K.MONTH, D(2018, 4, 1), D(2018, 4, 30)),
        ("Октябрь 2018", Y2018, K.MONTH, D(2018, 10, 1), D(2018, 10, 31)),
        ("II квартал 2019 г.", Y2018, K.QUARTER, D(2019, 4, 1), D(2019, 6, 30)),
        ("IV кв. 2018", Y2018, K.QUARTER, D(2018, 10, 1), D(2018, 12, 31)),
        ("март–апрель 2019 г.", Y2018, K.RANGE, D(2019, 3, 1), D(2019, 4, 30)),
        ("март - апрель 2019", Y2018, K.RANGE, D(2019, 3, 1), D(2019, 4, 30)),
        ("с марта 2018 г.", Y2018, K.START, D(2018, 3, 1), D(2018, 12, 31)),
        ("Ежеквартально", Y2018, K.RECURRING, None, None),
        ("В течение года", Y2018, K.WHOLE_PERIOD, D(2018, 1, 1), D(2018, 12, 31)),
        ("В течение года, заявка – март 2018г.", Y2018, K.WHOLE_PERIOD, D(2018, 1, 1), D(2018, 12, 31)),
        ("По отдельному плану", Y2018, K.SEPARATE_PLAN, None, None),
        ("–", Y2018, K.NONE, None, None),
        ("", Y2018, K.NONE, None, None),
        ("когда-нибудь", Y2018, K.UNPARSED, None, None),
        # No year in the text: the roadmap's period supplies it.
        ("2 октября", Y2018, K.DATE, None, D(2018, 10, 2)),
        ("декабрь", FEB_TO_OCT_2017, K.MONTH, D(2017, 12, 1), D(2017, 12, 31)),
        ("март", SEASON_2018_19, K.MONTH, D(2019, 3, 1), D(2019, 3, 31)),
        ("ноябрь", SEASON_2018_19, K.MONTH, D(2018, 11, 1), D(2018, 11, 30)),
        ("с мая", FEB_TO_OCT_2017, K.START, D(2017, 5, 1), D(2017, 10, 1)),
    ],
)
def test_deadline_kinds(
    text: str, period: dict[str, dt.date], kind: str, start: dt.date | None, end: dt.date | None
) -> None:
    deadline = parse_deadline(text, **period)
    assert (deadline.kind, deadline.start, deadline.end) == (kind, start, end)
    assert deadline.has_date == (end is not None)


def test_recurring_deadlines_say_how_often() -> None:
    assert parse_deadline("Ежеквартально", **Y2018).recurrence == "quarterly"
    assert parse_deadline("ежемесячно", **Y2018).recurrence == "monthly"
