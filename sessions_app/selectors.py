"""Reads of the scheduling domain: QuerySets and plain data for the API, pages and tasks."""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import islice
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from schedule.models import Rule

from sessions_app.models import (
    RSVP,
    Membership,
    Notice,
    Schedule,
    SeatOffer,
    Session,
    SupportGroup,
    User,
)
from sessions_app.recurrence import (
    FREQUENCIES,
    Recurrence,
    recurrence_from_rule,
    recurrence_parse,
    resolve_local,
    rule_expand,
    until_instant,
)


def groups_visible(*, user) -> QuerySet[SupportGroup]:
    """Groups this user may see: public ones, plus their own and, for staff, all."""
    groups = SupportGroup.objects.select_related("venue")
    if user.is_authenticated and user.is_staff:
        return groups
    if not user.is_authenticated:
        return groups.filter(is_public=True)
    return groups.filter(
        Q(is_public=True)
        | Q(memberships__user=user, memberships__status__in=["approved", "pending"])
        | Q(facilitator_assignments__user=user)
    ).distinct()


def sessions_with_counts(queryset: QuerySet[Session] | None = None) -> QuerySet[Session]:
    """Sessions annotated with going_count and waitlist_count (one query, no N+1)."""
    queryset = Session.objects.all() if queryset is None else queryset
    going = (
        RSVP.objects.filter(session=OuterRef("pk"), status=RSVP.Status.GOING)
        .order_by()
        .values("session")
        .annotate(n=Count("pk"))
        .values("n")
    )
    waiting = (
        RSVP.objects.filter(session=OuterRef("pk"), status=RSVP.Status.WAITLISTED)
        .order_by()
        .values("session")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return queryset.select_related("group", "group__venue").annotate(
        going_count=Coalesce(Subquery(going, output_field=IntegerField()), Value(0)),
        waitlist_count=Coalesce(Subquery(waiting, output_field=IntegerField()), Value(0)),
    )


def sessions_upcoming(
    *, group: SupportGroup | None = None, now: datetime | None = None
) -> QuerySet[Session]:
    """Sessions not yet over, soonest first (cancelled ones included, with their status)."""
    sessions = Session.objects.upcoming(now)
    return sessions.filter(group=group) if group is not None else sessions


def sessions_between(
    *, start: datetime, end: datetime, groups: QuerySet[SupportGroup] | None = None
) -> QuerySet[Session]:
    """Sessions starting in [start, end), ordered by start; one indexed range query."""
    sessions = Session.objects.filter(start__gte=start, start__lt=end).order_by("start", "pk")
    if groups is not None:
        sessions = sessions.filter(group__in=groups)
    return sessions


def session_rows_between(*, start: datetime, end: datetime) -> list[tuple]:
    """(id, group id, start, end, status) of every session starting in [start, end), by start.

    Plain tuples from one indexed range query: for sweeps, feeds and dashboards that read many.
    """
    return list(
        sessions_between(start=start, end=end).values_list(
            "pk", "group_id", "start", "end", "status"
        )
    )


def session_free_seats(*, session: Session) -> int:
    """Seats not taken by a going RSVP nor held by an open seat offer."""
    taken = RSVP.objects.filter(session=session, status=RSVP.Status.GOING).count()
    held = SeatOffer.objects.filter(rsvp__session=session, status=SeatOffer.Status.OPEN).count()
    return session.effective_capacity - taken - held


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


def group_members(*, group: SupportGroup, status: str | None = None) -> QuerySet[Membership]:
    """A group's memberships, pending first."""
    members = (
        Membership.objects.filter(group=group)
        .select_related("user")
        .order_by("status", "created_at")
    )
    return members.filter(status=status) if status else members


def member_display_name(*, user, group: SupportGroup) -> str:
    """The name other attendees see for `user` in `group`."""
    membership = Membership.objects.filter(user=user, group=group).only("display_name").first()
    return membership.display_name if membership else user.public_name


def session_is_first_time(*, rsvp: RSVP) -> bool:
    """True if the attendee has not attended a session of this group before."""
    return not RSVP.objects.filter(
        user_id=rsvp.user_id,
        session__group_id=rsvp.session.group_id,
        session__start__lt=rsvp.session.start,
        attendance=RSVP.Attendance.ATTENDED,
    ).exists()


# --- the group directory and group pages ----------------------------------------------------------


def schedules_active(*, group: SupportGroup, now: datetime | None = None) -> QuerySet[Schedule]:
    """A group's series that still have sessions to come (not ended, not past their end date)."""
    now = now or timezone.now()
    return (
        Schedule.objects.filter(group=group)
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=now))
        .filter(
            Q(event__end_recurring_period__isnull=True) | Q(event__end_recurring_period__gt=now)
        )
        .exclude(rule__isnull=True, event__start__lte=now)
        .select_related("group", "event", "rule")
        .order_by("first_date", "start_time", "pk")
    )


