"""Writes about attendance marks."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from sessions_app.audit import audit_log
from sessions_app.errors import StateConflict
from sessions_app.models import (
    RSVP,
    Session,
    User,
)


@transaction.atomic
def attendance_set(*, session: Session, marks: list[dict], by: User) -> list[RSVP]:
    """Mark attended / no-show for RSVPs of a session: [{"username", "status"}]."""
    if not isinstance(marks, list):
        raise ValidationError({"non_field_errors": ["Send a list of {username, status}."]})
    if session.status == Session.Status.CANCELLED:
        raise StateConflict("This session was cancelled.", code="session_cancelled")
    allowed = {RSVP.Attendance.ATTENDED, RSVP.Attendance.NO_SHOW}
    by_username = {
        r.user.username: r
        for r in RSVP.objects.select_for_update().filter(session=session).select_related("user")
    }
    errors: dict[str, list[str]] = {}
    changes = []
    for i, mark in enumerate(marks):
        username = mark.get("username") if isinstance(mark, dict) else None
        status = mark.get("status") if isinstance(mark, dict) else None
        if username not in by_username:
            errors[f"{i}.username"] = ["No RSVP for this session under that username."]
        elif status not in allowed:
            errors[f"{i}.status"] = ["Must be attended or no_show."]
        else:
            changes.append((by_username[username], status))
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    for rsvp, status in changes:
        rsvp.attendance, rsvp.attendance_marked_by, rsvp.attendance_marked_at = status, by, now
        rsvp.save(update_fields=["attendance", "attendance_marked_by", "attendance_marked_at"])
    audit_log(
        actor=by,
        action="attendance.set",
        obj=session,
        metadata={
            "marks": len(changes),
            "attended": sum(1 for _, status in changes if status == RSVP.Attendance.ATTENDED),
            "no_show": sum(1 for _, status in changes if status == RSVP.Attendance.NO_SHOW),
        },
    )
    return [rsvp for rsvp, _ in changes]
