"""Serializers of schedules: the recurrence rule, creating a schedule, and what it made."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.serializers import SessionSerializer
from sessions_app.models import Schedule
from sessions_app.recurrence import FREQUENCIES, WEEKDAYS, recurrence_from_rule


class RecurrenceSerializer(serializers.Serializer):
    frequency = serializers.ChoiceField(choices=list(FREQUENCIES))
    interval = serializers.IntegerField(min_value=1, max_value=52, required=False)
    byweekday = serializers.ListField(
        child=serializers.ChoiceField(choices=list(WEEKDAYS)), required=False, max_length=7
    )
    bysetpos = serializers.ChoiceField(choices=[1, 2, 3, 4, 5, -1], required=False, allow_null=True)
    until = serializers.DateField(required=False, allow_null=True)
    count = serializers.IntegerField(min_value=1, max_value=1000, required=False, allow_null=True)


class ScheduleCreateSerializer(serializers.Serializer):
    start = serializers.CharField(
        max_length=40,
        help_text="Wall-clock start in the group's zone, no offset: 2026-11-03T19:00:00.",
    )
    duration_minutes = serializers.IntegerField(min_value=1, max_value=24 * 60)
    recurrence = RecurrenceSerializer(allow_null=True, required=False, default=None)


class ScheduleSerializer(serializers.ModelSerializer):
    group = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    start = serializers.SerializerMethodField()
    timezone = serializers.CharField(source="group.timezone", read_only=True)
    recurrence = serializers.SerializerMethodField()
    session_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Schedule
        fields = [
            "id",
            "group",
            "start",
            "timezone",
            "duration_minutes",
            "recurrence",
            "ended_at",
            "session_count",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(
        {"type": "string", "example": "2026-11-03T19:00:00", "description": "Wall-clock start"}
    )
    def get_start(self, schedule: Schedule) -> str:
        return f"{schedule.first_date.isoformat()}T{schedule.start_time.isoformat()}"

    @extend_schema_field(RecurrenceSerializer(allow_null=True))
    def get_recurrence(self, schedule: Schedule) -> dict | None:
        until = None
        end = schedule.event.end_recurring_period
        if end is not None:
            until = end.astimezone(schedule.group.tz).date()
        recurrence = recurrence_from_rule(schedule.rule, until=until)
        return recurrence.as_dict() if recurrence else None


class ScheduleCreatedSerializer(ScheduleSerializer):
    sessions = serializers.SerializerMethodField(help_text="The first sessions (at most 5).")

    class Meta(ScheduleSerializer.Meta):
        fields = [*ScheduleSerializer.Meta.fields, "sessions"]
        read_only_fields = fields

    @extend_schema_field(SessionSerializer(many=True))
    def get_sessions(self, schedule: Schedule) -> list:
        return SessionSerializer(self.context["first_sessions"], many=True).data
