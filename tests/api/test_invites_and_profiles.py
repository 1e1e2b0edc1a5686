"""Invitation codes and facilitator profiles through the API, per role, with whole payloads."""

from __future__ import annotations

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from facilitators import services as fac_services
from facilitators.models import FacilitatorProfile
from sessions_app import services
from sessions_app.models import AuditEntry, GroupInvite, Membership, SupportGroup
from tests.factories import GroupFactory, UserFactory, facilitator, member

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def z(moment) -> str | None:
    return None if moment is None else moment.isoformat().replace("+00:00", "Z")


def invite_json(invite: GroupInvite) -> dict:
    invite.refresh_from_db()
    return {
        "id": invite.pk,
        "code": invite.token,
        "url": f"{settings.PUBLIC_BASE_URL}/invite/{invite.token}/",
        "state": invite.state.value,
        "max_uses": invite.max_uses,
        "use_count": invite.use_count,
        "expires_at": z(invite.expires_at),
        "created_at": z(invite.created_at),
        "created_by": invite.created_by.public_name if invite.created_by else "",
        "revoked_at": z(invite.revoked_at),
    }


@pytest.fixture
def people():
    group = GroupFactory(slug="closed", join_policy=SupportGroup.JoinPolicy.INVITE)
    other = GroupFactory(slug="other", join_policy=SupportGroup.JoinPolicy.INVITE)
    return {
        "group": group,
        "other": other,
        "anonymous": None,
        "attendee": member(group, UserFactory(username="attendee")),
        "facilitator": facilitator(group, UserFactory(username="lead", display_name="Lee")),
        "other_facilitator": facilitator(other, UserFactory(username="elsewhere")),
        "staff": UserFactory(username="coord", is_staff=True, display_name="Casey"),
    }


ALLOWED = {"facilitator": 201, "staff": 201}
REFUSED = {"anonymous": 401, "attendee": 403, "other_facilitator": 403}


@pytest.mark.parametrize("role", [*ALLOWED, *REFUSED])
def test_make_list_and_revoke_codes_per_role(people, role):
    group, user = people["group"], people[role]
    client = client_for(user)
    made = client.post(
        "/api/v1/groups/closed/invites/", {"max_uses": 4, "days_valid": 10}, format="json"
    )
    listed = client.get("/api/v1/groups/closed/invites/")
    existing = services.invite_create(group=group, by=people["facilitator"])
    revoked = client.delete(f"/api/v1/groups/closed/invites/{existing.pk}/")
    if role in REFUSED:
        code = REFUSED[role]
        assert [made.status_code, listed.status_code, revoked.status_code] == [code] * 3
        assert set(made.json()) <= {"detail", "code"}
        assert GroupInvite.objects.get().revoked_at is None
        assert AuditEntry.objects.filter(action="invite.revoke").count() == 0
        return
    invite = GroupInvite.objects.exclude(pk=existing.pk).get()
    assert made.status_code == 201 and made.json() == invite_json(invite)
    assert (invite.max_uses, invite.created_by, made.json()["state"]) == (4, user, "active")
    assert listed.json() == {
        "count": 1,
        "next": None,
        "previous": None,
        "results": [invite_json(invite)],
    }
    assert revoked.status_code == 204
    existing.refresh_from_db()
    assert existing.revoked_by == user and existing.state == GroupInvite.State.REVOKED
    newest_first = client.get("/api/v1/groups/closed/invites/").json()["results"]
    assert [row["state"] for row in newest_first] == ["revoked", "active"]
    assert AuditEntry.objects.filter(actor=user, action="invite.revoke").count() == 1


def test_a_code_of_another_group_is_not_found_here(people):
    elsewhere = services.invite_create(group=people["other"], by=people["other_facilitator"])
    client = client_for(people["facilitator"])
    assert client.delete(f"/api/v1/groups/closed/invites/{elsewhere.pk}/").status_code == 404
    assert client.delete("/api/v1/groups/closed/invites/999999/").status_code == 404
    assert GroupInvite.objects.get(pk=elsewhere.pk).revoked_at is None


def test_bad_limits_are_400_naming_the_field_and_open_groups_409(people):
    client = client_for(people["facilitator"])
    response = client.post(
        "/api/v1/groups/closed/invites/", {"max_uses": 0, "days_valid": 91}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"max_uses", "days_valid"}
    response = client.post("/api/v1/groups/closed/invites/", {"max_uses": "x"}, format="json")
    assert response.status_code == 400 and set(response.json()) == {"max_uses"}
    GroupFactory(slug="open-door")
    facilitator(SupportGroup.objects.get(slug="open-door"), people["facilitator"])
    response = client.post("/api/v1/groups/open-door/invites/", {}, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "not_invite_only")
    assert not GroupInvite.objects.exists()


def test_defaults_one_use_two_weeks(people):
    response = client_for(people["staff"]).post("/api/v1/groups/closed/invites/", {})
    assert response.status_code == 201
    invite = GroupInvite.objects.get()
    assert invite.max_uses == 1
    assert (invite.expires_at - invite.created_at).days in (13, 14)


