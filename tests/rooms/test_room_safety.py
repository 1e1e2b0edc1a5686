"""Crisis support, reports, check-ins, and the error frames malformed input gets."""

from __future__ import annotations

import json

import pytest
from channels.db import database_sync_to_async

from rooms.models import CheckIn, RoomMessage, RoomReport
from rooms.selectors import crisis_resources
from sessions_app.models import Session
from tests.rooms.conftest import enter

db = database_sync_to_async


def public(user, role="attendee") -> dict:
    return {"id": user.pk, "display_name": user.display_name, "role": role}


@pytest.mark.parametrize(
    "text",
    [
        "Some days I want to die, honestly",
        "I keep thinking about SUICIDE",
        "I have been hurting   myself again",
        "Ya no quiero vivir así",
        "A veces pienso en el suicidio",
        "Tengo ganas de hacerme daño",
        "QUIERO MORIRME",
        "pensé en quitarme la vida",
    ],
)
async def test_crisis_phrase_gets_support_and_alerts_facilitators(room_world, settings, text):
    w = room_world
    lead, _ = await enter(w.session.pk, w.lead)
    co, _ = await enter(w.session.pk, w.co)
    ana, _ = await enter(w.session.pk, w.ana)
    ben, _ = await enter(w.session.pk, w.ben)
    await ana.send({"type": "chat", "text": text, "client_id": "c1"})
    # The message is not blocked: everyone gets it.
    for client in (lead, co, ana, ben):
        assert (await client.expect("chat", seq=1))["text"] == text.strip()
    assert await ana.expect("support") == {
        "type": "support",
        "text": crisis_resources(),
        "seq": 1,
    }
    alert = {"type": "alert", "kind": "crisis", "seq": 1, "user": public(w.ana), "text": text}
    assert await lead.expect("alert") == alert
    assert await co.expect("alert") == alert
    await ana.drain()
    await ben.drain()
    assert "alert" not in {f["type"] for f in ana.frames}
    assert {"alert", "support"}.isdisjoint(f["type"] for f in ben.frames)
    assert await db(RoomMessage.objects.filter(session=w.session, seq=1, text=text).exists)()


@pytest.mark.parametrize(
    "text",
    [
        "Thanks everyone, see you next week",
        "I'm dying to try that recipe",
        "The movie Die Hard is on tonight",
        "Vivir aquí es caro",
    ],
)
async def test_ordinary_message_gets_no_support_or_alert(room_world, text):
    w = room_world
    lead, _ = await enter(w.session.pk, w.lead)
    ana, _ = await enter(w.session.pk, w.ana)
    await ana.send({"type": "chat", "text": text})
    await lead.expect("chat", seq=1)
    assert "alert" not in {f["type"] for f in await lead.drain()}
    frames = await ana.drain()
    assert [f["type"] for f in frames if f["type"] in ("chat", "support")] == ["chat"]


async def test_crisis_phrases_follow_the_setting(room_world, settings):
    settings.CRISIS_PHRASES = ["red flag phrase"]
    w = room_world
    lead, _ = await enter(w.session.pk, w.lead)
    ana, _ = await enter(w.session.pk, w.ana)
    await ana.send({"type": "chat", "text": "I want to die"})
    await ana.send({"type": "chat", "text": "this is a Red  Flag Phrase"})
    alert = await lead.expect("alert")
    assert alert["seq"] == 2
    assert (await ana.expect("support"))["seq"] == 2


async def test_report_alerts_facilitators_and_is_stored(room_world):
    w = room_world
    lead, _ = await enter(w.session.pk, w.lead)
    ana, _ = await enter(w.session.pk, w.ana)
    ben, _ = await enter(w.session.pk, w.ben)
    await ben.send({"type": "chat", "text": "something unkind"})
    await ana.expect("chat", seq=1)
    await ana.send({"type": "report", "seq": 1, "reason": " it hurt "})
    assert await lead.expect("alert") == {
        "type": "alert",
        "kind": "report",
        "seq": 1,
        "user": public(w.ana),
        "text": "something unkind",
        "reason": "it hurt",
    }
    report = await db(RoomReport.objects.select_related("message").get)()
    assert (report.message.seq, report.reporter_id, report.reason) == (1, w.ana.pk, "it hurt")
    assert report.resolved_at is None
    # Reporting again adds nothing and alerts nobody.
    await ana.send({"type": "report", "seq": 1, "reason": "again"})
    assert await ana.events() == []
    assert "alert" not in {f["type"] for f in await lead.drain()}
    assert "alert" not in {f["type"] for f in await ben.drain()}
    assert await db(RoomReport.objects.count)() == 1
    # A facilitator may report too (for the coordinators), without a reason.
    await lead.send({"type": "report", "seq": 1})
    assert (await lead.expect("alert"))["reason"] == ""


