"""Text bodies: plain GSM-7, at most 160 characters, naming the group and the local time,
never the topic (lock screens are public).

Every text is marked for translation. A body is written in `language` (default: the site's
LANGUAGE_CODE, never the language of whoever's request happened to cause the text), so the
English output does not depend on the page a change was made from.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import dateformat, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, pgettext

MAX_LEN = 160

# The GSM 03.38 basic character set (the extension table is left out on purpose: its
# characters cost two septets each and some handsets show them badly).
GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_REPLACEMENTS = {"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "…": "..."}

HELP_TEXT = gettext_noop(
    "Hearth: texts about your support group sessions. Reply Y to confirm, N to cancel, "
    "LATE, HERE. Msg & data rates may apply. Reply STOP to opt out."
)
UNKNOWN_TEXT = gettext_noop(
    "Hearth: sorry, we did not understand. Reply Y, N, LATE, HERE, HELP or STOP."
)
STOP_TEXT = gettext_noop("Hearth: you will get no more texts from us. Reply START to opt back in.")
START_TEXT = gettext_noop("Hearth: texts are back on. Reply HELP for help, STOP to opt out.")
UNKNOWN_NUMBER_TEXT = gettext_noop(
    "Hearth: we do not know this number. Add it to your Hearth profile to get reminders."
)
NO_SESSION_TEXT = gettext_noop(
    "Hearth: you have no upcoming session we reminded you of. Reply HELP for help."
)
NOT_IN_SESSION_TEXT = gettext_noop("Hearth: there is no session under way for you right now.")
# What a reply about one session says after "Hearth: <group>, <when>: " (see `reply`).
REPLY_TEXTS = {
    "seat_claimed": gettext_noop("the seat is yours."),
    "confirmed": gettext_noop("you are confirmed."),
    "going": gettext_noop("you are going."),
    "waitlisted": gettext_noop("you are number %(position)s on the waitlist."),
    "no_rsvp": gettext_noop("you had no place."),
    "cancelled_rsvp": gettext_noop("your place is cancelled. Thanks for telling us."),
    "late_told": gettext_noop("thanks, we told the facilitators you are running late."),
    "attended": gettext_noop("thanks, you are marked as here."),
}


def to_gsm7(text: str) -> str:
    """Replace what GSM-7 cannot carry: accents folded where possible, else '?'."""
    out = []
    for char in text:
        char = _REPLACEMENTS.get(char, char)
        if all(c in GSM7 for c in char):
            out.append(char)
            continue
        folded = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode()
        out.append(folded if folded and all(c in GSM7 for c in folded) else "?")
    return "".join(out)


def is_gsm7(text: str) -> bool:
    return all(c in GSM7 for c in text)


def fit(*, before: str, name: str, after: str) -> str:
    """`before + name + after` in GSM-7, shortening `name` (never the rest) to 160 chars."""
    before, name, after = to_gsm7(before), to_gsm7(" ".join(name.split())), to_gsm7(after)
    room = MAX_LEN - len(before) - len(after)
    if len(name) > room:
        name = name[: max(room - 3, 1)].rstrip() + "..."
    return (before + name + after)[:MAX_LEN]


def in_language(language: str | None = None):
    """The language a text is written in: `language`, else the site's default."""
    return translation.override(language or settings.LANGUAGE_CODE)


def translated(text: str, language: str | None = None) -> str:
    """One of the fixed texts above (HELP_TEXT, STOP_TEXT…) in `language`, in GSM-7."""
    with in_language(language):
        return to_gsm7(_(text))[:MAX_LEN]


def _fit_template(template: str, name: str, **values) -> str:
    """Fill a translated "…%(group)s…" template, shortening only the group's name."""
    before, after = template.split("%(group)s", 1)
    return fit(before=before % values, name=name, after=after % values)


def local_label(moment: datetime, tz: ZoneInfo) -> str:
    """'Tue 03 Nov 09:30 PST': the recipient's wall clock, with the zone's abbreviation."""
    local = moment.astimezone(tz)
    return f"{dateformat.format(local, pgettext('SMS date', 'D d M H:i'))} {local.tzname()}"


# A reminder with a one-tap link keeps at least this much of the group's name; when the site's
# address leaves less (or is not GSM-7), the text says why it carries no link.
LINK_MIN_NAME_CHARS = 12


def _link_templates(language: str | None) -> tuple[str, str]:
    """The reminder with a link, and the one that says it has none, in `language`."""
    with in_language(language):
        return (
            _("Hearth: %(group)s meets %(when)s. Reply Y/N, STOP to opt out. %(link)s"),
            _(
                "Hearth: %(group)s meets %(when)s. Reply Y/N, STOP to opt out. "
                "(No link: it would not fit in one text.)"
            ),
        )


def _fits(template: str, link: str) -> bool:
    before, after = template.split("%(group)s", 1)
    # The longest time label: "Wed 30 Sep 23:30 GMT+05:30" style zones are at most ~26.
    fixed = len(to_gsm7(before)) + len(to_gsm7(after % {"when": "x" * 26, "link": link}))
    return is_gsm7(link) and MAX_LEN - fixed >= LINK_MIN_NAME_CHARS


def link_fits(link: str, *, language: str | None = None) -> bool:
    """Whether a reminder can carry `link` in one GSM-7 segment (see `reminder`)."""
    return _fits(_link_templates(language)[0], link)


