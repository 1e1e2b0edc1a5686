"""Attendance from presence: RSVP first_joined_at, last_left_at, minutes_present, attended."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from channels.db import database_sync_to_async
from django.utils import timezone

from rooms import services as room_services
from rooms.hub import SERVER_ID
from rooms.models import RoomConnection, RoomParticipant
from sessions_app.models import RSVP
from tests.rooms.conftest import enter

db = database_sync_to_async


async def rsvp_of(w, user) -> RSVP:
    return await db(RSVP.objects.get)(session=w.session, user=user)


async def test_joining_marks_attended_and_leaving_records_time(room_world):
    w = room_world
    before = await rsvp_of(w, w.ana)
    assert before.attendance == RSVP.Attendance.UNKNOWN and before.first_joined_at is None
    with time_machine.travel(timezone.now(), tick=True) as traveller:
        lead, _ = await enter(w.session.pk, w.lead)
        ana, _ = await enter(w.session.pk, w.ana)
        joined = await rsvp_of(w, w.ana)
        assert joined.attendance == RSVP.Attendance.ATTENDED
        assert joined.first_joined_at is not None and joined.attendance_marked_at is not None
        assert joined.last_left_at is None
        assert await db(RoomConnection.objects.filter(participant__user=w.ana).count)() == 1

        traveller.shift(timedelta(minutes=12))
        await ana.close()
        left = await rsvp_of(w, w.ana)
        assert left.first_joined_at == joined.first_joined_at
        assert left.last_left_at - joined.first_joined_at >= timedelta(minutes=12)
        assert left.minutes_present == 12
        assert not await db(RoomConnection.objects.filter(participant__user=w.ana).exists)()

        # Back for 5 more minutes: the minutes add up, the first join stays.
        ana, _ = await enter(w.session.pk, w.ana)
        traveller.shift(timedelta(minutes=5))
        await ana.close()
        again = await rsvp_of(w, w.ana)
        assert again.first_joined_at == joined.first_joined_at
        assert again.last_left_at > left.last_left_at
        assert again.minutes_present == 17
        assert again.attendance == RSVP.Attendance.ATTENDED
        await lead.close()
    # Facilitators have no RSVP; nobody else was marked.
    assert (await rsvp_of(w, w.ben)).attendance == RSVP.Attendance.UNKNOWN


async def test_two_tabs_count_once(room_world):
    w = room_world
    beat = db(room_services.room_heartbeat)
    with time_machine.travel(timezone.now(), tick=True) as traveller:
        # The hub beats every ROOM_HEARTBEAT_SECONDS of real time; jumps of the clock need
        # a beat of their own, or the connections would look like a dead process's.
        one, _ = await enter(w.session.pk, w.ana)
        traveller.shift(timedelta(minutes=3))
        await beat(server_id=SERVER_ID)
        two, _ = await enter(w.session.pk, w.ana)
        traveller.shift(timedelta(minutes=3))
        await beat(server_id=SERVER_ID)
        await one.close()
        assert (await rsvp_of(w, w.ana)).last_left_at is None
        traveller.shift(timedelta(minutes=4))
        await beat(server_id=SERVER_ID)
        await two.close()
    rsvp = await rsvp_of(w, w.ana)
    assert rsvp.minutes_present == 10 and rsvp.last_left_at is not None


def test_presence_services_with_explicit_times(room_world):
    w = room_world
    t0 = timezone.now()
    conn, participant = room_services.room_join(
        session_id=w.session.pk, user=w.ben, server_id="test", now=t0
    )
    rsvp = RSVP.objects.get(session=w.session, user=w.ben)
    assert (rsvp.first_joined_at, rsvp.attendance) == (t0, RSVP.Attendance.ATTENDED)
    room_services.room_leave(connection_id=conn.pk, now=t0 + timedelta(minutes=30, seconds=20))
    rsvp.refresh_from_db()
    assert (rsvp.last_left_at, rsvp.minutes_present) == (t0 + timedelta(minutes=30, seconds=20), 30)
    participant.refresh_from_db()
    assert participant.seconds_present == 30 * 60 + 20 and participant.present_since is None
    # A hand-taken attendance is not overwritten by a later join.
    RSVP.objects.filter(pk=rsvp.pk).update(attendance=RSVP.Attendance.NO_SHOW)
    conn, _ = room_services.room_join(
        session_id=w.session.pk, user=w.ben, server_id="test", now=t0 + timedelta(minutes=40)
    )
    rsvp.refresh_from_db()
    assert rsvp.attendance == RSVP.Attendance.NO_SHOW and rsvp.first_joined_at == t0


def test_lobby_counts_only_once_admitted(lobby_world):
    w = lobby_world
    t0 = timezone.now()
    room_services.room_join(session_id=w.session.pk, user=w.lead, server_id="test", now=t0)
    room_services.room_join(session_id=w.session.pk, user=w.ana, server_id="test", now=t0)
    rsvp = RSVP.objects.get(session=w.session, user=w.ana)
    assert rsvp.attendance == RSVP.Attendance.UNKNOWN and rsvp.first_joined_at is None
    admitted_at = t0 + timedelta(minutes=2)
    room_services.participant_admit(
        session_id=w.session.pk, by=w.lead, user_id=w.ana.pk, now=admitted_at
    )
    rsvp.refresh_from_db()
    assert (rsvp.attendance, rsvp.first_joined_at) == (RSVP.Attendance.ATTENDED, admitted_at)
    assert RoomParticipant.objects.get(user=w.ana).admitted_at == admitted_at


def test_dead_process_connections_are_reaped_at_their_last_heartbeat(room_world, settings):
    w = room_world
    t0 = timezone.now()
    room_services.room_join(session_id=w.session.pk, user=w.ana, server_id="dead", now=t0)
    beat = t0 + timedelta(minutes=4)
    assert room_services.room_heartbeat(server_id="dead", now=beat) == 1
    later = beat + timedelta(seconds=3 * settings.ROOM_HEARTBEAT_SECONDS + 1)
    assert room_services.connections_reap(now=later) == 1
    rsvp = RSVP.objects.get(session=w.session, user=w.ana)
    assert (rsvp.last_left_at, rsvp.minutes_present) == (beat, 4)
    assert not RoomConnection.objects.exists()