async def test_report_errors(room_world):
    w = room_world
    lead, _ = await enter(w.session.pk, w.lead)
    ana, _ = await enter(w.session.pk, w.ana)
    await ana.send({"type": "report", "seq": 99})
    await ana.error("not_found")
    await ana.send({"type": "report", "seq": "1"})
    await ana.error("invalid", field="seq")
    await lead.send({"type": "chat", "text": "x"})
    await ana.expect("chat", seq=1)
    await ana.send({"type": "report", "seq": 1, "reason": "r" * 501})
    await ana.error("invalid", field="reason")
    assert await db(RoomReport.objects.count)() == 0


async def test_checkin_reaches_only_facilitators(room_world):
    w = room_world
    lead, _ = await enter(w.session.pk, w.lead)
    co, _ = await enter(w.session.pk, w.co)
    ana, _ = await enter(w.session.pk, w.ana)
    ben, _ = await enter(w.session.pk, w.ben)
    await ana.send({"type": "checkin", "mood": 2, "phase": "start"})
    frame = {"type": "checkin", "user": public(w.ana), "mood": 2, "phase": "start"}
    assert await lead.expect("checkin") == frame
    assert await co.expect("checkin") == frame
    assert "checkin" not in {f["type"] for f in await ben.drain()}
    assert "checkin" not in {f["type"] for f in await ana.drain()}
    await ana.send({"type": "checkin", "mood": 4, "phase": "start"})
    await ana.send({"type": "checkin", "mood": 5, "phase": "end"})
    await lead.expect("checkin", phase="end")
    rows = await db(lambda: sorted(CheckIn.objects.values_list("user_id", "phase", "mood")))()
    assert rows == [(w.ana.pk, "end", 5), (w.ana.pk, "start", 4)]


@pytest.mark.parametrize(
    "frame, field",
    [
        ({"mood": 6, "phase": "start"}, "mood"),
        ({"mood": 0, "phase": "start"}, "mood"),
        ({"mood": "3", "phase": "start"}, "mood"),
        ({"mood": True, "phase": "start"}, "mood"),
        ({"mood": 3.5, "phase": "start"}, "mood"),
        ({"phase": "start"}, "mood"),
        ({"mood": 3, "phase": "middle"}, "phase"),
        ({"mood": 3}, "phase"),
    ],
)
async def test_checkin_invalid_fields(room_world, frame, field):
    w = room_world
    lead, _ = await enter(w.session.pk, w.lead)
    ana, _ = await enter(w.session.pk, w.ana)
    await ana.send({"type": "checkin", **frame})
    await ana.error("invalid", field=field)
    assert "checkin" not in {f["type"] for f in await lead.drain()}
    assert await db(CheckIn.objects.count)() == 0


async def test_facilitator_checkin_is_refused(room_world):
    lead, _ = await enter(room_world.session.pk, room_world.lead)
    await lead.send({"type": "checkin", "mood": 3, "phase": "start"})
    await lead.error("forbidden")


# --- malformed input -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, code",
    [
        ("{not json", "bad_json"),
        ("   ", "bad_json"),
        ("[1, 2]", "bad_json"),
        ('"chat"', "bad_json"),
        ("42", "bad_json"),
        ("null", "bad_json"),
        ('{"text": "no type"}', "bad_json"),
        ('{"type": 5}', "bad_json"),
        ('{"type": "dance"}', "unknown_type"),
        ('{"type": "frame_chat"}', "unknown_type"),
        ('{"type": "__init__"}', "unknown_type"),
        # Only the documented names: no handler-name spellings of them.
        ('{"type": "mod_mute", "user": 1}', "unknown_type"),
        ('{"type": "room_end"}', "unknown_type"),
        ('{"type": "mod.next.speaker"}', "unknown_type"),
        ('{"type": "Chat", "text": "hi"}', "unknown_type"),
        (json.dumps({"type": "x" * 500}), "unknown_type"),
    ],
)
async def test_malformed_frames_get_an_error_and_the_connection_stays(room_world, raw, code):
    ana, _ = await enter(room_world.session.pk, room_world.ana)
    await ana.send(raw)
    await ana.error(code)
    await ana.send({"type": "ping"})
    assert await ana.expect("pong") == {"type": "pong"}


