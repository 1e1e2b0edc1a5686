"""The room WebSocket: authentication from the scope, frames in and out, nothing else.

Who may enter and every room rule live in access.py, services/ and selectors.py; the
per-process fan-out lives in hub.py. Frame shapes: docs/rooms.md.
"""

from __future__ import annotations

import json
import logging
import time
from collections import deque

from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.text import format_lazy
from django.utils.translation import get_supported_language_variant
from django.utils.translation import gettext_lazy as _
from django.utils.translation.trans_real import parse_accept_lang_header

from rooms import access, limits, selectors, services
from rooms.consumer_frames import FacilitatorFrames, MediaFrames
from rooms.db import room_db
from rooms.hub import SERVER_ID, RoomHub, encode
from rooms.wire import Frame, daphne_protocol
from sessions_app.errors import DomainError
from sessions_app.models import Session

logger = logging.getLogger(__name__)

# No per-connection layer channel: the process's hub listens for all its rooms (hub.py).
# An alias that names no configured layer makes Channels skip creating one.
NO_CHANNEL_LAYER = "hearth-room-connections-use-the-hub"


FACILITATOR_FRAMES = {
    "mod.mute",
    "mod.unmute",
    "mod.remove",
    "mod.admit",
    "mod.delete_message",
    "mod.next_speaker",
    "mod.reorder",
    "mod.share_timer",
    "mod.share_stop",
    "mod.round_start",
    "mod.round_end",
    "room.lock",
    "room.end",
    "private.reply",
}

# Every frame type of docs/rooms.md; each is handled by `frame_<type, dots as underscores>`.
MEDIA_FRAMES = {"media.join", "media.signal", "media.state", "media.leave"}
FRAME_TYPES = frozenset(
    {
        "ping",
        "chat",
        "hand",
        "pass",
        "checkin",
        "report",
        "resume",
        "private.send",
        "block",
        "report.person",
        "guidelines.accept",
        "round.pass",
        *MEDIA_FRAMES,
        *FACILITATOR_FRAMES,
    }
)


