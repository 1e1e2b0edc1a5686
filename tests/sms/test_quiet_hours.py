"""Quiet hours and DST: reminders go out 09:00-20:00 in the recipient's zone, with the clock
moved by time_machine through every sweep of the day before a session."""

from datetime import UTC, datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from sessions_app import selectors, timing
from sessions_app import services as core_services
from sessions_app.models import RSVP, Session
from sms import services
from sms.models import OutboundSms
from tests.factories import GroupFactory
from tests.sms.conftest import sms_user

pytestmark = pytest.mark.django_db


def _session(group_tz: str, local_start: str, *, created_at: str) -> Session:
    with time_machine.travel(created_at, tick=False):
        group = GroupFactory(name="Evening Circle", timezone=group_tz, topic="grief")
        schedule = core_services.schedule_create(
            group=group, start=local_start, duration_minutes=60, recurrence=None
        )
    return Session.objects.get(schedule=schedule)


def _sweep_every_10_minutes(session: Session, hours_before: int = 30) -> list[tuple]:
    """Run the planner every 10 minutes from `hours_before` until the start."""
    moment = session.start - timedelta(hours=hours_before)
    while moment < session.start:
        with time_machine.travel(moment, tick=False):
            services.reminders_plan()
        moment += timedelta(minutes=10)
    return list(
        OutboundSms.objects.filter(session=session)
        .order_by("send_after")
        .values_list("offset_minutes", "send_after")
    )


def _going(session, tz):
    user = sms_user(tz=tz)
    RSVP.objects.create(session=session, user=user, status=RSVP.Status.GOING)
    return user


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_los_angeles_0930_session_day_before_sent_two_hour_skipped():
    session = _session("America/Los_Angeles", "2026-06-16T09:30:00", created_at="2026-06-01")
    _going(session, "America/Los_Angeles")
    rows = _sweep_every_10_minutes(session)
    # 24 h before is 09:30 PDT the day before (16:30 UTC); 2 h before is 07:30: skipped.
    assert rows == [(1440, utc("2026-06-15T16:30:00"))]


def test_berlin_1900_session_both_reminders_for_a_berlin_attendee():
    session = _session("Europe/Berlin", "2026-06-16T19:00:00", created_at="2026-06-01")
    _going(session, "Europe/Berlin")
    rows = _sweep_every_10_minutes(session)
    assert rows == [(1440, utc("2026-06-15T17:00:00")), (120, utc("2026-06-16T15:00:00"))]
    row = OutboundSms.objects.filter(session=session).first()
    link = selectors.session_link_url(session_id=session.pk, user_id=row.user_id)
    body = row.body
    assert body == (
        f"Hearth: Evening Circle meets Tue 16 Jun 19:00 CEST. Reply Y/N, STOP to opt out. {link}"
    )
    assert len(body) <= 160 and "grief" not in body


def test_berlin_session_with_a_los_angeles_attendee_uses_their_clock():
    session = _session("Europe/Berlin", "2026-06-16T19:00:00", created_at="2026-06-01")
    user = _going(session, "America/Los_Angeles")
    rows = _sweep_every_10_minutes(session)
    # 19:00 Berlin is 10:00 in LA: the day before at 10:00 is fine, 08:00 on the day is not.
    assert rows == [(1440, utc("2026-06-15T17:00:00"))]
    row = OutboundSms.objects.get(session=session, user=user)
    assert "Tue 16 Jun 10:00 PDT" in row.body


def test_spring_forward_day_in_los_angeles_moves_the_day_before_reminder_to_0900():
    # 2026-03-08 09:30 PDT (16:30 UTC). 24 h earlier is 08:30 PST: before the window, so it
    # moves to the opening, 09:00 PST (17:00 UTC), still 12 h+ before the session.
    session = _session("America/Los_Angeles", "2026-03-08T09:30:00", created_at="2026-03-01")
    _going(session, "America/Los_Angeles")
    rows = _sweep_every_10_minutes(session)
    assert rows == [(1440, utc("2026-03-07T17:00:00"))]


