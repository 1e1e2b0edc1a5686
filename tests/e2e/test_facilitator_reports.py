"""A coordinator resolves a reported room message in the browser: the reports page passes
axe-core (no serious or critical findings) and fits a phone screen before and after.

With HEARTH_SCREENSHOTS=1 the page is saved as docs/screens/fac-reports-{360,1280}.png."""

import os
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.e2e.facilitator_helpers import make_user, server_json, sign_in

SCREENS = Path(__file__).resolve().parents[2] / "docs" / "screens"

# A session whose room is open (through the rooms' services), a message and its report.
WORLD = """
from datetime import timedelta
from django.utils import timezone
from sessions_app import services
from rooms import services as room_services
from rooms.models import CheckIn, RoomMessage, RoomParticipant, RoomReport
from tests.factories import GroupFactory, UserFactory, facilitator, member, one_off_session

u = {unique!r}
group = GroupFactory(name="Evening circle " + u, slug="reports-" + u, timezone="America/New_York")
lead = facilitator(group, UserFactory(username="lead-" + u, display_name="Lee"))
ana = member(group, UserFactory(username="ana-" + u, display_name="Ana"), display_name="Ana")
ben = member(group, UserFactory(username="ben-" + u, display_name="Ben"), display_name="Ben")
session = one_off_session(group, starts_in=timedelta(minutes=5), minutes=90)
for person in (ana, ben):
    services.rsvp_create(session=session, user=person)
room_services.room_open(session=session, by=lead)
for person, name in ((ana, "Ana in the room"), (ben, "Ben")):
    RoomParticipant.objects.create(session=session, user=person, role="attendee",
        display_name=name, admitted_at=timezone.now())
message = RoomMessage.objects.create(session=session, seq=1, author=ben, author_name="Ben",
    author_role="attendee", text="Nobody here gets it " + u, sent_at=timezone.now())
report = RoomReport.objects.create(message=message, reporter=ana, reason="Dismissive " + u)
CheckIn.objects.create(session=session, user=ana, phase="start", mood=2)
result = {{"report": report.pk, "text": message.text, "session": session.pk}}
"""


@pytest.fixture
def world(hearth_server, unique):
    """A fresh report for each test, so the tests do not depend on each other's order."""
    coord = f"repcoord{unique}"
    make_user(hearth_server, coord, display="Casey (coordinator)", staff=True)
    made = server_json(hearth_server, WORLD.format(unique=unique))
    return {"coord": coord, "unique": unique, **made}


def _check_page(page, width: int) -> None:
    """No serious or critical axe findings; nothing wider than the screen."""
    results = Axe().run(page)
    serious = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == [], serious
    too_wide = page.evaluate(
        """(w) => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > w + 1 && !e.closest('.table-wrap'))
            .map(e => e.tagName + '.' + e.className)""",
        width,
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= width, too_wide[:10]


@pytest.mark.parametrize("width", [360, 1280])
def test_reports_page_is_accessible(browser, hearth_server, world, width):
    context = browser.new_context(
        base_url=hearth_server.url, viewport={"width": width, "height": 800}
    )
    sign_in(hearth_server, context, world["coord"])
    page = context.new_page()
    assert page.goto("/facilitate/reports/").status == 200
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Facilitate")).to_be_visible()
    item = page.locator("li.report", has_text=world["text"])
    expect(item).to_contain_text("Reported by Ana in the room")
    expect(item).to_contain_text(f"Dismissive {world['unique']}")
    _check_page(page, width)
    if os.environ.get("HEARTH_SCREENSHOTS"):
        SCREENS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENS / f"fac-reports-{width}.png"), full_page=True)
    context.close()


def test_coordinator_resolves_a_report(browser, hearth_server, world):
    context = browser.new_context(
        base_url=hearth_server.url, viewport={"width": 360, "height": 800}
    )
    sign_in(hearth_server, context, world["coord"])
    page = context.new_page()
    page.goto("/facilitate/")
    page.get_by_role("navigation", name="Facilitator").get_by_role("link", name="Reports").click()
    item = page.locator("li.report", has_text=world["text"])
    item.get_by_label("Resolution note (optional)").fill("Spoke with Ben after the session.")
    item.get_by_role("button", name="Resolve").click()
    expect(page.get_by_role("status")).to_contain_text("Report resolved")
    expect(page.locator("li.report", has_text=world["text"])).to_have_count(0)
    _check_page(page, 360)
    resolved = server_json(
        hearth_server,
        f"""
from sessions_app.models import AuditEntry
from rooms.models import RoomReport
report = RoomReport.objects.select_related("resolved_by").get(pk={world["report"]})
result = [report.resolved_at is not None, report.resolved_by.username, report.resolution,
    AuditEntry.objects.filter(action="room.report_resolve", object_type="rooms.roomreport",
        object_id=str(report.pk)).count()]
""",
    )
    assert resolved == [True, world["coord"], "Spoke with Ben after the session.", 1]
    context.close()


def test_session_page_room_section_is_accessible(browser, hearth_server, world):
    """The group's facilitator sees the moods, the reported count and the live-room link."""
    context = browser.new_context(
        base_url=hearth_server.url, viewport={"width": 360, "height": 800}
    )
    sign_in(hearth_server, context, f"lead-{world['unique']}")
    page = context.new_page()
    assert page.goto(f"/facilitate/sessions/{world['session']}/").status == 200
    section = page.locator("#room")
    expect(section.get_by_role("link", name="Go to the live room")).to_have_attribute(
        "href", f"/sessions/{world['session']}/room/"
    )
    expect(section.get_by_role("row", name="Ana in the room 2 —")).to_be_visible()
    expect(section).to_contain_text("1 message reported in this session")
    _check_page(page, 360)
    context.close()
