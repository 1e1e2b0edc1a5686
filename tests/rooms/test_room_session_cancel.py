"""Cancelling a session whose room is open ends the room for everyone in it."""

from channels.db import database_sync_to_async

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
