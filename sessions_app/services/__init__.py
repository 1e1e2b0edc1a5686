"""Writes of the scheduling domain, by topic. Every function validates before it saves, runs
in a transaction and raises ValidationError (a field is wrong), StateConflict (409) or
NotAllowed (403). The API, pages, SMS handler, rooms and tasks all call these, as
`services.rsvp_create(...)`; the topic modules are where each one is written.

What other apps must hear of (a session cancelled or moved, a seat freed, a membership
approved, notices to send) is published as a domain event (sessions_app/events.py).
"""

from sessions_app.services.accounts import (
    login_session_create,
    user_calendar_token_reset,
    user_register,
    user_update_profile,
)
from sessions_app.services.attendance import attendance_set
from sessions_app.services.feedback import COMMENT_MAX_CHARS, feedback_give
from sessions_app.services.groups import GROUP_FIELDS, group_create, group_update, venue_create
from sessions_app.services.invites import (
    INVITE_DAYS_MAX,
    INVITE_USES_MAX,
    invite_create,
    invite_redeem,
    invite_revoke,
)
from sessions_app.services.letters import LETTER_MAX_DAYS, attendance_letter_issue
from sessions_app.services.memberships import (
    membership_approve,
    membership_ban,
    membership_join,
    membership_leave,
    membership_remove,
)
from sessions_app.services.notifications import (
    notification_preferences_set,
    notification_unsubscribe_email,
)
from sessions_app.services.rsvps import (
    rsvp_cancel,
    rsvp_create,
    seat_offer_claim,
    seat_offers_expire,
)
from sessions_app.services.schedules import (
    HEARTH_CALENDAR_SLUG,
    _hearth_calendar,
    schedule_change,
    schedule_create,
    schedule_end,
    sessions_materialize,
)
from sessions_app.services.sessions import MAX_DURATION_MINUTES, session_cancel, session_move
from sessions_app.services.staffing import facilitator_assign

__all__ = [
    "INVITE_DAYS_MAX",
    "INVITE_USES_MAX",
    "GROUP_FIELDS",
    "HEARTH_CALENDAR_SLUG",
    "MAX_DURATION_MINUTES",
    "COMMENT_MAX_CHARS",
    "LETTER_MAX_DAYS",
    "_hearth_calendar",
    "attendance_letter_issue",
    "attendance_set",
    "facilitator_assign",
    "feedback_give",
    "group_create",
    "group_update",
    "invite_create",
    "invite_redeem",
    "invite_revoke",
    "login_session_create",
    "membership_approve",
    "membership_ban",
    "membership_remove",
    "membership_join",
    "membership_leave",
    "notification_preferences_set",
    "notification_unsubscribe_email",
    "rsvp_cancel",
    "rsvp_create",
    "schedule_change",
    "schedule_create",
    "schedule_end",
    "seat_offer_claim",
    "seat_offers_expire",
    "session_cancel",
    "session_move",
    "sessions_materialize",
    "user_calendar_token_reset",
    "user_register",
    "user_update_profile",
    "venue_create",
]
