"""Facilitators' moderation: mute, remove, admit from the lobby, lock the room."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rooms import selectors
from rooms.access import CLOSE_FORBIDDEN, CLOSE_REMOVED
from rooms.models import Room, RoomConnection, RoomParticipant
from rooms.services._common import FACILITATOR, RoomError, _moderator, _refuse_nul, _target
from rooms.services.lifecycle import _publish
from rooms.services.media import media_after_mute, media_after_remove
from rooms.services.presence import _attendance_join
from sessions_app.audit import audit_log
from sessions_app.models import User


@transaction.atomic
def participant_mute(*, session_id: int, by: User, user_id, muted: bool) -> RoomParticipant:
    """Mute or unmute an attendee: their chat and their voice (docs/media.md)."""
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
        media_after_mute(participant=target)
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
        Room.objects.filter(session_id=session_id, speaker_id=target.user_id).update(
            speaker=None, share_ends_at=None, share_auto_next=False
        )
        audit_log(actor=by, action="room.remove", obj=target, metadata={"session": session_id})
        media_after_remove(participant=target)
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


def room_members_leave(*, group_id: int, user_id: int) -> list[int]:
    """Someone stopped being a member of a group (removed or banned): their connections to the
    group's open rooms close with 4403 (they may not come back). Returns those sessions."""
    sessions = list(
        RoomConnection.objects.filter(
            session__group_id=group_id,
            session__room_open=True,
            participant__user_id=user_id,
            heartbeat_at__gte=selectors.presence_cutoff(),
        )
        .values_list("session_id", flat=True)
        .distinct()
    )
    for session_id in sessions:
        _publish(session_id, close=[[f"u:{user_id}", CLOSE_FORBIDDEN]], refresh=True)
    return sessions


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
