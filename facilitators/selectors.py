"""Reads about facilitators: their groups, rosters, dashboards. Nothing here decrypts a note:
note content is read only through facilitators.services (which checks access and audits)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Case, Count, Exists, OuterRef, Q, QuerySet, Subquery, Value, When
from django.utils import timezone
from django.utils.module_loading import import_string

from facilitators.access import can_see_profile_field
from facilitators.models import FacilitatorProfile, SafetyAlert, SessionNote
from sessions_app.models import (
    RSVP,
    AuditEntry,
    FacilitatorAssignment,
    Membership,
    Session,
    SupportGroup,
)
from sessions_app.selectors import rsvps_with_position, sessions_with_counts

# Where check-in moods come from once the rooms app records them: a callable taking a list of
# session ids and returning {session_id: {"start": float | None, "end": float | None,
# "count": int}} (mean 1-5 mood at the start and end check-ins). Missing module: no moods.
DEFAULT_MOOD_SELECTOR = "rooms.selectors.checkin_moods_by_session"

MoodSource = Callable[[list[int]], Mapping[int, Mapping]]


def facilitated_group_ids(*, user) -> set[int]:
    """Ids of the groups this user facilitates (empty for anonymous users)."""
    if not user.is_authenticated:
        return set()
    return set(FacilitatorAssignment.objects.filter(user=user).values_list("group_id", flat=True))


def group_facilitators(*, group) -> QuerySet[FacilitatorAssignment]:
    """A group's facilitator assignments, lead first."""
    lead_first = Case(When(role=FacilitatorAssignment.Role.LEAD, then=Value(0)), default=Value(1))
    return (
        FacilitatorAssignment.objects.filter(group=group)
        .select_related("user")
        .order_by(lead_first, "created_at")
    )


def group_facilitators_shown(*, group: SupportGroup, viewer) -> list[dict]:
    """Who runs `group`, as `viewer` may see them: each facilitator's display name and role,
    and their bio and trainings only where they chose to show them to this viewer (and wrote
    something). What is hidden is left out of the dict, so no page or payload can leak it."""
    shown = []
    assignments = group_facilitators(group=group).select_related("user__facilitator_profile")
    for assignment in assignments:
        person: dict = {
            "display_name": assignment.user.public_name,
            "role": assignment.role,
        }
        profile = getattr(assignment.user, "facilitator_profile", None)
        if profile is not None:
            for field in ("bio", "trainings"):
                value = getattr(profile, field)
                visibility = getattr(profile, f"{field}_visibility")
                if value and can_see_profile_field(
                    viewer=viewer, group=group, visibility=visibility
                ):
                    person[field] = value
        shown.append(person)
    return shown


def facilitator_profile_for(*, user) -> FacilitatorProfile:
    """`user`'s facilitator profile, unsaved and empty if they have none yet."""
    return FacilitatorProfile.objects.filter(user=user).first() or FacilitatorProfile(user=user)


def groups_facilitated(*, user) -> QuerySet[SupportGroup]:
    """The groups this user runs (lead or co), whose pages show their profile."""
    return SupportGroup.objects.filter(facilitator_assignments__user=user).order_by("name")


def groups_managed(*, user) -> QuerySet[SupportGroup]:
    """The groups on this user's dashboard: all for coordinators, their own for facilitators."""
    if not user.is_authenticated:
        return SupportGroup.objects.none()
    if user.is_staff:
        return SupportGroup.objects.all()
    return SupportGroup.objects.filter(facilitator_assignments__user=user).distinct()


# --- rosters and attendance ---------------------------------------------------------------------


def _attended_before() -> Exists:
    """True where the RSVP's person attended an earlier session of the same group."""
    return Exists(
        RSVP.objects.filter(
            user_id=OuterRef("user_id"),
            session__group_id=OuterRef("session__group_id"),
            session__start__lt=OuterRef("session__start"),
            attendance=RSVP.Attendance.ATTENDED,
        )
    )


def session_attendance_roster(*, session: Session) -> QuerySet[RSVP]:
    """A session's RSVPs (not cancelled) with `position`, `attended_before` and the user's
    display name in the group (`member_name`); going first, then the waitlist in order."""
    member_name = Membership.objects.filter(
        group_id=OuterRef("session__group_id"), user_id=OuterRef("user_id")
    ).values("display_name")[:1]
    rsvps = RSVP.objects.filter(session=session).exclude(status=RSVP.Status.CANCELLED)
    return (
        rsvps_with_position(rsvps)
        .annotate(attended_before=_attended_before(), member_name=Subquery(member_name))
        .select_related("user")
        .order_by("status", "waitlist_order", "created_at", "pk")
    )


# --- notes (metadata only) ----------------------------------------------------------------------


def note_exists(*, session: Session) -> bool:
    """Whether the session's note has been written (its first save needs no revision)."""
    return SessionNote.objects.filter(session=session).exists()


def note_previous(*, session: Session) -> SessionNote | None:
    """The note of the latest earlier session of the same group that has one (hand-over)."""
    return (
        SessionNote.objects.filter(
            session__group_id=session.group_id, session__start__lt=session.start
        )
        .select_related("session")
        .order_by("-session__start", "-pk")
        .first()
    )


