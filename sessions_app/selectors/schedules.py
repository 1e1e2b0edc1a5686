"""Reads about schedules: the active series of a group, its recurrence, a preview."""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import islice

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone
from schedule.models import Rule

from sessions_app.models import (
    Schedule,
    SupportGroup,
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
