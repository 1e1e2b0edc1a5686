"""Group guidelines in the API: the version goes up when the text changes (not for the same
words with other new lines), the every-session setting is writable by the group's
facilitators only, and the version is read only."""

import pytest
from rest_framework.test import APIClient

from sessions_app.models import SupportGroup
from tests.factories import GroupFactory, UserFactory, facilitator, member

pytestmark = pytest.mark.django_db


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def patch(user, group, body):
    return client_for(user).patch(f"/api/v1/groups/{group.slug}/", body, format="json")


def test_a_change_of_text_bumps_the_version():
    group = GroupFactory(guidelines="Be kind.")
    lead = facilitator(group)
    assert APIClient().get(f"/api/v1/groups/{group.slug}/").json()["guidelines_version"] == 1

    response = patch(lead, group, {"guidelines": "Be kind.\nNo advice."})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["guidelines"], body["guidelines_version"]) == ("Be kind.\nNo advice.", 2)
    assert body["guidelines_every_session"] is False
    # The same words as a browser sends them, with spaces around: no new version.
    response = patch(lead, group, {"guidelines": "  Be kind.\r\nNo advice.\r\n"})
    assert response.json()["guidelines_version"] == 2
    # Other fields leave the version alone; the version itself cannot be written.
    response = patch(lead, group, {"capacity": 5, "guidelines_version": 40})
    assert response.status_code == 200
    group.refresh_from_db()
    assert (group.capacity, group.guidelines_version) == (5, 2)


def test_every_session_is_the_groups_facilitators_choice():
    group = GroupFactory(guidelines="Be kind.")
    lead = facilitator(group)
    attendee = member(group, UserFactory())
    other_lead = facilitator(GroupFactory())
    for user in (attendee, other_lead):
        assert patch(user, group, {"guidelines_every_session": True}).status_code == 403
    assert APIClient().patch(
        f"/api/v1/groups/{group.slug}/", {"guidelines_every_session": True}, format="json"
    ).status_code in (401, 403)
    group.refresh_from_db()
    assert group.guidelines_every_session is False

    assert patch(lead, group, {"guidelines_every_session": "often"}).json().keys() == {
        "guidelines_every_session"
    }
    response = patch(lead, group, {"guidelines_every_session": True})
    assert response.status_code == 200
    assert response.json()["guidelines_every_session"] is True
    assert SupportGroup.objects.get(pk=group.pk).guidelines_every_session is True
