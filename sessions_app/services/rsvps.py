"""Writes about RSVPs, the waitlist and seat offers (each change of seats holds the session
row lock)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from sessions_app import access, events, selectors
from sessions_app.errors import NotAllowed, StateConflict
from sessions_app.models import (
    RSVP,
    Notice,
    SeatOffer,
    Session,
    User,
)
from sessions_app.notices import notice_params, notices_create


def _lock_session(session: Session) -> Session:
    # Every change of a session's seats happens under this row lock (PostgreSQL), so the
    # counts read after it are exact. SQLite serialises writers on its own.
    return Session.objects.select_for_update().select_related("group").get(pk=session.pk)


def _rsvp_check_open(session: Session, now: datetime) -> None:
    if session.status == Session.Status.CANCELLED:
        raise StateConflict("This session is cancelled.", code="session_cancelled")
    if session.end <= now:
        raise StateConflict("This session is over.", code="session_past")


@transaction.atomic
def rsvp_create(
    *, session: Session, user: User, source: str = RSVP.Source.WEB, now: datetime | None = None
) -> RSVP:
    """RSVP to a session: a seat if one is free, else the end of the waitlist. Idempotent."""
    now = now or timezone.now()
    session = _lock_session(session)
    _rsvp_check_open(session, now)
    if not access.can_rsvp(user=user, group=session.group):
        raise NotAllowed("Join this group before you RSVP.", code="not_a_member")
    rsvp = RSVP.objects.filter(session=session, user=user).first()
    if rsvp is not None and rsvp.status in (RSVP.Status.GOING, RSVP.Status.WAITLISTED):
        return rsvp

    has_queue = RSVP.objects.filter(session=session, status=RSVP.Status.WAITLISTED).exists()
    if not has_queue and selectors.session_free_seats(session=session) > 0:
        status, order = RSVP.Status.GOING, None
    else:
        last = RSVP.objects.filter(session=session).aggregate(m=Max("waitlist_order"))["m"] or 0
        status, order = RSVP.Status.WAITLISTED, last + 1
    if rsvp is None:
        try:
            with transaction.atomic():
                rsvp = RSVP.objects.create(
                    session=session, user=user, status=status, waitlist_order=order, source=source
                )
        except IntegrityError:
            # Only possible without the row lock (SQLite): the same person twice at once.
            return RSVP.objects.get(session=session, user=user)
    else:
        rsvp.status, rsvp.waitlist_order, rsvp.source = status, order, source
        rsvp.save(update_fields=["status", "waitlist_order", "source", "updated_at"])
    return rsvp


@transaction.atomic
def rsvp_cancel(*, session: Session, user: User, now: datetime | None = None) -> RSVP | None:
    """Cancel a user's RSVP; a freed seat goes to the waitlist. Returns None if there was none."""
    now = now or timezone.now()
    session = _lock_session(session)
    rsvp = RSVP.objects.filter(
        session=session, user=user, status__in=[RSVP.Status.GOING, RSVP.Status.WAITLISTED]
    ).first()
    if rsvp is None:
        return None
    rsvp.status, rsvp.waitlist_order = RSVP.Status.CANCELLED, None
    rsvp.save(update_fields=["status", "waitlist_order", "updated_at"])
    SeatOffer.objects.filter(rsvp=rsvp, status=SeatOffer.Status.OPEN).update(
        status=SeatOffer.Status.WITHDRAWN, decided_at=now
    )
    if session.status == Session.Status.SCHEDULED and session.end > now:
        _seats_fill(session=session, now=now)
    events.publish(events.SeatFreed(session_id=session.pk, user_id=user.pk))
    return rsvp


def _seats_fill(*, session: Session, now: datetime) -> None:
    """Give free seats to the waitlist, in order: a seat, or close to the start an offer.

    The caller holds the session row lock.
    """
    cutoff = timedelta(minutes=settings.SEAT_OFFER_CUTOFF_MINUTES)
    offer_mode = session.start - now <= cutoff
    while selectors.session_free_seats(session=session) > 0:
        queue = RSVP.objects.filter(session=session, status=RSVP.Status.WAITLISTED).order_by(
            "waitlist_order"
        )
        if offer_mode:
            queue = queue.exclude(seat_offers__isnull=False)  # one offer per person
        nxt = queue.select_related("user").first()
        if nxt is None:
            return
        if not offer_mode:
            nxt.status, nxt.waitlist_order = RSVP.Status.GOING, None
            nxt.save(update_fields=["status", "waitlist_order", "updated_at"])
            notices_create(
                users=[nxt.user],
                session=session,
                kind=Notice.Kind.SEAT_PROMOTED,
                params=notice_params(group=session.group, session=session),
            )
        else:
            expires = min(now + timedelta(minutes=settings.SEAT_OFFER_TTL_MINUTES), session.start)
            SeatOffer.objects.create(rsvp=nxt, expires_at=expires)
            notices_create(
                users=[nxt.user],
                session=session,
                kind=Notice.Kind.SEAT_OFFERED,
                params=notice_params(group=session.group, session=session, until=expires),
            )


@transaction.atomic
def seat_offer_claim(*, offer: SeatOffer, now: datetime | None = None) -> RSVP:
    """Claim an offered seat (a YES by SMS or a click) before it passes to the next person."""
    now = now or timezone.now()
    rsvp = offer.rsvp
    _lock_session(rsvp.session)
    offer = SeatOffer.objects.select_for_update().select_related("rsvp").get(pk=offer.pk)
    if offer.status != SeatOffer.Status.OPEN or offer.expires_at <= now:
        raise StateConflict("This seat offer has passed.", code="offer_expired")
    rsvp = offer.rsvp
    offer.status, offer.decided_at = SeatOffer.Status.CLAIMED, now
    offer.save(update_fields=["status", "decided_at"])
    rsvp.status, rsvp.waitlist_order = RSVP.Status.GOING, None
    rsvp.save(update_fields=["status", "waitlist_order", "updated_at"])
    return rsvp


def seat_offers_expire(*, now: datetime | None = None) -> int:
    """Expire offers past their time and offer the seat to the next person; returns how many."""
    now = now or timezone.now()
    due = list(
        SeatOffer.objects.filter(status=SeatOffer.Status.OPEN, expires_at__lte=now).values_list(
            "pk", "rsvp__session_id"
        )
    )
    for offer_pk, session_pk in due:
        with transaction.atomic():
            session = _lock_session(Session(pk=session_pk))
            updated = SeatOffer.objects.filter(pk=offer_pk, status=SeatOffer.Status.OPEN).update(
                status=SeatOffer.Status.EXPIRED, decided_at=now
            )
            if updated and session.status == Session.Status.SCHEDULED and session.start > now:
                _seats_fill(session=session, now=now)
    return len(due)
