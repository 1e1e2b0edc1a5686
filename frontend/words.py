"""Times and schedules in words, for every page: zone labels, clock times, weekday names and
the sentences that say when a group meets.

Two sentences are made from a schedule, for two readers: `schedule_in_words` for the public
pages ("Tuesdays at 7:00 PM Eastern", in the group's zone) and `recurrence_describe` for the
facilitator pages ("Every week on Tuesday at 7:00 PM", the rule as the form sets it). Both
take their weekday and "first/last" names from the tables here, as do the forms. SMS bodies
have no table: they abbreviate the day with Django's own date format ("D", folded into GSM-7,
in sms/bodies.py), which is not a page's concern.
"""

from __future__ import annotations

from datetime import date, datetime, time

from django.utils import dateformat
from django.utils.formats import date_format
from django.utils.text import capfirst, get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext

from frontend.zone_names import zone_city
from sessions_app.models import Schedule, SupportGroup
from sessions_app.recurrence import WEEKDAYS, Recurrence, recurrence_from_rule
from sessions_app.selectors import schedules_active

# Everyday names for the zones most groups meet in; others are named after their city.
_ZONE_LABELS = {
    "America/New_York": gettext_lazy("Eastern"),
    "America/Detroit": gettext_lazy("Eastern"),
    "America/Toronto": gettext_lazy("Eastern"),
    "America/Indiana/Indianapolis": gettext_lazy("Eastern"),
    "America/Chicago": gettext_lazy("Central"),
    "America/Winnipeg": gettext_lazy("Central"),
    "America/Denver": gettext_lazy("Mountain"),
    "America/Edmonton": gettext_lazy("Mountain"),
    "America/Boise": gettext_lazy("Mountain"),
    "America/Phoenix": gettext_lazy("Arizona"),
    "America/Los_Angeles": gettext_lazy("Pacific"),
    "America/Vancouver": gettext_lazy("Pacific"),
    "America/Anchorage": gettext_lazy("Alaska"),
    "Pacific/Honolulu": gettext_lazy("Hawaii"),
    # Where Spanish speakers live: named as they say it ("hora del centro de México"), not
    # "<city> time" with the English spelling of the city.
    "America/Mexico_City": gettext_lazy("Mexico City time"),
    "America/Monterrey": gettext_lazy("Mexico City time"),
    "America/Merida": gettext_lazy("Mexico City time"),
    "America/Cancun": gettext_lazy("Cancún time"),
    "America/Tijuana": gettext_lazy("Pacific"),
    "America/Bogota": gettext_lazy("Colombia time"),
    "America/Lima": gettext_lazy("Peru time"),
    "America/Guayaquil": gettext_lazy("Ecuador time"),
    "America/Caracas": gettext_lazy("Venezuela time"),
    "America/Santiago": gettext_lazy("Chile time"),
    "America/Argentina/Buenos_Aires": gettext_lazy("Buenos Aires time"),
    "America/Montevideo": gettext_lazy("Uruguay time"),
    "America/Asuncion": gettext_lazy("Paraguay time"),
    "America/La_Paz": gettext_lazy("Bolivia time"),
    "America/Guatemala": gettext_lazy("Central America time"),
    "America/El_Salvador": gettext_lazy("Central America time"),
    "America/Tegucigalpa": gettext_lazy("Central America time"),
    "America/Managua": gettext_lazy("Central America time"),
    "America/Costa_Rica": gettext_lazy("Central America time"),
    "America/Panama": gettext_lazy("Panama time"),
    "America/Havana": gettext_lazy("Cuba time"),
    "America/Santo_Domingo": gettext_lazy("Dominican Republic time"),
    "America/Puerto_Rico": gettext_lazy("Puerto Rico time"),
    "Atlantic/Canary": gettext_lazy("Canary Islands time"),
    "Europe/London": gettext_lazy("UK time"),
    "Europe/Dublin": gettext_lazy("Irish time"),
    "Europe/Lisbon": gettext_lazy("Portugal time"),
    "Europe/Berlin": gettext_lazy("Central European"),
    "Europe/Paris": gettext_lazy("Central European"),
    "Europe/Madrid": gettext_lazy("Central European"),
    "Europe/Rome": gettext_lazy("Central European"),
    "Europe/Amsterdam": gettext_lazy("Central European"),
    "Europe/Brussels": gettext_lazy("Central European"),
    "Europe/Vienna": gettext_lazy("Central European"),
    "Europe/Zurich": gettext_lazy("Central European"),
    "Europe/Stockholm": gettext_lazy("Central European"),
    "Europe/Oslo": gettext_lazy("Central European"),
    "Europe/Copenhagen": gettext_lazy("Central European"),
    "Europe/Warsaw": gettext_lazy("Central European"),
    "Europe/Prague": gettext_lazy("Central European"),
    "UTC": gettext_lazy("UTC"),
}

