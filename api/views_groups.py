"""Groups: the directory, one group, joining, members and schedules. Thin: authenticate,
pick the group (sessions_app.access), ask the one access decision, call a service or selector,
shape the answer with a serializer."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from api import serializers as s
from api.filters import GroupFilter
from api.serializers_schedules import (
    ScheduleCreatedSerializer,
    ScheduleCreateSerializer,
    ScheduleSerializer,
)
from api.views_base import CoreViewMixin
from sessions_app import access, selectors, services
from sessions_app.models import GroupInvite, Membership, Schedule, Session, SupportGroup


@extend_schema_view(
    list=extend_schema(summary="Groups you may see", responses=s.GroupSerializer(many=True)),
    retrieve=extend_schema(
        summary="One group, with who runs it",
        responses=s.GroupDetailSerializer,
        description="`facilitators`: each one's display name and role, and their `bio` and "
        "`trainings` only where that facilitator chose to show them to you.",
    ),
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
    json_only_actions = frozenset({"create", "partial_update", "schedules"})

    def get_queryset(self):
        return selectors.groups_visible(user=self.request.user).order_by("name", "pk")

    def get_serializer_context(self):
        return {
            **super().get_serializer_context(),
            "insiders": access.video_link_group_ids(user=self.request.user),
        }

    def get_group(self) -> SupportGroup:
        return access.access_group(user=self.request.user, slug=self.kwargs["slug"])

    def list(self, request):
        groups = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(groups)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, slug=None):
        group = self.get_group()
        return Response(s.GroupDetailSerializer(group, context=self.get_serializer_context()).data)

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
        summary="Leave a group",
        request=None,
        responses={200: s.LeaveResultSerializer},
        description="Ends your membership (or withdraws your request to join) and cancels "
        "your places at its sessions not yet over; each freed seat goes to the first person "
        "waiting, as any cancellation does. Answers 200 also when you were not a member, so a "
        "retry is harmless. 409 `is_facilitator` for someone who runs the group; 403 `banned` "
        "(leaving would lift the ban).",
    )
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def leave(self, request, slug=None):
        group = self.get_group()
        cancelled = services.membership_leave(group=group, user=request.user)
        return Response(
            s.LeaveResultSerializer({"status": "left", "rsvps_cancelled": cancelled}).data
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
        reach = selectors.notification_reach(users=[m.user for m in page])
        data = s.MemberSerializer(page, many=True, context={"reach": reach}).data
        return self.get_paginated_response(data)

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
        responses=ScheduleSerializer(many=True),
    )
    @extend_schema(
        methods=["POST"],
        summary="Create a schedule; its sessions are materialised at once",
        request=ScheduleCreateSerializer,
        responses={201: ScheduleCreatedSerializer},
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
            return self.get_paginated_response(ScheduleSerializer(page, many=True).data)
        data = ScheduleCreateSerializer(data=request.data)
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
            ScheduleCreatedSerializer(
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

    # --- invitation codes ---

    @extend_schema(
        methods=["GET"],
        summary="A group's invitation codes (its facilitators, coordinators)",
        description="Newest first, revoked, expired and used-up ones included (see `state`).",
        responses=s.InviteSerializer(many=True),
    )
    @extend_schema(
        methods=["POST"],
        summary="Make an invitation code for an invite-only group",
        description="Share its `url`: opening it leads through sign-in or sign-up to joining. "
        "409 `not_invite_only` for a group that people join without one. Audited.",
        request=s.InviteCreateSerializer,
        responses={201: s.InviteSerializer},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        permission_classes=[IsAuthenticated],
        filter_backends=[],
    )
    def invites(self, request, slug=None):
        group = self.get_group()
        self.deny_unless(access.can_manage_invites(user=request.user, group=group))
        if request.method == "GET":
            page = self.paginate_queryset(selectors.group_invites(group=group))
            return self.get_paginated_response(s.InviteSerializer(page, many=True).data)
        data = s.InviteCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        invite = services.invite_create(group=group, by=request.user, **data.validated_data)
        return Response(s.InviteSerializer(invite).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Revoke an invitation code: it admits nobody from now on",
        description="The code stays in the list with `state` `revoked`. Revoking it again "
        "changes nothing. Audited.",
        parameters=[OpenApiParameter("invite_id", int, OpenApiParameter.PATH)],
        responses={204: None},
    )
    @action(
        detail=True,
        methods=["delete"],
        url_path=r"invites/(?P<invite_id>[0-9]+)",
        url_name="invite-detail",
        permission_classes=[IsAuthenticated],
    )
    def invite_revoke(self, request, slug=None, invite_id=None):
        group = self.get_group()
        self.deny_unless(access.can_manage_invites(user=request.user, group=group))
        invite = get_object_or_404(GroupInvite, group=group, pk=invite_id)
        services.invite_revoke(invite=invite, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
