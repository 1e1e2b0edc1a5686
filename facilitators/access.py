"""Permission decisions about facilitators' data, one function each (API, pages, admin)."""

from __future__ import annotations

from sessions_app.access import is_coordinator, is_group_facilitator
from sessions_app.models import Session, SupportGroup


def can_access_notes(*, user, session: Session) -> bool:
    """Session notes: that group's facilitators (lead or co) and coordinators, nobody else."""
    return is_coordinator(user=user) or is_group_facilitator(user=user, group=session.group)


def can_take_attendance(*, user, session: Session) -> bool:
    """Attendance and the roster behind it: that group's facilitators and coordinators."""
    return is_coordinator(user=user) or is_group_facilitator(user=user, group=session.group)


def can_assign_facilitators(*, user, group: SupportGroup) -> bool:
    """Only coordinators make people facilitators (a facilitator cannot add a co-facilitator)."""
    return is_coordinator(user=user)
