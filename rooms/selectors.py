"""Reads of the rooms: snapshots for frames, message replay, moods for the dashboard, reports
and check-ins for facilitators."""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from django.conf import settings
from django.db import connection as db_connection
from django.db.models import Avg, Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop

from rooms.models import (
    CheckIn,
    GuidelinesAcceptance,
    PersonBlock,
    PersonReport,
    PrivateMessage,
    Room,
    RoomConnection,
    RoomMessage,
    RoomParticipant,
    RoomReport,
)
from sessions_app.models import Session, SupportGroup

DEFAULT_CRISIS_RESOURCES = gettext_noop(
    "If you are in crisis or thinking about suicide, call or text 988 (Suicide & Crisis "
    "Lifeline, US) any time. If you are in immediate danger, call 911."
)


class CrisisLine(NamedTuple):
    """A number to reach from a tap: `number` as written, `dial` for the `tel:`/`sms:` link,
    `name` (already in the reader's language; empty for the organisation's own numbers)."""

    number: str
    dial: str
    name: str
    call: bool
    text: bool


# The built-in lines beside DEFAULT_CRISIS_RESOURCES: (number, name, call, text).
DEFAULT_CRISIS_LINES = (
    ("988", gettext_noop("Suicide & Crisis Lifeline"), True, True),
    ("911", gettext_noop("Emergency services"), True, False),
)

# A phone number in a free text: an optional country code and area code in brackets, then
# 3 digits at least with single spaces, dots or dashes between them (988, 116 123,
# +1 (800) 273-8255, +44 20 7123 4567).
_NUMBER_IN_TEXT = re.compile(
    r"(?<![\w+])(?:\+\d{1,3}[ .\-]?)?(?:\(\d{1,4}\)[ .\-]?)?\d(?:[ .\-]?\d){2,14}(?![\w])"
)


def _dial(number: str) -> str:
    return ("+" if number.strip().startswith("+") else "") + re.sub(r"\D", "", number)


def crisis_resources(language: str | None = None) -> str:
    """The crisis resources shown privately in rooms and on the help page:
    CRISIS_RESOURCES_TEXT as configured, or the built-in text in `language` (the site's
    default language when None)."""
    if settings.CRISIS_RESOURCES_TEXT:
        return settings.CRISIS_RESOURCES_TEXT
    with translation.override(language or settings.LANGUAGE_CODE):
        return gettext(DEFAULT_CRISIS_RESOURCES)


def crisis_lines(language: str | None = None) -> list[CrisisLine]:
    """The numbers of `crisis_resources`, for tap-to-call and tap-to-text links.

    The built-in ones (988 call or text, 911 call) go with the built-in text. With
    CRISIS_RESOURCES_TEXT set they are CRISIS_RESOURCES_NUMBERS (`number:call`,
    `number:text`, `number:call+text`), or else every number written in that text, to call.
    """
    if not settings.CRISIS_RESOURCES_TEXT:
        with translation.override(language or settings.LANGUAGE_CODE):
            return [
                CrisisLine(number, _dial(number), gettext(name), call, text)
                for number, name, call, text in DEFAULT_CRISIS_LINES
            ]
    lines = []
    for entry in settings.CRISIS_RESOURCES_NUMBERS:
        number, _sep, ways = entry.partition(":")
        ways_set = {w.strip().lower() for w in ways.split("+")} if ways else {"call"}
        if _dial(number).lstrip("+"):
            lines.append(
                CrisisLine(
                    number.strip(), _dial(number), "", "call" in ways_set, "text" in ways_set
                )
            )
    if settings.CRISIS_RESOURCES_NUMBERS:
        return lines
    seen: set[str] = set()
    for match in _NUMBER_IN_TEXT.finditer(settings.CRISIS_RESOURCES_TEXT):
        dial = _dial(match.group())
        if dial not in seen:
            seen.add(dial)
            lines.append(CrisisLine(match.group().strip(), dial, "", True, False))
    return lines


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
            "ends_at": _iso(session.end),
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
    return {"round": {"prompt": room.round_prompt, "started_at": _iso(room.round_started_at)}}


def _share(room: Room | None, speaker: dict | None) -> dict:
    """The queue frame's `share` while the speaker has a timed share (absent otherwise)."""
    if room is None or room.share_ends_at is None or speaker is None:
        return {}
    return {"share": {"ends_at": _iso(room.share_ends_at), "auto_next": room.share_auto_next}}


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


