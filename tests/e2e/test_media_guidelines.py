"""The group's guidelines before a first unmute, in a real Chromium with a fake microphone
(the mesh, as tests/e2e/test_media_mesh.py): an attendee who has not accepted them joins the
call to listen, tries to turn the microphone on and is asked to accept first (nothing is
captured or sent); once accepted, the focus is back on the microphone and turning it on
works, and the facilitator hears them. With the keyboard."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.media_helpers import LOOPBACK_ONLY, audio_in, expect_audio_growing, join_call
from tests.e2e.room_helpers import logged_in, make_room, open_room

WORDS = "What is said here stays here.\nOne person speaks at a time."


@pytest.fixture
def contexts(media_browser, hearth_server):
    made = []

    def make(cookie: str):
        context = logged_in(media_browser, hearth_server, cookie)
        context.add_init_script(LOOPBACK_ONLY)
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


def _server_state(server, room) -> list:
    out = server.shell(
        "import json\n"
        "from rooms.models import GuidelinesAcceptance, RoomConnection\n"
        f"ana = {room.ids['ana']}\n"
        "print(json.dumps([\n"
        "    GuidelinesAcceptance.objects.filter(user_id=ana).count(),\n"
        "    sorted(RoomConnection.objects.filter(participant__user_id=ana)"
        ".values_list('sends_audio', flat=True)),\n"
        "]))\n"
    )
    return json.loads(out.strip().splitlines()[-1])


def press_on(page: Page, element_id: str, key: str = "Enter") -> None:
    page.locator(f"#{element_id}").focus()
    page.keyboard.press(key)


def test_the_microphone_waits_for_the_guidelines(contexts, hearth_server, room):
    lee = open_room(contexts(room.cookies["lead"]), room)
    ana = open_room(contexts(room.cookies["ana"]), room)
    join_call(lee)  # facilitators accept nothing: Lee speaks at once
    expect(ana.locator("#guidelines-accept")).to_be_visible()

    # Listening needs no acceptance.
    press_on(ana, "media-join")
    expect(ana.locator("#media")).to_have_attribute("data-state", "in-call")
    expect(ana.locator("#media-tiles > li")).to_have_count(2)
    expect_audio_growing(ana, [room.ids["lead"]], within=5)

    # The microphone does: the guidelines open, the focus goes to Accept, the page says why.
    mic = ana.locator("#media-mic")
    press_on(ana, "media-mic", "Space")
    expect(ana.locator("#guidelines-accept")).to_be_focused()
    expect(ana.locator("#guidelines-details")).to_have_attribute("open", "")
    expect(ana.locator("#send-note")).to_have_text("Please accept the group's guidelines first.")
    expect(ana.locator("#guidelines-intro")).to_contain_text(
        "accept them before you write or speak"
    )
    expect(mic).to_have_attribute("aria-pressed", "false")
    assert ana.evaluate("window.hearthMedia.state().micOn === false"), (
        "the microphone went on before the guidelines were accepted"
    )
    assert audio_in(lee).get(room.ids["ana"], 0) == 0
    assert _server_state(hearth_server, room) == [0, [False]]

    # Enter on Accept: accepted, and the focus is back on the microphone.
    ana.keyboard.press("Enter")
    expect(ana.locator("#guidelines-accept")).to_be_hidden()
    expect(ana.locator("#guidelines-intro")).to_have_text("You have accepted these guidelines.")
    expect(mic).to_be_focused()
    # One more key turns it on; Lee hears her.
    ana.keyboard.press("Enter")
    expect(mic).to_have_attribute("aria-pressed", "true")
    expect(ana.locator("#media-mic-note")).not_to_be_empty()
    expect_audio_growing(lee, [room.ids["ana"]], within=5)
    assert _server_state(hearth_server, room) == [1, [True]]
