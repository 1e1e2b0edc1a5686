"""A reminder email's link in a real browser: the email is planned and sent by the mail sweep
(the mail backend's copy is read, the link taken from its HTML part), and that link opens the
session page for its person without a password, cancels the RSVP, and joins the room once it
is open; it logs nobody in. The email's HTML and the pages it opens pass axe."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.mail_helpers import html_links, send_reminder_email
from tests.e2e.room_helpers import make_room
from tests.e2e.test_session_links import _open_the_room, _rsvp_status, _serious


def test_a_reminder_emails_link_opens_the_session_cancels_and_joins_the_room(
    browser, hearth_server, unique
):
    room = make_room(hearth_server, unique, open_room=False)
    email = send_reminder_email(hearth_server, session=room.session, user=room.ids["ana"])
    assert email["outcome"] == "sent" and email["mimetype"] == "text/html"
    assert email["subject"] == f"Reminder: Evening circle {unique}"
    [link] = [
        href for href, text in html_links(email["html"]) if text.startswith("Open the session")
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
