"""Serializers of attendance letters (what the letter says, and the request for one)."""

from __future__ import annotations

from rest_framework import serializers

from sessions_app.models import AttendanceLetter
from sessions_app.selectors import attendance_letter_code, attendance_letter_verify_url


class AttendanceLetterRequestSerializer(serializers.Serializer):
    group = serializers.SlugField(help_text="The group's slug.")
    date_from = serializers.DateField(help_text="First day of the range (YYYY-MM-DD).")
    date_to = serializers.DateField(help_text="Last day of the range, inclusive (YYYY-MM-DD).")
    name = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=100,
        help_text="The name to print; by default your display name.",
    )


class AttendanceLetterSerializer(serializers.ModelSerializer):
    """Everything the letter says, and nothing else: the public check shows the same."""

    code = serializers.SerializerMethodField()
    verify_url = serializers.SerializerMethodField()
    dates = serializers.ListField(child=serializers.DateField())

    class Meta:
        model = AttendanceLetter
        fields = [
            "code",
            "verify_url",
            "attendee_name",
            "group_name",
            "facilitator_name",
            "date_from",
            "date_to",
            "dates",
            "issued_at",
        ]

    def get_code(self, letter: AttendanceLetter) -> str:
        return attendance_letter_code(letter)

    def get_verify_url(self, letter: AttendanceLetter) -> str:
        return attendance_letter_verify_url(letter)
