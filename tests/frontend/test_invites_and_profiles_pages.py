"""Invitation links, the group page's invitations and "who runs this group", and the
facilitator's profile page, per role."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from facilitators import services as fac_services
from facilitators.models import FacilitatorProfile
from sessions_app import services
from sessions_app.models import AuditEntry, GroupInvite, Membership, SupportGroup


def text(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(response.content.decode()))


@pytest.fixture
def closed(world):
    """The world's group made invite-only, with one code for three people."""
    group = world["group"]
    group.join_policy = SupportGroup.JoinPolicy.INVITE
    group.save(update_fields=["join_policy"])
    world["invite"] = services.invite_create(group=group, by=world["facilitator"], max_uses=3)
    return world


def test_a_visitor_is_led_through_sign_up_and_back_then_joins(client, closed):
    invite = closed["invite"]
    link = f"/invite/{invite.token}/"
    page = client.get(link)
    assert page.status_code == 200
    body = text(page)
    assert "You are invited to Tuesday Circle" in body
    assert f'href="/accounts/signup/?next=/invite/{invite.token}/"' in body
    assert f'href="/accounts/login/?next=/invite/{invite.token}/"' in body
    signup = client.post(
        "/accounts/signup/",
        {
            "username": "newcomer",
            "display_name": "Nia",
            "email": "",
            "password": "a-Long-test-passw0rd",
            "password_again": "a-Long-test-passw0rd",
            "next": link,
        },
    )
    assert signup.status_code == 302 and signup["Location"] == link, text(signup)[:2000]
    form = client.get(link)
    assert 'value="Nia"' in text(form) and "Join Tuesday Circle" in text(form)
    joined = client.post(link, {"display_name": "N."})
    assert joined.status_code == 302 and joined["Location"] == "/groups/tuesday-circle/"
    membership = Membership.objects.get(user__username="newcomer")
    assert (membership.group, membership.status, membership.display_name) == (
        closed["group"],
        "approved",
        "N.",
    )
    assert GroupInvite.objects.get(pk=invite.pk).use_count == 1
    assert "Welcome to Tuesday Circle." in text(client.get("/groups/tuesday-circle/"))
    again = client.get(link)  # a member opening it again is sent to the group
    assert again.status_code == 302 and GroupInvite.objects.get(pk=invite.pk).use_count == 1


def test_a_visitor_posting_the_form_is_asked_to_sign_in(client, closed):
    response = client.post(f"/invite/{closed['invite'].token}/", {"display_name": "X"})
    assert response.status_code == 200 and "/accounts/login/?next=" in text(response)
    assert GroupInvite.objects.get(pk=closed["invite"].pk).use_count == 0


@pytest.mark.parametrize(
    ("spoil", "status", "words"),
    [
        ("revoke", 410, "This invitation was withdrawn by the group's facilitators."),
        ("expire", 410, "This invitation has expired."),
        ("use_up", 410, "This invitation has been used as many times as it allows."),
        ("unknown", 404, "This invitation link is not valid."),
    ],
)
def test_a_spoilt_code_says_why_and_joins_nobody(client, closed, spoil, status, words):
    invite = closed["invite"]
    token = invite.token
    if spoil == "revoke":
        services.invite_revoke(invite=invite, by=closed["facilitator"])
    elif spoil == "use_up":
        GroupInvite.objects.filter(pk=invite.pk).update(use_count=3)
    elif spoil == "unknown":
        token = "no-such-code"
    client.force_login(closed["outsider"])
    travel = timedelta(days=15) if spoil == "expire" else timedelta(0)
    with time_machine.travel(timezone.now() + travel):
        for response in (client.get(f"/invite/{token}/"), client.post(f"/invite/{token}/")):
            assert response.status_code == status
            body = text(response)
            assert words in body
            assert "Tuesday Circle" not in body.split("<main", 1)[1]  # nothing about the group
    assert not Membership.objects.filter(user=closed["outsider"]).exists()


def test_the_code_used_up_between_page_and_click_is_refused(client, closed):
    client.force_login(closed["outsider"])
    page = client.get(f"/invite/{closed['invite'].token}/")
    assert page.status_code == 200
    services.invite_revoke(invite=closed["invite"], by=closed["coordinator"])
    response = client.post(f"/invite/{closed['invite'].token}/", {"display_name": "O"})
    assert response.status_code == 410
    assert not Membership.objects.filter(user=closed["outsider"]).exists()


def test_the_group_page_shows_invitations_only_to_whoever_manages_them(role_client, closed):
    response = role_client.get("/groups/tuesday-circle/")
    body = text(response)
    managers = {"facilitator", "coordinator"}
    assert ('id="invites-h"' in body) == (role_client.role in managers)
    assert (closed["invite"].token in body) == (role_client.role in managers)


