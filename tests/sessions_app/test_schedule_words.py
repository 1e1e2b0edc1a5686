"""Schedules in words: what the group page says about when a group meets."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import translation

from frontend.words import group_schedule_in_words, timezone_label
from sessions_app import services
from sessions_app.models import Schedule
from tests.factories import GroupFactory

pytestmark = pytest.mark.django_db

FUTURE = datetime.now(tz=UTC).date() + timedelta(days=30)


def _words(group, start_time, recurrence, *, first=FUTURE):
    services.schedule_create(
        group=group,
        start=f"{first.isoformat()}T{start_time}",
        duration_minutes=60,
        recurrence=recurrence,
    )
    return group_schedule_in_words(group=group)


@pytest.mark.parametrize(
    ("tz", "start_time", "recurrence", "expected"),
    [
        (
            "America/New_York",
            "19:00:00",
            {"frequency": "weekly", "byweekday": ["TU"]},
            "Tuesdays at 7:00 PM Eastern",
        ),
        (
            "America/Chicago",
            "10:00:00",
            {"frequency": "monthly", "byweekday": ["MO"], "bysetpos": 1},
            "The first Monday of each month at 10:00 AM Central",
        ),
        (
            "Europe/London",
            "17:00:00",
            {"frequency": "monthly", "byweekday": ["FR"], "bysetpos": -1},
            "The last Friday of each month at 5:00 PM UK time",
        ),
        (
            "Europe/Berlin",
            "18:30:00",
            {"frequency": "weekly", "interval": 2, "byweekday": ["TH"]},
            "Every other Thursday at 6:30 PM Central European",
        ),
        (
            "America/Los_Angeles",
            "07:30:00",
            {"frequency": "daily", "byweekday": ["MO", "TU", "WE", "TH", "FR"]},
            "Weekdays at 7:30 AM Pacific",
        ),
        (
            "America/Mexico_City",
            "20:00:00",
            {"frequency": "weekly", "byweekday": ["MO", "WE", "FR"]},
            "Mondays, Wednesdays and Fridays at 8:00 PM Mexico City time",
        ),
        (
            "America/New_York",
            "12:00:00",
            {"frequency": "daily"},
            "Every day at 12:00 PM Eastern",
        ),
        (
            "America/New_York",
            "09:15:00",
            {"frequency": "weekly", "interval": 3, "byweekday": ["SA"]},
            "Every 3 weeks on Saturday at 9:15 AM Eastern",
        ),
    ],
)
def test_series_in_words(tz, start_time, recurrence, expected):
    group = GroupFactory(timezone=tz)
    assert _words(group, start_time, recurrence) == [expected]


def test_weekly_without_weekday_uses_the_first_date():
    group = GroupFactory(timezone="America/New_York")
    first = FUTURE + timedelta(days=(1 - FUTURE.weekday()) % 7)  # a Tuesday
    assert _words(group, "19:00:00", {"frequency": "weekly"}, first=first) == [
        "Tuesdays at 7:00 PM Eastern"
    ]


def test_until_date_and_one_off():
    group = GroupFactory(timezone="America/New_York")
    until = FUTURE + timedelta(days=60)
    words = _words(
        group, "19:00:00", {"frequency": "weekly", "byweekday": ["TU"], "until": until.isoformat()}
    )
    assert words[0].startswith("Tuesdays at 7:00 PM Eastern, until ")
    assert str(until.year) in words[0]

    other = GroupFactory(timezone="America/New_York")
    once = _words(other, "18:00:00", None)
    assert once[0].startswith("Once, on ")
    assert once[0].endswith(" at 6:00 PM Eastern")


def test_ended_series_are_left_out():
    group = GroupFactory(timezone="America/New_York")
    _words(group, "19:00:00", {"frequency": "weekly", "byweekday": ["TU"]})
    services.schedule_end(schedule=Schedule.objects.get(group=group))
    assert group_schedule_in_words(group=group) == []


def test_spanish():
    group = GroupFactory(timezone="America/New_York")
    _words(group, "19:00:00", {"frequency": "weekly", "byweekday": ["TU"]})
    with translation.override("es"):
        assert group_schedule_in_words(group=group) == ["Los martes a las 19:00, hora del Este"]


def test_timezone_labels():
    assert timezone_label("America/New_York") == "Eastern"
    assert timezone_label("Asia/Kolkata") == "Kolkata time"
    assert timezone_label("America/Argentina/Buenos_Aires") == "Buenos Aires time"


def test_spanish_monthly_and_every_other_week():
    monthly = GroupFactory(timezone="America/Chicago")
    _words(monthly, "10:00:00", {"frequency": "monthly", "byweekday": ["MO"], "bysetpos": 1})
    fortnightly = GroupFactory(timezone="America/Mexico_City")
    _words(fortnightly, "20:00:00", {"frequency": "weekly", "interval": 2, "byweekday": ["WE"]})
    with translation.override("es"):
        assert group_schedule_in_words(group=monthly) == [
            "El primer lunes de cada mes a las 10:00, hora del Centro"
        ]
        assert group_schedule_in_words(group=fortnightly) == [
            "Un miércoles sí y otro no a las 20:00, hora del centro de México"
        ]
