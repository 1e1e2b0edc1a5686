"""Cancelled and moved sessions: pending reminders are dropped, attendees get a short text."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from sessions_app import services as core_services
from sessions_app.models import RSVP
from sms import services
from sms.models import OutboundSms
from tests.factories import GroupFactory, member, one_off_session
from tests.sms.conftest import sms_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def booked():
    with time_machine.travel("2026-06-10T15:00:00Z", tick=False):  # 11:00 in New York
        group = GroupFactory(name="Caregivers Circle", topic="dementia caregiving")
        session = one_off_session(group, starts_in=timedelta(days=2))
        user = member(group, sms_user())
        quiet = member(group)  # no phone: site notice only
        for person in (user, quiet):
            core_services.rsvp_create(session=session, user=person)
        reminder = OutboundSms.objects.create(
            idempotency_key="reminder-x",
            kind="reminder",
            to=str(user.phone),
            body="Hearth: reminder",
            user=user,
            session=session,
            session_start=session.start,
            send_after=timezone.now() + timedelta(hours=1),
            expires_at=session.start,
        )
        yield session, user, reminder


def test_cancel_drops_pending_reminders_and_texts_opted_in_attendees(
    booked, outbox, django_capture_on_commit_callbacks
):
    session, user, reminder = booked
    with time_machine.travel("2026-06-10T15:00:00Z", tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            core_services.session_cancel(session=session, reason="Venue closed")
    reminder.refresh_from_db()
    assert (reminder.status, reminder.reason) == ("cancelled", "session_changed")
    assert [m["to"] for m in outbox] == [str(user.phone)]
    assert outbox[0]["body"] == (
        "Hearth: Caregivers Circle on Fri 12 Jun 11:00 EDT is cancelled. Sorry for the change."
    )
    assert "dementia" not in outbox[0]["body"]


def test_move_sends_a_short_notice_and_a_fresh_reminder_later(
    booked, outbox, django_capture_on_commit_callbacks
):
    session, user, reminder = booked
    with time_machine.travel("2026-06-10T15:00:00Z", tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            core_services.session_move(
                session=session,
                start=session.start + timedelta(days=1),
                end=session.end + timedelta(days=1),
            )
    reminder.refresh_from_db()
    assert reminder.status == "cancelled"
    assert outbox[0]["body"] == (
        "Hearth: Caregivers Circle has moved to Sat 13 Jun 11:00 EDT. Reply N if you can't come."
    )
    session.refresh_from_db()
    # The day-before reminder for the new time is a new row (the key holds the start).
    with time_machine.travel(session.start - timedelta(hours=24), tick=False):
        assert services.reminders_plan() == 1
    new = OutboundSms.objects.get(kind="reminder", status="pending")
    assert new.session_start == session.start
    assert RSVP.objects.get(session=session, user=user).status == "going"


def test_notice_at_night_waits_for_the_window(booked, outbox, django_capture_on_commit_callbacks):
    session, user, _ = booked
    with time_machine.travel("2026-06-11T03:00:00Z", tick=False):  # 23:00 in New York
        with django_capture_on_commit_callbacks(execute=True):
            core_services.session_cancel(session=session)
    assert outbox == []
    row = OutboundSms.objects.get(kind="session_cancelled")
    assert row.send_after.isoformat() == "2026-06-11T13:00:00+00:00"  # 09:00 EDT
    with time_machine.travel("2026-06-11T13:01:00Z", tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            services.reminders_sweep()
    assert [m["body"][:34] for m in outbox] == ["Hearth: Caregivers Circle on Fri 1"]
