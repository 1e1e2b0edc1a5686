"""The Janus VideoRoom behind a room when JANUS_URL is set (docs/media.md): its secrets and
per-person tokens, derived rather than stored, and the requests that follow the room's rules
(created on open, destroyed on end, a removed person's token withdrawn, a mute enforced)."""

from __future__ import annotations

import hashlib
import hmac
import logging

from django.conf import settings
from django.db import transaction

from rooms.janus import JanusError, VideoRoomAdmin, janus_url_for
from rooms.models import Room

logger = logging.getLogger(__name__)

# The mid of the audio m-line every client publishes first (Janus `moderate` names it).
JANUS_AUDIO_MID = "0"


def _derive(purpose: str, *parts) -> str:
    key = (settings.JANUS_ADMIN_SECRET or settings.SECRET_KEY).encode()
    message = ":".join([purpose, *map(str, parts)]).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


def _opening(room: Room) -> int:
    """Which opening of the room: a new opening gives the Janus room new secrets and tokens, so
    a token handed out before no longer works."""
    return int(room.opened_at.timestamp()) if room.opened_at else 0


def janus_room_secrets(*, room: Room) -> dict:
    opening = _opening(room)
    return {
        "room": room.session_id,
        "secret": _derive("secret", room.session_id, opening),
        "pin": _derive("pin", room.session_id, opening)[:12],
    }


def janus_token(*, room: Room, user_id: int) -> str:
    """The person's token in the room's `allowed` list; only people the room admits get one."""
    return _derive("token", room.session_id, _opening(room), user_id)


def janus_admin(session_id: int) -> VideoRoomAdmin:
    return VideoRoomAdmin(
        janus_url_for(session_id, settings.JANUS_URLS),
        api_secret=settings.JANUS_API_SECRET,
        admin_key=settings.JANUS_ADMIN_SECRET,
        timeout=settings.JANUS_TIMEOUT_SECONDS,
    )


def janus_room_create(*, session_id: int) -> None:
    """Create the room's Janus VideoRoom (idempotent); recording is never enabled."""
    room = Room.objects.get(session_id=session_id)
    keys = janus_room_secrets(room=room)
    janus_admin(session_id).create_room(
        room=keys["room"],
        secret=keys["secret"],
        pin=keys["pin"],
        publishers=settings.JANUS_MAX_PUBLISHERS,
        description=f"hearth session {session_id}",
    )


def _janus_after_commit(session_id: int, what: str, call) -> None:
    """Run a Janus request once the caller's transaction commits; a failure is logged (the
    room's own rules already hold: the person's socket is closed, or the room is ended)."""
    if not settings.JANUS_URLS:
        return

    def run() -> None:
        try:
            call()
        except JanusError as exc:
            logger.warning("room %s: Janus %s failed: %s", session_id, what, exc)

    transaction.on_commit(run)


def janus_on_room_open(*, session_id: int) -> None:
    _janus_after_commit(session_id, "create", lambda: janus_room_create(session_id=session_id))


def janus_on_room_end(*, room: Room) -> None:
    """The room ended: its Janus room goes, and every token and feed with it."""
    keys = janus_room_secrets(room=room)
    _janus_after_commit(
        room.session_id,
        "destroy",
        lambda: janus_admin(room.session_id).destroy_room(room=keys["room"], secret=keys["secret"]),
    )


def janus_on_remove(*, room: Room, user_id: int, publisher_ids: list[int]) -> None:
    """A removed person's token stops working and their feeds are kicked at once."""
    keys = janus_room_secrets(room=room)
    token = janus_token(room=room, user_id=user_id)

    def cut() -> None:
        admin = janus_admin(room.session_id)
        admin.disallow(room=keys["room"], secret=keys["secret"], tokens=[token])
        for publisher_id in publisher_ids:
            admin.kick(room=keys["room"], secret=keys["secret"], publisher_id=publisher_id)

    _janus_after_commit(room.session_id, "remove", cut)


def janus_on_mute(*, room: Room, publisher_ids: list[int], muted: bool) -> None:
    """Server-enforced mute: Janus stops forwarding the person's audio to everyone."""
    keys = janus_room_secrets(room=room)

    def moderate() -> None:
        admin = janus_admin(room.session_id)
        for publisher_id in publisher_ids:
            admin.moderate(
                room=keys["room"],
                secret=keys["secret"],
                publisher_id=publisher_id,
                mid=JANUS_AUDIO_MID,
                mute=muted,
            )

    _janus_after_commit(room.session_id, "moderate", moderate)
