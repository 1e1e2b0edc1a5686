"""The facilitator pages under /facilitate/ (HTML, session cookie) in the route matrix.

Pages send visitors to the login page (302) rather than answering 401; signed-in people
without the right get 403. An empty POST is a form error (200 or 400) or, for one-click
actions, a redirect. The pages' own tests are in tests/frontend/test_facilitator_pages.py."""

from __future__ import annotations

from facilitators import services as fac_services
from facilitators.models import SafetyAlert
from rooms.models import RoomMessage, RoomReport
from sessions_app.models import Membership
from tests.api.matrix import Case
from tests.api.matrix.world import World


def pages(code: int, *, other_facilitator: int = 403) -> dict[str, int]:
    """The group's facilitators and staff get `code`; visitors the login redirect."""
    return {
        "anonymous": 302,
        "attendee": 403,
        "other_member": 403,
        "other_facilitator": other_facilitator,
        "facilitator": code,
        "staff": code,
    }


def staff_pages(code: int) -> dict[str, int]:
    return {**pages(403), "staff": code}


def _slug(w: World) -> dict:
    return {"slug": w.group.slug}


def _schedule(w: World) -> dict:
    return {"slug": w.group.slug, "pk": w.schedule.pk}


def _session(w: World) -> dict:
    return {"pk": w.session.pk}


def _member(action: str):
    def kwargs(w: World) -> dict:
        membership = Membership.objects.get(group=w.group, user=w.users["attendee"])
        return {"slug": w.group.slug, "pk": membership.pk, "action": action}

    return kwargs


def _alert(w: World) -> dict:
    note = fac_services.note_save(
        session=w.session,
        by=w.users["facilitator"],
        summary="",
        body="",
        themes=[],
        follow_ups=[],
        safety_concern=True,
        revision=0,
    )
    return {"pk": SafetyAlert.objects.get(note=note).pk}


def _report(w: World) -> dict:
    message = RoomMessage.objects.create(
        session=w.session,
        seq=1,
        author=w.users["attendee"],
        author_name="Willow",
        author_role="attendee",
        text="A reported message",
        sent_at=w.session.start,
    )
    return {"pk": RoomReport.objects.create(message=message, reporter=None).pk}


CASES = [
    Case("frontend:fac-dashboard", "GET", pages(200, other_facilitator=200)),
    Case("frontend:fac-groups", "GET", pages(200, other_facilitator=200)),
    Case("frontend:fac-group-new", "GET", staff_pages(200)),
    Case("frontend:fac-group-new", "POST", staff_pages(200)),
    Case("frontend:fac-group", "GET", pages(200), kwargs=_slug),
    Case("frontend:fac-group-edit", "GET", pages(200), kwargs=_slug),
    Case("frontend:fac-group-edit", "POST", pages(200), kwargs=_slug),
    Case("frontend:fac-schedule-new", "GET", pages(200), kwargs=_slug),
    Case("frontend:fac-schedule-new", "POST", pages(200), kwargs=_slug),
    Case("frontend:fac-schedule-preview", "GET", pages(200), kwargs=_slug),
    Case("frontend:fac-schedule-edit", "GET", pages(200), kwargs=_schedule),
    Case("frontend:fac-schedule-edit", "POST", pages(200), kwargs=_schedule),
    Case("frontend:fac-schedule-end", "GET", pages(200), kwargs=_schedule),
    Case("frontend:fac-schedule-end", "POST", pages(302), kwargs=_schedule),
    Case("frontend:fac-members", "GET", pages(200), kwargs=_slug),
    Case("frontend:fac-member-decide", "GET", pages(200), kwargs=_member("ban")),
    Case("frontend:fac-member-decide", "POST", pages(302), kwargs=_member("approve")),
    Case("frontend:fac-facilitators", "GET", pages(200), kwargs=_slug),
    Case("frontend:fac-facilitators", "POST", staff_pages(200), kwargs=_slug),
    Case("frontend:fac-session", "GET", pages(200), kwargs=_session),
    Case("frontend:fac-session-cancel", "GET", pages(200), kwargs=_session),
    Case("frontend:fac-session-cancel", "POST", pages(302), kwargs=_session),
    Case("frontend:fac-session-move", "GET", pages(200), kwargs=_session),
    Case("frontend:fac-session-move", "POST", pages(200), kwargs=_session),
    Case("frontend:fac-attendance", "POST", pages(302), kwargs=_session),
    Case("frontend:fac-room", "POST", pages(302), kwargs=_session),
    Case("frontend:fac-note", "POST", pages(400), kwargs=_session),
    Case("frontend:fac-note-revisions", "GET", pages(200), kwargs=_session),
    Case("frontend:fac-safety", "GET", staff_pages(200)),
    Case("frontend:fac-safety-ack", "POST", staff_pages(302), kwargs=_alert),
    Case("frontend:fac-audit", "GET", staff_pages(200)),
    Case("frontend:fac-reports", "GET", staff_pages(200)),
    Case("frontend:fac-report-resolve", "POST", staff_pages(302), kwargs=_report),
    Case("frontend:fac-group-reports", "GET", pages(200), kwargs=_slug),
]
