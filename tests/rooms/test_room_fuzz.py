"""Every frame type with every field set to values of the wrong kind, as a facilitator and as an
attendee: each answer is a documented frame or an `error` frame with a documented code, the
connection stays, nothing is logged as an error, and a real message goes through afterwards."""

from __future__ import annotations

import json
import logging

import pytest
from channels.db import database_sync_to_async

from rooms.consumers import FACILITATOR_FRAMES, FRAME_TYPES
from rooms.models import RoomMessage
from tests.rooms.conftest import enter

db = database_sync_to_async

# docs/rooms.md, "error".
ERROR_CODES = {
    "bad_json",
    "unknown_type",
    "invalid",
    "too_long",
    "rate_limited",
    "forbidden",
    "muted",
    "paused",
    "not_found",
    "conflict",
    "unavailable",
}

# The fields each frame type reads (docs/rooms.md, client to server).
FIELDS = {
    "chat": ["text", "client_id"],
    "hand": ["raised"],
    "checkin": ["mood", "phase"],
    "report": ["seq", "reason"],
    "resume": ["after_seq"],
    "mod.mute": ["user"],
    "mod.unmute": ["user"],
    "mod.remove": ["user", "reason"],
    "mod.admit": ["user"],
    "mod.delete_message": ["seq"],
    "mod.reorder": ["order"],
    "room.lock": ["locked"],
}

# JSON as a client could write it: wrong types, out-of-range numbers, NaN and Infinity (which
# Python's json module reads), nesting, text where numbers belong and the other way round.
BAD_VALUES = [
    "null",
    "true",
    "-1",
    "0",
    "1.5",
    str(2**70),
    str(-(2**70)),
    "1e400",
    "NaN",
    "-Infinity",
    '""',
    '"7"',
    '"\\u0661\\u0662"',
    json.dumps("x" * 3000),
    '"\\u0000"',
    "[]",
    "{}",
    '[1, "a", null, [2]]',
    '{"id": 1}',
]


def frames_for(kinds) -> list[str]:
    raw = []
    for kind in kinds:
        fields = FIELDS.get(kind, [])
        raw.append(json.dumps({"type": kind}))  # every field left out
        for field in fields:
            for value in BAD_VALUES:
                raw.append(f'{{"type": {json.dumps(kind)}, {json.dumps(field)}: {value}}}')
    return raw


async def answers_to(client, raw: str) -> list[dict]:
    """Send one frame, then a ping; the frames that came before the pong."""
    await client.send(raw)
    await client.send({"type": "ping"})
    frames = []
    while True:
        frame = await client.recv(timeout=5)
        assert frame["type"] != "__closed__", (raw, frame)
        if frame["type"] == "pong":
            return frames
        frames.append(frame)


def check(raw: str, frames: list[dict]) -> None:
    for frame in frames:
        if frame["type"] == "error":
            assert frame["code"] in ERROR_CODES, (raw, frame)
            assert isinstance(frame["message"], str) and frame["message"], (raw, frame)
            if frame["code"] == "invalid":
                assert isinstance(frame.get("field"), str), (raw, frame)
        assert frame["type"] != "room.ended", raw


@pytest.fixture
def no_limits(settings):
    settings.ROOM_FRAMES_HARD_LIMIT = 100_000
    settings.ROOM_CHAT_BURST = 100_000


@pytest.mark.parametrize("who", ["lead", "ana"])
async def test_wrong_values_in_every_field_get_documented_answers(
    room_world, no_limits, caplog, who
):
    w = room_world
    lead, _ = await enter(w.session.pk, w.lead)
    ana, _ = await enter(w.session.pk, w.ana)
    client = lead if who == "lead" else ana
    kinds = sorted(FRAME_TYPES - {"ping", "room.end"})
    if who == "ana":
        kinds = [k for k in kinds if k not in FACILITATOR_FRAMES]
    with caplog.at_level(logging.ERROR):
        for raw in frames_for(kinds):
            check(raw, await answers_to(client, raw))
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text

    # The room still works for both (no bad value is anyone's id, so nobody was muted or
    # removed): a message goes through and is stored once.
    await ana.send({"type": "chat", "text": "still here"})
    chat = await lead.expect("chat", text="still here")
    assert await db(RoomMessage.objects.filter(seq=chat["seq"], text="still here").count)() == 1


async def test_facilitator_only_frames_from_an_attendee_are_forbidden_whatever_the_fields(
    room_world, no_limits
):
    w = room_world
    await enter(w.session.pk, w.lead)
    ana, _ = await enter(w.session.pk, w.ana)
    for raw in frames_for(sorted(FACILITATOR_FRAMES)):
        frames = [f for f in await answers_to(ana, raw) if f["type"] == "error"]
        assert [f["code"] for f in frames] == ["forbidden"], (raw, frames)
