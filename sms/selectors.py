"""SMS reads: who a number belongs to, which session a reply is about, the outbound log."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import QuerySet

from sessions_app.models import RSVP, Session, User
from sms.models import OutboundSms

REPLYABLE_KINDS = [
    OutboundSms.Kind.REMINDER,
    OutboundSms.Kind.SEAT_OFFERED,
    OutboundSms.Kind.SEAT_PROMOTED,
    OutboundSms.Kind.SESSION_MOVED,
]


def user_for_number(*, phone: str) -> User | None:
    """The account that verified this number (at most one: verifying takes it over)."""
    return (
        User.objects.filter(phone=phone, phone_verified_at__isnull=False)
        .order_by("-phone_verified_at")
        .first()
    )


def session_replied_to(*, user: User, now: datetime) -> Session | None:
    """The upcoming session most recently reminded or offered to this user by text."""
    row = (
        OutboundSms.objects.filter(
            user=user,
            kind__in=REPLYABLE_KINDS,
            status__in=[OutboundSms.Status.SUBMITTED, OutboundSms.Status.CLAIMED],
            session__status=Session.Status.SCHEDULED,
            session__end__gt=now,
        )
        .select_related("session__group")
        .order_by("-claimed_at", "-pk")
        .first()
    )
    return row.session if row else None


def session_in_progress(*, user: User, now: datetime) -> RSVP | None:
    """The user's going RSVP to a session under way (doors open 15 minutes early)."""
    return (
        RSVP.objects.filter(
            user=user,
            status=RSVP.Status.GOING,
            session__status=Session.Status.SCHEDULED,
            session__start__lte=now + timedelta(minutes=15),
            session__end__gt=now,
        )
        .select_related("session__group")
        .order_by("session__start")
        .first()
    )


def outbound_log() -> QuerySet[OutboundSms]:
    """Every outbound text, newest first, for coordinators."""
    return OutboundSms.objects.select_related("session").order_by("-created_at", "-pk")


def session_outbound(*, session: Session) -> QuerySet[OutboundSms]:
    """The texts about one session (reminders, seat offers, moves...), oldest first, with the
    recipient: what a facilitator checks to see who was reminded and whether it arrived."""
    return (
        OutboundSms.objects.filter(session=session)
        .select_related("user")
        .order_by("created_at", "pk")
    )
