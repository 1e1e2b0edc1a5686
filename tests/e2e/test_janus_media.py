"""Audio through a real Janus VideoRoom (in the test run's own network namespace): Chromium
publishes its fake microphone and subscribes to it again, with the JSEP exchange done over
Janus's HTTP API (rooms.janus.JanusSession, as a browser would); the admin requests of
rooms.janus.VideoRoomAdmin then act on the media: `moderate` mutes mid "0" for the subscriber
and unmutes it, `kick` ends it. The browser's candidates are cut to the namespace's subnet, so
no traffic goes anywhere but to Janus's namespace."""

from __future__ import annotations

import secrets
import time
from typing import Any

from rooms.janus import JanusSession, VideoRoomAdmin

PUBLISH_JS = """
async () => {
  const stream = await navigator.mediaDevices.getUserMedia({audio: true});
  const pc = new RTCPeerConnection();
  stream.getAudioTracks().forEach((t) => pc.addTransceiver(t, {direction: "sendonly"}));
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise((ok) => {
    if (pc.iceGatheringState === "complete") ok();
    pc.onicegatheringstatechange = () => pc.iceGatheringState === "complete" && ok();
  });
  window.pub = pc;
  return {type: pc.localDescription.type, sdp: pc.localDescription.sdp};
}
"""

SUBSCRIBE_JS = """
async (offer) => {
  const pc = new RTCPeerConnection();
  await pc.setRemoteDescription(offer);
  await pc.setLocalDescription(await pc.createAnswer());
  await new Promise((ok) => {
    if (pc.iceGatheringState === "complete") ok();
    pc.onicegatheringstatechange = () => pc.iceGatheringState === "complete" && ok();
  });
  window.sub = pc;
  return {type: pc.localDescription.type, sdp: pc.localDescription.sdp};
}
"""

INBOUND_JS = """
async () => {
  let bytes = 0;
  (await window.sub.getStats()).forEach((s) => {
    if (s.type === "inbound-rtp" && s.kind === "audio") bytes += s.bytesReceived;
  });
  return bytes;
}
"""


def only_subnet(sdp: str, prefix: str) -> str:
    """The SDP with only the ICE candidates whose address starts with `prefix`."""
    lines = sdp.split("\r\n")
    return "\r\n".join(
        line for line in lines if not line.startswith("a=candidate:") or f" {prefix}" in line
    )


class Handle:
    def __init__(self, url: str):
        self.session = JanusSession(url, timeout=35)
        self.session.__enter__()
        self.id = self.session.attach()

    def ask(self, body: dict[str, Any], jsep: dict | None = None) -> dict[str, Any]:
        """An asynchronous VideoRoom request; returns its event (with "jsep" if any)."""
        assert self.session.message(self.id, body, jsep)["janus"] == "ack"
        for _ in range(5):
            for event in self.session.events():
                if event.get("sender") == self.id and "plugindata" in event:
                    data = event["plugindata"]["data"]
                    assert "error_code" not in data, data
                    return {**data, "jsep": event.get("jsep")}
        raise AssertionError(f"no answer to {body['request']}")


def test_publish_subscribe_mute_and_kick_through_janus(janus_server, media_browser):
    admin = VideoRoomAdmin(janus_server.url, admin_key=janus_server.admin_key)
    room, secret, pin = secrets.randbelow(2**31) + 1, secrets.token_hex(8), secrets.token_hex(4)
    token = secrets.token_urlsafe(16)
    admin.create_room(room=room, secret=secret, pin=pin, publishers=6)
    admin.allow(room=room, secret=secret, tokens=[token])
    subnet = janus_server.host_ip.rsplit(".", 1)[0] + "."
    context = media_browser.new_context()
    page = context.new_page()
    page.route(
        "http://localhost/janus",
        lambda route: route.fulfill(content_type="text/html", body="<title>janus</title>"),
    )
    page.goto("http://localhost/janus")
    publisher, subscriber = Handle(janus_server.url), Handle(janus_server.url)
    try:
        joined = publisher.ask(
            {
                "request": "join",
                "ptype": "publisher",
                "room": room,
                "pin": pin,
                "token": token,
                "id": 501,
                "display": "501",
            }
        )
        assert joined["videoroom"] == "joined"
        offer = page.evaluate(PUBLISH_JS)
        offer["sdp"] = only_subnet(offer["sdp"], subnet)
        configured = publisher.ask({"request": "publish", "audio": True}, offer)
        assert configured["jsep"]["type"] == "answer"
        page.evaluate("(answer) => window.pub.setRemoteDescription(answer)", configured["jsep"])

        # Subscribing before the publisher's PeerConnection is up answers "No such feed".
        deadline = time.monotonic() + 10
        while not any(p["publisher"] for p in admin.participants(room=room)):
            assert time.monotonic() < deadline, janus_server.log_tail()
            page.wait_for_timeout(100)

        attached = subscriber.ask(
            {
                "request": "join",
                "ptype": "subscriber",
                "room": room,
                "pin": pin,
                "token": token,
                "streams": [{"feed": 501}],
            }
        )
        assert attached["videoroom"] == "attached" and attached["jsep"]["type"] == "offer"
        answer = page.evaluate(SUBSCRIBE_JS, attached["jsep"])
        answer["sdp"] = only_subnet(answer["sdp"], subnet)
        assert subscriber.ask({"request": "start"}, answer)["started"] == "ok"

        def inbound_grows(within: float) -> bool:
            start = page.evaluate(INBOUND_JS)
            deadline = time.monotonic() + within
            while time.monotonic() < deadline:
                page.wait_for_timeout(250)
                if page.evaluate(INBOUND_JS) > start:
                    return True
            return False

        assert inbound_grows(within=10), janus_server.log_tail()
        assert [p["id"] for p in admin.participants(room=room) if p["publisher"]] == [501]

        admin.moderate(room=room, secret=secret, publisher_id=501, mid="0", mute=True)
        page.wait_for_timeout(500)  # packets already on the way
        assert not inbound_grows(within=2)
        admin.moderate(room=room, secret=secret, publisher_id=501, mid="0", mute=False)
        assert inbound_grows(within=5)

        admin.kick(room=room, secret=secret, publisher_id=501)
        assert admin.participants(room=room) == []
        page.wait_for_timeout(500)
        assert not inbound_grows(within=2)
    finally:
        publisher.session.close()
        subscriber.session.close()
        context.close()
        admin.destroy_room(room=room, secret=secret)
