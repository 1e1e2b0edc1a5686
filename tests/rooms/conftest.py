"""Room fixtures: a live session with an open room, its people, and WebSocket clients that
connect through the real ASGI stack (origin check, session cookie or ticket, URL router)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from dataclasses import dataclass
from datetime import timedelta

import pytest
from channels import DEFAULT_CHANNEL_LAYER
from channels.db import database_sync_to_async
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.db import OperationalError

from config.asgi import application
from rooms import limits
from rooms import services as room_services
from rooms.db import room_db_shutdown
from rooms.services import ROOM_CHANNEL_LAYER
from sessions_app import services
from sessions_app.models import FacilitatorAssignment, Session, User
from sessions_app.services.accounts import login_session_create
from tests.factories import GroupFactory, UserFactory, facilitator, member, one_off_session

ORIGIN = b"http://testserver"

STATE_FRAMES = ("presence", "queue", "room.state")

# Every client `connect` made in the running test, closed at teardown if the test did not.
_OPEN_CLIENTS: list[Client] = []


def session_cookie(user: User) -> str:
    """A logged-in Django session for `user`, as the browser would hold it.

    On SQLite the test database is in memory with a shared cache, where a write that meets a
    room thread's open write transaction fails at once with "database table is locked"
    (SQLITE_LOCKED ignores the busy timeout), so a login made while a room is busy is retried
    briefly; a real database file (WAL, busy timeout) waits instead."""
    for attempt in range(20):
        try:
            return login_session_create(user=user)
        except OperationalError as error:
            if "locked" not in str(error) or attempt == 19:
                raise
            time.sleep(0.05)
    raise AssertionError("unreachable")


class Client:
    """One WebSocket client with helpers that read frames by type."""

    def __init__(self, communicator: WebsocketCommunicator):
        self.ws = communicator
        self.frames: list[dict] = []

    async def send(self, frame) -> None:
        await self.ws.send_to(text_data=frame if isinstance(frame, str) else json.dumps(frame))

    async def recv(self, timeout: float = 3) -> dict:
        message = await self.ws.receive_output(timeout)
        if message["type"] == "websocket.close":
            return {"type": "__closed__", "code": message.get("code")}
        frame = json.loads(message["text"])
        self.frames.append(frame)
        return frame

    async def expect(self, kind: str, timeout: float = 3, **match) -> dict:
        """The next frame of type `kind` (matching `match`), skipping others."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                raise AssertionError(f"no {kind} frame {match} within {timeout}s")
            frame = await self.recv(left)
            if frame["type"] == "__closed__" and kind != "__closed__":
                raise AssertionError(f"closed ({frame['code']}) while waiting for {kind}")
            if frame["type"] == kind and all(frame.get(k) == v for k, v in match.items()):
                return frame

    async def closed_with(self, timeout: float = 3) -> int:
        return (await self.expect("__closed__", timeout))["code"]

    async def nothing(self, timeout: float = 0.3) -> None:
        assert await self.ws.receive_nothing(timeout), "an unexpected frame arrived"

    async def close(self) -> None:
        if self in _OPEN_CLIENTS:
            _OPEN_CLIENTS.remove(self)
        await self.ws.disconnect()

    async def error(self, code: str, timeout: float = 3, **extra) -> dict:
        """The next `error` frame, which must have exactly this code (and extra fields)."""
        frame = await self.expect("error", timeout)
        assert frame == {"type": "error", "code": code, "message": frame["message"], **extra}
        assert isinstance(frame["message"], str) and frame["message"]
        return frame

    async def drain(self, settle: float = 0.25) -> list[dict]:
        """Every frame up to the answer to a `ping`, and whatever follows within `settle`
        seconds. The server answers frames in order, but what it fans out (chat, alerts) goes
        through the channel layer and may come after the `pong`, on Redis especially."""
        await self.send({"type": "ping"})
        frames = []
        while True:
            frame = await self.recv()
            assert frame["type"] != "__closed__", frame
            if frame["type"] == "pong":
                break
            frames.append(frame)
        while not await self.ws.receive_nothing(settle):
            frame = await self.recv()
            assert frame["type"] != "__closed__", frame
            frames.append(frame)
        return frames

    async def events(self) -> list[dict]:
        """`drain` without the presence, queue and room.state snapshots, which come whenever
        the room changes (joins, leaves)."""
        return [f for f in await self.drain() if f["type"] not in STATE_FRAMES]


