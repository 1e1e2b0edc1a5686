"""Matrix cases of the core API (auth, groups, schedules, members, sessions, RSVP, me), the
calendar feeds, /healthz, the schema and docs and the home page.

Expected bodies are written out field by field here, independently of the serializers, so a
field that appears, disappears or leaks shows up as a failure.
"""

from __future__ import annotations

from datetime import UTC, time

from django.conf import settings
from django.utils import timezone
from rest_framework.authtoken.models import Token

from facilitators import services as facilitators_services
from sessions_app import selectors
from sessions_app.models import RSVP, Membership, Schedule, Session, SupportGroup
from tests.api.matrix import (
    Case,
    expect_all,
    expect_managers,
    expect_signed_in,
    expect_staff,
)
from tests.api.matrix.world import PASSWORD, World, _local


def drf_datetime(value):
    """How DRF renders a stored instant (UTC, with Z)."""
    return None if value is None else value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def page(results: list) -> dict:
    return {"count": len(results), "next": None, "previous": None, "results": results}


def venue_json(venue):
    if venue is None:
        return None
    return {
        "name": venue.name,
        "address": venue.address,
        "city": venue.city,
        "accessibility_notes": venue.accessibility_notes,
    }


INSIDERS = {
    "evening-grief": {"attendee", "facilitator", "staff"},
    "caregivers": {"other_member", "other_facilitator", "staff"},
}


def group_json(group: SupportGroup, role: str) -> dict:
    group.refresh_from_db()
    insider = role in INSIDERS.get(group.slug, {"staff"})
    return {
        "slug": group.slug,
        "name": group.name,
        "description": group.description,
        "guidelines": group.guidelines,
        "guidelines_version": group.guidelines_version,
        "guidelines_every_session": group.guidelines_every_session,
        "topic": group.topic,
        "language": group.language,
        "format": group.format,
        "timezone": group.timezone,
        "capacity": group.capacity,
        "join_policy": group.join_policy,
        "is_public": group.is_public,
        "lobby_enabled": group.lobby_enabled,
        "voice_only": group.voice_only,
        "talking_piece": group.talking_piece,
        "absence_check_ins": group.absence_check_ins,
        "venue": venue_json(group.venue),
        "video_url": group.video_url if insider else "",
        "reminder_offsets_minutes": group.reminder_offsets_minutes,
    }


def _with_facilitator_profile(w: World) -> dict:
    """The group's facilitator shows their bio to members and their trainings to everyone."""
    facilitators_services.facilitator_profile_update(
        user=w.users["facilitator"],
        bio="I lost my father in 2019.",
        bio_visibility="members",
        trainings=["Grief Recovery Method"],
        trainings_visibility="everyone",
    )
    return {"slug": w.group.slug}


def facilitators_json(w: World) -> list[dict]:
    """Who runs `w.group` as `w.role` sees them: the bio only for its members and team."""
    person = {
        "display_name": w.users["facilitator"].public_name,
        "role": "lead",
        "trainings": ["Grief Recovery Method"],
    }
    if w.role in {"attendee", "facilitator", "staff"}:
        person["bio"] = "I lost my father in 2019."
    return [person]


def session_json(session: Session) -> dict:
    session.refresh_from_db()
    group = session.group
    rsvps = RSVP.objects.filter(session=session)
    return {
        "id": session.pk,
        "group": group.slug,
        "group_name": group.name,
        "start": session.start.astimezone(group.tz).isoformat(),
        "end": session.end.astimezone(group.tz).isoformat(),
        "timezone": group.timezone,
        "status": session.status,
        "cancel_reason": session.cancel_reason,
        "format": group.format,
        "capacity": session.capacity or group.capacity,
        "going_count": rsvps.filter(status="going").count(),
        "waitlist_count": rsvps.filter(status="waitlisted").count(),
        "venue": venue_json(group.venue),
        "room_open": session.room_open,
    }


def member_json(membership: Membership) -> dict:
    membership.refresh_from_db()
    return {
        "username": membership.user.username,
        "display_name": membership.display_name,
        "status": membership.status,
        "created_at": drf_datetime(membership.created_at),
        "decided_at": drf_datetime(membership.decided_at),
        "reached_by": selectors.notification_reach(users=[membership.user])[membership.user_id],
    }


