"""The safety frames per role: an attendee who facilitates another group is an attendee here
(no private.reply), a muted attendee keeps the private line, reporting and blocking, someone
in the lobby has none of them, and someone removed cannot come back to use them."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from rooms.models import PersonBlock, PersonReport, PrivateMessage
from sessions_app import services
from tests.factories import GroupFactory, UserFactory, facilitator, member
from tests.rooms.conftest import connect, enter

db = database_sync_to_async


def _facilitator_of_another_group(w):
    fay = facilitator(GroupFactory(), UserFactory(display_name="Fay"))
    member(w.session.group, fay, display_name="Fay")
    services.rsvp_create(session=w.session, user=fay)
    return fay


async def test_a_facilitator_of_another_group_is_an_attendee_here(room_world):
    w = room_world
    fay = await db(_facilitator_of_another_group)(w)
    lead, _ = await enter(w.session.pk, w.lead)
    ana, _ = await enter(w.session.pk, w.ana)
    fay_client, welcome = await enter(w.session.pk, fay)
    assert welcome["you"]["role"] == "attendee"
    assert "lobby" not in welcome
    await fay_client.send({"type": "private.reply", "user": w.ana.pk, "text": "hi"})
    await fay_client.error("forbidden")
    await fay_client.send({"type": "private.send", "text": "a question"})
    await lead.expect("private", text="a question")
    assert "a question" not in str(await ana.drain())
    # Her own thread only: Ana's private message never reaches her.
    await ana.send({"type": "private.send", "text": "for the facilitators"})
    await lead.expect("private", text="for the facilitators")
    assert "for the facilitators" not in str(await fay_client.drain())
    assert await db(PrivateMessage.objects.count)() == 2


async def test_a_muted_attendee_keeps_the_private_line_reporting_and_blocking(room_world):
    w = room_world
    lead, _ = await enter(w.session.pk, w.lead)
    ana, _ = await enter(w.session.pk, w.ana)
    ben, _ = await enter(w.session.pk, w.ben)
    await lead.send({"type": "mod.mute", "user": w.ana.pk})
    await ana.expect("moderation", action="mute")
    await ana.send({"type": "private.send", "text": "muted but here"})
    await lead.expect("private", text="muted but here")
    await ana.send({"type": "report.person", "user": w.ben.pk, "reason": "started it"})
    assert (await lead.expect("alert"))["kind"] == "report_person"
    await ana.send({"type": "block", "user": w.ben.pk})
    await ana.expect("block")
    assert await db(PersonReport.objects.count)() == 1
    assert await db(PersonBlock.objects.count)() == 1


@pytest.mark.parametrize(
    "frame",
    [
        {"type": "private.send", "text": "x"},
        {"type": "report.person", "user": 1, "reason": "x"},
        {"type": "block", "user": 1},
    ],
    ids=lambda f: f["type"],
)
async def test_the_lobby_has_none_of_the_safety_frames(lobby_world, frame):
    w = lobby_world
    waiting, first = await enter(w.session.pk, w.ana)
    assert first["type"] == "lobby"
    await waiting.send(frame)
    await waiting.error("forbidden")
    assert not await db(PersonBlock.objects.exists)()
    assert not await db(PersonReport.objects.exists)()


async def test_someone_removed_cannot_come_back_to_use_them(room_world):
    w = room_world
    lead, _ = await enter(w.session.pk, w.lead)
    ben, _ = await enter(w.session.pk, w.ben)
    await lead.send({"type": "mod.remove", "user": w.ben.pk})
    assert await ben.closed_with() == 4410
    again, _connected = await connect(w.session.pk, w.ben)
    assert await again.closed_with() == 4410
    assert not await db(PrivateMessage.objects.exists)()
