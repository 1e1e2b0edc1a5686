"""Who gets in: every close code, the origin check, `welcome` and the lobby."""

from __future__ import annotations

from datetime import UTC, timedelta

from channels.db import database_sync_to_async
from django.conf import settings
from django.utils import timezone

from rooms import services as room_services
from rooms.models import Room, RoomParticipant
from rooms.selectors import crisis_resources
from sessions_app import services
from sessions_app.models import RSVP, Membership, Session
from tests.factories import one_off_session
from tests.rooms.conftest import connect, enter

db = database_sync_to_async


def ticket_for(session, user, **kwargs) -> str:
    return room_services.room_ticket_issue(session=session, user=user, **kwargs)[0]


def welcome_of(w, user, *, role="attendee", presence, messages=(), last_seq=0, lobby=None):
    frame = {
        "type": "welcome",
        "you": {
            "id": user.pk,
            "display_name": user.display_name,
            "role": role,
            "muted": False,
            "hand": False,
        },
        "room": {
            "session": w.session.pk,
            "group": "Tuesday grief circle",
            "locked": False,
            "paused": not any(p.get("role") == "facilitator" for p in presence),
            "lobby_enabled": False,
            "ends_at": w.session.end.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        },
        "presence": list(presence),
        "queue": {"hands": [], "speaker": None},
        "messages": list(messages),
        "last_seq": last_seq,
        "crisis_resources": crisis_resources(),
        "private": [],
        "guidelines": None,  # the group has none (tests/rooms/test_room_guidelines.py)
    }
    if role == "facilitator":
        frame["lobby"] = lobby or []
    return frame


def person(user, role="attendee", muted=False) -> dict:
    return {"id": user.pk, "display_name": user.display_name, "role": role, "muted": muted}


# --- 4401 ------------------------------------------------------------------------------------


async def test_no_cookie_closes_4401(room_world):
    client, connected = await connect(room_world.session.pk)
    assert connected
    assert await client.closed_with() == 4401


async def test_bad_ticket_closes_4401_even_with_a_valid_cookie(room_world):
    w = room_world
    for token in ("nonsense", "x" * 200, ""):
        client, _ = await connect(w.session.pk, w.ana, ticket=token)
        assert await client.closed_with() == 4401
        await client.close()


async def test_expired_ticket_closes_4401(room_world):
    w = room_world
    past = timezone.now() - timedelta(seconds=w_seconds() + 5)
    token = await db(ticket_for)(w.session, w.ana, now=past)
    client, _ = await connect(w.session.pk, ticket=token)
    assert await client.closed_with() == 4401


def w_seconds() -> int:
    return settings.ROOM_TICKET_SECONDS


async def test_ticket_works_once(room_world):
    w = room_world
    await enter(w.session.pk, w.lead)
    token = await db(ticket_for)(w.session, w.ana)
    first, _ = await connect(w.session.pk, ticket=token)
    welcome = await first.expect("welcome")
    assert welcome["you"]["id"] == w.ana.pk
    again, _ = await connect(w.session.pk, ticket=token)
    assert await again.closed_with() == 4401


async def test_ticket_for_another_session_closes_4401(room_world):
    w = room_world

    def other_session_ticket():
        other = one_off_session(w.session.group, starts_in=timedelta(minutes=10))
        services.rsvp_create(session=other, user=w.ana)
        other = room_services.room_open(session=other, by=w.lead)
        return other, ticket_for(other, w.ana)

    other, token = await db(other_session_ticket)()
    client, _ = await connect(w.session.pk, ticket=token)
    assert await client.closed_with() == 4401
    # The same ticket still belongs to its own session.
    own, _ = await connect(other.pk, ticket=token)
    assert (await own.expect("welcome"))["room"]["session"] == other.pk


# --- 4403 ------------------------------------------------------------------------------------


async def test_member_without_rsvp_closes_4403(room_world):
    client, _ = await connect(room_world.session.pk, room_world.nora)
    assert await client.closed_with() == 4403
    assert not await db(RoomParticipant.objects.filter(user=room_world.nora).exists)()


async def test_cancelled_rsvp_closes_4403(room_world):
    w = room_world
    await db(RSVP.objects.filter(session=w.session, user=w.ben).update)(
        status=RSVP.Status.CANCELLED
    )
    client, _ = await connect(w.session.pk, w.ben)
    assert await client.closed_with() == 4403


