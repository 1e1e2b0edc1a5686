"""A room's group and events, its opening and closing, and tickets for API clients."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from rooms import layers
from rooms.access import CLOSE_ENDED, can_moderate, room_entry
from rooms.db import on_calling_loop
from rooms.models import Room, RoomParticipant, RoomTicket
from rooms.services._common import _moderator
from rooms.services.janus_rooms import janus_on_room_end, janus_on_room_open
from sessions_app.audit import audit_log
from sessions_app.errors import NotAllowed, StateConflict
from sessions_app.models import Session, User

# The channel layer the rooms' events travel on (config/settings.py CHANNEL_LAYERS).
ROOM_CHANNEL_LAYER = "rooms"


def room_group(session_id: int) -> str:
    """The channel-layer group of a room: every process with someone in it listens there."""
    return f"room.{session_id}"


def _publish(session_id: int, **event) -> None:
    """Send an event to every process serving this room, once the transaction commits.

    Event keys (all optional): `chat` (a chat frame; `author` and `client_id` name the copy
    that echoes `client_id`), `frames` ([[audience, frame], ...] with audience "all",
    "facilitators", "everyone" (the lobby too), "u:<user id>" (every connection of that user),
    "c:<RoomConnection id>" (that one connection) or "others:<RoomConnection id>" (every admitted
    connection but that one)), `refresh` (presence, queue or room state
    changed), `admit` ([user ids] let in from the lobby), `close` ([[audience, close code],
    ...]), `hide` ([[blocker id, author id, bool], ...]: the blocker's connections stop (true)
    or start again (false) receiving that author's chat).
    """
    message = {"type": "room.event", "session": session_id, **event}

    def send() -> None:
        layer = get_channel_layer(ROOM_CHANNEL_LAYER)
        if layer is None:
            return
        # In a room call (db.py) the send goes to the event loop awaiting it, rather than hold
        # the database thread for the layer's round trip; elsewhere (API views, commands) it
        # is sent here. Events stay in order per loop; a hub fills any chat gap from the
        # database.
        if not on_calling_loop(layers.publish, layer, room_group(session_id), message):
            async_to_sync(layer.group_send)(room_group(session_id), message)

    transaction.on_commit(send)


# --- opening and closing ------------------------------------------------------------------


@transaction.atomic
def room_open(*, session: Session, by: User, now: datetime | None = None) -> Session:
    """Open a session's room (at most ROOM_OPEN_EARLY_MINUTES before the start). Idempotent."""
    now = now or timezone.now()
    session = Session.objects.select_for_update().select_related("group").get(pk=session.pk)
    if not can_moderate(user=by, session=session):
        raise NotAllowed("Only this group's facilitators open its room.", code="not_facilitator")
    if session.status == Session.Status.CANCELLED:
        raise StateConflict("This session is cancelled.", code="session_cancelled")
    if session.end <= now:
        raise StateConflict("This session is over.", code="session_past")
    early = timedelta(minutes=settings.ROOM_OPEN_EARLY_MINUTES)
    if now < session.start - early:
        raise StateConflict(
            f"A room opens at most {settings.ROOM_OPEN_EARLY_MINUTES} minutes before the start.",
            code="too_early",
        )
    room, _created = Room.objects.get_or_create(session=session)
    if not session.room_open:
        session.room_open = True
        session.save(update_fields=["room_open", "updated_at"])
        room.opened_at, room.opened_by, room.ended_at, room.ended_by = now, by, None, None
        room.save(update_fields=["opened_at", "opened_by", "ended_at", "ended_by"])
        audit_log(actor=by, action="room.open", obj=session)
        janus_on_room_open(session_id=session.pk)
    return session


@transaction.atomic
def room_close(*, session: Session, by: User, now: datetime | None = None) -> Session:
    """End a room for everyone: `room.ended`, then every connection closes. Idempotent."""
    now = now or timezone.now()
    session = Session.objects.select_for_update().select_related("group").get(pk=session.pk)
    if not can_moderate(user=by, session=session):
        raise NotAllowed("Only this group's facilitators close its room.", code="not_facilitator")
    if session.room_open:
        session.room_open = False
        session.save(update_fields=["room_open", "updated_at"])
        Room.objects.filter(session=session).update(
            ended_at=now,
            ended_by=by,
            speaker=None,
            share_ends_at=None,
            share_auto_next=False,
            round_prompt="",
            round_started_at=None,
        )
        RoomParticipant.objects.filter(session=session).update(hand_raised_at=None, hand_rank=None)
        audit_log(actor=by, action="room.end", obj=session)
        room_announce_end(session_id=session.pk)
    return session


def room_announce_end(*, session_id: int) -> None:
    """Once the caller's transaction commits, everyone in the room gets `room.ended` and their
    connections close (the caller has marked the room closed or the session cancelled).
    "everyone" includes people still waiting in the lobby. Its Janus room, if any, goes too."""
    room = Room.objects.filter(session_id=session_id).first()
    if room is not None:
        janus_on_room_end(room=room)
    _publish(
        session_id,
        frames=[["everyone", {"type": "room.ended"}]],
        close=[["everyone", CLOSE_ENDED]],
    )


def room_end(*, session_id: int, by: User) -> Session:
    """`room.end` from a facilitator in the room: the same as closing it."""
    return room_close(session=_moderator(session_id=session_id, by=by), by=by)


# --- tickets for API clients ----------------------------------------------------------------


def _ticket_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def room_ticket_issue(
    *, session: Session, user: User, now: datetime | None = None
) -> tuple[str, datetime]:
    """A single-use ticket into the room, valid ROOM_TICKET_SECONDS; only its hash is kept."""
    now = now or timezone.now()
    entry = room_entry(user=user, session=session)
    if not entry.allowed:
        if entry.code == 4409:
            raise StateConflict("The room is not open.", code="room_not_open")
        raise NotAllowed(f"You may not enter this room: {entry.reason}.", code="room_forbidden")
    token = secrets.token_urlsafe(32)
    expires_at = now + timedelta(seconds=settings.ROOM_TICKET_SECONDS)
    RoomTicket.objects.create(
        token_hash=_ticket_hash(token), user=user, session=session, expires_at=expires_at
    )
    return token, expires_at


def room_ticket_redeem(*, token: str, session_id: int, now: datetime | None = None) -> User | None:
    """The ticket's user if it is unused, unexpired and for this session; it is used up."""
    if not token or len(token) > 100:
        return None
    now = now or timezone.now()
    token_hash = _ticket_hash(token)
    # One conditional UPDATE: two processes redeeming the same ticket cannot both win.
    used = RoomTicket.objects.filter(
        token_hash=token_hash, session_id=session_id, used_at__isnull=True, expires_at__gt=now
    ).update(used_at=now)
    if not used:
        return None
    return RoomTicket.objects.select_related("user").get(token_hash=token_hash).user
