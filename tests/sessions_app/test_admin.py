"""The coordinators' admin: every Hearth page renders, with search and filters."""

import pytest
from django.urls import reverse

from sessions_app import services
from sessions_app.models import RSVP, Membership, Schedule, Session, SupportGroup, Venue
from tests.factories import GroupFactory, UserFactory, facilitator, member, one_off_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    group = GroupFactory(venue=Venue.objects.create(name="Library"))
    lead = facilitator(group)
    attendee = member(group)
    session = one_off_session(group)
    services.rsvp_create(session=session, user=attendee)
    return {"group": group, "session": session, "lead": lead}


@pytest.mark.parametrize(
    "model", [SupportGroup, Venue, Schedule, Session, Membership, RSVP], ids=lambda m: m.__name__
)
def test_staff_sees_list_search_filters_and_change_page(client, world, model):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    changelist = reverse(f"admin:sessions_app_{model._meta.model_name}_changelist")
    assert client.get(changelist).status_code == 200
    assert client.get(changelist, {"q": "group"}).status_code == 200
    obj = model.objects.first()
    change = reverse(f"admin:sessions_app_{model._meta.model_name}_change", args=[obj.pk])
    response = client.get(change)
    assert response.status_code == 200


def test_group_page_shows_schedules_and_upcoming_sessions_inline(client, world):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    page = client.get(reverse("admin:sessions_app_supportgroup_change", args=[world["group"].pk]))
    text = page.content.decode()
    assert "Upcoming sessions" in text and "Schedules" in text and "Facilitator assignments" in text


@pytest.mark.parametrize("who", ["attendee", "facilitator", "anonymous"])
def test_non_staff_cannot_reach_the_admin(client, world, who):
    if who == "facilitator":
        client.force_login(world["lead"])
    elif who == "attendee":
        client.force_login(UserFactory())
    response = client.get(reverse("admin:sessions_app_supportgroup_changelist"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
