"""Database calls from the room's async code.

Channels' `database_sync_to_async` closes the connection after every call unless
CONN_MAX_AGE keeps it, so each chat message paid for a new database connection (on SQLite
also its PRAGMAs): about a fifth of the server's CPU in the fan-out benchmark. Room calls
instead run on a small pool of threads of their own that keep their connections, checked
before each call the way Django checks them between requests, without the age limit.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from functools import wraps

from asgiref.sync import SyncToAsync
from django.conf import settings
from django.db import connections

logger = logging.getLogger(__name__)


def _connections_usable() -> None:
    for connection in connections.all(initialized_only=True):
        if connection.connection is None:
            continue
        if connection.in_atomic_block or not connection.get_autocommit():
            # Left mid-transaction by a call that failed: start clean.
            connection.close()
        elif connection.errors_occurred:
            if connection.is_usable():
                connection.errors_occurred = False
            else:
                connection.close()


# Every connection opened on a room thread, so that room_db_shutdown can close them.
_opened: list = []
_opened_lock = threading.Lock()


_calling = threading.local()


def on_calling_loop(callback, *args) -> bool:
    """Have `callback(loop, *args)` run on the event loop awaiting the room call running on
    this thread, once the call returns. All the callbacks of one call reach the loop in one
    wake-up (a batch of chat messages publishes many events). False, and nothing queued, when
    this thread runs no room call."""
    outbox = getattr(_calling, "outbox", None)
    if outbox is None:
        return False
    outbox.append((callback, args))
    return True


def _run_outbox(loop, outbox) -> None:
    for callback, args in outbox:
        try:
            callback(loop, *args)
        except Exception:
            logger.exception("room call: a callback on the event loop failed")


class _RoomDatabaseCall(SyncToAsync):
    def thread_handler(self, loop, *args, **kwargs):
        _connections_usable()
        _calling.outbox = outbox = []
        try:
            return super().thread_handler(loop, *args, **kwargs)
        finally:
            _calling.outbox = None
            if outbox:
                # Queued before the call's result, so the loop runs them first.
                loop.call_soon_threadsafe(_run_outbox, loop, outbox)
            with _opened_lock:
                for connection in connections.all(initialized_only=True):
                    if connection.connection is not None and connection not in _opened:
                        _opened.append(connection)


_executor: ThreadPoolExecutor | None = None


def _room_executor() -> ThreadPoolExecutor:
    global _executor
    if _executor is None:
        _executor = ThreadPoolExecutor(
            max_workers=settings.ROOM_DB_THREADS, thread_name_prefix="room-db"
        )
    return _executor


def room_db(func):
    """`func` (sync, touching the database) as a coroutine function run on the room threads."""

    @wraps(func)
    async def call(*args, **kwargs):
        runner = _RoomDatabaseCall(func, thread_sensitive=False, executor=_room_executor())
        return await runner(*args, **kwargs)

    return call


def room_db_shutdown() -> None:
    """Stop the room threads and close their connections (tests, before a database is
    flushed or dropped)."""
    global _executor
    executor, _executor = _executor, None
    if executor is not None:
        executor.shutdown(wait=True)
    with _opened_lock:
        opened = list(_opened)
        _opened.clear()
    for connection in opened:
        if connection.connection is not None:
            # Its thread has ended; close the driver connection directly (Django would
            # refuse a close from another thread).
            connection.connection.close()
            connection.connection = None
