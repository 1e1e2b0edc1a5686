"""Cancelling a session whose room is open ends the room for everyone in it."""

from channels.db import database_sync_to_async

from rooms.models import RoomMessage
from sessions_app import services
from sessions_app.models import Session
from tests.rooms.conftest import connect, enter


async def test_cancelling_the_session_ends_its_open_room(room_world):
    w = room_world
    lead, _ = await enter(w.session.pk, w.lead)
    ana, _ = await enter(w.session.pk, w.ana)

    await database_sync_to_async(services.session_cancel)(
        session=w.session, reason="Facilitator is ill", by=w.lead
    )

    for client in (lead, ana):
        assert await client.expect("room.ended") == {"type": "room.ended"}
        assert await client.closed_with() == 1000
    session = await database_sync_to_async(Session.objects.get)(pk=w.session.pk)
    assert (session.status, session.room_open) == (Session.Status.CANCELLED, False)
    again, _ = await connect(w.session.pk, w.ana)
    assert await again.closed_with() == 4409


async def test_chat_into_a_room_that_has_ended_is_refused_even_if_the_end_got_lost(room_world):
    """The layer may drop the room.ended event; the database still says the room is over."""
    w = room_world
    lead, _ = await enter(w.session.pk, w.lead)
    ana, _ = await enter(w.session.pk, w.ana)
    # Close the room in the database only, as if the broadcast never arrived.
    await database_sync_to_async(Session.objects.filter(pk=w.session.pk).update)(room_open=False)
    await ana.send({"type": "chat", "text": "anyone here?"})
    assert await ana.error("conflict") == {
        "type": "error",
        "code": "conflict",
        "message": "This room has ended.",
    }
    count = await database_sync_to_async(RoomMessage.objects.filter(session=w.session).count)()
    assert count == 0
