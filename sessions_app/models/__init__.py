"""Hearth's scheduling domain: groups, schedules, materialised sessions, members and RSVPs.

Business rules live in services (writes) and selectors (reads); models hold fields,
constraints and small properties only. One module per topic; everyone imports them from here
(`from sessions_app.models import Session`).
"""

from sessions_app.models.accounts import NotificationPreference, User
from sessions_app.models.fields import new_calendar_token, validate_timezone
from sessions_app.models.groups import (
    FacilitatorAssignment,
    GroupInvite,
    Membership,
    SupportGroup,
    Venue,
)
from sessions_app.models.records import AttendanceLetter, AuditEntry, Notice, SessionFeedback
from sessions_app.models.sessions import RSVP, Schedule, SeatOffer, Session, SessionQuerySet

__all__ = [
    "RSVP",
    "AttendanceLetter",
    "AuditEntry",
    "FacilitatorAssignment",
    "GroupInvite",
    "Membership",
    "Notice",
    "NotificationPreference",
    "Schedule",
    "SeatOffer",
    "Session",
    "SessionFeedback",
    "SessionQuerySet",
    "SupportGroup",
    "User",
    "Venue",
    "new_calendar_token",
    "validate_timezone",
]
