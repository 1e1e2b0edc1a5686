"""Voice and video in the live room, peer to peer (the mesh: no JANUS_URL), in a real Chromium
with fake microphone and camera. media.js signals over the room WebSocket (docs/rooms.md).

Every ICE candidate but 127.0.0.1 is dropped inside the pages (LOOPBACK_ONLY), so the media of
these tests only ever travels over loopback."""

from __future__ import annotations

import time

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.e2e.media_helpers import (
    LOOPBACK_ONLY,
    VIDEO_OUT,
    everyone_hears_everyone,
    expect_audio_stopped,
    join_call,
)
from tests.e2e.room_helpers import confirm_dialog, logged_in, make_room, open_room


@pytest.fixture
def contexts(media_browser, hearth_server):
    made = []

    def make(cookie: str, **size):
        context = logged_in(media_browser, hearth_server, cookie, **size)
        context.add_init_script(LOOPBACK_ONLY)
        made.append(context)
        return context

    yield make
    for context in made:
        context.close()


@pytest.fixture
def room(hearth_server, unique):
    return make_room(hearth_server, unique)


def enter(contexts, room, who: str, **size) -> Page:
    return open_room(contexts(room.cookies[who], **size), room)


@pytest.mark.parametrize("people", [("lead", "ana"), ("lead", "ana", "ben", "co")])
def test_mesh_everyone_hears_everyone_and_no_video_before_the_camera(contexts, room, people):
    pages = {who: enter(contexts, room, who) for who in people}
    # Safe defaults: nothing captured, nothing sent, before anyone presses a button.
    for page in pages.values():
        expect(page.get_by_role("button", name="Join voice")).to_be_visible()
        assert page.evaluate("window.hearthMedia.connections().length") == 0
    for page in pages.values():
        join_call(page)
    everyone_hears_everyone(pages, room)
    for who, page in pages.items():
        assert page.evaluate(VIDEO_OUT) == 0, f"{who} sent video before turning the camera on"

    if len(people) > 2:
        return
    # The camera: a private preview first, shown to the group only when asked.
    ana, lee = pages["ana"], pages["lead"]
    ana.get_by_role("button", name="Turn on camera").click()
    preview = ana.locator("#media-preview")
    expect(preview).to_be_visible()
    expect(ana.get_by_text("Only you can see this preview")).to_be_visible()
    ana.wait_for_function("() => document.getElementById('media-preview').readyState >= 2")
    assert ana.evaluate(VIDEO_OUT) == 0
    expect(lee.locator(f"#media-tiles li[data-user='{room.ids['ana']}'] video")).to_be_hidden()
    ana.get_by_role("button", name="Show my camera to the group").click()
    deadline = time.monotonic() + 5
    while ana.evaluate(VIDEO_OUT) == 0:
        assert time.monotonic() < deadline, "no video sent 5 s after showing the camera"
        ana.wait_for_timeout(200)
    expect(lee.locator(f"#media-tiles li[data-user='{room.ids['ana']}'] video")).to_be_visible()


def test_mesh_facilitator_mute_and_remove_reach_media(contexts, room):
    pages = {who: enter(contexts, room, who) for who in ("lead", "ana", "ben")}
    for page in pages.values():
        join_call(page)
    everyone_hears_everyone(pages, room)
    lee, ana, ben = pages["lead"], pages["ana"], pages["ben"]
    ana_tile = f"#media-tiles li[data-user='{room.ids['ana']}']"

    lee.get_by_role("button", name="Mute Ana").click()
    for page in (lee, ben):
        audio = page.locator(f"{ana_tile} audio")
        expect(audio).to_have_js_property("muted", True)
        expect(page.locator(ana_tile)).to_contain_text("muted by a facilitator")
        expect_audio_stopped(page, room.ids["ana"], within=2)  # her client stopped sending
    mic = ana.locator("#media-mic")
    expect(mic).to_be_disabled()
    expect(mic).to_have_attribute("aria-pressed", "false")
    expect(ana.locator("#media-mic-note")).to_contain_text("A facilitator has muted")

    lee.get_by_role("button", name="Unmute Ana").click()
    expect(mic).to_be_enabled()
    expect(mic).to_have_attribute("aria-pressed", "false")  # she turns it on herself

    lee.get_by_role("button", name="Remove Ana from this session").click()
    confirm_dialog(lee, reason="Testing removal")
    for page in (lee, ben):
        expect(page.locator(ana_tile)).to_have_count(0, timeout=2000)
    expect(ana.locator("#media")).to_be_hidden()
    assert ana.evaluate("window.hearthMedia.connections().length") == 0


def test_media_comes_back_after_a_server_restart(contexts, hearth_server, room):
    pages = {who: enter(contexts, room, who) for who in ("lead", "ana")}
    for page in pages.values():
        join_call(page)
    everyone_hears_everyone(pages, room)

    hearth_server.restart()
    for page in pages.values():
        expect(page.locator("#conn")).to_have_attribute("data-state", "connected", timeout=60_000)
    # Nobody pressed anything: the call and the microphones come back by themselves.
    for page in pages.values():
        expect(page.locator("#media-mic")).to_have_attribute("aria-pressed", "true")
    everyone_hears_everyone(pages, room, within=10)


def _serious(results) -> list[str]:
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("width", [360, 1280])
def test_media_panel_accessible_and_fits(contexts, room, width):
    lee = enter(contexts, room, "lead", width=width, height=800)
    ana = enter(contexts, room, "ana", width=width, height=800)
    join_call(lee)
    join_call(ana)
    ana.get_by_role("button", name="Turn on camera").click()
    expect(ana.locator("#media-preview")).to_be_visible()
    expect(ana.locator("#media-tiles > li")).to_have_count(2)
    for who, page in (("facilitator", lee), ("attendee", ana)):
        assert _serious(Axe().run(page)) == [], who
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{who} page scrolls sideways at {width} px"


def test_media_panel_with_the_keyboard_alone(contexts, room):
    enter(contexts, room, "lead")
    ana = enter(contexts, room, "ana")

    def tab_to(element_id: str, limit: int = 60) -> None:
        for _ in range(limit):
            ana.keyboard.press("Tab")
            if ana.evaluate("document.activeElement && document.activeElement.id") == element_id:
                outline = ana.evaluate("getComputedStyle(document.activeElement).outlineStyle")
                assert outline != "none", f"#{element_id} has no visible focus"
                return
        raise AssertionError(f"Tab never reached #{element_id}")

    ana.locator("body").click(position={"x": 1, "y": 1})
    tab_to("media-join")
    ana.keyboard.press("Enter")
    expect(ana.locator("#media")).to_have_attribute("data-state", "in-call")
    ana.locator("body").click(position={"x": 1, "y": 1})
    tab_to("media-mic")
    ana.keyboard.press("Space")
    expect(ana.locator("#media-mic")).to_have_attribute("aria-pressed", "true")
    tab_to("media-cam")
    ana.keyboard.press("Enter")
    expect(ana.locator("#media-preview")).to_be_visible()
    # Focus moved to the next step: showing the camera to the group.
    assert ana.evaluate("document.activeElement.id") == "media-show"
    ana.keyboard.press("Space")
    expect(ana.locator("#media-show")).to_have_attribute("aria-pressed", "true")
    tab_to("media-low")
    ana.keyboard.press("Enter")
    expect(ana.locator("#media-low")).to_have_attribute("aria-pressed", "true")
    tab_to("media-leave")
    ana.keyboard.press("Enter")
    expect(ana.locator("#media")).to_have_attribute("data-state", "out")
    expect(ana.locator("#media-join")).to_be_focused()
