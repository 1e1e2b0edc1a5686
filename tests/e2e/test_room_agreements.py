"""Group agreements, the share timer and rounds in a real browser: the guidelines gate before
a first message (with the keyboard alone), a share timer that shows the right time left after
the page comes back, and the room with all of them on, axe clean at 360 and 1280 px."""

from __future__ import annotations

from datetime import datetime

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.e2e.room_helpers import (
    SocketGate,
    expect_in_log,
    logged_in,
    make_room,
    open_room,
    send_message,
)

WORDS = "What is said here stays here.\nSpeak from your own experience."


@pytest.fixture
def contexts(browser, hearth_server):
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
    room = make_room(hearth_server, unique)
    hearth_server.shell(
        "from sessions_app import services\n"
        "from sessions_app.models import SupportGroup\n"
        f"group = SupportGroup.objects.get(sessions__pk={room.session})\n"
        f"services.group_update(group=group, guidelines={WORDS!r})\n"
    )
    return room


def _serious(results) -> list[str]:
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_guidelines_gate_before_the_first_message_with_the_keyboard(contexts, room):
    lee = open_room(contexts(room.cookies["lead"]), room)
    ana = open_room(contexts(room.cookies["ana"]), room)
    # The facilitator sees the words, with nothing to accept.
    expect(lee.locator("#guidelines")).to_be_visible()
    expect(lee.locator("#guidelines-accept")).to_be_hidden()
    # The attendee sees them open, with Accept.
    expect(ana.locator("#guidelines-text")).to_have_text(WORDS)
    expect(ana.locator("#guidelines-accept")).to_be_visible()

    def focused() -> str:
        return ana.evaluate("document.activeElement && document.activeElement.id")

    ana.locator("body").click(position={"x": 1, "y": 1})
    for _ in range(60):
        ana.keyboard.press("Tab")
        if focused() == "message":
            break
    assert focused() == "message"
    ana.keyboard.type("My first words here")
    ana.keyboard.press("Enter")
    # Not sent: the focus goes to Accept, and the page says why.
    expect(ana.locator("#send-note")).to_have_text("Please accept the group's guidelines first.")
    assert focused() == "guidelines-accept"
    outline = ana.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    ana.keyboard.press("Enter")
    expect(ana.locator("#guidelines-accept")).to_be_hidden()
    expect(ana.locator("#guidelines-intro")).to_have_text("You have accepted these guidelines.")
    # Back in the message box, the words still there: Enter sends them.
    expect(ana.locator("#message")).to_be_focused()
    expect(ana.locator("#message")).to_have_value("My first words here")
    ana.keyboard.press("Enter")
    expect_in_log(lee, "My first words here")
    # Reloading does not ask again (accepted once for the group).
    ana.reload()
    expect(ana.locator("#conn")).to_have_attribute("data-state", "connected")
    expect(ana.locator("#guidelines-accept")).to_be_hidden()


def _server_share_end(server, room) -> datetime:
    out = server.shell(
        "from rooms.models import Room\n"
        f"print(Room.objects.get(session_id={room.session}).share_ends_at.isoformat())\n"
    )
    return datetime.fromisoformat(out.strip().splitlines()[-1])


def _left_on_page(page) -> tuple[int, float]:
    """The seconds the page shows as left, and the page's clock (ms) when it worked them out
    (it does once a second)."""
    left, at = page.evaluate(
        "() => { const t = document.querySelector('#share-timer');"
        " return [Number(t.dataset.left), Number(t.dataset.at)]; }"
    )
    return left, at


def test_share_timer_survives_a_reconnect(contexts, hearth_server, room):
    lee = open_room(contexts(room.cookies["lead"]), room)
    ana_context = contexts(room.cookies["ana"])
    gate = SocketGate(ana_context)
    ana = open_room(ana_context, room)
    ana.locator("#hand").click()
    expect(lee.locator("#queue")).to_contain_text("Ana")
    lee.locator("#next-speaker").click()
    expect(ana.locator("#turn")).to_have_text("It's your turn to speak.")
    lee.get_by_label("Minutes (1 to 10)").fill("2")
    lee.get_by_role("button", name="Start timer").click()
    expect(ana.locator("#share-timer")).to_be_visible()
    expect(lee.locator("#share-timer")).to_be_visible()
    end = _server_share_end(hearth_server, room).timestamp() * 1000

    def check(page) -> None:
        left, now = _left_on_page(page)
        assert abs(left - (end - now) / 1000) <= 1, (left, (end - now) / 1000)

    check(ana)
    # The connection drops and comes back: the same end, not a new two minutes.
    gate.drop()
    expect(ana.locator("#conn")).to_have_attribute("data-state", "reconnecting")
    gate.open = True
    expect(ana.locator("#conn")).to_have_attribute("data-state", "connected", timeout=60_000)
    check(ana)
    # A reload starts from nothing but the welcome frame.
    ana.reload()
    expect(ana.locator("#conn")).to_have_attribute("data-state", "connected")
    expect(ana.locator("#share-timer")).to_be_visible()
    check(ana)
    # The facilitator stops it: it goes for everyone.
    lee.get_by_role("button", name="Stop timer").click()
    expect(ana.locator("#share-timer")).to_be_hidden()


@pytest.mark.parametrize("width", [360, 1280])
def test_agreements_timer_and_round_are_axe_clean(contexts, room, width):
    lee = open_room(contexts(room.cookies["lead"], width=width, height=800), room)
    ana = open_room(contexts(room.cookies["ana"], width=width, height=800), room)
    ben = open_room(contexts(room.cookies["ben"], width=width, height=800), room)
    ben.locator("#guidelines-accept").click()
    expect(ben.locator("#guidelines-accept")).to_be_hidden()
    send_message(ben, "Glad to be here.")
    expect_in_log(lee, "Glad to be here.")
    lee.get_by_label("Prompt for everyone here, in the order they came").fill(
        "One thing you are grateful for"
    )
    lee.get_by_role("button", name="Start round").click()
    for page in (lee, ana, ben):
        expect(page.locator("#round")).to_contain_text("One thing you are grateful for")
    expect(ana.locator("#turn")).to_have_text("It's your turn to speak.")
    expect(ana.locator("#pass")).to_have_text("Pass this round")
    lee.get_by_role("button", name="Start timer").click()
    expect(ana.locator("#share-timer")).to_be_visible()
    axe = Axe()
    for who, page in (("attendee, guidelines open", ana), ("facilitator", lee), ("ben", ben)):
        assert _serious(axe.run(page)) == [], who
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{who} page scrolls sideways at {width} px"
    # Ana passes: Ben's turn; Ben passes: the round is over.
    ana.locator("#pass").click()
    expect(ben.locator("#turn")).to_have_text("It's your turn to speak.")
    ben.locator("#pass").click()
    for page in (lee, ana, ben):
        expect(page.locator("#round")).to_be_hidden()
    expect(ana.locator("#pass")).to_have_text("Pass")
