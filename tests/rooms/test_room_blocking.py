"""Blocking: the blocker's connections get none of the blocked person's chat (live, in the
welcome, by `resume`), in every room, and the blocked person is told nothing."""

from __future__ import annotations

from datetime import timedelta

from channels.db import database_sync_to_async
from rest_framework.test import APIClient

from rooms import services as room_services
from rooms.models import PersonBlock
from sessions_app import services
from tests.factories import one_off_session
from tests.rooms.conftest import enter

db = database_sync_to_async


def chats(frames: list[dict]) -> list[tuple[int, str]]:
    return [(f["author"]["id"], f["text"]) for f in frames if f["type"] == "chat"]


async def test_a_blocked_persons_chat_never_reaches_the_blocker(room_world):
    w = room_world
    ben_public = {"id": w.ben.pk, "display_name": "Ben", "role": "attendee"}
    lead, _ = await enter(w.session.pk, w.lead)
    ana, _ = await enter(w.session.pk, w.ana)
    ben, _ = await enter(w.session.pk, w.ben)
    await ben.send({"type": "chat", "text": "before"})
    await ana.expect("chat", text="before")
    await ben.drain()
    ben.frames.clear()

    await ana.send({"type": "block", "user": w.ben.pk})
    assert await ana.expect("block") == {"type": "block", "user": w.ben.pk, "blocked": True}
    assert await db(PersonBlock.objects.filter(blocker=w.ana, blocked=w.ben).exists)()

    await ben.send({"type": "chat", "text": "hidden from Ana"})
    await lead.expect("chat", text="hidden from Ana")
    await lead.send({"type": "chat", "text": "from the lead"})
    # Ana's next chat frame is the lead's: Ben's message (seq 2) was not delivered to her.
    frame = await ana.expect("chat")
    assert (frame["seq"], frame["text"]) == (3, "from the lead")
    assert "hidden from Ana" not in str(await ana.drain())

    # Ben sees the room exactly as before: his own message, the lead's, nothing about a block.
    frames = await ben.drain()
    assert chats(ben.frames) == [(w.ben.pk, "hidden from Ana"), (w.lead.pk, "from the lead")]
    assert {f["type"] for f in ben.frames} <= {"chat", "pong", "presence", "queue", "room.state"}
    assert "block" not in str(frames)

    # History: the welcome and a resume leave Ben's messages out for Ana, not for others.
    await ana.close()
    ana, welcome = await enter(w.session.pk, w.ana)
    assert chats(welcome["messages"]) == [(w.lead.pk, "from the lead")]
    assert welcome["last_seq"] == 3
    await ana.send({"type": "resume", "after_seq": 0})
    assert chats(await ana.drain()) == [(w.lead.pk, "from the lead")]
    _, ben_welcome = await enter(w.session.pk, w.ben)
    assert len(ben_welcome["messages"]) == 3

    # Unblocking: Ben's earlier messages come back at once, with the frame; his new ones
    # reach Ana again.
    await ana.send({"type": "block", "user": w.ben.pk, "blocked": False})
    unblock = await ana.expect("block")
    assert {k: v for k, v in unblock.items() if k != "messages"} == {
        "type": "block",
        "user": w.ben.pk,
        "blocked": False,
    }
    assert [(m["seq"], m["author"], m["text"]) for m in unblock["messages"]] == [
        (1, ben_public, "before"),
        (2, ben_public, "hidden from Ana"),
    ]
    await ben.send({"type": "chat", "text": "back"})
    assert (await ana.expect("chat"))["text"] == "back"
    assert not await db(PersonBlock.objects.exists)()