def reminder_with_link(
    *, group_name: str, start: datetime, tz: ZoneInfo, language: str | None = None
) -> Callable[[str], str]:
    """`reminder(..., link=)` for many people at one session, zone and language: the words are
    translated and made GSM-7 once; the returned function only fits each person's link in
    (the group's name is shortened, never the link)."""
    with_link, without = _link_templates(language)
    with in_language(language):
        when = local_label(start, tz)
    no_link_text = _fit_template(without, group_name, when=when)
    before, after = with_link.split("%(group)s", 1)
    mid, tail = (to_gsm7(part) for part in (after % {"when": when, "link": "\x00"}).split("\x00"))
    before = to_gsm7(before % {"when": when})
    name = to_gsm7(" ".join(group_name.split()))
    # Judged with the longest time label, as `link_fits` (and so the system check) does: one
    # site either carries links in its reminders or not, whatever the date.
    slack = max(0, 26 - len(when))

    def body(link: str) -> str:
        room = MAX_LEN - len(before) - len(mid) - len(link) - len(tail)
        if not is_gsm7(link) or room - slack < LINK_MIN_NAME_CHARS:
            return no_link_text
        short = name if len(name) <= room else name[: max(room - 3, 1)].rstrip() + "..."
        return before + short + mid + link + tail

    return body


def reminder(
    *,
    group_name: str,
    start: datetime,
    tz: ZoneInfo,
    language: str | None = None,
    link: str | None = None,
) -> str:
    """The reminder text; with `link` (a one-tap link) when it fits in one segment beside at
    least LINK_MIN_NAME_CHARS of the group's name, else a text that says it has no link."""
    if link is not None:
        return reminder_with_link(group_name=group_name, start=start, tz=tz, language=language)(
            link
        )
    with in_language(language):
        return _fit_template(
            _(
                "Hearth: %(group)s meets %(when)s. Reply Y to confirm, N if you can't come, "
                "HELP for help, STOP to opt out."
            ),
            group_name,
            when=local_label(start, tz),
        )


def notice(
    *,
    kind: str,
    group_name: str,
    session_start: datetime | None,
    tz: ZoneInfo,
    language: str | None = None,
) -> str:
    with in_language(language):
        when = f" {local_label(session_start, tz)}" if session_start else ""
        # "%(when)s" carries its own leading space, so it may be empty.
        templates = {
            "session_cancelled": _(
                "Hearth: %(group)s on%(when)s is cancelled. Sorry for the change."
            ),
            "session_moved": _(
                "Hearth: %(group)s has moved to%(when)s. Reply N if you can't come."
            ),
            "seat_promoted": _(
                "Hearth: %(group)s:%(when)s a seat opened up and it is yours. "
                "Reply N if you can't come."
            ),
            "seat_offered": _("Hearth: %(group)s:%(when)s a seat is free. Reply YES to claim it."),
            "membership_approved": _("Hearth: %(group)s: you are now a member. See you soon."),
        }
        return _fit_template(templates[kind], group_name, when=when)


def late(
    *,
    attendee_name: str,
    group_name: str,
    start: datetime,
    tz: ZoneInfo,
    language: str | None = None,
) -> str:
    with in_language(language):
        name = _("%(name)s will be late to %(group)s") % {
            "name": attendee_name[:30],
            "group": group_name,
        }
        return fit(before="Hearth: ", name=name, after=f" ({local_label(start, tz)}).")


def reply(
    *,
    kind: str,
    group_name: str,
    start: datetime,
    tz: ZoneInfo,
    language: str | None = None,
    **values,
) -> str:
    """The answer to a reply about one session: "Hearth: <group>, <when>: <what happened>"."""
    with in_language(language):
        what = _(REPLY_TEXTS[kind]) % values
        return fit(before="Hearth: ", name=group_name, after=f", {local_label(start, tz)}: {what}")


def refusal(message: str, language: str | None = None) -> str:
    """A domain error's message (a fixed English sentence), translated where it is known."""
    with in_language(language):
        return fit(before="Hearth: ", name=_(message), after="")


def verification(code: str, minutes: int, language: str | None = None) -> str:
    with in_language(language):
        return to_gsm7(
            _("Hearth: your code is %(code)s. It expires in %(minutes)s minutes. Do not share it.")
            % {"code": code, "minutes": minutes}
        )


def absence_check_in(
    *, start: datetime, tz: ZoneInfo, link: str | None = None, language: str | None = None
) -> str:
    """The gentle word after missed sessions: no group name and no topic (lock screens are
    public, and the name may say what the group is about), the next session's time and its
    one-tap link when it fits."""
    with in_language(language):
        when = local_label(start, tz)
        text = to_gsm7(
            _("Hearth: we missed you. The next session is %(when)s, if you'd like to come.")
            % {"when": when}
        )
        if link and is_gsm7(link) and len(text) + 1 + len(link) <= MAX_LEN:
            return f"{text} {link}"
        return text[:MAX_LEN]


def feedback_ask(
    *, group_name: str, start: datetime, tz: ZoneInfo, link: str, language: str | None = None
) -> str:
    """One question after a session, answered on the session's page (`link`)."""
    with in_language(language):
        if not is_gsm7(link):
            link = ""
        return _fit_template(
            _("Hearth: was %(group)s on %(when)s helpful? One tap to tell us: %(link)s"),
            group_name,
            when=local_label(start, tz),
            link=link,
        )
