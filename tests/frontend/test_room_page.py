"""The room page over HTTP: who gets the room, who gets a calm explanation, and what the page
carries (no inline scripts, translated strings for room.js, nobody else's account details)."""

from __future__ import annotations

import html as htmllib
import json
import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from rooms.models import Room, RoomParticipant
from sessions_app.models import Session
from tests.factories import GroupFactory, UserFactory, facilitator
from tests.rooms.conftest import build_room_world

pytestmark = pytest.mark.django_db


def room_url(session) -> str:
    return reverse("frontend:session-room", kwargs={"pk": session.pk})


def page_text(response) -> str:
    return htmllib.unescape(response.content.decode())


def get(client, user, session):
    client.force_login(user)
    return client.get(room_url(session))


def give_phones(world) -> None:
    for n, person in enumerate(
        (world.lead, world.co, world.ana, world.ben, world.nora, world.staff)
    ):
        person.phone = f"+1202555{n:04d}"
        person.save(update_fields=["phone"])


def assert_no_account_details_of_others(html: str, world, viewer) -> None:
    for person in (world.lead, world.co, world.ana, world.ben, world.nora, world.staff):
        if person == viewer:
            continue
        assert person.username not in html, person.username
        assert person.email not in html, person.email
        assert str(person.phone) not in html
        assert str(person.phone)[2:] not in html


def test_url_is_the_documented_one():
    assert reverse("frontend:session-room", kwargs={"pk": 12}) == "/sessions/12/room/"


def test_visitor_is_sent_to_log_in(client):
    world = build_room_world()
    response = client.get(room_url(world.session))
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next=/sessions/{world.session.pk}/room/"


def test_no_such_session_is_404(client):
    world = build_room_world()
    client.force_login(world.ana)
    assert client.get("/sessions/987654/room/").status_code == 404


def test_attendee_with_a_seat_gets_the_room(client):
    world = build_room_world()
    give_phones(world)
    response = get(client, world.ana, world.session)
    assert response.status_code == 200
    html = response.content.decode()
    root = re.search(r'<div id="room"[^>]*>', html).group(0)
    assert f'data-session="{world.session.pk}"' in root
    assert f'data-ws-path="/ws/sessions/{world.session.pk}/room/"' in root
    assert 'data-role="attendee"' in root
    assert 'role="log"' in html and 'aria-live="polite"' in html
    assert 'maxlength="2000"' in html
    assert "Need support now?" in html
    assert "988" in html  # the crisis resources, before any WebSocket frame
    assert 'aria-pressed="false"' in html  # the hand button
    assert 'name="mood"' in html  # the check-in
    assert "Room controls" not in html and 'id="next-speaker"' not in html
    assert "Private to facilitators" not in html
    assert_no_account_details_of_others(html, world, world.ana)


def test_page_has_no_inline_script_and_its_strings_are_json(client):
    world = build_room_world()
    html = get(client, world.ana, world.session).content.decode()
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.S)
    assert scripts, "the page loads room.js"
    for attrs, body in scripts:
        if 'type="application/json"' in attrs:
            continue
        assert 'src="' in attrs and body.strip() == "", attrs
    assert any('type="module"' in a and "frontend/room.js" in a for a, _ in scripts)
    strings = json.loads(
        re.search(
            r'<script id="room-strings" type="application/json">(.*?)</script>', html, re.S
        ).group(1)
    )
    assert strings["your_turn"] == "It's your turn to speak."
    assert strings["reconnecting"] == "Reconnecting…"
    assert "{name}" in strings["remove_title"]
    assert "frontend/room.css" in html


def test_page_is_small(client):
    world = build_room_world()
    response = get(client, world.lead, world.session)
    assert len(response.content) < 150_000
    assert len(response.content) < 30_000  # a shell: the conversation comes over the socket


