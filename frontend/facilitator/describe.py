"""Recurrences in words: "Every 2 weeks on Tuesday at 7:00 PM, until June 30"."""

from __future__ import annotations

from datetime import date, time

from django.utils.formats import date_format, time_format
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from frontend.facilitator.forms import SETPOS_NAMES, WEEKDAY_NAMES
from sessions_app.recurrence import Recurrence

UNITS = {
    "daily": lambda n: ngettext("day", "%(n)d days", n) % {"n": n},
    "weekly": lambda n: ngettext("week", "%(n)d weeks", n) % {"n": n},
    "monthly": lambda n: ngettext("month", "%(n)d months", n) % {"n": n},
}


def _clock(at: time) -> str:
    return time_format(at, pgettext("clock time format", "g:i A"))


def _day(on: date, today: date | None = None) -> str:
    if today is None or on.year == today.year:
        return date_format(on, pgettext("month and day format", "F j"))
    return date_format(on, pgettext("month, day and year format", "F j, Y"))


def recurrence_describe(
    recurrence: Recurrence | None, *, first_date: date, start_time: time, today: date | None = None
) -> str:
    """A schedule as one sentence a person would say."""
    if recurrence is None:
        return _("Once, on %(day)s at %(time)s") % {
            "day": date_format(first_date, pgettext("full date format", "l, F j, Y")),
            "time": _clock(start_time),
        }
    parts = [_("Every %(unit)s") % {"unit": UNITS[recurrence.frequency](recurrence.interval)}]
    if recurrence.bysetpos is not None and recurrence.byweekday:
        parts.append(
            _("on the %(nth)s %(day)s")
            % {
                "nth": SETPOS_NAMES[recurrence.bysetpos],
                "day": WEEKDAY_NAMES[recurrence.byweekday[0]],
            }
        )
    elif recurrence.byweekday:
        days = [str(WEEKDAY_NAMES[d]) for d in recurrence.byweekday]
        parts.append(_("on %(days)s") % {"days": get_text_list(days, _("and"))})
    elif recurrence.frequency == "monthly":
        parts.append(_("on day %(n)d") % {"n": first_date.day})
    sentence = " ".join(parts) + " " + _("at %(time)s") % {"time": _clock(start_time)}
    if recurrence.until:
        sentence += ", " + _("until %(day)s") % {"day": _day(recurrence.until, today)}
    elif recurrence.count:
        sentence += ", " + ngettext(
            "%(n)d session in all", "%(n)d sessions in all", recurrence.count
        ) % {"n": recurrence.count}
    return sentence