def test_a_revoked_code_joins_nobody_through_the_api(people):
    invite = services.invite_create(group=people["group"], by=people["facilitator"])
    client_for(people["facilitator"]).delete(f"/api/v1/groups/closed/invites/{invite.pk}/")
    newcomer = UserFactory()
    response = client_for(newcomer).post(
        "/api/v1/groups/closed/join/", {"invite_token": invite.token}, format="json"
    )
    assert response.status_code == 403
    assert response.json() == {"detail": "This invitation was withdrawn.", "code": "invite_revoked"}
    assert not Membership.objects.filter(user=newcomer).exists()


# --- facilitator profiles -----------------------------------------------------------------------


def _profile(user, **fields):
    return fac_services.facilitator_profile_update(user=user, **fields)


@pytest.mark.parametrize(
    ("bio_visibility", "sees_bio"),
    [
        ("everyone", {"anonymous", "outsider", "attendee", "facilitator", "staff"}),
        ("members", {"attendee", "facilitator", "staff"}),
        ("team", {"facilitator", "staff"}),
    ],
)
def test_group_payload_shows_only_what_each_facilitator_chose(bio_visibility, sees_bio):
    group = GroupFactory(slug="circle")
    lead = facilitator(group, UserFactory(display_name="Lee"))
    co = facilitator(group, UserFactory(display_name="Cam"), role="co")
    _profile(
        lead,
        bio="Twenty years of listening.",
        bio_visibility=bio_visibility,
        trainings=["Mental Health First Aid"],
        trainings_visibility="everyone",
    )
    _profile(co, bio="Private things.", trainings=["Hidden training"])  # left at "team"
    viewers = {
        "anonymous": None,
        "outsider": UserFactory(),
        "attendee": member(group),
        "facilitator": lead,
        "staff": UserFactory(is_staff=True),
    }
    for role, viewer in viewers.items():
        payload = client_for(viewer).get("/api/v1/groups/circle/").json()
        expected_lead = {
            "display_name": "Lee",
            "role": "lead",
            "trainings": ["Mental Health First Aid"],
        }
        if role in sees_bio:
            expected_lead["bio"] = "Twenty years of listening."
        expected_co = {"display_name": "Cam", "role": "co"}
        if role in {"facilitator", "staff"}:
            expected_co |= {"bio": "Private things.", "trainings": ["Hidden training"]}
        assert payload["facilitators"] == [expected_lead, expected_co], role
        if role not in {"facilitator", "staff"}:
            assert "Private things" not in str(payload) and "Hidden training" not in str(payload)


def test_pending_member_sees_what_visitors_see():
    group = GroupFactory(slug="asks", join_policy="approval")
    lead = facilitator(group, UserFactory(display_name="Lee"))
    _profile(lead, bio="For members.", bio_visibility="members")
    pending = UserFactory()
    services.membership_join(group=group, user=pending)
    payload = client_for(pending).get("/api/v1/groups/asks/").json()
    assert payload["facilitators"] == [{"display_name": "Lee", "role": "lead"}]


def test_the_list_of_groups_is_unchanged():
    group = GroupFactory(slug="circle")
    facilitator(group)
    result = client_for(None).get("/api/v1/groups/").json()["results"][0]
    assert "facilitators" not in result


def test_edit_own_profile_through_the_api():
    group = GroupFactory()
    lead = facilitator(group)
    client = client_for(lead)
    response = client.patch(
        "/api/v1/me/facilitator-profile/",
        {
            "bio": "  Peer supporter.  ",
            "trainings": ["Grief Recovery", " QPR "],
            "trainings_visibility": "members",
        },
        format="json",
    )
    assert response.status_code == 200
    assert response.json() == {
        "bio": "Peer supporter.",
        "trainings": ["Grief Recovery", "QPR"],
        "bio_visibility": "team",
        "trainings_visibility": "members",
    }
    profile = FacilitatorProfile.objects.get(user=lead)
    assert (profile.bio, profile.trainings, profile.trainings_visibility) == (
        "Peer supporter.",
        ["Grief Recovery", "QPR"],
        "members",
    )
    assert client.get("/api/v1/me/facilitator-profile/").json() == response.json()


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"bio_visibility": "friends"}, {"bio_visibility"}),
        ({"bio": "x" * 1001}, {"bio"}),
        ({"trainings": "Grief"}, {"trainings"}),
        ({"trainings": [""]}, {"trainings"}),
        ({"trainings": ["x" * 121]}, {"trainings"}),
        ({"trainings": ["t"] * 31}, {"trainings"}),
    ],
)
def test_bad_profile_input_is_a_400_naming_the_field(body, fields):
    lead = facilitator(GroupFactory())
    response = client_for(lead).patch("/api/v1/me/facilitator-profile/", body, format="json")
    assert response.status_code == 400
    assert set(response.json()) == fields
    assert not FacilitatorProfile.objects.filter(user=lead).exclude(bio="").exists()


def test_profile_is_for_people_who_run_a_group():
    attendee = member(GroupFactory())
    response = client_for(attendee).patch(
        "/api/v1/me/facilitator-profile/", {"bio": "Hi"}, format="json"
    )
    assert (response.status_code, response.json()["code"]) == (403, "not_facilitator")
    assert client_for(None).get("/api/v1/me/facilitator-profile/").status_code == 401
    assert not FacilitatorProfile.objects.exists()
