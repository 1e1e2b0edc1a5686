"""Domain events: how the scheduling core lets other apps react without knowing them.

The core publishes a small frozen dataclass of ids (`publish(SessionCancelled(...))`); apps
that care subscribe in their `AppConfig.ready()` (`subscribe(SessionCancelled, handler)`).
Handlers run once the publishing transaction commits, so nobody reacts to a change that was
rolled back; outside a transaction they run at once. Each handler runs on its own
(`robust`): one that fails is logged and the others still run, and the request that made
the change is not failed by a reaction to it.

Subscribers today: sms (texts the notices, drops reminders of changed sessions) and rooms
(ends the room of a cancelled session; closes the room of someone removed or banned).
See docs/architecture.md.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction

Handler = Callable[[Any], None]

_handlers: dict[type, list[Handler]] = defaultdict(list)


@dataclass(frozen=True)
class NoticesCreated:
    """People were told something on the site (rows in Notice, with kind and params)."""

    notice_ids: tuple[int, ...]


@dataclass(frozen=True)
class SessionCancelled:
    """One session was cancelled; `room_was_open` if people may be in its room now."""

    session_id: int
    room_was_open: bool


@dataclass(frozen=True)
class SessionMoved:
    """One session moved to a new start and end."""

    session_id: int


@dataclass(frozen=True)
class SeatFreed:
    """A going RSVP was cancelled; the waitlist has already been served."""

    session_id: int
    user_id: int


@dataclass(frozen=True)
class MembershipEnded:
    """Someone is no longer a member of a group: removed (they may join again) or banned."""

    group_id: int
    user_id: int
    banned: bool


@dataclass(frozen=True)
class MembershipApproved:
    """A pending (or banned) membership was approved."""

    membership_id: int


@dataclass(frozen=True)
class GroupGuidelinesChanged:
    """A group's guidelines (their text, so their version, or whether they are accepted at
    every session) changed."""

    group_id: int


def subscribe(event_type: type, handler: Handler) -> None:
    """Call `handler(event)` after commit for every published event of `event_type`.

    Idempotent, since `ready()` may run more than once in tests.
    """
    if handler not in _handlers[event_type]:
        _handlers[event_type].append(handler)


def publish(event: object) -> None:
    """Run the subscribers of `event` once the current transaction commits."""
    for handler in _handlers.get(type(event), ()):
        transaction.on_commit(_bound(handler, event), robust=True)


def _bound(handler: Handler, event: object) -> Callable[[], None]:
    # A plain function rather than functools.partial: Django's robust on_commit names the
    # callback by its __qualname__ when it logs a failure.
    def run() -> None:
        handler(event)

    run.__qualname__ = f"{getattr(handler, '__qualname__', repr(handler))}({type(event).__name__})"
    return run