# --- group guidelines ------------------------------------------------------------------------


def guidelines_accepted(*, group: SupportGroup, session_id: int, user_id: int) -> bool:
    """Has this person accepted the group's current guidelines (for this session, when the
    group asks at every session)? True when the group has none."""
    if not group.guidelines:
        return True
    accepted = GuidelinesAcceptance.objects.filter(
        user_id=user_id, group=group, version=group.guidelines_version
    )
    if group.guidelines_every_session:
        accepted = accepted.filter(session_id=session_id)
    return accepted.exists()


def guidelines_frame(
    *, group: SupportGroup, session_id: int, participant: RoomParticipant
) -> dict | None:
    """The group's guidelines as the room shows them to one person, with whether they must
    still accept them before they chat or unmute (facilitators never must); None when the
    group has no guidelines."""
    if not group.guidelines:
        return None
    required = participant.role != RoomParticipant.Role.FACILITATOR and not guidelines_accepted(
        group=group, session_id=session_id, user_id=participant.user_id
    )
    return {
        "text": group.guidelines,
        "version": group.guidelines_version,
        "every_session": group.guidelines_every_session,
        "required": required,
    }


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


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
        "sent_at": _iso(message.sent_at),
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


def checkin_moods_by_session(session_ids: list[int]) -> dict[int, dict]:
    """Mean check-in mood at the start and the end of each session: {id: {"start", "end"}}."""
    rows = (
        CheckIn.objects.filter(session_id__in=session_ids)
        .values("session_id", "phase")
        .annotate(mean=Avg("mood"))
    )
    moods: dict[int, dict] = {}
    for row in rows:
        moods.setdefault(row["session_id"], {})[row["phase"]] = round(row["mean"], 2)
    return moods


def checkins_for_session(*, session_id: int) -> QuerySet[CheckIn]:
    """Check-ins of a session with the display names facilitators see."""
    return CheckIn.objects.filter(session_id=session_id).order_by("created_at")


def reports_open() -> QuerySet:
    """Room message reports nobody has resolved yet, oldest first."""
    return (
        RoomReport.objects.filter(resolved_at__isnull=True)
        .select_related("message", "message__session__group")
        .order_by("created_at")
    )


# --- for facilitators: reports and check-ins, by the names the room showed ------------------------


def _room_name(*, session_field: str, user_field: str) -> Subquery:
    """The display name the room showed for the user in `user_field` in the session in
    `session_field` (None if they never joined it)."""
    return Subquery(
        RoomParticipant.objects.filter(
            session_id=OuterRef(session_field), user_id=OuterRef(user_field)
        ).values("display_name")[:1]
    )


def room_reports_open(*, group: SupportGroup | None = None) -> QuerySet:
    """Unresolved room-message reports, oldest first (all groups, or one), with the reporter's
    name as the room showed it in `reporter_name`. One query."""
    reports = (
        reports_open()
        .select_related("reporter")
        .annotate(
            reporter_name=_room_name(session_field="message__session_id", user_field="reporter_id")
        )
    )
    if group is not None:
        reports = reports.filter(message__session__group=group)
    return reports


def session_room_summary(*, session: Session) -> dict:
    """What a session's room left for its facilitators: each attendee's start and end mood (by
    the display name the room showed, sorted by it) and how many messages were reported."""
    rows: dict[int, dict] = {}
    checkins = checkins_for_session(session_id=session.pk).annotate(
        name=_room_name(session_field="session_id", user_field="user_id")
    )
    for checkin in checkins:
        row = rows.setdefault(
            checkin.user_id, {"name": checkin.name or "—", "start": None, "end": None}
        )
        row[checkin.phase] = checkin.mood
    reported = RoomMessage.objects.filter(session=session, reports__isnull=False).distinct().count()
    return {
        "moods": sorted(rows.values(), key=lambda r: r["name"].casefold()),
        "reported": reported,
    }


def messages_expired(*, now: datetime | None = None) -> QuerySet[RoomMessage]:
    """Messages past retention: sessions that ended long enough ago, unless a report is open."""
    now = now or timezone.now()
    cutoff = now - timedelta(hours=settings.ROOM_MESSAGE_RETENTION_HOURS)
    return RoomMessage.objects.filter(session__end__lt=cutoff).exclude(
        Q(reports__resolved_at__isnull=True) & Q(reports__isnull=False)
    )


# --- the private line between an attendee and the facilitators -----------------------------


