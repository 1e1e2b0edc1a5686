"""Groups: filters, privacy, creation and changes, joining, members."""

import pytest
from rest_framework.test import APIClient

from sessions_app import services
from sessions_app.models import RSVP, Membership, SupportGroup
from tests.factories import GroupFactory, UserFactory, facilitator, member, one_off_session

pytestmark = pytest.mark.django_db


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def slugs(response):
    assert response.status_code == 200, response.content
    return [g["slug"] for g in response.json()["results"]]


def test_list_filters_by_topic_format_language_and_words(api_client):
    GroupFactory(slug="grief-en", name="Grief circle", topic="grief", language="en")
    GroupFactory(
        slug="grief-es", name="Círculo de duelo", topic="grief", language="es", format="in_person"
    )
    GroupFactory(
        slug="carers",
        name="Carers",
        topic="caregiving",
        description="For people caring for a parent",
    )
    assert slugs(api_client.get("/api/v1/groups/?topic=grief")) == ["grief-es", "grief-en"]
    assert slugs(api_client.get("/api/v1/groups/?format=in_person")) == ["grief-es"]
    assert slugs(api_client.get("/api/v1/groups/?language=es")) == ["grief-es"]
    assert slugs(api_client.get("/api/v1/groups/?q=caring+parent")) == ["carers"]
    bad = api_client.get("/api/v1/groups/?format=zoom")
    assert bad.status_code == 400 and list(bad.json()) == ["format"]


def test_private_groups_are_404_to_outsiders_and_visible_to_members(api_client):
    private = GroupFactory(slug="private", is_public=False)
    insider = member(private)
    assert slugs(api_client.get("/api/v1/groups/")) == []
    assert api_client.get("/api/v1/groups/private/").status_code == 404
    outsider = client_for(UserFactory())
    assert outsider.get("/api/v1/groups/private/").status_code == 404
    assert outsider.post("/api/v1/groups/private/join/", {}, format="json").status_code == 404
    assert not Membership.objects.filter(group=private).exclude(user=insider).exists()
    assert slugs(client_for(insider).get("/api/v1/groups/")) == ["private"]
    session = one_off_session(private)
    assert api_client.get(f"/api/v1/sessions/{session.pk}/").status_code == 404
    assert client_for(insider).get(f"/api/v1/sessions/{session.pk}/").status_code == 200


