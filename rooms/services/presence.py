"""Who is in a room: joining, leaving, heartbeats, and reaping dead connections."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from rooms import selectors
from rooms.access import CLOSE_NO_SESSION, CLOSE_TOO_MANY_CONNECTIONS, room_entry
from rooms.models import Room, RoomConnection, RoomParticipant
from rooms.services._common import FACILITATOR, RoomDenied
from rooms.services.lifecycle import _publish
from rooms.services.media import media_connection_gone
from sessions_app import selectors as session_selectors
from sessions_app.models import RSVP, Session, User


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
    if not entry.allowed or session is None:
        raise RoomDenied(entry.reason, close_code=entry.code or CLOSE_NO_SESSION)
    room, _created = Room.objects.get_or_create(session=session)
    # Locked until commit: two joins of one person (two processes) count each other's
    # connection for the cap below.
    participant = (
        RoomParticipant.objects.select_for_update().filter(session=session, user=user).first()
    )
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
    crowded = _connections_over_cap(participant, now)
    if first_connection:
        participant.present_since = now
        participant.first_joined_at = participant.first_joined_at or now
        participant.save(update_fields=["present_since", "first_joined_at"])
        if participant.admitted_at is not None:
            _attendance_join(session=session, user=user, now=now)
    if crowded:
        # Each process closes the ones it holds; their leave deletes the rows. Until then they
        # still count, so a join in the meantime names the same oldest ones again.
        _publish(
            session.pk,
            refresh=True,
            close=[[f"c:{pk}", CLOSE_TOO_MANY_CONNECTIONS] for pk in crowded],
        )
    else:
        _publish(session.pk, refresh=True)
    return connection, participant


def _connections_over_cap(participant: RoomParticipant, now: datetime) -> list[int]:
    """The person's oldest live connections past ROOM_MAX_CONNECTIONS_PER_PERSON, to close."""
    cap = max(1, settings.ROOM_MAX_CONNECTIONS_PER_PERSON)
    newest_first = _live_connections(participant, now).order_by("-connected_at", "-pk")
    return list(newest_first.values_list("pk", flat=True)[cap:])


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
    media_connection_gone(connection=connection)
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
        media_connection_gone(connection=connection)
        connection.delete()
        if not _live_connections(participant, now).exists():
            _presence_end(participant=participant, now=last_seen)
    for session_id in {c.session_id for c in stale}:
        _publish(session_id, refresh=True)
    return len(stale)
