"""The private line: `private.send` reaches the room's facilitators and the sender only,
`private.reply` the facilitators and that attendee only; both sides get the thread again in
the welcome; it is rate-limited like chat and follows the room messages' retention."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from channels.db import database_sync_to_async

from rooms import services as room_services
from rooms.models import PrivateMessage, RoomMessage
from tests.rooms.conftest import build_room_world, enter

db = database_sync_to_async


def person(user, role="attendee") -> dict:
    return {"id": user.pk, "display_name": user.display_name, "role": role}


def private_frames(frames: list[dict]) -> list[dict]:
    return [f for f in frames if f["type"] == "private"]


async def test_a_private_message_reaches_the_facilitators_and_the_sender_only(room_world):
    w = room_world
    lead, _ = await enter(w.session.pk, w.lead)
    co, _ = await enter(w.session.pk, w.co)
    ana, _ = await enter(w.session.pk, w.ana)
    ana_tab2, _ = await enter(w.session.pk, w.ana)
    ben, _ = await enter(w.session.pk, w.ben)
    await ana.send({"type": "private.send", "text": "  Can someone check in with me?  "})
    first = await lead.expect("private")
    stored = await db(PrivateMessage.objects.get)()
    expected = {
        "type": "private",
        "id": stored.pk,
        "thread": {"id": w.ana.pk, "display_name": "Ana"},
        "author": person(w.ana),
        "text": "Can someone check in with me?",
        "support": False,
        "sent_at": stored.sent_at.isoformat().replace("+00:00", "Z"),
    }
    assert first == expected
    for client in (co, ana, ana_tab2):
        assert await client.expect("private") == expected
    # Ben, another attendee in the same room, receives nothing of it.
    assert private_frames(await ben.drain()) == []
    assert "Can someone" not in str(ben.frames)
    # Nor is it a chat message.
    assert not await db(RoomMessage.objects.exists)()

    await lead.send({"type": "private.reply", "user": w.ana.pk, "text": "Of course, Ana."})
    reply = await ana.expect("private", text="Of course, Ana.")
    assert reply["thread"] == {"id": w.ana.pk, "display_name": "Ana"}
    assert reply["author"] == person(w.lead, "facilitator")
    assert (await co.expect("private", text="Of course, Ana."))["id"] == reply["id"]
    assert (await lead.expect("private", text="Of course, Ana."))["id"] == reply["id"]
    assert private_frames(await ben.drain()) == []
    assert "Of course" not in str(ben.frames)


async def test_both_sides_see_the_thread_again_after_a_reconnect(room_world):
    w = room_world
    lead, _ = await enter(w.session.pk, w.lead)
    ana, _ = await enter(w.session.pk, w.ana)
    ben, _ = await enter(w.session.pk, w.ben)
    await ana.send({"type": "private.send", "text": "first"})
    await lead.expect("private", text="first")
    await ben.send({"type": "private.send", "text": "from Ben"})
    await lead.expect("private", text="from Ben")
    await lead.send({"type": "private.reply", "user": w.ana.pk, "text": "answer"})
    await ana.expect("private", text="answer")
    await ana.close()
    await lead.close()
    await ben.close()

    _, ana_welcome = await enter(w.session.pk, w.ana)
    assert [(f["author"]["id"], f["text"]) for f in ana_welcome["private"]] == [
        (w.ana.pk, "first"),
        (w.lead.pk, "answer"),
    ]
    _, ben_welcome = await enter(w.session.pk, w.ben)
    assert [f["text"] for f in ben_welcome["private"]] == ["from Ben"]
    _, co_welcome = await enter(w.session.pk, w.co)
    assert [f["text"] for f in co_welcome["private"]] == ["first", "from Ben", "answer"]


async def test_asking_for_support_privately_needs_no_text(room_world):
    w = room_world
    lead, _ = await enter(w.session.pk, w.lead)
    ana, _ = await enter(w.session.pk, w.ana)
    ben, _ = await enter(w.session.pk, w.ben)
    await ana.send({"type": "private.send", "support": True})
    frame = await lead.expect("private")
    assert (frame["support"], frame["text"], frame["author"]) == (True, "", person(w.ana))
    await ana.send({"type": "private.send", "support": True, "text": "rough day"})
    assert (await lead.expect("private", text="rough day"))["support"] is True
    assert private_frames(await ben.drain()) == []
    await ana.send({"type": "private.send", "support": "yes"})
    await ana.error("invalid", field="support")
    await ana.send({"type": "private.send", "text": "   "})
    await ana.error("invalid", field="text")


async def test_who_may_use_the_private_line(room_world, settings):
    settings.ROOM_CHAT_BURST = 20  # every refused frame counts too
    w = room_world
    lead, _ = await enter(w.session.pk, w.lead)
    ana, _ = await enter(w.session.pk, w.ana)
    ben, _ = await enter(w.session.pk, w.ben)
    # Facilitators answer; they do not write to themselves.
    await lead.send({"type": "private.send", "text": "hello"})
    await lead.error("forbidden")
    # Attendees cannot answer anyone privately (nor reach another attendee).
    await ana.send({"type": "private.reply", "user": w.ben.pk, "text": "psst"})
    await ana.error("forbidden")
    # A reply names an attendee who has been in this room.
    await lead.send({"type": "private.reply", "user": w.nora.pk, "text": "hi"})
    await lead.error("not_found")
    await lead.send({"type": "private.reply", "user": "ana", "text": "hi"})
    await lead.error("invalid", field="user")
    co, _ = await enter(w.session.pk, w.co)
    await lead.send({"type": "private.reply", "user": w.co.pk, "text": "hi"})
    await lead.error("conflict")
    await lead.send({"type": "private.reply", "user": w.ana.pk, "text": "x" * 2001})
    await lead.error("too_long")
    # A muted attendee can still reach the facilitators privately.
    await lead.send({"type": "mod.mute", "user": w.ana.pk})
    await ana.expect("moderation", action="mute")
    await ana.send({"type": "private.send", "text": "why was I muted?"})
    await lead.expect("private", text="why was I muted?")
    # Someone removed is not answered (their connections are closed).
    await lead.send({"type": "mod.remove", "user": w.ben.pk})
    assert await ben.closed_with() == 4410
    await lead.send({"type": "private.reply", "user": w.ben.pk, "text": "bye"})
    await lead.error("conflict")
    assert await db(PrivateMessage.objects.count)() == 1
    assert private_frames(await co.drain()) == [
        f for f in co.frames if f["type"] == "private" and f["text"] == "why was I muted?"
    ]


async def test_people_in_the_lobby_cannot_use_the_private_line(lobby_world):
    w = lobby_world
    lead, _ = await enter(w.session.pk, w.lead)
    ana, first = await enter(w.session.pk, w.ana)
    assert first["type"] == "lobby"
    await ana.send({"type": "private.send", "text": "let me in"})
    await ana.error("forbidden")
    assert private_frames(await lead.drain()) == []


async def test_the_private_line_is_rate_limited_like_chat(room_world, settings):
    settings.ROOM_CHAT_BURST = 2
    settings.ROOM_CHAT_PER_MINUTE = 1
    w = room_world
    lead, _ = await enter(w.session.pk, w.lead)
    ana, _ = await enter(w.session.pk, w.ana)
    for n in range(2):
        await ana.send({"type": "private.send", "text": f"p{n}"})
        await lead.expect("private", text=f"p{n}")
    await ana.send({"type": "private.send", "text": "p2"})
    await ana.error("rate_limited")
    # Its own allowance: chat still goes.
    await ana.send({"type": "chat", "text": "in the room"})
    await lead.expect("chat", text="in the room")
    for n in range(2):
        await lead.send({"type": "private.reply", "user": w.ana.pk, "text": f"r{n}"})
        await ana.expect("private", text=f"r{n}")
    await lead.send({"type": "private.reply", "user": w.ana.pk, "text": "r2"})
    await lead.error("rate_limited")
    assert await db(PrivateMessage.objects.count)() == 4


@pytest.mark.django_db(transaction=True)
def test_private_messages_follow_the_room_retention(settings):
    settings.ROOM_MESSAGE_RETENTION_HOURS = 24
    w = build_room_world()
    for user in (w.lead, w.ana):
        room_services.room_join(session_id=w.session.pk, user=user, server_id="test")
    room_services.private_send(session_id=w.session.pk, user=w.ana, text="private")
    room_services.private_reply(session_id=w.session.pk, by=w.lead, user_id=w.ana.pk, text="ok")
    with time_machine.travel(w.session.end + timedelta(hours=23), tick=False):
        room_services.room_messages_purge()
    assert PrivateMessage.objects.count() == 2
    with time_machine.travel(w.session.end + timedelta(hours=25), tick=False):
        room_services.room_messages_purge()
    assert PrivateMessage.objects.count() == 0
