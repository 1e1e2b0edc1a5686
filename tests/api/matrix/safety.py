"""Matrix cases of blocking people (API and the account page's unblock)."""

from __future__ import annotations

from django.utils import timezone

from rooms.models import PersonBlock, PersonReport, RoomParticipant
from tests.api.matrix import Case, expect_signed_in, expect_staff
from tests.api.matrix.core import drf_datetime, page
from tests.api.matrix.facilitator_pages import staff_pages
from tests.api.matrix.frontend_attendee import signed_in
from tests.api.matrix.world import World
from tests.factories import UserFactory


def _rowan(w: World):
    """Someone who was in the session's room with whoever runs the case."""
    if "rowan" not in w.extra:
        rowan = w.extra["rowan"] = UserFactory(username="rowan")
        now = timezone.now()
        for user, name in ((rowan, "Rowan"), (w.user, "Me")):
            if user is not None:
                RoomParticipant.objects.create(
                    session=w.session,
                    user=user,
                    role="attendee",
                    display_name=name,
                    admitted_at=now,
                )
    return w.extra["rowan"]


def _blocked(w: World):
    rowan = _rowan(w)
    if w.user is not None:
        PersonBlock.objects.get_or_create(
            blocker=w.user, blocked=rowan, defaults={"blocked_name": "Rowan"}
        )
    return rowan


def block_json(w: World) -> dict:
    block = PersonBlock.objects.get(blocker=w.user)
    return {
        "user": block.blocked_id,
        "display_name": "Rowan",
        "created_at": drf_datetime(block.created_at),
    }


def _report(w: World) -> PersonReport:
    if "report" not in w.extra:
        w.extra["report"] = PersonReport.objects.create(
            group=w.group,
            session=w.session,
            reported=_rowan(w),
            reported_name="Rowan",
            reporter=w.users["attendee"],
            reporter_name="Willow",
            reason="shouting",
            source="room",
            context=[{"seq": 1, "text": "loud", "sent_at": "2026-12-06T00:00:00Z"}],
        )
    return w.extra["report"]


def staff_report_json(report: PersonReport) -> dict:
    report.refresh_from_db()
    return {
        "id": report.pk,
        "group": report.group.slug,
        "session": report.session_id,
        "user": report.reported_id,
        "display_name": "Rowan",
        "reporter": report.reporter_id,
        "reporter_name": "Willow",
        "reason": "shouting",
        "source": "room",
        "context": [{"seq": 1, "text": "loud", "sent_at": "2026-12-06T00:00:00Z"}],
        "created_at": drf_datetime(report.created_at),
        "resolved_at": drf_datetime(report.resolved_at),
        "action": report.action,
        "resolution": report.resolution,
    }


def _reporter_json(w: World) -> dict:
    report = PersonReport.objects.get(reporter=w.user)
    return {
        "id": report.pk,
        "user": report.reported_id,
        "display_name": "Rowan",
        "reason": "too loud",
        "created_at": drf_datetime(report.created_at),
    }


# Members of the group (and its facilitators) who were in a room with the person report them.
REPORTERS = {
    "anonymous": 401,
    "attendee": 201,
    "other_member": 403,
    "other_facilitator": 403,
    "facilitator": 201,
    "staff": 403,
}

CASES = [
    Case(
        "group-person-reports",
        "POST",
        REPORTERS,
        data=lambda w: {"user": _rowan(w).pk, "reason": "too loud"},
        body=_reporter_json,
    ),
    Case(
        "person-reports",
        "GET",
        expect_staff(200),
        kwargs=lambda w: (_report(w), {})[1],
        body=lambda w: page([staff_report_json(w.extra["report"])]),
    ),
    Case(
        "person-report-resolve",
        "POST",
        expect_staff(200),
        kwargs=lambda w: {"report_id": _report(w).pk},
        data=lambda w: {"action": "none", "resolution": "talked"},
        body=lambda w: staff_report_json(w.extra["report"]),
    ),
    Case("frontend:group-report", "POST", signed_in(302), kwargs=lambda w: {"slug": w.group.slug}),
    Case(
        "frontend:fac-person-report-resolve",
        "POST",
        staff_pages(302),
        kwargs=lambda w: {"pk": _report(w).pk},
    ),
    Case(
        "me-blocks",
        "GET",
        expect_signed_in(200),
        kwargs=lambda w: (_blocked(w), {})[1],
        body=lambda w: page([block_json(w)]),
    ),
    Case(
        "me-blocks",
        "POST",
        expect_signed_in(201),
        data=lambda w: {"user": _rowan(w).pk},
        body=block_json,
    ),
    Case(
        "me-block",
        "DELETE",
        expect_signed_in(204),
        kwargs=lambda w: {"user_id": _blocked(w).pk},
    ),
    Case(
        "frontend:account-unblock",
        "POST",
        signed_in(302),
        kwargs=lambda w: {"user_id": _blocked(w).pk},
    ),
]
