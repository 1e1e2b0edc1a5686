"""The facilitator workspace API: session notes, attendance, facilitator assignments and the
user's own data rights. Thin: each view checks one access function and calls one service."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from api.serializers_facilitators import (
    AccountDeleteSerializer,
    AccountExportSerializer,
    AttendanceMarkSerializer,
    AttendanceRowSerializer,
    FacilitatorAssignInputSerializer,
    FacilitatorAssignmentSerializer,
    FacilitatorProfileSerializer,
    NoteConflictSerializer,
    NoteInputSerializer,
    NoteRevisionSerializer,
    NoteSerializer,
)
from facilitators import access, selectors, services
from sessions_app import services as sessions_services
from sessions_app.access import access_managed_group, access_managed_session
from sessions_app.errors import NotAllowed
from sessions_app.models import FacilitatorAssignment, Session, User

FORBIDDEN = OpenApiResponse(description="Not one of this group's facilitators nor a coordinator.")
UNAUTHENTICATED = OpenApiResponse(description="No credentials.")
NOT_FOUND = OpenApiResponse(
    description="No such session or group, or one of a private group you may not see."
)


def _note_session(request, pk) -> Session:
    return access_managed_session(
        user=request.user,
        pk=pk,
        may=access.can_access_notes,
        refusal=NotAllowed(
            "Session notes are for this group's facilitators and coordinators.",
            code="notes_private",
        ),
    )


class SessionNoteView(APIView):
    """The shared, encrypted note of a session."""

    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser]  # nested lists: a form cannot carry them

    @extend_schema(
        operation_id="session_note_retrieve",
        responses={200: NoteSerializer, 401: UNAUTHENTICATED, 403: FORBIDDEN, 404: NOT_FOUND},
        description="The note, or (revision 0) a draft pre-filled from the group's template. "
        "Includes the open follow-ups of the group's previous note. Every read is audited.",
    )
    def get(self, request, pk):
        session = _note_session(request, pk)
        return Response(NoteSerializer(services.note_read(session=session, by=request.user)).data)

    @extend_schema(
        operation_id="session_note_update",
        request=NoteInputSerializer,
        responses={
            200: NoteSerializer,
            400: OpenApiResponse(description="Field errors."),
            401: UNAUTHENTICATED,
            403: FORBIDDEN,
            404: NOT_FOUND,
            409: NoteConflictSerializer,
        },
        description="Save the note. The first save creates it (`revision` 0, null or left "
        "out); after that, send back the `revision` you read (a 400 without it); if someone "
        "saved since, nothing is written and the 409 names the current revision.",
    )
    def put(self, request, pk):
        session = _note_session(request, pk)
        serializer = NoteInputSerializer(
            data=request.data, revision_required=selectors.note_exists(session=session)
        )
        serializer.is_valid(raise_exception=True)
        data = {"revision": services.NOT_SENT, **serializer.validated_data}
        try:
            note = services.note_save(session=session, by=request.user, **data)
        except services.NoteStale as exc:
            return Response(
                {"detail": exc.message, "code": exc.code, "revision": exc.current_revision},
                status=status.HTTP_409_CONFLICT,
            )
        payload = services.note_read(session=session, by=request.user, note=note, after_write=True)
        return Response(NoteSerializer(payload).data)


class SessionNoteRevisionsView(APIView):
    """Every saved revision of a session's note (who, when, what)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="session_note_revisions_list",
        responses={
            200: NoteRevisionSerializer(many=True),
            401: UNAUTHENTICATED,
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
    )
    def get(self, request, pk):
        session = _note_session(request, pk)
        revisions = services.note_revisions_read(session=session, by=request.user)
        return Response(NoteRevisionSerializer(revisions, many=True).data)


