"""SMS records: consent (append-only), phone verification codes, contacts (opt-out and
permanent errors per number), the outbound log, delivery events and inbound messages."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class SmsConsent(models.Model):
    """One grant or revoke of SMS consent. Rows are only ever added, never changed."""

    class Action(models.TextChoices):
        GRANT = "grant", _("Grant")
        REVOKE = "revoke", _("Revoke")

    class Source(models.TextChoices):
        API = "api", _("API")
        WEB = "web", _("Web page")
        SMS = "sms", _("Text reply")
        CARRIER = "carrier", _("Carrier or Twilio opt-out")
        SYSTEM = "system", _("System")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="sms_consents"
    )
    phone = models.CharField(max_length=20)
    action = models.CharField(max_length=6, choices=Action.choices)
    source = models.CharField(max_length=10, choices=Source.choices)
    evidence = models.TextField(help_text=_("What the person saw or sent, word for word."))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["phone", "created_at"], name="sms_consent_phone_idx")]

    def __str__(self) -> str:
        return f"{self.action} {self.phone} ({self.source})"


class PhoneVerification(models.Model):
    """A one-time code sent to a number; only its hash is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="phone_verifications"
    )
    phone = models.CharField(max_length=20)
    code_hash = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=0)
    verified_at = models.DateTimeField(null=True, blank=True)
    invalidated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "created_at"], name="sms_verif_user_idx")]

    def __str__(self) -> str:
        return f"Code for {self.phone}"


class SmsContact(models.Model):
    """What we know about one phone number, whoever owns it: opt-out and permanent errors."""

    phone = models.CharField(max_length=20, unique=True)
    opted_out_at = models.DateTimeField(null=True, blank=True)
    last_error_code = models.PositiveIntegerField(null=True, blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    undeliverable = models.BooleanField(
        default=False, help_text=_("A permanent error says this number cannot get texts.")
    )

    def __str__(self) -> str:
        return self.phone

    @property
    def opted_out(self) -> bool:
        return self.opted_out_at is not None


class OutboundSms(models.Model):
    """One text we mean to send, exactly once (unique idempotency key).

    Life: pending -> claimed (committed before Twilio is called) -> submitted | failed;
    pending -> cancelled when a re-check says no. Twilio's own delivery status is kept apart
    in `delivery_status` and only ever moves forward.
    """

    class Kind(models.TextChoices):
        REMINDER = "reminder", _("Reminder")
        SEAT_OFFERED = "seat_offered", _("Seat offered")
        SEAT_PROMOTED = "seat_promoted", _("Seat given")
        SESSION_CANCELLED = "session_cancelled", _("Session cancelled")
        SESSION_MOVED = "session_moved", _("Session moved")
        MEMBERSHIP_APPROVED = "membership_approved", _("Membership approved")
        LATE = "attendee_late", _("Attendee late (to facilitators)")
        VERIFICATION = "verification", _("Verification code")
        FEEDBACK_ASK = "feedback_ask", _("Feedback asked after a session")
        ABSENCE_CHECK_IN = "absence_check_in", _("We missed you (after missed sessions)")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        CLAIMED = "claimed", _("Claimed (sending)")
        SUBMITTED = "submitted", _("Submitted to Twilio")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    class Delivery(models.TextChoices):
        UNKNOWN = "", _("Not reported")
        ACCEPTED = "accepted", _("Accepted")
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        UNDELIVERED = "undelivered", _("Undelivered")
        FAILED = "failed", _("Failed")

    # Unique (sms_out_idempotency_key_uniq). The indexes below are kept to what the paths that
    # matter read: every index is one more write per row the reminder sweep inserts.
    idempotency_key = models.CharField(max_length=160)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    to = models.CharField(max_length=20)
    body = models.CharField(max_length=160)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="outbound_sms",
        db_index=False,  # sms_out_user_sent_idx serves replies; opt-outs read pending rows
    )
    session = models.ForeignKey(
        "sessions_app.Session",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="outbound_sms",
        db_index=False,  # sms_out_session_idx (session, status) serves these lookups
    )
    # The session start the text was written for: a moved session makes it stale.
    session_start = models.DateTimeField(null=True, blank=True)
    offset_minutes = models.PositiveIntegerField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    delivery_status = models.CharField(
        max_length=12, choices=Delivery.choices, default=Delivery.UNKNOWN, blank=True
    )
    reason = models.CharField(max_length=200, blank=True)
    send_after = models.DateTimeField()
    expires_at = models.DateTimeField()
    dispatched_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    # Unique where set (sms_out_message_sid_uniq): rows are inserted without one.
    message_sid = models.CharField(max_length=64, null=True, blank=True)
    error_code = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The dispatch sweep reads only pending rows that are due.
            models.Index(
                fields=["send_after"],
                condition=Q(status="pending"),
                name="sms_out_pending_due_idx",
            ),
            models.Index(
                fields=["claimed_at"], condition=Q(status="claimed"), name="sms_out_claimed_idx"
            ),
            models.Index(fields=["session", "status"], name="sms_out_session_idx"),
            # A reply by text finds the user's last sent reminder or offer.
            models.Index(
                fields=["user", "claimed_at"],
                condition=Q(status__in=["submitted", "claimed"]),
                name="sms_out_user_sent_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["idempotency_key"], name="sms_out_idempotency_key_uniq"
            ),
            models.UniqueConstraint(
                fields=["message_sid"],
                condition=Q(message_sid__isnull=False),
                name="sms_out_message_sid_uniq",
            ),
        ]
        verbose_name = _("outbound text")

    def __str__(self) -> str:
        return f"{self.kind} to {self.to} ({self.status})"


class SmsStatusEvent(models.Model):
    """Every status callback Twilio sent, in arrival order, valid signature only; one per
    (message, status): Twilio retries a callback it saw no 200 for, and a replay is signed."""

    outbound = models.ForeignKey(
        OutboundSms, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    message_sid = models.CharField(max_length=64, db_index=True)
    status = models.CharField(max_length=20)
    error_code = models.PositiveIntegerField(null=True, blank=True)
    payload = models.JSONField(default=dict)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["received_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["message_sid", "status"], name="sms_status_event_once_per_status"
            )
        ]

    def __str__(self) -> str:
        return f"{self.message_sid}: {self.status}"


class InboundSms(models.Model):
    """A text we received; unique on Twilio's MessageSid so a retried webhook is a no-op."""

    message_sid = models.CharField(max_length=64, unique=True)
    from_number = models.CharField(max_length=32)
    body = models.TextField(blank=True)
    keyword = models.CharField(max_length=20, blank=True)
    outcome = models.CharField(max_length=40, blank=True)
    reply = models.CharField(max_length=320, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inbound_sms",
    )
    session = models.ForeignKey(
        "sessions_app.Session", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = _("inbound text")

    def __str__(self) -> str:
        return f"{self.from_number}: {self.keyword or self.body[:20]}"
