"""Shapes for the account's SMS settings and the outbound log; rules live in sms.services."""

from django.conf import settings
from rest_framework import serializers

from sessions_app.models import User
from sms.models import OutboundSms
from sms.services import CONSENT_TEXT


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

    class Meta:
        model = User
        fields = [
            "username",
            "display_name",
            "timezone",
            "language",
            "sms_opt_in",
            "phone",
            "phone_verified",
            "sms_consent_text",
        ]
        read_only_fields = fields

    def get_phone(self, user) -> str | None:
        return str(user.phone) if user.phone else None

    def get_phone_verified(self, user) -> bool:
        return bool(user.phone and user.phone_verified_at)

    def get_sms_consent_text(self, user) -> str:
        return CONSENT_TEXT


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
