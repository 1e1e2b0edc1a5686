"""A coordinator sets up a group and its facilitator; the facilitator gives it a "first Monday"
schedule (previewed as they type), cancels one session, approves a member, takes attendance
without a page reload, and writes a note that survives a reload and a dropped connection."""

import re
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.facilitator_helpers import make_user, server_json, sign_in

SAVE_TIMEOUT = 45_000  # ms; retries back off up to 30 s, and the machine is shared


def fill_first_monday_schedule(page) -> None:
    """Fill the schedule form: monthly on the first Monday at 7:00 PM, from ten days ahead."""
    first_date = (timezone.localdate() + timedelta(days=10)).isoformat()
    page.locator("#id_first_date").fill(first_date)
    page.locator("#id_start_time").fill("19:00")
    page.locator("#id_frequency").select_option("monthly")
    page.locator("#id_monthly_mode").select_option("weekday")
    page.locator("#id_setpos").select_option("1")
    page.locator("#id_month_weekday").select_option("MO")


def test_facilitator_flow(browser, hearth_server, unique):
    server = hearth_server
    coord, fac = f"coord{unique}", f"fac{unique}"
    make_user(server, coord, display="Casey", staff=True)
    make_user(server, fac, display="Sam")
    group_name = f"Monday Circle {unique}"

    # --- the coordinator creates the group and makes Sam its facilitator
    coord_ctx = browser.new_context(base_url=server.url)
    sign_in(server, coord_ctx, coord)
    page = coord_ctx.new_page()
    page.goto("/facilitate/groups/new/")
    page.get_by_label("Name", exact=True).fill(group_name)
    page.get_by_label("Topic").fill("grief")
    page.get_by_label("Group guidelines").fill("What is said here stays here.")
    page.get_by_label("Time zone").fill("America/New_York")
    page.get_by_label("Seats per session").fill("8")
    page.get_by_label("Who can join").select_option("approval")
    page.get_by_role("button", name="Create group").click()
    expect(page).to_have_url(re.compile(r"/facilitate/groups/[\w-]+/schedules/new/$"))
    slug = page.url.rstrip("/").split("/")[-3]
    page.goto(f"/facilitate/groups/{slug}/facilitators/")
    page.get_by_label("Username").fill(fac)
    page.get_by_label("Role").select_option("lead")
    page.get_by_role("button", name="Assign").click()
    expect(page.get_by_text(f"({fac}, Lead)")).to_be_visible()
    coord_ctx.close()

    # --- the facilitator adds a monthly "first Monday" schedule, previewed while typing
    context = browser.new_context(base_url=server.url)
    sign_in(server, context, fac)
    page = context.new_page()
    page.goto(f"/facilitate/groups/{slug}/")
    page.get_by_role("link", name="Add a schedule").click()
    fill_first_monday_schedule(page)
    preview = page.locator("#preview")
    expect(preview).to_contain_text("Every month on the first Monday at 7:00 PM")
    items = preview.locator("li")
    expect(items).to_have_count(6)
    for text in items.all_inner_texts():
        day = int(re.match(r"Monday (\d+) ", text).group(1))
        assert day <= 7 and "7:00 PM" in text, text
    page.get_by_role("button", name="Save schedule").click()
    expect(page.get_by_text("Every month on the first Monday at 7:00 PM")).to_be_visible()

    # --- cancel the second session
    rows = page.locator("#h-sessions ~ .table-wrap tbody tr")
    expect(rows.first).to_be_visible()
    second = rows.nth(1)
    second.get_by_role("link", name=re.compile("^Cancel")).click()
    page.get_by_label("Reason").fill("Library closed for the holiday")
    page.get_by_role("button", name="Cancel this session").click()
    expect(rows.nth(1).locator(".tag")).to_have_text("cancelled")
    expect(rows.nth(0).locator(".tag")).to_have_count(0)

    # --- someone asks to join and one member RSVPs to the first session
    ids = server_json(
        server,
        f"""
from sessions_app import services
from sessions_app.models import Membership, Session, SupportGroup, User
group = SupportGroup.objects.get(slug={slug!r})
robin = User.objects.create(username="robin{unique}", display_name="Robin")
newbie = User.objects.create(username="newbie{unique}", display_name="Noor")
Membership.objects.create(group=group, user=robin, status="approved", display_name="Robin R")
pending = Membership.objects.create(
    group=group, user=newbie, status="pending", display_name="Noor N"
)
first = Session.objects.filter(group=group, status="scheduled").order_by("start").first()
services.rsvp_create(session=first, user=robin)
result = {{"session": first.pk, "pending": pending.pk}}
""",
    )

    page.goto(f"/facilitate/groups/{slug}/members/")
    page.get_by_role("button", name="Approve Noor N").click()
    expect(page.get_by_text("Noor N is now a member.")).to_be_visible()
    status = server_json(
        server,
        f"from sessions_app.models import Membership\n"
        f"result = Membership.objects.get(pk={ids['pending']}).status",
    )
    assert status == "approved"

    # --- attendance ticks swap one row (no page load)
    page.goto(f"/facilitate/sessions/{ids['session']}/")
    page.evaluate("window.__samePage = true")
    here = page.get_by_role("button", name="Here: Robin R")
    expect(here).to_have_attribute("aria-pressed", "false")
    here.click()
    expect(page.get_by_role("button", name="Here: Robin R")).to_have_attribute(
        "aria-pressed", "true"
    )
    assert page.evaluate("window.__samePage") is True
    attendance = server_json(
        server,
        f"from sessions_app.models import RSVP\n"
        f"result = RSVP.objects.get(session_id={ids['session']}, user__username='robin{unique}')"
        f".attendance",
    )
    assert attendance == "attended"

    # --- the note autosaves, survives a reload...
    status_line = page.locator("#note-status")
    page.locator("#id_summary").fill("A gentle first evening")
    page.locator("#id_body").fill("Robin R talked about the first winter.")
    page.locator("#fu-text-0").fill("Send Robin R the library hours")
    expect(status_line).to_have_text("Saved", timeout=SAVE_TIMEOUT)
    page.reload()
    expect(page.locator("#id_body")).to_have_value("Robin R talked about the first winter.")
    expect(page.locator("#fu-text-0")).to_have_value("Send Robin R the library hours")
    assert page.evaluate("localStorage.length") == 0

    # --- ...and a dropped connection: the text waits on the device, then saves
    context.set_offline(True)
    page.locator("#id_body").focus()
    page.keyboard.press("Control+End")
    page.keyboard.type(" Noor N joins next month.")
    expect(status_line).to_have_text("Not saved yet — retrying", timeout=SAVE_TIMEOUT)
    draft = page.evaluate(f"localStorage.getItem('hearth:note:{ids['session']}')")
    assert "Noor N joins next month." in draft
    context.set_offline(False)
    expect(status_line).to_have_text("Saved", timeout=SAVE_TIMEOUT)
    assert page.evaluate("localStorage.length") == 0
    saved = server_json(
        server,
        f"""
from facilitators.services import note_read
from sessions_app.models import Session, User
session = Session.objects.get(pk={ids["session"]})
note = note_read(session=session, by=User.objects.get(username={fac!r}))
result = {{"body": note["body"], "revision": note["revision"], "follow_ups": note["follow_ups"]}}
""",
    )
    assert saved["body"] == "Robin R talked about the first winter. Noor N joins next month."
    assert saved["follow_ups"] == [{"text": "Send Robin R the library hours", "done": False}]
    page.reload()
    expect(page.locator("#id_body")).to_have_value(saved["body"])
    context.close()


