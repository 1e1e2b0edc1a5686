"""Blocking: a person hides another's room chat from themselves, in every room.

The filtering is the server's (hub.py and the consumer drop the blocked author's chat frames
for the blocker's connections; the welcome and `resume` leave them out). An unblock sends the
blocker's connections that person's recent messages, which the page puts back. The blocked
person is told nothing: no frame, no answer of theirs changes. Facilitators in a room they run see
everything (they must, to keep it safe), so their blocks apply where they attend.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from rooms import selectors
from rooms.models import PersonBlock, RoomConnection, RoomParticipant
from rooms.services._common import RoomError, is_whole_number
from rooms.services.lifecycle import _publish
from sessions_app.models import User


def _shown_again(*, session_id: int, author_id: int) -> list[dict]:
    """After an unblock: the author's chat frames among the room's last messages, the ones a
    welcome would show now, so the page puts them back without a reload."""
    recent = selectors.messages_recent(session_id=session_id, limit=settings.ROOM_WELCOME_MESSAGES)
    return [m for m in recent if m["author"]["id"] == author_id]


def _tell_blocker(*, user_id: int, blocked_id: int, blocked: bool) -> None:
    """Every room where the blocker has a live connection updates it (after commit); an
    unblock also carries that person's recent messages in each room."""
    sessions = (
        RoomConnection.objects.filter(
            participant__user_id=user_id, heartbeat_at__gte=selectors.presence_cutoff()
        )
        .values_list("session_id", flat=True)
        .distinct()
    )
    for session_id in sessions:
        frame: dict = {"type": "block", "user": blocked_id, "blocked": blocked}
        if not blocked:
            frame["messages"] = _shown_again(session_id=session_id, author_id=blocked_id)
        _publish(
            session_id,
            hide=[[user_id, blocked_id, blocked]],
            frames=[[f"u:{user_id}", frame]],
        )


def _blocked_id(user: User, user_id) -> int:
    if not is_whole_number(user_id):
        raise ValidationError({"user": _("A user id (a number) is required.")})
    if user_id == user.pk:
        raise ValidationError({"user": _("You cannot block yourself.")})
    return user_id


@transaction.atomic
def person_block(*, user: User, user_id, session_id: int | None = None) -> PersonBlock:
    """`user` blocks `user_id`: someone in the room `session_id` (from the room), or someone
    they have been in a room with (from the API). Idempotent."""
    blocked_id = _blocked_id(user, user_id)
    if session_id is not None:
        name = (
            RoomParticipant.objects.filter(session_id=session_id, user_id=blocked_id)
            .values_list("display_name", flat=True)
            .first()
        )
        if name is None:
            raise RoomError(_("Nobody with that id has been in this room."), code="not_found")
    else:
        name = selectors.name_seen_by(viewer_id=user.pk, user_id=blocked_id)
        if name is None:
            raise ValidationError(
                {"user": _("You can block someone you have been in a room with.")}
            )
    block, created = PersonBlock.objects.get_or_create(
        blocker=user, blocked_id=blocked_id, defaults={"blocked_name": name}
    )
    if created:
        _tell_blocker(user_id=user.pk, blocked_id=blocked_id, blocked=True)
    return block


@transaction.atomic
def person_unblock(*, user: User, user_id) -> bool:
    """`user` stops blocking `user_id`. False if they were not blocking them."""
    blocked_id = _blocked_id(user, user_id)
    deleted, _kinds = PersonBlock.objects.filter(blocker=user, blocked_id=blocked_id).delete()
    if deleted:
        _tell_blocker(user_id=user.pk, blocked_id=blocked_id, blocked=False)
    return bool(deleted)
