"""Room messages are deleted ROOM_MESSAGE_RETENTION_HOURS after the session ended, except
reported ones until a coordinator resolves the report."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from rooms import services as room_services
from rooms.models import RoomMessage, RoomReport, RoomTicket
from sessions_app.errors import NotAllowed
from sessions_app.models import Session
from tests.factories import one_off_session
from tests.rooms.conftest import build_room_world


def chat(w, session, *texts, user=None):
    return [
        room_services.chat_post(session_id=session.pk, user=user or w.lead, text=t) for t in texts
    ]


def seqs(session) -> list[int]:
    return list(
        RoomMessage.objects.filter(session=session).order_by("seq").values_list("seq", flat=True)
    )


def purge(at) -> str:
    out = StringIO()
    with time_machine.travel(at, tick=False):
        call_command("purge_room_messages", stdout=out)
    return out.getvalue()


@pytest.fixture
def rooms(transactional_db):
    """Two sessions with messages; `old` ends before `recent`."""
    w = build_room_world()
    room_services.room_join(session_id=w.session.pk, user=w.lead, server_id="test")
    room_services.room_join(session_id=w.session.pk, user=w.ana, server_id="test")
    chat(w, w.session, "one", "two", "three")
    chat(w, w.session, "from Ana", user=w.ana)
    recent = one_off_session(w.session.group, starts_in=timedelta(minutes=10))
    recent = room_services.room_open(session=recent, by=w.lead)
    room_services.room_join(session_id=recent.pk, user=w.lead, server_id="test")
    chat(w, recent, "later")
    # `recent` ends 3 hours after `old`.
    Session.objects.filter(pk=recent.pk).update(
        start=w.session.start + timedelta(hours=3), end=w.session.end + timedelta(hours=3)
    )
    return w, Session.objects.get(pk=w.session.pk), Session.objects.get(pk=recent.pk)


def test_purge_deletes_after_retention_and_keeps_recent(rooms, settings):
    settings.ROOM_MESSAGE_RETENTION_HOURS = 24
    w, old, recent = rooms
    # Just before the retention ran out nothing goes.
    assert purge(old.end + timedelta(hours=24) - timedelta(seconds=1)).startswith("0 room")
    assert seqs(old) == [1, 2, 3, 4] and seqs(recent) == [1]
    out = purge(old.end + timedelta(hours=24, seconds=1))
    assert out == "4 room message(s) deleted.\n"
    assert seqs(old) == [] and seqs(recent) == [1]
    assert purge(recent.end + timedelta(hours=24, seconds=1)).startswith("1 room")
    assert not RoomMessage.objects.exists()


def test_retention_hours_follow_the_setting(rooms, settings):
    settings.ROOM_MESSAGE_RETENTION_HOURS = 2
    w, old, recent = rooms
    assert room_services.room_messages_purge(now=old.end + timedelta(hours=2, minutes=1)) == 4
    assert seqs(old) == [] and seqs(recent) == [1]


def test_reported_message_is_kept_until_the_report_is_resolved(rooms):
    w, old, recent = rooms
    report = room_services.message_report(session_id=old.pk, user=w.ana, seq=2, reason="hurtful")
    after = old.end + timedelta(hours=25)
    assert purge(after) == "3 room message(s) deleted.\n"
    assert seqs(old) == [2]
    with pytest.raises(NotAllowed):
        room_services.report_resolve(report=report, by=w.lead)
    assert seqs(old) == [2] and room_services.room_messages_purge(now=after) == 0

    room_services.report_resolve(report=report, by=w.staff, resolution="talked to them")
    report.refresh_from_db()
    assert report.resolved_by == w.staff and report.resolution == "talked to them"
    assert purge(after) == "1 room message(s) deleted.\n"
    assert seqs(old) == [] and not RoomReport.objects.exists()


def test_a_message_with_any_open_report_is_kept(rooms):
    w, old, _recent = rooms
    first = room_services.message_report(session_id=old.pk, user=w.ana, seq=3)
    room_services.message_report(session_id=old.pk, user=w.lead, seq=3)
    room_services.report_resolve(report=first, by=w.staff)
    after = old.end + timedelta(hours=25)
    assert room_services.room_messages_purge(now=after) == 3
    assert seqs(old) == [3]


def test_purge_drops_old_tickets(rooms):
    w, old, _recent = rooms
    token, expires_at = room_services.room_ticket_issue(session=old, user=w.ana)
    room_services.room_messages_purge(now=expires_at + timedelta(minutes=30))
    assert RoomTicket.objects.count() == 1
    room_services.room_messages_purge(now=expires_at + timedelta(hours=1, seconds=1))
    assert not RoomTicket.objects.exists()
    assert timezone.now() < expires_at
