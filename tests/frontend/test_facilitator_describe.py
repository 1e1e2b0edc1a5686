"""Schedules in words, as the schedule form and the group page say them."""

from datetime import date, time

import pytest

from frontend.words import recurrence_describe
from sessions_app.recurrence import recurrence_parse

FIRST = date(2030, 1, 7)


@pytest.mark.parametrize(
    ("recurrence", "sentence"),
    [
        (None, "Once, on Monday, January 7, 2030 at 7:00 PM"),
        ({"frequency": "weekly", "byweekday": ["MO"]}, "Every week on Monday at 7:00 PM"),
        (
            {"frequency": "weekly", "interval": 2, "byweekday": ["TU"], "until": "2030-06-30"},
            "Every 2 weeks on Tuesday at 7:00 PM, until June 30",
        ),
        (
            {"frequency": "weekly", "byweekday": ["MO", "TH"], "count": 10},
            "Every week on Monday and Thursday at 7:00 PM, 10 sessions in all",
        ),
        (
            {"frequency": "monthly", "byweekday": ["MO"], "bysetpos": 1},
            "Every month on the first Monday at 7:00 PM",
        ),
        (
            {"frequency": "monthly", "byweekday": ["FR"], "bysetpos": -1},
            "Every month on the last Friday at 7:00 PM",
        ),
        ({"frequency": "monthly"}, "Every month on day 7 at 7:00 PM"),
        ({"frequency": "daily", "interval": 3}, "Every 3 days at 7:00 PM"),
    ],
)
def test_recurrence_describe(recurrence, sentence):
    parsed = recurrence_parse(recurrence, first_date=FIRST)
    text = recurrence_describe(
        parsed, first_date=FIRST, start_time=time(19, 0), today=date(2030, 1, 1)
    )
    assert text == sentence


def test_until_in_another_year_names_the_year():
    parsed = recurrence_parse(
        {"frequency": "weekly", "byweekday": ["MO"], "until": "2031-02-03"}, first_date=FIRST
    )
    text = recurrence_describe(
        parsed, first_date=FIRST, start_time=time(9, 30), today=date(2030, 1, 1)
    )
    assert text == "Every week on Monday at 9:30 AM, until February 3, 2031"
