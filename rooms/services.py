"""Writes of the live rooms. The consumer, the API and the pages call these; each runs in a
transaction and tells the room's processes what changed only once it is committed
(`_publish`), so nobody hears of a change that was rolled back.

Errors: `RoomError` (a stable `code` that the consumer turns into an `error` frame),
Django `ValidationError` keyed by field, `NotAllowed` / `StateConflict` for the API.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import unicodedata
from datetime import datetime, timedelta
from functools import lru_cache

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.db import connection as db_connection
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from rooms import layers, selectors
from rooms.access import CLOSE_ENDED, CLOSE_REMOVED, can_moderate, room_entry
from rooms.db import on_calling_loop
from rooms.models import (
    CheckIn,
    Room,
    RoomConnection,
    RoomMessage,
    RoomParticipant,
    RoomReport,
    RoomTicket,
)
from sessions_app import selectors as session_selectors
from sessions_app.audit import audit_log
from sessions_app.errors import DomainError, NotAllowed, StateConflict
from sessions_app.models import RSVP, Session, User

FACILITATOR = RoomParticipant.Role.FACILITATOR

logger = logging.getLogger(__name__)


class RoomError(DomainError):
    """A frame the room refuses; `code` is one of docs/rooms.md's error codes."""

    code = "conflict"


class RoomDenied(DomainError):
    """The user may not be in the room; `close_code` is the WebSocket close code."""

    def __init__(self, message: str, *, close_code: int):
        super().__init__(message, code="denied")
        self.close_code = close_code


# The channel layer the rooms' events travel on (config/settings.py CHANNEL_LAYERS).
ROOM_CHANNEL_LAYER = "rooms"


def room_group(session_id: int) -> str:
    """The channel-layer group of a room: every process with someone in it listens there."""
    return f"room.{session_id}"


