"""Live session rooms: room state, stored chat messages with a per-room sequence, who is in
the room (participants and their connections), check-ins, reports and room tickets.

Rules live in services/ (writes) and selectors.py (reads); the consumer only carries frames.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sessions_app.models import Session, SupportGroup


class Room(models.Model):
    """The room of one session. `Session.room_open` says whether it is open; this row holds
    the rest of its state and the message sequence counter."""

    session = models.OneToOneField(
        Session, primary_key=True, on_delete=models.CASCADE, related_name="room"
    )
    # The last `seq` handed out. Incremented in the same transaction as the message insert,
    # under this row's lock, so sequences have no gaps and no duplicates across processes.
    last_seq = models.PositiveBigIntegerField(default=0)
    locked = models.BooleanField(default=False)
    speaker = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The speaker's timed share (docs/rooms.md, Share timer): when it ends, and whether the turn
    # then moves on to the next raised hand by itself. Cleared whenever the speaker changes.
    share_ends_at = models.DateTimeField(null=True, blank=True)
    share_auto_next = models.BooleanField(default=False)
    # A round (docs/rooms.md, Rounds): everyone present in the queue in turn, with a prompt.
    round_prompt = models.CharField(max_length=300, blank=True)
    round_started_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"Room of {self.session}"


class RoomMessage(models.Model):
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="room_messages")
    seq = models.PositiveBigIntegerField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # What the room saw at the time: the display name and role, not the account.
    author_name = models.CharField(max_length=60)
    author_role = models.CharField(max_length=12)
    text = models.TextField()
    sent_at = models.DateTimeField()
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["session", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["session", "seq"], name="room_message_unique_seq"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} in {self.session_id}"


class RoomParticipant(models.Model):
    """Someone who came to a session's room: role, admission, moderation, hand, presence."""

    class Role(models.TextChoices):
        FACILITATOR = "facilitator", _("Facilitator")
        ATTENDEE = "attendee", _("Attendee")

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="room_participations"
    )
    role = models.CharField(max_length=12, choices=Role.choices)
    display_name = models.CharField(max_length=60)
    admitted_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Empty while waiting in the lobby.")
    )
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_reason = models.CharField(max_length=300, blank=True)
    muted = models.BooleanField(default=False)
    hand_raised_at = models.DateTimeField(null=True, blank=True)
    # Order of raised hands; a facilitator's reorder rewrites it.
    hand_rank = models.PositiveIntegerField(null=True, blank=True)
    first_joined_at = models.DateTimeField(null=True, blank=True)
    last_left_at = models.DateTimeField(null=True, blank=True)
    present_since = models.DateTimeField(null=True, blank=True)
    seconds_present = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "user"], name="room_participant_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.display_name} in room {self.session_id}"


class RoomConnection(models.Model):
    """One open WebSocket. `server_id` names the Daphne process; each process refreshes its
    rows' heartbeat, so rows left by a killed process stop counting as presence."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="+")
    participant = models.ForeignKey(
        RoomParticipant, on_delete=models.CASCADE, related_name="connections"
    )
    server_id = models.CharField(max_length=40)
    connected_at = models.DateTimeField()
    heartbeat_at = models.DateTimeField()
    # The call (docs/media.md): whether this tab is in it, may send video, and what it sends
    # now. Live state only: it goes with the row when the connection closes; no time is kept.
    in_call = models.BooleanField(default=False)
    video_allowed = models.BooleanField(default=False)
    sends_audio = models.BooleanField(default=False)
    sends_video = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(fields=["session", "heartbeat_at"], name="room_conn_session_idx"),
            models.Index(fields=["server_id"], name="room_conn_server_idx"),
        ]

    def __str__(self) -> str:
        return f"connection {self.pk} of {self.participant}"


class CheckIn(models.Model):
    class Phase(models.TextChoices):
        START = "start", _("Start")
        END = "end", _("End")

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="checkins")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    phase = models.CharField(max_length=5, choices=Phase.choices)
    mood = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "user", "phase"], name="checkin_unique"),
            models.CheckConstraint(condition=Q(mood__gte=1, mood__lte=5), name="checkin_mood_1_5"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.phase} {self.mood}"


class RoomReport(models.Model):
    """A reported room message. The message is kept past retention until this is resolved."""

    message = models.ForeignKey(RoomMessage, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolution = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["message", "reporter"], name="room_report_once"),
        ]
        indexes = [models.Index(fields=["resolved_at"], name="room_report_open_idx")]

    def __str__(self) -> str:
        return f"Report of {self.message}"


class PrivateMessage(models.Model):
    """A message on a room's private line: between one attendee (`attendee`, whose thread it
    is) and the room's facilitators. Nobody else receives it; it follows the room messages'
    retention (ROOM_MESSAGE_RETENTION_HOURS after the session ends)."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="private_messages")
    attendee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # What the room showed at the time, as for chat messages.
    author_name = models.CharField(max_length=60)
    author_role = models.CharField(max_length=12)
    attendee_name = models.CharField(max_length=60)
    text = models.TextField(blank=True)
    # Sent from "Need support now?": the person asks the facilitators to check in with them.
    support = models.BooleanField(default=False)
    sent_at = models.DateTimeField()

    class Meta:
        ordering = ["session", "pk"]
        indexes = [
            models.Index(fields=["session", "attendee"], name="private_msg_thread_idx"),
        ]

    def __str__(self) -> str:
        return f"private message {self.pk} in {self.session_id}"


