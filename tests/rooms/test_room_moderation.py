"""Mute, delete, pause while no facilitator is here, and co-facilitators keeping control."""

from __future__ import annotations

from channels.db import database_sync_to_async

from rooms.models import Room, RoomMessage, RoomParticipant
from sessions_app.models import Session
from tests.rooms.conftest import enter

db = database_sync_to_async


def named(user) -> dict:
    return {"id": user.pk, "display_name": user.display_name}


def person(user, role="attendee", muted=False) -> dict:
    return {"id": user.pk, "display_name": user.display_name, "role": role, "muted": muted}


async def test_mute_refuses_chat_until_unmute(room_world):
    w = room_world
    lead, _ = await enter(w.session.pk, w.lead)
    co, _ = await enter(w.session.pk, w.co)
    ana, _ = await enter(w.session.pk, w.ana)
    ben, _ = await enter(w.session.pk, w.ben)
    await lead.send({"type": "mod.mute", "user": w.ana.pk})
    muted = {"type": "moderation", "action": "mute", "user": named(w.ana)}
    assert await ana.expect("moderation") == muted
    assert await lead.expect("moderation") == muted
    assert await co.expect("moderation") == muted
    await ben.expect(
        "presence",
        participants=[
            person(w.lead, "facilitator"),
            person(w.co, "facilitator"),
            person(w.ana, muted=True),
            person(w.ben),
        ],
    )
    assert "moderation" not in {f["type"] for f in ben.frames}
    assert (await db(RoomParticipant.objects.get)(user=w.ana)).muted is True

    await ana.send({"type": "chat", "text": "can you hear me"})
    await ana.error("muted")
    assert await db(RoomMessage.objects.count)() == 0
    # Muted people keep their other controls.
    await ana.send({"type": "hand", "raised": True})
    await ana.expect("queue", hands=[named(w.ana)])
    # A reconnect does not unmute.
    await ana.close()
    ana, welcome = await enter(w.session.pk, w.ana)
    assert welcome["you"]["muted"] is True and welcome["you"]["hand"] is True

    await co.send({"type": "mod.unmute", "user": w.ana.pk})
    unmuted = {"type": "moderation", "action": "unmute", "user": named(w.ana)}
    assert await ana.expect("moderation") == unmuted
    assert await lead.expect("moderation") == unmuted
    await ana.send({"type": "chat", "text": "back"})
    assert (await ben.expect("chat"))["seq"] == 1
    assert (await db(RoomParticipant.objects.get)(user=w.ana)).muted is False


async def test_mute_errors(room_world):
    w = room_world
    lead, _ = await enter(w.session.pk, w.lead)
    await lead.send({"type": "mod.mute", "user": 31337})
    await lead.error("not_found")
    await lead.send({"type": "mod.mute", "user": "ana"})
    await lead.error("invalid", field="user")
    await lead.send({"type": "mod.mute"})
    await lead.error("invalid", field="user")
    await lead.send({"type": "mod.unmute", "user": True})
    await lead.error("invalid", field="user")
    # An id past a database integer used to crash the connection (an OverflowError on lookup).
    await lead.send({"type": "mod.mute", "user": 2**70})
    await lead.error("invalid", field="user")
    await lead.send({"type": "mod.remove", "user": -(2**70)})
    await lead.error("invalid", field="user")
    await lead.send({"type": "mod.delete_message", "seq": 2**64})
    await lead.error("invalid", field="seq")
    await lead.send({"type": "ping"})
    assert await lead.expect("pong") == {"type": "pong"}


async def test_deleted_message_is_replayed_as_deleted(room_world):
    w = room_world
    lead, _ = await enter(w.session.pk, w.lead)
    ana, _ = await enter(w.session.pk, w.ana)
    ben, _ = await enter(w.session.pk, w.ben)
    await ben.send({"type": "chat", "text": "something harmful"})
    await ben.send({"type": "chat", "text": "sorry"})
    await ana.expect("chat", seq=2)
    await lead.send({"type": "mod.delete_message", "seq": 1})
    deleted = {"type": "moderation", "action": "delete_message", "seq": 1}
    for client in (lead, ana, ben):
        assert await client.expect("moderation") == deleted
    message = await db(RoomMessage.objects.get)(seq=1)
    assert message.deleted_at is not None and message.deleted_by_id == w.lead.pk
    replay = {
        "type": "chat",
        "seq": 1,
        "author": {"id": w.ben.pk, "display_name": "Ben", "role": "attendee"},
        "text": "",
        "sent_at": message.sent_at.isoformat().replace("+00:00", "Z"),
        "deleted": True,
    }
    await ana.close()
    ana, welcome = await enter(w.session.pk, w.ana)
    assert welcome["messages"][0] == replay
    assert welcome["messages"][1]["text"] == "sorry" and "deleted" not in welcome["messages"][1]
    await ana.send({"type": "resume", "after_seq": 0})
    resumed = [f for f in await ana.drain() if f["type"] == "chat"]
    assert resumed[0] == replay and [f["seq"] for f in resumed] == [1, 2]
    # Deleting again is quiet; unknown or malformed seqs are errors.
    await lead.send({"type": "mod.delete_message", "seq": 1})
    assert "moderation" not in {f["type"] for f in await lead.drain()}
    await lead.send({"type": "mod.delete_message", "seq": 9})
    await lead.error("not_found")
    await lead.send({"type": "mod.delete_message", "seq": "1"})
    await lead.error("invalid", field="seq")
    # A report of a deleted message tells the facilitators without its text.
    await ana.send({"type": "report", "seq": 1, "reason": "was bad"})
    alert = await lead.expect("alert")
    assert (alert["kind"], alert["seq"], alert["text"]) == ("report", 1, "")