def _publish(session_id: int, **event) -> None:
    """Send an event to every process serving this room, once the transaction commits.

    Event keys (all optional): `chat` (a chat frame; `author` and `client_id` name the copy
    that echoes `client_id`), `frames` ([[audience, frame], ...] with audience "all",
    "facilitators", "everyone" (the lobby too) or "u:<user id>"), `refresh` (presence, queue
    or room state changed), `admit` ([user ids] let in from the lobby), `close` ([[audience,
    close code], ...]).
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
        Room.objects.filter(session=session).update(ended_at=now, ended_by=by, speaker=None)
        RoomParticipant.objects.filter(session=session).update(hand_raised_at=None, hand_rank=None)
        audit_log(actor=by, action="room.end", obj=session)
        room_announce_end(session_id=session.pk)
    return session


def room_announce_end(*, session_id: int) -> None:
    """Once the caller's transaction commits, everyone in the room gets `room.ended` and their
    connections close (the caller has marked the room closed or the session cancelled).
    "everyone" includes people still waiting in the lobby."""
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


# --- joining and leaving ----------------------------------------------------------------------


def _live_connections(participant: RoomParticipant, now: datetime):
    return RoomConnection.objects.filter(
        participant=participant, heartbeat_at__gte=selectors.presence_cutoff(now)
    )


@transaction.atomic
def room_join(
    *, session_id: int, user: User, server_id: str, now: datetime | None = None
) -> tuple[RoomConnection, RoomParticipant]:
    """Record a new connection to the room (after `room_entry` said yes) and the presence and
    attendance that follow from it. Raises RoomDenied with the close code otherwise."""
    now = now or timezone.now()
    session = Session.objects.select_related("group").filter(pk=session_id).first()
    entry = room_entry(user=user, session=session)
    if not entry.allowed:
        raise RoomDenied(entry.reason, close_code=entry.code)
    room, _created = Room.objects.get_or_create(session=session)
    participant = RoomParticipant.objects.filter(session=session, user=user).first()
    if participant is None:
        lobby = entry.role != FACILITATOR and session.group.lobby_enabled
        participant = RoomParticipant.objects.create(
            session=session,
            user=user,
            role=entry.role,
            display_name=session_selectors.member_display_name(user=user, group=session.group)[:60],
            admitted_at=None if lobby else now,
        )
    elif participant.role != entry.role:
        # Made (or no longer) a facilitator since the last visit.
        participant.role = entry.role
        if entry.role == FACILITATOR and participant.admitted_at is None:
            participant.admitted_at = now
        participant.save(update_fields=["role", "admitted_at"])
    first_connection = not _live_connections(participant, now).exists()
    connection = RoomConnection.objects.create(
        session=session,
        participant=participant,
        server_id=server_id,
        connected_at=now,
        heartbeat_at=now,
    )
    if first_connection:
        participant.present_since = now
        participant.first_joined_at = participant.first_joined_at or now
        participant.save(update_fields=["present_since", "first_joined_at"])
        if participant.admitted_at is not None:
            _attendance_join(session=session, user=user, now=now)
    _publish(session.pk, refresh=True)
    return connection, participant


def _attendance_join(*, session: Session, user: User, now: datetime) -> None:
    # Online attendance from presence: the first join marks the RSVP attended unless a
    # facilitator has already taken attendance by hand.
    rsvp = RSVP.objects.filter(session=session, user=user, status=RSVP.Status.GOING).first()
    if rsvp is None:
        return
    fields = []
    if rsvp.first_joined_at is None:
        rsvp.first_joined_at = now
        fields.append("first_joined_at")
    if rsvp.attendance == RSVP.Attendance.UNKNOWN:
        rsvp.attendance, rsvp.attendance_marked_at = RSVP.Attendance.ATTENDED, now
        fields += ["attendance", "attendance_marked_at"]
    if fields:
        rsvp.save(update_fields=[*fields, "updated_at"])


@transaction.atomic
def room_leave(*, connection_id: int, now: datetime | None = None) -> None:
    """A connection closed: presence, minutes present and the last leave follow from it."""
    now = now or timezone.now()
    connection = (
        RoomConnection.objects.select_related("participant").filter(pk=connection_id).first()
    )
    if connection is None:
        return
    participant = connection.participant
    connection.delete()
    if not _live_connections(participant, now).exists():
        _presence_end(participant=participant, now=now)
    _publish(participant.session_id, refresh=True)


def _presence_end(*, participant: RoomParticipant, now: datetime) -> None:
    if participant.present_since is not None:
        participant.seconds_present += max(
            0, int((now - participant.present_since).total_seconds())
        )
    participant.present_since, participant.last_left_at = None, now
    participant.save(update_fields=["present_since", "last_left_at", "seconds_present"])
    RSVP.objects.filter(session_id=participant.session_id, user_id=participant.user_id).update(
        last_left_at=now, minutes_present=round(participant.seconds_present / 60)
    )


def room_heartbeat(*, server_id: str, now: datetime | None = None) -> int:
    """This process is alive: its connections keep counting as presence."""
    return RoomConnection.objects.filter(server_id=server_id).update(
        heartbeat_at=now or timezone.now()
    )


@transaction.atomic
def connections_reap(*, now: datetime | None = None) -> int:
    """Forget connections of processes that stopped beating (killed), closing presence."""
    now = now or timezone.now()
    stale = list(
        RoomConnection.objects.filter(heartbeat_at__lt=selectors.presence_cutoff(now))
        .select_related("participant")
        .order_by("pk")
    )
    for connection in stale:
        participant = connection.participant
        last_seen = connection.heartbeat_at
        connection.delete()
        if not _live_connections(participant, now).exists():
            _presence_end(participant=participant, now=last_seen)
    for session_id in {c.session_id for c in stale}:
        _publish(session_id, refresh=True)
    return len(stale)


# --- chat ------------------------------------------------------------------------------------


def _participant(*, session_id: int, user: User) -> RoomParticipant:
    participant = RoomParticipant.objects.filter(session_id=session_id, user=user).first()
    if participant is None or participant.removed_at is not None:
        raise RoomError(_("You are not in this room."), code="forbidden")
    if participant.admitted_at is None:
        raise RoomError(_("Please wait until a facilitator lets you in."), code="forbidden")
    return participant


def _moderator(*, session_id: int, by: User) -> Session:
    session = Session.objects.select_related("group").get(pk=session_id)
    if not can_moderate(user=by, session=session):
        raise RoomError(_("Only facilitators can do that."), code="forbidden")
    return session


# The largest id or seq a database column holds (a signed 64-bit integer).
MAX_NUMBER = 2**63 - 1


def is_whole_number(value) -> bool:
    """A frame's id or seq: a JSON integer from 0 to MAX_NUMBER (not a bool, a float or text;
    a larger one would overflow the database's integer before it could be looked up)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_NUMBER