def notes_recent(*, user, limit: int = 10) -> QuerySet[SessionNote]:
    """The latest notes of this user's groups, newest first (metadata; content stays sealed)."""
    return (
        SessionNote.objects.filter(session__group__in=groups_managed(user=user))
        .select_related("session", "session__group")
        .defer("content")
        .order_by("-updated_at", "-pk")[:limit]
    )


def notes_handover(*, user, now: datetime | None = None) -> list[SessionNote]:
    """Per group of this user, the latest note of a session already started, if it has open
    follow-ups: what whoever facilitates next should pick up."""
    now = now or timezone.now()
    latest = (
        SessionNote.objects.filter(
            session__group_id=OuterRef("session__group_id"), session__start__lte=now
        )
        .order_by("-session__start", "-pk")
        .values("pk")[:1]
    )
    return list(
        SessionNote.objects.filter(
            session__group__in=groups_managed(user=user),
            session__start__lte=now,
            open_follow_ups__gt=0,
            pk=Subquery(latest),
        )
        .select_related("session", "session__group")
        .order_by("session__group__name", "pk")
    )


def safety_alerts_open() -> QuerySet[SafetyAlert]:
    """Safety concerns no coordinator has acknowledged yet, newest first."""
    return SafetyAlert.objects.filter(acknowledged_at__isnull=True).select_related(
        "session", "session__group"
    )


def audit_entries_for(*, object_type: str, object_id) -> QuerySet[AuditEntry]:
    """The audit trail of one object, newest first."""
    return AuditEntry.objects.filter(object_type=object_type, object_id=str(object_id))


# --- dashboard ----------------------------------------------------------------------------------


def dashboard_upcoming_sessions(
    *, user, now: datetime | None = None, limit: int = 20
) -> QuerySet[Session]:
    """Upcoming sessions of this user's groups with going_count and waitlist_count."""
    sessions = Session.objects.upcoming(now).filter(group__in=groups_managed(user=user))
    return sessions_with_counts(sessions)[:limit]


def dashboard_pending_members(*, user) -> QuerySet[Membership]:
    """Members waiting for approval in this user's groups, oldest request first."""
    return (
        Membership.objects.filter(
            group__in=groups_managed(user=user), status=Membership.Status.PENDING
        )
        .select_related("group", "user")
        .order_by("created_at", "pk")
    )


def dashboard_first_timers(*, user, now: datetime | None = None, days: int = 14) -> QuerySet[RSVP]:
    """Going RSVPs to this user's sessions in the next `days` from people who have never
    attended that group before, soonest session first: each person once per group, at
    their soonest session (someone going to five daily sessions is one first-timer)."""
    now = now or timezone.now()
    coming = RSVP.objects.filter(
        session__group__in=groups_managed(user=user),
        session__status=Session.Status.SCHEDULED,
        session__end__gt=now,
        session__start__lt=now + timedelta(days=days),
        status=RSVP.Status.GOING,
    )
    soonest = coming.filter(
        user_id=OuterRef("user_id"), session__group_id=OuterRef("session__group_id")
    ).order_by("session__start", "pk")
    return (
        coming.annotate(attended_before=_attended_before())
        .filter(attended_before=False, pk=Subquery(soonest.values("pk")[:1]))
        .select_related("user", "session", "session__group")
        .order_by("session__start", "pk")
    )


def _mood_source() -> MoodSource | None:
    path = getattr(settings, "CHECKIN_MOOD_SELECTOR", DEFAULT_MOOD_SELECTOR)
    if not path:
        return None
    try:
        return import_string(path)
    except ImportError:
        return None


def group_attendance_series(
    *,
    group: SupportGroup,
    weeks: int = 12,
    now: datetime | None = None,
    moods: MoodSource | None = None,
) -> list[dict]:
    """Per session of the group that started in the last `weeks` weeks (oldest first):
    going, attended and no-show counts, and the mean check-in mood at start and end when the
    rooms app provides it (`moods`, else the CHECKIN_MOOD_SELECTOR callable; None otherwise)."""
    now = now or timezone.now()
    sessions = list(
        Session.objects.filter(
            group=group,
            status=Session.Status.SCHEDULED,
            start__gte=now - timedelta(weeks=weeks),
            start__lte=now,
        )
        .annotate(
            going=Count("rsvps", filter=Q(rsvps__status=RSVP.Status.GOING)),
            attended=Count("rsvps", filter=Q(rsvps__attendance=RSVP.Attendance.ATTENDED)),
            no_show=Count("rsvps", filter=Q(rsvps__attendance=RSVP.Attendance.NO_SHOW)),
        )
        .order_by("start", "pk")
    )
    source = moods if moods is not None else _mood_source()
    mood_data = source([s.pk for s in sessions]) if source and sessions else {}
    series = []
    for session in sessions:
        mood = mood_data.get(session.pk) or {}
        series.append(
            {
                "session_id": session.pk,
                "start": session.start,
                "going": session.going,
                "attended": session.attended,
                "no_show": session.no_show,
                "mood_start": mood.get("start"),
                "mood_end": mood.get("end"),
            }
        )
    return series


def audit_entries_recent() -> QuerySet[AuditEntry]:
    """The whole audit log, newest first (coordinators page through it)."""
    return AuditEntry.objects.order_by("-created_at", "-pk")
