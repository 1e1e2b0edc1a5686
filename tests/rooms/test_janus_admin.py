"""rooms.janus against a real Janus (Debian's janus, VideoRoom plugin) running in a network
namespace of the test run's own (tests/media_servers.py): room creation needs the admin key,
the per-participant token list decides who may join, and kick/destroy work and are
idempotent. Joins are real publisher joins over Janus's HTTP API."""

from __future__ import annotations

import secrets
from collections import Counter
from typing import Any

import pytest

from rooms.janus import (
    JanusError,
    JanusSession,
    JanusUnavailable,
    VideoRoomAdmin,
    janus_url_for,
)
from tests.servers import free_port


def _room() -> int:
    return secrets.randbelow(2**31) + 1


class Participant:
    """A browser-like client: its own Janus session and VideoRoom handle, joining as a
    publisher (no media: the join is what the token and pin guard)."""

    def __init__(self, url: str):
        self.session = JanusSession(url, timeout=35)  # long polls wait up to ~30 s
        self.session.__enter__()
        self.handle = self.session.attach()

    def join(self, *, room: int, pin: str, token: str | None, publisher_id: int) -> dict[str, Any]:
        body: dict[str, Any] = {
            "request": "join",
            "ptype": "publisher",
            "room": room,
            "pin": pin,
            "id": publisher_id,
            "display": str(publisher_id),
        }
        if token is not None:
            body["token"] = token
        assert self.session.message(self.handle, body)["janus"] == "ack"
        return self.next_event()

    def next_event(self) -> dict[str, Any]:
        for _ in range(5):
            for event in self.session.events():
                if event.get("sender") == self.handle and "plugindata" in event:
                    return event["plugindata"]["data"]
        raise AssertionError("no VideoRoom event for this handle")

    def close(self) -> None:
        self.session.close()


@pytest.fixture
def admin(janus_server) -> VideoRoomAdmin:
    return VideoRoomAdmin(janus_server.url, admin_key=janus_server.admin_key)


@pytest.fixture
def participants(janus_server):
    made: list[Participant] = []

    def make() -> Participant:
        participant = Participant(janus_server.url)
        made.append(participant)
        return participant

    yield make
    for participant in made:
        participant.close()


@pytest.fixture
def room(admin):
    number, secret, pin = _room(), secrets.token_hex(8), secrets.token_hex(4)
    admin.create_room(room=number, secret=secret, pin=pin, publishers=6)
    yield number, secret, pin
    admin.destroy_room(room=number, secret=secret)


def test_create_needs_the_admin_key(janus_server):
    for key, code in (("", 429), ("wrong-" + janus_server.admin_key, 433)):
        with pytest.raises(JanusError) as refused:
            VideoRoomAdmin(janus_server.url, admin_key=key).create_room(
                room=_room(), secret="s", pin="p", publishers=6
            )
        assert refused.value.code == code
        assert not isinstance(refused.value, JanusUnavailable)


def test_create_is_idempotent_and_destroy_too(admin):
    number = _room()
    admin.create_room(room=number, secret="s1", pin="p", publishers=6)
    admin.create_room(room=number, secret="s1", pin="p", publishers=6)  # 427: fine
    assert admin.participants(room=number) == []
    admin.destroy_room(room=number, secret="s1")
    admin.destroy_room(room=number, secret="s1")  # 426: fine
    with pytest.raises(JanusError) as gone:
        admin.participants(room=number)
    assert gone.value.code == 426


def test_an_empty_allowed_list_refuses_every_token_until_allowed(admin, room, participants):
    number, secret, pin = room
    refused = participants().join(room=number, pin=pin, token=None, publisher_id=11)
    assert refused["error_code"] == 433
    refused = participants().join(room=number, pin=pin, token="made-up", publisher_id=12)
    assert refused["error_code"] == 433

    token = secrets.token_urlsafe(16)
    admin.allow(room=number, secret=secret, tokens=[token])
    joined = participants().join(room=number, pin=pin, token=token, publisher_id=13)
    assert joined["videoroom"] == "joined" and joined["id"] == 13
    assert [p["id"] for p in admin.participants(room=number)] == [13]

    wrong = participants().join(room=number, pin=pin, token=token + "x", publisher_id=14)
    assert wrong["error_code"] == 433
    wrong_pin = participants().join(room=number, pin=pin + "x", token=token, publisher_id=15)
    assert wrong_pin["error_code"] == 433