def _refuse_nul(value: str, field: str) -> None:
    """PostgreSQL cannot store a NUL character in text."""
    if "\x00" in value:
        raise ValidationError({field: _("Text cannot contain a null character.")})


def _target(*, session_id: int, user_id) -> RoomParticipant:
    if not is_whole_number(user_id):
        raise ValidationError({"user": _("A user id (a number) is required.")})
    target = RoomParticipant.objects.filter(session_id=session_id, user_id=user_id).first()
    if target is None:
        raise RoomError(_("Nobody with that id has been in this room."), code="not_found")
    return target


def _fold(text: str) -> str:
    """Lower-case, accents dropped, runs of spaces collapsed: how crisis phrases compare."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", plain)


@lru_cache(maxsize=4)
def _crisis_pattern(phrases: tuple[str, ...]) -> re.Pattern | None:
    folded = [re.escape(_fold(p.strip())) for p in phrases if p.strip()]
    if not folded:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(folded) + r")(?!\w)")


def crisis_match(text: str) -> bool:
    """True if `text` contains one of CRISIS_PHRASES (whole words, any case or accents)."""
    pattern = _crisis_pattern(tuple(settings.CRISIS_PHRASES))
    return bool(pattern and pattern.search(_fold(text)))


def chat_text_clean(text) -> str:
    if not isinstance(text, str):
        raise ValidationError({"text": _("Text is required.")})
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("A message cannot be empty.")})
    _refuse_nul(text, "text")
    if len(text) > settings.ROOM_MAX_MESSAGE_CHARS:
        raise RoomError(
            format_lazy(
                _("Messages are limited to {limit} characters."),
                limit=settings.ROOM_MAX_MESSAGE_CHARS,
            ),
            code="too_long",
        )
    return text


def _next_seq(session_id: int) -> int:
    # One UPDATE ... RETURNING: it takes the room row's lock (SQLite: the IMMEDIATE
    # transaction's write lock) until the caller's transaction ends, and the increment commits
    # with the message insert, so sequence numbers have no gaps and no duplicates.
    with db_connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Room._meta.db_table} SET last_seq = last_seq + 1 "  # noqa: S608
            "WHERE session_id = %s RETURNING last_seq",
            [session_id],
        )
        row = cursor.fetchone()
    if row is None:
        raise RoomError(_("This room is not open."), code="conflict")
    return row[0]


@transaction.atomic
def chat_post(**post) -> RoomMessage:
    """Store a chat message with the room's next `seq` and send it to everyone in the room
    (`_chat_store` has the arguments and the rules)."""
    return _chat_store(**post)


def chat_post_many(posts: list[dict]) -> list[RoomMessage | Exception]:
    """Store several chat messages, each as `chat_post` would, in one transaction: the room
    hub's group commit (hub.py), so that a busy process pays for one database call and one
    commit per batch rather than per message.

    Returns, per post and in order, its message or the error that refused it; a refused post
    writes nothing, so it takes nothing else with it. If the batch cannot commit, each post is
    tried in a transaction of its own.
    """
    # Rooms in a fixed order, so that batches of two processes lock Room rows in the same
    # order and cannot deadlock (PostgreSQL); a stable sort keeps each room's posts in order.
    order = sorted(range(len(posts)), key=lambda i: posts[i]["session_id"])
    try:
        with transaction.atomic():
            stored = {i: _chat_attempt(posts[i]) for i in order}
        return [stored[i] for i in range(len(posts))]
    except DatabaseError:
        if len(posts) == 1:
            raise
        logger.warning("room chat: a batch of %d failed; storing one by one", len(posts))
    results: list[RoomMessage | Exception] = []
    for post in posts:
        try:
            with transaction.atomic():
                results.append(_chat_attempt(post))
        except DatabaseError as failed:
            results.append(failed)
    return results


def _chat_attempt(post: dict) -> RoomMessage | Exception:
    try:
        return _chat_store(**post)
    except (DomainError, ValidationError, Session.DoesNotExist) as refused:
        return refused


def _chat_store(
    *,
    session_id: int,
    user: User,
    text,
    client_id: str | None = None,
    language: str | None = None,
    now: datetime | None = None,
) -> RoomMessage:
    """Store a chat message with the room's next `seq` and send it to everyone in the room,
    in the caller's transaction. Every check comes before the first write.

    A message matching a crisis phrase still goes out; its sender also gets a private
    `support` frame (in `language`) and the facilitators an `alert`.
    """
    now = now or timezone.now()
    text = chat_text_clean(text)
    sender = selectors.chat_sender(session_id=session_id, user_id=user.pk, now=now)
    if sender is None or sender.removed:
        raise RoomError(_("You are not in this room."), code="forbidden")
    if not sender.room_open:
        # The room ended (its room.ended may not have reached this connection yet).
        raise RoomError(_("This room has ended."), code="conflict")
    if not sender.admitted:
        raise RoomError(_("Please wait until a facilitator lets you in."), code="forbidden")
    if sender.role != FACILITATOR:
        if sender.muted:
            raise RoomError(_("A facilitator has muted you for now."), code="muted")
        if not sender.facilitator_here:
            raise RoomError(_("Chat is paused until a facilitator is here."), code="paused")
    message = RoomMessage.objects.create(
        session_id=session_id,
        seq=_next_seq(session_id),
        author=user,
        author_name=sender.display_name,
        author_role=sender.role,
        text=text,
        sent_at=now,
    )
    frames = []
    if crisis_match(text):
        author = {"id": user.pk, "display_name": sender.display_name, "role": sender.role}
        frames = [
            [
                f"u:{user.pk}",
                {
                    "type": "support",
                    "text": selectors.crisis_resources(language),
                    "seq": message.seq,
                },
            ],
            [
                "facilitators",
                {
                    "type": "alert",
                    "kind": "crisis",
                    "seq": message.seq,
                    "user": author,
                    "text": text,
                },
            ],
        ]
    _publish(
        session_id,
        chat=selectors.chat_frame(message),
        author=user.pk,
        client_id=client_id,
        frames=frames,
    )
    return message


@transaction.atomic
def message_delete(*, session_id: int, by: User, seq, now: datetime | None = None) -> RoomMessage:
    """A facilitator takes a message down; it is replayed as deleted, without its text."""
    _moderator(session_id=session_id, by=by)
    if not is_whole_number(seq):
        raise ValidationError({"seq": _("A message number is required.")})
    message = RoomMessage.objects.filter(session_id=session_id, seq=seq).first()
    if message is None:
        raise RoomError(_("No message with that number."), code="not_found")
    if message.deleted_at is None:
        message.deleted_at, message.deleted_by = now or timezone.now(), by
        message.save(update_fields=["deleted_at", "deleted_by"])
        audit_log(
            actor=by, action="room.delete_message", obj=message, metadata={"session": session_id}
        )
        _publish(
            session_id,
            frames=[["all", {"type": "moderation", "action": "delete_message", "seq": seq}]],
        )
    return message


@transaction.atomic
def message_report(
    *, session_id: int, user: User, seq, reason="", now: datetime | None = None
) -> RoomReport:
    """Someone reports a message: it is kept past retention and the facilitators are alerted."""
    _participant(session_id=session_id, user=user)
    if not is_whole_number(seq):
        raise ValidationError({"seq": _("A message number is required.")})
    if not isinstance(reason, str) or len(reason) > 500:
        raise ValidationError({"reason": _("A reason is text of at most 500 characters.")})
    _refuse_nul(reason, "reason")
    message = RoomMessage.objects.filter(session_id=session_id, seq=seq).first()
    if message is None:
        raise RoomError(_("No message with that number."), code="not_found")
    report, created = RoomReport.objects.get_or_create(
        message=message, reporter=user, defaults={"reason": reason.strip()}
    )
    if created:
        reporter = RoomParticipant.objects.get(session_id=session_id, user=user)
        _publish(
            session_id,
            frames=[
                [
                    "facilitators",
                    {
                        "type": "alert",
                        "kind": "report",
                        "seq": seq,
                        "user": selectors.participant_public(reporter),
                        "text": "" if message.deleted_at else message.text,
                        "reason": report.reason,
                    },
                ]
            ],
        )
    return report


@transaction.atomic
def report_resolve(
    *, report: RoomReport, by: User, resolution: str = "", now: datetime | None = None
) -> RoomReport:
    """A coordinator resolves a report; the message then follows normal retention."""
    if not by.is_staff:
        raise NotAllowed("Only coordinators resolve reports.", code="not_coordinator")
    report = RoomReport.objects.select_for_update().get(pk=report.pk)
    if report.resolved_at is None:
        report.resolved_at, report.resolved_by = now or timezone.now(), by
        report.resolution = (resolution or "")[:500]
        report.save(update_fields=["resolved_at", "resolved_by", "resolution"])
        audit_log(actor=by, action="room.report_resolve", obj=report)
    return report


# --- hands and the speaking queue ----------------------------------------------------------


@transaction.atomic
def hand_set(*, session_id: int, user: User, raised, now: datetime | None = None) -> None:
    """Raise (to the end of the queue) or lower one's hand."""
    if not isinstance(raised, bool):
        raise ValidationError({"raised": _("true or false.")})
    participant = _participant(session_id=session_id, user=user)
    if raised == (participant.hand_raised_at is not None):
        return
    if raised:
        participant.hand_raised_at = now or timezone.now()
        participant.hand_rank = _next_rank(session_id)
    else:
        participant.hand_raised_at, participant.hand_rank = None, None
    participant.save(update_fields=["hand_raised_at", "hand_rank"])
    _publish(session_id, refresh=True)


