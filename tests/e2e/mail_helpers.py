"""Helpers for the email browser tests: a reminder email planned and sent by the mail sweep
on the server's database, read back from the mail backend, and the links of its HTML part."""

from __future__ import annotations

import json
from html.parser import HTMLParser

# Runs in `manage.py shell` on the server's database: the person takes reminders by email;
# the group's one reminder falls at a time inside their send window; the mail sweep's
# planning and sending run at that instant, into the in-memory mail backend of this process.
_REMINDER_EMAIL = """
import json
from datetime import timedelta
from zoneinfo import ZoneInfo
from django.conf import settings
from django.core import mail
from mail import services as mail_services
from mail.models import OutboundEmail
from sessions_app import services, timing
from sessions_app.models import Session, User

session = Session.objects.select_related("group").get(pk={session})
person = User.objects.get(pk={user})
services.notification_preferences_set(user=person, choices={{"reminders": "email"}})
tz = ZoneInfo(person.timezone)
minutes = next(
    m for m in range(60, 24 * 60, 15) if timing.in_window(session.start - timedelta(minutes=m), tz)
)
session.group.reminder_offsets_minutes = [minutes]
session.group.save(update_fields=["reminder_offsets_minutes"])
at = session.start - timedelta(minutes=minutes)
settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
mail_services.reminders_plan(now=at)
row = OutboundEmail.objects.get(user=person, session=session, kind="reminder")
outcome = mail_services.outbound_send(outbound_id=row.pk, now=at)
[message] = mail.outbox
html, mimetype = message.alternatives[0]
print(json.dumps({{
    "outcome": outcome,
    "to": message.to,
    "subject": message.subject,
    "text": message.body,
    "html": html,
    "mimetype": mimetype,
    "headers": message.extra_headers,
}}))
"""


def send_reminder_email(server, *, session: int, user: int) -> dict:
    """Send `user` the reminder email of `session` through the outbox; returns what the mail
    backend got: outcome, to, subject, text, html, mimetype, headers."""
    out = server.shell(_REMINDER_EMAIL.format(session=session, user=user))
    return json.loads(out.strip().splitlines()[-1])


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self._href: str | None = None
        self._text = ""

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self._href, self._text = dict(attrs).get("href"), ""

    def handle_data(self, data):
        if self._href is not None:
            self._text += data

    def handle_endtag(self, tag):
        if tag == "a" and self._href is not None:
            self.links.append((self._href, self._text.strip()))
            self._href = None


def html_links(html: str) -> list[tuple[str, str]]:
    """The links of an HTML document, in order: [(href, text)]."""
    parser = _Links()
    parser.feed(html)
    return parser.links
