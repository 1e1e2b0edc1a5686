"""Errors and the small checks every room service shares."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from rooms.access import can_moderate
from rooms.models import RoomParticipant
from sessions_app.errors import DomainError
from sessions_app.models import Session, User

FACILITATOR = RoomParticipant.Role.FACILITATOR


class RoomError(DomainError):
    """A frame the room refuses; `code` is one of docs/rooms.md's error codes."""

    code = "conflict"


class RoomDenied(DomainError):
    """The user may not be in the room; `close_code` is the WebSocket close code."""

    def __init__(self, message: str, *, close_code: int):
        super().__init__(message, code="denied")
        self.close_code = close_code


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
