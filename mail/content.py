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
}


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
