"""Text bodies: plain GSM-7, at most 160 characters, naming the group and the local time,
never the topic (lock screens are public)."""

from __future__ import annotations

import unicodedata
from datetime import datetime
from zoneinfo import ZoneInfo

MAX_LEN = 160

# The GSM 03.38 basic character set (the extension table is left out on purpose: its
# characters cost two septets each and some handsets show them badly).
GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_REPLACEMENTS = {"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "…": "..."}

HELP_TEXT = (
    "Hearth: texts about your support group sessions. Reply Y to confirm, N to cancel, "
    "LATE, HERE. Msg & data rates may apply. Reply STOP to opt out."
)
UNKNOWN_TEXT = "Hearth: sorry, we did not understand. Reply Y, N, LATE, HERE, HELP or STOP."
STOP_TEXT = "Hearth: you will get no more texts from us. Reply START to opt back in."
START_TEXT = "Hearth: texts are back on. Reply HELP for help, STOP to opt out."
UNKNOWN_NUMBER_TEXT = (
    "Hearth: we do not know this number. Add it to your Hearth profile to get reminders."
)
NO_SESSION_TEXT = "Hearth: you have no upcoming session we reminded you of. Reply HELP for help."


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


def local_label(moment: datetime, tz: ZoneInfo) -> str:
    """'Tue 03 Nov 09:30 PST': the recipient's wall clock, with the zone's abbreviation."""
    local = moment.astimezone(tz)
    return f"{local:%a %d %b %H:%M} {local.tzname()}"


def reminder(*, group_name: str, start: datetime, tz: ZoneInfo) -> str:
    return fit(
        before="Hearth: ",
        name=group_name,
        after=f" meets {local_label(start, tz)}. Reply Y to confirm, N if you can't come, "
        "HELP for help, STOP to opt out.",
    )


def notice(*, kind: str, group_name: str, session_start: datetime | None, tz: ZoneInfo) -> str:
    when = f" {local_label(session_start, tz)}" if session_start else ""
    tails = {
        "session_cancelled": f" on{when} is cancelled. Sorry for the change.",
        "session_moved": f" has moved to{when}. Reply N if you can't come.",
        "seat_promoted": f":{when} a seat opened up and it is yours. Reply N if you can't come.",
        "seat_offered": f":{when} a seat is free. Reply YES to claim it.",
        "membership_approved": ": you are now a member. See you soon.",
    }
    return fit(before="Hearth: ", name=group_name, after=tails[kind])


def late(*, attendee_name: str, group_name: str, start: datetime, tz: ZoneInfo) -> str:
    return fit(
        before="Hearth: ",
        name=f"{attendee_name[:30]} will be late to {group_name}",
        after=f" ({local_label(start, tz)}).",
    )


def verification(code: str, minutes: int) -> str:
    return f"Hearth: your code is {code}. It expires in {minutes} minutes. Do not share it."