async def test_banned_member_closes_4403(room_world):
    w = room_world

    def ban():
        membership = Membership.objects.get(group=w.session.group, user=w.ben)
        services.membership_ban(membership=membership, by=w.lead)

    await db(ban)()
    client, _ = await connect(w.session.pk, w.ben)
    assert await client.closed_with() == 4403


async def test_banned_member_whose_rsvp_is_still_going_closes_4403(room_world):
    w = room_world
    await db(Membership.objects.filter(group_id=w.session.group_id, user=w.ben).update)(
        status=Membership.Status.BANNED
    )
    assert await db(
        RSVP.objects.filter(session=w.session, user=w.ben, status=RSVP.Status.GOING).exists
    )()
    client, _ = await connect(w.session.pk, w.ben)
    assert await client.closed_with() == 4403


async def test_locked_room_keeps_newcomers_out_but_not_returning_participants(room_world):
    w = room_world
    lead, _ = await enter(w.session.pk, w.lead)
    ana, _ = await enter(w.session.pk, w.ana)
    await lead.send({"type": "room.lock", "locked": True})
    assert await ana.expect("room.state", locked=True) == {
        "type": "room.state",
        "locked": True,
        "paused": False,
    }
    ben, _ = await connect(w.session.pk, w.ben)
    assert await ben.closed_with() == 4403
    assert not await db(RoomParticipant.objects.filter(user=w.ben).exists)()

    await ana.close()
    ana, welcome = await enter(w.session.pk, w.ana)
    assert welcome["type"] == "welcome"
    assert welcome["room"]["locked"] is True
    # Facilitators are not newcomers to keep out.
    co, welcome = await enter(w.session.pk, w.co)
    assert welcome["type"] == "welcome"

    await lead.send({"type": "room.lock", "locked": False})
    await ana.expect("room.state", locked=False)
    ben, welcome = await enter(w.session.pk, w.ben)
    assert welcome["type"] == "welcome" and welcome["room"]["locked"] is False


async def test_room_lock_with_a_bad_value_is_invalid(room_world):
    lead, _ = await enter(room_world.session.pk, room_world.lead)
    await lead.send({"type": "room.lock", "locked": "yes"})
    await lead.error("invalid", field="locked")
    assert (await db(Room.objects.get)(pk=room_world.session.pk)).locked is False
    # Without `locked` the room locks.
    await lead.send({"type": "room.lock"})
    await lead.expect("room.state", locked=True)
    assert (await db(Room.objects.get)(pk=room_world.session.pk)).locked is True


# --- 4404, 4409 ------------------------------------------------------------------------------


async def test_no_such_session_closes_4404(room_world):
    for session_id in (room_world.session.pk + 1000, 2**63, 10**29):
        client, _ = await connect(session_id, room_world.lead)
        assert await client.closed_with() == 4404
        await client.close()


async def test_room_never_opened_closes_4409(closed_world):
    for user in (closed_world.ana, closed_world.lead):
        client, _ = await connect(closed_world.session.pk, user)
        assert await client.closed_with() == 4409
        await client.close()


async def test_cancelled_session_closes_4409(room_world):
    w = room_world
    await db(services.session_cancel)(session=w.session, by=w.lead)
    assert await db(lambda: Session.objects.get(pk=w.session.pk).room_open)() is False
    for user in (w.ana, w.lead):
        client, _ = await connect(w.session.pk, user)
        assert await client.closed_with() == 4409
        await client.close()


async def test_closed_room_closes_4409(room_world):
    w = room_world
    await db(room_services.room_close)(session=w.session, by=w.lead)
    client, _ = await connect(w.session.pk, w.ana)
    assert await client.closed_with() == 4409


# --- 4410 ------------------------------------------------------------------------------------


async def test_removed_attendee_is_closed_4410_on_every_connection_and_cannot_return(room_world):
    w = room_world
    lead, _ = await enter(w.session.pk, w.lead)
    ana1, _ = await enter(w.session.pk, w.ana)
    ana2, _ = await enter(w.session.pk, w.ana)
    ben, _ = await enter(w.session.pk, w.ben)
    await lead.send({"type": "mod.remove", "user": w.ana.pk, "reason": "  rude  "})
    removed = {
        "type": "moderation",
        "action": "remove",
        "user": {"id": w.ana.pk, "display_name": "Ana"},
    }
    for ana in (ana1, ana2):
        assert await ana.expect("moderation") == removed
        assert await ana.closed_with() == 4410
    assert await lead.expect("moderation") == removed
    await lead.expect(
        "presence",
        participants=[person(w.lead, "facilitator"), person(w.ben)],
        lobby=[],
    )
    participant = await db(RoomParticipant.objects.get)(session=w.session, user=w.ana)
    assert participant.removed_at is not None
    assert participant.removed_reason == "rude"
    assert not any(f["type"] == "moderation" for f in await ben.drain())

    again, _ = await connect(w.session.pk, w.ana)
    assert await again.closed_with() == 4410


