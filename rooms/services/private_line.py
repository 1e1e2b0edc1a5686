"""The private line: an attendee writes to the room's facilitators, who answer that person.

A message goes to the facilitators' connections and to the attendee's own, never to anyone
else in the room (docs/rooms.md, `private.send` / `private.reply`). Rate limits are the
consumer's (limits.py, the same rule as chat); retention is the chat messages' (retention.py).
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rooms import selectors
from rooms.models import PrivateMessage, RoomParticipant
from rooms.services._common import FACILITATOR, RoomError, _moderator, _participant, _target
from rooms.services.chat import chat_text_clean
from rooms.services.lifecycle import _publish
from sessions_app.models import Session, User


def _room_open(session_id: int) -> None:
    if not Session.objects.filter(
        pk=session_id, room_open=True, status=Session.Status.SCHEDULED
    ).exists():
        raise RoomError(_("This room has ended."), code="conflict")


def _store(
    *,
    session_id: int,
    attendee: RoomParticipant,
    author: User,
    author_participant: RoomParticipant,
    text: str,
    support: bool,
    now: datetime | None,
) -> PrivateMessage:
    message = PrivateMessage.objects.create(
        session_id=session_id,
        attendee_id=attendee.user_id,
        attendee_name=attendee.display_name,
        author=author,
        author_name=author_participant.display_name,
        author_role=author_participant.role,
        text=text,
        support=support,
        sent_at=now or timezone.now(),
    )
    frame = selectors.private_frame(message)
    # Two audiences that never overlap: an attendee is not a facilitator of their room.
    _publish(session_id, frames=[["facilitators", frame], [f"u:{attendee.user_id}", frame]])
    return message


@transaction.atomic
def private_send(
    *, session_id: int, user: User, text=None, support=False, now: datetime | None = None
) -> PrivateMessage:
    """An attendee writes to the room's facilitators. With `support` (from "Need support
    now?") the text may be empty: the facilitators see that the person asked for support."""
    if not isinstance(support, bool):
        raise ValidationError({"support": _("true or false.")})
    participant = _participant(session_id=session_id, user=user)
    if participant.role == FACILITATOR:
        raise RoomError(_("Facilitators answer someone with private.reply."), code="forbidden")
    if support and (text is None or (isinstance(text, str) and not text.strip())):
        text = ""
    else:
        text = chat_text_clean(text)
    _room_open(session_id)
    return _store(
        session_id=session_id,
        attendee=participant,
        author=user,
        author_participant=participant,
        text=text,
        support=support,
        now=now,
    )


@transaction.atomic
def private_reply(
    *, session_id: int, by: User, user_id, text, now: datetime | None = None
) -> PrivateMessage:
    """A facilitator answers one attendee privately; every facilitator of the room sees it."""
    _moderator(session_id=session_id, by=by)
    replier = _participant(session_id=session_id, user=by)
    text = chat_text_clean(text)
    attendee = _target(session_id=session_id, user_id=user_id)
    if attendee.role == FACILITATOR:
        raise RoomError(_("The private line is between an attendee and the facilitators."))
    if attendee.removed_at is not None:
        raise RoomError(_("That person was removed from this session."))
    _room_open(session_id)
    return _store(
        session_id=session_id,
        attendee=attendee,
        author=by,
        author_participant=replier,
        text=text,
        support=False,
        now=now,
    )
