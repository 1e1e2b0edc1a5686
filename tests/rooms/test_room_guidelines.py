"""Group agreements in the room: the guidelines are accepted before a person's first chat
message or unmute in the group (once, or at every session), recorded with their version, and
asked again when they change (docs/rooms.md, Group guidelines)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.db import IntegrityError, transaction
from django.utils import timezone

from rooms import services as room_services
from rooms.models import GuidelinesAcceptance
from sessions_app import services
from sessions_app.models import SupportGroup
from tests.factories import GroupFactory, UserFactory, facilitator, member, one_off_session
from tests.rooms.conftest import build_room_world, connect, enter

db = database_sync_to_async

WORDS = "What is said here stays here.\nSpeak from your own experience."


def _set_guidelines(group_id: int, **fields) -> SupportGroup:
    group = SupportGroup.objects.get(pk=group_id)
    return services.group_update(group=group, **fields)


set_guidelines = db(_set_guidelines)


@pytest.fixture
def agreed_world(transactional_db):
    """The room world, its group with guidelines."""
    w = build_room_world()
    _set_guidelines(w.session.group_id, guidelines=WORDS)
    return w


def guidelines(version: int = 2, required: bool = True, every_session: bool = False) -> dict:
    return {
        "text": WORDS,
        "version": version,
        "every_session": every_session,
        "required": required,
    }


async def accepted(user, group_id) -> list[tuple]:
    rows = GuidelinesAcceptance.objects.filter(user=user, group_id=group_id)
    return await db(lambda: list(rows.values_list("version", "session_id")))()


async def test_an_attendee_accepts_before_the_first_message(agreed_world):
    w = agreed_world
    lead, lead_welcome = await enter(w.session.pk, w.lead)
    ana, welcome = await enter(w.session.pk, w.ana)
    # Version 2: the group was made without guidelines (version 1), then given some.
    assert welcome["guidelines"] == guidelines()
    # Facilitators never have to accept; they see the words.
    assert lead_welcome["guidelines"] == guidelines(required=False)

    await ana.send({"type": "chat", "text": "hello"})
    await ana.error("guidelines_required")
    assert "chat" not in {f["type"] for f in await lead.events()}
    # The connection stays open.
    await ana.send({"type": "ping"})
    await ana.expect("pong")

    # A version that is not the current one, or none, is refused.
    await ana.send({"type": "guidelines.accept", "version": 1})
    await ana.error("conflict")
    await ana.send({"type": "guidelines.accept"})
    await ana.error("invalid", field="version")
    await ana.send({"type": "guidelines.accept", "version": "2"})
    await ana.error("invalid", field="version")
    assert await accepted(w.ana, w.session.group_id) == []

    other_tab, _ = await enter(w.session.pk, w.ana)
    await ana.send({"type": "guidelines.accept", "version": 2})
    expected = {"type": "guidelines", **guidelines(required=False)}
    assert await ana.expect("guidelines") == expected
    assert await other_tab.expect("guidelines") == expected  # every tab of hers
    assert "guidelines" not in {f["type"] for f in await lead.events()}  # nobody else's
    assert await accepted(w.ana, w.session.group_id) == [(2, None)]
    row = await db(GuidelinesAcceptance.objects.get)(user=w.ana)
    assert row.accepted_at is not None

    await ana.send({"type": "chat", "text": "hello"})
    assert (await lead.expect("chat"))["text"] == "hello"
    # Accepting again changes nothing.
    await ana.send({"type": "guidelines.accept", "version": 2})
    await ana.expect("guidelines")
    assert await accepted(w.ana, w.session.group_id) == [(2, None)]

    # Once for the group: the next session does not ask again.
    again, welcome = await enter(w.session.pk, w.ana)
    assert welcome["guidelines"]["required"] is False


async def test_facilitators_chat_without_accepting(agreed_world):
    w = agreed_world
    lead, _ = await enter(w.session.pk, w.lead)
    await lead.send({"type": "chat", "text": "welcome all"})
    assert (await lead.expect("chat"))["text"] == "welcome all"
    assert await accepted(w.lead, w.session.group_id) == []


async def test_no_guidelines_no_gate(room_world):
    w = room_world
    lead, _ = await enter(w.session.pk, w.lead)
    ana, welcome = await enter(w.session.pk, w.ana)
    assert welcome["guidelines"] is None
    await ana.send({"type": "chat", "text": "hi"})
    assert (await lead.expect("chat"))["text"] == "hi"
    await ana.send({"type": "guidelines.accept", "version": 1})
    await ana.error("conflict")


async def test_a_change_of_the_guidelines_asks_again(agreed_world):
    w = agreed_world
    lead, _ = await enter(w.session.pk, w.lead)
    ana, _ = await enter(w.session.pk, w.ana)
    await ana.send({"type": "guidelines.accept", "version": 2})
    await ana.expect("guidelines", required=False)

    # The same words with CRLF new lines (a browser's textarea) are no change.
    group = await set_guidelines(w.session.group_id, guidelines=WORDS.replace("\n", "\r\n"))
    assert group.guidelines_version == 2
    assert "guidelines" not in {f["type"] for f in await ana.events()}

    group = await set_guidelines(w.session.group_id, guidelines=WORDS + "\nNo advice.")
    assert group.guidelines_version == 3
    frame = await ana.expect("guidelines")
    assert frame == {
        "type": "guidelines",
        "text": WORDS + "\nNo advice.",
        "version": 3,
        "every_session": False,
        "required": True,
    }
    assert (await lead.expect("guidelines"))["required"] is False
    await ana.send({"type": "chat", "text": "hello"})
    await ana.error("guidelines_required")
    await ana.send({"type": "guidelines.accept", "version": 3})
    await ana.expect("guidelines", required=False)
    await ana.send({"type": "chat", "text": "hello"})
    await lead.expect("chat", text="hello")
    assert sorted(await accepted(w.ana, w.session.group_id)) == [(2, None), (3, None)]

    # Guidelines taken away: nothing left to accept.
    await set_guidelines(w.session.group_id, guidelines="")
    frame = await ana.expect("guidelines")
    assert frame["text"] == "" and frame["required"] is False


async def test_every_session_asks_in_each_session(agreed_world):
    w = agreed_world
    ana, _ = await enter(w.session.pk, w.ana)
    await ana.send({"type": "guidelines.accept", "version": 2})
    await ana.expect("guidelines", required=False)
    # Switching the setting on asks again in the open room, with the same version.
    await set_guidelines(w.session.group_id, guidelines_every_session=True)
    frame = await ana.expect("guidelines")
    assert frame["required"] is True and frame["every_session"] is True
    assert frame["version"] == 2
    await ana.send({"type": "guidelines.accept", "version": 2})
    await ana.expect("guidelines", required=False)
    assert set(await accepted(w.ana, w.session.group_id)) == {(2, None), (2, w.session.pk)}

    def next_session():
        session = one_off_session(w.session.group, starts_in=timedelta(minutes=3), minutes=60)
        services.rsvp_create(session=session, user=w.ana)
        room_services.room_open(session=session, by=w.lead)
        return session

    later = await db(next_session)()
    lead, _ = await enter(later.pk, w.lead)
    ana2, welcome = await enter(later.pk, w.ana)
    assert welcome["guidelines"] == guidelines(required=True, every_session=True)
    await ana2.send({"type": "chat", "text": "hi"})
    await ana2.error("guidelines_required")


async def test_unmuting_needs_the_guidelines(agreed_world):
    w = agreed_world
    await enter(w.session.pk, w.lead)
    ana, _ = await enter(w.session.pk, w.ana)
    await ana.send({"type": "media.join", "video": False})
    await ana.expect("media.config")
    await ana.send({"type": "media.state", "audio": True, "video": False})
    await ana.error("guidelines_required")
    # Staying silent is always allowed.
    await ana.send({"type": "media.state", "audio": False, "video": False})
    assert "error" not in {f["type"] for f in await ana.events()}
    await ana.send({"type": "guidelines.accept", "version": 2})
    await ana.expect("guidelines", required=False)
    await ana.send({"type": "media.state", "audio": True, "video": False})
    peer = await ana.expect("media.peer", action="state")
    assert peer["audio"] is True


async def test_lobby_cannot_accept(transactional_db):
    w = await db(build_room_world)(lobby=True)
    await set_guidelines(w.session.group_id, guidelines=WORDS)
    await enter(w.session.pk, w.lead)
    ana, first = await enter(w.session.pk, w.ana)
    assert first["type"] == "lobby" and "guidelines" not in first
    await ana.send({"type": "guidelines.accept", "version": 2})
    await ana.error("forbidden")
    assert await accepted(w.ana, w.session.group_id) == []


async def test_a_muted_attendee_may_accept_but_stays_muted(agreed_world):
    w = agreed_world
    lead, _ = await enter(w.session.pk, w.lead)
    ana, _ = await enter(w.session.pk, w.ana)
    await lead.send({"type": "mod.mute", "user": w.ana.pk})
    await ana.expect("moderation", action="mute")
    await ana.send({"type": "guidelines.accept", "version": 2})
    await ana.expect("guidelines", required=False)
    await ana.send({"type": "chat", "text": "hi"})
    await ana.error("muted")


async def test_removed_and_outsiders_cannot_accept(agreed_world):
    w = agreed_world

    def other_facilitator():
        other = GroupFactory()
        return facilitator(other, UserFactory())

    # Made before anyone connects: SQLite's test database takes one writer at a time.
    stranger = await db(other_facilitator)()
    lead, _ = await enter(w.session.pk, w.lead)
    ana, _ = await enter(w.session.pk, w.ana)
    await lead.send({"type": "mod.remove", "user": w.ana.pk})
    assert await ana.closed_with() == 4410

    client, _ = await connect(w.session.pk, stranger)
    assert await client.closed_with() == 4403
    # Straight to the service, as an attacker on another path would be.
    for user in (w.ana, stranger, w.nora):
        with pytest.raises(room_services.RoomError) as refused:
            await db(room_services.guidelines_accept)(session_id=w.session.pk, user=user, version=2)
        assert refused.value.code == "forbidden"
    assert await db(GuidelinesAcceptance.objects.count)() == 0


def test_acceptance_is_once_per_version_and_session(db):
    group = GroupFactory(guidelines=WORDS)
    user = member(group, UserFactory())
    session = one_off_session(group, starts_in=timedelta(minutes=5), minutes=60)
    now = timezone.now()
    GuidelinesAcceptance.objects.create(user=user, group=group, version=1, accepted_at=now)
    GuidelinesAcceptance.objects.create(
        user=user, group=group, version=1, session=session, accepted_at=now
    )
    for place in (None, session):
        with pytest.raises(IntegrityError), transaction.atomic():
            GuidelinesAcceptance.objects.create(
                user=user, group=group, version=1, session=place, accepted_at=now
            )
