"""Schedules, the sessions materialised from them, RSVPs and seat offers."""

import zoneinfo
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sessions_app.models.groups import SupportGroup


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
