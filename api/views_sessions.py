"""Sessions: the list, one session, cancel and move, RSVPs and the room. Thin, as
api/views_groups.py."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from api import serializers as s
from api.filters import SessionFilter, session_list_lookups
from api.serializers_feedback import (
    FeedbackCreateSerializer,
    FeedbackSerializer,
    FeedbackSummarySerializer,
)
from api.throttling import RSVPThrottle
from api.views_base import CoreViewMixin
from rooms import services as room_services
from sessions_app import access, selectors, services
from sessions_app.errors import StateConflict
from sessions_app.models import RSVP, Session, SessionFeedback


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
        # The hot path (docs/benchmarks.md, API): the query string checked by SessionFilter's
        # own fields, the page read as tuples of the payload's columns by SQL compiled once per
        # shape, built by SessionSerializer.from_row; the count without the page's joins.
        lookups = session_list_lookups(request.query_params)
        if "start_after" not in request.query_params:
            lookups["end__gt"] = timezone.now()
        rows = selectors.session_rows_visible(
            user=request.user, columns=s.SessionSerializer.ROW_FIELDS, lookups=lookups
        )
        page = self.paginate_queryset(rows)
        return self.get_paginated_response([s.SessionSerializer.from_row(row) for row in page])

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

    @extend_schema(
        methods=["POST"],
        summary="Was this session helpful? (people who were there, once, after it ended)",
        description="201 with your answer. 403 `not_attended` if you were not there; 409 "
        "`feedback_given` the second time, `feedback_closed` before the end or more than "
        "FEEDBACK_DAYS (14) after it.",
        request=FeedbackCreateSerializer,
        responses={201: FeedbackSerializer},
    )
    @extend_schema(
        methods=["GET"],
        summary="The answers counted, and the comments (named only when signed)",
        description="The session's facilitators and coordinators.",
        responses=FeedbackSummarySerializer,
    )
    @action(detail=True, methods=["get", "post"], permission_classes=[IsAuthenticated])
    def feedback(self, request, pk=None):
        session = self.get_session()
        if request.method == "GET":
            self.deny_unless(access.can_manage_group(user=request.user, group=session.group))
            return Response(selectors.session_feedback_summary(session=session))
        data = FeedbackCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        via_browser = isinstance(request.successful_authenticator, SessionAuthentication)
        feedback = services.feedback_give(
            session=session,
            user=request.user,
            source=SessionFeedback.Source.WEB if via_browser else SessionFeedback.Source.API,
            **data.validated_data,
        )
        return Response(FeedbackSerializer(feedback).data, status=201)
