"""The share timer and rounds with the keyboard alone (Tab, Shift+Tab, Enter, Space; no mouse):
an attendee raises a hand, the facilitator gives them the turn and a timed share, starts a
round with a prompt, the attendee passes in it, the facilitator ends the round and stops the
timer. After every key and every frame that re-renders the queue, the focus is on a control
and visibly so, never dropped to the page; the controls are axe clean at 360 and 1280 px."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.e2e.room_helpers import logged_in, make_room, open_room

FOCUS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  return {id: el.id, label: el.getAttribute('aria-label') || el.textContent.trim().slice(0, 40),
          visible: el.matches(':focus-visible'),
          outline: getComputedStyle(el).outlineStyle};
}"""


def focus(page: Page) -> dict:
    """Where the focus is; fails if it is on nothing (the page itself) or not shown."""
    where = page.evaluate(FOCUS)
    assert where is not None, "the focus was dropped to the page"
    assert where["visible"] and where["outline"] != "none", where
    return where


def press(page: Page, key: str) -> dict:
    page.keyboard.press(key)
    return focus(page)


def tab_to(page: Page, element_id: str, *, back: bool = False, limit: int = 80) -> None:
    """Tab (or Shift+Tab) until the element with `element_id` has the focus."""
    key = "Shift+Tab" if back else "Tab"
    for _ in range(limit):
        page.keyboard.press(key)
        if page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            focus(page)
            return
        # The first Tab on a fresh page starts from the page; after that, never on it again.
        focus(page)
    raise AssertionError(f"#{element_id} not reached with {key}")


def expect_focus_on(page: Page, element_id: str) -> None:
    expect(page.locator(f"#{element_id}")).to_be_focused()
    focus(page)


def serious(page: Page) -> list[str]:
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in Axe().run(page).response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("width", [360, 1280])
def test_share_timer_and_round_with_the_keyboard_alone(browser, hearth_server, unique, width):
    room = make_room(hearth_server, unique)
    contexts = [
        logged_in(browser, hearth_server, room.cookies[who], width=width, height=800)
        for who in ("lead", "ana", "ben")
    ]
    lee, ana, ben = (open_room(context, room) for context in contexts)

    # Ana raises her hand with Space.
    tab_to(ana, "hand")
    press(ana, "Space")
    expect(ana.locator("#hand")).to_have_attribute("aria-pressed", "true")
    expect(lee.locator("#queue")).to_contain_text("Ana")
    expect_focus_on(ana, "hand")

    # Lee gives her the turn: the queue empties and "Next speaker" goes off, so the focus
    # moves on to the share timer's Start rather than falling to the page.
    tab_to(lee, "next-speaker")
    lee.keyboard.press("Enter")
    expect(ana.locator("#turn")).to_have_text("It's your turn to speak.")
    expect(lee.locator("#next-speaker")).to_be_disabled()
    expect_focus_on(lee, "share-start")

    # A two-minute share: Shift+Tab back to the minutes, type, Tab on to Start, Space.
    tab_to(lee, "share-minutes", back=True)
    lee.keyboard.press("ControlOrMeta+a")
    lee.keyboard.type("2")
    tab_to(lee, "share-start")
    press(lee, "Space")
    for page in (ana, lee):
        expect(page.locator("#share-timer")).to_be_visible()
        expect(page.locator("#share-left")).to_contain_text("left")
    expect(lee.locator("#share-stop")).to_be_enabled()
    expect_focus_on(lee, "share-start")

    # A round with a prompt: Shift+Tab up to the prompt, type it, Tab to Start round, Enter.
    tab_to(lee, "round-prompt-input", back=True)
    lee.keyboard.type("One thing you are grateful for")
    tab_to(lee, "round-start")
    press(lee, "Enter")
    for page in (lee, ana, ben):
        expect(page.locator("#round")).to_contain_text("One thing you are grateful for")
    expect(lee.locator("#queue")).to_contain_text("Ben")
    expect(ana.locator("#turn")).to_have_text("It's your turn to speak.")
    # The queue was drawn again on Lee's page: the focus stayed where it was.
    expect_focus_on(lee, "round-start")
    expect(ana.locator("#pass")).to_have_text("Pass this round")
    # A new turn starts untimed: Lee gives Ana a share in the round (Tab on to Start timer).
    tab_to(lee, "share-start")
    press(lee, "Enter")
    expect(ana.locator("#share-timer")).to_be_visible()
    expect_focus_on(lee, "share-start")

    # Axe, with the timer running and the round on, on the facilitator's and an attendee's page.
    for who, page in (("facilitator", lee), ("attendee", ana)):
        assert serious(page) == [], who
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the {who}'s page scrolls sideways at {width} px"

    # Ana passes with the keyboard: Ben's turn. Her Pass goes off, and the focus goes back to
    # her hand button instead of the page.
    tab_to(ana, "pass")
    ana.keyboard.press("Enter")
    expect(ben.locator("#turn")).to_have_text("It's your turn to speak.")
    expect(ana.locator("#pass")).to_be_disabled()
    expect_focus_on(ana, "hand")

    # Lee ends the round: End round goes off, the focus goes to Start round.
    tab_to(lee, "round-end", back=True)
    lee.keyboard.press("Enter")
    for page in (lee, ana, ben):
        expect(page.locator("#round")).to_be_hidden()
    expect(lee.locator("#round-end")).to_be_disabled()
    expect_focus_on(lee, "round-start")

    # A share for Ben, stopped early: Stop timer goes off, the focus goes to Start timer.
    tab_to(lee, "share-start")
    press(lee, "Space")
    expect(ben.locator("#share-timer")).to_be_visible()
    tab_to(lee, "share-stop")
    lee.keyboard.press("Enter")
    for page in (ben, lee):
        expect(page.locator("#share-timer")).to_be_hidden()
    expect(lee.locator("#share-stop")).to_be_disabled()
    expect_focus_on(lee, "share-start")
    for context in contexts:
        context.close()
