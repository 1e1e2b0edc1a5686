"""Helpers for the voice and video browser tests: Chromium's fake-device flags, a page script
that keeps every ICE candidate on addresses the test allows, and getStats readers."""

from __future__ import annotations

import json
import time

from playwright.sync_api import Page, expect

MEDIA_FLAGS = [
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--allow-loopback-in-peer-connection",
    # Host candidates as addresses, not mDNS names (no multicast look-ups).
    "--disable-features=WebRtcHideLocalIpsWithMdns",
    "--autoplay-policy=no-user-gesture-required",
]

# Runs before the page's scripts: ICE candidates whose address does not start with one of
# PREFIXES never reach a connection (neither trickled nor inside a remote SDP).
_ONLY_ADDRESSES = """
((prefixes) => {
  const ok = (line) => {
    const address = line.split(" ")[4] || "";
    return prefixes.some((p) => address.startsWith(p));
  };
  const add = RTCPeerConnection.prototype.addIceCandidate;
  RTCPeerConnection.prototype.addIceCandidate = function (c, ...rest) {
    if (c && c.candidate && !ok(c.candidate)) return Promise.resolve();
    return add.call(this, c, ...rest);
  };
  const setRemote = RTCPeerConnection.prototype.setRemoteDescription;
  RTCPeerConnection.prototype.setRemoteDescription = function (d, ...rest) {
    if (d && d.sdp) {
      const sdp = d.sdp.split("\\r\\n")
        .filter((l) => !l.startsWith("a=candidate:") || ok(l)).join("\\r\\n");
      d = { type: d.type, sdp };
    }
    return setRemote.call(this, d, ...rest);
  };
})(PREFIXES);
"""


def only_addresses(*prefixes: str) -> str:
    """The init script keeping candidates on addresses that start with `prefixes`."""
    return _ONLY_ADDRESSES.replace("PREFIXES", json.dumps(list(prefixes)))


# Media over loopback only (the mesh tests).
LOOPBACK_ONLY = only_addresses("127.0.0.1")

# Inbound audio bytes per other person (user id -> bytes), over this tab's connections.
AUDIO_IN = """async () => {
  const out = {};
  for (const c of window.hearthMedia.connections()) {
    const stats = await c.pc.getStats();
    stats.forEach((r) => {
      if (r.type === "inbound-rtp" && r.kind === "audio") {
        out[c.user] = (out[c.user] || 0) + (r.bytesReceived || 0);
      }
    });
  }
  return out;
}"""

# Video bytes this tab sent, over all its connections.
VIDEO_OUT = """async () => {
  let sent = 0;
  for (const c of window.hearthMedia.connections()) {
    const stats = await c.pc.getStats();
    stats.forEach((r) => {
      if (r.type === "outbound-rtp" && r.kind === "video") sent += r.bytesSent || 0;
    });
  }
  return sent;
}"""


def join_call(page: Page, *, mic: bool = True) -> None:
    page.get_by_role("button", name="Join voice").click()
    expect(page.locator("#media")).to_have_attribute("data-state", "in-call")
    if mic:
        page.get_by_role("button", name="Turn on microphone").click()
        expect(page.locator("#media-mic")).to_have_attribute("aria-pressed", "true")


def audio_in(page: Page) -> dict[int, int]:
    return {int(k): v for k, v in page.evaluate(AUDIO_IN).items() if k != "undefined"}


def expect_audio_growing(page: Page, user_ids, within: float) -> None:
    """Inbound audio from each of `user_ids` grows, within `within` seconds."""
    first = audio_in(page)
    deadline = time.monotonic() + within
    while True:
        now = audio_in(page)
        quiet = [u for u in user_ids if now.get(u, 0) <= first.get(u, 0) or now.get(u, 0) == 0]
        if not quiet:
            return
        if time.monotonic() > deadline:
            state = page.evaluate("window.hearthMedia.state()")
            raise AssertionError(
                f"no audio growing from {quiet} (bytes {first} -> {now}); media state {state}"
            )
        page.wait_for_timeout(200)


def everyone_hears_everyone(pages: dict[str, Page], room, within: float = 5) -> None:
    for who, page in pages.items():
        others = [room.ids[w] for w in pages if w != who]
        expect(page.locator("#media-tiles > li")).to_have_count(len(pages))
        expect_audio_growing(page, others, within)


def expect_audio_stopped(page: Page, user_id: int, within: float) -> None:
    """Inbound audio from `user_id` stops growing (two readings half a second apart agree)
    within `within` seconds."""
    deadline = time.monotonic() + within
    while True:
        before = audio_in(page).get(user_id, 0)
        page.wait_for_timeout(500)
        after = audio_in(page).get(user_id, 0)
        if after == before:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"audio from {user_id} still growing ({before} -> {after})")