SLOW_NETWORK_GROUP = """
from sessions_app.models import FacilitatorAssignment
from sessions_app import services
from sessions_app.models import User
group = services.group_create(name="Slow Network Circle {unique}", topic="grief",
    timezone="America/New_York", capacity=8)
FacilitatorAssignment.objects.create(group=group, user=User.objects.get(username={fac!r}),
    role="lead")
result = group.slug
"""


def test_schedule_typed_before_the_script_loads_is_still_previewed(browser, hearth_server, unique):
    """On a slow phone the form can be filled before htmx has loaded: the preview still comes,
    as soon as it has."""
    fac = f"slowfac{unique}"
    make_user(hearth_server, fac, display="Sam")
    slug = server_json(hearth_server, SLOW_NETWORK_GROUP.format(unique=unique, fac=fac))
    context = browser.new_context(base_url=hearth_server.url)
    sign_in(hearth_server, context, fac)
    page = context.new_page()
    held = []  # the htmx request, answered only once the form is filled
    page.route("**/htmx.min.js", lambda route: held.append(route))
    page.goto(f"/facilitate/groups/{slug}/schedules/new/", wait_until="commit")
    fill_first_monday_schedule(page)
    preview = page.locator("#preview")
    expect(preview).to_contain_text("Fill in the form")  # nothing has asked for a preview yet
    assert len(held) == 1, "htmx was not requested"
    held[0].continue_()
    expect(preview).to_contain_text("Every month on the first Monday at 7:00 PM")
    expect(preview.locator("li")).to_have_count(6)
    context.close()
