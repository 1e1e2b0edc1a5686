"""Per-person room limits across two Daphne processes sharing Redis: one chat bucket per person
and room whichever process a connection is on, the connection cap counted over both, and a
flood closed with 4429 without `Disconnected` tracebacks for the frames still queued.

Started as in test_rooms_processes.py, with the documented chat limits (5 in a burst) but a
refill of one a minute, so that nothing refills while a test runs.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import socket

import pytest
import redis
from websockets.exceptions import ConnectionClosed

from rooms.limits import KEY_PREFIX
from tests.integration.test_rooms_processes import SETUP, Peer
from tests.servers import Daphne, daphne_cluster

pytestmark = pytest.mark.redis


@pytest.fixture(scope="module")
def limits_cluster():
    url = os.environ["REDIS_URL"]
    # Buckets of an earlier run (people's ids start again in a new database) must not count.
    client = redis.Redis.from_url(url)
    stale = list(client.scan_iter(match=KEY_PREFIX + ":*"))
    if stale:
        client.delete(*stale)
    client.close()
    with daphne_cluster(
        prefix="hearth-room-limits-",
        setup=SETUP,
        REDIS_URL=url,
        ROOM_CHAT_BURST="5",
        ROOM_CHAT_PER_MINUTE="1",
        ROOM_FRAMES_HARD_LIMIT="30",
    ) as started:
        yield started


async def next_of(peer: Peer, kind: str, timeout: float = 10) -> dict:
    while True:
        frame = await peer.take(timeout)
        assert frame is not None, f"{peer.name} got no {kind} frame"
        if frame["type"] == kind:
            return frame


async def chat_seen(peer: Peer, watcher: Peer, text: str) -> None:
    await peer.chat(text)
    while (await next_of(watcher, "chat"))["text"] != text:
        pass


async def closed_code(peer: Peer, timeout: float = 10) -> int:
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            await asyncio.wait_for(peer.ws.recv(), timeout)
    assert closed.value.rcvd is not None
    return closed.value.rcvd.code


async def test_the_chat_bucket_is_one_per_person_across_processes(limits_cluster):
    (a, b), world = limits_cluster
    lead = Peer("lead", a, world)
    on_a, on_b = Peer("ana", a, world), Peer("ana", b, world)
    await lead.open()
    await on_a.open()
    await on_b.open()
    for n in range(3):
        await chat_seen(on_a, lead, f"from A {n}")
    for n in range(2):
        await chat_seen(on_b, lead, f"from B {n}")
    await on_b.chat("the sixth, on B")
    error = await next_of(on_b, "error")
    assert error["code"] == "rate_limited"
    # Reconnecting to either process starts no new bucket.
    await on_a.ws.close()
    again = Peer("ana", a, world)
    await again.open()
    await again.chat("the seventh, on A again")
    assert (await next_of(again, "error"))["code"] == "rate_limited"
    for peer in (lead, on_b, again):
        await peer.ws.close()


async def test_a_fourth_connection_on_another_process_closes_the_oldest(limits_cluster):
    (a, b), world = limits_cluster
    oldest, second = Peer("ben", a, world), Peer("ben", a, world)
    third, fourth = Peer("ben", b, world), Peer("ben", b, world)
    for peer in (oldest, second, third):
        await peer.open()
    await fourth.open()
    assert await closed_code(oldest) == 4430
    for peer in (second, third, fourth):
        await peer.ws.send(json.dumps({"type": "ping"}))
        await next_of(peer, "pong")
        await peer.ws.close()


def raw_frame(text: str) -> bytes:
    """A masked text frame, as a client sends it."""
    payload = text.encode()
    mask = os.urandom(4)
    size = len(payload)
    head = bytes([0x81, 0x80 | size]) if size < 126 else bytes([0x81, 0xFE, *size.to_bytes(2)])
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def raw_flood(server: Daphne, session: int, cookie: str, frames: int) -> bytes:
    """A script that floods a room and never answers the close: `frames` pings written in one
    go, then everything the server sends until it gives up on the closing handshake."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        key = base64.b64encode(os.urandom(16)).decode()
        sock.sendall(
            (
                f"GET /ws/sessions/{session}/room/ HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
                "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                f"Origin: {server.url}\r\nCookie: sessionid={cookie}\r\n\r\n"
            ).encode()
        )
        received = b""
        while b"welcome" not in received:
            chunk = sock.recv(65536)
            assert chunk, received
            received += chunk
        sock.sendall(b"".join(raw_frame('{"type":"ping"}') for _ in range(frames)))
        try:
            while chunk := sock.recv(65536):
                received += chunk
        except ConnectionResetError:
            pass  # the server dropped it: frames were still arriving after its close
    return received


async def test_a_flood_closes_4429_and_the_frames_queued_after_it_raise_nothing(limits_cluster):
    (a, _b), world = limits_cluster
    received = await asyncio.to_thread(raw_flood, a, world["session"], world["cookies"]["co"], 100)
    # The close frame: opcode 8, then the code 4429.
    assert b"\x88\x02" + (4429).to_bytes(2) in received
    # Daphne has logged anything the consumer raised by the time a request behind it is served.
    probe = Peer("lead", a, world)
    await probe.open()
    await probe.ws.close()
    log = a.log_path.read_text(errors="replace")
    assert "Disconnected" not in log, log[-3000:]
    assert "Traceback" not in log, log[-3000:]