def _next_rank(session_id: int) -> int:
    ranks = RoomParticipant.objects.filter(
        session_id=session_id, hand_rank__isnull=False
    ).values_list("hand_rank", flat=True)
    return max(ranks, default=0) + 1


def _speaker_advance(*, room: Room) -> None:
    """The first raised hand becomes the speaker (their hand goes down); else nobody."""
    first = (
        RoomParticipant.objects.filter(
            session_id=room.session_id, hand_raised_at__isnull=False, removed_at__isnull=True
        )
        .order_by("hand_rank", "hand_raised_at", "pk")
        .first()
    )
    room.speaker_id = first.user_id if first else None
    room.save(update_fields=["speaker"])
    if first:
        first.hand_raised_at, first.hand_rank = None, None
        first.save(update_fields=["hand_raised_at", "hand_rank"])


@transaction.atomic
def turn_pass(*, session_id: int, user: User) -> None:
    """Skip my turn: my hand goes down, and if I am speaking the next raised hand speaks."""
    participant = _participant(session_id=session_id, user=user)
    room = Room.objects.select_for_update().get(session_id=session_id)
    if participant.hand_raised_at is not None:
        participant.hand_raised_at, participant.hand_rank = None, None
        participant.save(update_fields=["hand_raised_at", "hand_rank"])
    if room.speaker_id == user.pk:
        _speaker_advance(room=room)
    _publish(session_id, refresh=True)