def test_the_groups_facilitator_gets_the_controls(client):
    world = build_room_world()
    give_phones(world)
    response = get(client, world.co, world.session)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-role="facilitator"' in html
    for control in ('id="next-speaker"', 'id="lock"', 'id="end"', 'id="lobby"', 'id="alerts"'):
        assert control in html, control
    assert 'name="mood"' not in html  # check-ins are for attendees
    assert_no_account_details_of_others(html, world, world.co)


def test_coordinator_gets_the_controls(client):
    world = build_room_world()
    response = get(client, world.staff, world.session)
    assert response.status_code == 200
    assert 'data-role="facilitator"' in response.content.decode()


def test_attendee_without_a_seat_is_told_kindly(client):
    world = build_room_world()
    response = get(client, world.nora, world.session)
    assert response.status_code == 403
    html = page_text(response)
    assert "You don't have a seat at this session" in html
    assert 'id="room"' not in html and "room.js" not in html
    assert "Need support now?" in html
    assert world.session.group.name in html  # a public group: what the session is, is no secret


def test_removed_attendee_cannot_come_back(client):
    world = build_room_world()
    Room.objects.get_or_create(session=world.session)
    RoomParticipant.objects.create(
        session=world.session,
        user=world.ana,
        role=RoomParticipant.Role.ATTENDEE,
        display_name="Ana",
        admitted_at=timezone.now(),
        removed_at=timezone.now(),
    )
    response = get(client, world.ana, world.session)
    assert response.status_code == 403
    html = page_text(response)
    assert "You can't rejoin this session" in html
    assert 'id="room"' not in html


def test_room_not_open_yet_says_when(client):
    world = build_room_world(open_room=False)
    for person in (world.ana, world.lead):
        response = get(client, person, world.session)
        assert response.status_code == 409
        html = page_text(response)
        assert "The room isn't open yet" in html
        assert "up to 15 minutes before the session starts" in html
        # The start, in the group's time zone, named.
        group_tz = world.session.group.timezone
        local = world.session.start.astimezone(ZoneInfo(group_tz))
        assert local.strftime("%A %-d %B %Y, %-I:%M %p Eastern") in html
        assert group_tz == "America/New_York"
        assert 'id="room"' not in html
        assert ("open the room from your facilitator tools" in html) == (person == world.lead)


def test_facilitator_of_another_group_is_refused(client):
    world = build_room_world()
    other = facilitator(GroupFactory(), UserFactory(display_name="Elsewhere"))
    response = get(client, other, world.session)
    assert response.status_code == 403
    html = page_text(response)
    assert "This room is for the group's members" in html
    assert 'id="room"' not in html


def test_private_group_is_not_named_to_outsiders(client):
    world = build_room_world()
    group = world.session.group
    group.is_public = False
    group.save(update_fields=["is_public"])
    outsider = UserFactory(display_name="Outsider")
    response = get(client, outsider, world.session)
    assert response.status_code == 403
    assert group.name not in response.content.decode()


def test_locked_room_refuses_newcomers(client):
    world = build_room_world()
    Room.objects.update_or_create(session=world.session, defaults={"locked": True})
    response = get(client, world.ben, world.session)
    assert response.status_code == 403
    assert "The room is locked" in page_text(response)
    # Facilitators still get in.
    assert get(client, world.lead, world.session).status_code == 200


def test_cancelled_and_finished_sessions_say_so(client):
    world = build_room_world(open_room=False)
    session = world.session
    session.status = Session.Status.CANCELLED
    session.save(update_fields=["status"])
    response = get(client, world.ana, session)
    assert response.status_code == 409
    assert "This session was cancelled" in page_text(response)

    session.status = Session.Status.SCHEDULED
    session.start = timezone.now() - timedelta(hours=3)
    session.end = timezone.now() - timedelta(hours=2)
    session.save(update_fields=["status", "start", "end"])
    response = get(client, world.ana, session)
    assert response.status_code == 409
    assert "This session is over" in page_text(response)
