"""A reminder's one-tap link in a real browser: it opens the session for its person without a
password, joins the room once it is open (tickets over the link, no login), cancels the RSVP,
opens nothing else, and is refused to someone else logged in. The page passes axe at phone
and desktop widths."""

from __future__ import annotations

import json
import re

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.e2e.room_helpers import logged_in, make_room

REMINDER = """
import json
from sessions_app import selectors
from sessions_app.models import Session, User
from sms import bodies
session = Session.objects.select_related("group").get(pk={session})
ana = User.objects.get(pk={ana})
body = bodies.reminder(
    group_name=session.group.name, start=session.start, tz=session.group.tz,
    link=selectors.session_link_url(session_id=session.pk, user_id=ana.pk),
)
print(json.dumps({{"body": body}}))
"""


def _serious(page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in {"serious", "critical"}
    ]


def _open_the_room(server, session: int) -> None:
    server.shell(
        "from rooms import services as r; from sessions_app.models import Session, "
        f"FacilitatorAssignment as F; s = Session.objects.get(pk={session}); "
        "r.room_open(session=s, by=F.objects.filter(group=s.group, role='lead').get().user)"
    )


def _rsvp_status(server, session: int, user: int) -> str:
    out = server.shell(
        "from sessions_app.models import RSVP; "
        f"print(RSVP.objects.get(session_id={session}, user_id={user}).status)"
    )
    return out.strip().splitlines()[-1]


def test_a_reminders_link_opens_the_session_joins_the_room_and_cancels(
    browser, hearth_server, unique
):
    room = make_room(hearth_server, unique, open_room=False)
    out = hearth_server.shell(REMINDER.format(session=room.session, ana=room.ids["ana"]))
    body = json.loads(out.strip().splitlines()[-1])["body"]
    assert len(body) <= 160
    link = re.search(r"https?://\S+/s/[0-9A-Za-z-]+$", body)[0]

    problems = {}
    for width in (360, 1280):
        page = browser.new_context(
            base_url=hearth_server.url, viewport={"width": width, "height": 900}
        ).new_page()
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
        page.context.close()
    assert problems == {}

    page = browser.new_context(base_url=hearth_server.url).new_page()
    page.goto(link)
    # Once the facilitator opens the room, the same link lets Ana in, with no login.
    _open_the_room(hearth_server, room.session)
    page.reload()
    page.get_by_role("link", name="Join the room").click()
    expect(page.locator("#conn")).to_have_attribute("data-state", "connected")
    assert _serious(page) == []
    # In the room as herself (the chat waits for a facilitator, as for everyone).
    expect(page.locator("#people")).to_contain_text("Ana")

    # Back on the link's page, Ana cancels her RSVP.
    page.goto(link)
    page.get_by_role("button", name="Cancel my RSVP").click()
    expect(page.get_by_text("Your RSVP is cancelled.")).to_be_visible()
    expect(page.get_by_text("You have no place at this session.")).to_be_visible()
    assert _rsvp_status(hearth_server, room.session, room.ids["ana"]) == "cancelled"

    # The link logged nobody in: the account page still asks for a login.
    page.goto("/account/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))

    # Ben, logged in, cannot use Ana's link.
    ben = logged_in(browser, hearth_server, room.cookies["ben"]).new_page()
    response = ben.goto(link)
    assert response.status == 403
    expect(ben.get_by_role("heading", name="This link is for someone else")).to_be_visible()


LETTER_WORLD = """
import json
from datetime import timedelta
from sessions_app import selectors, services
from sessions_app.models import RSVP, User
from tests.factories import GroupFactory, UserFactory, ended_session, facilitator, member
from sessions_app.services.accounts import login_session_create
u = {unique!r}
group = GroupFactory(name="Harbour circle " + u, slug="harbour-" + u)
facilitator(group, UserFactory(username="lead-" + u, display_name="Robin"))
ash = member(group, UserFactory(username="ash-" + u, display_name="Ash"))
session = ended_session(group, days_ago=1)
RSVP.objects.create(session=session, user=ash, status="going", attendance="attended")
letter = services.attendance_letter_issue(
    user=ash, group=group, date_from=session.start.date() - timedelta(days=2),
    date_to=session.start.date() + timedelta(days=2),
)
print(json.dumps({{
    "session": session.pk,
    "reference": letter.reference,
    "code": selectors.attendance_letter_code(letter),
    "cookie": login_session_create(user=ash),
}}))
"""


def test_letter_verify_and_feedback_pages_pass_axe(browser, hearth_server, unique):
    out = hearth_server.shell(LETTER_WORLD.format(unique=unique))
    data = json.loads(out.strip().splitlines()[-1])
    problems = {}
    for width in (360, 1280):
        page = logged_in(browser, hearth_server, data["cookie"], width=width).new_page()
        visitor = browser.new_context(
            base_url=hearth_server.url, viewport={"width": width, "height": 900}
        ).new_page()
        pages = [
            (page, "attendance", "/account/attendance/"),
            (page, "letter", f"/account/attendance/{data['reference']}/"),
            (page, "session-feedback", f"/sessions/{data['session']}/"),
            (visitor, "verify", f"/verify/{data['code']}/"),
            (visitor, "verify-bad", "/verify/" + "A" * 32 + "/"),
        ]
        for p, name, path in pages:
            p.goto(path)
            p.wait_for_load_state("networkidle")
            found = _serious(p)
            if found:
                problems[f"{name}@{width}"] = found
            overflow = p.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            if overflow > 0:
                problems[f"{name}@{width}"] = [f"scrolls sideways by {overflow} px"]
        page.context.close()
        visitor.context.close()
    assert problems == {}
    # The question answered from the keyboard-reachable form, once.
    page = logged_in(browser, hearth_server, data["cookie"]).new_page()
    page.goto(f"/sessions/{data['session']}/")
    page.get_by_label("Somewhat").check()
    page.get_by_role("button", name="Send my answer").click()
    expect(page.get_by_text("Thank you. Your answer helps the facilitators.")).to_be_visible()
