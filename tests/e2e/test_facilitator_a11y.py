"""Every facilitator and coordinator page through axe-core (no serious or critical violations)
at a phone width (360 px) and a desktop width (1280 px); and the note editor's conflict view.

With HEARTH_SCREENSHOTS=1 the pages are also saved as docs/screens/fac-<page>-<width>.png
(that is how the committed screenshots were made)."""

import os
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.e2e.facilitator_helpers import make_user, server_json, sign_in

SCREENS = Path(__file__).resolve().parents[2] / "docs" / "screens"
WIDTHS = {"phone": (360, 780), "desktop": (1280, 900)}

WORLD = """
from datetime import timedelta
from django.utils import timezone
from sessions_app.models import FacilitatorAssignment
from facilitators.services import note_save
from sessions_app import services
from sessions_app.models import RSVP, Membership, Session, User
from sms.models import OutboundSms

fac = User.objects.get(username={fac!r})
group = services.group_create(
    name="Thursday Grief Circle {unique}", topic="grief", timezone="America/New_York",
    description="A small circle for people grieving a loss.",
    guidelines="What is said here stays here.\\nSpeak from your own experience.",
    join_policy="approval", capacity=8,
)
FacilitatorAssignment.objects.create(group=group, user=fac, role="lead")
local = (timezone.now() + timedelta(days=2)).astimezone(group.tz).replace(
    hour=19, minute=0, second=0, microsecond=0, tzinfo=None)
schedule = services.schedule_create(
    group=group, start=local, duration_minutes=90,
    recurrence={{"frequency": "weekly", "byweekday": [
        ["MO", "TU", "WE", "TH", "FR", "SA", "SU"][local.weekday()]], "interval": 1}},
)
session = Session.objects.filter(schedule=schedule).order_by("start").first()
names = ["Robin", "Alex", "Jordan", "Priya", "Sam", "Lee", "Noor", "Kai", "Ada", "Ben"]
people = []
for i, name in enumerate(names):
    user = User.objects.create(username=f"{{name.lower()}}{unique}", display_name=name)
    Membership.objects.create(group=group, user=user, status="approved", display_name=name)
    people.append(user)
pending = User.objects.create(username="mira{unique}", display_name="Mira")
Membership.objects.create(group=group, user=pending, status="pending", display_name="Mira")
for user in people:
    services.rsvp_create(session=session, user=user)
for i, user in enumerate(people[:3]):
    OutboundSms.objects.create(
        idempotency_key=f"a11y-{unique}-{{i}}", kind="reminder", to=f"+1555555010{{i}}",
        body="Reminder", user=user, session=session, status="submitted",
        delivery_status=["delivered", "sent", "undelivered"][i],
        send_after=timezone.now(), expires_at=timezone.now() + timedelta(days=1))
# Past sessions with attendance, for the charts.
for weeks in range(1, 7):
    start = timezone.now() - timedelta(weeks=weeks)
    past = Session.objects.create(group=group, schedule=None, event=schedule.event,
        original_start=start, start=start, end=start + timedelta(minutes=90))
    for j, user in enumerate(people[: 4 + weeks % 3]):
        RSVP.objects.create(session=past, user=user, status="going",
            attendance="attended" if j % 4 else "no_show")
note = note_save(session=session, by=fac, summary="Settling in", body="Check-in round.",
    themes=["sleep"], follow_ups=[{{"text": "Share the library hours", "done": False}}],
    safety_concern=False, revision=0)
note_save(session=session, by=fac, summary="Settling in", body="Check-in round. Quiet.",
    themes=["sleep"], follow_ups=[{{"text": "Share the library hours", "done": True}}],
    safety_concern=True, revision=1)
robin = Membership.objects.get(group=group, user=people[0]).pk
result = {{"slug": group.slug, "session": session.pk, "schedule": schedule.pk, "robin": robin}}
"""


@pytest.fixture(scope="module")
def world(hearth_server):
    unique = os.urandom(4).hex()
    fac, coord = f"a11yfac{unique}", f"a11ycoord{unique}"
    make_user(hearth_server, fac, display="Sam (facilitator)")
    make_user(hearth_server, coord, display="Casey (coordinator)", staff=True)
    ids = server_json(hearth_server, WORLD.format(fac=fac, unique=unique))
    return {"fac": fac, "coord": coord, **ids}


def _pages(w):
    slug, session, schedule = w["slug"], w["session"], w["schedule"]
    return {
        "dashboard": ("fac", "/facilitate/"),
        "dashboard-coordinator": ("coord", "/facilitate/"),
        "groups": ("coord", "/facilitate/groups/"),
        "group-new": ("coord", "/facilitate/groups/new/"),
        "group": ("fac", f"/facilitate/groups/{slug}/"),
        "group-edit": ("fac", f"/facilitate/groups/{slug}/edit/"),
        "schedule-new": ("fac", f"/facilitate/groups/{slug}/schedules/new/"),
        "schedule-edit": ("fac", f"/facilitate/groups/{slug}/schedules/{schedule}/edit/"),
        "schedule-end": ("fac", f"/facilitate/groups/{slug}/schedules/{schedule}/end/"),
        "members": ("fac", f"/facilitate/groups/{slug}/members/"),
        "member-ban": ("fac", f"/facilitate/groups/{slug}/members/{w['robin']}/ban/"),
        "facilitators": ("coord", f"/facilitate/groups/{slug}/facilitators/"),
        "group-reports": ("fac", f"/facilitate/groups/{slug}/reports/"),
        "session": ("fac", f"/facilitate/sessions/{session}/"),
        "session-cancel": ("fac", f"/facilitate/sessions/{session}/cancel/"),
        "session-move": ("fac", f"/facilitate/sessions/{session}/move/"),
        "note-revisions": ("fac", f"/facilitate/sessions/{session}/note/revisions/"),
        "safety": ("coord", "/facilitate/safety/"),
        "audit": ("coord", "/facilitate/audit/"),
        "reports": ("coord", "/facilitate/reports/"),
    }


