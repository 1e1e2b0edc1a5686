"""When a text or an email may go out: the recipient-local send window and reminder send times.

The window (SMS_SEND_WINDOW, default 09:00-20:00) is read in the recipient's zone. A reminder
whose nominal time (start minus offset) falls outside it is skipped when the offset is under
12 hours; longer ones move to the nearest allowed time that is still at least 12 hours before
the start: the window's opening (09:00) or its last quarter hour (19:45), so that a sweep
running a minute late still lands inside the window.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.conf import settings

MIN_LEAD_FOR_MOVE = timedelta(hours=12)
LAST_SLOT_BEFORE_CLOSE = timedelta(minutes=15)
EXPIRY_BEFORE_START = timedelta(minutes=15)


@dataclass(frozen=True)
class Window:
    opens: time
    closes: time

    def contains(self, local: datetime) -> bool:
        return self.opens <= local.time().replace(tzinfo=None) < self.closes


@lru_cache(maxsize=8)
def _parse_window(text: str) -> Window:
    start, _, end = text.partition("-")
    opens, closes = time.fromisoformat(start.strip()), time.fromisoformat(end.strip())
    if not opens < closes:
        raise ValueError(f"SMS_SEND_WINDOW must be HH:MM-HH:MM with start < end, not {text!r}")
    return Window(opens, closes)


def send_window() -> Window:
    return _parse_window(settings.SMS_SEND_WINDOW)


def _at(day: date, clock: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, clock, tzinfo=tz)


def in_window(moment: datetime, tz: ZoneInfo, window: Window | None = None) -> bool:
    """True if `moment` is inside the send window in zone `tz`."""
    return (window or send_window()).contains(moment.astimezone(tz))


def next_window_open(moment: datetime, tz: ZoneInfo, window: Window | None = None) -> datetime:
    """`moment` itself if inside the window, else the next opening."""
    window = window or send_window()
    local = moment.astimezone(tz)
    if window.contains(local):
        return moment
    day = local.date() if local.time() < window.opens else local.date() + timedelta(days=1)
    return _at(day, window.opens, tz)


def reminder_send_time(
    *, start: datetime, offset: timedelta, tz: ZoneInfo, window: Window | None = None
) -> datetime | None:
    """When the reminder `offset` before `start` goes out for a recipient in `tz`, or None."""
    window = window or send_window()
    nominal = start - offset
    local = nominal.astimezone(tz)
    if window.contains(local):
        return nominal
    if offset < MIN_LEAD_FOR_MOVE:
        return None
    latest = start - MIN_LEAD_FOR_MOVE
    last_slot = (datetime.combine(date.min, window.closes) - LAST_SLOT_BEFORE_CLOSE).time()
    day = local.date() if local.time() >= window.closes else local.date() - timedelta(days=1)
    earlier = _at(day, last_slot, tz)
    day = local.date() if local.time() < window.opens else local.date() + timedelta(days=1)
    later = _at(day, window.opens, tz)
    candidates = [c for c in (earlier, later) if c <= latest]
    if not candidates:
        return None
    # Nearest to the nominal time; on a tie the earlier one.
    return min(candidates, key=lambda c: (abs((c - nominal).total_seconds()), c))


def expires_for(start: datetime) -> datetime:
    """A text about a session is worthless (and is not sent) 15 minutes before it starts."""
    return start - EXPIRY_BEFORE_START
