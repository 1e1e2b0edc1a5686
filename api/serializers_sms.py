"""Shapes for the account's SMS settings and the outbound log; rules live in sms.services."""

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from sessions_app import selectors as core_selectors
from sessions_app.models import NotificationPreference, User
from sms.models import OutboundSms
from sms.services import CONSENT_TEXT

CATEGORIES = NotificationPreference.Category
CHANNELS = NotificationPreference.Channel
NOTIFICATIONS_SCHEMA = {
    "type": "object",
    "description": (
        "How you hear of each kind of thing, {category: channel}. Categories: "
        + ", ".join(CATEGORIES.values)
        + "; channels: "
        + ", ".join(CHANNELS.values)
        + ". A text needs a verified number and SMS consent, an email an address."
    ),
    "properties": {c: {"type": "string", "enum": CHANNELS.values} for c in CATEGORIES.values},
    "additionalProperties": False,
}


class NotificationsField(serializers.DictField):
    """{category: channel}: every key a category, every value a channel."""

    def __init__(self, **kwargs):
        super().__init__(child=serializers.ChoiceField(choices=CHANNELS.choices), **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = [key for key in data if key not in CATEGORIES.values]
            if unknown:
                raise serializers.ValidationError(
                    {str(key): [f"“{key}” is not a kind of notification."] for key in unknown}
                )
        return super().to_internal_value(data)


class MeSerializer(serializers.ModelSerializer):
    phone = serializers.SerializerMethodField()
    language = serializers.ChoiceField(
        choices=settings.LANGUAGES,
        allow_blank=True,
        read_only=True,
        help_text="The account's language; blank: pages follow the browser.",
    )
    phone_verified = serializers.SerializerMethodField()
    sms_consent_text = serializers.SerializerMethodField()
    notifications = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "username",
            "display_name",
            "email",
            "timezone",
            "language",
            "sms_opt_in",
            "phone",
            "phone_verified",
            "sms_consent_text",
            "notifications",
        ]
        read_only_fields = fields

    def get_phone(self, user) -> str | None:
        return str(user.phone) if user.phone else None

    def get_phone_verified(self, user) -> bool:
        return bool(user.phone and user.phone_verified_at)

    def get_sms_consent_text(self, user) -> str:
        return CONSENT_TEXT

    @extend_schema_field(NOTIFICATIONS_SCHEMA)
    def get_notifications(self, user) -> dict[str, str]:
        return core_selectors.notification_choices(user=user)


class MeUpdateSerializer(serializers.Serializer):
    display_name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    timezone = serializers.CharField(required=False, max_length=64)
    language = serializers.ChoiceField(
        choices=settings.LANGUAGES,
        required=False,
        allow_blank=True,
        help_text="Pages and texts in this language; blank follows the browser.",
    )
    sms_opt_in = serializers.BooleanField(required=False)
    email = serializers.EmailField(
        required=False, allow_blank=True, max_length=254, help_text="Blank removes it."
    )
    notifications = extend_schema_field(NOTIFICATIONS_SCHEMA)(NotificationsField)(
        required=False,
        help_text="Only the categories you name change.",
    )


class PhoneSerializer(serializers.Serializer):
    phone = serializers.CharField(max_length=40)


class PhoneStartedSerializer(serializers.Serializer):
    phone = serializers.CharField()
    phone_verified = serializers.BooleanField()
    code_expires_at = serializers.DateTimeField()


class PhoneCodeSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=20)


class OutboundSmsSerializer(serializers.ModelSerializer):
    class Meta:
        model = OutboundSms
        fields = [
            "id",
            "to",
            "body",
            "kind",
            "session",
            "status",
            "delivery_status",
            "error_code",
            "reason",
            "attempts",
            "created_at",
        ]
        read_only_fields = fields
