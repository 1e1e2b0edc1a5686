"""Writes about one session: cancel it, move it."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from sessions_app import events
from sessions_app.errors import StateConflict
from sessions_app.models import (
    RSVP,
    Notice,
    SeatOffer,
    Session,
    User,
)
from sessions_app.notices import notice_params, notices_create

MAX_DURATION_MINUTES = 24 * 60


def _session_attendees(session: Session):
    return User.objects.filter(
        rsvps__session=session, rsvps__status__in=[RSVP.Status.GOING, RSVP.Status.WAITLISTED]
    )


@transaction.atomic
def session_cancel(*, session: Session, reason: str = "", by: User | None = None) -> Session:
    """Cancel one session; attendees with an RSVP are told."""
    session = Session.objects.select_for_update().select_related("group").get(pk=session.pk)
    if len(reason) > 300:
        raise ValidationError({"reason": ["At most 300 characters."]})
    if session.status == Session.Status.CANCELLED:
        return session
    if session.end <= timezone.now():
        raise StateConflict("This session is already over.", code="session_past")
    room_was_open = session.room_open
    session.status = Session.Status.CANCELLED
    session.cancel_reason = reason
    session.sequence += 1
    session.room_open = False
    session.save(update_fields=["status", "cancel_reason", "sequence", "room_open", "updated_at"])
    SeatOffer.objects.filter(rsvp__session=session, status=SeatOffer.Status.OPEN).update(
        status=SeatOffer.Status.WITHDRAWN, decided_at=timezone.now()
    )
    notices_create(
        users=_session_attendees(session),
        session=session,
        kind=Notice.Kind.SESSION_CANCELLED,
        params=notice_params(group=session.group, session=session, reason=reason),
    )
    # The rooms app ends the room (if people may be in it); SMS drops pending reminders.
    events.publish(events.SessionCancelled(session_id=session.pk, room_was_open=room_was_open))
    return session


def _aware(value, field: str, tz: ZoneInfo) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise ValidationError({field: ["Must be an ISO 8601 date and time."]}) from None
    if not isinstance(value, datetime):
        raise ValidationError({field: ["Must be an ISO 8601 date and time."]})
    if timezone.is_naive(value):
        value = value.replace(tzinfo=tz, fold=0)
    return value


@transaction.atomic
def session_move(*, session: Session, start, end, by: User | None = None) -> Session:
    """Move one session to a new time (naive times are in the group's zone)."""
    session = Session.objects.select_for_update().select_related("group").get(pk=session.pk)
    tz = session.group.tz
    start = _aware(start, "start", tz)
    end = _aware(end, "end", tz)
    if end <= start:
        raise ValidationError({"end": ["The end must be after the start."]})
    if end - start > timedelta(minutes=MAX_DURATION_MINUTES):
        raise ValidationError({"end": ["A session lasts at most 24 hours."]})
    if start <= timezone.now():
        raise ValidationError({"start": ["The new time must be in the future."]})
    if session.status == Session.Status.CANCELLED:
        raise StateConflict("A cancelled session cannot be moved.", code="session_cancelled")
    if session.end <= timezone.now():
        raise StateConflict("This session is already over.", code="session_past")
    if (start, end) == (session.start, session.end):
        return session
    old_start = session.start
    session.start, session.end = start, end
    session.sequence += 1
    session.save(update_fields=["start", "end", "sequence", "updated_at"])
    notices_create(
        users=_session_attendees(session),
        session=session,
        kind=Notice.Kind.SESSION_MOVED,
        params=notice_params(group=session.group, session=session, old_start=old_start),
    )
    events.publish(events.SessionMoved(session_id=session.pk))
    return session
