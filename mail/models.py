"""The email outbox: one row per message, sent exactly once (unique idempotency key)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class OutboundEmail(models.Model):
    """One email we mean to send, exactly once.

    Life: pending -> claimed (committed before the mail server is called) -> sent | failed;
    pending -> cancelled when a re-check says no; a failed try goes back to pending with a
    later `send_after` until MAIL_MAX_ATTEMPTS. A row left claimed by a worker that died
    mid-send is never sent again (the server may have it): it is marked failed, "unknown".
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        CLAIMED = "claimed", _("Claimed (sending)")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    idempotency_key = models.CharField(max_length=160, unique=True)
    kind = models.CharField(max_length=30)
    category = models.CharField(max_length=20)
    to = models.EmailField(max_length=254)
    subject = models.CharField(max_length=200)
    body_text = models.TextField()
    body_html = models.TextField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="outbound_emails",
    )
    session = models.ForeignKey(
        "sessions_app.Session",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="outbound_emails",
    )
    # The session start the message was written for: a moved session makes it stale.
    session_start = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    reason = models.CharField(max_length=200, blank=True)
    send_after = models.DateTimeField()
    expires_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    message_id = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The sweep reads only pending rows that are due, and stale claims.
            models.Index(
                fields=["send_after"], condition=Q(status="pending"), name="mail_out_pending_idx"
            ),
            models.Index(
                fields=["claimed_at"], condition=Q(status="claimed"), name="mail_out_claimed_idx"
            ),
        ]
        verbose_name = _("outbound email")

    def __str__(self) -> str:
        return f"{self.kind} to {self.to} ({self.status})"