async def test_chat_pauses_while_no_facilitator_is_here(room_world):
    w = room_world
    ana, welcome = await enter(w.session.pk, w.ana)
    assert welcome["room"]["paused"] is True
    await ana.send({"type": "chat", "text": "anyone?"})
    await ana.error("paused")
    assert await db(RoomMessage.objects.count)() == 0

    lead, _ = await enter(w.session.pk, w.lead)
    assert await ana.expect("room.state", paused=False) == {
        "type": "room.state",
        "locked": False,
        "paused": False,
    }
    await ana.send({"type": "chat", "text": "hi"})
    assert (await lead.expect("chat"))["seq"] == 1

    await lead.close()
    assert await ana.expect("room.state", paused=True) == {
        "type": "room.state",
        "locked": False,
        "paused": True,
    }
    await ana.send({"type": "chat", "text": "hello?"})
    await ana.error("paused")
    # Other frames still work while paused.
    await ana.send({"type": "hand", "raised": True})
    await ana.expect("queue", hands=[named(w.ana)])
    assert await db(RoomMessage.objects.count)() == 1


async def test_a_facilitator_alone_may_chat(room_world):
    w = room_world
    lead, welcome = await enter(w.session.pk, w.lead)
    assert welcome["room"]["paused"] is False
    await lead.send({"type": "chat", "text": "opening"})
    assert (await lead.expect("chat"))["seq"] == 1


async def test_co_facilitator_keeps_every_control_when_the_lead_leaves(room_world):
    w = room_world
    lead, _ = await enter(w.session.pk, w.lead)
    co, _ = await enter(w.session.pk, w.co)
    ana, _ = await enter(w.session.pk, w.ana)
    ben, _ = await enter(w.session.pk, w.ben)
    await lead.close()
    await ana.expect(
        "presence",
        participants=[person(w.co, "facilitator"), person(w.ana), person(w.ben)],
    )
    assert not any(f["type"] == "room.state" and f["paused"] for f in await ana.drain())
    await ana.send({"type": "chat", "text": "still here"})
    assert (await co.expect("chat"))["seq"] == 1

    await ben.send({"type": "hand", "raised": True})
    await co.expect("queue", hands=[named(w.ben)])
    await co.send({"type": "mod.next_speaker"})
    assert await ana.expect("queue", speaker=named(w.ben)) == {
        "type": "queue",
        "hands": [],
        "speaker": named(w.ben),
    }
    await co.send({"type": "mod.mute", "user": w.ben.pk})
    await ben.expect("moderation", action="mute")
    await co.send({"type": "mod.delete_message", "seq": 1})
    await ana.expect("moderation", action="delete_message")
    await co.send({"type": "room.lock", "locked": True})
    await ana.expect("room.state", locked=True)
    assert (await db(Room.objects.get)(pk=w.session.pk)).locked is True
    await ana.send({"type": "checkin", "mood": 3, "phase": "end"})
    assert (await co.expect("checkin"))["mood"] == 3
    await co.send({"type": "mod.remove", "user": w.ben.pk})
    assert await ben.closed_with() == 4410
    await co.send({"type": "room.end"})
    assert await ana.expect("room.ended") == {"type": "room.ended"}
    assert await ana.closed_with() == 1000
    assert await co.closed_with() == 1000
    assert (await db(Session.objects.get)(pk=w.session.pk)).room_open is False


async def test_a_facilitator_taken_off_the_group_mid_session_cannot_end_the_room(room_world):
    """The connection was a facilitator's when it opened; the room asks again at `room.end`."""
    from sessions_app.models import FacilitatorAssignment

    w = room_world
    lead, _ = await enter(w.session.pk, w.lead)
    co, _ = await enter(w.session.pk, w.co)
    await db(FacilitatorAssignment.objects.filter(user=w.co).delete)()
    await co.send({"type": "room.end"})
    await co.error("forbidden")
    assert (await db(Session.objects.get)(pk=w.session.pk)).room_open is True
    await co.send({"type": "ping"})
    assert await co.expect("pong") == {"type": "pong"}


async def test_a_bug_in_a_frame_answers_unavailable_and_the_connection_stays(
    room_world, monkeypatch, caplog
):
    from rooms import services

    def broken(**kwargs):
        raise KeyError("a bug")

    monkeypatch.setattr(services, "hand_set", broken)
    w = room_world
    ana, _ = await enter(w.session.pk, w.ana)
    await ana.send({"type": "hand", "raised": True})
    await ana.error("unavailable")
    assert f"room {w.session.pk}: hand failed" in caplog.text and "KeyError" in caplog.text
    await ana.send({"type": "ping"})
    assert await ana.expect("pong") == {"type": "pong"}
