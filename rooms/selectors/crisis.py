"""The crisis lines: text and tap-to-call / tap-to-text numbers, in rooms and on every page."""

from __future__ import annotations

import re
from typing import NamedTuple

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext, gettext_noop

DEFAULT_CRISIS_RESOURCES = gettext_noop(
    "If you are in crisis or thinking about suicide, call or text 988 (Suicide & Crisis "
    "Lifeline, US) any time. If you are in immediate danger, call 911."
)


class CrisisLine(NamedTuple):
    """A number to reach from a tap: `number` as written, `dial` for the `tel:`/`sms:` link,
    `name` (already in the reader's language; empty for the organisation's own numbers)."""

    number: str
    dial: str
    name: str
    call: bool
    text: bool


# The built-in lines beside DEFAULT_CRISIS_RESOURCES: (number, name, call, text).
DEFAULT_CRISIS_LINES = (
    ("988", gettext_noop("Suicide & Crisis Lifeline"), True, True),
    ("911", gettext_noop("Emergency services"), True, False),
)


# A phone number in a free text: an optional country code and area code in brackets, then
# 3 digits at least with single spaces, dots or dashes between them (988, 116 123,
# +1 (800) 273-8255, +44 20 7123 4567).
_NUMBER_IN_TEXT = re.compile(
    r"(?<![\w+])(?:\+\d{1,3}[ .\-]?)?(?:\(\d{1,4}\)[ .\-]?)?\d(?:[ .\-]?\d){2,14}(?![\w])"
)


def _dial(number: str) -> str:
    return ("+" if number.strip().startswith("+") else "") + re.sub(r"\D", "", number)


def crisis_resources(language: str | None = None) -> str:
    """The crisis resources shown privately in rooms and on the help page:
    CRISIS_RESOURCES_TEXT as configured, or the built-in text in `language` (the site's
    default language when None)."""
    if settings.CRISIS_RESOURCES_TEXT:
        return settings.CRISIS_RESOURCES_TEXT
    with translation.override(language or settings.LANGUAGE_CODE):
        return gettext(DEFAULT_CRISIS_RESOURCES)


def crisis_lines(language: str | None = None) -> list[CrisisLine]:
    """The numbers of `crisis_resources`, for tap-to-call and tap-to-text links.

    The built-in ones (988 call or text, 911 call) go with the built-in text. With
    CRISIS_RESOURCES_TEXT set they are CRISIS_RESOURCES_NUMBERS (`number:call`,
    `number:text`, `number:call+text`), or else every number written in that text, to call.
    """
    if not settings.CRISIS_RESOURCES_TEXT:
        with translation.override(language or settings.LANGUAGE_CODE):
            return [
                CrisisLine(number, _dial(number), gettext(name), call, text)
                for number, name, call, text in DEFAULT_CRISIS_LINES
            ]
    lines = []
    for entry in settings.CRISIS_RESOURCES_NUMBERS:
        number, _sep, ways = entry.partition(":")
        ways_set = {w.strip().lower() for w in ways.split("+")} if ways else {"call"}
        if _dial(number).lstrip("+"):
            lines.append(
                CrisisLine(
                    number.strip(), _dial(number), "", "call" in ways_set, "text" in ways_set
                )
            )
    if settings.CRISIS_RESOURCES_NUMBERS:
        return lines
    seen: set[str] = set()
    for match in _NUMBER_IN_TEXT.finditer(settings.CRISIS_RESOURCES_TEXT):
        dial = _dial(match.group())
        if dial not in seen:
            seen.add(dial)
            lines.append(CrisisLine(match.group().strip(), dial, "", True, False))
    return lines
