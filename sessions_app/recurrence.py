"""Recurrence: validate what a person asks for, write it as a django-scheduler Rule, expand it.

django-scheduler's Rule keeps its parameters as text and silently drops what it cannot parse
(``byweekday:MO(+1)`` turned a monthly rule into a daily one), so every rule is written here
from validated input, with weekday names only, and read back through the library's own parser
before it is saved: what the library would see is exactly what was asked for, or the input is
refused with the field named.

Expansion happens in the group's time zone on naive wall-clock times, then each local time is
resolved with ``fold=0``, which is RFC 5545 3.3.5: a time in the spring-forward gap takes the
offset before the gap (02:30 becomes 03:30 daylight time) and a repeated fall-back time is the
first of the two.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from dateutil import rrule
from django.core.exceptions import ValidationError
from schedule.models import Rule

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
FREQUENCIES = {"daily": "DAILY", "weekly": "WEEKLY", "monthly": "MONTHLY"}
MAX_INTERVAL = 52
MAX_COUNT = 1000
_FIELDS = {"frequency", "interval", "byweekday", "bysetpos", "until", "count"}


@dataclass(frozen=True)
class Recurrence:
    """A validated recurrence, in the shape of the API's `recurrence` object."""

    frequency: str
    interval: int = 1
    byweekday: tuple[str, ...] = field(default_factory=tuple)
    bysetpos: int | None = None
    until: date | None = None
    count: int | None = None

    def as_dict(self) -> dict:
        return {
            "frequency": self.frequency,
            "interval": self.interval,
            "byweekday": list(self.byweekday),
            "bysetpos": self.bysetpos,
            "until": self.until.isoformat() if self.until else None,
            "count": self.count,
        }

    def rule_params(self) -> str:
        """The Rule.params text for this recurrence (until is kept on the Event)."""
        parts = []
        if self.interval != 1:
            parts.append(f"interval:{self.interval}")
        if self.byweekday:
            parts.append("byweekday:" + ",".join(self.byweekday))
        if self.bysetpos is not None:
            parts.append(f"bysetpos:{self.bysetpos}")
        if self.count is not None:
            parts.append(f"count:{self.count}")
        return ";".join(parts)

    def expected_params(self) -> dict:
        """What django-scheduler's parser must give back for rule_params()."""
        expected: dict = {}
        if self.interval != 1:
            expected["interval"] = self.interval
        if self.byweekday:
            days = [Rule._week_days[d] for d in self.byweekday]
            expected["byweekday"] = days[0] if len(days) == 1 else days
        if self.bysetpos is not None:
            expected["bysetpos"] = self.bysetpos
        if self.count is not None:
            expected["count"] = self.count
        return expected


def _int(value, name: str, errors: dict, *, low: int, high: int) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        errors[name] = [f"Must be a whole number from {low} to {high}."]
        return None
    if not low <= value <= high:
        errors[name] = [f"Must be from {low} to {high}."]
        return None
    return value


