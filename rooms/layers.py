"""How room events leave a process: batched, in order, one round trip per batch.

channels-redis publishes each `group_send` under a lock held for the whole Redis round trip,
so a busy process publishes one event per trip through its event loop: at a few hundred chat
messages a second that chain, not the CPU, set the room's latency (docs/benchmarks.md,
Rooms). `publish` queues events per event loop; one task sends whatever has queued since its
last send, through `RoomPubSubLayer.group_send_many` (a pipeline of PUBLISH commands per Redis
shard) or, on layers without it, one `group_send` after another.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections import defaultdict

from channels_redis.pubsub import RedisPubSubChannelLayer

logger = logging.getLogger(__name__)


class RoomPubSubLayer(RedisPubSubChannelLayer):
    """channels-redis's pub/sub layer, with `group_send_many`."""

    async def group_send_many(self, messages: list[tuple[str, dict]]) -> None:
        """`group_send` each (group, message) in order: one pipeline per shard, so events of
        one group (a room lives on one shard) keep their order."""
        layer = self._get_layer()
        by_shard: dict = defaultdict(list)
        for group, message in messages:
            channel = layer._get_group_channel_name(group)
            by_shard[layer._get_shard(channel)].append((channel, self.serialize(message)))
        for shard, publishes in by_shard.items():
            async with shard._lock:
                shard._ensure_redis()
                async with shard._redis.pipeline(transaction=False) as pipe:
                    for channel, data in publishes:
                        pipe.publish(channel, data)
                    await pipe.execute()


class _Outbox:
    """The events one event loop has yet to publish on one layer."""

    def __init__(self, layer):
        self.layer = layer
        self.queued: list[tuple[str, dict]] = []
        self.sender: asyncio.Task | None = None

    def add(self, loop, group: str, message: dict) -> None:
        self.queued.append((group, message))
        if self.sender is None:
            self.sender = loop.create_task(self._send(), name="room-event-publisher")

    async def _send(self) -> None:
        try:
            while self.queued:
                batch, self.queued = self.queued, []
                try:
                    if hasattr(self.layer, "group_send_many"):
                        await self.layer.group_send_many(batch)
                    else:
                        for group, message in batch:
                            await self.layer.group_send(group, message)
                except Exception as exc:
                    # Chat is stored: hubs fill the gap from the database at the next message.
                    logger.error("room events not sent (%d): %r", len(batch), exc)
        finally:
            self.sender = None


_outboxes: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def publish(loop, layer, group: str, message: dict) -> None:
    """Send `message` to `group` from `loop` (called on it), after what it queued before."""
    outboxes = _outboxes.setdefault(loop, {})
    outbox = outboxes.get(id(layer))
    if outbox is None or outbox.layer is not layer:
        outbox = outboxes[id(layer)] = _Outbox(layer)
    outbox.add(loop, group, message)
