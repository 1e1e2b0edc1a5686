"""Serializers of accounts: sign-up, the account, API tokens and the calendar token."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.password_validation import password_validators_help_texts
from rest_framework import serializers


class RegisterSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(
        write_only=True,
        max_length=128,
        style={"input_type": "password"},
        help_text=" ".join(password_validators_help_texts()),
    )
    display_name = serializers.CharField(max_length=60, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    language = serializers.ChoiceField(
        choices=settings.LANGUAGES,
        required=False,
        allow_blank=True,
        help_text="Pages, room messages and texts in this language; blank follows the browser.",
    )
    timezone = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        help_text="IANA zone the person's times are shown in, e.g. America/Chicago; "
        "absent or blank is UTC. An unknown zone is a 400 naming this field.",
    )


class AccountSerializer(serializers.Serializer):
    username = serializers.CharField()
    display_name = serializers.CharField()
    email = serializers.EmailField(allow_blank=True)
    timezone = serializers.CharField()


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, style={"input_type": "password"})


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()


class CalendarTokenSerializer(serializers.Serializer):
    token = serializers.CharField()
    url = serializers.URLField(help_text="Subscribe to this in a calendar app; keep it secret.")
