"""Writes about facilitators, and every read of note content, by topic.

Note content is decrypted only here, for a person allowed to see it, and each such read
leaves an audit entry (`note.read`). Raises ValidationError (keyed by field, nested with dots),
StateConflict (409) and NotAllowed (403) from sessions_app/errors.py. Who facilitates which
group is the core's (`sessions_app.services.facilitator_assign`).
"""

from facilitators.services.data_rights import account_delete, account_export
from facilitators.services.notes import (
    BODY_MAX,
    FOLLOW_UP_MAX,
    FOLLOW_UPS_MAX,
    NOT_SENT,
    SUMMARY_MAX,
    THEME_MAX,
    THEMES_MAX,
    NoteContent,
    NoteStale,
    note_admin_content,
    note_content_clean,
    note_read,
    note_revisions_read,
    note_save,
    notes_handover_read,
    safety_alert_acknowledge,
)
from facilitators.services.profiles import (
    BIO_MAX,
    TRAINING_MAX,
    TRAININGS_MAX,
    facilitator_profile_update,
    strings_clean,
)

__all__ = [
    "BIO_MAX",
    "BODY_MAX",
    "FOLLOW_UPS_MAX",
    "FOLLOW_UP_MAX",
    "NOT_SENT",
    "SUMMARY_MAX",
    "THEMES_MAX",
    "THEME_MAX",
    "TRAININGS_MAX",
    "TRAINING_MAX",
    "NoteContent",
    "NoteStale",
    "account_delete",
    "account_export",
    "facilitator_profile_update",
    "note_admin_content",
    "note_content_clean",
    "note_read",
    "note_revisions_read",
    "note_save",
    "notes_handover_read",
    "safety_alert_acknowledge",
    "strings_clean",
]
