"""Per-process fan-out of room events.

Plain Channels gives every connection its own layer channel and sends one layer message per
recipient, each decoded, dispatched and JSON-encoded again: about 350 µs of CPU per delivered
frame. Here each Daphne process listens on one layer channel for all its rooms, so an event
costs one layer message per process; the hub encodes each frame once and hands the same
`Frame` to every local connection of the room, which on Daphne also frames it once for all
its sockets (wire.py).

The layer may drop messages (channels-redis past its capacity). Chat frames carry the room's
`seq`; a hub that sees a gap reads the missing messages from the database before going on, so
every connection gets every message once and in order.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import uuid
import weakref
from datetime import datetime

from channels.layers import get_channel_layer
from django.conf import settings
from django.utils import timezone

from rooms import selectors, services
from rooms.db import room_db
from rooms.models import Room
from rooms.services import ROOM_CHANNEL_LAYER
from rooms.wire import Frame

logger = logging.getLogger(__name__)

# Names this process in RoomConnection rows (presence survives only while it beats).
SERVER_ID = f"{socket.gethostname()[:20]}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
# Presence, queue and room state are re-read at most this often per room and process, so a
# burst of joins costs a few snapshots, not one per join.
REFRESH_DELAY_SECONDS = 0.05


def encode(frame: dict) -> str:
    return json.dumps(frame, ensure_ascii=False, separators=(",", ":"))


@room_db
def _room_last_seq(session_id: int) -> int:
    return (
        Room.objects.filter(session_id=session_id).values_list("last_seq", flat=True).first() or 0
    )


_messages_between = room_db(selectors.messages_between)
_room_snapshot = room_db(selectors.room_snapshot)
_heartbeat = room_db(services.room_heartbeat)
_chat_post_many = room_db(services.chat_post_many)
_share_timer_expire = room_db(services.share_timer_expire)


class LocalRoom:
    """The connections one process has to one room."""

    def __init__(self, last_seq: int):
        self.connections: set = set()
        self.last_seq = last_seq  # the highest seq this process has fanned out
        self.refresh_pending = False
        self.sent: dict[str, str] = {}  # frame kind -> last text sent, to skip repeats
        # The speaker's share with auto_next: its end (ISO text) and the task waiting for it.
        self.share_end: str | None = None
        self.share_task: asyncio.Task | None = None

    def share_watch(self, share: dict | None, expire) -> None:
        """Wait for the end of the share in the queue frame (when it moves the turn on by
        itself), then `expire(ends_at)`; a share that changed or stopped is waited for no more."""
        end = share["ends_at"] if share and share.get("auto_next") else None
        if end == self.share_end:
            return
        self.share_stop()
        self.share_end = end
        if end is not None:
            self.share_task = asyncio.create_task(expire(end), name="room-share-timer")

    def share_stop(self) -> None:
        if self.share_task is not None:
            self.share_task.cancel()
        self.share_task, self.share_end = None, None

    def targets(self, audience: str):
        """Connections an audience names: "all" and "facilitators" mean admitted ones;
        "u:<id>" is every connection of that user, in the lobby too, and "c:<id>" the
        connection of that RoomConnection row; "others:<id>" every admitted connection but that
        one; "everyone" is every connection, the lobby included."""
        if audience == "everyone":
            return list(self.connections)
        if audience.startswith("others:"):
            connection_id = int(audience[7:])
            return [c for c in self.connections if c.admitted and c.connection_id != connection_id]
        if audience.startswith("c:"):
            connection_id = int(audience[2:])
            return [c for c in self.connections if c.connection_id == connection_id]
        if audience.startswith("u:"):
            user_id = int(audience[2:])
            return [c for c in self.connections if c.user_id == user_id]
        if audience == "facilitators":
            return [c for c in self.connections if c.admitted and c.is_facilitator]
        return [c for c in self.connections if c.admitted]


class RoomHub:
    """One per process (and event loop): the layer channel, the local rooms, the heartbeat."""

    _hubs: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    @classmethod
    def current(cls) -> RoomHub:
        loop = asyncio.get_running_loop()
        hub = cls._hubs.get(loop)
        if hub is None:
            hub = cls._hubs[loop] = cls()
        return hub

    def __init__(self):
        self.layer = get_channel_layer(ROOM_CHANNEL_LAYER)
        self.rooms: dict[int, LocalRoom] = {}
        self.channel: str | None = None
        self._tasks: list[asyncio.Task] = []
        self._lock = asyncio.Lock()
        self._chats: list[tuple[dict, asyncio.Future]] = []  # posted, not yet being stored
        self._chat_writer: asyncio.Task | None = None

    async def post_chat(self, **post):
        """Store a chat message (services.chat_post's arguments) and return it, or raise what
        refused it. Messages posted in this process while a batch is being stored go together
        in the next one: one database call and one commit for all of them."""
        future = asyncio.get_running_loop().create_future()
        self._chats.append((post, future))
        if self._chat_writer is None:
            self._chat_writer = asyncio.create_task(self._write_chats(), name="room-chat-writer")
        return await future

    async def _write_chats(self) -> None:
        try:
            while self._chats:
                batch, self._chats = self._chats, []
                try:
                    results = await _chat_post_many([post for post, _ in batch])
                except Exception as exc:  # the database is unreachable: every post fails
                    results = [exc] * len(batch)
                for (_, future), result in zip(batch, results, strict=True):
                    if future.done():  # the connection went away meanwhile
                        continue
                    if isinstance(result, BaseException):
                        future.set_exception(result)
                    else:
                        future.set_result(result)
        finally:
            self._chat_writer = None

    async def join(self, session_id: int, connection) -> None:
        async with self._lock:
            if self.channel is None:
                self.channel = await self.layer.new_channel("room-hub.")
                self._tasks = [
                    asyncio.create_task(self._read(), name="room-hub-reader"),
                    asyncio.create_task(self._beat(), name="room-hub-heartbeat"),
                ]
            room = self.rooms.get(session_id)
            if room is None:
                await self.layer.group_add(services.room_group(session_id), self.channel)
                # Read after joining the group: anything committed later arrives through it.
                room = self.rooms[session_id] = LocalRoom(await _room_last_seq(session_id))
            room.connections.add(connection)

    async def leave(self, session_id: int, connection) -> None:
        async with self._lock:
            room = self.rooms.get(session_id)
            if room is None:
                return
            room.connections.discard(connection)
            if not room.connections:
                room.share_stop()
                del self.rooms[session_id]
                await self.layer.group_discard(services.room_group(session_id), self.channel)
            if not self.rooms:
                # Nobody left in any room here: stop listening until someone comes.
                for task in self._tasks:
                    task.cancel()
                self._tasks, self.channel = [], None

    async def _read(self) -> None:
        while True:
            try:
                message = await self.layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("room hub: channel layer receive failed; retrying")
                await asyncio.sleep(0.5)
                continue
            try:
                await self._dispatch(message)
            except Exception:
                logger.exception("room hub: could not deliver an event")

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(settings.ROOM_HEARTBEAT_SECONDS)
            if self.rooms:
                try:
                    await _heartbeat(server_id=SERVER_ID)
                except Exception:
                    logger.exception("room hub: heartbeat failed")

    async def _dispatch(self, message: dict) -> None:
        session_id = message.get("session")
        room = self.rooms.get(session_id)
        if room is None:
            return
        for blocker, author, hidden in message.get("hide") or ():
            for connection in room.targets(f"u:{blocker}"):
                connection.hide(author, hidden)
        if message.get("chat"):
            await self._chat(session_id, room, message)
        for audience, frame in message.get("frames") or ():
            out = Frame(encode(frame))
            for connection in room.targets(audience):
                await connection.deliver(out)
        for user_id in message.get("admit") or ():
            for connection in room.targets(f"u:{user_id}"):
                asyncio.create_task(connection.enter())
        if message.get("refresh"):
            self._schedule_refresh(session_id, room)
        for audience, code in message.get("close") or ():
            for connection in room.targets(audience):
                await connection.close(code=code)

    async def _chat(self, session_id: int, room: LocalRoom, message: dict) -> None:
        frame = message["chat"]
        seq = frame["seq"]
        if seq <= room.last_seq:
            return  # already fanned out (a gap filled from the database brought it)
        if seq > room.last_seq + 1:
            missing = await _messages_between(
                session_id=session_id, after_seq=room.last_seq, upto_seq=seq - 1
            )
            for lost in missing:
                await self._fan_chat(room, lost, None, None)
        await self._fan_chat(room, frame, message.get("author"), message.get("client_id"))

    async def _fan_chat(self, room: LocalRoom, frame: dict, author, client_id) -> None:
        seq = frame["seq"]
        if seq <= room.last_seq:
            return
        room.last_seq = seq
        out = Frame(encode(frame))
        own = Frame(encode({**frame, "client_id": client_id})) if client_id else out
        # Whoever blocked the author gets no frame for this seq (the consumer drops it).
        author_id = (frame.get("author") or {}).get("id")
        for connection in room.targets("all"):
            message = own if connection.user_id == author else out
            await connection.deliver(message, seq=seq, author=author_id)

    async def _share_expire(self, session_id: int, end: str) -> None:
        """At the share's end, move the turn on. Every process with someone in the room does
        this; the service's check under the room row's lock lets one of them act."""
        ends_at = datetime.fromisoformat(end)
        await asyncio.sleep(max(0.0, (ends_at - timezone.now()).total_seconds()))
        try:
            await _share_timer_expire(session_id=session_id, ends_at=ends_at)
        except Exception:
            logger.exception("room hub: the share timer of room %s failed", session_id)

    def _schedule_refresh(self, session_id: int, room: LocalRoom) -> None:
        if not room.refresh_pending:
            room.refresh_pending = True
            asyncio.create_task(self._refresh(session_id, room))

    async def _refresh(self, session_id: int, room: LocalRoom) -> None:
        await asyncio.sleep(REFRESH_DELAY_SECONDS)
        room.refresh_pending = False
        try:
            snapshot = await _room_snapshot(session_id=session_id)
        except Exception:
            logger.exception("room hub: snapshot of room %s failed", session_id)
            return
        room.share_watch(
            snapshot["queue"].get("share"),
            lambda end: self._share_expire(session_id, end),
        )
        state = snapshot["room"]
        frames = {
            "presence": {"type": "presence", "participants": snapshot["presence"]},
            "presence_staff": {
                "type": "presence",
                "participants": snapshot["presence"],
                "lobby": snapshot["lobby"],
            },
            "queue": {"type": "queue", **snapshot["queue"]},
            "state": {"type": "room.state", "locked": state["locked"], "paused": state["paused"]},
        }
        texts = {kind: encode(frame) for kind, frame in frames.items()}
        changed = {kind: Frame(text) for kind, text in texts.items() if room.sent.get(kind) != text}
        room.sent.update(texts)
        for connection in room.targets("all"):
            presence = "presence_staff" if connection.is_facilitator else "presence"
            for kind in (presence, "queue", "state"):
                if kind in changed:
                    await connection.deliver(changed[kind])
