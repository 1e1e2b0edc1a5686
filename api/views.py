"""Core API views: thin. They authenticate, pick the object, ask sessions_app.access, call a
service or selector and shape the answer with a serializer."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.decorators import action
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from api import serializers as s
from api.filters import GroupFilter, SessionFilter
from api.throttling import LoginThrottle, RegisterThrottle, RSVPThrottle
from rooms import services as room_services
from sessions_app import access, selectors, services, services_accounts
from sessions_app.errors import StateConflict
from sessions_app.models import RSVP, Membership, Schedule, Session, SupportGroup

ERROR_RESPONSES = {
    "400": "Invalid input: field errors, nested like the request body.",
    "401": "No (valid) credentials.",
    "403": "Not allowed: `detail`, and `code` for domain rules (e.g. not_a_member).",
    "404": "No such object, or one you may not see.",
    "409": "State conflict, e.g. the session is cancelled or over: `detail` and `code`.",
    "429": "Too many requests: see the Retry-After header.",
}


class HearthAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema plus the error answers every operation can give."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, text in ERROR_RESPONSES.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    OpenApiResponse(OpenApiTypes.OBJECT, description=text),
                    code,
                    direction=direction,
                )
        return responses


class CorePagination(PageNumberPagination):
    """Pages of 50 by default (PAGE_SIZE); clients may ask for up to 200 with `page_size`."""

    page_size_query_param = "page_size"
    max_page_size = 200


class CoreViewMixin:
    schema = HearthAutoSchema()
    pagination_class = CorePagination

    def deny_unless(self, allowed: bool, message: str | None = None) -> None:
        """401 for anonymous callers, 403 for everyone else (DRF's permission_denied)."""
        if not allowed:
            self.permission_denied(self.request, message=message)


# --- accounts ---------------------------------------------------------------------------------


@extend_schema(
    tags=["auth"],
    request=s.RegisterSerializer,
    responses={201: s.AccountSerializer},
    summary="Create an account",
)
class RegisterView(CoreViewMixin, APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [RegisterThrottle]

    def post(self, request):
        data = s.RegisterSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services_accounts.user_register(**data.validated_data)
        return Response(s.AccountSerializer(user).data, status=status.HTTP_201_CREATED)


@extend_schema(
    tags=["auth"],
    request=s.TokenRequestSerializer,
    responses={200: s.TokenSerializer},
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


# --- groups -----------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Groups you may see", responses=s.GroupSerializer(many=True)),
    retrieve=extend_schema(summary="One group", responses=s.GroupSerializer),
    create=extend_schema(
        summary="Create a group (coordinators)",
        request=s.GroupWriteSerializer,
        responses={201: s.GroupSerializer},
    ),
    partial_update=extend_schema(
        summary="Change a group (its facilitators, coordinators)",
        request=s.GroupWriteSerializer(partial=True),
        responses=s.GroupSerializer,
    ),
)
class GroupViewSet(CoreViewMixin, viewsets.GenericViewSet):
    queryset = SupportGroup.objects.none()  # the model, for the schema; see get_queryset
    lookup_field = "slug"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"
    serializer_class = s.GroupSerializer
    filterset_class = GroupFilter
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return selectors.groups_visible(user=self.request.user).order_by("name", "pk")

    def get_serializer_context(self):
        return {
            **super().get_serializer_context(),
            "video_link_group_ids": access.video_link_group_ids(user=self.request.user),
        }

    def get_group(self) -> SupportGroup:
        return access.access_group(user=self.request.user, slug=self.kwargs["slug"])

    def list(self, request):
        groups = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(groups)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, slug=None):
        return Response(self.get_serializer(self.get_group()).data)

    def create(self, request):
        self.deny_unless(access.is_coordinator(user=request.user))
        data = s.GroupWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        with transaction.atomic():
            fields["venue"] = self._venue(fields.get("venue"))
            group = services.group_create(**fields)
        return Response(self.get_serializer(group).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, slug=None):
        group = self.get_group()
        self.deny_unless(access.can_manage_group(user=request.user, group=group))
        data = s.GroupWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        with transaction.atomic():
            if "venue" in fields:
                fields["venue"] = self._venue(fields["venue"])
            group = services.group_update(group=group, **fields)
        return Response(self.get_serializer(group).data)

    @staticmethod
    def _venue(venue_data):
        return services.venue_create(**venue_data) if venue_data else None

    # --- membership ---

    @extend_schema(
        summary="Join a group",
        request=s.JoinSerializer,
        responses={201: s.JoinResultSerializer, 200: s.JoinResultSerializer},
        description="Open groups approve at once, approval groups answer `pending`, invite-only "
        "groups need `invite_token`. Joining again answers 200 with the current status.",
    )
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def join(self, request, slug=None):
        group = self.get_group()
        data = s.JoinSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        existed = Membership.objects.filter(group=group, user=request.user).exists()
        membership = services.membership_join(
            group=group,
            user=request.user,
            display_name=data.validated_data.get("display_name") or None,
            invite_token=data.validated_data.get("invite_token") or None,
        )
        return Response(
            s.JoinResultSerializer(membership).data,
            status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED,
        )

    @extend_schema(
        summary="A group's members (its facilitators, coordinators)",
        parameters=[
            OpenApiParameter("status", enum=Membership.Status.values, required=False),
        ],
        responses=s.MemberSerializer(many=True),
    )
    @action(detail=True, methods=["get"], permission_classes=[IsAuthenticated], filter_backends=[])
    def members(self, request, slug=None):
        group = self.get_group()
        self.deny_unless(access.can_view_roster(user=request.user, group=group))
        wanted = request.query_params.get("status")
        if wanted is not None and wanted not in Membership.Status.values:
            raise ValidationError({"status": [f"One of: {', '.join(Membership.Status.values)}."]})
        page = self.paginate_queryset(selectors.group_members(group=group, status=wanted))
        return self.get_paginated_response(s.MemberSerializer(page, many=True).data)

    def _membership(self, group: SupportGroup, username: str) -> Membership:
        self.deny_unless(access.can_manage_group(user=self.request.user, group=group))
        return get_object_or_404(
            Membership.objects.select_related("user", "group"), group=group, user__username=username
        )

    @extend_schema(summary="Approve a member", request=None, responses=s.MemberSerializer)
    @action(
        detail=True,
        methods=["post"],
        url_path=r"members/(?P<username>[^/]+)/approve",
        url_name="member-approve",
        permission_classes=[IsAuthenticated],
    )
    def member_approve(self, request, slug=None, username=None):
        membership = self._membership(self.get_group(), username)
        membership = services.membership_approve(membership=membership, by=request.user)
        return Response(s.MemberSerializer(membership).data)

    @extend_schema(
        summary="Ban a member (their upcoming RSVPs are cancelled)",
        request=None,
        responses=s.MemberSerializer,
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"members/(?P<username>[^/]+)/ban",
        url_name="member-ban",
        permission_classes=[IsAuthenticated],
    )
    def member_ban(self, request, slug=None, username=None):
        membership = self._membership(self.get_group(), username)
        membership = services.membership_ban(membership=membership, by=request.user)
        return Response(s.MemberSerializer(membership).data)

    # --- schedules ---

    def _schedules(self, group: SupportGroup):
        return (
            Schedule.objects.filter(group=group)
            .select_related("group", "rule", "event")
            .annotate(session_count=Count("sessions"))
            .order_by("first_date", "start_time", "pk")
        )

    @extend_schema(
        methods=["GET"],
        summary="A group's schedules (its facilitators, coordinators)",
        responses=s.ScheduleSerializer(many=True),
    )
    @extend_schema(
        methods=["POST"],
        summary="Create a schedule; its sessions are materialised at once",
        request=s.ScheduleCreateSerializer,
        responses={201: s.ScheduleCreatedSerializer},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        permission_classes=[IsAuthenticated],
        filter_backends=[],
    )
    def schedules(self, request, slug=None):
        group = self.get_group()
        self.deny_unless(access.can_manage_group(user=request.user, group=group))
        if request.method == "GET":
            page = self.paginate_queryset(self._schedules(group))
            return self.get_paginated_response(s.ScheduleSerializer(page, many=True).data)
        data = s.ScheduleCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        recurrence = request.data.get("recurrence")
        schedule = services.schedule_create(
            group=group,
            start=data.validated_data["start"],
            duration_minutes=data.validated_data["duration_minutes"],
            # The service validates the recurrence itself, with the field named.
            recurrence=(
                None if recurrence is None else dict(data.validated_data["recurrence"] or {})
            ),
            created_by=request.user,
        )
        first = selectors.sessions_with_counts(Session.objects.filter(schedule=schedule))
        context = {"first_sessions": first.order_by("start", "pk")[:5]}
        return Response(
            s.ScheduleCreatedSerializer(
                self._schedules(group).get(pk=schedule.pk), context=context
            ).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        summary="End a series: later sessions with RSVPs are cancelled (attendees told)",
        parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH)],
        responses={204: None},
    )
    @action(
        detail=True,
        methods=["delete"],
        url_path=r"schedules/(?P<id>[0-9]+)",
        url_name="schedule-detail",
        permission_classes=[IsAuthenticated],
    )
    def schedule_end(self, request, slug=None, id=None):
        group = self.get_group()
        self.deny_unless(access.can_manage_group(user=request.user, group=group))
        schedule = get_object_or_404(Schedule, group=group, pk=id)
        services.schedule_end(schedule=schedule, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- sessions ---------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="Sessions of the groups you may see, by start",
        description="Without `start_after`, only sessions that have not ended yet.",
        responses=s.SessionSerializer(many=True),
    ),
    retrieve=extend_schema(summary="One session", responses=s.SessionSerializer),
)
class SessionViewSet(CoreViewMixin, viewsets.GenericViewSet):
    queryset = Session.objects.none()  # the model, for the schema; see get_queryset
    serializer_class = s.SessionSerializer
    filterset_class = SessionFilter

    def get_queryset(self):
        return selectors.sessions_with_counts(selectors.sessions_visible(user=self.request.user))

    def get_throttles(self):
        if self.action == "rsvp":
            return [RSVPThrottle()]
        return super().get_throttles()

    def get_session(self) -> Session:
        return access.access_session(
            user=self.request.user,
            pk=self.kwargs["pk"],
            queryset=selectors.sessions_with_counts(Session.objects.all()),
        )

    def _refreshed(self, session: Session) -> dict:
        return self.get_serializer(
            selectors.sessions_with_counts(Session.objects.all()).get(pk=session.pk)
        ).data

    def list(self, request):
        sessions = self.filter_queryset(self.get_queryset())
        if "start_after" not in request.query_params:
            sessions = sessions.filter(end__gt=timezone.now())
        page = self.paginate_queryset(sessions.order_by("start", "pk"))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(self.get_serializer(self.get_session()).data)

    @extend_schema(
        summary="Cancel this session (its facilitators, coordinators)",
        request=s.SessionCancelSerializer,
        responses=s.SessionSerializer,
    )
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def cancel(self, request, pk=None):
        session = self.get_session()
        self.deny_unless(access.can_manage_group(user=request.user, group=session.group))
        data = s.SessionCancelSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.session_cancel(
            session=session, reason=data.validated_data["reason"], by=request.user
        )
        return Response(self._refreshed(session))

    @extend_schema(
        summary="Move this session (its facilitators, coordinators)",
        request=s.SessionMoveSerializer,
        responses=s.SessionSerializer,
    )
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def move(self, request, pk=None):
        session = self.get_session()
        self.deny_unless(access.can_manage_group(user=request.user, group=session.group))
        data = s.SessionMoveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.session_move(session=session, by=request.user, **data.validated_data)
        return Response(self._refreshed(session))

    @extend_schema(
        methods=["POST"],
        summary="RSVP (approved members); again is idempotent",
        request=None,
        responses=s.RSVPResultSerializer,
    )
    @extend_schema(
        methods=["DELETE"],
        summary="Cancel your RSVP; the first waitlisted attendee gets the seat",
        description="Answers 200 with status `cancelled` whether or not you had an RSVP, so "
        "a retried DELETE is harmless.",
        request=None,
        responses={200: s.RSVPResultSerializer},
    )
    @action(detail=True, methods=["post", "delete"], permission_classes=[IsAuthenticated])
    def rsvp(self, request, pk=None):
        session = self.get_session()
        if request.method == "POST":
            via_browser = isinstance(request.successful_authenticator, SessionAuthentication)
            rsvp = services.rsvp_create(
                session=session,
                user=request.user,
                source=RSVP.Source.WEB if via_browser else RSVP.Source.API,
            )
            position = selectors.rsvp_waitlist_position(rsvp=rsvp)
            return Response({"status": rsvp.status, "position": position})
        if session.end <= timezone.now():
            raise StateConflict("This session is over.", code="session_past")
        services.rsvp_cancel(session=session, user=request.user)
        return Response({"status": RSVP.Status.CANCELLED, "position": None})

    @extend_schema(
        summary="Open this session's room (its facilitators, coordinators)",
        description="At most ROOM_OPEN_EARLY_MINUTES (15) before the start; 409 for a "
        "cancelled or finished session. Idempotent.",
        request=None,
        responses=s.SessionSerializer,
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="room/open",
        url_name="room-open",
        permission_classes=[IsAuthenticated],
    )
    def room_open(self, request, pk=None):
        session = self.get_session()
        room_services.room_open(session=session, by=request.user)
        return Response(self._refreshed(session))

    @extend_schema(
        summary="Close (end) this session's room: everyone in it gets room.ended",
        request=None,
        responses=s.SessionSerializer,
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="room/close",
        url_name="room-close",
        permission_classes=[IsAuthenticated],
    )
    def room_close(self, request, pk=None):
        session = self.get_session()
        room_services.room_close(session=session, by=request.user)
        return Response(self._refreshed(session))

    @extend_schema(
        summary="A single-use ticket into the room, valid 60 s (whoever may enter)",
        description="Connect to `url` (the WebSocket URL with the ticket) within "
        "ROOM_TICKET_SECONDS. 403 if you may not enter, 409 if the room is not open.",
        request=None,
        responses=s.RoomTicketSerializer,
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="room-ticket",
        url_name="room-ticket",
        permission_classes=[IsAuthenticated],
    )
    def room_ticket(self, request, pk=None):
        session = self.get_session()
        ticket, expires_at = room_services.room_ticket_issue(session=session, user=request.user)
        scheme = "wss" if request.is_secure() else "ws"
        url = f"{scheme}://{request.get_host()}/ws/sessions/{session.pk}/room/?ticket={ticket}"
        return Response({"ticket": ticket, "url": url, "expires_at": expires_at})


# --- me ---------------------------------------------------------------------------------------


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
    responses=s.CalendarTokenSerializer,
)
class CalendarTokenView(CoreViewMixin, APIView):
    permission_classes = [IsAuthenticated]

    def post(self, request):
        user = services_accounts.user_calendar_token_reset(user=request.user)
        return Response(
            {"token": user.calendar_token, "url": selectors.calendar_feed_url(user=user)}
        )