# The weekday names of every page (forms, filters and sentences), by recurrence code.
WEEKDAY_NAMES = {
    "MO": gettext_lazy("Monday"),
    "TU": gettext_lazy("Tuesday"),
    "WE": gettext_lazy("Wednesday"),
    "TH": gettext_lazy("Thursday"),
    "FR": gettext_lazy("Friday"),
    "SA": gettext_lazy("Saturday"),
    "SU": gettext_lazy("Sunday"),
}
WEEKDAY_PLURALS = {
    "MO": gettext_lazy("Mondays"),
    "TU": gettext_lazy("Tuesdays"),
    "WE": gettext_lazy("Wednesdays"),
    "TH": gettext_lazy("Thursdays"),
    "FR": gettext_lazy("Fridays"),
    "SA": gettext_lazy("Saturdays"),
    "SU": gettext_lazy("Sundays"),
}
# "The Nth weekday of the month", by bysetpos.
SETPOS_NAMES = {
    1: gettext_lazy("first"),
    2: gettext_lazy("second"),
    3: gettext_lazy("third"),
    4: gettext_lazy("fourth"),
    5: gettext_lazy("fifth"),
    -1: gettext_lazy("last"),
}


def timezone_label(name: str) -> str:
    """A zone as people say it: "Eastern", "UK time", else "<city> time" with the city in the
    reader's language ("Tokyo time", "hora de Tokio")."""
    if name in _ZONE_LABELS:
        return str(_ZONE_LABELS[name])
    return _("%(city)s time") % {"city": zone_city(name)}


# The topics Hearth's groups use most, in the reader's language; any other topic is shown as
# written.
TOPIC_LABELS = {
    "grief": gettext_lazy("Grief"),
    "caregiving": gettext_lazy("Caregiving"),
    "anxiety": gettext_lazy("Anxiety"),
    "depression": gettext_lazy("Depression"),
    "recovery": gettext_lazy("Recovery"),
    "addiction": gettext_lazy("Addiction"),
    "parenting": gettext_lazy("Parenting"),
    "chronic illness": gettext_lazy("Chronic illness"),
    "cancer": gettext_lazy("Cancer"),
    "loss": gettext_lazy("Loss"),
    "trauma": gettext_lazy("Trauma"),
    "lgbtq": gettext_lazy("LGBTQ+"),
}


def topic_label(topic: str) -> str:
    """A group's topic as the reader says it ("Duelo" for "grief"); else as written."""
    label = TOPIC_LABELS.get((topic or "").strip().lower())
    return str(label) if label is not None else capfirst(topic or "")


def clock_time(value: time | datetime) -> str:
    """A wall-clock time in the active language's style ("7:00 PM", "19:00" in Spanish)."""
    return dateformat.format(value, pgettext("clock time format", "g:i A"))


def _join_words(words: list[str]) -> str:
    if len(words) == 1:
        return words[0]
    return _("%(first)s and %(last)s") % {"first": ", ".join(words[:-1]), "last": words[-1]}


# --- public pages: when a group meets -----------------------------------------------------------


