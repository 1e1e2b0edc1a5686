"""Reads of the scheduling domain, by topic: QuerySets and plain data for the API, pages,
rooms, SMS and tasks, read as `selectors.sessions_upcoming(...)`; the topic modules are where
each one is written. Nothing here turns data into words: that is frontend/words.py."""

from sessions_app.selectors.accounts import (
    CALENDAR_FEED_PATH,
    calendar_feed_url,
    user_for_calendar_token,
    user_notices_recent,
)
from sessions_app.selectors.feedback import (
    FEEDBACK_DAYS,
    HELPFUL_CHOICES,
    feedback_asks_due,
    feedback_open,
    group_feedback_series,
    session_feedback_summary,
    user_feedback_for,
    user_was_there,
    was_there_q,
)
from sessions_app.selectors.groups import (
    group_languages,
    group_topics,
    groups_meeting_on_weekday,
    groups_visible,
)
from sessions_app.selectors.invites import (
    INVITE_PATH,
    group_invites,
    invite_for_code,
    invite_path,
    invite_url,
)
from sessions_app.selectors.letters import (
    VERIFY_PATH,
    attendance_letter_code,
    attendance_letter_for_code,
    attendance_letter_verify_url,
    attendance_letters_of,
    attended_dates,
    group_facilitator_name,
    groups_attended,
)
from sessions_app.selectors.memberships import (
    group_members,
    member_display_name,
)
from sessions_app.selectors.rsvps import (
    rsvp_open_seat_offer,
    rsvp_waitlist_position,
    rsvps_with_position,
    session_is_first_time,
    session_roster,
    user_rsvp_for,
    user_rsvps_upcoming,
)
from sessions_app.selectors.schedules import (
    schedule_preview,
    schedule_recurrence,
    schedules_active,
)
from sessions_app.selectors.sessions import (
    groups_next_session,
    session_free_seats,
    session_rows_between,
    sessions_between,
    sessions_upcoming,
    sessions_visible,
    sessions_with_counts,
)

__all__ = [
    "FEEDBACK_DAYS",
    "HELPFUL_CHOICES",
    "feedback_asks_due",
    "feedback_open",
    "group_feedback_series",
    "session_feedback_summary",
    "user_feedback_for",
    "user_was_there",
    "was_there_q",
    "VERIFY_PATH",
    "attendance_letter_code",
    "attendance_letter_for_code",
    "attendance_letter_verify_url",
    "attendance_letters_of",
    "attended_dates",
    "group_facilitator_name",
    "groups_attended",
    "INVITE_PATH",
    "group_invites",
    "invite_for_code",
    "invite_path",
    "invite_url",
    "CALENDAR_FEED_PATH",
    "calendar_feed_url",
    "group_languages",
    "group_members",
    "group_topics",
    "groups_meeting_on_weekday",
    "groups_next_session",
    "groups_visible",
    "member_display_name",
    "rsvp_open_seat_offer",
    "rsvp_waitlist_position",
    "rsvps_with_position",
    "schedule_preview",
    "schedule_recurrence",
    "schedules_active",
    "session_free_seats",
    "session_is_first_time",
    "session_roster",
    "session_rows_between",
    "sessions_between",
    "sessions_upcoming",
    "sessions_visible",
    "sessions_with_counts",
    "user_for_calendar_token",
    "user_notices_recent",
    "user_rsvp_for",
    "user_rsvps_upcoming",
]
