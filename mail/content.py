"""The words of each email (subject, plain text, HTML), in the recipient's language.

Notices are worded by the core's `notice_text` (the same sentence the site shows); reminders
here. Lock screens show subjects: a subject names the group, never its topic.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core import signing
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import dateformat, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, pgettext

from sessions_app.models import NotificationPreference

UNSUBSCRIBE_SALT = "mail.unsubscribe"

SUBJECTS = {
    "reminder": gettext_noop("Reminder: %(group)s"),
    "session_cancelled": gettext_noop("Cancelled: %(group)s"),
    "session_moved": gettext_noop("New time: %(group)s"),
    "seat_promoted": gettext_noop("You have a seat: %(group)s"),
    "seat_offered": gettext_noop("A seat is free: %(group)s"),
    "membership_approved": gettext_noop("Welcome to %(group)s"),
    "attendee_late": gettext_noop("Running late: %(group)s"),
    "feedback_ask": gettext_noop("How was %(group)s?"),
    # No group name: the name may say what the group is about, and a subject is public.
    "absence_check_in": gettext_noop("We missed you"),
}

# The words of the one link in the email, by kind (a reminder's by default).
LINK_LABELS = {
    "feedback_ask": gettext_noop("Answer in one tap"),
    "absence_check_in": gettext_noop("See the next session (RSVP, or not)"),
}
DEFAULT_LINK_LABEL = gettext_noop("Open the session (RSVP, cancel, join the room when it is open)")


@dataclass(frozen=True)
class Message:
    subject: str
    text: str
    html: str


def unsubscribe_token(*, user_id: int, category: str) -> str:
    """A signed token naming one person and one category; it does not expire."""
    return signing.dumps({"u": user_id, "c": category}, salt=UNSUBSCRIBE_SALT)


def unsubscribe_read(token: str) -> tuple[int, str] | None:
    """(user id, category) from a token this site signed, or None (forged, altered, other)."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    user_id, category = data.get("u"), data.get("c")
    if not isinstance(user_id, int) or category not in NotificationPreference.Category.values:
        return None
    return user_id, category


def unsubscribe_url(*, user_id: int, category: str) -> str:
    token = unsubscribe_token(user_id=user_id, category=category)
    before, after = _unsubscribe_path()
    return f"{settings.PUBLIC_BASE_URL}{before}{token}{after}"


@cache
def _unsubscribe_path() -> tuple[str, str]:
    # reverse() once: a sweep builds thousands of these.
    before, after = reverse("mail-unsubscribe", args=["-"]).rsplit("-", 1)
    return before, after


# Stand-ins for what differs per person, filled in after the words are rendered once.
LINK_SLOT = "\x00link\x00"
UNSUBSCRIBE_SLOT = "\x00unsubscribe\x00"


def compose_for_many(
    *, kind: str, group_name: str, sentence: str, language: str | None, with_link: bool
):
    """`compose` for many people who get the same words: rendered once; the returned
    function fills in each person's link and unsubscribe address."""
    shared = compose(
        kind=kind,
        group_name=group_name,
        sentence=sentence,
        language=language,
        unsubscribe=UNSUBSCRIBE_SLOT,
        link=LINK_SLOT if with_link else "",
    )

    def fill(*, unsubscribe: str, link: str = "") -> Message:
        def put(template: str, html: bool) -> str:
            escape = (lambda v: v.replace("&", "&amp;")) if html else (lambda v: v)
            return template.replace(LINK_SLOT, escape(link)).replace(
                UNSUBSCRIBE_SLOT, escape(unsubscribe)
            )

        return Message(
            subject=shared.subject, text=put(shared.text, False), html=put(shared.html, True)
        )

    return fill


def local_when(start: datetime, tz: ZoneInfo) -> str:
    return dateformat.format(start.astimezone(tz), pgettext("email date", "l j F, H:i T"))


def compose(
    *,
    kind: str,
    group_name: str,
    sentence: str,
    language: str | None,
    unsubscribe: str,
    link: str = "",
) -> Message:
    """Subject, text and HTML of one email; `sentence` is already in `language`."""
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = _(SUBJECTS.get(kind, gettext_noop("News from %(group)s"))) % {"group": group_name}
        context = {
            "subject": subject,
            "sentence": sentence,
            "link": link,
            "link_label": _(LINK_LABELS.get(kind, DEFAULT_LINK_LABEL)),
            "unsubscribe": unsubscribe,
            "account": settings.PUBLIC_BASE_URL + "/account/",
        }
        text = render_to_string("mail/message.txt", context)
        html = render_to_string("mail/message.html", context)
    return Message(subject=subject[:200], text=text, html=html)


def reminder_sentence(*, group_name: str, start: datetime, tz: ZoneInfo, language: str | None):
    with translation.override(language or settings.LANGUAGE_CODE):
        return _("You are going to %(group)s on %(when)s.") % {
            "group": group_name,
            "when": local_when(start, tz),
        }


def feedback_ask_sentence(
    *, group_name: str, start: datetime, tz: ZoneInfo, language: str | None
) -> str:
    """The one question after a session, answered on the page the link opens."""
    with translation.override(language or settings.LANGUAGE_CODE):
        return _(
            "Was %(group)s on %(when)s helpful for you? One tap to answer, and a comment if "
            "you like (without your name unless you sign it)."
        ) % {"group": group_name, "when": local_when(start, tz)}


def absence_check_in_sentence(*, start: datetime, tz: ZoneInfo, language: str | None) -> str:
    """The gentle word after missed sessions: neither the group's name nor its topic."""
    with translation.override(language or settings.LANGUAGE_CODE):
        return _(
            "We missed you. The next session is on %(when)s, if you would like to come. "
            "No need to reply."
        ) % {"when": local_when(start, tz)}
