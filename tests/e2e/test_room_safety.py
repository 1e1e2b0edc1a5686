"""Safety in the browser, with the keyboard alone: an attendee reports a person from the room,
the report reaches the coordinators' page with its context, a ban there ends that person's
access (their room closes, they cannot come back, their RSVP is gone, they cannot rejoin).
The pages these pieces live on (the room with the private line and "Need support now?", the
group page's report form, the account page's blocks, the reports page) pass axe at 360 and
1280 px."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.e2e.facilitator_helpers import make_user, server_json, sign_in
from tests.e2e.room_helpers import logged_in, make_room, open_room, send_message


def _check_page(page, width: int) -> None:
    """No serious or critical axe findings; nothing wider than the screen."""
    results = Axe().run(page)
    serious = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == [], serious
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def _coordinator(server, unique: str, browser, width: int = 1280):
    name = f"safecoord{unique}"
    make_user(server, name, display="Casey (coordinator)", staff=True)
    context = browser.new_context(base_url=server.url, viewport={"width": width, "height": 900})
    sign_in(server, context, name)
    return context


def test_a_report_of_a_person_reaches_the_coordinator_and_a_ban_ends_their_access(
    browser, hearth_server, unique
):
    room = make_room(hearth_server, unique)
    ana_ctx = logged_in(browser, hearth_server, room.cookies["ana"])
    ben_ctx = logged_in(browser, hearth_server, room.cookies["ben"])
    lead_ctx = logged_in(browser, hearth_server, room.cookies["lead"])
    lead = open_room(lead_ctx, room)
    ben = open_room(ben_ctx, room)
    ana = open_room(ana_ctx, room)
    send_message(ben, f"Nobody wants you here {unique}")
    expect(ana.locator("#log > li .text", has_text=unique)).to_have_count(1)

    # Ana, keyboard only: the Report button by Ben's name, a reason, Tab to "Send report".
    ana.get_by_role("button", name="Report Ben").focus()
    ana.keyboard.press("Enter")
    expect(ana.locator("dialog#dialog")).to_be_visible()
    expect(ana.locator("#dialog-reason")).to_be_focused()
    ana.keyboard.type("He keeps putting people down")
    ana.keyboard.press("Tab")
    expect(ana.locator("#dialog-ok")).to_be_focused()
    ana.keyboard.press("Enter")
    expect(ana.locator("#send-note")).to_have_text(
        "Thank you. The coordinators will look at your report."
    )
    expect(lead.locator("#alerts")).to_contain_text("Ana reported Ben to the coordinators.")

    # The coordinator, keyboard only: the report with its context; Ban; Resolve.
    coord_ctx = _coordinator(hearth_server, unique, browser)
    coord = coord_ctx.new_page()
    assert coord.goto("/facilitate/reports/").status == 200
    item = coord.locator("li.person-report", has_text=unique)
    expect(item).to_contain_text("About Ben")
    expect(item).to_contain_text(f"Nobody wants you here {unique}")
    expect(item).to_contain_text("Reported by Ana")
    item.get_by_label("No action").focus()
    for _ in range(4):  # no action, warn, mute, remove, ban
        coord.keyboard.press("ArrowDown")
    expect(item.get_by_label("Ban from the group")).to_be_checked()
    coord.keyboard.press("Tab")
    coord.keyboard.type("Second time this month")
    coord.keyboard.press("Tab")
    coord.keyboard.press("Enter")
    expect(coord.get_by_role("status")).to_contain_text(
        "Report about Ben resolved: Ban from the group."
    )
    expect(coord.locator("li.person-report", has_text=unique)).to_have_count(0)

    # Ben's room closes at once, and stays closed to him.
    expect(ben.locator("#notice")).to_have_text("You can't enter this room right now.")
    again = ben_ctx.new_page()
    assert again.goto(room.path).status == 403
    expect(again.locator("#refusal-title")).to_have_text("This room is for the group's members")
    state = server_json(
        hearth_server,
        f"""
