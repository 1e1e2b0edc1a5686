"""Shapes of the safety endpoints: blocking people, reporting people (docs/api.md)."""

from __future__ import annotations

from rest_framework import serializers

from rooms.models import PersonBlock


class BlockSerializer(serializers.ModelSerializer):
    user = serializers.IntegerField(source="blocked_id", read_only=True)
    display_name = serializers.CharField(source="blocked_name", read_only=True)

    class Meta:
        model = PersonBlock
        fields = ["user", "display_name", "created_at"]
        read_only_fields = fields


class BlockCreateSerializer(serializers.Serializer):
    user = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