async def test_facilitators_cannot_be_removed_or_muted(room_world):
    w = room_world
    lead, _ = await enter(w.session.pk, w.lead)
    await enter(w.session.pk, w.co)
    await lead.send({"type": "mod.remove", "user": w.co.pk})
    await lead.error("conflict")
    await lead.send({"type": "mod.mute", "user": w.co.pk})
    await lead.error("conflict")
    await lead.send({"type": "mod.remove", "user": 987654})
    await lead.error("not_found")
    await lead.send({"type": "mod.remove", "user": w.ana.pk, "reason": "x" * 301})
    await lead.error("invalid", field="reason")


# --- 4429 ------------------------------------------------------------------------------------


async def test_flooding_past_the_hard_limit_closes_4429(room_world, settings):
    settings.ROOM_FRAMES_HARD_LIMIT = 6
    ana, _ = await enter(room_world.session.pk, room_world.ana)
    for _ in range(6):
        await ana.send({"type": "ping"})
    for _ in range(6):
        await ana.expect("pong")
    await ana.send({"type": "ping"})
    await ana.error("rate_limited")
    assert await ana.closed_with() == 4429


async def test_chat_past_the_burst_gets_rate_limited_and_the_connection_stays(room_world, settings):
    settings.ROOM_CHAT_BURST = 2
    settings.ROOM_CHAT_PER_MINUTE = 1
    w = room_world
    lead, _ = await enter(w.session.pk, w.lead)
    ana, _ = await enter(w.session.pk, w.ana)
    for text in ("one", "two", "three"):
        await ana.send({"type": "chat", "text": text})
    await ana.error("rate_limited")
    assert (await lead.expect("chat", seq=2))["text"] == "two"
    await ana.send({"type": "ping"})
    await ana.expect("pong")
    assert [f["code"] for f in ana.frames if f["type"] == "error"] == ["rate_limited"]
    assert (await db(Room.objects.get)(pk=w.session.pk)).last_seq == 2


# --- 1000 ------------------------------------------------------------------------------------


async def test_room_end_sends_room_ended_and_closes_everyone_1000(room_world):
    w = room_world
    lead, _ = await enter(w.session.pk, w.lead)
    co, _ = await enter(w.session.pk, w.co)
    ana, _ = await enter(w.session.pk, w.ana)
    await ana.send({"type": "room.end"})
    await ana.error("forbidden")
    await lead.send({"type": "room.end"})
    for client in (lead, co, ana):
        assert await client.expect("room.ended") == {"type": "room.ended"}
        assert await client.closed_with() == 1000
    session = await db(Session.objects.select_related("room").get)(pk=w.session.pk)
    assert session.room_open is False
    assert session.room.ended_at is not None
    assert session.room.ended_by_id == w.lead.pk
    again, _ = await connect(w.session.pk, w.ana)
    assert await again.closed_with() == 4409


# --- origin ------------------------------------------------------------------------------------


async def test_foreign_origin_is_rejected_before_the_consumer(room_world, settings):
    assert settings.DEBUG is False
    w = room_world
    for origin in (b"http://evil.example", b"https://testserver.evil.example"):
        client, connected = await connect(w.session.pk, w.ana, origin=origin)
        assert connected is False
    assert not await db(RoomParticipant.objects.filter(session=w.session).exists)()
    ok, connected = await connect(w.session.pk, w.lead, origin=b"http://localhost:8000")
    assert connected
    assert (await ok.expect("welcome"))["you"]["id"] == w.lead.pk


# --- welcome and lobby -------------------------------------------------------------------------