@transaction.atomic
def speaker_next(*, session_id: int, by: User) -> None:
    """A facilitator gives the turn to the first raised hand."""
    _moderator(session_id=session_id, by=by)
    room = Room.objects.select_for_update().get(session_id=session_id)
    _speaker_advance(room=room)
    _publish(session_id, refresh=True)


@transaction.atomic
def hands_reorder(*, session_id: int, by: User, order) -> None:
    """A facilitator puts the raised hands in a new order (hands not named keep theirs, after)."""
    _moderator(session_id=session_id, by=by)
    if (
        not isinstance(order, list)
        or len(order) > 500
        or not all(isinstance(i, int) and not isinstance(i, bool) for i in order)
        or len(set(order)) != len(order)
    ):
        raise ValidationError({"order": _("A list of distinct user ids.")})
    hands = list(
        RoomParticipant.objects.select_for_update()
        .filter(session_id=session_id, hand_raised_at__isnull=False)
        .order_by("hand_rank", "hand_raised_at", "pk")
    )
    by_user = {p.user_id: p for p in hands}
    unknown = [i for i in order if i not in by_user]
    if unknown:
        raise RoomError(_("Some of those people have no hand raised."), code="not_found")
    ordered = [by_user[i] for i in order] + [p for p in hands if p.user_id not in set(order)]
    for rank, participant in enumerate(ordered, start=1):
        participant.hand_rank = rank
    RoomParticipant.objects.bulk_update(ordered, ["hand_rank"])
    _publish(session_id, refresh=True)