from rooms.models import PersonReport
from sessions_app.models import RSVP, AuditEntry, Membership
report = PersonReport.objects.get(reported_id={room.ids["ben"]})
result = [
    Membership.objects.get(user_id={room.ids["ben"]}, group=report.group).status,
    RSVP.objects.get(user_id={room.ids["ben"]}, session_id={room.session}).status,
    report.action, report.resolution,
    sorted(AuditEntry.objects.filter(action__in=["member.ban", "person_report.resolve"],
        actor__username="safecoord{unique}").values_list("action", flat=True)),
    report.group.slug,
]
""",
    )
    assert state[:5] == [
        "banned",
        "cancelled",
        "ban",
        "Second time this month",
        ["member.ban", "person_report.resolve"],
    ]
    group_page = ben_ctx.new_page()
    group_page.goto(f"/groups/{state[5]}/")
    expect(group_page.locator("#join-h + p")).to_have_text("You cannot join this group.")
    # Ana and the lead stay in the room.
    send_message(lead, f"Still here {unique}")
    expect(ana.locator("#log > li .text", has_text=f"Still here {unique}")).to_have_count(1)
    for context in (ana_ctx, ben_ctx, lead_ctx, coord_ctx):
        context.close()


@pytest.mark.parametrize("width", [360, 1280])
def test_safety_pages_are_accessible(browser, hearth_server, unique, width):
    room = make_room(hearth_server, unique)
    ana_ctx = logged_in(browser, hearth_server, room.cookies["ana"], width=width)
    lead_ctx = logged_in(browser, hearth_server, room.cookies["lead"], width=width)
    lead = open_room(lead_ctx, room)
    ana = open_room(ana_ctx, room)

    # The private line, with the keyboard: Ana writes, the lead answers her.
    ana.get_by_label("Your private message").focus()
    ana.keyboard.type("Could someone check in with me after?")
    ana.keyboard.press("Tab")
    ana.keyboard.press("Enter")
    expect(lead.locator("#private-log")).to_contain_text("Could someone check in with me after?")
    expect(ana.locator("#private-note")).to_have_text("Sent privately.")
    expect(lead.get_by_label("Reply to")).to_have_value(str(room.ids["ana"]))
    lead.get_by_label("Your private reply").fill("Of course, stay a moment after.")
    lead.get_by_role("button", name="Send privately").click()
    expect(ana.locator("#private-log")).to_contain_text("Of course, stay a moment after.")
    # "Need support now?": opening tells nobody; the button does, privately.
    ana.locator("#crisis summary").focus()
    ana.keyboard.press("Enter")
    ana.get_by_role("button", name="Tell the facilitators privately").click()
    expect(ana.locator("#support-ask-note")).to_contain_text("The facilitators have been told")
    expect(lead.locator("#alerts")).to_contain_text("Ana asked privately for support.")
    _check_page(ana, width)
    _check_page(lead, width)

    # Ana blocks Ben from the room (server data), then the account page lists him.
    server_json(
        hearth_server,
        f"""
from rooms import services
from sessions_app.models import User
services.room_join(session_id={room.session}, user=User.objects.get(pk={room.ids["ben"]}),
    server_id="e2e")
services.person_block(user=User.objects.get(pk={room.ids["ana"]}), user_id={room.ids["ben"]},
    session_id={room.session})
result = True
""",
    )
    account = ana_ctx.new_page()
    account.goto("/account/")
    expect(account.get_by_role("button", name="Unblock Ben")).to_be_visible()
    _check_page(account, width)

    # The group page's report form lists the people Ana was in a room with.
    group = account
    group.goto(f"/groups/room-{unique}/")
    form = group.locator("section.report-person")
    expect(form.get_by_label("Who")).to_contain_text("Ben")
    form.get_by_label("Who").select_option(label="Ben")
    form.get_by_label("What happened").fill(f"Mean in the chat {unique}")
    form.get_by_role("button", name="Send report").click()
    expect(group.get_by_role("status")).to_contain_text("The coordinators will look at your report")
    _check_page(group, width)

    coord_ctx = _coordinator(hearth_server, unique, browser, width)
    coord = coord_ctx.new_page()
    coord.goto("/facilitate/reports/")
    expect(
        coord.locator("li.person-report", has_text=f"Mean in the chat {unique}")
    ).to_contain_text("reported from the group page")
    _check_page(coord, width)
    for context in (ana_ctx, lead_ctx, coord_ctx):
        context.close()
