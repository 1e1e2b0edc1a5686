"""Times on pages: in the viewer's zone, labelled the way people say it."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django import template
from django.utils import dateformat
from django.utils.translation import get_language_info, pgettext
from django.utils.translation import gettext as _

from frontend.words import clock_time, timezone_label
from frontend.words import topic_label as _topic_label
from frontend.zone_names import zone_place as _zone_place

register = template.Library()


@register.simple_tag
def when(moment: datetime, tzname: str, style: str = "short") -> str:
    """'Tue 1 Dec, 7:00 PM Eastern' (style="long": 'Tuesday 1 December 2026, …')."""
    local = moment.astimezone(ZoneInfo(tzname))
    if style == "long":
        day = dateformat.format(local, pgettext("long date format", "l j F Y"))
    else:
        day = dateformat.format(local, pgettext("short date format", "D j M"))
    return _("%(day)s, %(time)s %(zone)s") % {
        "day": day,
        "time": clock_time(local),
        "zone": timezone_label(tzname),
    }


@register.simple_tag
def span(start: datetime, end: datetime, tzname: str) -> str:
    """'Tuesday 1 December 2026, 7:00 PM – 8:30 PM Eastern'."""
    tz = ZoneInfo(tzname)
    local_start, local_end = start.astimezone(tz), end.astimezone(tz)
    day = dateformat.format(local_start, pgettext("long date format", "l j F Y"))
    return _("%(day)s, %(start)s – %(end)s %(zone)s") % {
        "day": day,
        "start": clock_time(local_start),
        "end": clock_time(local_end),
        "zone": timezone_label(tzname),
    }


@register.filter
def zone_label(tzname: str) -> str:
    return timezone_label(tzname)


@register.filter
def zone_place(tzname: str) -> str:
    """Where a zone's clock is, in the page's language ("Ciudad de México, México")."""
    return _zone_place(tzname)


@register.filter
def zone_in_words(tzname: str) -> str:
    """A zone as people say it and where its clock is: "Central (Chicago, United States)"."""
    place = _zone_place(tzname)
    label = timezone_label(tzname)
    return label if place == label else f"{label} ({place})"


@register.filter
def language_label(code: str) -> str:
    """'English', 'Español' in the page's language; the code itself if Django does not know it."""
    try:
        return get_language_info(code)["name_translated"]
    except KeyError:
        return code


@register.filter
def topic_label(topic: str) -> str:
    """A group's topic in the page's language ("Duelo"), or as written if unknown."""
    return _topic_label(topic)
