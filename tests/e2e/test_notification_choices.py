"""Notification choices in a real browser: the account page's form changes one kind's channel
from the keyboard alone, says so, and shows the choice again after a reload; the one-click
unsubscribe page, opened from a sent email's List-Unsubscribe link without a login, asks
first (a GET changes nothing), then turns that kind's email off. Both pages pass axe at phone
and desktop widths."""

from __future__ import annotations

import json

from playwright.sync_api import expect

from tests.e2e.mail_helpers import send_reminder_email
from tests.e2e.room_helpers import logged_in, make_room
from tests.e2e.test_session_links import _serious

CHECKINS = "Check-ins: after a session, and after missed sessions"
REMINDERS = "Reminders before a session"

PERSON = """
import json
from sessions_app.services.accounts import login_session_create
from tests.factories import UserFactory
nora = UserFactory(username="nora-{unique}", display_name="Nora")
print(json.dumps({{"id": nora.pk, "cookie": login_session_create(user=nora)}}))
"""


def _choices(server, user: int) -> dict[str, str]:
    out = server.shell(
        "import json; from sessions_app import selectors; from sessions_app.models import User; "
        f"print(json.dumps(selectors.notification_choices(user=User.objects.get(pk={user}))))"
    )
    return json.loads(out.strip().splitlines()[-1])


def _problems(page, name: str) -> dict[str, list[str]]:
    found = _serious(page)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    if overflow > 0:
        found.append(f"scrolls sideways by {overflow} px")
    return {name: found} if found else {}


def test_the_account_form_changes_a_kind_from_the_keyboard(browser, hearth_server, unique):
    out = hearth_server.shell(PERSON.format(unique=unique))
    nora = json.loads(out.strip().splitlines()[-1])
    assert _choices(hearth_server, nora["id"])["checkins"] == "none"  # off until chosen

    problems: dict[str, list[str]] = {}
    for width in (360, 1280):
        page = logged_in(browser, hearth_server, nora["cookie"], width=width).new_page()
        page.goto("/account/")
        problems |= _problems(page, f"account@{width}")
        page.context.close()
    assert problems == {}

    page = logged_in(browser, hearth_server, nora["cookie"]).new_page()
    page.goto("/account/")
    choice = page.get_by_label(CHECKINS)
    expect(choice).to_have_value("none")
    # Keyboard only: focus the select, type to pick "Email", Tab to the button, Enter.
    choice.focus()
    page.keyboard.type("Email")
    expect(choice).to_have_value("email")
    page.keyboard.press("Tab")
    save = page.get_by_role("button", name="Save notification choices")
    expect(save).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Your notification choices are saved.")
    assert _serious(page) == []

    page.reload()
    expect(page.get_by_label(CHECKINS)).to_have_value("email")
    expect(page.get_by_label(REMINDERS)).to_have_value("email")  # the others kept theirs
    assert _choices(hearth_server, nora["id"])["checkins"] == "email"


def test_one_click_unsubscribe_from_an_emails_link_turns_that_kinds_email_off(
    browser, hearth_server, unique
):
    room = make_room(hearth_server, unique, open_room=False)
    ana = room.ids["ana"]
    email = send_reminder_email(hearth_server, session=room.session, user=ana)
    assert email["outcome"] == "sent"
    assert email["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = email["headers"]["List-Unsubscribe"].strip("<>")
    assert link.startswith(hearth_server.url + "/mail/unsubscribe/")
    assert _choices(hearth_server, ana)["reminders"] == "email"

    problems: dict[str, list[str]] = {}
    for width in (360, 1280):
        visitor = browser.new_context(
            base_url=hearth_server.url, viewport={"width": width, "height": 900}
        ).new_page()
        visitor.goto(link)
        expect(visitor.get_by_role("heading", level=1)).to_have_text("Stop emails")
        problems |= _problems(visitor, f"unsubscribe@{width}")
        visitor.context.close()
    assert problems == {}
    # Opening the link (as a link scanner would) changed nothing.
    assert _choices(hearth_server, ana)["reminders"] == "email"

    # No login: the link is the whole authority. Confirmed from the keyboard.
    visitor = browser.new_context(base_url=hearth_server.url).new_page()
    visitor.goto(link)
    stop = visitor.get_by_role("button", name="Stop these emails")
    stop.focus()
    visitor.keyboard.press("Enter")
    expect(visitor.get_by_role("status")).to_contain_text(
        "Done: you will get no more emails like that one."
    )
    assert _serious(visitor) == []
    # Reminders by email are off (Ana has no phone: nothing); other kinds are untouched.
    choices = _choices(hearth_server, ana)
    assert choices["reminders"] == "none" and choices["changes"] == "email"

    # Ana's account page shows it.
    page = logged_in(browser, hearth_server, room.cookies["ana"]).new_page()
    page.goto("/account/")
    expect(page.get_by_label(REMINDERS)).to_have_value("none")

    # An altered link is refused, clearly, and changes nothing.
    visitor.goto(link[:-3] + "xx/")
    expect(visitor.get_by_role("alert")).to_contain_text("This link is not valid.")
    assert _serious(visitor) == []
