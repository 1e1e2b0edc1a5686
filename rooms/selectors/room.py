"""Reads of a live room: presence and snapshots, the chat sender, message replay, the welcome."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from typing import NamedTuple

from django.conf import settings
from django.db import connection as db_connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from rooms.models import (
    GuidelinesAcceptance,
    Room,
    RoomConnection,
    RoomMessage,
    RoomParticipant,
)
from rooms.selectors.crisis import crisis_resources
from rooms.selectors.frames import iso_utc
from rooms.selectors.safety import guidelines_frame, private_history
from sessions_app.models import Session, SupportGroup


def presence_cutoff(now: datetime | None = None) -> datetime:
    """Connections whose process has not beaten since this instant are stale (killed)."""
    return (now or timezone.now()) - timedelta(seconds=3 * settings.ROOM_HEARTBEAT_SECONDS)


def participants_present(*, session_id: int, now: datetime | None = None) -> QuerySet:
    """Participants with at least one live connection, in arrival order."""
    live = RoomConnection.objects.filter(
        participant=OuterRef("pk"), heartbeat_at__gte=presence_cutoff(now)
    )
    return (
        RoomParticipant.objects.filter(session_id=session_id, removed_at__isnull=True)
        .filter(Exists(live))
        .order_by("first_joined_at", "pk")
    )


def participant_public(p: RoomParticipant) -> dict:
    """How a participant appears in frames: display name and role, never an account detail."""
    return {"id": p.user_id, "display_name": p.display_name, "role": p.role}


def room_snapshot(*, session_id: int, now: datetime | None = None) -> dict:
    """Room state, presence, lobby and speaking queue, as the frames carry them."""
    session = Session.objects.select_related("group").get(pk=session_id)
    room = Room.objects.filter(session_id=session_id).first()
    present = list(participants_present(session_id=session_id, now=now))
    admitted = [p for p in present if p.admitted_at is not None]
    lobby = [participant_public(p) for p in present if p.admitted_at is None]
    paused = not any(p.role == RoomParticipant.Role.FACILITATOR for p in admitted)
    # The queue holds people who are here: someone who left drops out of it (and is no longer
    # shown speaking), and comes back to their place if they reconnect.
    here = {p.user_id for p in admitted}
    hands = (
        RoomParticipant.objects.filter(
            session_id=session_id,
            hand_raised_at__isnull=False,
            removed_at__isnull=True,
            user_id__in=here,
        )
        .order_by("hand_rank", "hand_raised_at", "pk")
        .only("user_id", "display_name")
    )
    speaker = None
    speaker_id = room.speaker_id if room is not None else None
    if speaker_id is not None and speaker_id in here:
        speaker_p = RoomParticipant.objects.filter(
            session_id=session_id, user_id=speaker_id
        ).first()
        if speaker_p is not None:
            speaker = {"id": speaker_p.user_id, "display_name": speaker_p.display_name}
    return {
        "room": {
            "session": session.pk,
            "group": session.group.name,
            "locked": bool(room and room.locked),
            "paused": paused,
            "lobby_enabled": session.group.lobby_enabled,
            "ends_at": iso_utc(session.end),
        },
        "presence": [{**participant_public(p), "muted": p.muted} for p in admitted],
        "lobby": lobby,
        "queue": {
            "hands": [{"id": h.user_id, "display_name": h.display_name} for h in hands],
            "speaker": speaker,
            **_share(room, speaker),
            **_round(room),
        },
        "last_seq": room.last_seq if room else 0,
    }


def _round(room: Room | None) -> dict:
    """The queue frame's `round` while a round is on (absent otherwise)."""
    if room is None or room.round_started_at is None:
        return {}
    return {"round": {"prompt": room.round_prompt, "started_at": iso_utc(room.round_started_at)}}


def _share(room: Room | None, speaker: dict | None) -> dict:
    """The queue frame's `share` while the speaker has a timed share (absent otherwise)."""
    if room is None or room.share_ends_at is None or speaker is None:
        return {}
    return {"share": {"ends_at": iso_utc(room.share_ends_at), "auto_next": room.share_auto_next}}


class ChatSender(NamedTuple):
    room_open: bool
    role: str
    display_name: str
    muted: bool
    admitted: bool
    removed: bool
    facilitator_here: bool
    guidelines_pending: bool


