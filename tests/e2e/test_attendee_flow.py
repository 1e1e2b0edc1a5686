"""The attendee side in a real browser: find a group, sign up, join, RSVP, meet the waitlist,
cancel; every attendee page checked with axe (no serious or critical violations), logged out
and logged in, at phone and desktop widths.

Screenshots: set HEARTH_SCREENS_DIR (e.g. docs/screens) to keep one PNG per page and width.
"""

import json
import os
import re
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.e2e.conftest import login

PASSWORD = "a-Long-e2e-passw0rd"
WIDTHS = (360, 1280)


def make_group(hearth_server, unique: str, *, capacity: int, topic: str = "") -> dict:
    """A public online group with one session in two days; returns its slug, topic, session."""
    out = hearth_server.shell(
        f"""
import json
from datetime import timedelta
from django.utils import timezone
from sessions_app import services
from sessions_app.models import Session
group = services.group_create(
    name="Quiet Harbour Circle", slug="quiet-harbour-{unique}", topic="{topic or "topic" + unique}",
    timezone="America/New_York", capacity={capacity}, format="online",
    description="A calm circle for people living with loss.",
    guidelines="Speak from your own experience.",
)
local = (timezone.now() + timedelta(days=2)).astimezone(group.tz).replace(
    hour=19, minute=0, second=0, microsecond=0, tzinfo=None)
schedule = services.schedule_create(group=group, start=local, duration_minutes=60,
    recurrence={{"frequency": "weekly", "byweekday": [local.strftime("%a")[:2].upper()]}})
session = Session.objects.filter(schedule=schedule).order_by("start").first()
print(json.dumps({{"slug": group.slug, "topic": group.topic, "session": session.pk}}))
"""
    )
    return json.loads(out.strip().splitlines()[-1])


def sign_up(page, username: str, next_path: str) -> None:
    page.goto(f"/accounts/signup/?next={next_path}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Display name").fill(username.title())
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_text("Your account is ready.")).to_be_visible()


def test_visitor_finds_a_group_signs_up_joins_rsvps_waitlists_and_cancels(
    browser, base_url, hearth_server, unique
):
    data = make_group(hearth_server, unique, capacity=1)
    first = browser.new_context(base_url=base_url).new_page()

    # Find the group through the directory's filters.
    first.goto("/")
    first.get_by_label("Topic").select_option(data["topic"])
    first.get_by_role("button", name="Show groups").click()
    expect(first.get_by_text("1 group", exact=True)).to_be_visible()
    first.get_by_role("link", name="Quiet Harbour Circle").click()
    expect(first.get_by_role("heading", level=1)).to_have_text("Quiet Harbour Circle")
    expect(first.get_by_text(re.compile(r"at 7:00 PM Eastern"))).to_be_visible()

    # Sign up from the group page and come back to it; join under a chosen name.
    first.get_by_role("link", name="sign up", exact=True).click()
    sign_up(first, f"ann{unique}", f"/groups/{data['slug']}/")
    expect(first).to_have_url(re.compile(rf"/groups/{data['slug']}/$"))
    first.get_by_label("Your name in this group").fill("Ann")
    first.get_by_role("button", name="Join", exact=True).click()
    expect(first.get_by_text("You are a member. Others see you as “Ann”.")).to_be_visible()

    # RSVP to the session (the panel is swapped in place by htmx).
    first.goto(f"/sessions/{data['session']}/")
    first.get_by_role("button", name="RSVP: I'm coming").click()
    expect(first.get_by_text("You are going. See you there.")).to_be_visible()

    # A second person finds the session full and joins the waitlist.
    second = browser.new_context(base_url=base_url).new_page()
    sign_up(second, f"ben{unique}", f"/groups/{data['slug']}/")
    second.get_by_role("button", name="Join", exact=True).click()
    second.goto(f"/sessions/{data['session']}/")
    expect(second.get_by_text("1 of 1 seat taken")).to_be_visible()
    second.get_by_role("button", name="Join the waitlist").click()
    expect(second.get_by_role("status")).to_contain_text("you are number 1 on the waitlist")
    second.goto("/me/sessions/")
    expect(second.get_by_text("Waitlist: you are number 1.")).to_be_visible()

    # The first cancels; the seat goes to the second.
    first.get_by_role("button", name="Cancel my RSVP").click()
    expect(first.get_by_text("Your RSVP is cancelled.")).to_be_visible()
    expect(first.get_by_role("button", name="RSVP: I'm coming")).to_have_count(0)
    expect(first.get_by_role("button", name="Join the waitlist")).to_be_visible()
    second.reload()
    expect(second.get_by_text("You are going.")).to_be_visible()
    second.goto(f"/sessions/{data['session']}/")
    expect(second.get_by_text("You are going.")).to_be_visible()
    expect(second.get_by_text("1 of 1 seat taken")).to_be_visible()


def test_rsvp_works_without_javascript(browser, base_url, hearth_server, unique):
    data = make_group(hearth_server, unique, capacity=3)
    page = browser.new_context(base_url=base_url, java_script_enabled=False).new_page()
    sign_up(page, f"nojs{unique}", f"/groups/{data['slug']}/")
    page.get_by_role("button", name="Join", exact=True).click()
    page.goto(f"/sessions/{data['session']}/")
    page.get_by_role("button", name="RSVP: I'm coming").click()
    expect(page.get_by_text("You are going. See you there.")).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/sessions/{data['session']}/$"))


def _serious(page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in {"serious", "critical"}
    ]


@pytest.mark.parametrize("logged_in", [False, True], ids=["logged-out", "logged-in"])
def test_attendee_pages_pass_axe(browser, base_url, hearth_server, unique, logged_in):
    data = make_group(hearth_server, unique, capacity=4, topic="grief")
    screens = os.environ.get("HEARTH_SCREENS_DIR")
    pages = {
        "directory": "/",
        "group": f"/groups/{data['slug']}/",
        "session": f"/sessions/{data['session']}/",
        "directory-filtered": "/?day=9",  # a form error on show
    }
    if logged_in:
        pages |= {"my-sessions": "/me/sessions/", "account": "/account/"}
    else:
        pages |= {
            "login": "/accounts/login/",
            "signup": "/accounts/signup/",
            "password-reset": "/accounts/password-reset/",
        }
    problems = {}
    for width in WIDTHS:
        context = browser.new_context(base_url=base_url, viewport={"width": width, "height": 900})
        page = context.new_page()
        if logged_in:
            login(page, "attendee1")
            expect(page.get_by_role("button", name="Log out")).to_be_visible()
            if width == WIDTHS[0]:
                page.goto(f"/groups/{data['slug']}/")
                page.get_by_role("button", name="Join", exact=True).click()
                page.goto(f"/sessions/{data['session']}/")
                page.get_by_role("button", name="RSVP: I'm coming").click()
                expect(page.get_by_text("You are going.").first).to_be_visible()
        for name, path in pages.items():
            page.goto(path)
            page.wait_for_load_state("networkidle")
            found = _serious(page)
            if found:
                problems[f"{name}@{width}"] = found
            if screens and name != "directory-filtered":
                who = "in" if logged_in else "out"
                Path(screens).mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(Path(screens) / f"{name}-{who}-{width}.png"))
        context.close()
    assert problems == {}
