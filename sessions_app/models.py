"""Hearth's scheduling domain: groups, schedules, materialised sessions, members and RSVPs.

Business rules live in services.py (writes) and selectors.py (reads); models hold fields,
constraints and small properties only.
"""

import secrets
import zoneinfo
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField


def validate_timezone(value: str) -> None:
    """An IANA zone name that zoneinfo knows ("America/New_York"), nothing else."""
    if not value or value not in zoneinfo.available_timezones():
        raise ValidationError(
            _("“%(value)s” is not a known IANA time zone."), params={"value": value}
        )


def new_calendar_token() -> str:
    return secrets.token_urlsafe(24)


class User(AbstractUser):
    """A Hearth account. Phone numbers are seen only by their owner and coordinators."""

    display_name = models.CharField(_("display name"), max_length=60, blank=True)
    timezone = models.CharField(
        _("time zone"), max_length=64, default="UTC", validators=[validate_timezone]
    )
    phone = PhoneNumberField(_("phone"), blank=True, null=True)
    phone_verified_at = models.DateTimeField(null=True, blank=True)
    sms_opt_in = models.BooleanField(_("SMS reminders"), default=False)
    calendar_token = models.CharField(max_length=64, unique=True, default=new_calendar_token)
    # Blank: pages follow the browser (or the footer switch) and texts the site's default.
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, blank=True, default=""
    )

    def __str__(self) -> str:
        return self.username

    @property
    def public_name(self) -> str:
        return self.display_name or self.username


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

    def __str__(self) -> str:
        return self.name

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


