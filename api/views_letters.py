"""Attendance letters: an attendee's own letter (issued on request), and the public check of
a verification code."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from api import serializers_letters as s
from api.throttling import LetterVerifyThrottle
from api.views_base import CoreViewMixin
from sessions_app import access, selectors, services


@extend_schema(
    tags=["me"],
    summary="A letter of your attendance at one group in a date range, with its code",
    description="Issued on request (and audited); asking again for the same letter gives the "
    "same code. 400 when you have no attendance recorded there in that range.",
    parameters=[s.AttendanceLetterRequestSerializer],
    responses=s.AttendanceLetterSerializer,
)
class MyAttendanceLetterView(CoreViewMixin, APIView):
    permission_classes = [IsAuthenticated]

    def get(self, request):
        query = s.AttendanceLetterRequestSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        group = access.access_group(user=request.user, slug=data["group"])
        letter = services.attendance_letter_issue(
            user=request.user,
            group=group,
            date_from=data["date_from"],
            date_to=data["date_to"],
            attendee_name=data.get("name", ""),
        )
        return Response(s.AttendanceLetterSerializer(letter).data)


@extend_schema(
    tags=["letters"],
    summary="Check an attendance letter's verification code",
    description="Anyone may ask. 200 with what the letter says; 404 for a code that is not "
    "valid (made up, mistyped, or its letter altered).",
    parameters=[OpenApiParameter("code", str, OpenApiParameter.PATH)],
    responses=s.AttendanceLetterSerializer,
)
class AttendanceLetterVerifyView(CoreViewMixin, APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [LetterVerifyThrottle]

    def get(self, request, code: str):
        letter = selectors.attendance_letter_for_code(code)
        if letter is None:
            raise Http404("This code is not valid.")
        return Response(s.AttendanceLetterSerializer(letter).data)