class RoomConsumer(MediaFrames, FacilitatorFrames, AsyncWebsocketConsumer):
    channel_layer_alias = NO_CHANNEL_LAYER

    async def dispatch(self, message):
        # Channels' dispatch first closes stale database connections of the main executor's
        # thread: a hop to that thread for every frame, for connections this consumer never
        # uses (its database work runs on the room threads, which check their own; db.py).
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    # --- connection ---------------------------------------------------------------------

    async def connect(self):
        self.session_id = int(self.scope["url_route"]["kwargs"]["session_id"])
        self.user = self.scope.get("user")
        self.user_id = getattr(self.user, "pk", None)
        self.connection_id = None
        self.participant_id = None
        self.is_facilitator = False
        self.admitted = False
        self.ready = False  # until the welcome went out, frames wait in `pending`
        self.pending: list[tuple[int | None, int | None, Frame]] = []
        # Authors whose chat this person blocked (not for facilitators: services/blocks.py).
        self.hidden: set[int] = set()
        self.watermark = 0  # highest chat seq sent on this connection
        self.welcome_seq = 0
        self.hub = None
        self.language: str | None = None  # of the crisis resources sent to this person
        self.frame_times: deque[float] = deque()
        self.signal_times: deque[float] = deque()
        self.closing = False  # once closed, frames still queued are dropped, nothing is sent
        # Accept first: a close code sent before the handshake completes never reaches the
        # client (it sees an HTTP 403), and clients act on 4401/4403/4409/4410.
        await self.accept()
        # Daphne's socket, for frames the hub fans out (wire.py); None under other servers.
        self.wire = daphne_protocol(self.base_send)
        if self.scope.get("room_ticket_invalid") or self.user_id is None:
            await self.close(code=access.CLOSE_UNAUTHENTICATED)
            return
        if self.session_id > services.MAX_NUMBER:
            await self.close(code=access.CLOSE_NO_SESSION)
            return
        try:
            connection, participant = await room_db(services.room_join)(
                session_id=self.session_id, user=self.user, server_id=SERVER_ID
            )
        except services.RoomDenied as denied:
            await self.close(code=denied.close_code)
            return
        except Exception:
            logger.exception("room %s: could not take a connection", self.session_id)
            await self.close(code=access.CLOSE_TRY_AGAIN)
            return
        self.connection_id, self.participant_id = connection.pk, participant.pk
        self.language = connection_language(self.user, self.scope)
        self.is_facilitator = participant.role == participant.Role.FACILITATOR
        self.admitted = participant.admitted_at is not None
        if not self.is_facilitator:
            try:
                self.hidden = set(await room_db(selectors.blocked_ids)(user_id=self.user_id))
            except Exception:
                logger.exception("room %s: could not read blocks", self.session_id)
                await self.close(code=access.CLOSE_TRY_AGAIN)
                return
        self.hub = RoomHub.current()
        await self.hub.join(self.session_id, self)
        await self.enter()

    async def enter(self) -> None:
        """Send `welcome` (or `lobby`), then what arrived meanwhile. Called again on admit."""
        self.ready = False
        try:
            frame = await room_db(selectors.room_welcome)(
                session_id=self.session_id,
                participant_id=self.participant_id,
                language=self.language,
                hidden=frozenset(self.hidden),
            )
        except Exception:
            # Without a welcome the client cannot know where it stands: it reconnects.
            logger.exception("room %s: could not make the welcome", self.session_id)
            await self.close(code=access.CLOSE_TRY_AGAIN)
            return
        self.admitted = frame["type"] == "welcome"
        if self.admitted:
            self.welcome_seq = max(self.welcome_seq, frame["last_seq"])
            self.watermark = max(self.watermark, frame["last_seq"])
        await self.send(text_data=encode(frame))
        self.ready = True
        pending, self.pending = self.pending, []
        for seq, author, frame in pending:
            await self.deliver(frame, seq=seq, author=author)

    async def disconnect(self, code):
        if self.hub is not None:
            await self.hub.leave(self.session_id, self)
        if self.connection_id is not None:
            try:
                await room_db(services.room_leave)(connection_id=self.connection_id)
            except Exception:
                logger.exception("room %s: could not record a leave", self.session_id)

    async def deliver(
        self, frame: Frame, seq: int | None = None, author: int | None = None
    ) -> None:
        """Send a frame the hub fanned out; chat frames at most once each, in order, except
        those of an `author` this person blocked."""
        if not self.ready:
            self.pending.append((seq, author, frame))
            return
        if seq is not None:
            if seq <= self.watermark:
                return
            self.watermark = seq
            if author in self.hidden:
                return
        if self.closing:
            return
        if self.wire is not None:
            frame.write(self.wire)
        else:
            await self.send(text_data=frame.text)

    def hide(self, author: int, hidden: bool) -> None:
        """This person blocked (or unblocked) `author`: a facilitator's blocks do not apply in
        a room they run."""
        if self.is_facilitator:
            return
        if hidden:
            self.hidden.add(author)
        else:
            self.hidden.discard(author)

    async def send(self, text_data=None, bytes_data=None, close=False):
        # A socket we closed refuses writes (Daphne raises `Disconnected`) until its
        # disconnect arrives; whatever was on its way to it meanwhile is dropped.
        if self.closing:
            return
        await super().send(text_data=text_data, bytes_data=bytes_data, close=close)

    async def close(self, code=None, reason=None):
        if self.closing:
            return
        self.closing = True
        await super().close(code=code, reason=reason)

    async def error(self, code: str, message, **extra) -> None:
        """An `error` frame; `message` (often lazy) in this person's language."""
        with translation.override(self.language):
            message = str(message)
        await self.send(
            text_data=encode({"type": "error", "code": code, "message": message, **extra})
        )

    # --- frames in ------------------------------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None):
        if self.closing:
            return  # queued before the close (a flood, or a newer connection took over)
        frame = self._parse(text_data)
        kind = frame.get("type") if isinstance(frame, dict) else None
        if not self._within_hard_limit(signal=kind == "media.signal"):
            await self.error("rate_limited", _("Too many frames; the connection is closing."))
            await self.close(code=access.CLOSE_FLOODING)
            return
        if not isinstance(frame, dict):
            await self.error(*frame)
            return
        if kind not in FRAME_TYPES:
            await self.error(
                "unknown_type", format_lazy(_("Unknown frame type: {kind}."), kind=kind[:40])
            )
            return
        handler = getattr(self, "frame_" + kind.replace(".", "_"))
        if kind == "ping":
            await handler(frame)
            return
        if not self.ready or not self.admitted:
            await self.error("forbidden", _("Please wait until a facilitator lets you in."))
            return
        if kind in FACILITATOR_FRAMES and not self.is_facilitator:
            await self.error("forbidden", _("Only facilitators can do that."))
            return
        try:
            await handler(frame)
        except ValidationError as exc:
            with translation.override(self.language):
                field, message = _first_error(exc)
            await self.error("invalid", message, field=field)
        except DomainError as exc:
            await self.error(exc.code, exc.message)
        except Session.DoesNotExist:
            await self.error("not_found", _("This session no longer exists."))
        except Exception:
            # The database being away (DatabaseError), or a bug of ours: logged with its
            # traceback, and the person keeps their place in the room.
            logger.exception("room %s: %s failed", self.session_id, kind)
            await self.error(
                "unavailable", _("That did not go through just now; please try again.")
            )

    @staticmethod
    def _parse(text_data) -> dict | tuple:
        """The frame as a dict with a text `type`, or the (code, message) of an error frame."""
        if text_data is None:
            return ("bad_json", _("Frames are JSON text."))
        if len(text_data) > settings.ROOM_MAX_FRAME_BYTES:
            return ("too_long", _("That frame is too large."))
        try:
            frame = json.loads(text_data)
        except ValueError:
            return ("bad_json", _("That frame is not valid JSON."))
        if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
            return ("bad_json", _('A frame is a JSON object with a "type".'))
        return frame

    def _within_hard_limit(self, *, signal: bool) -> bool:
        """At most ROOM_FRAMES_HARD_LIMIT frames in ROOM_FRAMES_HARD_WINDOW seconds; media
        signalling (offers, answers, ICE candidates) has its own MEDIA_SIGNAL_HARD_LIMIT."""
        now = time.monotonic()
        window = self.signal_times if signal else self.frame_times
        window.append(now)
        while window and window[0] < now - settings.ROOM_FRAMES_HARD_WINDOW:
            window.popleft()
        limit = settings.MEDIA_SIGNAL_HARD_LIMIT if signal else settings.ROOM_FRAMES_HARD_LIMIT
        return len(window) <= limit

    async def frame_ping(self, frame):
        await self.send(text_data='{"type":"pong"}')

    async def frame_chat(self, frame):
        client_id = frame.get("client_id")
        if client_id is not None and (not isinstance(client_id, str) or len(client_id) > 64):
            raise ValidationError({"client_id": "At most 64 characters of text."})
        if not await limits.chat_allowed(session_id=self.session_id, user_id=self.user_id):
            await self.error("rate_limited", _("You are sending messages too fast; wait a moment."))
            return
        await self.hub.post_chat(
            session_id=self.session_id,
            user=self.user,
            text=frame.get("text"),
            client_id=client_id,
            language=self.language,
        )

    async def frame_private_send(self, frame):
        if not await limits.chat_allowed(
            session_id=self.session_id, user_id=self.user_id, line="private"
        ):
            await self.error("rate_limited", _("You are sending messages too fast; wait a moment."))
            return
        await room_db(services.private_send)(
            session_id=self.session_id,
            user=self.user,
            text=frame.get("text"),
            support=frame.get("support", False),
        )

    async def frame_private_reply(self, frame):
        if not await limits.chat_allowed(
            session_id=self.session_id, user_id=self.user_id, line="private"
        ):
            await self.error("rate_limited", _("You are sending messages too fast; wait a moment."))
            return
        await room_db(services.private_reply)(
            session_id=self.session_id,
            by=self.user,
            user_id=frame.get("user"),
            text=frame.get("text"),
        )

    async def frame_block(self, frame):
        blocked = frame.get("blocked", True)
        if not isinstance(blocked, bool):
            raise ValidationError({"blocked": "true or false."})
        if blocked:
            await room_db(services.person_block)(
                user=self.user, user_id=frame.get("user"), session_id=self.session_id
            )
        else:
            await room_db(services.person_unblock)(user=self.user, user_id=frame.get("user"))

    async def frame_hand(self, frame):
        await room_db(services.hand_set)(
            session_id=self.session_id, user=self.user, raised=frame.get("raised")
        )

    async def frame_pass(self, frame):
        await room_db(services.turn_pass)(session_id=self.session_id, user=self.user)

    async def frame_checkin(self, frame):
        await room_db(services.checkin_record)(
            session_id=self.session_id,
            user=self.user,
            mood=frame.get("mood"),
            phase=frame.get("phase"),
        )

    async def frame_report(self, frame):
        await room_db(services.message_report)(
            session_id=self.session_id,
            user=self.user,
            seq=frame.get("seq"),
            reason=frame.get("reason", ""),
        )

    async def frame_report_person(self, frame):
        await room_db(services.person_report_from_room)(
            session_id=self.session_id,
            user=self.user,
            user_id=frame.get("user"),
            reason=frame.get("reason"),
        )

    async def frame_guidelines_accept(self, frame):
        await room_db(services.guidelines_accept)(
            session_id=self.session_id, user=self.user, version=frame.get("version")
        )

    async def frame_resume(self, frame):
        after = frame.get("after_seq")
        if not services.is_whole_number(after):
            raise ValidationError({"after_seq": "A whole number, 0 or more."})
        frames = await room_db(selectors.messages_after)(
            session_id=self.session_id,
            after_seq=after,
            limit=settings.ROOM_RESUME_MAX_MESSAGES,
            hidden=frozenset(self.hidden),
        )
        for chat in frames:
            seq = chat["seq"]
            if self.welcome_seq < seq <= self.watermark:
                continue  # already sent live on this connection
            self.watermark = max(self.watermark, seq)
            await self.send(text_data=encode(chat))

    async def frame_round_pass(self, frame):
        await room_db(services.round_pass)(session_id=self.session_id, user=self.user)


def connection_language(user, scope) -> str | None:
    """The account's language, else the browser's (the handshake's Accept-Language), as the
    pages choose it."""
    if getattr(user, "language", ""):
        return user.language
    for name, value in scope.get("headers", ()):
        if name == b"accept-language":
            for code, _quality in parse_accept_lang_header(value.decode("latin-1")):
                try:
                    return get_supported_language_variant(code)
                except LookupError:
                    continue
    return None


def _first_error(exc: ValidationError) -> tuple[str, str]:
    if hasattr(exc, "error_dict"):
        field, errors = next(iter(exc.error_dict.items()))
        return field, " ".join(str(m) for e in errors for m in e.messages)
    return "", " ".join(exc.messages)