def schedule_json(schedule: Schedule, recurrence: dict | None) -> dict:
    return {
        "id": schedule.pk,
        "group": schedule.group.slug,
        "start": f"{schedule.first_date}T{schedule.start_time}",
        "timezone": schedule.group.timezone,
        "duration_minutes": schedule.duration_minutes,
        "recurrence": recurrence,
        "ended_at": drf_datetime(schedule.ended_at),
        "session_count": Session.objects.filter(schedule=schedule).count(),
        "created_at": drf_datetime(schedule.created_at),
    }


WEEKLY_4 = {
    "frequency": "weekly",
    "interval": 1,
    "byweekday": [],
    "bysetpos": None,
    "until": None,
    "count": 4,
}
NEW_SERIES = {
    "frequency": "weekly",
    "interval": 2,
    "byweekday": ["WE"],
    "bysetpos": None,
    "until": None,
    "count": 3,
}


def _new_schedule_body(w: World) -> dict:
    schedule = Schedule.objects.exclude(pk=w.schedule.pk).get(group=w.group)
    sessions = Session.objects.filter(schedule=schedule).order_by("start")
    assert sessions.count() == 3
    return {
        **schedule_json(schedule, NEW_SERIES),
        "sessions": [session_json(s) for s in sessions],
    }


def _sessions_list(w: World) -> dict:
    upcoming = Session.objects.filter(end__gt=timezone.now()).order_by("start", "pk")
    return page([session_json(s) for s in upcoming])


def _my_rsvps(w: World) -> dict:
    if w.role != "attendee":
        return page([])
    rsvp = RSVP.objects.get(user=w.user)
    return page(
        [
            {
                "session": session_json(w.session),
                "status": "going",
                "position": None,
                "source": "web",
                "created_at": drf_datetime(rsvp.created_at),
            }
        ]
    )


def _calendar_token(w: World) -> dict:
    user = w.user
    user.refresh_from_db()
    return {
        "token": user.calendar_token,
        "url": f"{settings.PUBLIC_BASE_URL}/me/calendar.ics?token={user.calendar_token}",
    }


def _moved(w: World) -> dict:
    return {
        "start": _local(w.group, 20, time(18, 0)).isoformat(),
        "end": _local(w.group, 20, time(19, 30)).isoformat(),
    }


def _join_expect() -> dict[str, int]:
    return {**expect_signed_in(201), "attendee": 200}


