"""Shapes of the safety endpoints: blocking people, reporting people (docs/api.md)."""

from __future__ import annotations

from rest_framework import serializers

from rooms.models import PersonBlock, PersonReport


class BlockSerializer(serializers.ModelSerializer):
    user = serializers.IntegerField(source="blocked_id", read_only=True)
    display_name = serializers.CharField(source="blocked_name", read_only=True)

    class Meta:
        model = PersonBlock
        fields = ["user", "display_name", "created_at"]
        read_only_fields = fields


class BlockCreateSerializer(serializers.Serializer):
    user = serializers.IntegerField(min_value=1, max_value=2**63 - 1)


class PersonReportCreateSerializer(serializers.Serializer):
    user = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    reason = serializers.CharField(max_length=500)


class PersonReportSerializer(serializers.ModelSerializer):
    """A report as its reporter sees it."""

    user = serializers.IntegerField(source="reported_id", read_only=True)
    display_name = serializers.CharField(source="reported_name", read_only=True)

    class Meta:
        model = PersonReport
        fields = ["id", "user", "display_name", "reason", "created_at"]
        read_only_fields = fields


class ReportContextSerializer(serializers.Serializer):
    seq = serializers.IntegerField()
    text = serializers.CharField()
    sent_at = serializers.CharField()


class PersonReportStaffSerializer(serializers.ModelSerializer):
    """A report as coordinators see it, with its context."""

    group = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    user = serializers.IntegerField(source="reported_id", read_only=True)
    display_name = serializers.CharField(source="reported_name", read_only=True)
    reporter = serializers.IntegerField(source="reporter_id", read_only=True, allow_null=True)
    context = ReportContextSerializer(many=True, read_only=True)

    class Meta:
        model = PersonReport
        fields = [
            "id",
            "group",
            "session",
            "user",
            "display_name",
            "reporter",
            "reporter_name",
            "reason",
            "source",
            "context",
            "created_at",
            "resolved_at",
            "action",
            "resolution",
        ]
        read_only_fields = fields


class PersonReportResolveSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=PersonReport.Action.choices)
    resolution = serializers.CharField(max_length=500, required=False, allow_blank=True)
