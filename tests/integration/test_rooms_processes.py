"""Rooms across real processes: two Daphne servers on 127.0.0.1 sharing rooms through Redis,
one of them killed by PID and restarted mid-session, and origin checks with DEBUG off.

The servers share one SQLite file (WAL) and a Redis database of their own; clients are the
`websockets` library, as an API client or a browser's socket would be.
"""

from __future__ import annotations

import asyncio
import json
import os
import urllib.request
from urllib.parse import urlsplit, urlunsplit

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.servers import Daphne, daphne_cluster

pytestmark = pytest.mark.redis

SETUP = """
import json
from rest_framework.authtoken.models import Token
from tests.rooms.conftest import build_room_world, session_cookie
w = build_room_world()
people = {"lead": w.lead, "co": w.co, "ana": w.ana, "ben": w.ben}
print(json.dumps({
    "session": w.session.pk,
    "cookies": {name: session_cookie(u) for name, u in people.items()},
    "tokens": {name: Token.objects.create(user=u).key for name, u in people.items()},
    "ids": {name: u.pk for name, u in people.items()},
}))
"""


def _own_redis_db(url: str) -> str:
    """The same Redis server, database 14: the servers' rooms never meet the test process's."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/14", parts.query, parts.fragment))


@pytest.fixture(scope="module")
def cluster():
    with daphne_cluster(
        prefix="hearth-rooms-",
        setup=SETUP,
        REDIS_URL=_own_redis_db(os.environ["REDIS_URL"]),
        # The kill test sends faster than a person would.
        ROOM_CHAT_BURST="500",
        ROOM_CHAT_PER_MINUTE="60000",
        ROOM_FRAMES_HARD_LIMIT="5000",
    ) as started:
        yield started


class Peer:
    """A room client that keeps every chat seq it has seen, and counts duplicates."""

    def __init__(self, name: str, server: Daphne, world: dict):
        self.name, self.server, self.world = name, server, world
        self.seen: set[int] = set()  # chat seqs known, from welcomes and chat frames
        self.seen_live: set[int] = set()  # seqs that arrived as chat frames
        self.duplicates = 0
        self.ws = None

    @property
    def url(self) -> str:
        return f"{self.server.ws_url}/ws/sessions/{self.world['session']}/room/"

    async def open(self) -> dict:
        self.ws = await connect(
            self.url,
            origin=self.server.url,
            additional_headers={"Cookie": f"sessionid={self.world['cookies'][self.name]}"},
            open_timeout=10,
        )
        welcome = json.loads(await asyncio.wait_for(self.ws.recv(), 10))
        assert welcome["type"] == "welcome", welcome
        # The welcome's recent messages are a convenience a client may skip; only chat frames
        # count as deliveries (and as duplicates).
        for message in welcome["messages"]:
            self.seen.add(message["seq"])
        return welcome

    async def chat(self, text: str) -> None:
        await self.ws.send(json.dumps({"type": "chat", "text": text}))

    async def take(self, timeout: float) -> dict | None:
        """The next frame, recording chat seqs; None on timeout."""
        try:
            frame = json.loads(await asyncio.wait_for(self.ws.recv(), timeout))
        except TimeoutError:
            return None
        if frame["type"] == "chat":
            if frame["seq"] in self.seen_live:
                self.duplicates += 1
            self.seen_live.add(frame["seq"])
            self.seen.add(frame["seq"])
        return frame

    async def until_seen(self, seqs: set[int], timeout: float = 20) -> None:
        deadline = asyncio.get_running_loop().time() + timeout
        while not seqs <= self.seen:
            left = deadline - asyncio.get_running_loop().time()
            assert left > 0, f"{self.name} is missing {sorted(seqs - self.seen)[:20]}"
            await self.take(left)


async def test_a_message_sent_on_one_process_reaches_clients_on_the_other(cluster):
    (a, b), world = cluster
    lead, ben, ana = Peer("lead", a, world), Peer("ben", a, world), Peer("ana", b, world)
    await lead.open()
    await ben.open()
    welcome = await ana.open()
    # Presence spans both processes: Ana on B sees the facilitator and Ben, who are on A.
    assert {p["display_name"] for p in welcome["presence"]} == {"Lead Lee", "Ben", "Ana"}
    assert welcome["room"]["paused"] is False
    await ana.chat("hello from process B")
    frames = []
    for peer in (lead, ben, ana):
        while True:
            frame = await peer.take(10)
            assert frame is not None, f"{peer.name} got no chat"
            if frame["type"] == "chat":
                frames.append(frame)
                break
    assert {f["text"] for f in frames} == {"hello from process B"}
    assert len({f["seq"] for f in frames}) == 1
    assert frames[0]["author"] == {
        "id": world["ids"]["ana"],
        "display_name": "Ana",
        "role": "attendee",
    }

    await lead.chat("and back from A")
    while True:
        frame = await ana.take(10)
        assert frame is not None, "ana (on B) never got the facilitator's message"
        if frame["type"] == "chat":
            assert frame["text"] == "and back from A"
            assert frame["seq"] == frames[0]["seq"] + 1
            break
    for peer in (lead, ben, ana):
        await peer.ws.close()


async def test_the_private_line_reaches_facilitators_on_the_other_process_and_no_attendee(
    cluster,
):
    (a, b), world = cluster
    lead, ben = Peer("lead", a, world), Peer("ben", a, world)
    ana, co = Peer("ana", b, world), Peer("co", b, world)
    for peer in (lead, ben, ana, co):
        await peer.open()

    async def next_private(peer: Peer) -> dict:
        while True:
            frame = await peer.take(10)
            assert frame is not None, f"{peer.name} got no private frame"
            if frame["type"] == "private":
                return frame

    await ana.ws.send(json.dumps({"type": "private.send", "text": "only for the facilitators"}))
    for peer in (lead, co, ana):
        assert (await next_private(peer))["text"] == "only for the facilitators"
    await lead.ws.send(
        json.dumps({"type": "private.reply", "user": world["ids"]["ana"], "text": "heard you"})
    )
    for peer in (ana, co, lead):
        assert (await next_private(peer))["text"] == "heard you"
    # Ben, an attendee on process A, got none of it: everything he received up to a pong
    # after both messages reached everyone else.
    await ben.ws.send(json.dumps({"type": "ping"}))
    got = []
    while True:
        frame = await ben.take(10)
        assert frame is not None
        got.append(frame["type"])
        if frame["type"] == "pong":
            break
    while (frame := await ben.take(1)) is not None:
        got.append(frame["type"])
    assert "private" not in got
    for peer in (lead, ben, ana, co):
        await peer.ws.close()


async def test_a_block_made_on_one_process_filters_the_chat_sent_on_the_other(cluster):
    (a, b), world = cluster
    lead, ben = Peer("lead", a, world), Peer("ben", a, world)
    ana = Peer("ana", b, world)
    for peer in (lead, ben, ana):
        await peer.open()

    async def next_of(peer: Peer, kind: str) -> dict:
        while True:
            frame = await peer.take(10)
            assert frame is not None, f"{peer.name} got no {kind} frame"
            if frame["type"] == kind:
                return frame

    await ana.ws.send(json.dumps({"type": "block", "user": world["ids"]["ben"]}))
    assert (await next_of(ana, "block"))["blocked"] is True
    await ben.chat("ben, hidden from ana")
    hidden = await next_of(lead, "chat")
    assert hidden["text"] == "ben, hidden from ana"
    await lead.chat("the lead, seen by ana")
    seen = await next_of(ana, "chat")
    assert (seen["text"], seen["seq"]) == ("the lead, seen by ana", hidden["seq"] + 1)
    # Ben, on the other process, got nothing that tells of it.
    await ben.ws.send(json.dumps({"type": "ping"}))
    while (frame := await ben.take(2)) is not None:
        assert frame["type"] != "block"
    await ana.ws.send(json.dumps({"type": "block", "user": world["ids"]["ben"], "blocked": False}))
    assert (await next_of(ana, "block"))["blocked"] is False
    for peer in (lead, ben, ana):
        await peer.ws.close()


async def test_killed_process_restarts_and_clients_resume_without_loss_or_duplicates(cluster):
    (a, b), world = cluster
    lead = Peer("lead", a, world)
    ana, ben = Peer("ana", b, world), Peer("ben", b, world)
    welcome = await lead.open()
    for peer in (ana, ben):
        await peer.open()
    first = welcome["last_seq"] + 1
    total = 60
    wanted = set(range(first, first + total))

    async def drain(peer: Peer) -> None:
        try:
            while True:
                await peer.take(30)
        except ConnectionClosed:
            return

    readers = [asyncio.create_task(drain(p)) for p in (ana, ben)]
    lead_reader = asyncio.create_task(drain(lead))
    for i in range(total):
        await lead.chat(f"message {i}")
        if i == total // 3:
            b.kill()  # SIGKILL by PID, mid-session: no closing handshake
        if i == total // 2:
            b.start()
        await asyncio.sleep(0.05)
    await asyncio.wait_for(asyncio.gather(*readers), 30)
    lead_reader.cancel()

    for peer in (ana, ben):
        # Reconnect to the restarted process and ask for what was missed.
        last = max(peer.seen & wanted, default=first - 1)
        await peer.open()
        await peer.ws.send(json.dumps({"type": "resume", "after_seq": last}))
        await peer.until_seen(wanted)
        assert peer.duplicates == 0, f"{peer.name} got {peer.duplicates} duplicate frames"
        assert wanted <= peer.seen
        await peer.ws.close()
    await lead.until_seen(wanted)
    assert lead.duplicates == 0
    await lead.ws.close()


async def test_handshake_with_a_foreign_origin_is_refused(cluster):
    (a, _b), world = cluster
    url = f"{a.ws_url}/ws/sessions/{world['session']}/room/"
    cookie = {"Cookie": f"sessionid={world['cookies']['ana']}"}
    with pytest.raises(InvalidStatus) as refused:
        await connect(url, origin="http://evil.example", additional_headers=cookie)
    assert refused.value.response.status_code == 403

    async with connect(url, origin=a.url, additional_headers=cookie) as ws:
        assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "welcome"


async def test_api_client_without_origin_enters_with_a_ticket_once(cluster):
    (a, _b), world = cluster
    request = urllib.request.Request(  # noqa: S310 - 127.0.0.1 only
        f"{a.url}/api/v1/sessions/{world['session']}/room-ticket/",
        method="POST",
        headers={"Authorization": f"Token {world['tokens']['ben']}"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        ticket = json.load(response)
    assert ticket["url"].startswith(f"ws://127.0.0.1:{a.port}/ws/sessions/")
    async with connect(ticket["url"]) as ws:
        welcome = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert welcome["you"]["id"] == world["ids"]["ben"]
    async with connect(ticket["url"]) as ws:
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 10)
        assert closed.value.rcvd.code == 4401