def private_frame(message: PrivateMessage) -> dict:
    """The `private` frame of a stored private-line message (docs/rooms.md)."""
    return {
        "type": "private",
        "id": message.pk,
        "thread": {"id": message.attendee_id, "display_name": message.attendee_name},
        "author": {
            "id": message.author_id,
            "display_name": message.author_name,
            "role": message.author_role,
        },
        "text": message.text,
        "support": message.support,
        "sent_at": _iso(message.sent_at),
    }


def private_history(*, session_id: int, participant: RoomParticipant) -> list[dict]:
    """The private-line frames one participant may read, oldest first (the last
    ROOM_PRIVATE_HISTORY): a facilitator every thread of the room, an attendee their own."""
    rows = PrivateMessage.objects.filter(session_id=session_id)
    if participant.role != RoomParticipant.Role.FACILITATOR:
        rows = rows.filter(attendee_id=participant.user_id)
    rows = rows.order_by("-pk")[: settings.ROOM_PRIVATE_HISTORY]
    return [private_frame(m) for m in reversed(list(rows))]


def private_expired(*, now: datetime | None = None) -> QuerySet[PrivateMessage]:
    """Private-line messages past retention: the same rule as chat messages."""
    now = now or timezone.now()
    cutoff = now - timedelta(hours=settings.ROOM_MESSAGE_RETENTION_HOURS)
    return PrivateMessage.objects.filter(session__end__lt=cutoff)


# --- reports about people -------------------------------------------------------------------

PERSON_REPORT_CONTEXT_MESSAGES = 10


def person_messages_recent(*, session_id: int, user_id: int) -> list[dict]:
    """The context of a report: the person's last messages in that room (not deleted ones),
    oldest first, as {"seq", "text", "sent_at"}."""
    rows = (
        RoomMessage.objects.filter(
            session_id=session_id, author_id=user_id, deleted_at__isnull=True
        )
        .order_by("-seq")
        .values("seq", "text", "sent_at")[:PERSON_REPORT_CONTEXT_MESSAGES]
    )
    return [
        {"seq": r["seq"], "text": r["text"], "sent_at": _iso(r["sent_at"])} for r in reversed(rows)
    ]


def person_reports_open(*, group: SupportGroup | None = None) -> QuerySet[PersonReport]:
    """Reports about people nobody has resolved yet, oldest first (all groups, or one; for one
    group's facilitators, leave out reports about that group's facilitators)."""
    reports = (
        PersonReport.objects.filter(resolved_at__isnull=True)
        .select_related("group", "session", "session__group")
        .order_by("created_at", "pk")
    )
    if group is not None:
        reports = reports.filter(group=group).exclude(
            reported__facilitator_assignments__group=group
        )
    return reports


def reportable_people(*, user, group: SupportGroup) -> list[dict]:
    """Whom `user` can report from the group's page: the people they were in one of the
    group's rooms with, by the name the room showed (the latest), sorted by it."""
    shared = RoomParticipant.objects.filter(user=user, session__group=group).values("session_id")
    rows = (
        RoomParticipant.objects.filter(session_id__in=shared)
        .exclude(user=user)
        .order_by("user_id", "-session__start")
        .values_list("user_id", "display_name", "session_id")
    )
    people: dict[int, dict] = {}
    for user_id, name, session_id in rows:
        people.setdefault(user_id, {"id": user_id, "display_name": name, "session": session_id})
    return sorted(people.values(), key=lambda p: (p["display_name"].casefold(), p["id"]))


# --- blocking ------------------------------------------------------------------------------


def blocked_ids(*, user_id: int) -> frozenset[int]:
    """The people `user_id` blocked: their chat is not delivered to them (docs/rooms.md)."""
    return frozenset(
        PersonBlock.objects.filter(blocker_id=user_id).values_list("blocked_id", flat=True)
    )


def blocks_of(*, user) -> QuerySet[PersonBlock]:
    """The people a user blocked, newest first, for their account page and the API."""
    return PersonBlock.objects.filter(blocker=user).order_by("-created_at", "-pk")


def name_seen_by(*, viewer_id: int, user_id: int) -> str | None:
    """The display name `viewer_id` last saw `user_id` by in a room they were both in, or None
    if they never shared a room."""
    shared = RoomParticipant.objects.filter(user_id=viewer_id).values("session_id")
    return (
        RoomParticipant.objects.filter(user_id=user_id, session_id__in=shared)
        .order_by("-session__start", "-pk")
        .values_list("display_name", flat=True)
        .first()
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