# --- moderation -----------------------------------------------------------------------------


@transaction.atomic
def participant_mute(*, session_id: int, by: User, user_id, muted: bool) -> RoomParticipant:
    """Mute or unmute an attendee's chat."""
    _moderator(session_id=session_id, by=by)
    target = _target(session_id=session_id, user_id=user_id)
    if target.role == FACILITATOR:
        raise RoomError(_("Facilitators cannot be muted."), code="conflict")
    if target.muted != muted:
        target.muted = muted
        target.save(update_fields=["muted"])
        action = "mute" if muted else "unmute"
        audit_log(actor=by, action=f"room.{action}", obj=target, metadata={"session": session_id})
        frame = {"type": "moderation", "action": action, "user": _named(target)}
        _publish(
            session_id,
            frames=[[f"u:{target.user_id}", frame], ["facilitators", frame]],
            refresh=True,
        )
    return target


def _named(participant: RoomParticipant) -> dict:
    return {"id": participant.user_id, "display_name": participant.display_name}


@transaction.atomic
def participant_remove(
    *, session_id: int, by: User, user_id, reason="", now: datetime | None = None
) -> RoomParticipant:
    """Remove an attendee from this session's room for good: their connections close (4410)."""
    _moderator(session_id=session_id, by=by)
    if not isinstance(reason, str) or len(reason) > 300:
        raise ValidationError({"reason": _("A reason is text of at most 300 characters.")})
    _refuse_nul(reason, "reason")
    target = _target(session_id=session_id, user_id=user_id)
    if target.role == FACILITATOR:
        raise RoomError(_("Facilitators cannot be removed from a room."), code="conflict")
    if target.removed_at is None:
        now = now or timezone.now()
        target.removed_at, target.removed_reason = now, reason.strip()
        target.hand_raised_at, target.hand_rank = None, None
        target.save(update_fields=["removed_at", "removed_reason", "hand_raised_at", "hand_rank"])
        Room.objects.filter(session_id=session_id, speaker_id=target.user_id).update(speaker=None)
        audit_log(actor=by, action="room.remove", obj=target, metadata={"session": session_id})
        frame = {"type": "moderation", "action": "remove", "user": _named(target)}
        _publish(
            session_id,
            frames=[[f"u:{target.user_id}", frame], ["facilitators", frame]],
            close=[[f"u:{target.user_id}", CLOSE_REMOVED]],
            refresh=True,
        )
    return target