class Schedule(models.Model):
    """A series: a django-scheduler Event with its own Rule, linked to one group.

    The wall-clock start (date and time in the group's zone) is kept as entered, because a
    local time is what the group meets at; the Event holds the resolved instant. The Rule is
    protected here because django-scheduler's Event.rule is SET_NULL, which would silently
    turn a series into a one-off.
    """

    group = models.ForeignKey(SupportGroup, on_delete=models.CASCADE, related_name="schedules")
    event = models.OneToOneField("schedule.Event", on_delete=models.PROTECT, related_name="+")
    rule = models.OneToOneField(
        "schedule.Rule", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    first_date = models.DateField()
    start_time = models.TimeField()
    duration_minutes = models.PositiveIntegerField()
    ended_at = models.DateTimeField(
        null=True, blank=True, help_text=_("The series has no sessions from this instant on.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=1), name="schedule_duration_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group} from {self.first_date} {self.start_time}"

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.duration_minutes)


class SessionQuerySet(models.QuerySet):
    def upcoming(self, now=None):
        """Sessions that have not ended yet, soonest first."""
        return self.filter(end__gt=now or timezone.now()).order_by("start", "pk")

    def scheduled(self):
        """Sessions that are going ahead (not cancelled)."""
        return self.filter(status=Session.Status.SCHEDULED)


class Session(models.Model):
    """One materialised occurrence of a schedule (or a one-off)."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        CANCELLED = "cancelled", _("Cancelled")

    group = models.ForeignKey(SupportGroup, on_delete=models.CASCADE, related_name="sessions")
    schedule = models.ForeignKey(
        Schedule, null=True, blank=True, on_delete=models.SET_NULL, related_name="sessions"
    )
    event = models.ForeignKey("schedule.Event", on_delete=models.PROTECT, related_name="+")
    original_start = models.DateTimeField()
    start = models.DateTimeField()
    end = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    cancel_reason = models.CharField(max_length=300, blank=True)
    capacity = models.PositiveIntegerField(
        null=True, blank=True, help_text=_("Leave empty to use the group's capacity.")
    )
    sequence = models.PositiveIntegerField(default=0, help_text=_("iCalendar SEQUENCE"))
    room_open = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Going and waitlisted RSVPs of this session, kept by database triggers on the RSVP table
    # in the same transaction as each RSVP change (sessions_app/counts.py); never saved from
    # Python (see save()).
    going_count = models.PositiveIntegerField(default=0, db_default=0, editable=False)
    waitlist_count = models.PositiveIntegerField(default=0, db_default=0, editable=False)
    # The weekday of `start` in the group's zone (0 = Monday), for the directory's day filter;
    # set by save() and by whatever writes `start` or the group's zone in bulk (services).
    weekday = models.PositiveSmallIntegerField(default=0, editable=False)

    objects = SessionQuerySet.as_manager()

    TRIGGER_FIELDS = frozenset({"going_count", "waitlist_count"})

    class Meta:
        ordering = ["start", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "original_start"], name="session_unique_occurrence"
            ),
            models.CheckConstraint(
                condition=Q(end__gt=models.F("start")), name="session_end_after_start"
            ),
        ]
        indexes = [
            # Covering the group too: the list's count over a window is an index-only scan.
            models.Index(fields=["start", "group"], name="session_start_idx"),
            models.Index(fields=["group", "start"], name="session_group_start_idx"),
            # The directory's day filter: scheduled sessions on a weekday in a window of time.
            models.Index(
                fields=["weekday", "start", "group"],
                condition=Q(status="scheduled"),
                name="session_weekday_start_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group} at {self.start:%Y-%m-%d %H:%M} UTC"

    def save(self, *args, update_fields=None, **kwargs):
        # The counts belong to the triggers: a save of a stale instance must not undo an RSVP
        # counted since it was read. The weekday follows the start.
        if self.start is not None and (update_fields is None or "start" in update_fields):
            self.weekday = self.weekday_of(self.start, self.group.tz)
            if update_fields is not None:
                update_fields = {*update_fields, "weekday"}
        if update_fields is None and not self._state.adding:
            update_fields = [
                f.name
                for f in self._meta.concrete_fields
                if not f.primary_key and f.name not in self.TRIGGER_FIELDS
            ]
        elif update_fields is not None:
            update_fields = [f for f in update_fields if f not in self.TRIGGER_FIELDS]
        super().save(*args, update_fields=update_fields, **kwargs)

    @staticmethod
    def weekday_of(start, tz: zoneinfo.ZoneInfo) -> int:
        """0 = Monday: the weekday of the instant `start` on the wall clock of `tz`."""
        return start.astimezone(tz).weekday()

    @property
    def effective_capacity(self) -> int:
        return self.capacity if self.capacity is not None else self.group.capacity

    @property
    def is_moved(self) -> bool:
        return self.start != self.original_start


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


class RSVP(models.Model):
    class Status(models.TextChoices):
        GOING = "going", _("Going")
        WAITLISTED = "waitlisted", _("Waitlisted")
        CANCELLED = "cancelled", _("Cancelled")

    class Source(models.TextChoices):
        WEB = "web", _("Web")
        SMS = "sms", _("SMS")
        API = "api", _("API")

    class Attendance(models.TextChoices):
        UNKNOWN = "", _("Not taken")
        ATTENDED = "attended", _("Attended")
        NO_SHOW = "no_show", _("No-show")

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="rsvps")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rsvps"
    )
    status = models.CharField(max_length=10, choices=Status.choices)
    # Arrival order on the waitlist; the 1-based position is derived from it (selectors).
    waitlist_order = models.PositiveBigIntegerField(null=True, blank=True)
    source = models.CharField(max_length=5, choices=Source.choices, default=Source.WEB)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    attendance = models.CharField(
        max_length=10, choices=Attendance.choices, default=Attendance.UNKNOWN, blank=True
    )
    attendance_marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    attendance_marked_at = models.DateTimeField(null=True, blank=True)
    # Online presence, filled in by the room.
    first_joined_at = models.DateTimeField(null=True, blank=True)
    last_left_at = models.DateTimeField(null=True, blank=True)
    minutes_present = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "user"], name="rsvp_unique_per_session"),
            models.UniqueConstraint(
                fields=["session", "waitlist_order"],
                condition=Q(status="waitlisted"),
                name="rsvp_unique_waitlist_order",
            ),
        ]
        indexes = [models.Index(fields=["session", "status"], name="rsvp_session_status_idx")]

    def __str__(self) -> str:
        return f"{self.user} → {self.session} ({self.status})"


class SeatOffer(models.Model):
    """A freed seat offered to the first waitlisted attendee close to the start."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLAIMED = "claimed", _("Claimed")
        EXPIRED = "expired", _("Expired")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    rsvp = models.ForeignKey(RSVP, on_delete=models.CASCADE, related_name="seat_offers")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["rsvp"], condition=Q(status="open"), name="seat_offer_one_open_per_rsvp"
            ),
        ]
        indexes = [models.Index(fields=["status", "expires_at"], name="seat_offer_due_idx")]

    def __str__(self) -> str:
        return f"Seat offer to {self.rsvp.user} ({self.status})"


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


class NotificationPreference(models.Model):
    """How one person wants to hear about one category of things: by text, email, both or
    not at all. A person without a row for a category has the quiet default
    (sessions_app.selectors.notification_choices); ask `notification_channels`, never this
    table, whether to send."""

    class Category(models.TextChoices):
        REMINDERS = "reminders", _("Reminders before a session")
        CHANGES = "changes", _("Changes: a session cancelled or moved, a membership approved")
        WAITLIST = "waitlist", _("Waitlist: a seat given or offered")
        NEWS = "news", _("News from the group")
        CHECKINS = "checkins", _("Check-ins: after a session, and after missed sessions")

    class Channel(models.TextChoices):
        SMS = "sms", _("Text message")
        EMAIL = "email", _("Email")
        BOTH = "both", _("Text message and email")
        NONE = "none", _("Nothing")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    category = models.CharField(max_length=20, choices=Category.choices)
    channel = models.CharField(max_length=5, choices=Channel.choices)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "category"], name="notification_preference_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.category} by {self.channel}"


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
