"""Permission decisions about facilitators' data, one function each (API, pages, admin)."""

from __future__ import annotations

from sessions_app.access import is_coordinator, is_group_facilitator
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
