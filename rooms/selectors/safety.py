"""Reads of the safety tools: guidelines, the private line, reports about people, blocking."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from rooms.models import (
    GuidelinesAcceptance,
    PersonBlock,
    PersonReport,
    PrivateMessage,
    RoomMessage,
    RoomParticipant,
)
from rooms.selectors.frames import iso_utc
from sessions_app.models import SupportGroup


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
        "sent_at": iso_utc(message.sent_at),
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
        {"seq": r["seq"], "text": r["text"], "sent_at": iso_utc(r["sent_at"])}
        for r in reversed(rows)
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
