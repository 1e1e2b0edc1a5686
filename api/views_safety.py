"""Safety: blocking people (yours only) and reporting people. Thin: the rules are in
rooms.services (blocks, person reports) and their selectors."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from api import serializers_safety as s
from api.views_base import CoreViewMixin
from rooms import selectors as room_selectors
from rooms import services as room_services
from rooms.models import PersonBlock, PersonReport
from sessions_app import access as core_access
from sessions_app import selectors as core_selectors
from sessions_app.models import SupportGroup


@extend_schema(tags=["me"])
class MyBlocksView(CoreViewMixin, GenericAPIView, mixins.ListModelMixin):
    """People whose room chat you hide from yourself, in every room. They are not told."""

    permission_classes = [IsAuthenticated]
    serializer_class = s.BlockSerializer
    queryset = PersonBlock.objects.none()  # for the schema; get_queryset reads your own

    def get_queryset(self):
        return room_selectors.blocks_of(user=self.request.user)

    @extend_schema(summary="The people you blocked, newest first")
    def get(self, request):
        return self.list(request)

    @extend_schema(
        summary="Block someone you have been in a room with (again: no change, 200)",
        request=s.BlockCreateSerializer,
        responses={201: s.BlockSerializer, 200: s.BlockSerializer},
    )
    def post(self, request):
        incoming = s.BlockCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        user_id = incoming.validated_data["user"]
        existed = room_selectors.blocks_of(user=request.user).filter(blocked_id=user_id).exists()
        block = room_services.person_block(user=request.user, user_id=user_id)
        return Response(
            s.BlockSerializer(block).data,
            status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED,
        )


@extend_schema(tags=["me"])
class MyBlockView(CoreViewMixin, APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Unblock someone",
        responses={
            204: OpenApiResponse(description="Unblocked."),
            404: OpenApiResponse(description="You were not blocking them."),
        },
    )
    def delete(self, request, user_id: int):
        if not room_services.person_unblock(user=request.user, user_id=user_id):
            return Response({"detail": "You were not blocking them."}, status=404)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _visible_group(request, slug: str) -> SupportGroup:
    group = core_selectors.groups_visible(user=request.user).filter(slug=slug).first()
    if group is None:
        raise NotFound
    return group


@extend_schema(tags=["reports"])
class GroupPersonReportsView(CoreViewMixin, APIView):
    """Report a person you have been in this group's rooms with: it reaches the coordinators."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Report a person (again while your report is open: the same report, 200)",
        request=s.PersonReportCreateSerializer,
        responses={201: s.PersonReportSerializer, 200: s.PersonReportSerializer},
    )
    def post(self, request, slug: str):
        group = _visible_group(request, slug)
        incoming = s.PersonReportCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        report, created = room_services.person_report_from_group(
            group=group,
            user=request.user,
            user_id=incoming.validated_data["user"],
            reason=incoming.validated_data["reason"],
            source=PersonReport.Source.API,
        )
        return Response(
            s.PersonReportSerializer(report).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


def _coordinator_only(request) -> None:
    if not core_access.is_coordinator(user=request.user):
        raise PermissionDenied("Only coordinators see reports about people.")


@extend_schema(tags=["reports"])
class PersonReportsView(CoreViewMixin, GenericAPIView, mixins.ListModelMixin):
    """Open reports about people, oldest first: coordinators only."""

    permission_classes = [IsAuthenticated]
    serializer_class = s.PersonReportStaffSerializer
    queryset = PersonReport.objects.none()  # for the schema

    def get_queryset(self):
        return room_selectors.person_reports_open()

    @extend_schema(summary="Open reports about people (coordinators)")
    def get(self, request):
        _coordinator_only(request)
        return self.list(request)


@extend_schema(tags=["reports"])
class PersonReportResolveView(CoreViewMixin, APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Resolve a report about a person, with an action (coordinators)",
        request=s.PersonReportResolveSerializer,
        responses={200: s.PersonReportStaffSerializer},
    )
    def post(self, request, report_id: int):
        _coordinator_only(request)
        report = PersonReport.objects.filter(pk=report_id).first()
        if report is None:
            raise NotFound
        incoming = s.PersonReportResolveSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        report = room_services.person_report_resolve(
            report=report,
            by=request.user,
            action=incoming.validated_data["action"],
            resolution=incoming.validated_data.get("resolution", ""),
        )
        return Response(s.PersonReportStaffSerializer(report).data)