def schedule_in_words(*, schedule: Schedule) -> str:
    """A series as a sentence in the group's zone: "Tuesdays at 7:00 PM Eastern",
    "The first Monday of each month at 10:00 AM Central", "Every other Thursday at …"."""
    tz = schedule.group.tz
    at = {"time": clock_time(schedule.start_time), "zone": timezone_label(schedule.group.timezone)}
    until_instant = schedule.event.end_recurring_period
    recurrence = recurrence_from_rule(
        schedule.rule, until=until_instant.astimezone(tz).date() if until_instant else None
    )
    if recurrence is None:
        day = dateformat.format(schedule.first_date, pgettext("long date format", "l j F Y"))
        return _("Once, on %(day)s at %(time)s %(zone)s") % {"day": day, **at}

    days = list(recurrence.byweekday)
    interval = recurrence.interval
    if recurrence.frequency == "monthly":
        if recurrence.bysetpos is not None and days:
            which = {"nth": SETPOS_NAMES[recurrence.bysetpos], "day": WEEKDAY_NAMES[days[0]]}
            if interval == 1:
                text = _("The %(nth)s %(day)s of each month") % which
            else:
                text = _("The %(nth)s %(day)s of every %(n)s months") % {**which, "n": interval}
        else:
            nth = schedule.first_date.day
            if interval == 1:
                text = _("Monthly on day %(n)s") % {"n": nth}
            else:
                text = _("Every %(months)s months on day %(n)s") % {"months": interval, "n": nth}
    else:
        if recurrence.frequency == "daily" and not days:
            days = list(WEEKDAYS)
        if recurrence.frequency == "weekly" and not days:
            days = [WEEKDAYS[schedule.first_date.weekday()]]
        if days == list(WEEKDAYS):
            plural = str(_("Every day"))
        elif days == list(WEEKDAYS[:5]):
            plural = str(_("Weekdays"))
        else:
            plural = _join_words([str(WEEKDAY_PLURALS[d]) for d in days])
        singular = _join_words([str(WEEKDAY_NAMES[d]) for d in days])
        if interval == 1:
            text = plural
        elif recurrence.frequency == "weekly" and interval == 2 and len(days) == 1:
            text = _("Every other %(day)s") % {"day": singular}
        elif recurrence.frequency == "weekly" and interval == 2:
            text = _("Every other week on %(days)s") % {"days": singular}
        elif recurrence.frequency == "weekly":
            text = _("Every %(n)s weeks on %(days)s") % {"n": interval, "days": singular}
        else:
            text = _("Every %(n)s days") % {"n": interval}
    text = _("%(when)s at %(time)s %(zone)s") % {"when": text, **at}
    if recurrence.until:
        until = dateformat.format(recurrence.until, pgettext("long date format", "l j F Y"))
        text = _("%(schedule)s, until %(day)s") % {"schedule": text, "day": until}
    return capfirst(text)


def group_schedule_in_words(*, group: SupportGroup, now: datetime | None = None) -> list[str]:
    """Each active series of a group as a sentence (see schedule_in_words)."""
    return [schedule_in_words(schedule=s) for s in schedules_active(group=group, now=now)]


# --- facilitator pages: a recurrence as the schedule form sets it -------------------------------

UNITS = {
    "daily": lambda n: ngettext("day", "%(n)d days", n) % {"n": n},
    "weekly": lambda n: ngettext("week", "%(n)d weeks", n) % {"n": n},
    "monthly": lambda n: ngettext("month", "%(n)d months", n) % {"n": n},
}


def _day(on: date, today: date | None = None) -> str:
    if today is None or on.year == today.year:
        return date_format(on, pgettext("month and day format", "F j"))
    return date_format(on, pgettext("month, day and year format", "F j, Y"))


def recurrence_describe(
    recurrence: Recurrence | None, *, first_date: date, start_time: time, today: date | None = None
) -> str:
    """A schedule as one sentence a person would say: "Every 2 weeks on Tuesday at 7:00 PM,
    until June 30"."""
    if recurrence is None:
        return _("Once, on %(day)s at %(time)s") % {
            "day": date_format(first_date, pgettext("full date format", "l, F j, Y")),
            "time": clock_time(start_time),
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
    sentence = " ".join(parts) + " " + _("at %(time)s") % {"time": clock_time(start_time)}
    if recurrence.until:
        sentence += ", " + _("until %(day)s") % {"day": _day(recurrence.until, today)}
    elif recurrence.count:
        sentence += ", " + ngettext(
            "%(n)d session in all", "%(n)d sessions in all", recurrence.count
        ) % {"n": recurrence.count}
    return sentence


_CHANNEL_WORDS = {"sms": gettext_lazy("text"), "email": gettext_lazy("email")}
_REACH_CATEGORIES = [
    ("reminders", gettext_lazy("Reminders")),
    ("changes", gettext_lazy("Changes")),
    ("waitlist", gettext_lazy("Waitlist")),
]


def reach_in_words(reach: dict[str, list[str]]) -> str:
    """How a member hears from the group, for a roster: "Reminders: text · Changes: text,
    email · Waitlist: site only". Channel names only, never an address."""
    parts = []
    for category, label in _REACH_CATEGORIES:
        channels = reach.get(category, [])
        said = ", ".join(str(_CHANNEL_WORDS[c]) for c in channels) or _("site only")
        parts.append(f"{label}: {said}")
    return " · ".join(parts)