def test_create_validates_with_the_field_named(staff):
    client = client_for(staff)
    response = client.post(
        "/api/v1/groups/",
        {"name": "Night owls", "topic": "sleep", "timezone": "Mars/Olympus", "capacity": 0},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()) == {"capacity"}  # the serializer stops at the type check
    response = client.post(
        "/api/v1/groups/",
        {"name": "Night owls", "topic": "sleep", "timezone": "Mars/Olympus"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"timezone": ["“Mars/Olympus” is not a known IANA time zone."]}
    assert not SupportGroup.objects.exists()


def test_create_derives_the_slug_and_makes_the_venue(staff):
    response = client_for(staff).post(
        "/api/v1/groups/",
        {
            "name": "Night owls",
            "topic": "sleep",
            "timezone": "Europe/Madrid",
            "format": "in_person",
            "venue": {"name": "Biblioteca", "accessibility_notes": "Step-free"},
            "reminder_offsets_minutes": [120, 1440],
        },
        format="json",
    )
    assert response.status_code == 201
    group = SupportGroup.objects.get(slug="night-owls")
    assert group.venue.name == "Biblioteca" and group.venue.accessibility_notes == "Step-free"
    assert group.reminder_offsets_minutes == [1440, 120]
    assert response.json()["venue"] == {
        "name": "Biblioteca",
        "address": "",
        "city": "",
        "accessibility_notes": "Step-free",
    }


def test_patch_by_the_groups_facilitator_only(group):
    lead = facilitator(group)
    other_lead = facilitator(GroupFactory())
    refused = client_for(other_lead).patch(
        f"/api/v1/groups/{group.slug}/", {"capacity": 3}, format="json"
    )
    assert refused.status_code == 403
    response = client_for(lead).patch(
        f"/api/v1/groups/{group.slug}/", {"capacity": 3, "join_policy": "approval"}, format="json"
    )
    assert response.status_code == 200
    group.refresh_from_db()
    assert (group.capacity, group.join_policy) == (3, "approval")
    assert response.json()["capacity"] == 3


def test_video_link_only_for_people_who_can_come_in(group):
    group.video_url = "https://video.example.org/room"
    group.save()
    assert APIClient().get(f"/api/v1/groups/{group.slug}/").json()["video_url"] == ""
    pending_group_member = member(group, status=Membership.Status.PENDING)
    assert (
        client_for(pending_group_member).get("/api/v1/groups/").json()["results"][0]["video_url"]
        == ""
    )
    approved = member(group)
    assert (
        client_for(approved).get(f"/api/v1/groups/{group.slug}/").json()["video_url"]
        == "https://video.example.org/room"
    )


def test_join_policies_through_the_api(user):
    approval = GroupFactory(slug="approval", join_policy="approval")
    invite_only = GroupFactory(slug="invite", join_policy="invite")
    client = client_for(user)
    response = client.post("/api/v1/groups/approval/join/", {"display_name": "Fern"}, format="json")
    assert (response.status_code, response.json()) == (
        201,
        {"status": "pending", "display_name": "Fern"},
    )
    session = one_off_session(approval)
    refused = client.post(f"/api/v1/sessions/{session.pk}/rsvp/")
    assert refused.status_code == 403 and refused.json()["code"] == "not_a_member"

    refused = client.post("/api/v1/groups/invite/join/", {}, format="json")
    assert (refused.status_code, refused.json()["code"]) == (403, "invite_required")
    invite = services.invite_create(group=invite_only, by=facilitator(invite_only))
    response = client.post(
        "/api/v1/groups/invite/join/", {"invite_token": invite.token}, format="json"
    )
    assert response.status_code == 201 and response.json()["status"] == "approved"
    assert Membership.objects.get(group=invite_only, user=user).status == "approved"


def test_members_list_approve_and_ban(group):
    lead = facilitator(group)
    user = UserFactory(phone="+12025550123")
    group.join_policy = "approval"
    group.save()
    client_for(user).post(
        f"/api/v1/groups/{group.slug}/join/", {"display_name": "Ash"}, format="json"
    )
    lead_client = client_for(lead)
    members = lead_client.get(f"/api/v1/groups/{group.slug}/members/?status=pending").json()
    assert [(m["username"], m["display_name"], m["status"]) for m in members["results"]] == [
        (user.username, "Ash", "pending")
    ]
    assert "5550123" not in str(members)  # no phone number, ever
    assert lead_client.get(f"/api/v1/groups/{group.slug}/members/?status=x").status_code == 400

    approved = lead_client.post(f"/api/v1/groups/{group.slug}/members/{user.username}/approve/")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    membership = Membership.objects.get(group=group, user=user)
    assert membership.decided_by == lead

    session = one_off_session(group)
    services.rsvp_create(session=session, user=user)
    banned = lead_client.post(f"/api/v1/groups/{group.slug}/members/{user.username}/ban/")
    assert banned.status_code == 200 and banned.json()["status"] == "banned"
    assert RSVP.objects.get(user=user).status == "cancelled"
    rejoin = client_for(user).post(f"/api/v1/groups/{group.slug}/join/", {}, format="json")
    assert (rejoin.status_code, rejoin.json()["code"]) == (403, "banned")
    # Banning a facilitator is a conflict, and an unknown member a 404.
    other_lead = facilitator(group, member(group))
    conflict = lead_client.post(f"/api/v1/groups/{group.slug}/members/{other_lead.username}/ban/")
    assert conflict.status_code == 409
    assert lead_client.post(f"/api/v1/groups/{group.slug}/members/nobody/ban/").status_code == 404


def test_leave_through_the_api_cancels_rsvps_and_promotes_the_waitlist(group):
    group.capacity = 1
    group.save(update_fields=["capacity"])
    leaver, waiting = member(group), member(group)
    session = one_off_session(group)
    services.rsvp_create(session=session, user=leaver)
    services.rsvp_create(session=session, user=waiting)
    response = client_for(leaver).post(f"/api/v1/groups/{group.slug}/leave/")
    assert (response.status_code, response.json()) == (
        200,
        {"status": "left", "rsvps_cancelled": 1},
    )
    assert not Membership.objects.filter(group=group, user=leaver).exists()
    assert RSVP.objects.get(user=leaver).status == "cancelled"
    assert RSVP.objects.get(user=waiting).status == "going"
    again = client_for(leaver).post(f"/api/v1/groups/{group.slug}/leave/")
    assert again.json() == {"status": "left", "rsvps_cancelled": 0}
    # Its members are gone from the roster the facilitators read.
    lead = facilitator(group)
    roster = client_for(lead).get(f"/api/v1/groups/{group.slug}/members/").json()
    assert [m["username"] for m in roster["results"]] == [waiting.username]
    refused = client_for(lead).post(f"/api/v1/groups/{group.slug}/leave/")
    assert (refused.status_code, refused.json()["code"]) == (409, "is_facilitator")


def test_leaving_a_private_group_you_cannot_see_is_a_404():
    GroupFactory(slug="hidden", is_public=False)
    response = client_for(UserFactory()).post("/api/v1/groups/hidden/leave/")
    assert response.status_code == 404
