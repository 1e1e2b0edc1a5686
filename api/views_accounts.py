"""Accounts and "me": register, API token, your upcoming RSVPs, your calendar token.
Thin, as every API view: authenticate, ask sessions_app.access, call a service or selector,
shape the answer with a serializer."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from api import serializers as s
from api.serializers_accounts import (
    AccountSerializer,
    CalendarTokenSerializer,
    RegisterSerializer,
    TokenRequestSerializer,
    TokenSerializer,
)
from api.throttling import LoginThrottle, RegisterThrottle
from api.views_base import CoreViewMixin
from sessions_app import selectors, services
from sessions_app.models import RSVP, Session


@extend_schema(
    tags=["auth"],
    request=RegisterSerializer,
    responses={201: AccountSerializer},
    summary="Create an account",
)
class RegisterView(CoreViewMixin, APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [RegisterThrottle]

    def post(self, request):
        data = RegisterSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        user = services.user_register(timezone_name=fields.pop("timezone", ""), **fields)
        return Response(AccountSerializer(user).data, status=status.HTTP_201_CREATED)


@extend_schema(
    tags=["auth"],
    request=TokenRequestSerializer,
    responses={200: TokenSerializer},
    summary="Exchange username and password for an API token",
)
class TokenView(CoreViewMixin, APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [LoginThrottle]

    def post(self, request):
        data = AuthTokenSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        token, _ = Token.objects.get_or_create(user=data.validated_data["user"])
        return Response({"token": token.key})


@extend_schema(
    tags=["me"],
    summary="Your RSVPs to sessions that have not ended, soonest first",
    responses=s.MyRSVPSerializer(many=True),
)
class MyRSVPsView(CoreViewMixin, GenericAPIView, mixins.ListModelMixin):
    permission_classes = [IsAuthenticated]
    serializer_class = s.MyRSVPSerializer

    queryset = RSVP.objects.none()  # for the schema; get() reads the user's own

    def get_queryset(self):
        return selectors.user_rsvps_upcoming(user=self.request.user)

    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        ids = [rsvp.session_id for rsvp in page]
        sessions = selectors.sessions_with_counts(Session.objects.filter(pk__in=ids)).in_bulk()
        data = s.MyRSVPSerializer(page, many=True, context={"sessions": sessions}).data
        return self.get_paginated_response(data)


@extend_schema(
    tags=["me"],
    summary="A new secret calendar token; the old feed URL stops working",
    request=None,
    responses=CalendarTokenSerializer,
)
class CalendarTokenView(CoreViewMixin, APIView):
    permission_classes = [IsAuthenticated]

    def post(self, request):
        user = services.user_calendar_token_reset(user=request.user)
        return Response(
            {"token": user.calendar_token, "url": selectors.calendar_feed_url(user=user)}
        )