@transaction.atomic
def participant_admit(
    *, session_id: int, by: User, user_id, now: datetime | None = None
) -> RoomParticipant:
    """Let someone in from the lobby."""
    _moderator(session_id=session_id, by=by)
    target = _target(session_id=session_id, user_id=user_id)
    if target.removed_at is not None:
        raise RoomError(_("That person was removed from this session."), code="conflict")
    if target.admitted_at is None:
        now = now or timezone.now()
        target.admitted_at = now
        target.save(update_fields=["admitted_at"])
        if target.present_since is not None:
            _attendance_join(session=target.session, user=target.user, now=now)
        audit_log(actor=by, action="room.admit", obj=target, metadata={"session": session_id})
        frame = {"type": "moderation", "action": "admit", "user": _named(target)}
        _publish(session_id, frames=[["facilitators", frame]], admit=[target.user_id], refresh=True)
    return target


@transaction.atomic
def room_lock(*, session_id: int, by: User, locked) -> Room:
    """Lock (nobody new may enter) or unlock the room."""
    _moderator(session_id=session_id, by=by)
    if not isinstance(locked, bool):
        raise ValidationError({"locked": _("true or false.")})
    room = Room.objects.select_for_update().get(session_id=session_id)
    if room.locked != locked:
        room.locked = locked
        room.save(update_fields=["locked"])
        audit_log(actor=by, action="room.lock", obj=room.session, metadata={"locked": locked})
        _publish(session_id, refresh=True)
    return room


# --- check-ins ------------------------------------------------------------------------------


@transaction.atomic
def checkin_record(*, session_id: int, user: User, mood, phase) -> CheckIn:
    """An attendee's 1–5 mood at the start or end, seen only by the facilitators."""
    participant = _participant(session_id=session_id, user=user)
    if participant.role == FACILITATOR:
        raise RoomError(_("Check-ins are for attendees."), code="forbidden")
    if not isinstance(mood, int) or isinstance(mood, bool) or not 1 <= mood <= 5:
        raise ValidationError({"mood": _("A whole number from 1 to 5.")})
    if phase not in CheckIn.Phase.values:
        raise ValidationError({"phase": _("start or end.")})
    checkin, _created = CheckIn.objects.update_or_create(
        session_id=session_id, user=user, phase=phase, defaults={"mood": mood}
    )
    _publish(
        session_id,
        frames=[
            [
                "facilitators",
                {
                    "type": "checkin",
                    "user": selectors.participant_public(participant),
                    "mood": mood,
                    "phase": phase,
                },
            ]
        ],
    )
    return checkin


# --- retention -------------------------------------------------------------------------------


@transaction.atomic
def room_messages_purge(*, now: datetime | None = None) -> int:
    """Delete room messages ROOM_MESSAGE_RETENTION_HOURS after their session ended, except
    messages with an unresolved report; also used-up tickets and dead connections."""
    now = now or timezone.now()
    ids = list(selectors.messages_expired(now=now).values_list("pk", flat=True))
    deleted = 0
    for start in range(0, len(ids), 500):
        deleted += (
            RoomMessage.objects.filter(pk__in=ids[start : start + 500])
            .delete()[1]
            .get("rooms.RoomMessage", 0)
        )
    RoomTicket.objects.filter(expires_at__lt=now - timedelta(hours=1)).delete()
    connections_reap(now=now)
    return deleted