async def connect(
    session_id: int, user: User | None = None, *, ticket: str | None = None, origin=ORIGIN
) -> tuple[Client, bool]:
    path = f"/ws/sessions/{session_id}/room/"
    if ticket is not None:
        path += f"?ticket={ticket}"
    headers = [(b"origin", origin)] if origin else []
    if user is not None:
        key = await database_sync_to_async(session_cookie)(user)
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={key}".encode()))
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await communicator.connect(timeout=5)
    client = Client(communicator)
    if connected:
        _OPEN_CLIENTS.append(client)
    return client, connected


async def enter(session_id: int, user: User) -> tuple[Client, dict]:
    """Connect and read the welcome (or lobby) frame."""
    client, connected = await connect(session_id, user)
    assert connected
    first = await client.recv()
    assert first["type"] in ("welcome", "lobby"), first
    return client, first


@pytest.fixture(autouse=True)
async def _close_clients(request):
    """Close clients a test left open (a failed assertion) before the database is flushed."""
    if "transactional_db" in request.fixturenames:
        request.getfixturevalue("transactional_db")
    # A fresh channel layer for each test's event loop: channels-redis keeps asyncio locks
    # that stay bound to (and possibly held in) the loop of the test that made them.
    await _drop_channel_layer()
    # Chat buckets are per person and room, in Redis when REDIS_URL is set: a test's people
    # (ids start again in a new test database) must not find an earlier run's bucket.
    await limits.chat_limiter().reset()
    yield
    while _OPEN_CLIENTS:
        client = _OPEN_CLIENTS.pop()
        # The app may have ended already, or been cancelled by a timed-out read.
        with contextlib.suppress(Exception, asyncio.CancelledError):
            await client.ws.disconnect()
    # Let the hubs' last presence refreshes (a database read in a worker thread) finish: the
    # flush that follows cannot run beside them on SQLite's shared-cache test database.
    current = asyncio.current_task()
    pending = [
        task for task in asyncio.all_tasks() if task is not current and not _is_layer_listener(task)
    ]
    if pending:
        await asyncio.wait(pending, timeout=3)
    await _drop_channel_layer()
    await limits.chat_limiter_close()


def _is_layer_listener(task: asyncio.Task) -> bool:
    """The pub/sub layer's receiver runs as long as its event loop: nothing to wait for."""
    return "_do_receiving" in getattr(task.get_coro(), "__qualname__", "")


async def _drop_channel_layer() -> None:
    for alias in (DEFAULT_CHANNEL_LAYER, ROOM_CHANNEL_LAYER):
        layer = channel_layers.backends.pop(alias, None)
        # RedisChannelLayer's pools outlive the test's event loop unless closed; the pub/sub
        # layer closes its own connections when that loop closes.
        close = getattr(layer, "close_pools", None)
        if close is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(close(), timeout=3)


@dataclass
class RoomWorld:
    session: Session
    lead: User
    co: User
    ana: User  # attendee, going
    ben: User  # attendee, going
    nora: User  # member without an RSVP
    staff: User


def build_room_world(*, lobby: bool = False, open_room: bool = True) -> RoomWorld:
    group = GroupFactory(lobby_enabled=lobby, name="Tuesday grief circle")
    lead = facilitator(group, UserFactory(display_name="Lead Lee"))
    co = facilitator(group, UserFactory(display_name="Co Cam"), FacilitatorAssignment.Role.CO)
    ana = member(group, UserFactory(display_name="Ana"), display_name="Ana")
    ben = member(group, UserFactory(display_name="Ben"), display_name="Ben")
    nora = member(group, UserFactory(display_name="Nora"), display_name="Nora")
    staff = UserFactory(is_staff=True)
    session = one_off_session(group, starts_in=timedelta(minutes=5), minutes=90)
    for person in (ana, ben):
        services.rsvp_create(session=session, user=person)
    if open_room:
        room_services.room_open(session=session, by=lead)
    session.refresh_from_db()
    return RoomWorld(session, lead, co, ana, ben, nora, staff)


@pytest.fixture(autouse=True)
def _room_db_threads_closed():
    """The room's database threads keep their connections; close them before the test
    database is flushed (PostgreSQL cannot drop a database others are connected to)."""
    yield
    room_db_shutdown()


@pytest.fixture
def room_world(transactional_db) -> RoomWorld:
    return build_room_world()


@pytest.fixture
def lobby_world(transactional_db) -> RoomWorld:
    return build_room_world(lobby=True)


@pytest.fixture
def closed_world(transactional_db) -> RoomWorld:
    return build_room_world(open_room=False)