def test_fall_back_day_in_berlin_moves_a_2000_reminder_to_the_last_quarter_hour():
    # 2026-10-25 19:00 CET (18:00 UTC). 24 h earlier is 20:00 CEST, just outside the window:
    # the nearest allowed time is 19:45 CEST (17:45 UTC); 09:00 on the day is too late.
    session = _session("Europe/Berlin", "2026-10-25T19:00:00", created_at="2026-10-01")
    _going(session, "Europe/Berlin")
    rows = _sweep_every_10_minutes(session)
    assert rows == [(1440, utc("2026-10-24T17:45:00")), (120, utc("2026-10-25T16:00:00"))]


def test_spring_forward_day_in_berlin_keeps_wall_clock_reminders():
    session = _session("Europe/Berlin", "2026-03-29T19:00:00", created_at="2026-03-01")
    _going(session, "Europe/Berlin")
    rows = _sweep_every_10_minutes(session)
    # 24 real hours before 19:00 CEST is 18:00 CET the day before.
    assert rows == [(1440, utc("2026-03-28T17:00:00")), (120, utc("2026-03-29T15:00:00"))]


def test_night_session_reminder_moves_to_the_nearest_allowed_time():
    tz = ZoneInfo("America/New_York")
    start = datetime(2026, 6, 16, 7, 0, tzinfo=tz)  # 07:00: 24 h before is 07:00, too early
    sent = timing.reminder_send_time(start=start, offset=timedelta(hours=24), tz=tz)
    assert sent == datetime(2026, 6, 15, 9, 0, tzinfo=tz)
    late = datetime(2026, 6, 16, 23, 0, tzinfo=tz)  # 23:00 -> 19:45 the day before
    sent = timing.reminder_send_time(start=late, offset=timedelta(hours=24), tz=tz)
    assert sent == datetime(2026, 6, 15, 19, 45, tzinfo=tz)
    assert timing.reminder_send_time(start=late, offset=timedelta(hours=2), tz=tz) is None


def test_send_rechecks_quiet_hours_before_sending(outbox):
    session = _session("America/New_York", "2026-06-16T21:30:00", created_at="2026-06-01")
    user = _going(session, "America/New_York")
    row = OutboundSms.objects.create(
        idempotency_key="late-night",
        kind=OutboundSms.Kind.REMINDER,
        to=str(user.phone),
        body="Hearth: x",
        user=user,
        session=session,
        session_start=session.start,
        send_after=utc("2026-06-16T23:50:00"),
        expires_at=timing.expires_for(session.start),
    )
    with time_machine.travel("2026-06-17T00:30:00Z", tick=False):  # 20:30 in New York
        assert services.outbound_send(outbound_id=row.pk) == "quiet_hours"
    row.refresh_from_db()
    assert (row.status, row.reason) == ("cancelled", "quiet_hours")
    assert outbox == []


def test_sweeps_are_idempotent_and_send_once(outbox, django_capture_on_commit_callbacks):
    session = _session("America/New_York", "2026-06-16T18:00:00", created_at="2026-06-01")
    users = [_going(session, "America/New_York") for _ in range(3)]
    with time_machine.travel("2026-06-15T22:00:00Z", tick=False):  # 18:00 NY the day before
        for _ in range(3):
            with django_capture_on_commit_callbacks(execute=True):
                services.reminders_sweep()
    assert sorted(m["to"] for m in outbox) == sorted(str(u.phone) for u in users)
    assert OutboundSms.objects.filter(status="submitted").count() == 3


def test_send_due_reminders_now_holds_for_its_own_sends(outbox):
    """`--now` is the instant of the whole command: the reminders it plans are sent at that
    instant too, by the command itself, whatever the real clock says (here: real time, and
    the session may well be past by it)."""
    session = _session("America/New_York", "2026-06-16T18:00:00", created_at="2026-06-01")
    users = [_going(session, "America/New_York") for _ in range(2)]
    out = StringIO()
    call_command("send_due_reminders", "--now", "2026-06-15T22:00:00+00:00", stdout=out)
    assert sorted(m["to"] for m in outbox) == sorted(str(u.phone) for u in users)
    rows = OutboundSms.objects.filter(session=session)
    assert [(r.status, r.attempts, r.submitted_at) for r in rows] == [
        ("submitted", 1, utc("2026-06-15T22:00:00"))
    ] * 2
    assert out.getvalue().startswith("due 2, reconciled 0, dispatched ")
    assert out.getvalue().endswith(", sent 2\n")
