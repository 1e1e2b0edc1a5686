"""Reads about RSVPs: waitlist places, a person's upcoming sessions, rosters, seat offers."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.utils import timezone

from sessions_app.models import (
    RSVP,
    SeatOffer,
    Session,
)


def rsvp_waitlist_position(*, rsvp: RSVP) -> int | None:
    """The 1-based place on the waitlist, None when not waitlisted."""
    if rsvp.status != RSVP.Status.WAITLISTED:
        return None
    return RSVP.objects.filter(
        session_id=rsvp.session_id,
        status=RSVP.Status.WAITLISTED,
        waitlist_order__lte=rsvp.waitlist_order,
    ).count()


def rsvps_with_position(queryset: QuerySet[RSVP]) -> QuerySet[RSVP]:
    """RSVPs annotated with `position` (1-based waitlist place, None unless waitlisted)."""
    ahead = (
        RSVP.objects.filter(
            session=OuterRef("session"),
            status=RSVP.Status.WAITLISTED,
            waitlist_order__lte=OuterRef("waitlist_order"),
        )
        .order_by()
        .values("session")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return queryset.annotate(position=Subquery(ahead, output_field=IntegerField()))


def user_rsvps_upcoming(*, user, now: datetime | None = None) -> QuerySet[RSVP]:
    """A user's going and waitlisted RSVPs for sessions not yet over, soonest first."""
    now = now or timezone.now()
    rsvps = RSVP.objects.filter(
        user=user,
        status__in=[RSVP.Status.GOING, RSVP.Status.WAITLISTED],
        session__end__gt=now,
    ).select_related("session", "session__group")
    return rsvps_with_position(rsvps).order_by("session__start", "pk")


def session_roster(*, session: Session) -> QuerySet[RSVP]:
    """Everyone with an RSVP to a session, going first then the waitlist in order."""
    return (
        rsvps_with_position(
            RSVP.objects.filter(session=session).exclude(status=RSVP.Status.CANCELLED)
        )
        .select_related("user")
        .order_by("status", "waitlist_order", "created_at")
    )


def session_is_first_time(*, rsvp: RSVP) -> bool:
    """True if the attendee has not attended a session of this group before."""
    return not RSVP.objects.filter(
        user_id=rsvp.user_id,
        session__group_id=rsvp.session.group_id,
        session__start__lt=rsvp.session.start,
        attendance=RSVP.Attendance.ATTENDED,
    ).exists()


def user_rsvp_for(*, user, session: Session) -> RSVP | None:
    """The user's live (going or waitlisted) RSVP to a session, with `position`, or None."""
    if not user.is_authenticated:
        return None
    return rsvps_with_position(
        RSVP.objects.filter(
            user=user, session=session, status__in=[RSVP.Status.GOING, RSVP.Status.WAITLISTED]
        )
    ).first()


def rsvp_open_seat_offer(*, rsvp: RSVP, now: datetime | None = None) -> SeatOffer | None:
    """The seat offer waiting for this (waitlisted) RSVP to claim, if one is open."""
    if rsvp.status != RSVP.Status.WAITLISTED:
        return None
    return SeatOffer.objects.filter(
        rsvp=rsvp, status=SeatOffer.Status.OPEN, expires_at__gt=now or timezone.now()
    ).first()
