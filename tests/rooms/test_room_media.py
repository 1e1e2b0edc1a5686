"""Voice and video in the room, the embedded mesh (docs/media.md): joining the call, relayed
signalling only between two people in it, what each may send, and the room's rules (lobby,
mute, remove, talking piece, voice-only groups, the mesh's caps) reaching media."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging

from channels.db import database_sync_to_async
from django.test import override_settings

from rooms.models import Room, RoomConnection
from sessions_app.models import SupportGroup
from tests.factories import GroupFactory, UserFactory, facilitator
from tests.rooms.conftest import connect, enter

db = database_sync_to_async

OFFER = {"type": "offer", "sdp": "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"}
CANDIDATE = {
    "candidate": "candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host",
    "sdpMid": "0",
    "sdpMLineIndex": 0,
}


def named(user) -> dict:
    return {"id": user.pk, "display_name": user.display_name}


async def join_call(client, video: bool = True) -> dict:
    await client.send({"type": "media.join", "video": video})
    return await client.expect("media.config")


async def test_join_gives_config_and_tells_the_others(room_world):
    w = room_world
    ana, _ = await enter(w.session.pk, w.ana)
    ben, _ = await enter(w.session.pk, w.ben)
    first = await join_call(ana)
    assert first["mode"] == "mesh" and first["janus"] is None
    assert first["peers"] == [] and first["video"] is True and first["muted"] is False
    assert first["ice_servers"] == []  # host candidates only without STUN_URLS / TURN_URLS
    assert first["voice_only_group"] is False and first["talking_piece"] is False
    # Nothing is sent before the person presses a button: in the call, not sending.
    joined = await ben.expect("media.peer", action="joined")
    assert joined == {
        "type": "media.peer",
        "action": "joined",
        "peer": first["peer"],
        "user": named(w.ana),
        "audio": False,
        "video": False,
        "muted": False,
    }
    second = await join_call(ben)
    assert [p["peer"] for p in second["peers"]] == [first["peer"]]
    assert second["peers"][0]["user"] == named(w.ana)
    assert (await ana.expect("media.peer", action="joined"))["peer"] == second["peer"]


async def test_signals_are_relayed_to_the_one_peer_only(room_world):
    w = room_world
    ana, _ = await enter(w.session.pk, w.ana)
    ben, _ = await enter(w.session.pk, w.ben)
    lead, _ = await enter(w.session.pk, w.lead)
    a = await join_call(ana)
    b = await join_call(ben)
    await join_call(lead)
    await ana.send({"type": "media.signal", "to": b["peer"], "description": OFFER})
    relayed = await ben.expect("media.signal")
    assert relayed == {"type": "media.signal", "from": a["peer"], "description": OFFER}
    await ben.send({"type": "media.signal", "to": a["peer"], "candidate": CANDIDATE})
    assert await ana.expect("media.signal") == {
        "type": "media.signal",
        "from": b["peer"],
        "candidate": CANDIDATE,
    }
    await ben.send({"type": "media.signal", "to": a["peer"], "candidate": None})
    assert (await ana.expect("media.signal"))["candidate"] is None
    # The third person hears none of it.
    assert not [f for f in await lead.drain() if f["type"] == "media.signal"]


async def test_signal_refusals_keep_the_connection(room_world):
    w = room_world
    ana, _ = await enter(w.session.pk, w.ana)
    ben, _ = await enter(w.session.pk, w.ben)
    b_conn = await db(lambda: RoomConnection.objects.get(participant__user=w.ben).pk)()
    # Before joining the call.
    await ana.send({"type": "media.signal", "to": b_conn, "description": OFFER})
    await ana.error("media_not_joined")
    a = await join_call(ana)
    # Ben is in the room but not in the call.
    await ana.send({"type": "media.signal", "to": b_conn, "description": OFFER})
    await ana.error("media_peer_unknown")
    await ana.send({"type": "media.signal", "to": 987654, "description": OFFER})
    await ana.error("media_peer_unknown")
    await ana.send({"type": "media.signal", "to": a["peer"], "description": OFFER})
    await ana.error("media_peer_unknown")
    bad = [
        ({"to": "ben", "description": OFFER}, "to"),
        ({"to": True, "description": OFFER}, "to"),
        ({"to": 2**70, "description": OFFER}, "to"),
        ({"to": b_conn}, "description"),
        ({"to": b_conn, "description": {"type": "rollback", "sdp": "x"}}, "description"),
        ({"to": b_conn, "description": {"type": "offer", "sdp": 5}}, "description"),
        ({"to": b_conn, "description": {"type": "offer", "sdp": "x" * 15_001}}, "description"),
        ({"to": b_conn, "description": "v=0"}, "description"),
        ({"to": b_conn, "candidate": "candidate:1"}, "candidate"),
        ({"to": b_conn, "candidate": {"candidate": 1}}, "candidate"),
        ({"to": b_conn, "candidate": {**CANDIDATE, "sdpMLineIndex": "0"}}, "candidate"),
        ({"to": b_conn, "candidate": {**CANDIDATE, "sdpMid": ["0"]}}, "candidate"),
    ]
    for body, field in bad:
        await ana.send({"type": "media.signal", **body})
        await ana.error("invalid", field=field)
    assert not [f for f in await ben.drain() if f["type"] == "media.signal"]
    # Still connected and in the call.
    await join_call(ben)
    await ana.send({"type": "media.signal", "to": b_conn, "description": OFFER})
    assert (await ben.expect("media.signal"))["from"] == a["peer"]


async def test_lobby_gets_no_media(lobby_world):
    w = lobby_world
    lead, _ = await enter(w.session.pk, w.lead)
    ana, lobby = await enter(w.session.pk, w.ana)
    assert lobby["type"] == "lobby"
    for frame in (
        {"type": "media.join", "video": True},
        {"type": "media.state", "audio": True, "video": False},
        {"type": "media.signal", "to": 1, "description": OFFER},
        {"type": "media.leave"},
    ):
        await ana.send(frame)
        await ana.error("forbidden")
    assert not [f for f in ana.frames if f["type"].startswith("media.")]
    await join_call(lead)
    # Someone waiting in the lobby hears nothing of the call either.
    assert not [f for f in await ana.drain() if f["type"].startswith("media.")]


async def test_state_is_shown_to_everyone_and_checked(room_world):
    w = room_world
    ana, _ = await enter(w.session.pk, w.ana)
    ben, _ = await enter(w.session.pk, w.ben)
    await ana.send({"type": "media.state", "audio": True, "video": False})
    await ana.error("media_not_joined")
    a = await join_call(ana)
    await ana.send({"type": "media.state", "audio": True, "video": True})
    state = await ben.expect("media.peer", action="state")
    assert state["peer"] == a["peer"] and state["audio"] is True and state["video"] is True
    for body, field in (({"audio": "yes", "video": False}, "audio"), ({"audio": True}, "video")):
        await ana.send({"type": "media.state", **body})
        await ana.error("invalid", field=field)
    await ana.send({"type": "media.leave"})
    left = await ben.expect("media.peer", action="left")
    assert left == {"type": "media.peer", "action": "left", "peer": a["peer"], "user": named(w.ana)}
    await ana.send({"type": "media.state", "audio": True, "video": False})
    await ana.error("media_not_joined")


async def test_mute_reaches_media(room_world):
    w = room_world
    lead, _ = await enter(w.session.pk, w.lead)
    ana, _ = await enter(w.session.pk, w.ana)
    ben, _ = await enter(w.session.pk, w.ben)
    a = await join_call(ana)
    await join_call(ben)
    await ana.send({"type": "media.state", "audio": True, "video": False})
    await ben.expect("media.peer", action="state", audio=True)
    await lead.send({"type": "mod.mute", "user": w.ana.pk})
    muted = await ben.expect("media.peer", action="state", peer=a["peer"])
    assert muted["muted"] is True and muted["audio"] is False
    await ana.expect("moderation", action="mute")
    await ana.send({"type": "media.state", "audio": True, "video": False})
    await ana.error("media_muted")
    # A muted person who rejoins the call is told so in the config.
    await ana.send({"type": "media.leave"})
    assert (await join_call(ana))["muted"] is True
    await lead.send({"type": "mod.unmute", "user": w.ana.pk})
    unmuted = await ben.expect("media.peer", action="state", muted=False)
    assert unmuted["audio"] is False  # unmuting allows speaking; it does not open the mic
    await ana.send({"type": "media.state", "audio": True, "video": False})
    assert (await ben.expect("media.peer", action="state", audio=True))["muted"] is False


async def test_remove_cuts_media_for_everyone(room_world):
    w = room_world
    lead, _ = await enter(w.session.pk, w.lead)
    ana, _ = await enter(w.session.pk, w.ana)
    ben, _ = await enter(w.session.pk, w.ben)
    a = await join_call(ana)
    await join_call(ben)
    await lead.send({"type": "mod.remove", "user": w.ana.pk})
    left = await ben.expect("media.peer", action="left")
    assert left["peer"] == a["peer"]
    assert await ana.closed_with() == 4410
    # Removed people cannot come back, so no media either.
    again, connected = await connect(w.session.pk, w.ana)
    assert connected and await again.closed_with() == 4410


async def test_disconnect_leaves_the_call(room_world):
    w = room_world
    ana, _ = await enter(w.session.pk, w.ana)
    ben, _ = await enter(w.session.pk, w.ben)
    a = await join_call(ana)
    await join_call(ben)
    await ana.close()
    assert (await ben.expect("media.peer", action="left"))["peer"] == a["peer"]
    ana, _ = await enter(w.session.pk, w.ana)
    again = await join_call(ana)
    assert again["peer"] != a["peer"] and [p["user"] for p in again["peers"]] == [named(w.ben)]


async def test_talking_piece(room_world):
    w = room_world
    await db(SupportGroup.objects.filter(pk=w.session.group_id).update)(talking_piece=True)
    lead, _ = await enter(w.session.pk, w.lead)
    ana, _ = await enter(w.session.pk, w.ana)
    ben, _ = await enter(w.session.pk, w.ben)
    assert (await join_call(ana))["talking_piece"] is True
    await join_call(ben)
    await join_call(lead)
    await ana.send({"type": "media.state", "audio": True, "video": False})
    await ana.error("media_not_your_turn")
    # Facilitators may always speak.
    await lead.send({"type": "media.state", "audio": True, "video": False})
    await ben.expect("media.peer", action="state", audio=True)
    await ana.send({"type": "hand", "raised": True})
    await ana.expect("queue", hands=[named(w.ana)])
    await lead.send({"type": "mod.next_speaker"})
    await ana.expect("queue", speaker=named(w.ana))
    await ana.send({"type": "media.state", "audio": True, "video": False})
    assert (await ben.expect("media.peer", action="state", audio=True))["user"] == named(w.ana)
    await ben.send({"type": "media.state", "audio": True, "video": False})
    await ben.error("media_not_your_turn")


async def test_voice_only_group(room_world):
    w = room_world
    await db(SupportGroup.objects.filter(pk=w.session.group_id).update)(voice_only=True)
    ana, _ = await enter(w.session.pk, w.ana)
    config = await join_call(ana, video=True)
    assert config["video"] is False and config["voice_only_group"] is True
    await ana.send({"type": "media.state", "audio": False, "video": True})
    await ana.error("media_video_off")


async def test_join_refusals(room_world):
    w = room_world
    ana, _ = await enter(w.session.pk, w.ana)
    await ana.send({"type": "media.join", "video": "yes"})
    await ana.error("invalid", field="video")
    # Voice only by choice.
    assert (await join_call(ana, video=False))["video"] is False


@override_settings(MEDIA_MESH_MAX_PEOPLE=2, MEDIA_MESH_MAX_VIDEO=1)
async def test_mesh_caps(room_world):
    w = room_world
    ana, _ = await enter(w.session.pk, w.ana)
    ben, _ = await enter(w.session.pk, w.ben)
    lead, _ = await enter(w.session.pk, w.lead)
    assert (await join_call(ana))["video"] is True
    # Past the video cap: voice only, said plainly in the config.
    assert (await join_call(ben))["video"] is False
    await lead.send({"type": "media.join", "video": True})
    await lead.error("media_full")
    # The chat is untouched.
    await lead.send({"type": "chat", "text": "I'll follow along here"})
    assert (await ana.expect("chat"))["text"] == "I'll follow along here"
    # A place frees up when someone leaves the call.
    await ana.send({"type": "media.leave"})
    await ben.expect("media.peer", action="left")
    assert (await join_call(lead))["video"] is True


@override_settings(
    TURN_URLS=["turn:127.0.0.1:3478?transport=udp"],
    TURN_SECRET="turn-test-secret",
    STUN_URLS=["stun:127.0.0.1:3478"],
)
async def test_turn_credentials_in_config(room_world):
    w = room_world
    ana, _ = await enter(w.session.pk, w.ana)
    config = await join_call(ana)
    stun, turn = config["ice_servers"]
    assert stun == {"urls": ["stun:127.0.0.1:3478"]}
    assert turn["urls"] == ["turn:127.0.0.1:3478?transport=udp"]
    expiry, user_id = turn["username"].split(":")
    assert int(user_id) == w.ana.pk and int(expiry) == config["expires_at"]
    # The credentials last the session (its end plus the grace), not just the ticket's minute.
    assert int(expiry) >= w.session.end.timestamp()
    digest = hmac.new(b"turn-test-secret", turn["username"].encode(), hashlib.sha1).digest()
    assert turn["credential"] == base64.b64encode(digest).decode()


@override_settings(ROOM_FRAMES_HARD_LIMIT=5)
async def test_signalling_has_its_own_flood_limit(room_world):
    w = room_world
    ana, _ = await enter(w.session.pk, w.ana)
    ben, _ = await enter(w.session.pk, w.ben)
    await join_call(ana)
    b = await join_call(ben)
    for _ in range(20):  # a burst of ICE candidates, well past the other frames' limit
        await ana.send({"type": "media.signal", "to": b["peer"], "candidate": CANDIDATE})
    for _ in range(20):
        await ben.expect("media.signal")
    await ana.send({"type": "ping"})
    await ana.expect("pong")


async def test_nothing_about_media_is_logged_or_stored(room_world, caplog):
    w = room_world
    caplog.set_level(logging.DEBUG)
    ana, _ = await enter(w.session.pk, w.ana)
    ben, _ = await enter(w.session.pk, w.ben)
    await join_call(ana)
    b = await join_call(ben)
    await ana.send({"type": "media.signal", "to": b["peer"], "description": OFFER})
    await ben.expect("media.signal")
    await ana.send({"type": "media.signal", "to": b["peer"], "candidate": CANDIDATE})
    await ben.expect("media.signal")
    assert "127.0.0.1 50000" not in caplog.text and "o=- 1 2" not in caplog.text
    await ana.close()
    await ben.close()
    # No row keeps anything of the call once the connections are gone.
    assert await db(RoomConnection.objects.count)() == 0
    room = await db(Room.objects.get)(session=w.session)
    assert not any("sdp" in str(v).lower() for v in room.__dict__.values())


async def test_outsiders_never_reach_the_call(room_world):
    """A facilitator of another group, or a member without a seat, is refused at the door
    (4403), so no media frame of theirs is ever read."""
    w = room_world
    other_group = await db(GroupFactory)()
    outsider = await db(lambda: facilitator(other_group, UserFactory()))()
    for person in (outsider, w.nora):
        client, connected = await connect(w.session.pk, person)
        assert connected
        assert await client.closed_with() == 4403


@override_settings(MEDIA_MESH_MAX_PEOPLE=2)
async def test_one_tab_per_person_in_the_call(room_world):
    """Joining from a second tab (or after a dropped connection the server has not noticed
    yet) takes the person's earlier tab out of the call: it holds no place and no camera."""
    w = room_world
    ana_old, _ = await enter(w.session.pk, w.ana)
    ben, _ = await enter(w.session.pk, w.ben)
    old = await join_call(ana_old)
    await join_call(ben)
    ana_new, _ = await enter(w.session.pk, w.ana)
    new = await join_call(ana_new)
    assert [p["user"] for p in new["peers"]] == [named(w.ben)]
    assert (await ben.expect("media.peer", action="left"))["peer"] == old["peer"]
    joined = await ben.expect("media.peer", action="joined")
    assert joined["peer"] == new["peer"] and joined["user"] == named(w.ana)
    # The old tab is told, and is out of the call: its signals are refused.
    assert (await ana_old.expect("media.peer", action="left"))["peer"] == old["peer"]
    await ana_old.send({"type": "media.signal", "to": new["peer"], "description": OFFER})
    await ana_old.error("media_not_joined")