PAGE_NAMES = list(_pages({"slug": "x", "session": 1, "schedule": 1, "robin": 1}))


@pytest.fixture(scope="module")
def axe():
    return Axe()


@pytest.mark.parametrize("width", sorted(WIDTHS))
@pytest.mark.parametrize("name", PAGE_NAMES)
def test_page_has_no_serious_accessibility_violations(
    browser, hearth_server, world, axe, name, width
):
    role, path = _pages(world)[name]
    w, h = WIDTHS[width]
    context = browser.new_context(base_url=hearth_server.url, viewport={"width": w, "height": h})
    sign_in(hearth_server, context, world[role])
    page = context.new_page()
    response = page.goto(path)
    assert response.status == 200
    if name == "schedule-new":
        page.locator("#id_first_date").fill("2030-01-01")
        page.locator("#id_start_time").fill("19:00")
        page.locator("#id_frequency").select_option("monthly")
        expect(page.locator("#preview li")).to_have_count(6)
    results = axe.run(page)
    serious = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == [], serious
    # Nothing wider than the screen at 360 px (tables scroll inside their own box).
    too_wide = page.evaluate(
        """(w) => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > w + 1 && !e.closest('.table-wrap'))
            .map(e => e.tagName + '.' + e.className)""",
        w,
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= w, too_wide[:10]
    if os.environ.get("HEARTH_SCREENSHOTS"):
        SCREENS.mkdir(parents=True, exist_ok=True)
        px = 360 if width == "phone" else 1280
        page.screenshot(path=str(SCREENS / f"fac-{name}-{px}.png"), full_page=True)
    context.close()


def test_note_conflict_shows_both_versions_and_keeps_my_text(browser, hearth_server, world):
    context = browser.new_context(base_url=hearth_server.url)
    sign_in(hearth_server, context, world["fac"])
    page = context.new_page()
    page.goto(f"/facilitate/sessions/{world['session']}/")
    page.wait_for_load_state("networkidle")
    # Someone else saves while this page is open.
    server_json(
        hearth_server,
        f"""
from facilitators.services import note_read, note_save
from sessions_app.models import Session, User
session = Session.objects.get(pk={world["session"]})
coord = User.objects.get(username={world["coord"]!r})
current = note_read(session=session, by=coord)
note_save(session=session, by=coord, summary="Coordinator's summary", body="Their words.",
    themes=[], follow_ups=[], safety_concern=True, revision=current["revision"])
result = True
""",
    )
    page.locator("#id_body").fill("My words, typed before I knew.")
    conflict = page.locator("#note-conflict")
    expect(conflict).to_be_visible(timeout=20_000)
    expect(conflict).to_contain_text("Their words.")
    expect(conflict).to_contain_text("My words, typed before I knew.")
    expect(page.locator("#id_body")).to_have_value("My words, typed before I knew.")
    expect(page.locator("#note-status")).to_contain_text("Not saved")
    if os.environ.get("HEARTH_SCREENSHOTS"):
        page.screenshot(path=str(SCREENS / "fac-note-conflict-1280.png"), full_page=True)
    page.get_by_role("button", name="Keep my version and save").click()
    expect(page.locator("#note-status")).to_have_text("Saved", timeout=20_000)
    saved = server_json(
        hearth_server,
        f"""
from facilitators.services import note_read
from sessions_app.models import Session, User
note = note_read(session=Session.objects.get(pk={world["session"]}),
    by=User.objects.get(username={world["fac"]!r}))
result = note["body"]
""",
    )
    assert saved == "My words, typed before I knew."
    context.close()


def test_note_typed_offline_survives_closing_the_tab(browser, hearth_server, world):
    """Typed with no connection, tab closed before it could save: the next visit puts the
    text back from this device and saves it."""
    context = browser.new_context(base_url=hearth_server.url)
    sign_in(hearth_server, context, world["fac"])
    page = context.new_page()
    page.goto(f"/facilitate/sessions/{world['session']}/")
    page.wait_for_load_state("networkidle")
    context.set_offline(True)
    page.locator("#id_summary").fill("Written on the bus, no signal")
    expect(page.locator("#note-status")).to_have_text("Not saved yet — retrying", timeout=20_000)
    page.close()
    context.set_offline(False)
    page = context.new_page()
    page.goto(f"/facilitate/sessions/{world['session']}/")
    expect(page.locator("#id_summary")).to_have_value("Written on the bus, no signal")
    expect(page.locator("#note-status")).to_have_text("Saved", timeout=20_000)
    assert page.evaluate("localStorage.length") == 0
    saved = server_json(
        hearth_server,
        f"""
from facilitators.services import note_read
from sessions_app.models import Session, User
note = note_read(session=Session.objects.get(pk={world["session"]}),
    by=User.objects.get(username={world["fac"]!r}))
result = note["summary"]
""",
    )
    assert saved == "Written on the bus, no signal"
    context.close()
