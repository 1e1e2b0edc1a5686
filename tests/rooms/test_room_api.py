"""POST room/open/, room/close/ and room-ticket/ for every role, and the ticket URL connecting."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.utils import timezone
from rest_framework.test import APIClient

from config.asgi import application
from rooms import services as room_services
from rooms.models import Room, RoomTicket
from sessions_app import services
from sessions_app.models import Session
from tests.factories import GroupFactory, UserFactory, facilitator, member, one_off_session
from tests.rooms.conftest import ORIGIN, Client, build_room_world, enter

db = database_sync_to_async


def client_for(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def post(user, session_id, action):
    return client_for(user).post(f"/api/v1/sessions/{session_id}/{action}/")


@pytest.fixture
def outsider(transactional_db):
    """A facilitator of another group, also a member of none of this one."""
    return facilitator(GroupFactory(), UserFactory(display_name="Other Fac"))


def people(w, outsider):
    return {
        "attendee": w.ana,
        "member without RSVP": w.nora,
        "facilitator of another group": outsider,
        "facilitator": w.lead,
        "co-facilitator": w.co,
        "coordinator": w.staff,
    }


OPEN_STATUS = {
    "attendee": 403,
    "member without RSVP": 403,
    "facilitator of another group": 403,
    "facilitator": 200,
    "co-facilitator": 200,
    "coordinator": 200,
}


@pytest.mark.parametrize("role", list(OPEN_STATUS))
def test_room_open_by_role(closed_world, outsider, role):
    w = closed_world
    response = post(people(w, outsider)[role], w.session.pk, "room/open")
    assert response.status_code == OPEN_STATUS[role], response.content
    session = Session.objects.get(pk=w.session.pk)
    if response.status_code == 200:
        body = response.json()
        assert body["id"] == w.session.pk and body["room_open"] is True
        assert session.room_open is True
        room = Room.objects.get(pk=w.session.pk)
        assert room.opened_by == people(w, outsider)[role] and room.opened_at is not None
        # Opening again is fine and changes nothing.
        again = post(people(w, outsider)[role], w.session.pk, "room/open")
        assert again.status_code == 200 and again.json()["room_open"] is True
    else:
        assert response.json() == {"detail": response.json()["detail"], "code": "not_facilitator"}
        assert session.room_open is False


@pytest.mark.parametrize("role", list(OPEN_STATUS))
def test_room_close_by_role(room_world, outsider, role):
    w = room_world
    response = post(people(w, outsider)[role], w.session.pk, "room/close")
    assert response.status_code == OPEN_STATUS[role], response.content
    session = Session.objects.get(pk=w.session.pk)
    if response.status_code == 200:
        assert response.json()["room_open"] is False and session.room_open is False
        assert Room.objects.get(pk=w.session.pk).ended_at is not None
        assert post(w.lead, w.session.pk, "room/close").status_code == 200
    else:
        assert response.json()["code"] == "not_facilitator"
        assert session.room_open is True


@pytest.mark.parametrize("action", ["room/open", "room/close", "room-ticket"])
def test_visitor_gets_401(room_world, action):
    response = post(None, room_world.session.pk, action)
    assert response.status_code == 401
    assert Session.objects.get(pk=room_world.session.pk).room_open is True


@pytest.mark.parametrize("action", ["room/open", "room/close", "room-ticket"])
def test_unknown_session_is_404(room_world, action):
    assert post(room_world.lead, room_world.session.pk + 999, action).status_code == 404


def test_room_open_too_early_or_cancelled_or_over_is_409(transactional_db):
    w = build_room_world(open_room=False)
    later = one_off_session(w.session.group, starts_in=timedelta(days=2))
    response = post(w.lead, later.pk, "room/open")
    assert response.status_code == 409
    assert response.json()["code"] == "too_early"
    assert Session.objects.get(pk=later.pk).room_open is False

    services.session_cancel(session=w.session, by=w.lead)
    response = post(w.lead, w.session.pk, "room/open")
    assert response.status_code == 409
    assert response.json()["code"] == "session_cancelled"

    past = one_off_session(w.session.group, starts_in=timedelta(minutes=5), minutes=30)
    Session.objects.filter(pk=past.pk).update(
        start=timezone.now() - timedelta(hours=2), end=timezone.now() - timedelta(hours=1)
    )
    response = post(w.staff, past.pk, "room/open")
    assert response.status_code == 409 and response.json()["code"] == "session_past"


def test_room_opens_at_most_the_configured_minutes_early(transactional_db, settings):
    settings.ROOM_OPEN_EARLY_MINUTES = 30
    w = build_room_world(open_room=False)
    soon = one_off_session(w.session.group, starts_in=timedelta(minutes=25))
    assert post(w.lead, soon.pk, "room/open").status_code == 200
    settings.ROOM_OPEN_EARLY_MINUTES = 15
    later = one_off_session(w.session.group, starts_in=timedelta(minutes=25))
    assert post(w.lead, later.pk, "room/open").status_code == 409


TICKET_STATUS = {
    "attendee": 200,
    "member without RSVP": 403,
    "facilitator of another group": 403,
    "facilitator": 200,
    "co-facilitator": 200,
    "coordinator": 200,
}


@pytest.mark.parametrize("role", list(TICKET_STATUS))
def test_room_ticket_by_role(room_world, outsider, role):
    w = room_world
    user = people(w, outsider)[role]
    before = timezone.now()
    response = post(user, w.session.pk, "room-ticket")
    assert response.status_code == TICKET_STATUS[role], response.content
    body = response.json()
    if response.status_code == 200:
        assert set(body) == {"ticket", "url", "expires_at"}
        assert body["url"] == (
            f"ws://testserver/ws/sessions/{w.session.pk}/room/?ticket={body['ticket']}"
        )
        ticket = RoomTicket.objects.get()
        assert ticket.user == user and ticket.session_id == w.session.pk
        assert ticket.token_hash != body["ticket"] and body["ticket"] not in ticket.token_hash
        assert before + timedelta(seconds=59) <= ticket.expires_at
        assert ticket.expires_at <= timezone.now() + timedelta(seconds=60)
        assert room_services.room_ticket_redeem(token=body["ticket"], session_id=w.session.pk)
    else:
        assert body["code"] == "room_forbidden"
        assert not RoomTicket.objects.exists()


def test_room_ticket_for_a_closed_room_is_409(closed_world):
    for user in (closed_world.ana, closed_world.lead):
        response = post(user, closed_world.session.pk, "room-ticket")
        assert response.status_code == 409 and response.json()["code"] == "room_not_open"
    assert not RoomTicket.objects.exists()


def test_room_ticket_for_a_removed_or_banned_attendee_is_403(room_world):
    w = room_world
    room_services.room_join(session_id=w.session.pk, user=w.lead, server_id="test")
    room_services.room_join(session_id=w.session.pk, user=w.ana, server_id="test")
    room_services.participant_remove(session_id=w.session.pk, by=w.lead, user_id=w.ana.pk)
    assert post(w.ana, w.session.pk, "room-ticket").status_code == 403
    membership = w.ben.memberships.get(group=w.session.group)
    services.membership_ban(membership=membership, by=w.lead)
    assert post(w.ben, w.session.pk, "room-ticket").status_code == 403


async def test_ticket_url_connects_once_and_only_to_its_session(room_world):
    w = room_world
    lead, _ = await enter(w.session.pk, w.lead)
    response = await db(post)(w.ana, w.session.pk, "room-ticket")
    assert response.status_code == 200
    url = urlsplit(response.json()["url"])
    path = f"{url.path}?{url.query}"
    assert parse_qs(url.query) == {"ticket": [response.json()["ticket"]]}

    ws = WebsocketCommunicator(application, path, headers=[(b"origin", ORIGIN)])
    connected, _ = await ws.connect(timeout=5)
    assert connected
    ana = Client(ws)
    welcome = await ana.expect("welcome")
    assert welcome["you"]["id"] == w.ana.pk and welcome["you"]["role"] == "attendee"
    await ana.send({"type": "chat", "text": "via ticket", "client_id": "t1"})
    assert (await ana.expect("chat"))["client_id"] == "t1"
    assert (await lead.expect("chat"))["author"]["id"] == w.ana.pk
    await ana.close()

    again = WebsocketCommunicator(application, path, headers=[(b"origin", ORIGIN)])
    assert (await again.connect(timeout=5))[0]
    assert await Client(again).closed_with() == 4401
    await again.disconnect()
    used = await db(RoomTicket.objects.get)()
    assert used.used_at is not None


async def test_ticket_of_another_group_session_is_refused(room_world):
    w = room_world

    def elsewhere():
        group = GroupFactory()
        lead = facilitator(group)
        attendee = member(group)
        session = one_off_session(group, starts_in=timedelta(minutes=5))
        services.rsvp_create(session=session, user=attendee)
        session = room_services.room_open(session=session, by=lead)
        return room_services.room_ticket_issue(session=session, user=attendee)[0]

    token = await db(elsewhere)()
    ws = WebsocketCommunicator(
        application,
        f"/ws/sessions/{w.session.pk}/room/?ticket={token}",
        headers=[(b"origin", ORIGIN)],
    )
    assert (await ws.connect(timeout=5))[0]
    assert await Client(ws).closed_with() == 4401
    await ws.disconnect()