def test_a_disallowed_token_is_refused(admin, room, participants):
    number, secret, pin = room
    old, new = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    admin.allow(room=number, secret=secret, tokens=[old])
    first = participants()
    assert first.join(room=number, pin=pin, token=old, publisher_id=21)["videoroom"] == "joined"
    first.close()

    admin.disallow(room=number, secret=secret, tokens=[old])
    admin.allow(room=number, secret=secret, tokens=[new])
    again = participants().join(room=number, pin=pin, token=old, publisher_id=21)
    assert again["error_code"] == 433
    fresh = participants().join(room=number, pin=pin, token=new, publisher_id=22)
    assert fresh["videoroom"] == "joined"


def test_admin_requests_need_the_room_secret(admin, room):
    number, secret, _pin = room
    with pytest.raises(JanusError) as refused:
        admin.allow(room=number, secret=secret + "x", tokens=["t"])
    assert refused.value.code == 433
    with pytest.raises(JanusError) as refused:
        admin.kick(room=number, secret=secret + "x", publisher_id=1)
    assert refused.value.code == 433


def test_kick_removes_a_participant_and_kicking_nobody_is_fine(admin, room, participants):
    number, secret, pin = room
    token = secrets.token_urlsafe(16)
    admin.allow(room=number, secret=secret, tokens=[token])
    person = participants()
    assert person.join(room=number, pin=pin, token=token, publisher_id=31)["videoroom"] == "joined"
    assert [p["id"] for p in admin.participants(room=number)] == [31]

    admin.kick(room=number, secret=secret, publisher_id=31)
    assert admin.participants(room=number) == []
    admin.kick(room=number, secret=secret, publisher_id=31)  # 428: fine
    admin.kick(room=number, secret=secret, publisher_id=999)


def test_moderate_of_someone_not_in_the_room_is_an_error(admin, room):
    number, secret, _pin = room
    with pytest.raises(JanusError) as refused:
        admin.moderate(room=number, secret=secret, publisher_id=999, mid="0", mute=True)
    assert refused.value.code == 428


def test_destroy_ends_the_room_for_the_people_in_it(admin, participants):
    number, secret, pin = _room(), "s", "p"
    admin.create_room(room=number, secret=secret, pin=pin, publishers=6)
    token = secrets.token_urlsafe(16)
    admin.allow(room=number, secret=secret, tokens=[token])
    person = participants()
    assert person.join(room=number, pin=pin, token=token, publisher_id=41)["videoroom"] == "joined"
    admin.destroy_room(room=number, secret=secret)
    assert person.next_event()["videoroom"] == "destroyed"
    again = participants().join(room=number, pin=pin, token=token, publisher_id=41)
    assert again["error_code"] == 426


def test_unreachable_janus_raises_unavailable():
    closed = free_port()  # bound then released: nothing listens there
    admin = VideoRoomAdmin(f"http://127.0.0.1:{closed}/janus", admin_key="k", timeout=1)
    with pytest.raises(JanusUnavailable):
        admin.create_room(room=1, secret="s", pin="p", publishers=6)
    with pytest.raises(JanusUnavailable):
        admin.participants(room=1)


def test_a_url_that_is_not_janus_raises_unavailable(janus_server):
    # Janus's admin-less path answers HTTP errors for unknown paths: not the Janus API.
    admin = VideoRoomAdmin(janus_server.url.replace("/janus", "/nothing"), timeout=2)
    with pytest.raises(JanusUnavailable):
        admin.participants(room=1)


def test_janus_url_for_is_stable_and_spreads():
    urls = [f"http://10.255.0.{i}:8088/janus" for i in range(2, 5)]
    assert all(janus_url_for(s, urls) == janus_url_for(s, list(urls)) for s in range(200))
    assert janus_url_for(12345, urls[:1]) == urls[0]
    spread = Counter(janus_url_for(s, urls) for s in range(3000))
    assert set(spread) == set(urls)
    assert min(spread.values()) > 800  # ~1000 each
    with pytest.raises(ValueError):
        janus_url_for(1, [])
