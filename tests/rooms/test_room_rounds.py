"""Rounds: a facilitator starts one with a prompt, everyone present goes into the queue in the
order they came, people pass, and it ends when the queue empties or the facilitator ends it
(docs/rooms.md, Rounds)."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from rooms import services as room_services
from rooms.models import Room
from tests.factories import GroupFactory, UserFactory, facilitator
from tests.rooms.conftest import connect, enter

db = database_sync_to_async


def named(user) -> dict:
    return {"id": user.pk, "display_name": user.display_name}


async def test_a_round_queues_everyone_present_in_order_and_ends_when_empty(room_world):
    w = room_world
    lead, _ = await enter(w.session.pk, w.lead)
    ben, _ = await enter(w.session.pk, w.ben)
    ana, _ = await enter(w.session.pk, w.ana)
    await ana.send({"type": "hand", "raised": True})  # an earlier hand does not jump the round
    await lead.expect("queue", hands=[named(w.ana)])

    await lead.send({"type": "mod.round_start", "prompt": "  One thing you are grateful for  "})
    frame = await ana.expect("queue", speaker=named(w.ben))
    started = frame["round"]["started_at"]
    assert frame == {
        "type": "queue",
        "hands": [named(w.ana)],
        "speaker": named(w.ben),
        "round": {"prompt": "One thing you are grateful for", "started_at": started},
    }
    # A reconnecting client sees the prompt too.
    late, welcome = await enter(w.session.pk, w.ana)
    assert welcome["queue"]["round"]["prompt"] == "One thing you are grateful for"
    await late.close()

    # Ben has spoken; he passes the turn on. Ana passes on hers: the queue is empty, the
    # round is over.
    await ben.send({"type": "round.pass"})
    assert (await lead.expect("queue", speaker=named(w.ana)))["hands"] == []
    await ana.send({"type": "round.pass"})
    frame = await lead.expect("queue", speaker=None)
    assert frame == {"type": "queue", "hands": [], "speaker": None}
    stored = await db(Room.objects.get)(session_id=w.session.pk)
    assert (stored.round_prompt, stored.round_started_at) == ("", None)
    # Outside a round, round.pass is refused; the connection stays.
    await ana.send({"type": "round.pass"})
    await ana.error("conflict")


async def test_passing_before_my_turn_and_the_facilitator_ending_it(room_world):
    w = room_world
    lead, _ = await enter(w.session.pk, w.lead)
    ana, _ = await enter(w.session.pk, w.ana)
    ben, _ = await enter(w.session.pk, w.ben)
    await lead.send({"type": "mod.round_start", "prompt": "How was your week?"})
    frame = await lead.expect("queue", speaker=named(w.ana))
    assert frame["hands"] == [named(w.ben)]
    await ben.send({"type": "round.pass"})  # not my turn yet: I leave the round's queue
    frame = await lead.expect("queue", hands=[])
    assert frame["speaker"] == named(w.ana) and "round" in frame
    await lead.send({"type": "mod.round_end"})
    frame = await ana.expect("queue", speaker=named(w.ana))
    while "round" in frame:
        frame = await ana.expect("queue", speaker=named(w.ana))
    assert frame == {"type": "queue", "hands": [], "speaker": named(w.ana)}


async def test_round_errors_and_roles(lobby_world):
    w = lobby_world

    def other_facilitator():
        return facilitator(GroupFactory(), UserFactory())

    # Made before anyone connects: SQLite's test database takes one writer at a time.
    stranger = await db(other_facilitator)()
    lead, _ = await enter(w.session.pk, w.lead)
    await lead.send({"type": "mod.round_start", "prompt": "Hello"})
    await lead.error("conflict")  # nobody but facilitators here
    ana, first = await enter(w.session.pk, w.ana)
    assert first["type"] == "lobby"
    await lead.send({"type": "mod.round_start", "prompt": "Hello"})
    await lead.error("conflict")  # the lobby is not in rounds
    for prompt in (None, "", "   ", 5, "x" * 301, "a\x00b"):
        await lead.send({"type": "mod.round_start", "prompt": prompt})
        await lead.error("invalid", field="prompt")
    await ana.send({"type": "round.pass"})
    await ana.error("forbidden")  # waiting in the lobby
    await lead.send({"type": "mod.admit", "user": w.ana.pk})
    await ana.expect("welcome")
    for frame in ({"type": "mod.round_start", "prompt": "Hi"}, {"type": "mod.round_end"}):
        await ana.send(frame)
        await ana.error("forbidden")
    await lead.send({"type": "mod.mute", "user": w.ana.pk})
    await ana.expect("moderation", action="mute")
    await lead.send({"type": "mod.round_start", "prompt": "Hi"})
    await ana.expect("queue", speaker=named(w.ana))
    await ana.send({"type": "round.pass"})  # muted people may still pass
    await lead.expect("queue", speaker=None)

    client, _ = await connect(w.session.pk, stranger)
    assert await client.closed_with() == 4403
    for call, kwargs in (
        (room_services.round_start, {"by": stranger, "prompt": "Hi"}),
        (room_services.round_end, {"by": stranger}),
        (room_services.round_pass, {"user": stranger}),
    ):
        with pytest.raises(room_services.RoomError) as refused:
            await db(call)(session_id=w.session.pk, **kwargs)
        assert refused.value.code == "forbidden"


async def test_a_removed_person_leaves_the_round(room_world):
    w = room_world
    lead, _ = await enter(w.session.pk, w.lead)
    ana, _ = await enter(w.session.pk, w.ana)
    ben, _ = await enter(w.session.pk, w.ben)
    await lead.send({"type": "mod.round_start", "prompt": "Check in"})
    await lead.expect("queue", speaker=named(w.ana))
    await lead.send({"type": "mod.remove", "user": w.ben.pk})
    assert await ben.closed_with() == 4410
    frame = await lead.expect("queue", hands=[])
    assert frame["speaker"] == named(w.ana)
    with pytest.raises(room_services.RoomError) as refused:
        await db(room_services.round_pass)(session_id=w.session.pk, user=w.ben)
    assert refused.value.code == "forbidden"
