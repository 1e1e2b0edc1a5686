"""A reminder email's link in a real browser: the email is planned and sent by the mail sweep
(the mail backend's copy is read, the link taken from its HTML part), and that link opens the
session page for its person without a password, cancels the RSVP, and joins the room once it
is open; it logs nobody in. The email's HTML and the pages it opens pass axe."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

from playwright.sync_api import expect

from tests.e2e.room_helpers import make_room
from tests.e2e.test_session_links import _open_the_room, _rsvp_status, _serious

# Runs in `manage.py shell` on the server's database: Ana takes reminders by email; the
# group's one reminder falls at a time inside Ana's send window; the mail sweep's planning
# and sending run at that instant, into the in-memory mail backend of this process.
REMINDER_EMAIL = """
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
ana = User.objects.get(pk={ana})
services.notification_preferences_set(user=ana, choices={{"reminders": "email"}})
tz = ZoneInfo(ana.timezone)
minutes = next(
    m for m in range(60, 24 * 60, 15) if timing.in_window(session.start - timedelta(minutes=m), tz)
)
session.group.reminder_offsets_minutes = [minutes]
session.group.save(update_fields=["reminder_offsets_minutes"])
at = session.start - timedelta(minutes=minutes)
settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
mail_services.reminders_plan(now=at)
row = OutboundEmail.objects.get(user=ana, session=session, kind="reminder")
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
}}))
"""


class _Links(HTMLParser):
    """The links of an HTML document: [(href, text)]."""

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


def _email(server, room) -> dict:
    out = server.shell(REMINDER_EMAIL.format(session=room.session, ana=room.ids["ana"]))
    return json.loads(out.strip().splitlines()[-1])


def test_a_reminder_emails_link_opens_the_session_cancels_and_joins_the_room(
    browser, hearth_server, unique
):
    room = make_room(hearth_server, unique, open_room=False)
    email = _email(hearth_server, room)
    assert email["outcome"] == "sent" and email["mimetype"] == "text/html"
    assert email["subject"] == f"Reminder: Evening circle {unique}"
    parser = _Links()
    parser.feed(email["html"])
    [(link, _)] = [
        (href, text) for href, text in parser.links if text.startswith("Open the session")
    ]
    assert re.fullmatch(re.escape(hearth_server.url) + r"/s/[0-9A-Za-z]+-[0-9A-Za-z]+", link)
    assert link in email["text"]  # the plain-text part carries the same link

    problems = {}
    for width in (360, 1280):
        context = browser.new_context(
            base_url=hearth_server.url, viewport={"width": width, "height": 900}
        )
        # The email itself, as a mail client that shows HTML would.
        letter = context.new_page()
        letter.set_content(email["html"])
        found = _serious(letter)
        if found:
            problems[f"email@{width}"] = found
        page = context.new_page()
        page.goto(link)
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Evening circle {unique}")
        expect(page.get_by_text("You are going.")).to_be_visible()
        expect(page.get_by_role("link", name="Join the room")).to_have_count(0)
        found = _serious(page)
        if found:
            problems[f"link@{width}"] = found
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        if overflow > 0:
            problems[f"link@{width}"] = [f"scrolls sideways by {overflow} px"]
        context.close()
    assert problems == {}

    page = browser.new_context(base_url=hearth_server.url).new_page()
    page.goto(link)
    # The facilitator opens the room: the email's link lets Ana in, with no login.
    _open_the_room(hearth_server, room.session)
    page.reload()
    page.get_by_role("link", name="Join the room").click()
    expect(page.locator("#conn")).to_have_attribute("data-state", "connected")
    expect(page.locator("#people")).to_contain_text("Ana")
    assert _serious(page) == []

    # Back on the email's link, Ana cancels her RSVP from the keyboard.
    page.goto(link)
    cancel = page.get_by_role("button", name="Cancel my RSVP")
    cancel.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Your RSVP is cancelled.")).to_be_visible()
    expect(page.get_by_text("You have no place at this session.")).to_be_visible()
    assert _serious(page) == []
    assert _rsvp_status(hearth_server, room.session, room.ids["ana"]) == "cancelled"

    # For its purpose only: the account page still asks for a login.
    page.goto("/account/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
