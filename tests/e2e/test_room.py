"""The live room in a real browser: an attendee and a facilitator in their own browser
contexts, on a real Daphne, through room.js and the WebSocket protocol of docs/rooms.md."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.e2e.room_helpers import (
    SocketGate,
    confirm_dialog,
    expect_in_log,
    log_items,
    log_texts,
    logged_in,
    make_room,
    open_room,
    post_messages,
    send_message,
)

SCREENS = Path(__file__).resolve().parents[2] / "docs" / "screens"


@pytest.fixture
def contexts(browser, hearth_server):
    """Make logged-in browser contexts; all closed at the end of the test."""
    made = []

    def make(cookie: str, **size):
        context = logged_in(browser, hearth_server, cookie, **size)
        made.append(context)
        return context

    yield make
    for context in made:
        context.close()


@pytest.fixture
def room(hearth_server, unique):
    return make_room(hearth_server, unique)


def test_attendee_and_facilitator_talk_take_turns_and_check_in(contexts, room, unique):
    lee = open_room(contexts(room.cookies["lead"]), room)
    ana = open_room(contexts(room.cookies["ana"]), room)

    expect(lee.locator("#people")).to_contain_text("Ana")
    expect(ana.locator("#people")).to_contain_text("Lee")
    send_message(ana, "Hello, this is my first time.")
    expect_in_log(lee, "Hello, this is my first time.")
    expect_in_log(ana, "Hello, this is my first time.")
    expect(ana.get_by_label("Your message")).to_have_value("")
    send_message(lee, "Welcome, Ana. Glad you came.")
    expect_in_log(ana, "Welcome, Ana. Glad you came.")

    # Hands and turns.
    hand = ana.locator("#hand")
    expect(hand).to_have_attribute("aria-pressed", "false")
    hand.click()
    expect(hand).to_have_attribute("aria-pressed", "true")
    expect(ana.locator("#hand-state")).to_have_text("Your hand is raised: number 1 in line.")
    expect(lee.locator("#queue")).to_contain_text("Ana")
    lee.get_by_role("button", name="Next speaker").click()
    expect(ana.locator("#turn")).to_have_text("It's your turn to speak.")
    expect(ana.locator("#turn")).to_have_attribute("aria-live", "assertive")
    expect(lee.locator("#turn")).to_have_text("Ana is speaking.")
    expect(hand).to_have_attribute("aria-pressed", "false")
    ana.get_by_role("button", name="Pass").click()
    expect(ana.locator("#turn")).to_have_text("Nobody has the turn.")
    expect(lee.locator("#turn")).to_have_text("Nobody has the turn.")

    # Check-in: private to facilitators.
    ana.get_by_role("radio", name="At the start").check()
    ana.get_by_role("radio", name="2", exact=True).check()
    ana.get_by_role("button", name="Share my mood").click()
    expect(lee.locator("#checkins")).to_contain_text("Ana: mood 2 of 5 (start)")

    # Report a message: the facilitators get a private alert with the reason.
    ana.get_by_role("button", name="Report the message from Lee").click()
    confirm_dialog(ana, reason="It felt dismissive")
    expect(lee.locator("#alerts")).to_contain_text("Ana reported a message")
    expect(lee.locator("#alerts")).to_contain_text("It felt dismissive")

    # Crisis words: the sender gets support privately, the facilitators an alert.
    send_message(ana, "Some days I want to die.")
    expect(ana.locator("#support")).to_be_visible()
    expect(ana.locator("#support")).to_contain_text("988")
    expect(lee.locator("#alerts")).to_contain_text("Crisis words from Ana")
    expect(lee.locator("#support")).to_be_hidden()

    # A facilitator takes a message down for everyone.
    lee.get_by_role("button", name="Delete the message from Ana").first.click()
    confirm_dialog(lee)
    expect(ana.locator("#log > li.deleted")).to_have_count(1)
    expect(ana.locator("#log > li.deleted .text")).to_have_text(
        "A facilitator removed this message."
    )
    assert "Hello, this is my first time." not in log_texts(ana)

    # The crisis resources are one tap away the whole time.
    ana.get_by_text("Need support now?").click()
    expect(ana.locator("#crisis-text")).to_be_visible()
    expect(ana.locator("#crisis-text")).to_contain_text("988")

    # People are their display names: no account names reach the other side.
    assert "Lee" in ana.content() and "Ana" in lee.content()
    assert f"lead-{unique}" not in ana.content() and f"co-{unique}" not in ana.content()
    assert f"ana-{unique}" not in lee.content() and f"ben-{unique}" not in lee.content()


def test_mute_unmute_and_remove(contexts, room):
    lee = open_room(contexts(room.cookies["lead"]), room)
    ana_context = contexts(room.cookies["ana"])
    ana = open_room(ana_context, room)
    send_message(ana, "Before anything happened")
    expect_in_log(lee, "Before anything happened")

    lee.get_by_role("button", name="Mute Ana").click()
    expect(ana.locator("#send-note")).to_contain_text("A facilitator has muted you")
    expect(ana.get_by_role("button", name="Send", exact=True)).to_be_disabled()
    box = ana.get_by_label("Your message")
    expect(box).to_have_attribute("readonly", "")
    box.evaluate("(el) => { el.value = 'I should not get through'; }")
    box.press("Enter")
    expect(lee.locator("#people")).to_contain_text("muted")
    expect(lee.locator("#mod-note")).to_have_text("Ana is muted.")
    # Still one message in both logs: the muted attempt never left the page.
    expect(log_items(lee)).to_have_count(1)
    expect(log_items(ana)).to_have_count(1)

    lee.get_by_role("button", name="Unmute Ana").click()
    expect(ana.locator("#send-note")).to_have_text("You can send messages again.")
    expect(ana.get_by_role("button", name="Send", exact=True)).to_be_enabled()
    send_message(ana, "Thank you for letting me back")
    expect_in_log(lee, "Thank you for letting me back")

    lee.get_by_role("button", name="Remove Ana from this session").click()
    confirm_dialog(lee, reason="Repeated personal attacks")
    expect(ana.locator("#notice")).to_contain_text("A facilitator has removed you")
    expect(log_items(ana)).to_have_count(0)
    expect(ana.locator("#room-body")).to_be_hidden()
    expect(ana.locator("#conn")).to_have_attribute("data-state", "offline")
    expect(lee.locator("#mod-note")).to_have_text("Ana was removed from the session.")
    expect(lee.locator("#people")).not_to_contain_text("Ana")

    # No way back in: the page refuses and so does the WebSocket.
    response = ana.reload()
    assert response.status == 403
    expect(ana.get_by_role("heading", level=1)).to_have_text("You can't rejoin this session")
    close_code = ana.evaluate(
        """(path) => new Promise((resolve) => {
            const ws = new WebSocket("ws://" + location.host + path);
            ws.onclose = (event) => resolve(event.code);
        })""",
        f"/ws/sessions/{room.session}/room/",
    )
    assert close_code == 4410


def test_lobby_facilitator_admits_the_attendee(contexts, hearth_server, unique):
    room = make_room(hearth_server, unique, lobby=True)
    lee = open_room(contexts(room.cookies["lead"]), room)
    ana = open_room(contexts(room.cookies["ana"]), room)
    expect(ana.locator("#notice")).to_contain_text("You are in the waiting room")
    expect(ana.locator("#room-body")).to_be_hidden()
    expect(lee.locator("#lobby")).to_contain_text("Ana")

    lee.get_by_role("button", name="Admit Ana").click()
    expect(ana.locator("#room-body")).to_be_visible()
    expect(ana.locator("#notice")).to_be_hidden()
    expect(lee.locator("#lobby")).to_have_text("Nobody is waiting.")
    expect(lee.locator("#mod-note")).to_have_text("Ana was let in.")
    send_message(ana, "Thanks for letting me in")
    expect_in_log(lee, "Thanks for letting me in")


def test_facilitator_ends_the_room(contexts, room):
    lee = open_room(contexts(room.cookies["lead"]), room)
    ana = open_room(contexts(room.cookies["ana"]), room)
    send_message(ana, "A last word")
    expect_in_log(lee, "A last word")

    lee.get_by_role("button", name="End room").click()
    confirm_dialog(lee)
    for page in (ana, lee):
        expect(page.locator("#notice")).to_contain_text("The session has ended")
        expect(log_items(page)).to_have_count(0)
        expect(page.locator("#conn")).to_have_attribute("data-state", "offline")
    assert ana.reload().status == 409


def test_speaking_queue_reorder(contexts, room):
    lee = open_room(contexts(room.cookies["lead"]), room)
    ana = open_room(contexts(room.cookies["ana"]), room)
    ben = open_room(contexts(room.cookies["ben"]), room)
    ana.locator("#hand").click()
    expect(lee.locator("#queue > li")).to_have_count(1)
    ben.locator("#hand").click()
    expect(lee.locator("#queue > li")).to_have_count(2)
    expect(lee.locator("#queue > li").nth(0)).to_contain_text("Ana")

    lee.get_by_role("button", name="Move Ben up").click()
    expect(lee.locator("#queue > li").nth(0)).to_contain_text("Ben")
    expect(ben.locator("#hand-state")).to_have_text("Your hand is raised: number 1 in line.")
    expect(ana.locator("#hand-state")).to_have_text("Your hand is raised: number 2 in line.")
    # The moved person keeps the keyboard focus with them.
    expect(lee.get_by_role("button", name="Move Ben down")).to_be_enabled()

    lee.get_by_role("button", name="Next speaker").click()
    expect(ben.locator("#turn")).to_have_text("It's your turn to speak.")
    expect(ana.locator("#turn")).to_have_text("Ben is speaking.")


def test_lock_and_unlock(contexts, room):
    lee = open_room(contexts(room.cookies["lead"]), room)
    ana = open_room(contexts(room.cookies["ana"]), room)
    lee.get_by_role("button", name="Lock room").click()
    expect(ana.locator("#room-state")).to_have_text("The room is locked: nobody new can join.")
    # Ben was never in: he is kept out while it is locked.
    ben = contexts(room.cookies["ben"]).new_page()
    assert ben.goto(room.path).status == 403
    lee.get_by_role("button", name="Unlock room").click()
    expect(ana.locator("#room-state")).to_have_text("")
    assert ben.goto(room.path).status == 200


def test_reconnect_after_a_server_restart_loses_nothing(contexts, hearth_server, room):
    lee = open_room(contexts(room.cookies["lead"]), room)
    ana_context = contexts(room.cookies["ana"])
    # Ana's socket goes through a gate, so the test decides when she can come back.
    gate = SocketGate(ana_context)
    ana = open_room(ana_context, room)
    for n in (1, 2, 3):
        send_message(ana, f"before {n}")
        expect_in_log(lee, f"before {n}")
    expect(log_items(ana)).to_have_count(3)

    gate.open = False
    hearth_server.restart()
    expect(ana.locator("#conn")).to_have_attribute("data-state", "reconnecting")
    expect(lee.locator("#conn")).to_have_attribute("data-state", "connected", timeout=60_000)
    missed = [f"while Ana was away {n}" for n in range(1, 6)]
    for text in missed:
        send_message(lee, text)
        expect_in_log(lee, text)
    expect(ana.locator("#conn")).to_have_attribute("data-state", "reconnecting")

    gate.open = True
    expect(ana.locator("#conn")).to_have_attribute("data-state", "connected", timeout=60_000)
    expected = [f"before {n}" for n in (1, 2, 3)] + missed
    expect(log_items(ana)).to_have_count(len(expected))
    assert log_texts(ana) == expected
    seqs = ana.locator("#log > li").evaluate_all("items => items.map(li => +li.dataset.seq)")
    assert seqs == sorted(set(seqs)) and len(seqs) == len(expected)

    send_message(ana, "I'm back")
    expect_in_log(lee, "I'm back")
    # Ana's frames come through the gate (Playwright's proxy), so hers may land after Lee's.
    expect(log_items(ana)).to_have_count(len(expected) + 1)
    assert log_texts(ana) == [*expected, "I'm back"]


def test_resume_after_a_long_absence_fills_the_gap_in_order(contexts, hearth_server, room):
    """More was said while away than the welcome's last 50: the resume brings the older ones
    and they land in their place, each once."""
    lee = open_room(contexts(room.cookies["lead"]), room)
    ana_context = contexts(room.cookies["ana"])
    gate = SocketGate(ana_context)
    ana = open_room(ana_context, room)
    send_message(lee, "first")
    expect_in_log(ana, "first")

    gate.drop()
    expect(ana.locator("#conn")).to_have_attribute("data-state", "reconnecting")
    missed = [f"missed {n:02d}" for n in range(1, 61)]
    post_messages(hearth_server, room, "lead", missed)
    gate.open = True
    expected = ["first", *missed]
    expect(log_items(ana)).to_have_count(len(expected), timeout=60_000)
    expect(ana.locator("#conn")).to_have_attribute("data-state", "connected")
    assert log_texts(ana) == expected


def test_message_times_are_in_the_zone_the_header_names(contexts, room):
    """The header gives the session in the group's zone (New York here); a phone set to Tokyo
    shows the messages' times in that zone too, not its own, on the header's 12-hour clock."""
    lee = open_room(contexts(room.cookies["lead"]), room)
    ana = open_room(contexts(room.cookies["ana"], timezone_id="Asia/Tokyo"), room)
    expect(ana.locator(".room-head")).to_contain_text("Eastern")
    send_message(lee, "What time is it?")
    expect_in_log(ana, "What time is it?")
    stamp = ana.locator("#log > li .meta time").first
    sent_at = datetime.fromisoformat(stamp.get_attribute("datetime").replace("Z", "+00:00"))
    in_group_zone = sent_at.astimezone(ZoneInfo("America/New_York"))
    shown = stamp.inner_text().replace("\u202f", " ")  # some ICU versions space with U+202F
    assert shown == in_group_zone.strftime("%-I:%M %p")  # as the header: 9:42 PM
    assert ana.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone") == "Asia/Tokyo"


def test_chat_pauses_without_a_facilitator(contexts, room):
    ana = open_room(contexts(room.cookies["ana"]), room)
    expect(ana.locator("#room-state")).to_have_text("Chat is paused until a facilitator is here.")
    expect(ana.get_by_role("button", name="Send", exact=True)).to_be_disabled()
    lee_context = contexts(room.cookies["lead"])
    lee = open_room(lee_context, room)
    expect(ana.locator("#room-state")).to_have_text("")
    send_message(ana, "Hi Lee")
    expect_in_log(lee, "Hi Lee")
    lee_context.close()
    expect(ana.locator("#room-state")).to_have_text("Chat is paused until a facilitator is here.")


def test_room_with_the_keyboard_alone(contexts, room):
    open_room(contexts(room.cookies["lead"]), room)
    ana = open_room(contexts(room.cookies["ana"]), room)

    def tab_to(element_id: str, limit: int = 40) -> None:
        for _ in range(limit):
            ana.keyboard.press("Tab")
            if ana.evaluate("document.activeElement && document.activeElement.id") == element_id:
                outline = ana.evaluate("getComputedStyle(document.activeElement).outlineStyle")
                assert outline != "none", f"#{element_id} has no visible focus"
                return
        raise AssertionError(f"Tab never reached #{element_id}")

    ana.locator("body").click(position={"x": 1, "y": 1})
    tab_to("message")
    ana.keyboard.type("Typed without a mouse")
    ana.keyboard.press("Enter")
    expect_in_log(ana, "Typed without a mouse")
    tab_to("hand")
    ana.keyboard.press("Space")
    expect(ana.locator("#hand")).to_have_attribute("aria-pressed", "true")
    ana.keyboard.press("Space")
    expect(ana.locator("#hand")).to_have_attribute("aria-pressed", "false")


def _serious(results) -> list[str]:
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def _busy_room(contexts, room, **size):
    """Both views with something in every panel: messages, hands, an alert, a check-in."""
    lee = open_room(contexts(room.cookies["lead"], **size), room)
    ana = open_room(contexts(room.cookies["ana"], **size), room)
    send_message(ana, "It has been a hard week, honestly.")
    send_message(lee, "Thank you for sharing that, Ana.")
    expect(log_items(ana)).to_have_count(2)
    ana.locator("#hand").click()
    ana.get_by_role("radio", name="3", exact=True).check()
    ana.get_by_role("button", name="Share my mood").click()
    ana.get_by_role("button", name="Report the message from Lee").click()
    confirm_dialog(ana, reason="Just testing the report button")
    expect(lee.locator("#queue")).to_contain_text("Ana")
    expect(lee.locator("#checkins")).to_contain_text("Ana")
    expect(lee.locator("#alerts")).to_contain_text("Ana reported a message")
    expect(lee.locator("#alert-flag")).to_be_visible()
    return lee, ana


def test_no_serious_accessibility_violations(contexts, room):
    lee, ana = _busy_room(contexts, room)
    axe = Axe()
    for who, page in (("attendee", ana), ("facilitator", lee)):
        assert _serious(axe.run(page)) == [], who
    ana.get_by_role("button", name="Report the message from Lee").click()
    assert _serious(axe.run(ana)) == [], "report dialog"


def test_room_not_open_yet_page(contexts, hearth_server, unique):
    room = make_room(hearth_server, unique, open_room=False)
    page = contexts(room.cookies["ana"]).new_page()
    assert page.goto(room.path).status == 409
    expect(page.get_by_role("heading", level=1)).to_have_text("The room isn't open yet")
    expect(page.get_by_text("up to 15 minutes before")).to_be_visible()
    assert page.locator("#room").count() == 0
    assert _serious(Axe().run(page)) == []


@pytest.mark.parametrize("width", [360, 1280])
def test_room_fits_the_screen(contexts, room, width):
    lee, ana = _busy_room(contexts, room, width=width, height=800)
    for who, page in (("attendee", ana), ("facilitator", lee)):
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{who} page scrolls sideways at {width} px"
        if os.environ.get("HEARTH_SCREENS"):
            SCREENS.mkdir(parents=True, exist_ok=True)
            page.evaluate("window.scrollTo(0, 0)")
            # Phones: the whole page, to show the order of the panels; desktop: the screen.
            page.screenshot(path=SCREENS / f"room-{who}-{width}.png", full_page=width < 600)
