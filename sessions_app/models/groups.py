"""Groups, where they meet, who belongs to them, their invites and who runs them."""

import zoneinfo

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sessions_app.models.fields import new_calendar_token, validate_timezone


class Venue(models.Model):
    name = models.CharField(max_length=200)
    address = models.TextField(blank=True)
    city = models.CharField(max_length=100, blank=True)
    accessibility_notes = models.TextField(
        blank=True, help_text=_("Step-free access, parking, hearing loop, quiet room…")
    )

    def __str__(self) -> str:
        return self.name


class SupportGroup(models.Model):
    class Format(models.TextChoices):
        ONLINE = "online", _("Online")
        IN_PERSON = "in_person", _("In person")
        HYBRID = "hybrid", _("Hybrid")

    class JoinPolicy(models.TextChoices):
        OPEN = "open", _("Open: anyone may join")
        APPROVAL = "approval", _("A facilitator approves each member")
        INVITE = "invite", _("By invitation only")

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True)
    guidelines = models.TextField(blank=True)
    # Goes up by one whenever the guidelines' text changes (services.group_update), so that
    # everyone accepts the new text before they next speak in the room (docs/rooms.md).
    guidelines_version = models.PositiveIntegerField(default=1)
    guidelines_every_session = models.BooleanField(
        default=False,
        help_text=_("Everyone accepts the guidelines again at every session."),
    )
    topic = models.CharField(max_length=60, db_index=True)
    language = models.CharField(max_length=10, default="en")
    format = models.CharField(max_length=10, choices=Format.choices, default=Format.ONLINE)
    timezone = models.CharField(max_length=64, validators=[validate_timezone])
    capacity = models.PositiveIntegerField(default=12)
    join_policy = models.CharField(
        max_length=10, choices=JoinPolicy.choices, default=JoinPolicy.OPEN
    )
    venue = models.ForeignKey(Venue, null=True, blank=True, on_delete=models.SET_NULL)
    video_url = models.URLField(blank=True)
    reminder_offsets_minutes = models.JSONField(default=list, blank=True)
    is_public = models.BooleanField(default=True)
    lobby_enabled = models.BooleanField(
        default=False, help_text=_("Send everyone to a lobby; a facilitator admits them.")
    )
    # Voice and video in the room (docs/media.md).
    voice_only = models.BooleanField(
        default=False, help_text=_("Voice only in the room: nobody's camera is used.")
    )
    talking_piece = models.BooleanField(
        default=False,
        help_text=_("Only the person whose turn it is, and facilitators, can unmute."),
    )
    # Check-ins between sessions (issue 18): "we missed you" after two missed sessions.
    absence_check_ins = models.BooleanField(
        default=True,
        help_text=_(
            "After two missed sessions in a row, send one gentle “we missed you” to members "
            "who chose check-ins."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(capacity__gte=1), name="group_capacity_positive"),
        ]
        indexes = [
            # The directory's pages, by name then id: a page of 20 is read in order and stops
            # instead of sorting every visible group (docs/benchmarks.md, API).
            models.Index(fields=["name", "id"], name="group_name_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


class Membership(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending approval")
        APPROVED = "approved", _("Approved")
        BANNED = "banned", _("Banned")

    group = models.ForeignKey(SupportGroup, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    status = models.CharField(max_length=10, choices=Status.choices)
    display_name = models.CharField(
        max_length=60, help_text=_("All other attendees ever see of this member.")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["group", "user"], name="membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.display_name} in {self.group} ({self.status})"


class GroupInvite(models.Model):
    """An invitation code for an invite-only group."""

    group = models.ForeignKey(SupportGroup, on_delete=models.CASCADE, related_name="invites")
    token = models.CharField(max_length=64, unique=True, default=new_calendar_token)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    max_uses = models.PositiveIntegerField(default=1)
    use_count = models.PositiveIntegerField(default=0)
    # A revoked code stays listed (who made it, how often it was used) but admits nobody.
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class State(models.TextChoices):
        ACTIVE = "active", _("Active")
        REVOKED = "revoked", _("Revoked")
        EXPIRED = "expired", _("Expired")
        USED_UP = "used_up", _("Used up")

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Invite to {self.group}"

    @property
    def state(self) -> "GroupInvite.State":
        """Whether the code still admits people, and if not, why (revoked before expired
        before used up: the first reason a facilitator would want to hear)."""
        if self.revoked_at is not None:
            return self.State.REVOKED
        if self.expires_at <= timezone.now():
            return self.State.EXPIRED
        if self.use_count >= self.max_uses:
            return self.State.USED_UP
        return self.State.ACTIVE

    @property
    def state_label(self) -> str:
        return str(self.state.label)


class FacilitatorAssignment(models.Model):
    """Who runs a group: its lead and co-facilitators (staffing, read by every app)."""

    class Role(models.TextChoices):
        LEAD = "lead", _("Lead")
        CO = "co", _("Co-facilitator")

    group = models.ForeignKey(
        SupportGroup,
        on_delete=models.CASCADE,
        related_name="facilitator_assignments",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="facilitator_assignments"
    )
    role = models.CharField(max_length=4, choices=Role.choices, default=Role.CO)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # The table keeps the name it had when this model lived in `facilitators`.
        db_table = "facilitators_facilitatorassignment"
        constraints = [
            models.UniqueConstraint(fields=["group", "user"], name="facilitator_assignment_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.role}) in {self.group}"