def chat_sender(*, session_id: int, user_id: int, now: datetime | None = None) -> ChatSender | None:
    """The sender of a chat message as the room sees them, and whether a facilitator has a live
    connection to the room. One hand-written query: it runs for every message, and the ORM
    spent longer building it than the database did answering it (docs/benchmarks.md, Rooms)."""
    participants = RoomParticipant._meta.db_table
    connections = RoomConnection._meta.db_table
    sessions = Session._meta.db_table
    groups = SupportGroup._meta.db_table
    acceptances = GuidelinesAcceptance._meta.db_table
    cutoff = db_connection.ops.adapt_datetimefield_value(presence_cutoff(now))
    # guidelines_pending: the group has guidelines and this person has not accepted their
    # current version (for this session, when the group asks at every session).
    sql = (
        f"SELECT s.room_open AND s.status = %s, p.role, p.display_name, p.muted, "  # noqa: S608
        f"p.admitted_at IS NOT NULL, p.removed_at IS NOT NULL, EXISTS (SELECT 1 FROM "
        f"{connections} c JOIN {participants} f ON f.id = c.participant_id "
        f"WHERE c.session_id = %s AND c.heartbeat_at >= %s AND f.role = %s "
        f"AND f.removed_at IS NULL), "
        f"g.guidelines <> '' AND NOT EXISTS (SELECT 1 FROM {acceptances} a "
        f"WHERE a.user_id = p.user_id AND a.group_id = g.id AND a.version = g.guidelines_version "
        f"AND (NOT g.guidelines_every_session OR a.session_id = s.id)) "
        f"FROM {participants} p JOIN {sessions} s ON s.id = p.session_id "
        f"JOIN {groups} g ON g.id = s.group_id "
        f"WHERE p.session_id = %s AND p.user_id = %s"
    )
    params: list[str | int | datetime | None] = [
        Session.Status.SCHEDULED.value,
        session_id,
        cutoff,
        RoomParticipant.Role.FACILITATOR.value,
        session_id,
        user_id,
    ]
    with db_connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    is_open, role, name, muted, admitted, removed, here, pending = row
    return ChatSender(
        bool(is_open),
        role,
        name,
        bool(muted),
        bool(admitted),
        bool(removed),
        bool(here),
        bool(pending),
    )


def chat_frame(message: RoomMessage) -> dict:
    """The `chat` frame of a stored message (a deleted one keeps its place, without text)."""
    frame = {
        "type": "chat",
        "seq": message.seq,
        "author": {
            "id": message.author_id,
            "display_name": message.author_name,
            "role": message.author_role,
        },
        "text": "" if message.deleted_at else message.text,
        "sent_at": iso_utc(message.sent_at),
    }
    if message.deleted_at:
        frame["deleted"] = True
    return frame


def messages_after(
    *, session_id: int, after_seq: int, limit: int, hidden: Collection[int] = ()
) -> list[dict]:
    """Chat frames with seq > after_seq, oldest first (at most `limit`), without those of the
    authors in `hidden` (people the reader blocked)."""
    rows = RoomMessage.objects.filter(session_id=session_id, seq__gt=after_seq).order_by("seq")
    if hidden:
        rows = rows.exclude(author_id__in=hidden)
    return [chat_frame(m) for m in rows[:limit]]


def messages_between(*, session_id: int, after_seq: int, upto_seq: int) -> list[dict]:
    """Chat frames with after_seq < seq <= upto_seq, oldest first."""
    rows = RoomMessage.objects.filter(
        session_id=session_id, seq__gt=after_seq, seq__lte=upto_seq
    ).order_by("seq")
    return [chat_frame(m) for m in rows]


def messages_recent(
    *, session_id: int, limit: int, upto_seq: int | None = None, hidden: Collection[int] = ()
) -> list[dict]:
    """The last `limit` chat frames (up to `upto_seq`), oldest first, without those of the
    authors in `hidden`."""
    rows = RoomMessage.objects.filter(session_id=session_id)
    if hidden:
        rows = rows.exclude(author_id__in=hidden)
    if upto_seq is not None:
        rows = rows.filter(seq__lte=upto_seq)
    rows = rows.order_by("-seq")[:limit]
    return [chat_frame(m) for m in reversed(list(rows))]


def messages_expired(*, now: datetime | None = None) -> QuerySet[RoomMessage]:
    """Messages past retention: sessions that ended long enough ago, unless a report is open."""
    now = now or timezone.now()
    cutoff = now - timedelta(hours=settings.ROOM_MESSAGE_RETENTION_HOURS)
    return RoomMessage.objects.filter(session__end__lt=cutoff).exclude(
        Q(reports__resolved_at__isnull=True) & Q(reports__isnull=False)
    )


def room_welcome(
    *,
    session_id: int,
    participant_id: int,
    language: str | None = None,
    hidden: Collection[int] = (),
) -> dict:
    """The `welcome` frame for one participant (or the `lobby` frame while they wait);
    `hidden`: the authors whose chat this participant blocked."""
    participant = RoomParticipant.objects.select_related("session__group").get(pk=participant_id)
    if participant.admitted_at is None:
        return {
            "type": "lobby",
            "message": "You are in the waiting room. A facilitator will let you in shortly.",
        }
    snapshot = room_snapshot(session_id=session_id)
    # The sequence is read first: every message up to it is committed, and later ones reach
    # this connection live, so the welcome and the live frames meet without a gap.
    last_seq = snapshot["last_seq"]
    messages = messages_recent(
        session_id=session_id,
        limit=settings.ROOM_WELCOME_MESSAGES,
        upto_seq=last_seq,
        hidden=hidden,
    )
    frame = {
        "type": "welcome",
        "you": {
            **participant_public(participant),
            "muted": participant.muted,
            "hand": participant.hand_raised_at is not None,
        },
        "room": snapshot["room"],
        "presence": snapshot["presence"],
        "queue": snapshot["queue"],
        "messages": messages,
        "last_seq": last_seq,
        "crisis_resources": crisis_resources(language),
        "private": private_history(session_id=session_id, participant=participant),
        "guidelines": guidelines_frame(
            group=participant.session.group, session_id=session_id, participant=participant
        ),
    }
    if participant.role == RoomParticipant.Role.FACILITATOR:
        frame["lobby"] = snapshot["lobby"]
    return frame
