"""Permission decisions, one function each, shared by the API, pages, rooms and SMS.

Roles: anonymous visitors, attendees (members), facilitators (assigned to a group) and
coordinators (`is_staff`).
"""

from __future__ import annotations

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
