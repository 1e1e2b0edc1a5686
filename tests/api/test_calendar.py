"""Calendar feeds, parsed back with icalendar: local times across DST, VTIMEZONE, stable UID,
SEQUENCE, STATUS:CANCELLED; the personal feed's secret token and its reset."""

from datetime import UTC, datetime

import pytest
import time_machine
from icalendar import Calendar
from rest_framework.test import APIClient

from sessions_app import services
from sessions_app.models import Session
from tests.factories import GroupFactory, facilitator, member, one_off_session, weekly_schedule

pytestmark = pytest.mark.django_db


def parse(response) -> Calendar:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content)


@time_machine.travel(datetime(2026, 10, 1, 12, 0, tzinfo=UTC), tick=False)
def test_group_feed_keeps_local_time_across_dst_with_a_vtimezone(client):
    group = GroupFactory(slug="ny", name="Tuesday circle", timezone="America/New_York")
    weekly_schedule(group, "2026-10-20T19:00:00", count=4)
    sessions = list(Session.objects.filter(group=group).order_by("start"))
    services.session_cancel(session=sessions[2], reason="Election day")
    cal = parse(client.get("/groups/ny/calendar.ics"))
    assert cal["VERSION"] == "2.0" and "PRODID" in cal
    zones = cal.walk("VTIMEZONE")
    assert [str(z["TZID"]) for z in zones] == ["America/New_York"]
    events = cal.walk("VEVENT")
    assert [e["UID"] for e in events] == [f"session-{s.pk}@127.0.0.1" for s in sessions]
    starts = [e.decoded("DTSTART") for e in events]
    assert [(d.hour, d.minute, d.utcoffset().total_seconds() / 3600) for d in starts] == [
        (19, 0, -4),
        (19, 0, -4),
        (19, 0, -5),
        (19, 0, -5),
    ]
    assert all(e["DTSTART"].params["TZID"] == "America/New_York" for e in events)
    assert b"DTSTART;TZID=America/New_York:20261103T190000" in cal.to_ical()
    assert [str(e["STATUS"]) for e in events] == [
        "CONFIRMED",
        "CONFIRMED",
        "CANCELLED",
        "CONFIRMED",
    ]
    assert [e["SEQUENCE"] for e in events] == [0, 0, 1, 0]
    assert str(events[2]["DESCRIPTION"]) == "Election day"
    assert all(e.decoded("DTSTAMP").tzinfo is not None for e in events)
    assert str(events[0]["SUMMARY"]) == "Tuesday circle"


def test_private_group_feed_is_404_for_outsiders(client):
    GroupFactory(slug="hidden", is_public=False)
    assert client.get("/groups/hidden/calendar.ics").status_code == 404
    assert client.get("/groups/nope/calendar.ics").status_code == 404


@time_machine.travel(datetime(2026, 10, 1, 12, 0, tzinfo=UTC), tick=False)
def test_personal_feed_by_token_and_reset(client):
    ny = GroupFactory(slug="ny", timezone="America/New_York")
    london = GroupFactory(slug="london", timezone="Europe/London")
    led = GroupFactory(slug="led", timezone="Asia/Tokyo")
    weekly_schedule(ny, "2026-10-20T19:00:00", count=2)
    weekly_schedule(london, "2026-10-20T18:00:00", count=2)
    weekly_schedule(led, "2026-10-21T09:00:00", byweekday=("WE",), count=1)
    user = member(ny)
    member(london, user)
    facilitator(led, user)
    ny_first = Session.objects.filter(group=ny).order_by("start").first()
    services.rsvp_create(session=ny_first, user=user)
    london_second = Session.objects.filter(group=london).order_by("start").last()
    services.rsvp_create(session=london_second, user=user)

    assert client.get("/me/calendar.ics").status_code == 404
    assert client.get("/me/calendar.ics?token=guess").status_code == 404
    assert client.get("/me/calendar.ics?token=%00").status_code == 404  # was a 500 on PostgreSQL
    assert client.get("/me/calendar.ics?token=" + "a" * 65).status_code == 404
    cal = parse(client.get(f"/me/calendar.ics?token={user.calendar_token}"))
    assert sorted(str(z["TZID"]) for z in cal.walk("VTIMEZONE")) == [
        "America/New_York",
        "Asia/Tokyo",
        "Europe/London",
    ]
    events = {e["UID"]: e.decoded("DTSTART") for e in cal.walk("VEVENT")}
    led_session = Session.objects.get(group=led)
    assert set(events) == {
        f"session-{ny_first.pk}@127.0.0.1",
        f"session-{london_second.pk}@127.0.0.1",
        f"session-{led_session.pk}@127.0.0.1",
    }
    # London changes on Oct 25: 18:00 BST (+1) before, 18:00 GMT (+0) on Oct 27.
    london_start = events[f"session-{london_second.pk}@127.0.0.1"]
    assert (london_start.hour, london_start.utcoffset().total_seconds()) == (18, 0)

    api = APIClient()
    api.force_authenticate(user)
    old_token = user.calendar_token
    response = api.post("/api/v1/me/calendar-token/")
    user.refresh_from_db()
    assert response.json() == {
        "token": user.calendar_token,
        "url": f"http://127.0.0.1:8000/me/calendar.ics?token={user.calendar_token}",
    }
    assert user.calendar_token != old_token
    assert client.get(f"/me/calendar.ics?token={old_token}").status_code == 404
    assert client.get(f"/me/calendar.ics?token={user.calendar_token}").status_code == 200


def test_a_moved_session_keeps_its_uid_and_bumps_the_sequence(client):
    group = GroupFactory(slug="g")
    session = one_off_session(group)
    before = parse(client.get("/groups/g/calendar.ics")).walk("VEVENT")[0]
    services.session_move(
        session=session,
        start=session.start.replace(microsecond=0) + (session.end - session.start),
        end=session.end.replace(microsecond=0) + (session.end - session.start),
    )
    after = parse(client.get("/groups/g/calendar.ics")).walk("VEVENT")[0]
    assert after["UID"] == before["UID"]
    assert (before["SEQUENCE"], after["SEQUENCE"]) == (0, 1)
    assert after.decoded("DTSTART") > before.decoded("DTSTART")
    assert after["DTSTART"].params["TZID"] == "America/New_York"
