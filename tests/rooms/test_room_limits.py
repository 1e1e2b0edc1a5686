"""Limits per person, not per connection: the chat bucket survives reconnects and is shared by
all of a person's connections; a person holds at most ROOM_MAX_CONNECTIONS_PER_PERSON
connections to a room, a newer one closing the oldest with 4430; a closed connection drops
the frames still queued to it."""

from __future__ import annotations

import json

from channels.db import database_sync_to_async

from rooms import limits
from rooms.access import CLOSE_FLOODING, CLOSE_TOO_MANY_CONNECTIONS
from rooms.models import RoomConnection, RoomMessage, RoomParticipant
from tests.rooms.conftest import enter

db = database_sync_to_async


async def chat_ok(client, watcher, text: str) -> None:
    """Send a chat message and wait until the watcher has it (so it counted)."""
    await client.send({"type": "chat", "text": text})
    await watcher.expect("chat", text=text)


def slow_refill(settings) -> None:
    # A burst of 5, then one a minute: nothing refills while the test runs.
    settings.ROOM_CHAT_BURST = 5
    settings.ROOM_CHAT_PER_MINUTE = 1


async def test_a_reconnect_does_not_reset_the_chat_bucket(room_world, settings):
    slow_refill(settings)
    w = room_world
    lead, _ = await enter(w.session.pk, w.lead)
    first, _ = await enter(w.session.pk, w.ana)
    for n in range(3):
        await chat_ok(first, lead, f"first {n}")
    await first.close()

    again, _ = await enter(w.session.pk, w.ana)
    for n in range(2):
        await chat_ok(again, lead, f"again {n}")
    await again.send({"type": "chat", "text": "the sixth"})
    await again.error("rate_limited")
    texts = await db(
        lambda: list(RoomMessage.objects.filter(session=w.session).values_list("text", flat=True))
    )()
    assert "the sixth" not in texts and len(texts) == 5


async def test_two_open_connections_of_one_person_share_the_bucket(room_world, settings):
    slow_refill(settings)
    w = room_world
    lead, _ = await enter(w.session.pk, w.lead)
    one, _ = await enter(w.session.pk, w.ana)
    two, _ = await enter(w.session.pk, w.ana)
    for n in range(3):
        await chat_ok(one, lead, f"one {n}")
    for n in range(2):
        await chat_ok(two, lead, f"two {n}")
    await two.send({"type": "chat", "text": "sixth"})
    await two.error("rate_limited")
    await one.send({"type": "chat", "text": "seventh"})
    await one.error("rate_limited")
    # Someone else's bucket is their own.
    ben, _ = await enter(w.session.pk, w.ben)
    await chat_ok(ben, lead, "ben is fine")


async def test_the_bucket_refills_at_the_rate_per_person(settings):
    """The rule itself, on an injected clock: 5 at once, then one every 3 s (20 a minute)."""
    settings.ROOM_CHAT_BURST = 5
    settings.ROOM_CHAT_PER_MINUTE = 20
    await limits.chat_limiter().reset()
    start = 1_000_000_000_000_000  # microseconds

    async def take(session_id, user_id, at_seconds):
        now = start + int(at_seconds * 1_000_000)
        return await limits.chat_allowed(session_id=session_id, user_id=user_id, now=now)

    assert [await take(1, 7, 0) for _ in range(6)] == [True] * 5 + [False]
    assert await take(1, 7, 2.9) is False
    assert await take(1, 7, 3) is True
    assert await take(1, 7, 3) is False
    assert await take(2, 7, 3) is True  # another room
    assert await take(1, 8, 3) is True  # another person
    # After a long quiet spell the bucket is full again, never fuller.
    assert [await take(1, 7, 600) for _ in range(6)] == [True] * 5 + [False]
    await limits.chat_limiter().reset()
    await limits.chat_limiter_close()


async def test_a_fourth_connection_closes_the_oldest_with_4430(room_world):
    w = room_world
    ben, _ = await enter(w.session.pk, w.ben)
    ana1, _ = await enter(w.session.pk, w.ana)
    ana2, _ = await enter(w.session.pk, w.ana)
    ana3, _ = await enter(w.session.pk, w.ana)
    ana4, _ = await enter(w.session.pk, w.ana)
    assert await ana1.closed_with() == CLOSE_TOO_MANY_CONNECTIONS
    await ana1.close()  # the server's disconnect, as Daphne sends it after the close
    for client in (ana2, ana3, ana4, ben):
        await client.send({"type": "ping"})
        await client.expect("pong")

    def rows():
        return sorted(
            RoomConnection.objects.filter(session=w.session, participant__user=w.ana).values_list(
                "pk", flat=True
            )
        )

    assert len(await db(rows)()) == 3
    # A fifth closes the next oldest, and Ana is still present throughout.
    ana5, welcome = await enter(w.session.pk, w.ana)
    assert [p["id"] for p in welcome["presence"]].count(w.ana.pk) == 1
    assert await ana2.closed_with() == CLOSE_TOO_MANY_CONNECTIONS
    await ana2.close()
    participant = await db(RoomParticipant.objects.get)(session=w.session, user=w.ana)
    assert participant.present_since is not None and participant.last_left_at is None
    for client in (ana3, ana4, ana5, ben):
        await client.send({"type": "ping"})
        await client.expect("pong")


async def test_the_cap_is_a_setting(room_world, settings):
    settings.ROOM_MAX_CONNECTIONS_PER_PERSON = 1
    w = room_world
    old, _ = await enter(w.session.pk, w.lead)
    new, _ = await enter(w.session.pk, w.lead)
    assert await old.closed_with() == CLOSE_TOO_MANY_CONNECTIONS
    await new.send({"type": "ping"})
    await new.expect("pong")


async def test_frames_queued_after_a_4429_close_are_dropped(room_world, settings):
    settings.ROOM_FRAMES_HARD_LIMIT = 3
    w = room_world
    lead, _ = await enter(w.session.pk, w.lead)
    ana, _ = await enter(w.session.pk, w.ana)
    await ana.drain()  # the joins' presence frames, and one frame of the window
    for _ in range(2):
        await ana.send({"type": "ping"})
    await ana.send({"type": "chat", "text": "over the limit"})
    await ana.send({"type": "chat", "text": "queued after the close"})
    await ana.send({"type": "ping"})
    # The disconnect comes after the queued frames: once the consumer has ended, it has
    # handled all of them, and everything it sent is in the output queue.
    await ana.ws.send_input({"type": "websocket.disconnect", "code": 1006})
    await ana.ws.wait(5)
    out = []
    while not ana.ws.output_queue.empty():
        out.append(ana.ws.output_queue.get_nowait())
    closes = [i for i, m in enumerate(out) if m["type"] == "websocket.close"]
    assert len(closes) == 1 and out[closes[0]]["code"] == CLOSE_FLOODING
    assert closes[0] == len(out) - 1, out[closes[0] :]  # nothing after the close
    kinds = [
        json.loads(m["text"])["type"] for m in out[: closes[0]] if m["type"] != "websocket.close"
    ]
    assert kinds[-1] == "error"
    assert not await db(RoomMessage.objects.filter(session=w.session).exists)()
