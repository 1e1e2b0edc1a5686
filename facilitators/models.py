"""Facilitators: profiles, encrypted session notes, note templates and safety alerts.

Who facilitates which group (`FacilitatorAssignment`) and the audit log (`AuditEntry`) live in
the scheduling core (sessions_app.models): rooms, SMS and pages need them as much as this app.

Note content (summary, body, themes, follow-ups) is never stored in clear: `SessionNote` and
`SessionNoteRevision` hold one Fernet token each (see facilitators/crypto.py) and the id of the
key it was made with, so `rotate_note_keys` can tell which rows are still on an older key.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class FacilitatorProfile(models.Model):
    """What coordinators and co-facilitators know about a facilitator, and what of it the
    facilitator chose to show on the pages of the groups they run (one choice per field;
    nothing is shown until they choose)."""

    class Visibility(models.TextChoices):
        EVERYONE = "everyone", _("Everyone who can see the group")
        MEMBERS = "members", _("Members of the group")
        TEAM = "team", _("Only co-facilitators and coordinators")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="facilitator_profile"
    )
    bio = models.TextField(blank=True)
    trainings = models.JSONField(
        default=list,
        blank=True,
        help_text=_('Trainings completed, e.g. ["Mental Health First Aid", "Grief Recovery"].'),
    )
    bio_visibility = models.CharField(
        _("who sees your bio"), max_length=10, choices=Visibility.choices, default=Visibility.TEAM
    )
    trainings_visibility = models.CharField(
        _("who sees your trainings"),
        max_length=10,
        choices=Visibility.choices,
        default=Visibility.TEAM,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Profile of {self.user}"


class NoteTemplate(models.Model):
    """What a new note of a group starts with. Written by coordinators, about no one in
    particular, so it is stored in clear (unlike the notes themselves)."""

    group = models.OneToOneField(
        "sessions_app.SupportGroup", on_delete=models.CASCADE, related_name="note_template"
    )
    summary = models.TextField(blank=True)
    body = models.TextField(blank=True, help_text=_("E.g. the headings of the check-in round."))
    themes = models.JSONField(default=list, blank=True, help_text=_("A list of theme names."))
    follow_ups = models.JSONField(
        default=list,
        blank=True,
        help_text=_("A list of follow-up texts every session starts with."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Note template of {self.group}"


class EncryptedContent(models.Model):
    """A Fernet token holding a note's content, and the id of the key that made it."""

    content = models.TextField(editable=False)
    key_id = models.CharField(max_length=16, editable=False, db_index=True)

    class Meta:
        abstract = True


class SessionNote(EncryptedContent):
    """The one shared note of a session, written by its facilitators.

    `revision` counts saves from 1; a save must name the revision it was based on, so two
    facilitators saving at once never overwrite each other silently.
    """

    session = models.OneToOneField(
        "sessions_app.Session", on_delete=models.CASCADE, related_name="note"
    )
    revision = models.PositiveIntegerField(default=1)
    safety_concern = models.BooleanField(default=False)
    # How many follow-ups are still open: lets dashboards find notes worth decrypting.
    open_follow_ups = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The display name of the last writer as it was then; kept when the account is deleted.
    updated_by_name = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(revision__gte=1), name="session_note_revision_gte_1")
        ]

    def __str__(self) -> str:
        return f"Note on {self.session} (revision {self.revision})"


class SessionNoteRevision(EncryptedContent):
    """Every saved version of a note: who, when, which revision, and the content it had."""

    note = models.ForeignKey(SessionNote, on_delete=models.CASCADE, related_name="revisions")
    revision = models.PositiveIntegerField()
    safety_concern = models.BooleanField(default=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_name = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["note", "revision"]
        constraints = [
            models.UniqueConstraint(fields=["note", "revision"], name="note_revision_unique"),
        ]

    def __str__(self) -> str:
        return f"Revision {self.revision} of note {self.note_id}"


class SafetyAlert(models.Model):
    """Raised when a note is flagged with a safety concern; coordinators acknowledge it."""

    note = models.ForeignKey(SessionNote, on_delete=models.CASCADE, related_name="safety_alerts")
    session = models.ForeignKey(
        "sessions_app.Session", on_delete=models.CASCADE, related_name="safety_alerts"
    )
    revision = models.PositiveIntegerField()
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    raised_by_name = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["acknowledged_at"], name="safety_alert_open_idx")]

    def __str__(self) -> str:
        return f"Safety concern on {self.session}"
