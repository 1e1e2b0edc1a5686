"""The room's call on a real Janus (JANUS_URL set; Janus in the test run's own network
namespace, tests/media_servers.py): the VideoRoom is created when the room opens and destroyed
when it ends, only people the room admits get a token that Janus accepts, a removed person's
token stops working, and an unreachable Janus leaves the chat working."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from rooms.janus import JanusError, VideoRoomAdmin
from rooms.models import Room
from rooms.services.janus_rooms import janus_room_secrets
from tests.rooms.conftest import build_room_world, connect, enter
from tests.rooms.test_janus_admin import Participant
from tests.servers import free_port

db = database_sync_to_async


@pytest.fixture
def janus_world(transactional_db, janus_server, settings):
    settings.JANUS_URLS = [janus_server.url]
    settings.JANUS_ADMIN_SECRET = janus_server.admin_key
    settings.JANUS_TIMEOUT_SECONDS = 5
    world = build_room_world()
    yield world
    room = Room.objects.get(session=world.session)
    keys = janus_room_secrets(room=room)
    admin = VideoRoomAdmin(janus_server.url, admin_key=janus_server.admin_key)
    admin.destroy_room(room=keys["room"], secret=keys["secret"])


@pytest.fixture
def janus_people(janus_server):
    made: list[Participant] = []

    def make() -> Participant:
        made.append(Participant(janus_server.url))
        return made[-1]

    yield make
    for person in made:
        person.close()


def publish_join(person: Participant, janus: dict, *, token=None, publisher_id=None) -> dict:
    return person.join(
        room=janus["room"],
        pin=janus["pin"],
        token=janus["token"] if token is None else token,
        publisher_id=janus["publisher_id"] if publisher_id is None else publisher_id,
    )


async def test_room_open_creates_and_join_admits_by_token(janus_world, janus_server, janus_people):
    w = janus_world
    admin = VideoRoomAdmin(janus_server.url, admin_key=janus_server.admin_key)
    # Opened with the room: it exists (and is empty) before anyone joins the call.
    assert await db(admin.participants)(room=w.session.pk) == []
    ana, _ = await enter(w.session.pk, w.ana)
    ben, _ = await enter(w.session.pk, w.ben)
    await ana.send({"type": "media.join", "video": True})
    config = await ana.expect("media.config")
    assert config["mode"] == "janus" and config["peers"] == []
    janus = config["janus"]
    assert janus["url"] == janus_server.url and janus["room"] == w.session.pk
    assert janus["publisher_id"] == config["peer"] and janus["api_secret"] is None
    joined = await db(publish_join)(janus_people(), janus)
    assert joined["videoroom"] == "joined" and joined["id"] == config["peer"]
    # Ben's token is not in the list until Ben joins the call, and Ana's is Ana's alone: a
    # made-up token, or another person's id with it, gets nowhere useful.
    refused = await db(publish_join)(janus_people(), janus, token="made-up", publisher_id=999)
    assert refused["error_code"] == 433
    await ben.send({"type": "media.join", "video": True})
    ben_config = await ben.expect("media.config")
    assert ben_config["janus"]["token"] != janus["token"]
    assert [p["peer"] for p in ben_config["peers"]] == [config["peer"]]
    # Relaying SDP between people is the mesh's job; on Janus it is refused.
    await ana.send({"type": "media.signal", "to": ben_config["peer"], "description": {}})
    await ana.error("media_wrong_mode")


async def test_remove_withdraws_the_token_and_kicks(janus_world, janus_server, janus_people):
    w = janus_world
    admin = VideoRoomAdmin(janus_server.url, admin_key=janus_server.admin_key)
    lead, _ = await enter(w.session.pk, w.lead)
    ana, _ = await enter(w.session.pk, w.ana)
    await ana.send({"type": "media.join", "video": True})
    janus = (await ana.expect("media.config"))["janus"]
    publisher = janus_people()
    assert (await db(publish_join)(publisher, janus))["videoroom"] == "joined"
    await lead.send({"type": "mod.mute", "user": w.ana.pk})
    await lead.expect("moderation", action="mute")
    await lead.send({"type": "mod.remove", "user": w.ana.pk})
    assert await ana.closed_with() == 4410
    await lead.expect("moderation", action="remove")
    # The kick and the token's withdrawal run once the removal commits.
    for _ in range(50):
        if not await db(admin.participants)(room=w.session.pk):
            break
    assert await db(admin.participants)(room=w.session.pk) == []
    again = await db(publish_join)(janus_people(), janus, publisher_id=janus["publisher_id"] + 1)
    assert again["error_code"] == 433


async def test_room_end_destroys_the_janus_room(janus_world, janus_server):
    w = janus_world
    admin = VideoRoomAdmin(janus_server.url, admin_key=janus_server.admin_key)
    lead, _ = await enter(w.session.pk, w.lead)
    await lead.send({"type": "media.join", "video": True})
    await lead.expect("media.config")
    await lead.send({"type": "room.end"})
    await lead.expect("room.ended")
    with pytest.raises(JanusError) as gone:
        await db(admin.participants)(room=w.session.pk)
    assert gone.value.code == 426


async def test_unreachable_janus_keeps_the_chat(room_world, settings):
    w = room_world
    settings.JANUS_URLS = [f"http://127.0.0.1:{free_port()}/janus"]
    settings.JANUS_TIMEOUT_SECONDS = 1
    await enter(w.session.pk, w.lead)  # without a facilitator present the chat pauses
    ana, _ = await enter(w.session.pk, w.ana)
    ben, _ = await enter(w.session.pk, w.ben)
    await ana.send({"type": "media.join", "video": True})
    await ana.error("media_unavailable")
    await ana.send({"type": "chat", "text": "still here"})
    assert (await ben.expect("chat"))["text"] == "still here"
    client, connected = await connect(w.session.pk, w.nora)
    assert connected and await client.closed_with() == 4403