async def test_a_block_holds_in_every_room_and_updates_open_ones(room_world):
    w = room_world

    def another_open_room():
        other = one_off_session(w.session.group, starts_in=timedelta(minutes=10))
        for person in (w.ana, w.ben):
            services.rsvp_create(session=other, user=person)
        return room_services.room_open(session=other, by=w.lead)

    other = await db(another_open_room)()
    lead2, _ = await enter(other.pk, w.lead)
    ana2, _ = await enter(other.pk, w.ana)
    ben2, _ = await enter(other.pk, w.ben)
    lead, _ = await enter(w.session.pk, w.lead)
    ana, _ = await enter(w.session.pk, w.ana)
    ben, _ = await enter(w.session.pk, w.ben)
    # Blocked from the other room: Ana's connection to the first room stops too.
    await ana2.send({"type": "block", "user": w.ben.pk})
    await ana2.expect("block")
    await ana.expect("block")
    for room, lead_here, ana_here in ((ben2, lead2, ana2), (ben, lead, ana)):
        await room.send({"type": "chat", "text": "from Ben"})
        await lead_here.expect("chat", text="from Ben")
        await lead_here.send({"type": "chat", "text": "from the lead"})
        assert (await ana_here.expect("chat"))["text"] == "from the lead"
    for client in (ben, ben2):
        assert "block" not in {f["type"] for f in await client.drain()}
    # A room Ana enters later knows it from the start.
    await ana.close()
    _, welcome = await enter(w.session.pk, w.ana)
    assert [m["text"] for m in welcome["messages"]] == ["from the lead"]


async def test_facilitators_see_everything_in_the_room_they_run(room_world):
    w = room_world
    lead, _ = await enter(w.session.pk, w.lead)
    ana, _ = await enter(w.session.pk, w.ana)
    await lead.send({"type": "block", "user": w.ana.pk})
    await lead.expect("block")
    await ana.send({"type": "chat", "text": "the lead still reads this"})
    await lead.expect("chat", text="the lead still reads this")
    assert "block" not in {f["type"] for f in await ana.drain()}


async def test_block_errors(room_world):
    w = room_world
    ana, _ = await enter(w.session.pk, w.ana)
    await ana.send({"type": "block", "user": w.ana.pk})
    await ana.error("invalid", field="user")
    await ana.send({"type": "block", "user": "ben"})
    await ana.error("invalid", field="user")
    await ana.send({"type": "block", "user": w.nora.pk})  # never in this room
    await ana.error("not_found")
    await ana.send({"type": "block", "user": w.ben.pk, "blocked": "yes"})
    await ana.error("invalid", field="blocked")
    assert not await db(PersonBlock.objects.exists)()


async def test_an_unblock_from_the_account_page_puts_the_messages_back_in_open_rooms(room_world):
    """Unblocking outside the room (the account page, the API) reaches the blocker's open
    rooms with the person's recent messages there; nobody else hears of it."""
    w = room_world
    lead, _ = await enter(w.session.pk, w.lead)
    ana, _ = await enter(w.session.pk, w.ana)
    ben, _ = await enter(w.session.pk, w.ben)
    await ben.send({"type": "chat", "text": "first from Ben"})
    await ana.expect("chat", text="first from Ben")
    await ana.send({"type": "block", "user": w.ben.pk})
    await ana.expect("block", blocked=True)
    await ben.send({"type": "chat", "text": "while blocked"})
    await lead.expect("chat", text="while blocked")
    await lead.send({"type": "chat", "text": "the lead"})
    await ana.expect("chat", text="the lead")
    await ben.drain()
    await lead.drain()

    response = await db(_api_unblock)(w.ana, w.ben.pk)
    assert response.status_code == 204
    frame = await ana.expect("block", blocked=False)
    assert [(m["seq"], m["author"]["id"], m["text"]) for m in frame["messages"]] == [
        (1, w.ben.pk, "first from Ben"),
        (2, w.ben.pk, "while blocked"),
    ]
    assert frame["messages"][1] == {
        "type": "chat",
        "seq": 2,
        "author": {"id": w.ben.pk, "display_name": "Ben", "role": "attendee"},
        "text": "while blocked",
        "sent_at": frame["messages"][1]["sent_at"],
    }
    await ben.send({"type": "chat", "text": "after"})
    assert (await ana.expect("chat"))["text"] == "after"
    for client in (ben, lead):
        assert "block" not in {f["type"] for f in await client.drain()}


def _api_unblock(user, user_id):
    client = APIClient()
    client.force_authenticate(user)
    return client.delete(f"/api/v1/me/blocks/{user_id}/")
