"""Serializers of the feedback after a session: one answer, and the facilitators' summary."""

from __future__ import annotations

from rest_framework import serializers

from sessions_app.models import SessionFeedback
from sessions_app.services import COMMENT_MAX_CHARS


class FeedbackCreateSerializer(serializers.Serializer):
    helpful = serializers.ChoiceField(
        choices=SessionFeedback.Helpful.choices, help_text="Was the session helpful?"
    )
    comment = serializers.CharField(
        required=False, allow_blank=True, max_length=COMMENT_MAX_CHARS, default=""
    )
    signed = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Show your name (in this group) with the comment; unsigned comments are "
        "shown to facilitators without a name.",
    )


class FeedbackSerializer(serializers.ModelSerializer):
    class Meta:
        model = SessionFeedback
        fields = ["helpful", "comment", "signed", "created_at"]


class FeedbackCountsSerializer(serializers.Serializer):
    yes = serializers.IntegerField()
    somewhat = serializers.IntegerField()
    no = serializers.IntegerField()


class FeedbackCommentSerializer(serializers.Serializer):
    helpful = serializers.ChoiceField(choices=SessionFeedback.Helpful.choices)
    comment = serializers.CharField()
    name = serializers.CharField(allow_null=True, help_text="Only when the person signed.")


class FeedbackSummarySerializer(serializers.Serializer):
    counts = FeedbackCountsSerializer()
    total = serializers.IntegerField()
    comments = FeedbackCommentSerializer(many=True)
