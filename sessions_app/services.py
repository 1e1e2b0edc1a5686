"""Writes of the scheduling domain. Every function validates before it saves, runs in a
transaction and raises ValidationError (a field is wrong), StateConflict (409) or
NotAllowed (403). The API, pages, SMS handler, rooms and tasks all call these.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify
from schedule.models import Calendar, Event, Rule

from sessions_app import access, events, selectors
from sessions_app.audit import audit_log
from sessions_app.errors import NotAllowed, StateConflict
from sessions_app.models import (
    RSVP,
    GroupInvite,
    Membership,
    Notice,
    Schedule,
    SeatOffer,
    Session,
    SupportGroup,
    User,
    Venue,
    validate_timezone,
)
from sessions_app.notices import notice_params, notices_create
from sessions_app.recurrence import (
    FREQUENCIES,
    Recurrence,
    recurrence_parse,
    resolve_local,
    rule_expand,
    until_instant,
)

MAX_DURATION_MINUTES = 24 * 60
HEARTH_CALENDAR_SLUG = "hearth"

# --- groups -----------------------------------------------------------------------------------

GROUP_FIELDS = {
    "name",
    "slug",
    "description",
    "guidelines",
    "topic",
    "language",
    "format",
    "timezone",
    "capacity",
    "join_policy",
    "venue",
    "video_url",
    "reminder_offsets_minutes",
    "is_public",
    "lobby_enabled",
}


def _validate_offsets(offsets) -> list[int]:
    if offsets is None:
        return list(settings.DEFAULT_REMINDER_OFFSETS_MINUTES)
    if not isinstance(offsets, list | tuple) or not all(
        isinstance(o, int) and not isinstance(o, bool) and 15 <= o <= 14 * 24 * 60 for o in offsets
    ):
        raise ValidationError(
            {"reminder_offsets_minutes": ["A list of minutes before the start, each 15 to 20160."]}
        )
    if len(offsets) > 5:
        raise ValidationError({"reminder_offsets_minutes": ["At most 5 reminders."]})
    return sorted(set(offsets), reverse=True)


def _unique_slug(name: str) -> str:
    base = slugify(name)[:70] or "group"
    slug, n = base, 2
    while SupportGroup.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def _group_check(group: SupportGroup, *, exclude: Iterable[str] = ()) -> None:
    # Check the capacity first so that 0 or a negative number gets a plain message (the
    # model field's own check would only say "ensure this value is >= 0").
    if (
        not isinstance(group.capacity, int)
        or isinstance(group.capacity, bool)
        or group.capacity < 1
    ):
        raise ValidationError({"capacity": ["Capacity must be at least 1."]})
    group.full_clean(exclude=list(exclude))


@transaction.atomic
def group_create(*, name: str, topic: str, timezone: str, **fields) -> SupportGroup:
    """Create a support group; `slug` is derived from the name unless given.

    (`timezone` is the group's IANA zone name, as in the API; it shadows the module here.)
    """
    unknown = set(fields) - GROUP_FIELDS
    if unknown:
        raise ValidationError({f: ["Unknown field."] for f in sorted(unknown)})
    fields["reminder_offsets_minutes"] = _validate_offsets(fields.get("reminder_offsets_minutes"))
    if not fields.get("slug"):
        fields["slug"] = _unique_slug(name)
    group = SupportGroup(name=name, topic=topic, timezone=timezone, **fields)
    _group_check(group)
    group.save()
    return group


@transaction.atomic
def group_update(*, group: SupportGroup, **fields) -> SupportGroup:
    """Change a group's details; capacity changes fill freed seats of upcoming sessions."""
    unknown = set(fields) - GROUP_FIELDS
    if unknown:
        raise ValidationError({f: ["Unknown field."] for f in sorted(unknown)})
    if "reminder_offsets_minutes" in fields:
        fields["reminder_offsets_minutes"] = _validate_offsets(fields["reminder_offsets_minutes"])
    old_capacity = group.capacity
    for name, value in fields.items():
        setattr(group, name, value)
    _group_check(group)
    group.save(update_fields=list(fields) or None)
    if group.capacity > old_capacity:
        for session in selectors.sessions_upcoming(group=group).filter(capacity__isnull=True):
            _seats_fill(session=session, now=timezone.now())
    return group


def venue_create(
    *, name: str, address: str = "", city: str = "", accessibility_notes: str = ""
) -> Venue:
    """Create a venue for in-person groups."""
    venue = Venue(name=name, address=address, city=city, accessibility_notes=accessibility_notes)
    venue.full_clean()
    venue.save()
    return venue


# --- schedules and materialised sessions ------------------------------------------------------


def _hearth_calendar() -> Calendar:
    calendar, _ = Calendar.objects.get_or_create(
        slug=HEARTH_CALENDAR_SLUG, defaults={"name": "Hearth"}
    )
    return calendar


def _parse_local_start(start, tz: ZoneInfo) -> datetime:
    """The wall-clock start in the group's zone (naive). An offset, if given, is honoured."""
    if isinstance(start, str):
        try:
            start = datetime.fromisoformat(start)
        except ValueError:
            raise ValidationError(
                {"start": ["Must be a date and time, e.g. 2026-11-03T19:00:00."]}
            ) from None
    if not isinstance(start, datetime):
        raise ValidationError({"start": ["Must be a date and time, e.g. 2026-11-03T19:00:00."]})
    if timezone.is_aware(start):
        start = start.astimezone(tz).replace(tzinfo=None)
    return start.replace(second=0, microsecond=0)


def _validate_duration(duration_minutes) -> int:
    if (
        not isinstance(duration_minutes, int)
        or isinstance(duration_minutes, bool)
        or not 1 <= duration_minutes <= MAX_DURATION_MINUTES
    ):
        raise ValidationError(
            {"duration_minutes": [f"Must be from 1 to {MAX_DURATION_MINUTES} minutes."]}
        )
    return duration_minutes


@transaction.atomic
def schedule_create(
    *,
    group: SupportGroup,
    start,
    duration_minutes: int,
    recurrence: dict | Recurrence | None = None,
    created_by: User | None = None,
    now: datetime | None = None,
) -> Schedule:
    """Create a series (or a one-off when `recurrence` is None) and materialise its sessions.

    `start` is wall-clock time in the group's zone ("2026-11-03T19:00:00").
    """
    now = now or timezone.now()
    tz = group.tz
    local_start = _parse_local_start(start, tz)
    duration_minutes = _validate_duration(duration_minutes)
    if not isinstance(recurrence, Recurrence):
        recurrence = recurrence_parse(recurrence, first_date=local_start.date())
    first_instant = resolve_local(local_start, tz)
    if first_instant <= now:
        raise ValidationError({"start": ["The first session must be in the future."]})

    rule = None
    if recurrence is not None:
        rule = Rule.objects.create(
            name=f"hearth-{group.slug}"[:32],
            description=f"Series of {group.name}",
            frequency=FREQUENCIES[recurrence.frequency],
            params=recurrence.rule_params(),
        )
    duration = timedelta(minutes=duration_minutes)
    event = Event.objects.create(
        calendar=_hearth_calendar(),
        title=group.name[:255],
        start=first_instant,
        end=first_instant + duration,
        rule=rule,
        end_recurring_period=(
            until_instant(recurrence.until, tz) if recurrence and recurrence.until else None
        ),
        creator=created_by,
    )
    schedule = Schedule.objects.create(
        group=group,
        event=event,
        rule=rule,
        first_date=local_start.date(),
        start_time=local_start.time(),
        duration_minutes=duration_minutes,
        created_by=created_by,
    )
    sessions_materialize(schedule=schedule, now=now)
    return schedule


def _schedule_expand(schedule: Schedule, *, window_start: datetime, window_end: datetime):
    event = schedule.event
    until = event.end_recurring_period
    if schedule.ended_at is not None:
        cut = schedule.ended_at - timedelta(seconds=1)
        until = min(until, cut) if until else cut
    return rule_expand(
        rule=schedule.rule,
        first_local=datetime.combine(schedule.first_date, schedule.start_time),
        tz=schedule.group.tz,
        until=until,
        window_start=window_start,
        window_end=window_end,
    )


def sessions_materialize(
    *,
    schedule: Schedule | None = None,
    now: datetime | None = None,
    horizon_days: int | None = None,
) -> int:
    """Create the Session rows of every series (or one) up to the horizon; returns how many.

    Idempotent: rows are unique on (event, original start) and existing rows are never
    touched, so a cancelled or moved session stays as it is.
    """
    now = now or timezone.now()
    horizon_end = now + timedelta(days=horizon_days or settings.SESSION_HORIZON_DAYS)
    schedules = Schedule.objects.select_related("group", "rule", "event")
    schedules = (
        schedules.filter(pk=schedule.pk) if schedule else schedules.filter(ended_at__isnull=True)
    )
    created = 0
    for series in schedules.iterator(chunk_size=500):
        starts = list(_schedule_expand(series, window_start=now, window_end=horizon_end))
        if not starts:
            continue
        existing = set(
            Session.objects.filter(event_id=series.event_id, original_start__in=starts).values_list(
                "original_start", flat=True
            )
        )
        rows = [
            Session(
                group_id=series.group_id,
                schedule=series,
                event_id=series.event_id,
                original_start=start,
                start=start,
                end=start + series.duration,
            )
            for start in starts
            if start not in existing
        ]
        # ignore_conflicts keeps concurrent runs (beat and a save at once) idempotent too.
        Session.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
        created += len(rows)
    return created


@transaction.atomic
def schedule_end(
    *, schedule: Schedule, from_start: datetime | None = None, by: User | None = None
) -> Schedule:
    """End a series at `from_start` (default: now): no sessions from then on.

    Later sessions that have RSVPs are cancelled and their attendees told; the others are
    removed. Sessions before `from_start` keep their RSVPs.
    """
    from_start = from_start or timezone.now()
    schedule = (
        Schedule.objects.select_for_update().select_related("event", "group").get(pk=schedule.pk)
    )
    if schedule.ended_at is not None and schedule.ended_at <= from_start:
        return schedule
    schedule.ended_at = from_start
    schedule.save(update_fields=["ended_at"])
    event = schedule.event
    cut = from_start - timedelta(seconds=1)
    if event.end_recurring_period is None or event.end_recurring_period > cut:
        event.end_recurring_period = cut
        event.save(update_fields=["end_recurring_period"])

    later = Session.objects.filter(schedule=schedule, original_start__gte=from_start)
    with_rsvps = later.filter(
        rsvps__status__in=[RSVP.Status.GOING, RSVP.Status.WAITLISTED]
    ).distinct()
    for session in with_rsvps.filter(status=Session.Status.SCHEDULED):
        session_cancel(session=session, reason="This series has ended.", by=by)
    later.exclude(pk__in=with_rsvps.values("pk")).delete()
    return schedule


@transaction.atomic
def schedule_change(
    *,
    schedule: Schedule,
    from_session: Session,
    start,
    duration_minutes: int,
    recurrence: dict | None,
    by: User | None = None,
    now: datetime | None = None,
) -> Schedule:
    """Change a series "from this session on": end the old series there and start a new one."""
    if from_session.schedule_id != schedule.pk:
        raise ValidationError({"from_session": ["That session is not part of this series."]})
    new_schedule = schedule_create(
        group=schedule.group,
        start=start,
        duration_minutes=duration_minutes,
        recurrence=recurrence,
        created_by=by,
        now=now,
    )
    schedule_end(schedule=schedule, from_start=from_session.original_start, by=by)
    return new_schedule


# --- one session ------------------------------------------------------------------------------


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


# --- membership -------------------------------------------------------------------------------


def _display_name(user: User, display_name: str | None) -> str:
    name = (display_name or "").strip() or user.public_name
    if len(name) > 60:
        raise ValidationError({"display_name": ["At most 60 characters."]})
    return name


@transaction.atomic
def membership_join(
    *,
    group: SupportGroup,
    user: User,
    display_name: str | None = None,
    invite_token: str | None = None,
) -> Membership:
    """Join a group: open approves at once, approval waits, invite needs a valid invite."""
    name = _display_name(user, display_name)
    membership = Membership.objects.select_for_update().filter(group=group, user=user).first()
    if membership is not None:
        if membership.status == Membership.Status.BANNED:
            raise NotAllowed("You cannot join this group.", code="banned")
        if display_name and membership.display_name != name:
            membership.display_name = name
            membership.save(update_fields=["display_name"])
        return membership

    status = Membership.Status.APPROVED
    if group.join_policy == SupportGroup.JoinPolicy.APPROVAL:
        status = Membership.Status.PENDING
    elif group.join_policy == SupportGroup.JoinPolicy.INVITE:
        _invite_use(group=group, token=invite_token)
    return Membership.objects.create(
        group=group,
        user=user,
        status=status,
        display_name=name,
        decided_at=timezone.now() if status == Membership.Status.APPROVED else None,
    )


def _invite_use(*, group: SupportGroup, token: str | None) -> None:
    invite = (
        GroupInvite.objects.select_for_update().filter(group=group, token=token or "").first()
        if token
        else None
    )
    if invite is None:
        raise NotAllowed("This group is by invitation only.", code="invite_required")
    if invite.expires_at <= timezone.now() or invite.use_count >= invite.max_uses:
        raise NotAllowed("This invitation has expired.", code="invite_expired")
    invite.use_count += 1
    invite.save(update_fields=["use_count"])


def invite_create(
    *, group: SupportGroup, by: User, days_valid: int = 14, max_uses: int = 1
) -> GroupInvite:
    """Create an invitation code for a group."""
    if not 1 <= days_valid <= 90:
        raise ValidationError({"days_valid": ["From 1 to 90 days."]})
    if not 1 <= max_uses <= 100:
        raise ValidationError({"max_uses": ["From 1 to 100."]})
    return GroupInvite.objects.create(
        group=group,
        created_by=by,
        expires_at=timezone.now() + timedelta(days=days_valid),
        max_uses=max_uses,
    )


@transaction.atomic
def membership_approve(*, membership: Membership, by: User) -> Membership:
    """Approve a pending (or lift a ban on a) membership."""
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.status == Membership.Status.APPROVED:
        return membership
    membership.status = Membership.Status.APPROVED
    membership.decided_at, membership.decided_by = timezone.now(), by
    membership.save(update_fields=["status", "decided_at", "decided_by"])
    audit_log(
        actor=by, action="member.approve", obj=membership, metadata={"group": membership.group_id}
    )
    notices_create(
        users=[membership.user],
        session=None,
        kind=Notice.Kind.MEMBERSHIP_APPROVED,
        params=notice_params(group=membership.group),
    )
    events.publish(events.MembershipApproved(membership_id=membership.pk))
    return membership


@transaction.atomic
def membership_ban(*, membership: Membership, by: User) -> Membership:
    """Ban a member: their upcoming RSVPs are cancelled and their seats given on."""
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if access.is_group_facilitator(user=membership.user, group=membership.group):
        raise StateConflict("Remove the facilitator role before banning.", code="is_facilitator")
    membership.status = Membership.Status.BANNED
    membership.decided_at, membership.decided_by = timezone.now(), by
    membership.save(update_fields=["status", "decided_at", "decided_by"])
    audit_log(
        actor=by, action="member.ban", obj=membership, metadata={"group": membership.group_id}
    )
    upcoming = RSVP.objects.filter(
        user=membership.user,
        session__group=membership.group,
        session__end__gt=timezone.now(),
        status__in=[RSVP.Status.GOING, RSVP.Status.WAITLISTED],
    ).select_related("session")
    for rsvp in upcoming:
        rsvp_cancel(session=rsvp.session, user=membership.user)
    return membership


# --- RSVP, waitlist, seat offers --------------------------------------------------------------


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


# --- attendance -------------------------------------------------------------------------------


@transaction.atomic
def attendance_set(*, session: Session, marks: list[dict], by: User) -> list[RSVP]:
    """Mark attended / no-show for RSVPs of a session: [{"username", "status"}]."""
    if not isinstance(marks, list):
        raise ValidationError({"non_field_errors": ["Send a list of {username, status}."]})
    if session.status == Session.Status.CANCELLED:
        raise StateConflict("This session was cancelled.", code="session_cancelled")
    allowed = {RSVP.Attendance.ATTENDED, RSVP.Attendance.NO_SHOW}
    by_username = {
        r.user.username: r
        for r in RSVP.objects.select_for_update().filter(session=session).select_related("user")
    }
    errors: dict[str, list[str]] = {}
    changes = []
    for i, mark in enumerate(marks):
        username = mark.get("username") if isinstance(mark, dict) else None
        status = mark.get("status") if isinstance(mark, dict) else None
        if username not in by_username:
            errors[f"{i}.username"] = ["No RSVP for this session under that username."]
        elif status not in allowed:
            errors[f"{i}.status"] = ["Must be attended or no_show."]
        else:
            changes.append((by_username[username], status))
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    for rsvp, status in changes:
        rsvp.attendance, rsvp.attendance_marked_by, rsvp.attendance_marked_at = status, by, now
        rsvp.save(update_fields=["attendance", "attendance_marked_by", "attendance_marked_at"])
    audit_log(
        actor=by,
        action="attendance.set",
        obj=session,
        metadata={
            "marks": len(changes),
            "attended": sum(1 for _, status in changes if status == RSVP.Attendance.ATTENDED),
            "no_show": sum(1 for _, status in changes if status == RSVP.Attendance.NO_SHOW),
        },
    )
    return [rsvp for rsvp, _ in changes]


# --- accounts ---------------------------------------------------------------------------------


@transaction.atomic
def user_update_profile(
    *,
    user: User,
    display_name: str | None = None,
    timezone_name: str | None = None,
    language: str | None = None,
) -> User:
    """Change what a user shows, where their clock is and the language of their pages and
    texts ("" follows the browser)."""
    fields = []
    if display_name is not None:
        user.display_name = _display_name(user, display_name) if display_name.strip() else ""
        fields.append("display_name")
    if timezone_name is not None:
        try:
            validate_timezone(timezone_name)
        except ValidationError as exc:
            raise ValidationError({"timezone": exc.messages}) from None
        user.timezone = timezone_name
        fields.append("timezone")
    if language is not None:
        if language and language not in dict(settings.LANGUAGES):
            raise ValidationError({"language": [f"“{language}” is not a language of Hearth."]})
        user.language = language
        fields.append("language")
    if fields:
        user.save(update_fields=fields)
    return user
