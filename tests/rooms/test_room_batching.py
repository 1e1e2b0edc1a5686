"""What keeps a busy room fast: chat stored in batches (group commit), events published in
batches, and frames framed once for all of a Daphne process's sockets (docs/benchmarks.md,
Rooms). Each must change nothing a client sees."""

from __future__ import annotations

import asyncio
import functools
import os

import pytest
from autobahn.twisted.websocket import WebSocketServerFactory, WebSocketServerProtocol
from channels.db import database_sync_to_async
from channels.layers import InMemoryChannelLayer
from channels.sessions import InstanceSessionWrapper
from daphne.server import Server
from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError
from twisted.internet.testing import StringTransport

from rooms import hub, layers
from rooms import services as room_services
from rooms.models import Room, RoomMessage
from rooms.services import RoomError
from rooms.wire import Frame, daphne_protocol
from tests.rooms.conftest import connect, enter

db = database_sync_to_async


async def test_chats_sent_at_once_are_stored_together_in_order_and_reach_everyone(
    room_world, settings, monkeypatch
):
    settings.ROOM_CHAT_BURST = 50
    w = room_world
    batches: list[int] = []
    store = hub._chat_post_many

    async def counted(posts):
        batches.append(len(posts))
        return await store(posts)

    monkeypatch.setattr(hub, "_chat_post_many", counted)
    lead, _ = await enter(w.session.pk, w.lead)
    ana, _ = await enter(w.session.pk, w.ana)
    ben, _ = await enter(w.session.pk, w.ben)
    await db(room_services.participant_mute)(
        session_id=w.session.pk, by=w.lead, user_id=w.ben.pk, muted=True
    )
    for client in (lead, ana, ben):
        await client.drain()

    # Nobody waits for an answer: the frames reach the consumers together.
    for n in range(5):
        await lead.send({"type": "chat", "text": f"lead {n}"})
        await ana.send({"type": "chat", "text": f"ana {n}", "client_id": f"a-{n}"})
        await ben.send({"type": "chat", "text": f"ben {n}"})

    for _ in range(5):
        await ben.error("muted")  # each refused on its own; the connection stays
    stored = await db(lambda: list(RoomMessage.objects.filter(session_id=w.session.pk)))()
    assert [m.seq for m in stored] == list(range(1, 11))
    assert sorted(m.text for m in stored) == sorted(
        [f"lead {n}" for n in range(5)] + [f"ana {n}" for n in range(5)]
    )
    # Each sender's messages keep their order.
    assert [m.text for m in stored if m.author_id == w.ana.pk] == [f"ana {n}" for n in range(5)]
    assert (await db(Room.objects.get)(pk=w.session.pk)).last_seq == 10
    assert sum(batches) == 15 and max(batches) > 1, batches

    for client, user in ((lead, w.lead), (ana, w.ana), (ben, w.ben)):
        await client.drain()
        chats = [f for f in client.frames if f["type"] == "chat"]  # errors were read past some
        assert [f["seq"] for f in chats] == list(range(1, 11)), user.display_name
        echoed = [f.get("client_id") for f in chats if f["author"]["id"] == w.ana.pk]
        expected = [f"a-{n}" for n in range(5)] if user == w.ana else [None] * 5
        assert echoed == expected, user.display_name


def _post(world, user, text):
    return {"session_id": world.session.pk, "user": user, "text": text}


@pytest.mark.django_db(transaction=True)
def test_a_refused_post_in_a_batch_takes_nothing_else_with_it():
    from tests.rooms.conftest import build_room_world

    w = build_room_world()
    for user in (w.lead, w.ben):
        room_services.room_join(session_id=w.session.pk, user=user, server_id="test")
    room_services.participant_mute(session_id=w.session.pk, by=w.lead, user_id=w.ben.pk, muted=True)
    results = room_services.chat_post_many(
        [
            _post(w, w.lead, "first"),
            _post(w, w.ben, "muted words"),
            _post(w, w.lead, "   "),
            _post(w, w.nora, "not in the room"),
            _post(w, w.lead, "second"),
        ]
    )
    first, muted, empty, outsider, second = results
    assert (first.seq, second.seq) == (1, 2)
    assert isinstance(muted, RoomError) and muted.code == "muted"
    assert isinstance(empty, ValidationError)
    assert isinstance(outsider, RoomError) and outsider.code == "forbidden"
    assert list(RoomMessage.objects.values_list("seq", "text")) == [(1, "first"), (2, "second")]
    assert Room.objects.get(pk=w.session.pk).last_seq == 2


@pytest.mark.django_db(transaction=True)
def test_a_batch_that_cannot_commit_is_stored_one_by_one(monkeypatch):
    from tests.rooms.conftest import build_room_world

    w = build_room_world()
    room_services.room_join(session_id=w.session.pk, user=w.lead, server_id="test")
    create = RoomMessage.objects.create

    def failing(**fields):
        if fields["text"] == "breaks the insert":
            raise IntegrityError("simulated")
        return create(**fields)

    monkeypatch.setattr(RoomMessage.objects, "create", failing)
    results = room_services.chat_post_many(
        [
            _post(w, w.lead, "one"),
            _post(w, w.lead, "breaks the insert"),
            _post(w, w.lead, "two"),
        ]
    )
    assert [type(r) for r in results] == [RoomMessage, IntegrityError, RoomMessage]
    # The failed message's seq went back with its transaction: no gap.
    assert list(RoomMessage.objects.values_list("seq", "text")) == [(1, "one"), (2, "two")]
    assert Room.objects.get(pk=w.session.pk).last_seq == 2


