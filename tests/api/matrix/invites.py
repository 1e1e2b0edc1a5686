"""Matrix cases of invitation codes (API and pages) and of facilitator profiles.

The World's group is open; these cases make it invite-only and give it one code made by its
facilitator (`_invite_group`), so every role meets the same state."""

from __future__ import annotations

from django.conf import settings

from sessions_app import services
from sessions_app.models import GroupInvite, SupportGroup
from tests.api.matrix import Case, expect_managers
from tests.api.matrix.core import drf_datetime, page
from tests.api.matrix.world import World


def _invite_group(w: World) -> GroupInvite:
    if "invite" not in w.extra:
        w.group.join_policy = SupportGroup.JoinPolicy.INVITE
        w.group.save(update_fields=["join_policy"])
        w.extra["invite"] = services.invite_create(
            group=w.group, by=w.users["facilitator"], max_uses=3, days_valid=7
        )
    return w.extra["invite"]


def _slug(w: World) -> dict:
    _invite_group(w)
    return {"slug": w.group.slug}


def _invite_id(w: World) -> dict:
    return {"slug": w.group.slug, "invite_id": _invite_group(w).pk}


def _code(w: World) -> dict:
    return {"code": _invite_group(w).token}


def invite_json(invite: GroupInvite) -> dict:
    invite.refresh_from_db()
    return {
        "id": invite.pk,
        "code": invite.token,
        "url": f"{settings.PUBLIC_BASE_URL}/invite/{invite.token}/",
        "state": invite.state.value,
        "max_uses": invite.max_uses,
        "use_count": invite.use_count,
        "expires_at": drf_datetime(invite.expires_at),
        "created_at": drf_datetime(invite.created_at),
        "created_by": invite.created_by.public_name if invite.created_by else "",
        "revoked_at": drf_datetime(invite.revoked_at),
    }


def _pages(code: int) -> dict[str, int]:
    """The group's facilitators and staff get `code`; visitors the login redirect."""
    return {**expect_managers(code), "anonymous": 302}


PROFILE = {
    "anonymous": 401,
    "attendee": 403,
    "other_member": 403,
    "other_facilitator": 200,
    "facilitator": 200,
    "staff": 200,
}

CASES = [
    Case(
        "group-invites",
        "GET",
        expect_managers(200),
        kwargs=_slug,
        body=lambda w: page([invite_json(w.extra["invite"])]),
    ),
    Case(
        "group-invites",
        "POST",
        expect_managers(201),
        kwargs=_slug,
        data=lambda w: {"max_uses": 5, "days_valid": 30},
        body=lambda w: invite_json(GroupInvite.objects.filter(group=w.group).first()),
    ),
    Case("group-invite-detail", "DELETE", expect_managers(204), kwargs=_invite_id),
    Case(
        "me-facilitator-profile",
        "GET",
        PROFILE,
        body=lambda w: {
            "bio": "",
            "trainings": [],
            "bio_visibility": "team",
            "trainings_visibility": "team",
        },
    ),
    Case(
        "me-facilitator-profile",
        "PATCH",
        PROFILE,
        data=lambda w: {"bio": "Peer supporter since 2015.", "bio_visibility": "everyone"},
        body=lambda w: {
            "bio": "Peer supporter since 2015.",
            "trainings": [],
            "bio_visibility": "everyone",
            "trainings_visibility": "team",
        },
    ),
    # Pages.
    Case("frontend:group-invites", "GET", _pages(200), kwargs=_slug),
    # An empty form: the number fields are required.
    Case("frontend:group-invites", "POST", _pages(400), kwargs=_slug),
    Case("frontend:group-invite-revoke", "POST", _pages(302), kwargs=_invite_id),
    # Members and the group's facilitators are sent to the group page; others see the page.
    Case(
        "frontend:invite",
        "GET",
        {
            "anonymous": 200,
            "attendee": 302,
            "other_member": 200,
            "other_facilitator": 200,
            "facilitator": 302,
            "staff": 200,
        },
        kwargs=_code,
    ),
    # Signed in, the (empty, so default-named) form joins; a visitor is asked to sign in.
    Case(
        "frontend:invite",
        "POST",
        {
            "anonymous": 200,
            "attendee": 302,
            "other_member": 302,
            "other_facilitator": 302,
            "facilitator": 302,
            "staff": 302,
        },
        kwargs=_code,
    ),
    Case(
        "frontend:fac-profile",
        "GET",
        {**{k: (302 if v == 401 else v) for k, v in PROFILE.items()}},
    ),
    Case(
        "frontend:fac-profile",
        "POST",
        {**{k: (302 if v == 401 else (400 if v == 200 else v)) for k, v in PROFILE.items()}},
    ),
]
