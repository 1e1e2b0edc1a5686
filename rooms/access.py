"""Who may enter a room, as one decision shared by the consumer, the ticket endpoint and pages."""

from __future__ import annotations

from dataclasses import dataclass

from rooms.models import RoomParticipant
from sessions_app import access
from sessions_app.models import RSVP, Membership, Session

# WebSocket close codes (CONTRACT.md, docs/rooms.md).
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NO_SESSION = 4404
CLOSE_NOT_OPEN = 4409
CLOSE_REMOVED = 4410
CLOSE_FLOODING = 4429
# The person opened more than ROOM_MAX_CONNECTIONS_PER_PERSON connections to the room: their
# oldest one is closed with this (it should not reconnect by itself).
CLOSE_TOO_MANY_CONNECTIONS = 4430
CLOSE_ENDED = 1000
# The server could not take the connection just now (database away): reconnect after a while.
CLOSE_TRY_AGAIN = 1013


@dataclass(frozen=True)
class RoomEntry:
    """The answer of `room_entry`: `code` is None when the user may enter."""

    code: int | None
    role: str = ""
    reason: str = ""

    @property
    def allowed(self) -> bool:
        return self.code is None


def room_entry(*, user, session: Session | None) -> RoomEntry:
    """May `user` enter `session`'s room now? Facilitators of the group and coordinators
    always (while it is open); attendees with a `going` RSVP who were not removed or banned."""
    if user is None or not user.is_authenticated:
        return RoomEntry(CLOSE_UNAUTHENTICATED, reason="not authenticated")
    if session is None:
        return RoomEntry(CLOSE_NO_SESSION, reason="no such session")
    if access.can_manage_group(user=user, group=session.group):
        role = RoomParticipant.Role.FACILITATOR
    else:
        role = RoomParticipant.Role.ATTENDEE
        if RoomParticipant.objects.filter(
            session=session, user=user, removed_at__isnull=False
        ).exists():
            return RoomEntry(CLOSE_REMOVED, role=role, reason="removed from this session")
        membership = access.membership_of(user=user, group=session.group)
        if membership is None or membership.status != Membership.Status.APPROVED:
            return RoomEntry(CLOSE_FORBIDDEN, role=role, reason="not a member of this group")
        if not RSVP.objects.filter(session=session, user=user, status=RSVP.Status.GOING).exists():
            return RoomEntry(CLOSE_FORBIDDEN, role=role, reason="no seat at this session")
    if session.status != Session.Status.SCHEDULED or not session.room_open:
        return RoomEntry(CLOSE_NOT_OPEN, role=role, reason="the room is not open")
    if role == RoomParticipant.Role.ATTENDEE:
        room = getattr(session, "room", None)
        if (
            room is not None
            and room.locked
            and not RoomParticipant.objects.filter(session=session, user=user).exists()
        ):
            return RoomEntry(CLOSE_FORBIDDEN, role=role, reason="the room is locked")
    return RoomEntry(None, role=role)


def can_moderate(*, user, session: Session) -> bool:
    """Room controls (open, close, mute, remove, ...): the group's facilitators and coordinators."""
    return access.can_manage_group(user=user, group=session.group)