def groups_next_session(
    groups: QuerySet[SupportGroup], *, now: datetime | None = None
) -> dict[int, Session]:
    """The next scheduled (not cancelled) session of each group, keyed by group id: two queries."""
    now = now or timezone.now()
    next_pk = (
        Session.objects.filter(group=OuterRef("pk"), status=Session.Status.SCHEDULED, end__gt=now)
        .order_by("start", "pk")
        .values("pk")[:1]
    )
    pks = [
        pk
        for pk in groups.order_by()
        .annotate(next_pk=Subquery(next_pk))
        .values_list("next_pk", flat=True)
        if pk
    ]
    return {s.group_id: s for s in sessions_with_counts(Session.objects.filter(pk__in=pks))}


def groups_meeting_on_weekday(
    groups: QuerySet[SupportGroup], *, weekday: int, now: datetime | None = None, days: int = 28
) -> QuerySet[SupportGroup]:
    """Groups with a session on `weekday` (0 = Monday, in the group's own zone) in the coming
    `days` days."""
    now = now or timezone.now()
    rows = Session.objects.filter(
        group__in=groups,
        status=Session.Status.SCHEDULED,
        start__gte=now,
        start__lt=now + timedelta(days=days),
    ).values_list("group_id", "start", "group__timezone")
    zones: dict[str, ZoneInfo] = {}
    ids = {
        group_id
        for group_id, start, tz in rows
        if start.astimezone(zones.setdefault(tz, ZoneInfo(tz))).weekday() == weekday
    }
    return groups.filter(pk__in=ids)


def group_topics(groups: QuerySet[SupportGroup]) -> list[str]:
    """The distinct topics of these groups, sorted, for a filter."""
    return sorted(set(groups.order_by().values_list("topic", flat=True)))


def group_languages(groups: QuerySet[SupportGroup]) -> list[str]:
    """The distinct language codes of these groups, sorted, for a filter."""
    return sorted(set(groups.order_by().values_list("language", flat=True)))


def user_for_calendar_token(token: str) -> User | None:
    """The active account whose personal calendar feed `token` opens, or None. A token is
    URL-safe text of at most 64 characters; anything else (a NUL, which PostgreSQL cannot
    compare) finds nobody without a query."""
    if not 0 < len(token) <= 64 or "\x00" in token:
        return None
    return User.objects.filter(calendar_token=token, is_active=True).first()


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


def user_notices_recent(*, user, days: int = 30, limit: int = 10) -> QuerySet[Notice]:
    """What a user was told lately (cancelled, moved, seats, approvals), newest first."""
    since = timezone.now() - timedelta(days=days)
    return Notice.objects.filter(user=user, created_at__gte=since).select_related(
        "session", "session__group"
    )[:limit]


def schedule_recurrence(*, schedule: Schedule) -> Recurrence | None:
    """The validated recurrence a stored series was made from (None for a one-off)."""
    end = schedule.event.end_recurring_period
    until = end.astimezone(schedule.group.tz).date() if end else None
    return recurrence_from_rule(schedule.rule, until=until)


def schedule_preview(
    *,
    group: SupportGroup,
    start: datetime,
    recurrence: dict | Recurrence | None,
    limit: int = 6,
    now: datetime | None = None,
) -> list[datetime]:
    """The first `limit` session starts (UTC instants) a schedule would have, without saving.

    `start` is the naive wall-clock first start in the group's zone. Expands exactly as
    materialisation does (recurrence_parse, then rule_expand in the group's zone); raises the
    same ValidationError keyed ``start`` / ``recurrence.<field>`` as schedule_create.
    """
    now = now or timezone.now()
    tz = group.tz
    if not isinstance(recurrence, Recurrence):
        recurrence = recurrence_parse(recurrence, first_date=start.date())
    first = resolve_local(start, tz)
    if first <= now:
        raise ValidationError({"start": ["The first session must be in the future."]})
    rule = None
    if recurrence is not None:
        rule = Rule(frequency=FREQUENCIES[recurrence.frequency], params=recurrence.rule_params())
    until = until_instant(recurrence.until, tz) if recurrence and recurrence.until else None
    starts = rule_expand(
        rule=rule,
        first_local=start,
        tz=tz,
        until=until,
        window_start=first,
        window_end=first + timedelta(days=366 * 5),
    )
    return list(islice(starts, limit))


def sessions_visible(*, user) -> QuerySet[Session]:
    """Sessions of the groups this user may see (groups_visible): all for staff."""
    sessions = Session.objects.all()
    if user.is_authenticated and user.is_staff:
        return sessions
    if not user.is_authenticated:
        return sessions.filter(group__is_public=True)
    return sessions.filter(group__in=groups_visible(user=user))


# The personal feed's path, defined once: the URLconf (frontend/urls_calendar.py, included at
# the site root) routes it and calendar_feed_url builds links to it, so no face reverses another's.
CALENDAR_FEED_PATH = "me/calendar.ics"


def calendar_feed_url(*, user) -> str:
    """The secret address of `user`'s personal calendar feed, under PUBLIC_BASE_URL (the
    site's public address, as in SMS links), for the API and the account page alike."""
    return f"{settings.PUBLIC_BASE_URL}/{CALENDAR_FEED_PATH}?token={user.calendar_token}"
