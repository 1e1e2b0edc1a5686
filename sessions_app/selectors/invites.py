"""Reads about invitation codes of invite-only groups."""

from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet

from sessions_app.models import GroupInvite, SupportGroup

# The invitation link's path, defined once: the URLconf (frontend/urls_attendee.py) routes
# INVITE_PATH/<code>/ and invite_url builds links to it, for the API and the pages alike.
INVITE_PATH = "invite"


def group_invites(*, group: SupportGroup) -> QuerySet[GroupInvite]:
    """A group's invitation codes, newest first, revoked and expired ones included."""
    return GroupInvite.objects.filter(group=group).select_related("created_by", "revoked_by")


def invite_for_code(code: str) -> GroupInvite | None:
    """The invitation with this code, or None. A code is URL-safe text of at most 64
    characters; anything else finds nothing without a query."""
    if not 0 < len(code) <= 64 or "\x00" in code:
        return None
    return GroupInvite.objects.filter(token=code).select_related("group").first()


def invite_path(invite: GroupInvite) -> str:
    """The invitation link's path on this site."""
    return f"/{INVITE_PATH}/{invite.token}/"


def invite_url(invite: GroupInvite) -> str:
    """The invitation link to share, under PUBLIC_BASE_URL (the site's public address)."""
    return f"{settings.PUBLIC_BASE_URL}{invite_path(invite)}"
