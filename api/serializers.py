"""Serializers of the core API: they shape input and output; the services decide."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from facilitators.selectors import group_facilitators_shown
from sessions_app import selectors
from sessions_app.models import (
    RSVP,
    FacilitatorAssignment,
    GroupInvite,
    Membership,
    Session,
    SupportGroup,
)
from sessions_app.selectors import invite_url
from sessions_app.services import INVITE_DAYS_MAX, INVITE_USES_MAX

# --- groups -----------------------------------------------------------------------------------


class VenueSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    address = serializers.CharField(required=False, allow_blank=True, default="")
    city = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    accessibility_notes = serializers.CharField(required=False, allow_blank=True, default="")


class GroupSerializer(serializers.ModelSerializer):
    """A group as anyone who may see it sees it.

    The video link is given only to people who can come in: approved members, the group's
    facilitators and coordinators (`context["insiders"]`: ids of such groups).
    """

    venue = VenueSerializer(read_only=True, allow_null=True)
    video_url = serializers.SerializerMethodField()

    class Meta:
        model = SupportGroup
        fields = [
            "slug",
            "name",
            "description",
            "guidelines",
            "guidelines_version",
            "guidelines_every_session",
            "topic",
            "language",
            "format",
            "timezone",
            "capacity",
            "join_policy",
            "is_public",
            "lobby_enabled",
            "voice_only",
            "talking_piece",
            "absence_check_ins",
            "venue",
            "video_url",
            "reminder_offsets_minutes",
        ]
        read_only_fields = fields

    @extend_schema_field(
        {"type": "string", "description": "The video link; empty unless you can come in."}
    )
    def get_video_url(self, group: SupportGroup) -> str:
        # The ids come from sessions_app.access.video_link_group_ids, the one video-link rule.
        insiders = self.context.get("insiders", set())
        return group.video_url if group.pk in insiders else ""


class GroupFacilitatorSerializer(serializers.Serializer):
    """One person who runs a group, as the viewer may see them: `bio` and `trainings` are
    present only when that facilitator chose to show them to this viewer (and wrote some)."""

    display_name = serializers.CharField()
    role = serializers.ChoiceField(choices=FacilitatorAssignment.Role.choices)
    bio = serializers.CharField(required=False)
    trainings = serializers.ListField(child=serializers.CharField(), required=False)


class GroupDetailSerializer(GroupSerializer):
    """One group (GET /groups/{slug}/): the list's fields, and who runs it."""

    facilitators = serializers.SerializerMethodField()

    class Meta(GroupSerializer.Meta):
        fields = [*GroupSerializer.Meta.fields, "facilitators"]
        read_only_fields = fields

    @extend_schema_field(GroupFacilitatorSerializer(many=True))
    def get_facilitators(self, group: SupportGroup) -> list[dict]:
        request = self.context["request"]
        return group_facilitators_shown(group=group, viewer=request.user)


class GroupWriteSerializer(serializers.Serializer):
    """Input of POST /groups/ and PATCH /groups/{slug}/; the rules are in services."""

    name = serializers.CharField(max_length=200)
    slug = serializers.SlugField(max_length=80, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    guidelines = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="A change of the text bumps guidelines_version: everyone accepts it again.",
    )
    guidelines_every_session = serializers.BooleanField(
        required=False, help_text="Attendees accept the guidelines again at every session."
    )
    topic = serializers.CharField(max_length=60)
    language = serializers.CharField(max_length=10, required=False)
    format = serializers.ChoiceField(choices=SupportGroup.Format.choices, required=False)
    timezone = serializers.CharField(max_length=64, help_text="IANA zone, e.g. America/New_York")
    capacity = serializers.IntegerField(min_value=1, max_value=10_000, required=False)
    join_policy = serializers.ChoiceField(choices=SupportGroup.JoinPolicy.choices, required=False)
    venue = VenueSerializer(required=False, allow_null=True)
    video_url = serializers.URLField(required=False, allow_blank=True, max_length=200)
    reminder_offsets_minutes = serializers.ListField(
        child=serializers.IntegerField(min_value=15, max_value=20160),
        required=False,
        max_length=5,
    )
    is_public = serializers.BooleanField(required=False)
    lobby_enabled = serializers.BooleanField(required=False)
    voice_only = serializers.BooleanField(required=False)
    talking_piece = serializers.BooleanField(required=False)
    absence_check_ins = serializers.BooleanField(
        required=False,
        help_text="After two missed sessions in a row, one gentle message to members who "
        "chose check-ins (default true).",
    )


