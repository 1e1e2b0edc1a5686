"""Shapes of the facilitator workspace endpoints: notes, attendance, assignments, data rights.
Rules live in facilitators/services.py; these only parse input and shape output."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from facilitators import services
from facilitators.models import FacilitatorProfile
from sessions_app.models import RSVP, FacilitatorAssignment

# --- notes --------------------------------------------------------------------------------------


class FollowUpSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=services.FOLLOW_UP_MAX, trim_whitespace=True)
    done = serializers.BooleanField(default=False)


class NoteInputSerializer(serializers.Serializer):
    summary = serializers.CharField(
        max_length=services.SUMMARY_MAX, allow_blank=True, trim_whitespace=False
    )
    body = serializers.CharField(
        max_length=services.BODY_MAX, allow_blank=True, trim_whitespace=False
    )
    themes = serializers.ListField(
        child=serializers.CharField(max_length=services.THEME_MAX),
        max_length=services.THEMES_MAX,
    )
    follow_ups = serializers.ListField(
        child=FollowUpSerializer(), max_length=services.FOLLOW_UPS_MAX
    )
    safety_concern = serializers.BooleanField()
    revision = serializers.IntegerField(
        min_value=0,
        allow_null=True,
        required=False,
        help_text="The revision you read (0, null or left out for a note not written yet; "
        "required once it exists).",
    )

    def __init__(self, *args, revision_required: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["revision"].required = revision_required


class NoteSerializer(serializers.Serializer):
    session = serializers.IntegerField()
    summary = serializers.CharField(allow_blank=True)
    body = serializers.CharField(allow_blank=True)
    themes = serializers.ListField(child=serializers.CharField())
    follow_ups = FollowUpSerializer(many=True)
    safety_concern = serializers.BooleanField()
    revision = serializers.IntegerField(
        help_text="Send this back when you save. 0: not written yet (a template draft)."
    )
    created = serializers.BooleanField(help_text="False while the note is a draft.")
    updated_at = serializers.DateTimeField(allow_null=True)
    updated_by = serializers.CharField(allow_blank=True, help_text="Display name.")
    previous_session = serializers.IntegerField(
        allow_null=True, help_text="The earlier session of the group whose note is handed over."
    )
    previous_follow_ups = FollowUpSerializer(
        many=True, help_text="Open follow-ups from the previous note of the group."
    )


class NoteConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()
    revision = serializers.IntegerField(help_text="The note's current revision.")


class NoteRevisionSerializer(serializers.Serializer):
    revision = serializers.IntegerField()
    author = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()
    safety_concern = serializers.BooleanField()
    summary = serializers.CharField(allow_blank=True)
    body = serializers.CharField(allow_blank=True)
    themes = serializers.ListField(child=serializers.CharField())
    follow_ups = FollowUpSerializer(many=True)


# --- attendance ---------------------------------------------------------------------------------


class AttendanceMarkSerializer(serializers.Serializer):
    username = serializers.CharField()
    status = serializers.ChoiceField(
        choices=[RSVP.Attendance.ATTENDED.value, RSVP.Attendance.NO_SHOW.value]
    )


@extend_schema_field(
    {
        "type": "string",
        "nullable": True,
        "description": "`attended` or `no_show` (the values of the marks' `status`), null "
        "until taken.",
    },
)
class AttendanceTakenField(serializers.CharField):
    """attended | no_show or null. Not a second enum: drf-spectacular would name the same
    choice set twice."""


class AttendanceRowSerializer(serializers.Serializer):
    username = serializers.CharField()
    display_name = serializers.CharField()
    rsvp_status = serializers.ChoiceField(choices=RSVP.Status.choices)
    waitlist_position = serializers.IntegerField(allow_null=True)
    attendance = AttendanceTakenField(allow_null=True)
    first_time = serializers.BooleanField(help_text="Has never attended this group before.")
    minutes_present = serializers.IntegerField(help_text="Online presence, from the room.")
    first_joined_at = serializers.DateTimeField(allow_null=True)
    last_left_at = serializers.DateTimeField(allow_null=True)

    def to_representation(self, rsvp):
        return {
            "username": rsvp.user.username,
            "display_name": rsvp.member_name or rsvp.user.public_name,
            "rsvp_status": rsvp.status,
            "waitlist_position": rsvp.position,
            "attendance": rsvp.attendance or None,
            "first_time": not rsvp.attended_before,
            "minutes_present": rsvp.minutes_present,
            "first_joined_at": serializers.DateTimeField().to_representation(rsvp.first_joined_at)
            if rsvp.first_joined_at
            else None,
            "last_left_at": serializers.DateTimeField().to_representation(rsvp.last_left_at)
            if rsvp.last_left_at
            else None,
        }


# --- facilitators -------------------------------------------------------------------------------


class FacilitatorAssignInputSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    role = serializers.ChoiceField(choices=FacilitatorAssignment.Role.choices)


class FacilitatorAssignmentSerializer(serializers.Serializer):
    group = serializers.SlugField(source="group.slug")
    username = serializers.CharField(source="user.username")
    display_name = serializers.CharField(source="user.public_name")
    role = serializers.ChoiceField(choices=FacilitatorAssignment.Role.choices)


# --- data rights --------------------------------------------------------------------------------


class AccountDeleteSerializer(serializers.Serializer):
    password = serializers.CharField(trim_whitespace=False, max_length=4096)


class ExportProfileSerializer(serializers.Serializer):
    username = serializers.CharField()
    display_name = serializers.CharField(allow_blank=True)
    email = serializers.CharField(allow_blank=True)
    first_name = serializers.CharField(allow_blank=True)
    last_name = serializers.CharField(allow_blank=True)
    timezone = serializers.CharField()
    phone = serializers.CharField(allow_null=True)
    phone_verified_at = serializers.DateTimeField(allow_null=True)
    sms_opt_in = serializers.BooleanField()
    date_joined = serializers.DateTimeField()
    last_login = serializers.DateTimeField(allow_null=True)


class ExportMembershipSerializer(serializers.Serializer):
    group = serializers.SlugField()
    group_name = serializers.CharField()
    status = serializers.CharField()
    display_name = serializers.CharField()
    joined_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)


class ExportRSVPSerializer(serializers.Serializer):
    session = serializers.IntegerField()
    group = serializers.SlugField()
    start = serializers.DateTimeField()
    status = serializers.CharField()
    source = serializers.CharField()
    attendance = serializers.CharField(allow_null=True)
    minutes_present = serializers.IntegerField()
    created_at = serializers.DateTimeField()


class ExportNoticeSerializer(serializers.Serializer):
    kind = serializers.CharField()
    session = serializers.IntegerField(allow_null=True)
    message = serializers.CharField()
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)


class ExportFacilitatorGroupSerializer(serializers.Serializer):
    group = serializers.SlugField()
    role = serializers.CharField()


class ExportInviteSerializer(serializers.Serializer):
    """An invitation code the person made (the code itself is left out)."""

    group = serializers.SlugField()
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    max_uses = serializers.IntegerField()
    use_count = serializers.IntegerField()
    state = serializers.CharField()
    revoked_at = serializers.DateTimeField(allow_null=True)


class ExportFacilitatorSerializer(serializers.Serializer):
    bio = serializers.CharField(allow_blank=True)
    trainings = serializers.ListField(child=serializers.CharField())
    bio_visibility = serializers.CharField(allow_null=True)
    trainings_visibility = serializers.CharField(allow_null=True)
    groups = ExportFacilitatorGroupSerializer(many=True)
    invites_made = ExportInviteSerializer(many=True)


class ExportGuidelinesAcceptanceSerializer(serializers.Serializer):
    group = serializers.SlugField()
    group_name = serializers.CharField()
    version = serializers.IntegerField()
    session = serializers.IntegerField(allow_null=True)
    accepted_at = serializers.DateTimeField()


class ExportPersonReportSerializer(serializers.Serializer):
    about = serializers.CharField()
    group = serializers.SlugField()
    session = serializers.IntegerField(allow_null=True)
    source = serializers.CharField()
    reason = serializers.CharField()
    created_at = serializers.DateTimeField()
    resolved = serializers.BooleanField()


class ExportMessageReportSerializer(serializers.Serializer):
    session = serializers.IntegerField()
    message_seq = serializers.IntegerField()
    reason = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()
    resolved = serializers.BooleanField()


class ExportReportsSerializer(serializers.Serializer):
    people = ExportPersonReportSerializer(many=True)
    messages = ExportMessageReportSerializer(many=True)


class ExportBlockSerializer(serializers.Serializer):
    user = serializers.IntegerField()
    display_name = serializers.CharField()
    blocked_at = serializers.DateTimeField()


class ExportPrivateMessageSerializer(serializers.Serializer):
    session = serializers.IntegerField()
    group = serializers.SlugField()
    to = serializers.CharField(allow_null=True)
    text = serializers.CharField(allow_blank=True)
    support = serializers.BooleanField()
    sent_at = serializers.DateTimeField()


class AccountExportSerializer(serializers.Serializer):
    """Documentation of the export's shape; the service builds the data."""

    exported_at = serializers.DateTimeField()
    profile = ExportProfileSerializer()
    memberships = ExportMembershipSerializer(many=True)
    rsvps = ExportRSVPSerializer(many=True)
    notices = ExportNoticeSerializer(many=True)
    facilitator = ExportFacilitatorSerializer()
    guidelines_accepted = ExportGuidelinesAcceptanceSerializer(many=True)
    reports_made = ExportReportsSerializer()
    blocks = ExportBlockSerializer(many=True)
    private_messages = ExportPrivateMessageSerializer(many=True)


# --- a facilitator's own profile ----------------------------------------------------------------


class FacilitatorProfileSerializer(serializers.Serializer):
    """Your facilitator profile, and who sees its bio and trainings on your groups' pages
    (`everyone`, the group's approved `members`, or only the group's `team`)."""

    bio = serializers.CharField(
        max_length=services.BIO_MAX, allow_blank=True, required=False, trim_whitespace=True
    )
    trainings = serializers.ListField(
        child=serializers.CharField(max_length=services.TRAINING_MAX),
        max_length=services.TRAININGS_MAX,
        required=False,
    )
    bio_visibility = serializers.ChoiceField(
        choices=FacilitatorProfile.Visibility.choices, required=False
    )
    trainings_visibility = serializers.ChoiceField(
        choices=FacilitatorProfile.Visibility.choices, required=False
    )
