"""Group agreements in the room: a person accepts the group's guidelines before their first
chat message or unmute in that group (or in each session, when the group asks at every one)."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rooms import selectors
from rooms.models import GuidelinesAcceptance, RoomParticipant
from rooms.services._common import FACILITATOR, RoomError, _participant, is_whole_number
from rooms.services.lifecycle import _publish
from sessions_app.models import Session, SupportGroup, User


class GuidelinesRequired(RoomError):
    """Chat or unmute before accepting the group's current guidelines."""

    code = "guidelines_required"


def guidelines_refusal() -> GuidelinesRequired:
    return GuidelinesRequired(
        _("Please read and accept the group's guidelines first."), code="guidelines_required"
    )


def guidelines_check(*, session_id: int, participant: RoomParticipant) -> None:
    """Raise `guidelines_required` unless this person may speak as far as the guidelines go."""
    if participant.role == FACILITATOR:
        return
    group = SupportGroup.objects.get(sessions__pk=session_id)
    if not selectors.guidelines_accepted(
        group=group, session_id=session_id, user_id=participant.user_id
    ):
        raise guidelines_refusal()


def guidelines_accept(
    *, session_id: int, user: User, version, now: datetime | None = None
) -> GuidelinesAcceptance:
    """Record that `user` accepted `version` of the group's guidelines (for this session when
    the group asks at every session); every tab of theirs hears it with a `guidelines` frame.
    Accepting again is harmless. A version that is no longer the current one is refused."""
    if not is_whole_number(version):
        raise ValidationError({"version": _("The version of the guidelines you read (a number).")})
    try:
        return _accept(session_id=session_id, user=user, version=version, now=now)
    except IntegrityError:
        # Two tabs accepted at the same moment: the other one recorded it.
        return _accept(session_id=session_id, user=user, version=version, now=now)


@transaction.atomic
def _accept(*, session_id: int, user: User, version: int, now: datetime | None):
    participant = _participant(session_id=session_id, user=user)
    session = Session.objects.select_related("group").get(pk=session_id)
    group = session.group
    if not group.guidelines:
        raise RoomError(_("This group has no guidelines to accept."), code="conflict")
    if version != group.guidelines_version:
        raise RoomError(
            _("The guidelines changed while you were reading them; please read them again."),
            code="conflict",
        )
    acceptance, _created = GuidelinesAcceptance.objects.get_or_create(
        user=user,
        group=group,
        version=version,
        session=session if group.guidelines_every_session else None,
        defaults={"accepted_at": now or timezone.now()},
    )
    frame = selectors.guidelines_frame(group=group, session_id=session_id, participant=participant)
    _publish(session_id, frames=[[f"u:{user.pk}", {"type": "guidelines", **(frame or {})}]])
    return acceptance


def guidelines_announce(*, group_id: int) -> None:
    """A group's guidelines changed: everyone in its open rooms gets the new ones, each with
    whether they must accept them (again)."""
    group = SupportGroup.objects.get(pk=group_id)
    open_sessions = Session.objects.filter(
        group=group, room_open=True, status=Session.Status.SCHEDULED
    ).values_list("pk", flat=True)
    for session_id in open_sessions:
        people = RoomParticipant.objects.filter(
            session_id=session_id, admitted_at__isnull=False, removed_at__isnull=True
        )
        frames = []
        for participant in people:
            frame = selectors.guidelines_frame(
                group=group, session_id=session_id, participant=participant
            ) or {  # the guidelines were taken away: nothing to accept
                "text": "",
                "version": group.guidelines_version,
                "every_session": group.guidelines_every_session,
                "required": False,
            }
            frames.append([f"u:{participant.user_id}", {"type": "guidelines", **frame}])
        if frames:
            _publish(session_id, frames=frames)
