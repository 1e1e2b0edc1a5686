"""Blocking through the API and the account page: your own blocks only, someone you shared a
room with, and nothing the blocked person can read reveals it."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from rooms.models import PersonBlock, RoomParticipant
from tests.factories import GroupFactory, UserFactory, member, one_off_session

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def room():
    group = GroupFactory()
    session = one_off_session(group)
    ana = member(group, UserFactory(display_name="Ana"), display_name="Ana")
    ben = member(group, UserFactory(display_name="Ben B."), display_name="Ben")
    stranger = member(group, UserFactory(display_name="Someone"))
    for user, name in ((ana, "Ana"), (ben, "Ben")):
        RoomParticipant.objects.create(
            session=session,
            user=user,
            role="attendee",
            display_name=name,
            admitted_at=timezone.now(),
        )
    return {"ana": ana, "ben": ben, "stranger": stranger}


def test_block_list_and_unblock(room):
    ana, ben = room["ana"], room["ben"]
    api = client_for(ana)
    response = api.post("/api/v1/me/blocks/", {"user": ben.pk}, format="json")
    assert response.status_code == 201
    block = PersonBlock.objects.get(blocker=ana, blocked=ben)
    # The name the room showed, not the account's display name nor the username.
    expected = {
        "user": ben.pk,
        "display_name": "Ben",
        "created_at": block.created_at.isoformat().replace("+00:00", "Z"),
    }
    assert response.json() == expected
    again = api.post("/api/v1/me/blocks/", {"user": ben.pk}, format="json")
    assert (again.status_code, again.json()) == (200, expected)
    assert api.get("/api/v1/me/blocks/").json() == {
        "count": 1,
        "next": None,
        "previous": None,
        "results": [expected],
    }
    assert api.delete(f"/api/v1/me/blocks/{ben.pk}/").status_code == 204
    assert api.delete(f"/api/v1/me/blocks/{ben.pk}/").status_code == 404
    assert not PersonBlock.objects.exists()


def test_block_refusals(room):
    ana = room["ana"]
    api = client_for(ana)
    cases = [
        ({"user": ana.pk}, {"user": ["You cannot block yourself."]}),
        (
            {"user": room["stranger"].pk},
            {"user": ["You can block someone you have been in a room with."]},
        ),
        ({"user": 10**9}, {"user": ["You can block someone you have been in a room with."]}),
        ({"user": "ben"}, {"user": ["A valid integer is required."]}),
        ({}, {"user": ["This field is required."]}),
    ]
    for body, errors in cases:
        response = api.post("/api/v1/me/blocks/", body, format="json")
        assert (response.status_code, response.json()) == (400, errors), body
    assert client_for(None).get("/api/v1/me/blocks/").status_code == 401
    assert (
        client_for(None).post("/api/v1/me/blocks/", {"user": 1}, format="json").status_code == 401
    )
    assert not PersonBlock.objects.exists()


def test_the_blocked_person_learns_nothing(room):
    ana, ben = room["ana"], room["ben"]
    before = {
        path: client_for(ben).get(path).json() for path in ("/api/v1/me/", "/api/v1/me/blocks/")
    }
    client_for(ana).post("/api/v1/me/blocks/", {"user": ben.pk}, format="json")
    after = {
        path: client_for(ben).get(path).json() for path in ("/api/v1/me/", "/api/v1/me/blocks/")
    }
    assert before == after
    assert after["/api/v1/me/blocks/"]["count"] == 0
    # Ben's own attempt to unblock himself from Ana's list is simply "not blocking".
    assert client_for(ben).delete(f"/api/v1/me/blocks/{ana.pk}/").status_code == 404
    assert PersonBlock.objects.filter(blocker=ana, blocked=ben).exists()


def test_account_page_lists_blocks_and_unblocks(client, room):
    ana, ben = room["ana"], room["ben"]
    PersonBlock.objects.create(blocker=ana, blocked=ben, blocked_name="Ben")
    client.force_login(ana)
    page = client.get(reverse("frontend:account")).content.decode()
    assert "People you blocked" in page and "Ben" in page
    url = reverse("frontend:account-unblock", kwargs={"user_id": ben.pk})
    assert f'action="{url}"' in page
    response = client.post(url, follow=True)
    assert "You will see messages from Ben again." in response.content.decode()
    assert not PersonBlock.objects.exists()
    # Someone else's block cannot be lifted from another account.
    PersonBlock.objects.create(blocker=ana, blocked=ben, blocked_name="Ben")
    client.force_login(ben)
    assert (
        client.post(reverse("frontend:account-unblock", kwargs={"user_id": ben.pk})).status_code
        == 302
    )
    assert PersonBlock.objects.filter(blocker=ana).exists()
    assert (
        "You have not blocked anyone." in client.get(reverse("frontend:account")).content.decode()
    )