def test_every_frame_type_has_its_handler_and_no_handler_is_unnamed():
    from rooms.consumers import FRAME_TYPES, RoomConsumer

    handlers = {name for name in dir(RoomConsumer) if name.startswith("frame_")}
    assert handlers == {"frame_" + kind.replace(".", "_") for kind in FRAME_TYPES}


async def test_binary_frame_is_bad_json(room_world):
    ana, _ = await enter(room_world.session.pk, room_world.ana)
    await ana.ws.send_to(bytes_data=b'{"type": "ping"}')
    await ana.error("bad_json")
    await ana.send({"type": "ping"})
    assert await ana.expect("pong") == {"type": "pong"}


async def test_oversize_frame_and_text_are_too_long(room_world, settings):
    settings.ROOM_MAX_MESSAGE_CHARS = 100
    w = room_world
    lead, _ = await enter(w.session.pk, w.lead)
    ana, _ = await enter(w.session.pk, w.ana)
    await ana.send({"type": "chat", "text": "x" * (settings.ROOM_MAX_FRAME_BYTES + 1)})
    await ana.error("too_long")
    await ana.send({"type": "chat", "text": "y" * 101})
    await ana.error("too_long")
    await ana.send({"type": "chat", "text": "  " + "z" * 100 + "  "})
    assert (await ana.expect("chat"))["text"] == "z" * 100
    assert await db(lambda: list(RoomMessage.objects.values_list("seq", flat=True)))() == [1]


@pytest.mark.parametrize(
    "frame, field",
    [
        ({"type": "chat"}, "text"),
        ({"type": "chat", "text": "   "}, "text"),
        ({"type": "chat", "text": 42}, "text"),
        ({"type": "chat", "text": "hi", "client_id": "c" * 65}, "client_id"),
        ({"type": "chat", "text": "hi", "client_id": 7}, "client_id"),
        ({"type": "hand", "raised": "yes"}, "raised"),
        ({"type": "hand"}, "raised"),
        ({"type": "resume"}, "after_seq"),
        # Past what a database integer holds: refused before any lookup could overflow.
        ({"type": "resume", "after_seq": 2**63}, "after_seq"),
        ({"type": "report", "seq": 2**70}, "seq"),
        ({"type": "report", "seq": -1}, "seq"),
        # PostgreSQL cannot store a NUL character in text.
        ({"type": "chat", "text": "a\x00b"}, "text"),
        ({"type": "report", "seq": 1, "reason": "spam\x00"}, "reason"),
    ],
)
async def test_invalid_fields_name_the_field(room_world, frame, field):
    w = room_world
    lead, _ = await enter(w.session.pk, w.lead)
    ana, _ = await enter(w.session.pk, w.ana)
    await ana.send(frame)
    await ana.error("invalid", field=field)
    assert await db(RoomMessage.objects.count)() == 0


@pytest.mark.parametrize(
    "frame",
    [
        {"type": "mod.mute", "user": 1},
        {"type": "mod.unmute", "user": 1},
        {"type": "mod.remove", "user": 1},
        {"type": "mod.admit", "user": 1},
        {"type": "mod.delete_message", "seq": 1},
        {"type": "mod.next_speaker"},
        {"type": "mod.reorder", "order": []},
        {"type": "room.lock", "locked": True},
        {"type": "room.end"},
    ],
)
async def test_facilitator_frames_from_an_attendee_are_forbidden(room_world, frame):
    w = room_world
    lead, _ = await enter(w.session.pk, w.lead)
    ana, _ = await enter(w.session.pk, w.ana)
    await lead.send({"type": "chat", "text": "hello"})
    await ana.expect("chat", seq=1)
    await ana.send(frame)
    await ana.error("forbidden")
    await ana.send({"type": "ping"})
    assert await ana.expect("pong") == {"type": "pong"}
    # Nothing changed.
    assert "moderation" not in {f["type"] for f in await lead.drain()}
    message = await db(RoomMessage.objects.get)(seq=1)
    assert message.deleted_at is None
    assert (await db(Session.objects.get)(pk=w.session.pk)).room_open is True