def recurrence_parse(data: Mapping | None, *, first_date: date | None = None) -> Recurrence | None:
    """Validate a recurrence object; None means a one-off session.

    Raises ValidationError keyed ``recurrence.<field>`` for anything a Rule cannot express.
    """
    if data is None:
        return None
    if not isinstance(data, Mapping):
        raise ValidationError({"recurrence": ["Must be an object or null."]})
    errors: dict[str, list[str]] = {}
    unknown = sorted(set(data) - _FIELDS)
    if unknown:
        errors["recurrence"] = [f"Unknown field(s): {', '.join(map(str, unknown))}."]

    frequency = data.get("frequency")
    if frequency not in FREQUENCIES:
        errors["recurrence.frequency"] = [f"Must be one of: {', '.join(FREQUENCIES)}."]

    interval = _int(
        data.get("interval", 1), "recurrence.interval", errors, low=1, high=MAX_INTERVAL
    )
    count = _int(data.get("count"), "recurrence.count", errors, low=1, high=MAX_COUNT)

    bysetpos = data.get("bysetpos")
    if bysetpos is not None:
        if isinstance(bysetpos, bool) or bysetpos not in (1, 2, 3, 4, 5, -1):
            errors["recurrence.bysetpos"] = ["Must be 1 to 5 (the Nth weekday) or -1 (the last)."]
            bysetpos = None
        elif frequency != "monthly":
            errors["recurrence.bysetpos"] = ["Only a monthly rule can pick the Nth weekday."]

    raw_days = data.get("byweekday") or []
    byweekday: tuple[str, ...] = ()
    if not isinstance(raw_days, list | tuple) or not all(isinstance(d, str) for d in raw_days):
        errors["recurrence.byweekday"] = [
            "Must be a list of weekday names: MO, TU, WE, TH, FR, SA, SU."
        ]
    else:
        days = [d.strip().upper() for d in raw_days]
        bad = [d for d in days if d not in WEEKDAYS]
        if bad:
            errors["recurrence.byweekday"] = [
                f"Unknown weekday(s) {', '.join(bad)}: use MO, TU, WE, TH, FR, SA, SU."
            ]
        elif len(set(days)) != len(days):
            errors["recurrence.byweekday"] = ["A weekday is listed twice."]
        else:
            byweekday = tuple(sorted(days, key=WEEKDAYS.index))
    if bysetpos is not None and len(byweekday) != 1 and "recurrence.byweekday" not in errors:
        errors["recurrence.byweekday"] = [
            '“The Nth weekday of the month” needs exactly one weekday, e.g. ["MO"].'
        ]

    until = data.get("until")
    if until is not None:
        if isinstance(until, str):
            try:
                until = date.fromisoformat(until)
            except ValueError:
                errors["recurrence.until"] = ["Must be a date, YYYY-MM-DD."]
                until = None
        elif isinstance(until, datetime) or not isinstance(until, date):
            errors["recurrence.until"] = ["Must be a date, YYYY-MM-DD."]
            until = None
        if until is not None and first_date is not None and until < first_date:
            errors["recurrence.until"] = ["Must not be before the first session."]
    if until is not None and count is not None:
        errors["recurrence.count"] = ["Give either an end date (until) or a count, not both."]

    if errors:
        raise ValidationError(errors)
    recurrence = Recurrence(
        frequency=frequency,
        interval=interval or 1,
        byweekday=byweekday,
        bysetpos=bysetpos,
        until=until,
        count=count,
    )
    _check_round_trip(recurrence)
    return recurrence


def _check_round_trip(recurrence: Recurrence) -> None:
    """Refuse a rule whose text django-scheduler would read differently."""
    rule = Rule(frequency=FREQUENCIES[recurrence.frequency], params=recurrence.rule_params())
    if rule.get_params() != recurrence.expected_params():
        raise ValidationError({"recurrence": ["This repeat pattern cannot be stored as a rule."]})


def recurrence_from_rule(rule: Rule | None, *, until: date | None) -> Recurrence | None:
    """Read a stored Rule back into a Recurrence (for display and the API)."""
    if rule is None:
        return None
    params = rule.get_params()
    days = params.get("byweekday")
    if days is not None and not isinstance(days, list):
        days = [days]
    names = tuple(WEEKDAYS[d.weekday] for d in days or [])
    frequency = {v: k for k, v in FREQUENCIES.items()}[rule.frequency]
    return Recurrence(
        frequency=frequency,
        interval=params.get("interval", 1),
        byweekday=names,
        bysetpos=params.get("bysetpos"),
        until=until,
        count=params.get("count"),
    )


def resolve_local(naive: datetime, tz: ZoneInfo) -> datetime:
    """A wall-clock time in `tz` as a UTC instant, per RFC 5545 3.3.5 (fold=0)."""
    return naive.replace(tzinfo=tz, fold=0).astimezone(UTC)


def local_until(until_instant: datetime | None, tz: ZoneInfo) -> datetime | None:
    """The series end instant as naive wall-clock time in `tz`, for dateutil."""
    if until_instant is None:
        return None
    return until_instant.astimezone(tz).replace(tzinfo=None)


def until_instant(until: date, tz: ZoneInfo) -> datetime:
    """An inclusive end date: the series may have sessions up to the end of that local day."""
    return resolve_local(datetime.combine(until, time(23, 59, 59)), tz)


def rule_expand(
    *,
    rule: Rule | None,
    first_local: datetime,
    tz: ZoneInfo,
    until: datetime | None,
    window_start: datetime,
    window_end: datetime,
) -> Iterator[datetime]:
    """UTC start instants of a series that fall in [window_start, window_end).

    `first_local` is the naive wall-clock start; `until` an aware instant (inclusive).
    """
    if rule is None:
        start = resolve_local(first_local, tz)
        if window_start <= start < window_end and (until is None or start <= until):
            yield start
        return
    params = rule.get_params()
    series = rrule.rrule(
        rule.rrule_frequency(), dtstart=first_local, until=local_until(until, tz), **params
    )
    # Search a slightly wider local window: local and UTC differ by at most a day.
    lo = window_start.astimezone(tz).replace(tzinfo=None)
    hi = window_end.astimezone(tz).replace(tzinfo=None)
    for local in series.between(lo.replace(hour=0, minute=0), hi, inc=True):
        start = resolve_local(local, tz)
        if window_start <= start < window_end:
            yield start
