"""Hearth's URLs plus the two peers bench/api_load.py measures Hearth's list against:

- /bench/naive/sessions/: what a first DRF version looks like, a ListAPIView with a
  ModelSerializer (nested fields through `source`, the counts as SerializerMethodFields that
  count per row), the same filters, page and fields;
- /bench/floor/: a plain Django view that returns bytes fixed at start-up (the list's answer),
  the cost of the server, Django's middleware and the socket alone.
"""

import os
from pathlib import Path

from django.http import HttpResponse
from django.urls import include, path
from rest_framework import generics, serializers
from rest_framework.pagination import PageNumberPagination

from sessions_app.models import RSVP, Session

FLOOR: dict[str, bytes] = {}


class NaiveSessionSerializer(serializers.ModelSerializer):
    group = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    group_name = serializers.CharField(source="group.name")
    timezone = serializers.CharField(source="group.timezone")
    format = serializers.CharField(source="group.format")
    capacity = serializers.SerializerMethodField()
    going_count = serializers.SerializerMethodField()
    waitlist_count = serializers.SerializerMethodField()
    venue = serializers.SerializerMethodField()

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

    def get_capacity(self, obj):
        return obj.effective_capacity

    def get_going_count(self, obj):
        return obj.rsvps.filter(status=RSVP.Status.GOING).count()

    def get_waitlist_count(self, obj):
        return obj.rsvps.filter(status=RSVP.Status.WAITLISTED).count()

    def get_venue(self, obj):
        v = obj.group.venue
        return v and {"name": v.name, "address": v.address, "city": v.city}


class NaiveList(generics.ListAPIView):
    serializer_class = NaiveSessionSerializer
    pagination_class = PageNumberPagination

    def get_queryset(self):
        qs = Session.objects.filter(group__is_public=True).select_related("group", "group__venue")
        params = self.request.query_params
        if "start_after" in params:
            qs = qs.filter(start__gte=params["start_after"])
        if "start_before" in params:
            qs = qs.filter(start__lt=params["start_before"])
        return qs.order_by("start", "pk")


def floor(request, name: str):
    # The bytes the bench saved from Hearth's answer (BENCH_FLOOR_DIR/<name>), read once.
    if name not in FLOOR:
        FLOOR[name] = (Path(os.environ["BENCH_FLOOR_DIR"]) / Path(name).name).read_bytes()
    content_type = "application/json" if name.startswith("list") else "text/html; charset=utf-8"
    return HttpResponse(FLOOR[name], content_type=content_type)


urlpatterns = [
    path("bench/naive/sessions/", NaiveList.as_view()),
    path("bench/floor/<str:name>/", floor),
    path("", include("config.urls")),
]
