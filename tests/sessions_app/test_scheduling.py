"""Series, materialisation, cancel / move, series end: DESIGN.md section 3."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sessions_app import services
from sessions_app.errors import StateConflict
from sessions_app.models import RSVP, Notice, Session
from tests.factories import GroupFactory, member, weekly_schedule

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def local_starts(schedule):
    tz = schedule.group.tz
    return [
        s.start.astimezone(tz) for s in Session.objects.filter(schedule=schedule).order_by("start")
    ]


def test_weekly_new_york_stays_at_19_local_across_both_dst_changes(frozen):
    group = GroupFactory(timezone="America/New_York")
    schedule = weekly_schedule(group, "2026-10-20T19:00:00", until="2027-03-31")
    services.sessions_materialize(schedule=schedule, horizon_days=200)
    starts = local_starts(schedule)
    assert {s.hour for s in starts} == {19} and {s.minute for s in starts} == {0}
    offsets = {s.date().isoformat(): s.utcoffset() for s in starts}
    assert offsets["2026-10-27"] == timedelta(hours=-4)  # before the November change
    assert offsets["2026-11-03"] == timedelta(hours=-5)  # after it
    assert offsets["2027-03-09"] == timedelta(hours=-5)  # before the March change
    assert offsets["2027-03-16"] == timedelta(hours=-4)  # after it
    assert starts[-1].date().isoformat() == "2027-03-30"  # until is inclusive


def test_berlin_every_two_weeks_keeps_local_time(frozen):
    group = GroupFactory(timezone="Europe/Berlin")
    schedule = weekly_schedule(group, "2026-10-15T18:30:00", byweekday=["TH"], interval=2, count=4)
    starts = local_starts(schedule)
    assert [s.date().isoformat() for s in starts] == [
        "2026-10-15",
        "2026-10-29",
        "2026-11-12",
        "2026-11-26",
    ]
    assert {(s.hour, s.minute) for s in starts} == {(18, 30)}
    assert [s.utcoffset().total_seconds() / 3600 for s in starts] == [2, 1, 1, 1]


@pytest.mark.parametrize(
    ("setpos", "day", "expected"),
    [
        (1, "MO", ["2026-11-02", "2026-12-07", "2027-01-04"]),
        (-1, "FR", ["2026-10-30", "2026-11-27", "2026-12-25"]),
    ],
)
def test_monthly_nth_and_last_weekday(frozen, setpos, day, expected):
    group = GroupFactory(timezone="America/Chicago")
    schedule = services.schedule_create(
        group=group,
        start="2026-10-06T10:00:00",
        duration_minutes=60,
        recurrence={"frequency": "monthly", "byweekday": [day], "bysetpos": setpos, "count": 3},
    )
    assert [s.date().isoformat() for s in local_starts(schedule)] == expected


def test_materialisation_is_idempotent(frozen):
    group = GroupFactory()
    schedule = weekly_schedule(group, "2026-10-06T19:00:00")
    count = Session.objects.filter(schedule=schedule).count()
    assert count == 17  # Tuesdays from Oct 6 to the 120-day horizon (Jan 29)
    assert services.sessions_materialize() == 0
    assert services.sessions_materialize(schedule=schedule) == 0
    assert Session.objects.filter(schedule=schedule).count() == count


def test_horizon_rolls_forward(frozen):
    group = GroupFactory()
    schedule = weekly_schedule(group, "2026-10-06T19:00:00")
    frozen.shift(timedelta(days=14))
    assert services.sessions_materialize() == 2
    assert Session.objects.filter(schedule=schedule).count() == 19


def test_cancel_and_move_survive_rematerialisation(frozen):
    group = GroupFactory()
    attendee = member(group)
    schedule = weekly_schedule(group, "2026-10-06T19:00:00")
    first, second = Session.objects.filter(schedule=schedule).order_by("start")[:2]
    services.rsvp_create(session=first, user=attendee)
    services.session_cancel(session=first, reason="Facilitator is ill")
    new_start = second.start + timedelta(days=1)
    services.session_move(session=second, start=new_start, end=new_start + timedelta(minutes=90))

    services.sessions_materialize()
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == Session.Status.CANCELLED and first.sequence == 1
    assert second.start == new_start and second.is_moved and second.sequence == 1
    assert (
        Session.objects.filter(schedule=schedule, original_start=second.original_start).count() == 1
    )
    notice = Notice.objects.get(user=attendee)
    assert notice.kind == Notice.Kind.SESSION_CANCELLED
    assert "Facilitator is ill" in notice.message


def test_move_validation(frozen):
    group = GroupFactory()
    session = Session.objects.filter(schedule=weekly_schedule(group, "2026-10-06T19:00:00")).first()
    with pytest.raises(ValidationError) as exc:
        services.session_move(
            session=session, start="2026-10-08T20:00:00", end="2026-10-08T19:00:00"
        )
    assert "end" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.session_move(
            session=session, start="2026-09-01T20:00:00", end="2026-09-01T21:00:00"
        )
    assert "start" in exc.value.message_dict
    moved = services.session_move(
        session=session, start="2026-10-08T20:00:00", end="2026-10-08T21:30:00"
    )
    assert moved.start == datetime(2026, 10, 8, 20, tzinfo=ZoneInfo("America/New_York"))
    services.session_cancel(session=session)
    with pytest.raises(StateConflict):
        services.session_move(
            session=session, start="2026-10-09T20:00:00", end="2026-10-09T21:00:00"
        )


def test_series_end_cancels_sessions_with_rsvps_and_keeps_earlier_ones(frozen):
    group = GroupFactory()
    attendee = member(group)
    schedule = weekly_schedule(group, "2026-10-06T19:00:00")
    sessions = list(Session.objects.filter(schedule=schedule).order_by("start"))
    early, cut, later_with_rsvp = sessions[0], sessions[3], sessions[5]
    services.rsvp_create(session=early, user=attendee)
    services.rsvp_create(session=later_with_rsvp, user=attendee)

    services.schedule_end(schedule=schedule, from_start=cut.original_start)

    remaining = Session.objects.filter(schedule=schedule)
    assert remaining.filter(start__lt=cut.start).count() == 3
    later_with_rsvp.refresh_from_db()
    assert later_with_rsvp.status == Session.Status.CANCELLED  # told, never silently deleted
    assert RSVP.objects.filter(session=later_with_rsvp, user=attendee).exists()
    assert remaining.filter(start__gte=cut.start).count() == 1
    assert RSVP.objects.get(session=early, user=attendee).status == RSVP.Status.GOING
    assert Notice.objects.filter(user=attendee, kind=Notice.Kind.SESSION_CANCELLED).count() == 1
    # Re-materialising never brings the ended part back.
    assert services.sessions_materialize() == 0
    frozen.shift(timedelta(days=60))
    services.sessions_materialize()
    assert Session.objects.filter(schedule=schedule, start__gte=cut.start).count() == 1


def test_change_this_and_following(frozen):
    group = GroupFactory()
    schedule = weekly_schedule(group, "2026-10-06T19:00:00", count=10)
    fourth = Session.objects.filter(schedule=schedule).order_by("start")[3]
    new = services.schedule_change(
        schedule=schedule,
        from_session=fourth,
        start="2026-10-29T18:00:00",
        duration_minutes=60,
        recurrence={"frequency": "weekly", "byweekday": ["TH"], "count": 7},
    )
    assert len(local_starts(schedule)) == 3
    assert [s.strftime("%a %H:%M") for s in local_starts(new)] == ["Thu 18:00"] * 7


@pytest.mark.parametrize(
    ("recurrence", "field"),
    [
        ({"frequency": "yearly"}, "recurrence.frequency"),
        ({"frequency": "weekly", "byweekday": ["MO(+1)"]}, "recurrence.byweekday"),
        ({"frequency": "weekly", "byweekday": [1, 3]}, "recurrence.byweekday"),
        ({"frequency": "weekly", "byweekday": ["TU", "TU"]}, "recurrence.byweekday"),
        ({"frequency": "weekly", "bysetpos": 1, "byweekday": ["TU"]}, "recurrence.bysetpos"),
        ({"frequency": "monthly", "bysetpos": 6, "byweekday": ["TU"]}, "recurrence.bysetpos"),
        (
            {"frequency": "monthly", "bysetpos": 1, "byweekday": ["TU", "TH"]},
            "recurrence.byweekday",
        ),
        ({"frequency": "weekly", "interval": 0}, "recurrence.interval"),
        ({"frequency": "weekly", "interval": "2"}, "recurrence.interval"),
        ({"frequency": "weekly", "count": 0}, "recurrence.count"),
        ({"frequency": "weekly", "count": 3, "until": "2027-01-01"}, "recurrence.count"),
        ({"frequency": "weekly", "until": "next tuesday"}, "recurrence.until"),
        ({"frequency": "weekly", "until": "2026-01-01"}, "recurrence.until"),
        ({"frequency": "weekly", "byhour": 3}, "recurrence"),
        ("weekly", "recurrence"),
    ],
)
def test_inexpressible_recurrence_is_refused_with_the_field_named(frozen, recurrence, field):
    group = GroupFactory()
    with pytest.raises(ValidationError) as exc:
        services.schedule_create(
            group=group, start="2026-10-06T19:00:00", duration_minutes=60, recurrence=recurrence
        )
    assert field in exc.value.message_dict
    assert not Session.objects.exists()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"start": "2026-09-01T19:00:00"}, "start"),
        ({"start": "tomorrow"}, "start"),
        ({"duration_minutes": 0}, "duration_minutes"),
        ({"duration_minutes": -5}, "duration_minutes"),
        ({"duration_minutes": 60 * 25}, "duration_minutes"),
    ],
)
def test_bad_schedule_input_names_the_field(frozen, kwargs, field):
    group = GroupFactory()
    args = {"start": "2026-10-06T19:00:00", "duration_minutes": 60, "recurrence": None} | kwargs
    with pytest.raises(ValidationError) as exc:
        services.schedule_create(group=group, **args)
    assert field in exc.value.message_dict


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
        ({"timezone": ""}, "timezone"),
        ({"capacity": 0}, "capacity"),
        ({"capacity": -3}, "capacity"),
        ({"format": "telepathy"}, "format"),
        ({"join_policy": "whoever"}, "join_policy"),
        ({"reminder_offsets_minutes": [5]}, "reminder_offsets_minutes"),
    ],
)
def test_bad_group_input_names_the_field(db, fields, field):
    args = {"name": "Circle", "topic": "grief", "timezone": "America/New_York"} | fields
    with pytest.raises(ValidationError) as exc:
        services.group_create(**args)
    assert field in exc.value.message_dict


def test_group_slug_is_derived_and_unique(db):
    a = services.group_create(name="Grief Circle", topic="grief", timezone="UTC")
    b = services.group_create(name="Grief Circle", topic="grief", timezone="UTC")
    assert (a.slug, b.slug) == ("grief-circle", "grief-circle-2")
    assert a.reminder_offsets_minutes == [1440, 120]


ZONES = [
    "America/New_York",
    "Europe/Berlin",
    "Australia/Sydney",
    "America/Santiago",
    "Europe/London",
]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    zone=st.sampled_from(ZONES),
    day_offset=st.integers(min_value=1, max_value=365),
    hour=st.integers(min_value=0, max_value=23),
    minute=st.sampled_from([0, 15, 30, 45]),
    interval=st.integers(min_value=1, max_value=3),
)
def test_every_session_of_a_weekly_rule_has_the_same_wall_clock_time(
    zone, day_offset, hour, minute, interval
):
    """Property: whatever the zone and DST changes, a weekly series keeps its local time.

    (Except a start in a spring-forward gap, which RFC 5545 shifts by the gap's length.)
    """
    tz = ZoneInfo(zone)
    with time_machine.travel(NOW, tick=False):
        group = GroupFactory(timezone=zone)
        start = (
            (NOW + timedelta(days=day_offset))
            .astimezone(tz)
            .replace(hour=hour, minute=minute, second=0, microsecond=0, tzinfo=None)
        )
        schedule = services.schedule_create(
            group=group,
            start=start,
            duration_minutes=60,
            recurrence={"frequency": "weekly", "interval": interval, "count": 30},
        )
        services.sessions_materialize(schedule=schedule, horizon_days=400)
    for session in Session.objects.filter(schedule=schedule):
        local = session.start.astimezone(tz)
        exists = local.replace(tzinfo=None) == datetime.combine(local.date(), start.time())
        in_gap = (
            datetime.combine(local.date(), start.time())
            .replace(tzinfo=tz)
            .astimezone(UTC)
            .astimezone(tz)
            .time()
            != start.time()
        )
        assert exists or in_gap, (zone, start, local)
        assert local.weekday() == start.weekday()
