"""Fixtures for the facilitator workspace: a group with a lead and a co-facilitator, an
attendee with a seat, a facilitator of another group, a coordinator, and a notes key."""

from datetime import timedelta

import pytest
import time_machine
from cryptography.fernet import Fernet
from django.utils import timezone
from rest_framework.test import APIClient

from sessions_app import services as sessions_services
from sessions_app.models import FacilitatorAssignment
from tests.factories import GroupFactory, UserFactory, facilitator, member, one_off_session


@pytest.fixture(autouse=True)
def notes_key(settings):
    key = Fernet.generate_key().decode()
    settings.NOTES_ENCRYPTION_KEYS = [key]
    return key


@pytest.fixture
def world(db):
    """Named people around one upcoming session of `group`."""

    class World:
        pass

    w = World()
    w.group = GroupFactory(name="Evening grief circle", slug="evening-grief")
    w.other_group = GroupFactory(name="Caregivers", slug="caregivers")
    w.session = one_off_session(w.group)
    w.lead = facilitator(w.group, UserFactory(username="lead", display_name="Lee (lead)"))
    w.co = facilitator(
        w.group,
        UserFactory(username="co", display_name="Cory"),
        role=FacilitatorAssignment.Role.CO,
    )
    w.attendee = member(w.group, UserFactory(username="attendee", display_name="Ash"))
    sessions_services.rsvp_create(session=w.session, user=w.attendee)
    w.other_facilitator = facilitator(w.other_group, UserFactory(username="otherlead"))
    w.other_member = member(w.other_group, UserFactory(username="othermember"))
    w.staff = UserFactory(username="coordinator", is_staff=True)
    return w


def client_for(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def past_session(group, *, days_ago: int, minutes: int = 90):
    """A session of `group` that started `days_ago` days ago (made while the clock was back)."""
    with time_machine.travel(timezone.now() - timedelta(days=days_ago, hours=1), tick=False):
        return one_off_session(group, starts_in=timedelta(hours=1), minutes=minutes)


NOTE = {
    "summary": "Quiet start, good second round.",
    "body": "Ash shared about the anniversary. Keep an eye on the group energy.",
    "themes": ["anniversaries", "sleep"],
    "follow_ups": [
        {"text": "Send Ash the bereavement leaflet", "done": False},
        {"text": "Book the larger room", "done": True},
    ],
    "safety_concern": False,
    "revision": 0,
}