CASES = [
    # --- auth ---
    Case(
        "auth-register",
        "POST",
        expect_all(201),
        data=lambda w: {
            "username": f"new-{w.role}",
            "password": PASSWORD,
            "display_name": "Rowan",
            "timezone": "America/Chicago",
        },
        body=lambda w: {
            "username": f"new-{w.role}",
            "display_name": "Rowan",
            "email": "",
            "timezone": "America/Chicago",
        },
    ),
    Case(
        "auth-token",
        "POST",
        expect_all(200),
        data=lambda w: {"username": "attendee", "password": PASSWORD},
        body=lambda w: {"token": Token.objects.get(user=w.users["attendee"]).key},
    ),
    # --- groups ---
    Case(
        "group-list",
        "GET",
        expect_all(200),
        body=lambda w: page(
            [group_json(w.other_group, w.role), group_json(w.group, w.role)]  # by name
        ),
    ),
    Case(
        "group-list",
        "POST",
        expect_staff(201),
        data=lambda w: {
            "name": "New circle",
            "topic": "anxiety",
            "timezone": "Europe/Berlin",
            "format": "hybrid",
            "capacity": 8,
            "join_policy": "approval",
            "venue": {"name": "Town hall", "address": "1 Main St"},
        },
        body=lambda w: group_json(SupportGroup.objects.get(slug="new-circle"), w.role),
    ),
    Case(
        "group-detail",
        "GET",
        expect_all(200),
        kwargs=lambda w: _with_facilitator_profile(w),
        body=lambda w: {**group_json(w.group, w.role), "facilitators": facilitators_json(w)},
    ),
    Case(
        "group-detail",
        "PATCH",
        expect_managers(200),
        data=lambda w: {"description": "We meet to remember.", "capacity": 12},
        body=lambda w: {
            **group_json(w.group, w.role),
            "description": "We meet to remember.",
            "capacity": 12,
        },
    ),
    Case(
        "group-join",
        "POST",
        _join_expect(),
        data=lambda w: {"display_name": "" if w.role == "attendee" else "Pseudonym"},
        body=lambda w: {
            "status": "approved",
            "display_name": "Willow" if w.role == "attendee" else "Pseudonym",
        },
    ),
    Case(
        "group-leave",
        "POST",
        # Not a member: nothing to do, 200 all the same (a retry is harmless). Whoever runs
        # the group cannot leave it this way.
        {**expect_signed_in(200), "facilitator": 409},
        body=lambda w: {
            "status": "left",
            "rsvps_cancelled": 1 if w.role == "attendee" else 0,
        },
    ),
    Case(
        "group-members",
        "GET",
        expect_managers(200),
        body=lambda w: page([member_json(Membership.objects.get(user=w.users["attendee"]))]),
    ),
    Case(
        "group-member-approve",
        "POST",
        expect_managers(200),
        body=lambda w: member_json(Membership.objects.get(user=w.users["attendee"])),
    ),
    Case(
        "group-member-ban",
        "POST",
        expect_managers(200),
        body=lambda w: {
            **member_json(Membership.objects.get(user=w.users["attendee"])),
            "status": "banned",
        },
    ),
    # --- schedules ---
    Case(
        "group-schedules",
        "GET",
        expect_managers(200),
        body=lambda w: page([schedule_json(w.schedule, WEEKLY_4)]),
    ),
    Case(
        "group-schedules",
        "POST",
        expect_managers(201),
        data=lambda w: {
            "start": _local(w.group, 10, time(18, 30)).isoformat(),
            "duration_minutes": 60,
            "recurrence": {"frequency": "weekly", "interval": 2, "byweekday": ["WE"], "count": 3},
        },
        body=_new_schedule_body,
    ),
    Case("group-schedule-detail", "DELETE", expect_managers(204)),
    # --- sessions ---
    Case("session-list", "GET", expect_all(200), body=_sessions_list),
    Case("session-detail", "GET", expect_all(200), body=lambda w: session_json(w.session)),
    Case(
        "session-cancel",
        "POST",
        expect_managers(200),
        data=lambda w: {"reason": "Snow day"},
        body=lambda w: {
            **session_json(w.session),
            "status": "cancelled",
            "cancel_reason": "Snow day",
        },
    ),
    Case(
        "session-move",
        "POST",
        expect_managers(200),
        data=_moved,
        body=lambda w: {
            **session_json(w.session),
            "start": _local(w.group, 20, time(18, 0)).replace(tzinfo=w.group.tz).isoformat(),
            "end": _local(w.group, 20, time(19, 30)).replace(tzinfo=w.group.tz).isoformat(),
        },
    ),
    Case(
        "session-rsvp",
        "POST",
        {**expect_managers(403), "attendee": 200, "facilitator": 403, "staff": 403},
        body=lambda w: {"status": "going", "position": None},
    ),
    Case(
        "session-rsvp",
        "DELETE",
        expect_signed_in(200),
        body=lambda w: {"status": "cancelled", "position": None},
    ),
    # --- rooms (the session is days away: opening is too early, a ticket has no open room) ---
    Case("session-room-open", "POST", expect_managers(409)),
    Case(
        "session-room-close",
        "POST",
        expect_managers(200),
        body=lambda w: session_json(w.session),
    ),
    Case("session-room-ticket", "POST", {**expect_managers(409), "attendee": 409}),
    # --- me ---
    Case("me-rsvps", "GET", expect_signed_in(200), body=_my_rsvps),
    Case("me-calendar-token", "POST", expect_signed_in(200), body=_calendar_token),
    # --- other HTTP ---
    Case("group-calendar", "GET", expect_all(200)),
    Case("me-calendar", "GET", expect_all(404)),  # no token: see tests/api/test_calendar.py
    Case(
        "healthz",
        "GET",
        expect_all(200),
        body=lambda w: {"database": "ok", "channel_layer": "ok"},
    ),
    Case("schema", "GET", expect_all(200)),
    Case("api-docs", "GET", expect_all(200)),
    Case("frontend:home", "GET", expect_all(200)),
]
