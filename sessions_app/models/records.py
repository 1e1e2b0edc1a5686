"""What is kept about what happened: notices, the audit log, attendance letters, feedback."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sessions_app.models.groups import SupportGroup
from sessions_app.models.sessions import Session


class Notice(models.Model):
    """Something a person is told about on the site (and by SMS where they opted in).

    What it says is data: `kind` and `params` (sessions_app/notices.py lists the keys); each
    channel words it in its reader's language. `message` is the plain text in the site's
    language when it was written, kept as a record.
    """

    class Kind(models.TextChoices):
        SESSION_CANCELLED = "session_cancelled", _("Session cancelled")
        SESSION_MOVED = "session_moved", _("Session moved")
        SEAT_PROMOTED = "seat_promoted", _("You have a seat")
        SEAT_OFFERED = "seat_offered", _("A seat is offered")
        MEMBERSHIP_APPROVED = "membership_approved", _("Membership approved")
        ATTENDEE_LATE = "attendee_late", _("An attendee is running late")
        MODERATION_WARNING = "moderation_warning", _("A word from the coordinators")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices"
    )
    session = models.ForeignKey(
        Session, null=True, blank=True, on_delete=models.CASCADE, related_name="notices"
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    message = models.CharField(max_length=300, blank=True)
    params = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "read_at"], name="notice_user_unread_idx")]

    def __str__(self) -> str:
        return f"{self.kind} for {self.user}"


class AuditEntry(models.Model):
    """Who did what to which object, when. Never note text nor phone numbers (audit_log
    refuses metadata that could carry them)."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The username at the time: the record of who read notes outlives a deleted account.
    actor_name = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=60, db_index=True)
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=40)
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        db_table = "facilitators_auditentry"
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "audit entries"
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            models.Index(fields=["actor", "created_at"], name="audit_actor_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.actor_name or 'system'} {self.action} {self.object_type}#{self.object_id}"


class AttendanceLetter(models.Model):
    """A letter of one person's attendance at one group over a date range, as issued.

    What the letter says is kept here as it was printed (names and dates at the time), so the
    public check shows the letter, not today's data. The verification code is `reference`
    plus an HMAC over all of it (sessions_app.selectors.letters): a made-up code, or a row
    altered in the database, does not check out.
    """

    reference = models.CharField(max_length=32, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="attendance_letters"
    )
    group = models.ForeignKey(
        SupportGroup, null=True, on_delete=models.SET_NULL, related_name="attendance_letters"
    )
    attendee_name = models.CharField(max_length=100)
    group_name = models.CharField(max_length=200)
    facilitator_name = models.CharField(max_length=100, blank=True)
    date_from = models.DateField()
    date_to = models.DateField()
    # The local dates (the group's zone) of the sessions attended, ISO strings, in order.
    dates = models.JSONField(default=list)
    issued_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-issued_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(date_to__gte=models.F("date_from")), name="letter_range_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"Attendance letter {self.reference} for {self.user}"


class SessionFeedback(models.Model):
    """One attendee's answer to "was this session helpful?", given once after it ended.

    Facilitators see the answers counted, and the comments without names unless `signed`.
    """

    class Helpful(models.TextChoices):
        YES = "yes", _("Yes, it helped")
        SOMEWHAT = "somewhat", _("Somewhat")
        NO = "no", _("Not really")

    class Source(models.TextChoices):
        WEB = "web", _("Web")
        API = "api", _("API")

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="feedback")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="session_feedback"
    )
    helpful = models.CharField(max_length=10, choices=Helpful.choices)
    comment = models.TextField(blank=True, max_length=1000)
    signed = models.BooleanField(default=False)
    source = models.CharField(max_length=5, choices=Source.choices, default=Source.WEB)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "user"], name="feedback_once_per_session"),
        ]

    def __str__(self) -> str:
        return f"Feedback on {self.session_id} ({self.helpful})"
