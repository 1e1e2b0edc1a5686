"""How fast one person may chat in one room, counted across all their connections.

A bucket per connection let anyone reset it by reconnecting (one account stored 620 messages
in 5 s over 124 connections), so the count belongs to the person in the room: a burst of
ROOM_CHAT_BURST messages, then ROOM_CHAT_PER_MINUTE. It is kept in Redis when REDIS_URL is set,
so every process serving the room counts the same messages, and in this process's memory
otherwise (one process: `make run`, the tests without Redis).

The rule is GCRA, the token bucket written as one number per person and room: the
"theoretical arrival time" `tat` of the next message. A message at `now` is let through when
`max(tat, now) + interval - now <= burst * interval`, and moves `tat` on by `interval`. Times
are whole microseconds of the wall clock (`time.time_ns`), which every process shares and
tests can move.

How many connections a person may hold at once is a rule about the recorded connections:
services/presence.py (`ROOM_MAX_CONNECTIONS_PER_PERSON`).
"""

from __future__ import annotations

import asyncio
import threading
import time
import weakref

from django.conf import settings
from redis.asyncio import Redis

KEY_PREFIX = "hearth:room-chat"

# The same rule as `gcra_take`, in one atomic step on the Redis server.
_GCRA_SCRIPT = """
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or ARGV[1])
if tat < now then tat = now end
local new = tat + interval
if new - now > limit then return 0 end
redis.call('SET', KEYS[1], string.format('%d', new), 'PX', math.ceil((new - now) / 1000) + 1)
return 1
"""


def chat_key(*, session_id: int, user_id: int, line: str = "") -> str:
    """The bucket of one person in one room: their chat, or (`line="private"`) their
    private-line messages, which have an allowance of their own by the same rule."""
    if line:
        return f"{KEY_PREFIX}:{line}:{session_id}:{user_id}"
    return f"{KEY_PREFIX}:{session_id}:{user_id}"


def chat_rule() -> tuple[int, int]:
    """(interval, limit) in microseconds, from the settings (read each time: tests lower them)."""
    per_minute = max(1, settings.ROOM_CHAT_PER_MINUTE)
    interval = max(1, 60_000_000 // per_minute)
    return interval, max(1, settings.ROOM_CHAT_BURST) * interval


def gcra_take(tat: int | None, *, now: int, interval: int, limit: int) -> int | None:
    """The new `tat` if a message at `now` is let through, else None."""
    new = max(tat if tat is not None else now, now) + interval
    if new - now > limit:
        return None
    return new


def now_us() -> int:
    return time.time_ns() // 1000


class MemoryChatLimiter:
    """The buckets in this process's memory (no REDIS_URL)."""

    def __init__(self) -> None:
        self._tats: dict[str, int] = {}
        self._lock = threading.Lock()

    async def take(self, key: str, *, now: int) -> bool:
        interval, limit = chat_rule()
        with self._lock:
            if len(self._tats) > 10_000:
                # Forget the buckets that are full again (their tat has passed).
                self._tats = {k: t for k, t in self._tats.items() if t > now}
            new = gcra_take(self._tats.get(key), now=now, interval=interval, limit=limit)
            if new is None:
                return False
            self._tats[key] = new
            return True

    async def reset(self) -> None:
        with self._lock:
            self._tats.clear()


class RedisChatLimiter:
    """The buckets in Redis, shared by every process; one client per event loop."""

    def __init__(self, url: str) -> None:
        self.redis = Redis.from_url(url)
        self._script = self.redis.register_script(_GCRA_SCRIPT)

    async def take(self, key: str, *, now: int) -> bool:
        interval, limit = chat_rule()
        return bool(await self._script(keys=[key], args=[now, interval, limit]))

    async def reset(self) -> None:
        keys = [key async for key in self.redis.scan_iter(match=KEY_PREFIX + ":*")]
        if keys:
            await self.redis.delete(*keys)


_memory = MemoryChatLimiter()
_redis: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def chat_limiter() -> MemoryChatLimiter | RedisChatLimiter:
    if not settings.REDIS_URL:
        return _memory
    loop = asyncio.get_running_loop()
    limiter = _redis.get(loop)
    if limiter is None:
        limiter = _redis[loop] = RedisChatLimiter(settings.REDIS_URL)
    return limiter


async def chat_allowed(
    *, session_id: int, user_id: int, now: int | None = None, line: str = ""
) -> bool:
    """May this person post a chat message (or, with `line`, a message on that line) in this
    room now? Counts it if so."""
    key = chat_key(session_id=session_id, user_id=user_id, line=line)
    return await chat_limiter().take(key, now=now_us() if now is None else now)


async def chat_limiter_close() -> None:
    """Close this event loop's Redis client, if it has one (tests, as their loop ends)."""
    limiter = _redis.pop(asyncio.get_running_loop(), None)
    if limiter is not None:
        await limiter.redis.aclose()
