"""Reads about members of a group."""

from __future__ import annotations

from django.db.models import QuerySet

from sessions_app.models import (
    Membership,
    SupportGroup,
)


def group_members(*, group: SupportGroup, status: str | None = None) -> QuerySet[Membership]:
    """A group's memberships, pending first."""
    members = (
        Membership.objects.filter(group=group)
        .select_related("user")
        .order_by("status", "created_at")
    )
    return members.filter(status=status) if status else members


def member_display_name(*, user, group: SupportGroup) -> str:
    """The name other attendees see for `user` in `group`."""
    membership = Membership.objects.filter(user=user, group=group).only("display_name").first()
    return membership.display_name if membership else user.public_name
