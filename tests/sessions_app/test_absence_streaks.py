"""Who missed two sessions in a row that they said they were going to: the streak, once
named by its first missed session, only where presence was recorded, only in groups that
leave check-ins on, with the next session to point to."""

import pytest
from rest_framework.test import APIClient

from sessions_app import selectors
from sessions_app.models import RSVP
from tests.factories import (
    GroupFactory,
    UserFactory,
    ended_session,
    facilitator,
    member,
    one_off_session,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    class World:
        pass

    w = World()
    w.group = GroupFactory(name="Tuesday circle", topic="grief")
    w.ash = member(w.group, UserFactory(username="ash"))
    w.bo = member(w.group, UserFactory(username="bo"))  # always there: attendance was taken
    w.past = [ended_session(w.group, days_ago=d) for d in (22, 15, 8, 1)]
    w.next = one_off_session(w.group)
    return w


def _rsvp(w, session, user, **fields):
    fields.setdefault("status", "going")
    return RSVP.objects.create(session=session, user=user, **fields)


def _history(w, marks):
    """Ash's marks for the four past sessions (None: no RSVP); Bo attended all of them."""
    for session, mark in zip(w.past, marks, strict=True):
        _rsvp(w, session, w.bo, attendance="attended")
        if mark == "missed":
            _rsvp(w, session, w.ash)  # going, unmarked, never in the room
        elif mark == "no_show":
            _rsvp(w, session, w.ash, attendance="no_show")
        elif mark == "attended":
            _rsvp(w, session, w.ash, attendance="attended")
        elif mark == "in_room":
            _rsvp(w, session, w.ash, first_joined_at=session.start)
        elif mark == "cancelled":
            _rsvp(w, session, w.ash, status="cancelled")


def test_two_missed_in_a_row_is_a_streak(world):
    _history(world, ["attended", "attended", "missed", "no_show"])
    [streak] = selectors.absence_streaks_due()
    assert (streak.user, streak.group, streak.missed) == (world.ash, world.group, 2)
    assert streak.first_missed == world.past[2]
    assert streak.next_session == world.next


def test_a_streak_of_three_is_still_named_by_its_first_miss(world):
    _history(world, ["attended", "missed", "missed", "missed"])
    [streak] = selectors.absence_streaks_due()
    assert (streak.missed, streak.first_missed) == (3, world.past[1])


@pytest.mark.parametrize(
    "marks",
    [
        ["missed", "missed", "missed", "attended"],  # came back last time
        ["missed", "missed", "attended", "missed"],  # one miss since
        ["attended", "attended", "in_room", "missed"],  # in the room counts as there
        ["attended", "missed", "cancelled", "missed"],  # a cancelled RSVP ends the run
        ["attended", "attended", None, "missed"],  # no RSVP: ignored, one miss only
    ],
)
def test_no_streak(world, marks):
    _history(world, marks)
    assert selectors.absence_streaks_due() == []


def test_sessions_without_any_presence_recorded_are_not_misses(world):
    for session in world.past[2:]:
        _rsvp(world, session, world.ash)  # nobody's attendance taken, room never used
    assert selectors.absence_streaks_due() == []


def test_a_group_can_turn_it_off(world):
    _history(world, ["attended", "attended", "missed", "no_show"])
    world.group.absence_check_ins = False
    world.group.save(update_fields=["absence_check_ins"])
    assert selectors.absence_streaks_due() == []


def test_no_next_session_no_streak_due(world):
    _history(world, ["attended", "attended", "missed", "no_show"])
    world.next.delete()
    assert selectors.absence_streaks_due() == []


def test_a_member_who_left_or_was_banned_is_not_written_to(world):
    _history(world, ["attended", "attended", "missed", "no_show"])
    world.ash.memberships.update(status="banned")
    assert selectors.absence_streaks_due() == []


def test_facilitators_switch_it_per_group_by_api_and_page(world, client):
    lead = facilitator(world.group, UserFactory(username="lead"))
    api = APIClient()
    api.force_authenticate(lead)
    response = api.patch(
        f"/api/v1/groups/{world.group.slug}/", {"absence_check_ins": False}, format="json"
    )
    assert response.status_code == 200 and response.json()["absence_check_ins"] is False
    world.group.refresh_from_db()
    assert world.group.absence_check_ins is False
    attendee = APIClient()
    attendee.force_authenticate(world.ash)
    response = attendee.patch(
        f"/api/v1/groups/{world.group.slug}/", {"absence_check_ins": True}, format="json"
    )
    assert response.status_code == 403
    client.force_login(lead)
    page = client.get(f"/facilitate/groups/{world.group.slug}/edit/").content.decode()
    assert "After two missed sessions, send a gentle" in page
