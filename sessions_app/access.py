"""Permission decisions, one function each, shared by the API, pages, rooms and SMS.

Roles: anonymous visitors, attendees (members), facilitators (assigned to a group) and
coordinators (`is_staff`).
"""

from __future__ import annotations

from collections.abc import Container

from sessions_app.models import FacilitatorAssignment, Membership, Session, SupportGroup


def is_coordinator(*, user) -> bool:
    return bool(user.is_authenticated and user.is_staff)


def is_group_facilitator(*, user, group: SupportGroup) -> bool:
    """True if `user` is assigned (lead or co) to `group`."""
    if not user.is_authenticated:
        return False
    return FacilitatorAssignment.objects.filter(user=user, group=group).exists()


def can_manage_group(*, user, group: SupportGroup) -> bool:
    """Coordinators and the group's facilitators manage it (schedules, sessions, members)."""
    return is_coordinator(user=user) or is_group_facilitator(user=user, group=group)


def membership_of(*, user, group: SupportGroup) -> Membership | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(user=user, group=group).first()


def can_view_group(*, user, group: SupportGroup) -> bool:
    """Public groups are visible to everyone; private ones to members and managers."""
    if group.is_public:
        return True
    if can_manage_group(user=user, group=group):
        return True
    membership = membership_of(user=user, group=group)
    return membership is not None and membership.status != Membership.Status.BANNED


def can_view_session(*, user, session: Session) -> bool:
    return can_view_group(user=user, group=session.group)


def can_rsvp(*, user, group: SupportGroup) -> bool:
    """Approved members RSVP; facilitators do not need to (they are always in)."""
    membership = membership_of(user=user, group=group)
    return membership is not None and membership.status == Membership.Status.APPROVED


def can_view_roster(*, user, group: SupportGroup) -> bool:
    """Who RSVPed, members, attendance: the group's facilitators and coordinators only."""
    return can_manage_group(user=user, group=group)


def can_see_phone(*, viewer, owner) -> bool:
    """Phone numbers: the owner and coordinators, nobody else."""
    return viewer.is_authenticated and (viewer.pk == owner.pk or viewer.is_staff)


class _EveryGroup:
    """Stands for "every group" (coordinators)."""

    def __contains__(self, item) -> bool:
        return True


def video_link_group_ids(*, user) -> Container[int]:
    """Ids of the groups whose video link this user gets: people who can come in, i.e.
    approved members, the group's facilitators and coordinators. Two queries for a whole page
    of groups; the video-link rule lives here only."""
    if is_coordinator(user=user):
        return _EveryGroup()
    if not user.is_authenticated:
        return set()
    approved = Membership.objects.filter(user=user, status=Membership.Status.APPROVED)
    facilitated = FacilitatorAssignment.objects.filter(user=user)
    return set(approved.values_list("group_id", flat=True)) | set(
        facilitated.values_list("group_id", flat=True)
    )


def can_see_video_link(*, user, group: SupportGroup) -> bool:
    """One group's video link: see video_link_group_ids."""
    return group.pk in video_link_group_ids(user=user)