def test_facilitator_makes_and_revokes_a_code_from_the_group_page(client, closed):
    client.force_login(closed["facilitator"])
    made = client.post(
        "/groups/tuesday-circle/invites/", {"max_uses": "2", "days_valid": "5", "back": "group"}
    )
    assert made.status_code == 302
    assert made["Location"] == "/groups/tuesday-circle/#invites-h"
    invite = GroupInvite.objects.filter(group=closed["group"]).first()
    assert (invite.max_uses, invite.created_by) == (2, closed["facilitator"])
    page = text(client.get("/groups/tuesday-circle/"))
    assert (
        f"Invitation made. Share this link: {settings.PUBLIC_BASE_URL}/invite/{invite.token}/"
        in page
    )
    assert f'value="{settings.PUBLIC_BASE_URL}/invite/{invite.token}/"' in page
    assert "Used 0 of 2 times." in page
    revoked = client.post(f"/groups/tuesday-circle/invites/{invite.pk}/revoke/", {"back": "group"})
    assert revoked.status_code == 302
    invite.refresh_from_db()
    assert invite.state == GroupInvite.State.REVOKED and invite.revoked_by == closed["facilitator"]
    assert "Invitation revoked. Its link no longer works." in text(
        client.get("/groups/tuesday-circle/")
    )
    listing = text(client.get("/groups/tuesday-circle/invites/"))
    assert "Revoked." in listing and "Active." in listing
    assert AuditEntry.objects.filter(action="invite.revoke", actor=closed["facilitator"]).exists()


def test_bad_limits_are_form_errors(client, closed):
    client.force_login(closed["coordinator"])
    response = client.post("/groups/tuesday-circle/invites/", {"max_uses": "0", "days_valid": "91"})
    assert response.status_code == 400
    body = text(response)
    assert body.count('class="errorlist"') == 2
    assert GroupInvite.objects.filter(group=closed["group"]).count() == 1


def test_others_cannot_make_or_revoke_codes(client, closed):
    invite = closed["invite"]
    for who in ("attendee", "outsider", "other_facilitator"):
        client.force_login(closed[who])
        assert client.get("/groups/tuesday-circle/invites/").status_code == 403
        assert client.post("/groups/tuesday-circle/invites/", {"max_uses": "1"}).status_code == 403
        revoke = client.post(f"/groups/tuesday-circle/invites/{invite.pk}/revoke/")
        assert revoke.status_code == 403
    assert GroupInvite.objects.get().revoked_at is None


# --- who runs the group -------------------------------------------------------------------------


def test_group_page_shows_facilitators_as_they_chose(role_client, world):
    fac_services.facilitator_profile_update(
        user=world["facilitator"],
        bio="I have run circles since 2012.",
        bio_visibility="members",
        trainings=["Grief Recovery Method"],
        trainings_visibility="everyone",
    )
    body = text(role_client.get("/groups/tuesday-circle/"))
    assert "Who runs this group" in body and "Lee Lead" in body and "Lead facilitator" in body
    assert "Grief Recovery Method" in body
    sees_bio = role_client.role in {"attendee", "facilitator", "coordinator"}
    assert ("I have run circles since 2012." in body) == sees_bio


def test_facilitator_edits_their_profile_page(client, world):
    client.force_login(world["facilitator"])
    page = client.get("/facilitate/profile/")
    assert page.status_code == 200 and "Tuesday Circle" in text(page)
    saved = client.post(
        "/facilitate/profile/",
        {
            "bio": "Peer supporter.",
            "bio_visibility": "everyone",
            "trainings": "Mental Health First Aid\n\n  QPR  \n",
            "trainings_visibility": "team",
        },
    )
    assert saved.status_code == 302
    profile = FacilitatorProfile.objects.get(user=world["facilitator"])
    assert (
        profile.bio,
        profile.bio_visibility,
        profile.trainings,
        profile.trainings_visibility,
    ) == (
        "Peer supporter.",
        "everyone",
        ["Mental Health First Aid", "QPR"],
        "team",
    )
    client.logout()
    body = text(client.get("/groups/tuesday-circle/"))
    assert "Peer supporter." in body and "QPR" not in body
    client.force_login(world["attendee"])
    assert client.get("/facilitate/profile/").status_code == 403


def test_profile_form_errors(client, world):
    client.force_login(world["facilitator"])
    response = client.post(
        "/facilitate/profile/",
        {"bio": "x" * 1001, "bio_visibility": "friends", "trainings": "t" * 121},
    )
    assert response.status_code == 400
    assert not FacilitatorProfile.objects.filter(user=world["facilitator"]).exists()


def test_a_long_training_is_a_form_error_not_a_500(client, world):
    client.force_login(world["facilitator"])
    response = client.post(
        "/facilitate/profile/",
        {
            "bio": "",
            "bio_visibility": "team",
            "trainings": "t" * 121,
            "trainings_visibility": "team",
        },
    )
    assert response.status_code == 400
    assert "At most 120 characters." in text(response)


def test_anonymous_profile_page_goes_to_login(client, db):
    response = client.get("/facilitate/profile/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
