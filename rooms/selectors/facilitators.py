"""Reads for facilitators and coordinators: check-ins, moods and reports, by the room's names."""

from __future__ import annotations

from django.db.models import Avg, OuterRef, QuerySet, Subquery

from rooms.models import (
    CheckIn,
    RoomMessage,
    RoomParticipant,
    RoomReport,
)
from sessions_app.models import Session, SupportGroup


def checkin_moods_by_session(session_ids: list[int]) -> dict[int, dict]:
    """Mean check-in mood at the start and the end of each session: {id: {"start", "end"}}."""
    rows = (
        CheckIn.objects.filter(session_id__in=session_ids)
        .values("session_id", "phase")
        .annotate(mean=Avg("mood"))
    )
    moods: dict[int, dict] = {}
    for row in rows:
        moods.setdefault(row["session_id"], {})[row["phase"]] = round(row["mean"], 2)
    return moods


def checkins_for_session(*, session_id: int) -> QuerySet[CheckIn]:
    """Check-ins of a session with the display names facilitators see."""
    return CheckIn.objects.filter(session_id=session_id).order_by("created_at")


def reports_open() -> QuerySet:
    """Room message reports nobody has resolved yet, oldest first."""
    return (
        RoomReport.objects.filter(resolved_at__isnull=True)
        .select_related("message", "message__session__group")
        .order_by("created_at")
    )


def _room_name(*, session_field: str, user_field: str) -> Subquery:
    """The display name the room showed for the user in `user_field` in the session in
    `session_field` (None if they never joined it)."""
    return Subquery(
        RoomParticipant.objects.filter(
            session_id=OuterRef(session_field), user_id=OuterRef(user_field)
        ).values("display_name")[:1]
    )


def room_reports_open(*, group: SupportGroup | None = None) -> QuerySet:
    """Unresolved room-message reports, oldest first (all groups, or one), with the reporter's
    name as the room showed it in `reporter_name`. One query."""
    reports = (
        reports_open()
        .select_related("reporter")
        .annotate(
            reporter_name=_room_name(session_field="message__session_id", user_field="reporter_id")
        )
    )
    if group is not None:
        reports = reports.filter(message__session__group=group)
    return reports


def session_room_summary(*, session: Session) -> dict:
    """What a session's room left for its facilitators: each attendee's start and end mood (by
    the display name the room showed, sorted by it) and how many messages were reported."""
    rows: dict[int, dict] = {}
    checkins = checkins_for_session(session_id=session.pk).annotate(
        name=_room_name(session_field="session_id", user_field="user_id")
    )
    for checkin in checkins:
        row = rows.setdefault(
            checkin.user_id, {"name": checkin.name or "—", "start": None, "end": None}
        )
        row[checkin.phase] = checkin.mood
    reported = RoomMessage.objects.filter(session=session, reports__isnull=False).distinct().count()
    return {
        "moods": sorted(rows.values(), key=lambda r: r["name"].casefold()),
        "reported": reported,
    }