class MemberSerializer(serializers.ModelSerializer):
    """A member as the group's facilitators see them: never a phone number."""

    username = serializers.CharField(source="user.username", read_only=True)
    reached_by = serializers.SerializerMethodField(
        help_text="For each category of notification, the channels (sms, email) that reach "
        "this member now; never an address."
    )

    class Meta:
        model = Membership
        fields = ["username", "display_name", "status", "created_at", "decided_at", "reached_by"]
        read_only_fields = fields

    @extend_schema_field(
        {
            "type": "object",
            "additionalProperties": {
                "type": "array",
                "items": {"type": "string", "enum": ["sms", "email"]},
            },
        }
    )
    def get_reached_by(self, membership) -> dict[str, list[str]]:
        reach = self.context.get("reach")
        if reach is None:  # one member: ask for them alone
            reach = selectors.notification_reach(users=[membership.user])
        return reach[membership.user_id]


class JoinSerializer(serializers.Serializer):
    display_name = serializers.CharField(max_length=60, required=False, allow_blank=True)
    invite_token = serializers.CharField(max_length=64, required=False, allow_blank=True)


class JoinResultSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Membership.Status.choices)
    display_name = serializers.CharField()


class LeaveResultSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=[("left", "left")])
    rsvps_cancelled = serializers.IntegerField(
        help_text="Your places at sessions not yet over that leaving cancelled."
    )


class InviteCreateSerializer(serializers.Serializer):
    max_uses = serializers.IntegerField(
        min_value=1, max_value=INVITE_USES_MAX, default=1, help_text="How many people it admits."
    )
    days_valid = serializers.IntegerField(
        min_value=1, max_value=INVITE_DAYS_MAX, default=14, help_text="Days until it expires."
    )


class InviteSerializer(serializers.ModelSerializer):
    """An invitation code as the group's facilitators and coordinators see it."""

    code = serializers.CharField(source="token", read_only=True)
    url = serializers.SerializerMethodField(help_text="The link to share.")
    state = serializers.ChoiceField(choices=GroupInvite.State.choices, read_only=True)
    created_by = serializers.SerializerMethodField(help_text="Display name.")

    class Meta:
        model = GroupInvite
        fields = [
            "id",
            "code",
            "url",
            "state",
            "max_uses",
            "use_count",
            "expires_at",
            "created_at",
            "created_by",
            "revoked_at",
        ]
        read_only_fields = fields

    def get_url(self, invite: GroupInvite) -> str:
        return invite_url(invite)

    def get_created_by(self, invite: GroupInvite) -> str:
        return invite.created_by.public_name if invite.created_by else ""


# --- sessions ---------------------------------------------------------------------------------


