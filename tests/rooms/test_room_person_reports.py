"""Reports about a person from the room (`report.person`), and what resolving one does: warn,
mute for the session, remove from the group, ban (which ends their access: room, RSVPs,
rejoin), each in the audit log."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from channels.db import database_sync_to_async
from django.core.exceptions import ValidationError

from rooms import services as room_services
from rooms.models import PersonReport, RoomParticipant
from sessions_app import services
from sessions_app.errors import NotAllowed, StateConflict
from sessions_app.models import RSVP, AuditEntry, Membership, Notice
from tests.rooms.conftest import build_room_world, connect, enter

db = database_sync_to_async


def person(user, role="attendee") -> dict:
    return {"id": user.pk, "display_name": user.display_name, "role": role}


async def test_a_report_of_a_person_reaches_the_coordinators_with_context(room_world):
    w = room_world
    lead, _ = await enter(w.session.pk, w.lead)
    co, _ = await enter(w.session.pk, w.co)
    ana, _ = await enter(w.session.pk, w.ana)
    ben, _ = await enter(w.session.pk, w.ben)
    for text in ("one", "two"):
        await ben.send({"type": "chat", "text": text})
        await lead.expect("chat", text=text)
    await ana.send({"type": "report.person", "user": w.ben.pk, "reason": "  mocking me  "})
    alert = {
        "type": "alert",
        "kind": "report_person",
        "user": person(w.ana),
        "about": {"id": w.ben.pk, "display_name": "Ben"},
        "text": "",
        "reason": "mocking me",
    }
    assert await lead.expect("alert") == alert
    assert await co.expect("alert") == alert
    report = await db(PersonReport.objects.get)()
    assert (report.reported_id, report.reported_name, report.reporter_name, report.reason) == (
        w.ben.pk,
        "Ben",
        "Ana",
        "mocking me",
    )
    assert (report.session_id, report.group_id, report.source) == (
        w.session.pk,
        w.session.group_id,
        "room",
    )
    assert [m["text"] for m in report.context] == ["one", "two"]
    # The person reported hears nothing of it; nor does the reporter get anything but quiet.
    assert "alert" not in {f["type"] for f in await ben.drain()}
    assert "alert" not in {f["type"] for f in await ana.drain()}
    # Again while it is open: the same report, no second alert.
    await ana.send({"type": "report.person", "user": w.ben.pk, "reason": "again"})
    assert "alert" not in {f["type"] for f in await lead.drain()}
    assert await db(PersonReport.objects.count)() == 1


async def test_a_report_about_a_facilitator_is_not_shown_to_the_facilitators(room_world):
    w = room_world
    lead, _ = await enter(w.session.pk, w.lead)
    ana, _ = await enter(w.session.pk, w.ana)
    await ana.send({"type": "report.person", "user": w.lead.pk, "reason": "dismissive"})
    await ana.drain()
    assert "alert" not in {f["type"] for f in await lead.drain()}
    assert await db(PersonReport.objects.filter(reported=w.lead).exists)()


async def test_report_person_errors(room_world, lobby_world):
    w = room_world
    ana, _ = await enter(w.session.pk, w.ana)
    await ana.send({"type": "report.person", "user": w.ben.pk})
    await ana.error("invalid", field="reason")
    await ana.send({"type": "report.person", "user": w.ben.pk, "reason": "x" * 501})
    await ana.error("invalid", field="reason")
    await ana.send({"type": "report.person", "user": w.ana.pk, "reason": "me"})
    await ana.error("invalid", field="user")
    await ana.send({"type": "report.person", "user": w.nora.pk, "reason": "never here"})
    await ana.error("not_found")
    await ana.send({"type": "report.person", "user": None, "reason": "who"})
    await ana.error("invalid", field="user")
    waiting, first = await enter(lobby_world.session.pk, lobby_world.ana)
    assert first["type"] == "lobby"
    await waiting.send({"type": "report.person", "user": lobby_world.ben.pk, "reason": "x"})
    await waiting.error("forbidden")
    assert not await db(PersonReport.objects.exists)()


def _reported(w) -> PersonReport:
    for user in (w.lead, w.ana, w.ben):
        room_services.room_join(session_id=w.session.pk, user=user, server_id="test")
    room_services.chat_post(session_id=w.session.pk, user=w.ben, text="you are all useless")
    return room_services.person_report_from_room(
        session_id=w.session.pk, user=w.ana, user_id=w.ben.pk, reason="insulting"
    )


def _actions(report: PersonReport) -> list[str]:
    return list(
        AuditEntry.objects.filter(
            action__in=["member.warn", "room.mute", "member.remove", "member.ban"]
        ).values_list("action", flat=True)
    ) + list(
        AuditEntry.objects.filter(
            action="person_report.resolve", object_id=str(report.pk)
        ).values_list("metadata__action", flat=True)
    )


@pytest.mark.django_db(transaction=True)
def test_warn_tells_the_person_and_is_audited():
    w = build_room_world()
    report = _reported(w)
    room_services.person_report_resolve(report=report, by=w.staff, action="warn", resolution="ok")
    notice = Notice.objects.get(user=w.ben)
    assert notice.kind == "moderation_warning"
    assert "Tuesday grief circle" in notice.message
    assert "Ana" not in notice.message  # the reporter is never named to the person
    assert _actions(report) == ["member.warn", "warn"]
    report.refresh_from_db()
    assert (report.action, report.resolution, report.resolved_by) == ("warn", "ok", w.staff)
    with pytest.raises(StateConflict):
        room_services.person_report_resolve(report=report, by=w.staff, action="ban")
    assert Membership.objects.get(user=w.ben).status == "approved"


@pytest.mark.django_db(transaction=True)
def test_only_coordinators_resolve_and_actions_are_checked():
    w = build_room_world()
    report = _reported(w)
    for who in (w.lead, w.co, w.ana, w.ben):
        with pytest.raises(NotAllowed):
            room_services.person_report_resolve(report=report, by=who, action="ban")
    with pytest.raises(ValidationError):
        room_services.person_report_resolve(report=report, by=w.staff, action="explode")
    report.refresh_from_db()
    assert report.resolved_at is None
    assert Membership.objects.get(user=w.ben).status == "approved"
    assert not AuditEntry.objects.filter(action__startswith="person_report").exists()


@pytest.mark.django_db(transaction=True)
def test_mute_for_the_session():
    w = build_room_world()
    report = _reported(w)
    room_services.person_report_resolve(report=report, by=w.staff, action="mute")
    assert RoomParticipant.objects.get(session=w.session, user=w.ben).muted
    assert _actions(report) == ["room.mute", "mute"]
    # A facilitator cannot be muted: that resolution is refused and nothing is written.
    about_lead = room_services.person_report_from_room(
        session_id=w.session.pk, user=w.ana, user_id=w.lead.pk, reason="rude"
    )
    with pytest.raises(StateConflict):
        room_services.person_report_resolve(report=about_lead, by=w.staff, action="mute")
    about_lead.refresh_from_db()
    assert about_lead.resolved_at is None


@pytest.mark.django_db(transaction=True)
def test_remove_takes_them_out_of_the_group_and_they_may_join_again():
    w = build_room_world()
    report = _reported(w)
    room_services.person_report_resolve(report=report, by=w.staff, action="remove")
    assert not Membership.objects.filter(user=w.ben, group=w.session.group).exists()
    assert RSVP.objects.get(user=w.ben, session=w.session).status == RSVP.Status.CANCELLED
    assert _actions(report) == ["member.remove", "remove"]
    again = services.membership_join(group=w.session.group, user=w.ben)
    assert again.status == Membership.Status.APPROVED


@pytest.mark.django_db(transaction=True)
def test_ban_ends_their_access_to_the_group():
    w = build_room_world()
    report = _reported(w)
    room_services.person_report_resolve(report=report, by=w.staff, action="ban")
    assert Membership.objects.get(user=w.ben, group=w.session.group).status == "banned"
    assert RSVP.objects.get(user=w.ben, session=w.session).status == RSVP.Status.CANCELLED
    assert _actions(report) == ["member.ban", "ban"]
    with pytest.raises(NotAllowed):
        services.membership_join(group=w.session.group, user=w.ben)
    with pytest.raises(NotAllowed):
        services.rsvp_create(session=w.session, user=w.ben)


async def test_a_ban_closes_their_room_and_keeps_it_closed(room_world):
    w = room_world
    lead, _ = await enter(w.session.pk, w.lead)
    ben, _ = await enter(w.session.pk, w.ben)
    ben_tab2, _ = await enter(w.session.pk, w.ben)
    report = await db(room_services.person_report_from_room)(
        session_id=w.session.pk, user=w.lead, user_id=w.ben.pk, reason="threats"
    )
    await db(room_services.person_report_resolve)(report=report, by=w.staff, action="ban")
    assert await ben.closed_with() == 4403
    assert await ben_tab2.closed_with() == 4403
    again, _connected = await connect(w.session.pk, w.ben)
    assert await again.closed_with() == 4403
    # The lead stays.
    await lead.send({"type": "chat", "text": "still here"})
    await lead.expect("chat", text="still here")


async def test_a_mute_from_a_report_reaches_the_person_in_the_room(room_world):
    w = room_world
    lead, _ = await enter(w.session.pk, w.lead)
    ben, _ = await enter(w.session.pk, w.ben)
    report = await db(room_services.person_report_from_room)(
        session_id=w.session.pk, user=w.lead, user_id=w.ben.pk, reason="spamming"
    )
    await db(room_services.person_report_resolve)(report=report, by=w.staff, action="mute")
    assert (await ben.expect("moderation"))["action"] == "mute"
    await ben.send({"type": "chat", "text": "hello?"})
    await ben.error("muted")


@pytest.mark.django_db(transaction=True)
def test_a_reports_copy_of_messages_follows_retention_once_resolved(settings):
    settings.ROOM_MESSAGE_RETENTION_HOURS = 24
    w = build_room_world()
    report = _reported(w)
    later = w.session.end + timedelta(hours=30)
    with time_machine.travel(later, tick=False):
        room_services.room_messages_purge()
    report.refresh_from_db()
    assert [m["text"] for m in report.context] == ["you are all useless"]  # still open
    with time_machine.travel(later, tick=False):
        room_services.person_report_resolve(report=report, by=w.staff, action="none")
    with time_machine.travel(later + timedelta(hours=25), tick=False):
        room_services.room_messages_purge()
    report.refresh_from_db()
    assert report.context == []
