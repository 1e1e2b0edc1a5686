"""Chat frames, sequence numbers, presence, and what attendees never see."""

from __future__ import annotations

import json

from channels.db import database_sync_to_async

from rooms.models import Room, RoomMessage
from sessions_app.models import User
from tests.rooms.conftest import enter

db = database_sync_to_async


def person(user, role="attendee", muted=False) -> dict:
    return {"id": user.pk, "display_name": user.display_name, "role": role, "muted": muted}


def author(user, role="attendee") -> dict:
    return {"id": user.pk, "display_name": user.display_name, "role": role}


async def stored(session_id) -> list[RoomMessage]:
    return await db(lambda: list(RoomMessage.objects.filter(session_id=session_id)))()


async def test_chat_frames_have_seq_from_one_and_client_id_only_for_the_sender(
    room_world, settings
):
    settings.ROOM_CHAT_BURST = 50
    w = room_world
    lead, _ = await enter(w.session.pk, w.lead)
    ana, _ = await enter(w.session.pk, w.ana)
    ben, _ = await enter(w.session.pk, w.ben)
    sends = [
        (ana, w.ana, "attendee", "  hello everyone  ", "a-1"),
        (lead, w.lead, "facilitator", "welcome, Ana", None),
        (ben, w.ben, "attendee", "hi ✨ ¿qué tal?", "b-1"),
        (ana, w.ana, "attendee", "second", "a-2"),
    ]
    for client, _user, _role, text, client_id in sends:
        frame = {"type": "chat", "text": text}
        if client_id:
            frame["client_id"] = client_id
        await client.send(frame)
        await lead.expect("chat")  # one at a time, so the order is the send order

    messages = await stored(w.session.pk)
    assert [m.seq for m in messages] == [1, 2, 3, 4]
    assert (await db(Room.objects.get)(pk=w.session.pk)).last_seq == 4
    expected = [
        {
            "type": "chat",
            "seq": seq,
            "author": author(user, role),
            "text": text.strip(),
            "sent_at": m.sent_at.isoformat().replace("+00:00", "Z"),
        }
        for seq, (m, (_c, user, role, text, _id)) in enumerate(
            zip(messages, sends, strict=True), start=1
        )
    ]
    assert [m.text for m in messages] == [e["text"] for e in expected]
    assert [m.author_name for m in messages] == ["Ana", "Lead Lee", "Ben", "Ana"]

    for client, user in ((lead, w.lead), (ana, w.ana), (ben, w.ben)):
        await client.drain()
        chats = [f for f in client.frames if f["type"] == "chat"]
        mine = []
        for frame, (_c, sender, _r, _t, client_id) in zip(expected, sends, strict=True):
            if sender == user and client_id:
                mine.append({**frame, "client_id": client_id})
            else:
                mine.append(frame)
        assert chats == mine, user.display_name


async def test_late_joiner_gets_recent_messages_in_welcome(room_world, settings):
    settings.ROOM_CHAT_BURST = 50
    settings.ROOM_WELCOME_MESSAGES = 3
    w = room_world
    lead, _ = await enter(w.session.pk, w.lead)
    for n in range(1, 6):
        await lead.send({"type": "chat", "text": f"m{n}", "client_id": f"c{n}"})
        await lead.expect("chat", seq=n)
    ana, welcome = await enter(w.session.pk, w.ana)
    assert welcome["last_seq"] == 5
    messages = await stored(w.session.pk)
    assert welcome["messages"] == [
        {
            "type": "chat",
            "seq": m.seq,
            "author": author(w.lead, "facilitator"),
            "text": m.text,
            "sent_at": m.sent_at.isoformat().replace("+00:00", "Z"),
        }
        for m in messages[2:]
    ]


async def test_presence_follows_joins_and_leaves(room_world):
    w = room_world
    lead, _ = await enter(w.session.pk, w.lead)
    ana, _ = await enter(w.session.pk, w.ana)
    everyone = [person(w.lead, "facilitator"), person(w.ana)]
    assert await lead.expect("presence", participants=everyone) == {
        "type": "presence",
        "participants": everyone,
        "lobby": [],
    }
    ben, _ = await enter(w.session.pk, w.ben)
    everyone = [*everyone, person(w.ben)]
    assert await ana.expect("presence", participants=everyone) == {
        "type": "presence",
        "participants": everyone,
    }
    # A second tab of the same person is still one participant.
    ben2, _ = await enter(w.session.pk, w.ben)
    await ben.close()
    await ana.close()
    assert await lead.expect(
        "presence", participants=[person(w.lead, "facilitator"), person(w.ben)]
    )
    await ben2.close()
    assert await lead.expect("presence", participants=[person(w.lead, "facilitator")]) == {
        "type": "presence",
        "participants": [person(w.lead, "facilitator")],
        "lobby": [],
    }


async def test_attendees_never_see_usernames_emails_or_phones(room_world, settings):
    settings.ROOM_CHAT_BURST = 50
    w = room_world

    def give_phones():
        for n, user in enumerate((w.lead, w.co, w.ana, w.ben), start=1):
            User.objects.filter(pk=user.pk).update(phone=f"+1202555010{n}")
        return list(User.objects.filter(pk__in=[w.lead.pk, w.co.pk, w.ana.pk, w.ben.pk]))

    people = await db(give_phones)()
    lead, _ = await enter(w.session.pk, w.lead)
    co, _ = await enter(w.session.pk, w.co)
    ana, _ = await enter(w.session.pk, w.ana)
    ben, _ = await enter(w.session.pk, w.ben)
    await ben.send({"type": "hand", "raised": True})
    await lead.expect("queue", hands=[{"id": w.ben.pk, "display_name": "Ben"}])
    await ana.send({"type": "hand", "raised": True})
    await ben.send({"type": "chat", "text": "hello"})
    await co.send({"type": "chat", "text": "hi Ben"})
    await lead.send({"type": "mod.next_speaker"})
    await ana.expect("queue", speaker={"id": w.ben.pk, "display_name": "Ben"})
    await ben.expect("queue", speaker={"id": w.ben.pk, "display_name": "Ben"})
    await lead.send({"type": "mod.mute", "user": w.ben.pk})
    await lead.send({"type": "mod.delete_message", "seq": 1})
    await ben.send({"type": "report", "seq": 2})
    await lead.expect("moderation", action="delete_message")
    await ana.expect("moderation", action="delete_message")
    await ana.close()
    ana2, _ = await enter(w.session.pk, w.ana)
    await ana2.send({"type": "resume", "after_seq": 0})
    await ana2.expect("chat", seq=2)
    await ana2.drain()
    await ben.drain()
    assert any(f["type"] == "presence" for f in ben.frames)
    for frames in (ana.frames + ana2.frames, ben.frames):
        kinds = {f["type"] for f in frames}
        assert {"welcome", "queue", "chat", "moderation"} <= kinds
        text = json.dumps(frames, ensure_ascii=False)
        for key in ('"username"', '"email"', '"phone"'):
            assert key not in text
        for user in people:
            assert user.email not in text
            assert f'"{user.username}"' not in text
            assert str(user.phone) not in text
