"""The account's phone and SMS settings, and the coordinators' outbound log."""

from django.db import transaction
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, permissions, status
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from api.serializers_sms import (
    MeSerializer,
    MeUpdateSerializer,
    OutboundSmsSerializer,
    PhoneCodeSerializer,
    PhoneSerializer,
    PhoneStartedSerializer,
)
from api.views_base import PagedAutoSchema
from sessions_app import services as core_services
from sms import selectors as sms_selectors
from sms import services as sms_services
from sms.models import SmsConsent

FIELD_ERRORS = OpenApiResponse(description="Field errors, keyed by field.")
UNAUTHENTICATED = OpenApiResponse(description="No credentials.")
THROTTLED = OpenApiResponse(description="Too many tries; see Retry-After.")


class MeView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={200: MeSerializer, 401: UNAUTHENTICATED})
    def get(self, request):
        return Response(MeSerializer(request.user).data)

    @extend_schema(
        request=MeUpdateSerializer,
        responses={200: MeSerializer, 400: FIELD_ERRORS, 401: UNAUTHENTICATED},
    )
    def patch(self, request):
        incoming = MeUpdateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        with transaction.atomic():  # all of it or none of it
            user = self._update(request, data)
        return Response(MeSerializer(user).data)

    def _update(self, request, data):
        user = core_services.user_update_profile(
            user=request.user,
            display_name=data.get("display_name"),
            timezone_name=data.get("timezone"),
            language=data.get("language"),
            email=data.get("email"),
        )
        if "notifications" in data:
            core_services.notification_preferences_set(user=user, choices=data["notifications"])
        if "sms_opt_in" in data:
            user = sms_services.user_sms_opt_in_set(
                user=user, enabled=data["sms_opt_in"], source=SmsConsent.Source.API
            )
        return user


class PhoneView(APIView):
    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "sms_phone"

    @extend_schema(
        request=PhoneSerializer,
        responses={
            202: PhoneStartedSerializer,
            400: FIELD_ERRORS,
            401: UNAUTHENTICATED,
            429: THROTTLED,
        },
    )
    def put(self, request):
        incoming = PhoneSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        verification = sms_services.phone_verification_start(
            user=request.user, phone=incoming.validated_data["phone"]
        )
        body = {
            "phone": verification.phone,
            "phone_verified": False,
            "code_expires_at": verification.expires_at,
        }
        return Response(PhoneStartedSerializer(body).data, status=status.HTTP_202_ACCEPTED)


class PhoneVerifyView(APIView):
    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "sms_verify"

    @extend_schema(
        request=PhoneCodeSerializer,
        responses={200: MeSerializer, 400: FIELD_ERRORS, 401: UNAUTHENTICATED, 429: THROTTLED},
    )
    def post(self, request):
        incoming = PhoneCodeSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        user = sms_services.phone_verification_confirm(
            user=request.user, code=incoming.validated_data["code"]
        )
        return Response(MeSerializer(user).data)


class OutboundSmsList(generics.ListAPIView):
    schema = PagedAutoSchema()
    permission_classes = [permissions.IsAdminUser]
    serializer_class = OutboundSmsSerializer
    filterset_fields = ["status", "kind", "delivery_status", "session"]

    def get_queryset(self):
        return sms_selectors.outbound_log()

    @extend_schema(
        responses={
            200: OutboundSmsSerializer(many=True),
            400: OpenApiResponse(description="A filter value is not valid."),
            401: UNAUTHENTICATED,
            403: OpenApiResponse(description="Coordinators only."),
        }
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
