"""Permission decisions about facilitators' data, one function each (API, pages, admin)."""

from __future__ import annotations

from facilitators.models import FacilitatorProfile
from sessions_app.access import can_manage_group, can_rsvp, is_coordinator, is_group_facilitator
from sessions_app.models import FacilitatorAssignment, Session, SupportGroup


def can_access_notes(*, user, session: Session) -> bool:
    """Session notes: that group's facilitators (lead or co) and coordinators, nobody else."""
    return is_coordinator(user=user) or is_group_facilitator(user=user, group=session.group)


def can_take_attendance(*, user, session: Session) -> bool:
    """Attendance and the roster behind it: that group's facilitators and coordinators."""
    return is_coordinator(user=user) or is_group_facilitator(user=user, group=session.group)


def can_assign_facilitators(*, user, group: SupportGroup) -> bool:
    """Only coordinators make people facilitators (a facilitator cannot add a co-facilitator)."""
    return is_coordinator(user=user)


def can_use_facilitator_pages(*, user) -> bool:
    """The facilitator workspace (dashboard, own groups): coordinators and anyone assigned to
    at least one group. What they see inside is narrowed per group by the checks above."""
    if is_coordinator(user=user):
        return True
    return bool(user.is_authenticated and FacilitatorAssignment.objects.filter(user=user).exists())


def can_review_safety(*, user) -> bool:
    """Open safety alerts and the audit log: coordinators only."""
    return is_coordinator(user=user)


def can_see_profile_field(*, viewer, group: SupportGroup, visibility: str) -> bool:
    """One field of a facilitator's profile, shown with `group` (whose page `viewer` may
    already see), as the facilitator chose: everyone, the group's approved members (and its
    team), or only the group's facilitators and coordinators."""
    if visibility == FacilitatorProfile.Visibility.EVERYONE:
        return True
    if can_manage_group(user=viewer, group=group):
        return True
    return visibility == FacilitatorProfile.Visibility.MEMBERS and can_rsvp(
        user=viewer, group=group
    )


def can_edit_facilitator_profile(*, user) -> bool:
    """One's own facilitator profile: whoever facilitates a group, and coordinators."""
    return can_use_facilitator_pages(user=user)