async def test_welcome_for_attendee_and_facilitator(room_world):
    w = room_world
    lead, welcome = await enter(w.session.pk, w.lead)
    assert welcome == welcome_of(
        w, w.lead, role="facilitator", presence=[person(w.lead, "facilitator")], lobby=[]
    )
    ana, welcome = await enter(w.session.pk, w.ana)
    assert welcome == welcome_of(w, w.ana, presence=[person(w.lead, "facilitator"), person(w.ana)])
    assert "lobby" not in welcome
    participant = await db(RoomParticipant.objects.get)(session=w.session, user=w.ana)
    assert participant.role == "attendee" and participant.admitted_at is not None
    assert participant.display_name == "Ana"
    # The staff coordinator enters as a facilitator.
    staff, welcome = await enter(w.session.pk, w.staff)
    assert welcome["you"]["role"] == "facilitator" and welcome["lobby"] == []


async def test_welcome_without_a_facilitator_says_paused(room_world):
    ana, welcome = await enter(room_world.session.pk, room_world.ana)
    assert welcome["room"]["paused"] is True
    assert welcome["presence"] == [person(room_world.ana)]


async def test_lobby_then_admit_gives_welcome(lobby_world):
    w = lobby_world
    lead, welcome = await enter(w.session.pk, w.lead)
    assert welcome["room"]["lobby_enabled"] is True and welcome["lobby"] == []
    await lead.send({"type": "chat", "text": "welcome, all"})
    await lead.expect("chat", seq=1)

    ana, first = await enter(w.session.pk, w.ana)
    assert first == {"type": "lobby", "message": first["message"]}
    assert isinstance(first["message"], str) and first["message"]
    ana_public = {"id": w.ana.pk, "display_name": "Ana", "role": "attendee"}
    assert await lead.expect("presence", lobby=[ana_public]) == {
        "type": "presence",
        "participants": [person(w.lead, "facilitator")],
        "lobby": [ana_public],
    }
    # Waiting: only ping works, and nothing of the room reaches the lobby.
    await ana.send({"type": "chat", "text": "let me in"})
    await ana.error("forbidden")
    await lead.send({"type": "chat", "text": "one moment"})
    await lead.expect("chat", seq=2)
    assert await ana.events() == []
    rsvp = await db(RSVP.objects.get)(session=w.session, user=w.ana)
    assert rsvp.attendance == RSVP.Attendance.UNKNOWN

    # Co-facilitators skip the lobby.
    co, welcome = await enter(w.session.pk, w.co)
    assert welcome["type"] == "welcome" and welcome["lobby"] == [ana_public]

    await lead.send({"type": "mod.admit", "user": w.ana.pk})
    admitted = {
        "type": "moderation",
        "action": "admit",
        "user": {"id": w.ana.pk, "display_name": "Ana"},
    }
    assert await lead.expect("moderation") == admitted
    assert await co.expect("moderation") == admitted
    welcome = await ana.expect("welcome")
    assert welcome["you"] == {
        "id": w.ana.pk,
        "display_name": "Ana",
        "role": "attendee",
        "muted": False,
        "hand": False,
    }
    assert [m["text"] for m in welcome["messages"]] == ["welcome, all", "one moment"]
    assert welcome["last_seq"] == 2
    assert "lobby" not in welcome
    await lead.expect("presence", lobby=[])
    participant = await db(RoomParticipant.objects.get)(session=w.session, user=w.ana)
    assert participant.admitted_at is not None
    rsvp = await db(RSVP.objects.get)(session=w.session, user=w.ana)
    assert rsvp.attendance == RSVP.Attendance.ATTENDED
    # Now in the room: chat works and reaches everyone.
    await ana.send({"type": "chat", "text": "thanks"})
    assert (await co.expect("chat"))["seq"] == 3
    # Admitting again changes nothing; an unknown user is not_found.
    await lead.send({"type": "mod.admit", "user": w.ana.pk})
    await lead.send({"type": "mod.admit", "user": 424242})
    await lead.error("not_found")


async def test_room_end_also_closes_the_lobby(lobby_world):
    w = lobby_world
    lead, _ = await enter(w.session.pk, w.lead)
    ana, first = await enter(w.session.pk, w.ana)
    assert first["type"] == "lobby"
    await lead.expect(
        "presence", lobby=[{"id": w.ana.pk, "display_name": "Ana", "role": "attendee"}]
    )
    await lead.send({"type": "room.end"})
    assert await lead.expect("room.ended") == {"type": "room.ended"}
    assert await ana.expect("room.ended") == {"type": "room.ended"}
    assert await ana.closed_with() == 1000
