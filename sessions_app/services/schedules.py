"""Writes about schedules (series) and the sessions materialised from them."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from schedule.models import Calendar, Event, Rule

from sessions_app.models import (
    RSVP,
    Schedule,
    Session,
    SupportGroup,
    User,
)
from sessions_app.recurrence import (
    FREQUENCIES,
    Recurrence,
    recurrence_parse,
    resolve_local,
    rule_expand,
    until_instant,
)
from sessions_app.services.sessions import MAX_DURATION_MINUTES, session_cancel

HEARTH_CALENDAR_SLUG = "hearth"


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
        tz = series.group.tz
        rows = [
            Session(
                group_id=series.group_id,
                schedule=series,
                event_id=series.event_id,
                original_start=start,
                start=start,
                end=start + series.duration,
                weekday=Session.weekday_of(start, tz),
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