class SessionSerializer(serializers.ModelSerializer):
    """The contract's session payload. Attendees see counts, never names."""

    group = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    group_name = serializers.CharField(source="group.name", read_only=True)
    timezone = serializers.CharField(source="group.timezone", read_only=True)
    start = serializers.SerializerMethodField()
    end = serializers.SerializerMethodField()
    format = serializers.ChoiceField(
        source="group.format", choices=SupportGroup.Format.choices, read_only=True
    )
    capacity = serializers.IntegerField(source="effective_capacity", read_only=True)
    going_count = serializers.IntegerField(read_only=True)
    waitlist_count = serializers.IntegerField(read_only=True)
    venue = VenueSerializer(source="group.venue", read_only=True, allow_null=True)

    class Meta:
        model = Session
        fields = [
            "id",
            "group",
            "group_name",
            "start",
            "end",
            "timezone",
            "status",
            "cancel_reason",
            "format",
            "capacity",
            "going_count",
            "waitlist_count",
            "venue",
            "room_open",
        ]
        read_only_fields = fields

    def to_representation(self, session: Session) -> dict:
        # The hot path of GET /sessions/ (50 a page): one dict built directly is ~10x faster
        # than DRF's field-by-field walk. The declared fields above remain the schema, and
        # tests/api/test_schedules_sessions.py pins that both agree.
        group = session.group
        tz = group.tz
        venue = group.venue
        return {
            "id": session.pk,
            "group": group.slug,
            "group_name": group.name,
            "start": session.start.astimezone(tz).isoformat(),
            "end": session.end.astimezone(tz).isoformat(),
            "timezone": group.timezone,
            "status": session.status,
            "cancel_reason": session.cancel_reason,
            "format": group.format,
            "capacity": session.capacity if session.capacity is not None else group.capacity,
            "going_count": session.going_count,
            "waitlist_count": session.waitlist_count,
            "venue": None
            if venue is None
            else {
                "name": venue.name,
                "address": venue.address,
                "city": venue.city,
                "accessibility_notes": venue.accessibility_notes,
            },
            "room_open": session.room_open,
        }

    # The list reads only these columns, as tuples (no model instances, no unused timestamps
    # decoded): `from_row` builds the same payload as `to_representation` from one of them.
    ROW_FIELDS = (
        "pk",
        "group__slug",
        "group__name",
        "start",
        "end",
        "group__timezone",
        "status",
        "cancel_reason",
        "group__format",
        "capacity",
        "group__capacity",
        "going_count",
        "waitlist_count",
        "group__venue_id",
        "group__venue__name",
        "group__venue__address",
        "group__venue__city",
        "group__venue__accessibility_notes",
        "room_open",
    )

    @staticmethod
    def from_row(row: tuple) -> dict:
        (
            pk,
            slug,
            name,
            start,
            end,
            zone,
            status,
            cancel_reason,
            fmt,
            capacity,
            group_capacity,
            going,
            waiting,
            venue_id,
            venue_name,
            venue_address,
            venue_city,
            venue_notes,
            room_open,
        ) = row
        tz = ZoneInfo(zone)  # cached by zoneinfo
        return {
            "id": pk,
            "group": slug,
            "group_name": name,
            "start": start.astimezone(tz).isoformat(),
            "end": end.astimezone(tz).isoformat(),
            "timezone": zone,
            "status": status,
            "cancel_reason": cancel_reason,
            "format": fmt,
            "capacity": capacity if capacity is not None else group_capacity,
            "going_count": going,
            "waitlist_count": waiting,
            "venue": None
            if venue_id is None
            else {
                "name": venue_name,
                "address": venue_address,
                "city": venue_city,
                "accessibility_notes": venue_notes,
            },
            "room_open": room_open,
        }

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_start(self, session: Session) -> str:
        return session.start.astimezone(session.group.tz).isoformat()

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_end(self, session: Session) -> str:
        return session.end.astimezone(session.group.tz).isoformat()


class SessionCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


def wall_clock_or_utc(text: str) -> datetime:
    """ISO 8601. Without an offset: wall-clock time in the group's zone (the service decides
    the instant). With one: converted to UTC here, since PostgreSQL refuses offsets beyond
    ±15:59 that Python accepts."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise serializers.ValidationError("Must be an ISO 8601 date and time.") from None
    if value.tzinfo is None:
        return value
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise serializers.ValidationError("Out of range.") from None


class SessionMoveSerializer(serializers.Serializer):
    start = serializers.CharField(
        max_length=40,
        help_text="ISO 8601; without an offset it is wall-clock time in the group's zone.",
    )
    end = serializers.CharField(max_length=40, help_text="ISO 8601, as start.")

    def validate_start(self, value: str) -> datetime:
        return wall_clock_or_utc(value)

    def validate_end(self, value: str) -> datetime:
        return wall_clock_or_utc(value)


class RSVPResultSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=RSVP.Status.choices)
    position = serializers.IntegerField(
        allow_null=True, help_text="1-based place on the waitlist; null unless waitlisted."
    )


class RoomTicketSerializer(serializers.Serializer):
    ticket = serializers.CharField(help_text="Single use; only a hash is stored.")
    url = serializers.CharField(help_text="The room's WebSocket URL with the ticket.")
    expires_at = serializers.DateTimeField()


class MyRSVPSerializer(serializers.ModelSerializer):
    session = serializers.SerializerMethodField()
    position = serializers.IntegerField(allow_null=True, read_only=True)

    class Meta:
        model = RSVP
        fields = ["session", "status", "position", "source", "created_at"]
        read_only_fields = fields

    @extend_schema_field(SessionSerializer)
    def get_session(self, rsvp: RSVP) -> dict:
        session = self.context["sessions"][rsvp.session_id]
        return SessionSerializer(session, context=self.context).data
