"""Raised hands and the speaking turn."""

from __future__ import annotations

from channels.db import database_sync_to_async

from rooms.models import Room, RoomParticipant
from tests.rooms.conftest import enter

db = database_sync_to_async


def named(user) -> dict:
    return {"id": user.pk, "display_name": user.display_name}


def queue(hands, speaker=None) -> dict:
    return {"type": "queue", "hands": [named(u) for u in hands], "speaker": speaker}


async def test_hands_reorder_next_speaker_and_pass(room_world):
    w = room_world
    lead, _ = await enter(w.session.pk, w.lead)
    ana, _ = await enter(w.session.pk, w.ana)
    ben, _ = await enter(w.session.pk, w.ben)

    await ana.send({"type": "hand", "raised": True})
    assert await ben.expect("queue", hands=[named(w.ana)]) == queue([w.ana])
    await ben.send({"type": "hand", "raised": True})
    assert await lead.expect("queue", hands=[named(w.ana), named(w.ben)]) == queue([w.ana, w.ben])
    # Raising again keeps the place.
    await ana.send({"type": "hand", "raised": True})
    ranks = await db(
        lambda: dict(
            RoomParticipant.objects.filter(hand_rank__isnull=False).values_list(
                "user_id", "hand_rank"
            )
        )
    )()
    assert ranks[w.ana.pk] < ranks[w.ben.pk]

    await lead.send({"type": "mod.reorder", "order": [w.ben.pk, w.ana.pk]})
    assert await ana.expect("queue", hands=[named(w.ben), named(w.ana)]) == queue([w.ben, w.ana])

    await lead.send({"type": "mod.next_speaker"})
    expected = queue([w.ana], speaker=named(w.ben))
    for client in (lead, ana, ben):
        assert await client.expect("queue", speaker=named(w.ben)) == expected
    assert (await db(Room.objects.get)(pk=w.session.pk)).speaker_id == w.ben.pk

    # The speaker passes: the next raised hand speaks.
    await ben.send({"type": "pass"})
    expected = queue([], speaker=named(w.ana))
    assert await lead.expect("queue", speaker=named(w.ana)) == expected
    # Passing when it is not my turn changes nothing.
    await ben.send({"type": "pass"})
    assert "queue" not in {f["type"] for f in await lead.drain()}
    # Ana passes with nobody waiting: nobody speaks.
    await ana.send({"type": "pass"})
    assert await ben.expect("queue", speaker=None) == queue([])
    assert (await db(Room.objects.get)(pk=w.session.pk)).speaker_id is None

    # pass also lowers a raised hand.
    await ben.send({"type": "hand", "raised": True})
    await lead.expect("queue", hands=[named(w.ben)])
    await ben.send({"type": "pass"})
    assert await lead.expect("queue", hands=[]) == queue([])
    # next_speaker with no hands: nobody.
    await lead.send({"type": "mod.next_speaker"})
    assert "queue" not in {f["type"] for f in await lead.drain()}


async def test_lowering_a_hand_and_welcome_shows_it(room_world):
    w = room_world
    lead, _ = await enter(w.session.pk, w.lead)
    ana, _ = await enter(w.session.pk, w.ana)
    await ana.send({"type": "hand", "raised": True})
    await lead.expect("queue", hands=[named(w.ana)])
    ben, welcome = await enter(w.session.pk, w.ben)
    assert welcome["queue"] == {"hands": [named(w.ana)], "speaker": None}
    assert welcome["you"]["hand"] is False
    ana2, welcome = await enter(w.session.pk, w.ana)
    assert welcome["you"]["hand"] is True
    await ana.send({"type": "hand", "raised": False})
    assert await ben.expect("queue", hands=[]) == queue([])
    participant = await db(RoomParticipant.objects.get)(user=w.ana)
    assert participant.hand_raised_at is None and participant.hand_rank is None


async def test_reorder_errors(room_world):
    w = room_world
    lead, _ = await enter(w.session.pk, w.lead)
    ana, _ = await enter(w.session.pk, w.ana)
    await ana.send({"type": "hand", "raised": True})
    await lead.expect("queue", hands=[named(w.ana)])
    # Ben has no hand raised; 999 is nobody.
    for order in ([w.ben.pk, w.ana.pk], [999]):
        await lead.send({"type": "mod.reorder", "order": order})
        await lead.error("not_found")
    for order in ("ana", [w.ana.pk, w.ana.pk], ["1"], [True], None):
        await lead.send({"type": "mod.reorder", "order": order})
        await lead.error("invalid", field="order")
    assert (await db(RoomParticipant.objects.get)(user=w.ana)).hand_rank == 1


async def test_removed_speaker_and_hands_leave_the_queue(room_world):
    w = room_world
    lead, _ = await enter(w.session.pk, w.lead)
    ana, _ = await enter(w.session.pk, w.ana)
    ben, _ = await enter(w.session.pk, w.ben)
    await ana.send({"type": "hand", "raised": True})
    await lead.expect("queue", hands=[named(w.ana)])
    await ben.send({"type": "hand", "raised": True})
    await lead.expect("queue", hands=[named(w.ana), named(w.ben)])
    await lead.send({"type": "mod.next_speaker"})
    await lead.expect("queue", speaker=named(w.ana))
    await lead.send({"type": "mod.remove", "user": w.ana.pk})
    assert await ana.closed_with() == 4410
    assert await lead.expect("queue", speaker=None, hands=[named(w.ben)]) == queue([w.ben])
    await lead.send({"type": "mod.remove", "user": w.ben.pk})
    assert await lead.expect("queue", hands=[]) == queue([])


async def test_the_queue_forgets_people_who_leave_until_they_come_back(room_world):
    """Issue 17: it said "Alex is speaking" after Alex left. Someone who leaves drops out of
    the hands and of the turn; a reconnect (a dropped line) finds their place kept."""
    w = room_world
    lead, _ = await enter(w.session.pk, w.lead)
    ana, _ = await enter(w.session.pk, w.ana)
    ben, _ = await enter(w.session.pk, w.ben)
    await ana.send({"type": "hand", "raised": True})
    await lead.expect("queue", hands=[named(w.ana)])
    await ben.send({"type": "hand", "raised": True})
    await lead.expect("queue", hands=[named(w.ana), named(w.ben)])
    await lead.send({"type": "mod.next_speaker"})
    await lead.expect("queue", speaker=named(w.ana))

    await ana.close()
    assert await lead.expect("queue", speaker=None) == queue([w.ben])
    ana, welcome = await enter(w.session.pk, w.ana)
    assert welcome["queue"] == {"hands": [named(w.ben)], "speaker": named(w.ana)}

    await ben.close()
    assert await lead.expect("queue", hands=[]) == queue([], speaker=named(w.ana))
    # The turn passes over whoever is not here: Ben's hand is not given the turn.
    await ana.send({"type": "pass"})
    assert await lead.expect("queue", speaker=None) == queue([])
    assert (await db(Room.objects.get)(pk=w.session.pk)).speaker_id is None
    ben, welcome = await enter(w.session.pk, w.ben)
    assert welcome["queue"] == {"hands": [named(w.ben)], "speaker": None}