def _daphne_server() -> Server:
    # Never run: only its handle_reply is needed.
    return Server(application=None, endpoints=["tcp:port=0:interface=127.0.0.1"])


def test_the_daphne_socket_is_found_behind_the_session_wrapper():
    server, protocol = _daphne_server(), object()
    send = functools.partial(server.handle_reply, protocol)  # as Daphne hands it out
    assert daphne_protocol(send) is protocol
    wrapper = InstanceSessionWrapper.__new__(InstanceSessionWrapper)
    wrapper.real_send = send
    assert daphne_protocol(wrapper.send) is protocol


def test_other_servers_sends_are_left_alone():
    async def send(message):
        return None

    assert daphne_protocol(send) is None
    assert daphne_protocol(functools.partial(send, {"type": "x"})) is None
    wrapper = InstanceSessionWrapper.__new__(InstanceSessionWrapper)
    wrapper.real_send = send
    assert daphne_protocol(wrapper.send) is None


def _open_socket() -> tuple[WebSocketServerProtocol, StringTransport]:
    factory = WebSocketServerFactory()
    factory.protocol = WebSocketServerProtocol
    protocol = factory.buildProtocol(None)
    transport = StringTransport()
    protocol.makeConnection(transport)
    protocol.state = protocol.STATE_OPEN  # as after the handshake
    return protocol, transport


def test_a_frame_is_framed_once_and_written_to_every_open_socket():
    frame = Frame('{"type":"chat","text":"¿qué tal?"}')
    payload = frame.text.encode()
    sockets = [_open_socket() for _ in range(3)]
    for protocol, _transport in sockets:
        frame.write(protocol)
    for _protocol, transport in sockets:
        # FIN + text opcode, unmasked length, the UTF-8 text.
        assert transport.value() == bytes([0x81, len(payload)]) + payload


def test_a_closing_socket_gets_nothing():
    protocol, transport = _open_socket()
    protocol.state = protocol.STATE_CLOSING
    Frame('{"type":"pong"}').write(protocol)
    assert transport.value() == b""


async def test_events_published_together_keep_their_order_on_the_memory_layer():
    layer = InMemoryChannelLayer()
    channel = await layer.new_channel()
    await layer.group_add("room.1", channel)
    loop = asyncio.get_running_loop()
    for n in range(5):
        layers.publish(loop, layer, "room.1", {"type": "room.event", "n": n})
    got = [(await layer.receive(channel))["n"] for _ in range(5)]
    assert got == [0, 1, 2, 3, 4]


@pytest.mark.redis
async def test_group_send_many_on_redis_reaches_each_group_in_order():
    url = os.environ["REDIS_URL"]
    layer = layers.RoomPubSubLayer(hosts=[url], prefix="hearth-test-batch")
    one, two = await layer.new_channel(), await layer.new_channel()
    await layer.group_add("room.1", one)
    await layer.group_add("room.2", two)
    try:
        await layer.group_send_many(
            [
                ("room.1", {"type": "room.event", "n": 1}),
                ("room.2", {"type": "room.event", "n": 2}),
                ("room.1", {"type": "room.event", "n": 3}),
            ]
        )
        async with asyncio.timeout(3):
            assert [(await layer.receive(one))["n"] for _ in range(2)] == [1, 3]
            assert (await layer.receive(two))["n"] == 2
    finally:
        await layer.flush()


async def test_database_trouble_is_an_error_frame_and_the_connection_stays(room_world, monkeypatch):
    w = room_world
    store = hub._chat_post_many
    failures = [OperationalError("database is locked")]

    async def flaky(posts):
        if failures:
            raise failures.pop()
        return await store(posts)

    monkeypatch.setattr(hub, "_chat_post_many", flaky)
    lead, _ = await enter(w.session.pk, w.lead)
    await lead.send({"type": "chat", "text": "lost to the outage"})
    await lead.error("unavailable")
    await lead.send({"type": "chat", "text": "after it"})
    chat = await lead.expect("chat")
    assert (chat["seq"], chat["text"]) == (1, "after it")


@pytest.mark.django_db(transaction=True)
def test_a_batch_over_several_rooms_answers_in_the_order_posted():
    from tests.rooms.conftest import build_room_world

    first, second = build_room_world(), build_room_world()
    for world in (first, second):
        room_services.room_join(session_id=world.session.pk, user=world.lead, server_id="test")
    results = room_services.chat_post_many(
        [
            _post(second, second.lead, "a"),
            _post(first, first.lead, "b"),
            _post(second, second.lead, "c"),
        ]
    )
    assert [(m.session_id, m.seq, m.text) for m in results] == [
        (second.session.pk, 1, "a"),
        (first.session.pk, 1, "b"),
        (second.session.pk, 2, "c"),
    ]


async def test_database_away_at_the_door_closes_with_try_again_later(room_world, monkeypatch):
    """No welcome can be made: the connection closes with 1013 (the page reconnects after a
    while) instead of the consumer crashing; once the database is back, entry works."""
    from rooms import selectors, services

    w = room_world
    join, welcome = services.room_join, selectors.room_welcome

    def away(**kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(services, "room_join", away)
    ana, connected = await connect(w.session.pk, w.ana)
    assert connected and await ana.closed_with() == 1013
    monkeypatch.setattr(services, "room_join", join)
    monkeypatch.setattr(selectors, "room_welcome", away)
    ana, connected = await connect(w.session.pk, w.ana)
    assert connected and await ana.closed_with() == 1013
    await ana.close()
    monkeypatch.setattr(selectors, "room_welcome", welcome)
    ana, first = await enter(w.session.pk, w.ana)
    assert first["type"] == "welcome"
