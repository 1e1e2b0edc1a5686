"""`resume`: after a reconnect a client gets exactly what it missed, once, in order."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from rooms.models import RoomMessage
from tests.rooms.conftest import enter

db = database_sync_to_async


@pytest.fixture(autouse=True)
def chatty(settings):
    settings.ROOM_CHAT_BURST = 100


async def chat_frames(client) -> list[dict]:
    return [f for f in await client.drain() if f["type"] == "chat"]


async def say(client, *texts, reader) -> None:
    """Send chat messages one by one, each seen by `reader` before the next."""
    for text in texts:
        await client.send({"type": "chat", "text": text})
        await reader.expect("chat", text=text)


async def stored_frames(session_id, after=0) -> list[dict]:
    def read():
        rows = RoomMessage.objects.filter(session_id=session_id, seq__gt=after).order_by("seq")
        return [
            {
                "type": "chat",
                "seq": m.seq,
                "author": {"id": m.author_id, "display_name": m.author_name, "role": m.author_role},
                "text": "" if m.deleted_at else m.text,
                "sent_at": m.sent_at.isoformat().replace("+00:00", "Z"),
                **({"deleted": True} if m.deleted_at else {}),
            }
            for m in rows
        ]

    return await db(read)()


async def test_resume_gets_exactly_the_missed_messages_once(room_world):
    w = room_world
    lead, _ = await enter(w.session.pk, w.lead)
    ana, _ = await enter(w.session.pk, w.ana)
    ben, _ = await enter(w.session.pk, w.ben)
    await say(ana, "one", "two", reader=lead)
    seen = max(f["seq"] for f in await chat_frames(ana) + ana.frames if f["type"] == "chat")
    assert seen == 2
    await ana.close()
    await say(lead, "three", "four", reader=ben)
    await say(ben, "five", reader=lead)

    ana, welcome = await enter(w.session.pk, w.ana)
    assert welcome["last_seq"] == 5
    await ana.send({"type": "resume", "after_seq": seen})
    missed = await chat_frames(ana)
    assert missed == await stored_frames(w.session.pk, after=2)
    assert [f["seq"] for f in missed] == [3, 4, 5]
    # Live messages carry on after the replay, once each.
    await say(lead, "six", reader=ben)
    assert [f["seq"] for f in await chat_frames(ana)] == [6]


async def test_resume_after_a_welcome_that_covered_some(room_world, settings):
    settings.ROOM_WELCOME_MESSAGES = 2
    w = room_world
    lead, _ = await enter(w.session.pk, w.lead)
    ana, _ = await enter(w.session.pk, w.ana)
    await say(lead, "m1", reader=ana)
    await ana.close()
    await say(lead, "m2", "m3", "m4", "m5", reader=lead)

    ana, welcome = await enter(w.session.pk, w.ana)
    assert [m["seq"] for m in welcome["messages"]] == [4, 5]
    assert welcome["last_seq"] == 5
    # A live message arrives between the welcome and the resume.
    await say(lead, "m6", reader=ana)
    await ana.send({"type": "resume", "after_seq": 1})
    replay = await chat_frames(ana)
    # 2..5 from the store (4 and 5 again: the client asked from 1); 6 came live already.
    assert [f["seq"] for f in replay] == [2, 3, 4, 5]
    assert replay == (await stored_frames(w.session.pk, after=1))[:4]
    # Asking again from the last seen seq gives nothing; resuming twice repeats nothing live.
    await ana.send({"type": "resume", "after_seq": 6})
    assert await chat_frames(ana) == []
    await say(lead, "m7", reader=lead)
    assert [f["seq"] for f in await chat_frames(ana)] == [7]


async def test_resume_from_zero_replays_everything_in_order(room_world, settings):
    settings.ROOM_RESUME_MAX_MESSAGES = 1000
    w = room_world
    lead, _ = await enter(w.session.pk, w.lead)
    await say(lead, *[f"n{i}" for i in range(1, 8)], reader=lead)
    ana, _ = await enter(w.session.pk, w.ana)
    await ana.send({"type": "resume", "after_seq": 0})
    frames = await chat_frames(ana)
    assert [f["seq"] for f in frames] == list(range(1, 8))
    assert all("client_id" not in f for f in frames)
    await ana.send({"type": "resume", "after_seq": 5})
    assert [f["seq"] for f in await chat_frames(ana)] == [6, 7]


async def test_resume_limit(room_world, settings):
    settings.ROOM_RESUME_MAX_MESSAGES = 3
    w = room_world
    lead, _ = await enter(w.session.pk, w.lead)
    await say(lead, "a", "b", "c", "d", "e", reader=lead)
    ana, _ = await enter(w.session.pk, w.ana)
    await ana.send({"type": "resume", "after_seq": 0})
    assert [f["seq"] for f in await chat_frames(ana)] == [1, 2, 3]


@pytest.mark.parametrize("after", [-1, "3", True, 1.5, None])
async def test_resume_with_an_invalid_after_seq(room_world, after):
    ana, _ = await enter(room_world.session.pk, room_world.ana)
    await ana.send({"type": "resume", "after_seq": after})
    await ana.error("invalid", field="after_seq")
    await ana.send({"type": "ping"})
    await ana.expect("pong")
