"""VTIMEZONE components that every calendar reader gets right.

icalendar's own `add_missing_timezones` writes each zone as one DAYLIGHT and one STANDARD
component whose later changes are a comma-separated RDATE list. Mozilla's ical.js and Python's
vobject (through dateutil) read only the first date of such a list, so every session after the
second March change came out an hour late in them. It also starts DAYLIGHT at the new wall time
(03:00) where RFC 5545 wants the local time before the change (02:00).

Here each change of offset in the years a feed covers is its own STANDARD or DAYLIGHT
component: its DTSTART is the local time before the change (RFC 5545, 3.6.5), TZOFFSETFROM and
TZOFFSETTO the offsets either side, and nothing to expand. A first STANDARD (or DAYLIGHT)
component gives the offset in force when the range starts. A zone without changes in the range
(Asia/Tokyo) is that one component. The changes come from zoneinfo, the same data the pages use.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard

_DAY = timedelta(days=1)
_SECOND = timedelta(seconds=1)


def _state(tz: ZoneInfo, instant: datetime) -> tuple[timedelta, timedelta, str]:
    local = instant.astimezone(tz)
    return local.utcoffset() or timedelta(0), local.dst() or timedelta(0), local.tzname() or ""


def transitions(tz: ZoneInfo, start: datetime, end: datetime) -> list[datetime]:
    """The UTC instants in [start, end) at which the zone's offset, DST flag or name changes.

    Steps a day at a time and narrows each change down to the second (no zone changes twice
    within a day).
    """
    found = []
    instant, state = start, _state(tz, start)
    while instant < end:
        following = instant + _DAY
        next_state = _state(tz, following)
        if next_state != state:
            low, high = instant, following  # state at low, next_state at high
            while high - low > _SECOND:
                middle = low + (high - low) / 2
                middle = middle.replace(microsecond=0)
                if middle <= low:
                    break
                if _state(tz, middle) == state:
                    low = middle
                else:
                    high = middle
            found.append(high)
        instant, state = following, next_state
    return found


def _component(
    *, onset_local: datetime, offset_from: timedelta, offset_to: timedelta, dst: bool, name: str
):
    component = TimezoneDaylight() if dst else TimezoneStandard()
    component.add("dtstart", onset_local.replace(tzinfo=None))
    component.add("tzoffsetfrom", offset_from)
    component.add("tzoffsetto", offset_to)
    if name:
        component.add("tzname", name)
    return component


def vtimezone(tzid: str, first: date, last: date) -> Timezone:
    """A VTIMEZONE for `tzid` valid for every instant from `first` to `last` (dates, inclusive)."""
    tz = ZoneInfo(tzid)
    start = datetime(first.year, first.month, first.day, tzinfo=tz).astimezone(UTC)
    end = (datetime(last.year, last.month, last.day, tzinfo=tz) + _DAY).astimezone(UTC)
    zone = Timezone()
    zone.add("tzid", tzid)
    offset, dst, name = _state(tz, start)
    zone.add_component(
        _component(
            onset_local=start.astimezone(tz),
            offset_from=offset,
            offset_to=offset,
            dst=dst > timedelta(0),
            name=name,
        )
    )
    for change in transitions(tz, start, end):
        new_offset, new_dst, new_name = _state(tz, change)
        zone.add_component(
            _component(
                # The wall-clock time just before the change, in the offset then in force.
                onset_local=(change + offset).replace(tzinfo=None),
                offset_from=offset,
                offset_to=new_offset,
                dst=new_dst > timedelta(0),
                name=new_name,
            )
        )
        offset = new_offset
    return zone
