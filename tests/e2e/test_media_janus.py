"""Voice through a real Janus VideoRoom (Debian's `janus` in a network namespace of its own,
tests/media_servers.py) in a real Chromium with fake devices: media.js publishes and
subscribes over Janus's HTTP API with the pin and token Hearth hands out."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import HearthServer
from tests.e2e.media_helpers import (
    VIDEO_OUT,
    everyone_hears_everyone,
    expect_audio_growing,
    expect_audio_stopped,
    join_call,
    only_addresses,
)
from tests.e2e.room_helpers import logged_in, make_room, open_room
from tests.media_servers import janus_server  # noqa: F401 - the session fixture


@pytest.fixture(scope="module")
def janus_hearth(janus_server):  # noqa: F811
    """A Hearth of its own whose rooms live on the test's Janus."""
    workdir = Path(tempfile.mkdtemp(prefix="hearth-e2e-janus-"))
    server = HearthServer(workdir)
    server.env.update(
        JANUS_URL=janus_server.url,
        JANUS_ADMIN_SECRET=janus_server.admin_key,
        JANUS_API_SECRET=janus_server.api_secret,
    )
    server.manage("migrate", "--noinput", "-v", "0")
    server.start()
    yield server, janus_server
    server.stop()
    shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture
def contexts(media_browser, janus_hearth):
    server, janus = janus_hearth
    made = []

    def make(cookie: str):
        context = logged_in(media_browser, server, cookie)
        # Media only to the Janus namespace (and loopback).
        context.add_init_script(only_addresses("127.0.0.1", janus.ip))
        made.append(context)
        return context

    yield make
    for context in made:
        context.close()


@pytest.mark.parametrize("people", [("lead", "ana"), ("lead", "ana", "ben", "co")])
def test_janus_everyone_hears_everyone(contexts, janus_hearth, unique, people):
    server, _ = janus_hearth
    room = make_room(server, unique)
    pages = {who: open_room(contexts(room.cookies[who]), room) for who in people}
    for page in pages.values():
        join_call(page)
        assert page.evaluate("window.hearthMedia.state().mode") == "janus"
    everyone_hears_everyone(pages, room)
    for who, page in pages.items():
        assert page.evaluate(VIDEO_OUT) == 0, f"{who} sent video before turning the camera on"


def test_janus_facilitator_mute_stops_the_voice(contexts, janus_hearth, unique):
    server, _ = janus_hearth
    room = make_room(server, unique)
    pages = {who: open_room(contexts(room.cookies[who]), room) for who in ("lead", "ana", "ben")}
    for page in pages.values():
        join_call(page)
    everyone_hears_everyone(pages, room)
    lee, ana, ben = pages["lead"], pages["ana"], pages["ben"]

    lee.get_by_role("button", name="Mute Ana").click()
    for page in (lee, ben):
        expect_audio_stopped(page, room.ids["ana"], within=2)
    mic = ana.locator("#media-mic")
    expect(mic).to_be_disabled()
    # Ana's own client refuses too; the server would answer media_muted.
    assert ana.evaluate("window.hearthMedia.state().micOn") is False
    expect_audio_growing(ana, [room.ids["lead"], room.ids["ben"]], within=5)

    lee.get_by_role("button", name="Unmute Ana").click()
    expect(mic).to_be_enabled()
    mic.click()
    expect(mic).to_have_attribute("aria-pressed", "true")
    expect_audio_growing(ben, [room.ids["ana"]], within=5)


# Holds back this tab's publisher "join" to Janus by `ms`, as a slow Janus or a slow network
# would, so that a person can press the microphone button before the publisher exists.
_SLOW_PUBLISHER_JOIN = """
((ms) => {
  const fetch0 = window.fetch;
  window.fetch = function (url, init) {
    const body = init && typeof init.body === "string" ? init.body : "";
    if (body.includes('"ptype":"publisher"')) {
      return new Promise((r) => setTimeout(r, ms)).then(() => fetch0.call(this, url, init));
    }
    return fetch0.call(this, url, init);
  };
})(1500);
"""


def test_janus_microphone_turned_on_while_connecting_is_heard(contexts, janus_hearth, unique):
    """The microphone pressed while Janus is still answering the join goes out once the
    publisher exists (it used to stay silent while the button said it was on)."""
    server, _ = janus_hearth
    room = make_room(server, unique)
    listener = open_room(contexts(room.cookies["ana"]), room)
    join_call(listener, mic=False)
    context = contexts(room.cookies["lead"])
    context.add_init_script(_SLOW_PUBLISHER_JOIN)
    speaker = open_room(context, room)
    join_call(speaker)  # in the call (the media config came), the publisher not yet joined
    assert speaker.evaluate("window.hearthMedia.state().micOn") is True
    expect_audio_growing(listener, [room.ids["lead"]], within=10)
    assert speaker.evaluate("window.hearthMedia.state().publisherAudio") is True
