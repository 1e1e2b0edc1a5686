"""The share timer: a facilitator gives the speaker 1 to 10 minutes; the end (server time)
is in the `queue` frame, survives a reconnect, and with `auto_next` the turn moves on by
itself, once, whichever server process gets there first (docs/rooms.md, Share timer)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from rooms import services as room_services
from rooms.models import Room
from tests.factories import GroupFactory, UserFactory, facilitator
from tests.rooms.conftest import connect, enter

db = database_sync_to_async


def named(user) -> dict:
    return {"id": user.pk, "display_name": user.display_name}


def iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


async def room(session_id) -> Room:
    return await db(Room.objects.get)(session_id=session_id)


async def give_ana_the_turn(w, lead, ana):
    await ana.send({"type": "hand", "raised": True})
    await lead.expect("queue", hands=[named(w.ana)])
    await lead.send({"type": "mod.next_speaker"})
    await lead.expect("queue", speaker=named(w.ana))


async def test_a_timed_share_is_in_the_queue_frame_and_survives_a_reconnect(room_world):
    w = room_world
    lead, _ = await enter(w.session.pk, w.lead)
    ana, _ = await enter(w.session.pk, w.ana)
    ben, _ = await enter(w.session.pk, w.ben)
    await give_ana_the_turn(w, lead, ana)

    before = timezone.now().replace(microsecond=0)
    await lead.send({"type": "mod.share_timer", "minutes": 3})
    frame = await ben.expect("queue", speaker=named(w.ana))
    while "share" not in frame:
        frame = await ben.expect("queue", speaker=named(w.ana))
    stored = (await room(w.session.pk)).share_ends_at
    assert before + timedelta(minutes=3) <= stored <= timezone.now() + timedelta(minutes=3)
    assert frame == {
        "type": "queue",
        "hands": [],
        "speaker": named(w.ana),
        "share": {"ends_at": iso(stored), "auto_next": False},
    }
    # A reconnecting client is told the same end, not a new three minutes.
    await ben.close()
    again, welcome = await enter(w.session.pk, w.ben)
    assert welcome["queue"]["share"] == {"ends_at": iso(stored), "auto_next": False}

    await lead.send({"type": "mod.share_stop"})
    frame = await again.expect("queue", speaker=named(w.ana))
    assert "share" not in frame
    assert (await room(w.session.pk)).share_ends_at is None


async def test_share_timer_errors_keep_the_connection(room_world):
    w = room_world
    lead, _ = await enter(w.session.pk, w.lead)
    ana, _ = await enter(w.session.pk, w.ana)
    # Nobody has the turn yet.
    await lead.send({"type": "mod.share_timer", "minutes": 3})
    await lead.error("conflict")
    await give_ana_the_turn(w, lead, ana)
    for minutes in (0, 11, -1, 2.5, "3", True, None):
        await lead.send({"type": "mod.share_timer", "minutes": minutes})
        await lead.error("invalid", field="minutes")
    await lead.send({"type": "mod.share_timer", "minutes": 2, "auto_next": "yes"})
    await lead.error("invalid", field="auto_next")
    assert (await room(w.session.pk)).share_ends_at is None
    await lead.send({"type": "ping"})
    await lead.expect("pong")


async def test_only_this_groups_facilitators_time_a_share(lobby_world):
    w = lobby_world

    def other_facilitator():
        return facilitator(GroupFactory(), UserFactory())

    # Made before anyone connects: SQLite's test database takes one writer at a time.
    stranger = await db(other_facilitator)()
    lead, _ = await enter(w.session.pk, w.lead)
    ana, lobby = await enter(w.session.pk, w.ana)
    assert lobby["type"] == "lobby"
    await ana.send({"type": "mod.share_timer", "minutes": 3})
    await ana.error("forbidden")  # in the lobby
    await lead.send({"type": "mod.admit", "user": w.ana.pk})
    await ana.expect("welcome")
    await give_ana_the_turn(w, lead, ana)
    for frame in ({"type": "mod.share_timer", "minutes": 3}, {"type": "mod.share_stop"}):
        await ana.send(frame)
        await ana.error("forbidden")  # an attendee, even the speaker
    await lead.send({"type": "mod.mute", "user": w.ana.pk})
    await ana.expect("moderation", action="mute")
    await ana.send({"type": "mod.share_timer", "minutes": 3})
    await ana.error("forbidden")  # muted

    client, _ = await connect(w.session.pk, stranger)
    assert await client.closed_with() == 4403
    with pytest.raises(room_services.RoomError) as refused:
        await db(room_services.share_timer_start)(session_id=w.session.pk, by=stranger, minutes=3)
    assert refused.value.code == "forbidden"
    # Removed: the speaker's timer goes with them.
    await lead.send({"type": "mod.share_timer", "minutes": 3})
    await lead.expect("queue", speaker=named(w.ana))
    await lead.send({"type": "mod.remove", "user": w.ana.pk})
    assert await ana.closed_with() == 4410
    assert (await room(w.session.pk)).share_ends_at is None


async def test_auto_next_moves_the_turn_once_when_time_is_up(room_world):
    w = room_world
    lead, _ = await enter(w.session.pk, w.lead)
    ana, _ = await enter(w.session.pk, w.ana)
    ben, _ = await enter(w.session.pk, w.ben)
    await give_ana_the_turn(w, lead, ana)
    await lead.send({"type": "mod.share_timer", "minutes": 1, "auto_next": True})
    frame = await lead.expect("queue", speaker=named(w.ana))
    while "share" not in frame:
        frame = await lead.expect("queue", speaker=named(w.ana))
    assert frame["share"]["auto_next"] is True
    await ben.send({"type": "hand", "raised": True})
    await lead.expect("queue", hands=[named(w.ben)])

    # The share has run out (moved back rather than waiting a minute); the next change of the
    # room makes each process look again, and the one that gets there first moves the turn.
    ended = timezone.now().replace(microsecond=0) - timedelta(seconds=1)
    await db(Room.objects.filter(session_id=w.session.pk).update)(share_ends_at=ended)
    await ana.send({"type": "hand", "raised": True})  # any change: a refresh
    frame = await lead.expect("queue", speaker=named(w.ben), timeout=5)
    assert frame == {"type": "queue", "hands": [named(w.ana)], "speaker": named(w.ben)}
    stored = await room(w.session.pk)
    assert (stored.speaker_id, stored.share_ends_at) == (w.ben.pk, None)
    # A second process arriving late finds nothing to do.
    moved = await db(room_services.share_timer_expire)(session_id=w.session.pk, ends_at=ended)
    assert moved is False


def test_expire_only_the_same_share_and_only_when_due(transactional_db):
    from tests.rooms.conftest import build_room_world  # noqa: PLC0415 - sync fixture use

    w = build_room_world()
    Room.objects.filter(session_id=w.session.pk).update(speaker=w.ana)
    now = timezone.now()
    started = room_services.share_timer_start(
        session_id=w.session.pk, by=w.lead, minutes=10, auto_next=True, now=now
    )
    ends_at = started.share_ends_at
    assert not room_services.share_timer_expire(
        session_id=w.session.pk, ends_at=ends_at, now=ends_at - timedelta(seconds=1)
    )
    # A share restarted meanwhile is not the one that ended.
    assert not room_services.share_timer_expire(
        session_id=w.session.pk, ends_at=ends_at - timedelta(minutes=1), now=ends_at
    )
    assert Room.objects.get(session_id=w.session.pk).speaker_id == w.ana.pk
    assert room_services.share_timer_expire(session_id=w.session.pk, ends_at=ends_at, now=ends_at)
    assert Room.objects.get(session_id=w.session.pk).speaker_id is None  # no hands: nobody
    # Without auto_next the timer only shows; the turn stays.
    Room.objects.filter(session_id=w.session.pk).update(speaker=w.ana)
    started = room_services.share_timer_start(
        session_id=w.session.pk, by=w.lead, minutes=1, now=now
    )
    assert not room_services.share_timer_expire(
        session_id=w.session.pk, ends_at=started.share_ends_at, now=now + timedelta(minutes=5)
    )
    assert Room.objects.get(session_id=w.session.pk).speaker_id == w.ana.pk
