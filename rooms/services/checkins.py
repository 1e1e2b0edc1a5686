"""Attendees' mood check-ins at the start and end of a session."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from rooms import selectors
from rooms.models import CheckIn
from rooms.services._common import FACILITATOR, RoomError, _participant
from rooms.services.lifecycle import _publish
from sessions_app.models import User


@transaction.atomic
def checkin_record(*, session_id: int, user: User, mood, phase) -> CheckIn:
    """An attendee's 1–5 mood at the start or end, seen only by the facilitators."""
    participant = _participant(session_id=session_id, user=user)
    if participant.role == FACILITATOR:
        raise RoomError(_("Check-ins are for attendees."), code="forbidden")
    if not isinstance(mood, int) or isinstance(mood, bool) or not 1 <= mood <= 5:
        raise ValidationError({"mood": _("A whole number from 1 to 5.")})
    if phase not in CheckIn.Phase.values:
        raise ValidationError({"phase": _("start or end.")})
    checkin, _created = CheckIn.objects.update_or_create(
        session_id=session_id, user=user, phase=phase, defaults={"mood": mood}
    )
    _publish(
        session_id,
        frames=[
            [
                "facilitators",
                {
                    "type": "checkin",
                    "user": selectors.participant_public(participant),
                    "mood": mood,
                    "phase": phase,
                },
            ]
        ],
    )
    return checkin