class SessionAttendanceView(APIView):
    """The roster of a session with attendance, first-timers and online presence."""

    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser]  # nested lists: a form cannot carry them

    def _session(self, request, pk) -> Session:
        return access_managed_session(
            user=request.user,
            pk=pk,
            may=access.can_take_attendance,
            refusal=NotAllowed(
                "Attendance is for this group's facilitators and coordinators.",
                code="not_facilitator",
            ),
        )

    def _roster(self, session):
        rows = selectors.session_attendance_roster(session=session)
        return Response(AttendanceRowSerializer(rows, many=True).data)

    @extend_schema(
        operation_id="session_attendance_list",
        responses={
            200: AttendanceRowSerializer(many=True),
            401: UNAUTHENTICATED,
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
    )
    def get(self, request, pk):
        return self._roster(self._session(request, pk))

    @extend_schema(
        operation_id="session_attendance_update",
        request=AttendanceMarkSerializer(many=True),
        responses={
            200: AttendanceRowSerializer(many=True),
            400: OpenApiResponse(description="Field errors, keyed by list index."),
            401: UNAUTHENTICATED,
            403: FORBIDDEN,
            404: NOT_FOUND,
            409: OpenApiResponse(description="The session was cancelled."),
        },
        description="Mark attended / no_show; returns the whole roster.",
    )
    def put(self, request, pk):
        session = self._session(request, pk)
        sessions_services.attendance_set(session=session, marks=request.data, by=request.user)
        return self._roster(session)


class GroupFacilitatorsView(APIView):
    """Coordinators make someone a lead or co-facilitator of a group."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="group_facilitators_create",
        request=FacilitatorAssignInputSerializer,
        responses={
            201: FacilitatorAssignmentSerializer,
            200: FacilitatorAssignmentSerializer,
            400: OpenApiResponse(description="Field errors."),
            401: UNAUTHENTICATED,
            403: OpenApiResponse(description="Coordinators only."),
            404: NOT_FOUND,
        },
        description="201 when the person becomes a facilitator, 200 when they already were "
        "(their role is set to the one sent).",
    )
    def post(self, request, slug):
        group = access_managed_group(
            user=request.user,
            slug=slug,
            may=access.can_assign_facilitators,
            refusal=NotAllowed("Only coordinators assign facilitators.", code="not_coordinator"),
        )
        serializer = FacilitatorAssignInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = User.objects.filter(username=serializer.validated_data["username"]).first()
        if user is None:
            return Response(
                {"username": ["No user with that username."]}, status=status.HTTP_400_BAD_REQUEST
            )
        existed = FacilitatorAssignment.objects.filter(group=group, user=user).exists()
        assignment = sessions_services.facilitator_assign(
            group=group, user=user, role=serializer.validated_data["role"], by=request.user
        )
        return Response(
            FacilitatorAssignmentSerializer(assignment).data,
            status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED,
        )


class MeFacilitatorProfileView(APIView):
    """Your facilitator profile: bio, trainings and who sees each on your groups' pages."""

    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser]  # a list (trainings): a form cannot carry it

    def _check(self, request) -> None:
        if not access.can_edit_facilitator_profile(user=request.user):
            raise NotAllowed(
                "Facilitator profiles are for people who run a group.", code="not_facilitator"
            )

    @extend_schema(
        operation_id="me_facilitator_profile_retrieve",
        responses={
            200: FacilitatorProfileSerializer,
            401: UNAUTHENTICATED,
            403: OpenApiResponse(description="You run no group."),
        },
    )
    def get(self, request):
        self._check(request)
        profile = selectors.facilitator_profile_for(user=request.user)
        return Response(FacilitatorProfileSerializer(profile).data)

    @extend_schema(
        operation_id="me_facilitator_profile_update",
        request=FacilitatorProfileSerializer,
        responses={
            200: FacilitatorProfileSerializer,
            400: OpenApiResponse(description="Field errors."),
            401: UNAUTHENTICATED,
            403: OpenApiResponse(description="You run no group."),
        },
        description="Change any of the fields. Bio and trainings are shown to nobody outside "
        "your groups' team until you choose `everyone` or `members` for them.",
    )
    def patch(self, request):
        self._check(request)
        serializer = FacilitatorProfileSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        profile = services.facilitator_profile_update(
            user=request.user, **serializer.validated_data
        )
        return Response(FacilitatorProfileSerializer(profile).data)


class MeExportView(APIView):
    """Everything Hearth holds that is yours, as JSON (never notes, never other people)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="me_export", responses={200: AccountExportSerializer, 401: UNAUTHENTICATED}
    )
    def get(self, request):
        data = services.account_export(user=request.user)
        response = Response(data)
        response["Content-Disposition"] = 'attachment; filename="hearth-export.json"'
        response["Cache-Control"] = "no-store"
        return response


class MeDeleteView(APIView):
    """Delete your account (your password again, to be sure it is you)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="me_delete",
        request=AccountDeleteSerializer,
        responses={
            204: OpenApiResponse(description="Deleted."),
            400: OpenApiResponse(description="Wrong or missing password."),
            401: UNAUTHENTICATED,
        },
    )
    def post(self, request):
        serializer = AccountDeleteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.account_delete(user=request.user, password=serializer.validated_data["password"])
        return Response(status=status.HTTP_204_NO_CONTENT)