class PersonBlock(models.Model):
    """`blocker` hides `blocked`'s room chat from themselves, in every room. The blocked person
    is never told: nothing they receive changes."""

    blocker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="room_blocks"
    )
    blocked = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    # The name the blocker knew them by (a room's display name), for the account page.
    blocked_name = models.CharField(max_length=60)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="person_block_once"),
            models.CheckConstraint(
                condition=~Q(blocker=models.F("blocked")), name="person_block_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.blocker_id} blocks {self.blocked_id}"


class PersonReport(models.Model):
    """A report about a person (not one message), from a room or a group's page. It reaches the
    coordinators with its context; resolving it may warn, mute for the session, remove from the
    group or ban (rooms/services/person_reports.py)."""

    class Source(models.TextChoices):
        ROOM = "room", _("Room")
        GROUP_PAGE = "group_page", _("Group page")
        API = "api", _("API")

    class Action(models.TextChoices):
        NONE = "none", _("No action")
        WARN = "warn", _("Warn")
        MUTE = "mute", _("Mute for the session")
        REMOVE = "remove", _("Remove from the group")
        BAN = "ban", _("Ban from the group")

    group = models.ForeignKey(SupportGroup, on_delete=models.CASCADE, related_name="+")
    session = models.ForeignKey(
        Session, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reported = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    # The names people knew each other by there (a room's or the group's display name).
    reported_name = models.CharField(max_length=60)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reporter_name = models.CharField(max_length=60)
    reason = models.CharField(max_length=500)
    source = models.CharField(max_length=12, choices=Source.choices)
    # The reported person's recent messages in that room when it was reported: [{"seq", "text",
    # "sent_at"}]. Emptied once resolved and past the room messages' retention.
    context = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=8, choices=Action.choices, blank=True)
    resolution = models.CharField(max_length=500, blank=True)

    class Meta:
        indexes = [models.Index(fields=["resolved_at"], name="person_report_open_idx")]

    def __str__(self) -> str:
        return f"Report about {self.reported_name} in {self.group}"


class RoomTicket(models.Model):
    """A single-use, short-lived pass into one room for API clients. Only a hash is stored."""

    token_hash = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Room ticket for {self.user_id} → {self.session_id}"


class GuidelinesAcceptance(models.Model):
    """A person accepted one version of a group's guidelines: once for the group, or for one
    session when the group asks at every session (`session` set)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="guidelines_acceptances"
    )
    group = models.ForeignKey(
        SupportGroup, on_delete=models.CASCADE, related_name="guidelines_acceptances"
    )
    version = models.PositiveIntegerField()
    session = models.ForeignKey(
        Session, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    accepted_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "group", "version", "session"],
                condition=Q(session__isnull=False),
                name="guidelines_accepted_once_per_session",
            ),
            models.UniqueConstraint(
                fields=["user", "group", "version"],
                condition=Q(session__isnull=True),
                name="guidelines_accepted_once",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "group", "version"], name="guidelines_accept_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} accepted v{self.version} of {self.group_id}"
