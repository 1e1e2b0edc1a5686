"""Facilitator and coordinator pages under /facilitate/, through Django's test client.

A permission matrix over every page (GET) and every action (POST) for five roles, then the
forms: good input changes the database, bad input gives form errors (never a 500)."""

import html
from datetime import date, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from facilitators import services as fac_services
from facilitators.models import SafetyAlert, SessionNote
from sessions_app import services
from sessions_app.models import (
    RSVP,
    AuditEntry,
    FacilitatorAssignment,
    Membership,
    Schedule,
    Session,
    SupportGroup,
)
from sms.models import OutboundSms
from tests.factories import GroupFactory, UserFactory, facilitator, member, one_off_session

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


class World:
    def __init__(self):
        self.group = GroupFactory(name="Evening Circle", slug="evening-circle")
        self.other_group = GroupFactory(name="Other Circle", slug="other-circle")
        self.fac = facilitator(self.group, UserFactory(username="fac"))
        self.other_fac = facilitator(self.other_group, UserFactory(username="otherfac"))
        self.coordinator = UserFactory(username="coord", is_staff=True)
        self.attendee = member(self.group, UserFactory(username="att"), display_name="Robin")
        self.pending = member(
            self.group,
            UserFactory(username="newbie"),
            status=Membership.Status.PENDING,
            display_name="Newbie",
        )
        self.session = one_off_session(self.group, starts_in=timedelta(days=3))
        services.rsvp_create(session=self.session, user=self.attendee)
        self.schedule = self.session.schedule
        self.pending_membership = Membership.objects.get(group=self.group, user=self.pending)
        note = fac_services.note_save(
            session=self.session,
            by=self.fac,
            summary="s",
            body="b",
            themes=[],
            follow_ups=[],
            safety_concern=True,
            revision=0,
        )
        self.alert = SafetyAlert.objects.get(note=note)

    def user(self, role):
        return {
            "visitor": None,
            "attendee": self.attendee,
            "other_facilitator": self.other_fac,
            "facilitator": self.fac,
            "coordinator": self.coordinator,
        }[role]


@pytest.fixture
def world():
    return World()


def _client(client, world, role):
    user = world.user(role)
    if user is not None:
        client.force_login(user)
    return client


ROLES = ["visitor", "attendee", "other_facilitator", "facilitator", "coordinator"]

# page name -> (url builder, roles that get 200). Everyone else: login redirect or 403.
PAGES = {
    "fac-dashboard": (lambda w: reverse("frontend:fac-dashboard"), {"other_facilitator"}),
    "fac-groups": (lambda w: reverse("frontend:fac-groups"), {"other_facilitator"}),
    "fac-group-new": (lambda w: reverse("frontend:fac-group-new"), set()),
    "fac-group": (lambda w: reverse("frontend:fac-group", args=[w.group.slug]), None),
    "fac-group-edit": (lambda w: reverse("frontend:fac-group-edit", args=[w.group.slug]), None),
    "fac-schedule-new": (
        lambda w: reverse("frontend:fac-schedule-new", args=[w.group.slug]),
        None,
    ),
    "fac-schedule-preview": (
        lambda w: (
            reverse("frontend:fac-schedule-preview", args=[w.group.slug])
            + "?first_date=2030-01-07&start_time=19:00&duration_minutes=90&frequency=weekly"
            "&interval=1&ends=never"
        ),
        None,
    ),
    "fac-schedule-edit": (
        lambda w: reverse("frontend:fac-schedule-edit", args=[w.group.slug, w.schedule.pk]),
        None,
    ),
    "fac-schedule-end": (
        lambda w: reverse("frontend:fac-schedule-end", args=[w.group.slug, w.schedule.pk]),
        None,
    ),
    "fac-members": (lambda w: reverse("frontend:fac-members", args=[w.group.slug]), None),
    "fac-member-ban": (
        lambda w: reverse(
            "frontend:fac-member-decide", args=[w.group.slug, w.pending_membership.pk, "ban"]
        ),
        None,
    ),
    "fac-facilitators": (
        lambda w: reverse("frontend:fac-facilitators", args=[w.group.slug]),
        None,
    ),
    "fac-session": (lambda w: reverse("frontend:fac-session", args=[w.session.pk]), None),
    "fac-session-cancel": (
        lambda w: reverse("frontend:fac-session-cancel", args=[w.session.pk]),
        None,
    ),
    "fac-session-move": (
        lambda w: reverse("frontend:fac-session-move", args=[w.session.pk]),
        None,
    ),
    "fac-note-revisions": (
        lambda w: reverse("frontend:fac-note-revisions", args=[w.session.pk]),
        None,
    ),
    "fac-safety": (lambda w: reverse("frontend:fac-safety"), "coordinator-only"),
    "fac-audit": (lambda w: reverse("frontend:fac-audit"), "coordinator-only"),
}


def _expected(name, role):
    extra = PAGES[name][1]
    if role == "visitor":
        return 302
    if role == "coordinator":
        return 200
    if extra == "coordinator-only":
        return 403
    if role == "facilitator":
        return 403 if name == "fac-group-new" else 200
    if role == "other_facilitator" and extra and "other_facilitator" in extra:
        return 200
    return 403


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(PAGES))
def test_page_permission_matrix(client, world, name, role):
    url = PAGES[name][0](world)
    response = _client(client, world, role).get(url)
    expected = _expected(name, role)
    assert response.status_code == expected, (name, role, response.status_code)
    if expected == 302:
        assert response["Location"].startswith(LOGIN)
    if expected == 200 and name != "fac-schedule-preview":
        assert b'aria-label="Facilitator"' in response.content


# action name -> (url builder, POST data, check that nothing changed)
ACTIONS = {
    "approve": (
        lambda w: reverse(
            "frontend:fac-member-decide", args=[w.group.slug, w.pending_membership.pk, "approve"]
        ),
        {},
        lambda w: Membership.objects.get(pk=w.pending_membership.pk).status == "pending",
    ),
    "ban": (
        lambda w: reverse(
            "frontend:fac-member-decide", args=[w.group.slug, w.pending_membership.pk, "ban"]
        ),
        {},
        lambda w: Membership.objects.get(pk=w.pending_membership.pk).status == "pending",
    ),
    "attendance": (
        lambda w: reverse("frontend:fac-attendance", args=[w.session.pk]),
        {"username": "att", "status": "attended"},
        lambda w: RSVP.objects.get(session=w.session, user=w.attendee).attendance == "",
    ),
    "room": (
        lambda w: reverse("frontend:fac-room", args=[w.session.pk]),
        {"open": "0"},
        lambda w: True,
    ),
    "note": (
        lambda w: reverse("frontend:fac-note", args=[w.session.pk]),
        {"summary": "x", "body": "y", "themes": "", "revision": "1"},
        lambda w: SessionNote.objects.get(session=w.session).revision == 1,
    ),
    "cancel": (
        lambda w: reverse("frontend:fac-session-cancel", args=[w.session.pk]),
        {"reason": ""},
        lambda w: Session.objects.get(pk=w.session.pk).status == "scheduled",
    ),
    "end-series": (
        lambda w: reverse("frontend:fac-schedule-end", args=[w.group.slug, w.schedule.pk]),
        {},
        lambda w: Schedule.objects.get(pk=w.schedule.pk).ended_at is None,
    ),
    "group-edit": (
        lambda w: reverse("frontend:fac-group-edit", args=[w.group.slug]),
        {"name": "Hijacked"},
        lambda w: SupportGroup.objects.get(pk=w.group.pk).name == "Evening Circle",
    ),
    "assign": (
        lambda w: reverse("frontend:fac-facilitators", args=[w.group.slug]),
        {"username": "att", "role": "co"},
        lambda w: not FacilitatorAssignment.objects.filter(user=w.attendee).exists(),
    ),
    "safety-ack": (
        lambda w: reverse("frontend:fac-safety-ack", args=[w.alert.pk]),
        {},
        lambda w: SafetyAlert.objects.get(pk=w.alert.pk).acknowledged_at is None,
    ),
}


@pytest.mark.parametrize("role", ["visitor", "attendee", "other_facilitator"])
@pytest.mark.parametrize("name", sorted(ACTIONS))
def test_actions_refused_change_nothing(client, world, name, role):
    url, data, unchanged = ACTIONS[name]
    response = _client(client, world, role).post(url(world), data)
    assert response.status_code == (302 if role == "visitor" else 403)
    if role == "visitor":
        assert response["Location"].startswith(LOGIN)
    assert unchanged(world)


@pytest.mark.parametrize("name", ["assign", "safety-ack"])
def test_coordinator_only_actions_refused_to_the_groups_facilitator(client, world, name):
    url, data, unchanged = ACTIONS[name]
    client.force_login(world.fac)
    assert client.post(url(world), data).status_code == 403
    assert unchanged(world)


# --- dashboard ----------------------------------------------------------------------------------


def test_dashboard_shows_counts_pending_and_first_timers(client, world):
    client.force_login(world.fac)
    response = client.get(reverse("frontend:fac-dashboard"))
    html = response.content.decode()
    assert "Evening Circle" in html and "Other Circle" not in html
    assert "Newbie" in html  # pending approval
    first_timers = html.split('id="h-first"', 1)[1].split("</section>", 1)[0]
    assert world.attendee.display_name in first_timers  # never attended this group before
    session_url = reverse("frontend:fac-session", args=[world.session.pk])
    assert session_url in html
    row = html.split(session_url, 1)[1].split("</tr>", 1)[0]
    assert "1 of 10" in row  # one going of ten seats


def test_dashboard_charts_have_svg_and_table(client, world):
    past = Session.objects.create(
        group=world.group,
        event=world.session.event,
        original_start=timezone.now() - timedelta(days=7),
        start=timezone.now() - timedelta(days=7),
        end=timezone.now() - timedelta(days=7) + timedelta(hours=1),
    )
    RSVP.objects.create(session=past, user=world.attendee, status="going", attendance="attended")
    client.force_login(world.fac)
    html = client.get(reverse("frontend:fac-dashboard")).content.decode()
    assert '<svg xmlns="http://www.w3.org/2000/svg" role="img"' in html
    assert 'class="chart-data"' in html
    assert "Attendance per session: Evening Circle" in html


def test_dashboard_handover_lists_open_follow_ups(client, world):
    past = Session.objects.create(
        group=world.group,
        event=world.session.event,
        original_start=timezone.now() - timedelta(days=2),
        start=timezone.now() - timedelta(days=2),
        end=timezone.now() - timedelta(days=2) + timedelta(hours=1),
    )
    fac_services.note_save(
        session=past,
        by=world.fac,
        summary="",
        body="",
        themes=[],
        follow_ups=[{"text": "Call Robin about the ride", "done": False}],
        safety_concern=False,
        revision=0,
    )
    client.force_login(world.fac)
    html = client.get(reverse("frontend:fac-dashboard")).content.decode()
    assert "Call Robin about the ride" in html
    assert AuditEntry.objects.filter(action="note.read", actor=world.fac).exists()


# --- groups -------------------------------------------------------------------------------------

GROUP_DATA = {
    "name": "Tuesday Caregivers",
    "topic": "caregiving",
    "description": "For people caring for someone.",
    "guidelines": "What is said here stays here.",
    "language": "en",
    "format": "online",
    "timezone": "America/Chicago",
    "capacity": "8",
    "join_policy": "approval",
    "video_url": "",
    "reminder_offsets": "24, 2",
    "is_public": "on",
}


def test_coordinator_creates_a_group(client, world):
    client.force_login(world.coordinator)
    response = client.post(reverse("frontend:fac-group-new"), GROUP_DATA)
    group = SupportGroup.objects.get(name="Tuesday Caregivers")
    assert response.status_code == 302
    assert response["Location"] == reverse("frontend:fac-schedule-new", args=[group.slug])
    assert (group.slug, group.timezone, group.capacity, group.join_policy) == (
        "tuesday-caregivers",
        "America/Chicago",
        8,
        "approval",
    )
    assert group.reminder_offsets_minutes == [1440, 120]
    assert group.guidelines == "What is said here stays here."


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("capacity", "0"),
        ("capacity", "many"),
        ("timezone", "Mars/Olympus"),
        ("reminder_offsets", "soon"),
        ("reminder_offsets", "0.1"),
        ("name", ""),
        ("video_url", "not a url"),
        ("format", "telepathy"),
    ],
)
def test_group_form_bad_input_is_a_form_error(client, world, field, value):
    client.force_login(world.coordinator)
    response = client.post(reverse("frontend:fac-group-new"), {**GROUP_DATA, field: value})
    assert response.status_code == 200
    assert b'class="errorlist' in response.content
    assert not SupportGroup.objects.filter(name="Tuesday Caregivers").exists()


def test_the_group_form_picks_a_zone_by_name_and_shows_it_in_the_readers_words(client, world):
    client.force_login(world.coordinator)
    form = client.get(reverse("frontend:fac-group-new"), HTTP_ACCEPT_LANGUAGE="es").content
    page = html.unescape(form.decode())
    assert 'list="id_timezone-zones"' in page
    assert 'label="Nueva York, Estados Unidos: hora oriental"' in page
    # An alias is the zone it names; the pages then say the zone in words, not its IANA name.
    client.post(reverse("frontend:fac-group-new"), {**GROUP_DATA, "timezone": "US/Central"})
    group = SupportGroup.objects.get(name="Tuesday Caregivers")
    assert group.timezone == "America/Chicago"
    page = html.unescape(
        client.get(
            reverse("frontend:fac-group", args=[group.slug]), HTTP_ACCEPT_LANGUAGE="es"
        ).content.decode()
    )
    assert "hora del Centro (Chicago, Estados Unidos)" in page
    assert "America/Chicago" not in page


def test_facilitator_edits_details_and_guidelines(client, world):
    client.force_login(world.fac)
    url = reverse("frontend:fac-group-edit", args=[world.group.slug])
    form = client.get(url).content.decode()
    assert 'value="Evening Circle"' in form
    response = client.post(
        url, {**GROUP_DATA, "name": "Evening Circle", "guidelines": "Be kind.", "capacity": "12"}
    )
    assert response.status_code == 302
    world.group.refresh_from_db()
    assert (world.group.guidelines, world.group.capacity, world.group.slug) == (
        "Be kind.",
        12,
        "evening-circle",
    )
    version = world.group.guidelines_version
    assert world.group.guidelines_every_session is False
    # Saving the same words again (as the browser sends them) asks nobody again; the
    # every-session box is saved.
    client.post(
        url,
        {
            **GROUP_DATA,
            "name": "Evening Circle",
            "guidelines": "Be kind.\r\n",
            "capacity": "12",
            "guidelines_every_session": "on",
        },
    )
    world.group.refresh_from_db()
    assert (world.group.guidelines_version, world.group.guidelines_every_session) == (
        version,
        True,
    )
    page = client.get(reverse("frontend:fac-group", args=[world.group.slug])).content.decode()
    assert "Attendees accept them at every session" in page


# --- schedules ----------------------------------------------------------------------------------


def _first_monday_after(days: int) -> date:
    day = timezone.localdate() + timedelta(days=days)
    while day.weekday() != 0:
        day += timedelta(days=1)
    return day


SCHEDULE_DATA = {
    "start_time": "19:00",
    "duration_minutes": "90",
    "frequency": "monthly",
    "interval": "1",
    "monthly_mode": "weekday",
    "setpos": "1",
    "month_weekday": "MO",
    "ends": "never",
}


def test_schedule_preview_first_monday_in_group_zone(client, world):
    client.force_login(world.fac)
    url = reverse("frontend:fac-schedule-preview", args=[world.group.slug])
    response = client.get(url, {**SCHEDULE_DATA, "first_date": "2030-01-01"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Every month on the first Monday at 7:00 PM" in html
    # The first Mondays of 2030, at 19:00 New York time on both sides of the DST change.
    for day in ["7 January", "4 February", "4 March", "1 April", "6 May", "3 June"]:
        assert f"Monday {day} 2030, 7:00 PM Eastern" in html
    assert not Schedule.objects.filter(group=world.group, first_date=date(2030, 1, 1)).exists()


def test_schedule_preview_every_two_weeks_until(client, world):
    client.force_login(world.fac)
    url = reverse("frontend:fac-schedule-preview", args=[world.group.slug])
    response = client.get(
        url,
        {
            "first_date": "2030-06-04",
            "start_time": "19:00",
            "duration_minutes": "60",
            "frequency": "weekly",
            "interval": "2",
            "byweekday": "TU",
            "ends": "until",
            "until": "2030-06-30",
        },
    )
    html = response.content.decode()
    assert "Every 2 weeks on Tuesday at 7:00 PM, until June 30, 2030" in html
    assert html.count("<li>") == 2  # June 4 and June 18 only


@pytest.mark.parametrize(
    "bad",
    [
        {"first_date": "2001-01-01"},
        {"first_date": "not a date"},
        {"interval": "0"},
        {"interval": "x"},
        {"ends": "until", "until": "2029-01-01"},
        {"ends": "count", "count": ""},
        {"frequency": "yearly"},
        {"setpos": "9"},
    ],
)
def test_schedule_preview_bad_input_is_explained(client, world, bad):
    client.force_login(world.fac)
    url = reverse("frontend:fac-schedule-preview", args=[world.group.slug])
    response = client.get(url, {**SCHEDULE_DATA, "first_date": "2030-01-01", **bad})
    assert response.status_code == 200
    assert "Cannot preview yet" in response.content.decode()


def test_facilitator_creates_first_monday_schedule(client, world):
    client.force_login(world.fac)
    first = _first_monday_after(10)
    url = reverse("frontend:fac-schedule-new", args=[world.group.slug])
    response = client.post(url, {**SCHEDULE_DATA, "first_date": first.isoformat(), "save": "1"})
    assert response.status_code == 302
    schedule = Schedule.objects.exclude(pk=world.schedule.pk).get(group=world.group)
    assert schedule.rule.params == "byweekday:MO;bysetpos:1"
    sessions = Session.objects.filter(schedule=schedule).order_by("start")
    assert sessions.count() >= 3
    for s in sessions:
        local = s.start.astimezone(world.group.tz)
        assert (local.weekday(), local.day <= 7, local.hour, local.minute) == (0, True, 19, 0)


def test_schedule_form_no_js_preview_button(client, world):
    client.force_login(world.fac)
    url = reverse("frontend:fac-schedule-new", args=[world.group.slug])
    response = client.post(url, {**SCHEDULE_DATA, "first_date": "2030-01-01", "preview": "1"})
    assert response.status_code == 200
    assert "Monday 7 January 2030, 7:00 PM" in response.content.decode()
    assert Schedule.objects.filter(group=world.group).count() == 1


def test_schedule_create_bad_input_is_a_form_error(client, world):
    client.force_login(world.fac)
    url = reverse("frontend:fac-schedule-new", args=[world.group.slug])
    response = client.post(
        url, {**SCHEDULE_DATA, "first_date": "2001-01-01", "duration_minutes": "-5", "save": "1"}
    )
    assert response.status_code == 200
    assert b'class="errorlist' in response.content
    assert Schedule.objects.filter(group=world.group).count() == 1


def test_change_schedule_from_next_session(client, world):
    start = datetime.combine(_first_monday_after(3), datetime.min.time()).replace(hour=18)
    schedule = services.schedule_create(
        group=world.group,
        start=start,
        duration_minutes=60,
        recurrence={"frequency": "weekly", "byweekday": ["MO"], "count": 6},
    )
    client.force_login(world.fac)
    url = reverse("frontend:fac-schedule-edit", args=[world.group.slug, schedule.pk])
    form = client.get(url).content.decode()
    assert 'value="18:00"' in form
    assert "Every week on Monday at 6:00 PM, 6 sessions in all" in form  # preview as it is
    response = client.post(
        url,
        {
            "first_date": start.date().isoformat(),
            "start_time": "19:30",
            "duration_minutes": "60",
            "frequency": "weekly",
            "interval": "1",
            "byweekday": "MO",
            "ends": "count",
            "count": "6",
        },
    )
    assert response.status_code == 302
    schedule.refresh_from_db()
    assert schedule.ended_at is not None
    new = Schedule.objects.filter(group=world.group, ended_at__isnull=True).latest("pk")
    assert new.start_time.hour == 19 and new.start_time.minute == 30


def test_end_series(client, world):
    client.force_login(world.fac)
    url = reverse("frontend:fac-schedule-end", args=[world.group.slug, world.schedule.pk])
    assert "1 upcoming session has RSVPs" in client.get(url).content.decode()
    assert client.post(url).status_code == 302
    world.schedule.refresh_from_db()
    world.session.refresh_from_db()
    assert world.schedule.ended_at is not None
    assert world.session.status == "cancelled"


# --- one session --------------------------------------------------------------------------------


def test_cancel_one_session(client, world):
    client.force_login(world.fac)
    url = reverse("frontend:fac-session-cancel", args=[world.session.pk])
    response = client.post(url, {"reason": "Venue closed"})
    assert response.status_code == 302
    world.session.refresh_from_db()
    assert (world.session.status, world.session.cancel_reason) == ("cancelled", "Venue closed")
    assert world.attendee.notices.filter(kind="session_cancelled").exists()


def test_cancel_reason_too_long_is_a_form_error(client, world):
    client.force_login(world.fac)
    url = reverse("frontend:fac-session-cancel", args=[world.session.pk])
    response = client.post(url, {"reason": "x" * 301})
    assert response.status_code == 200 and b'class="errorlist' in response.content
    world.session.refresh_from_db()
    assert world.session.status == "scheduled"


def test_move_one_session(client, world):
    client.force_login(world.fac)
    url = reverse("frontend:fac-session-move", args=[world.session.pk])
    new_day = (timezone.now() + timedelta(days=5)).astimezone(world.group.tz).date()
    response = client.post(
        url, {"date": new_day.isoformat(), "time": "18:15", "duration_minutes": "45"}
    )
    assert response.status_code == 302
    world.session.refresh_from_db()
    local = world.session.start.astimezone(world.group.tz)
    assert (local.date(), local.hour, local.minute) == (new_day, 18, 15)
    assert world.session.end - world.session.start == timedelta(minutes=45)
    assert world.session.sequence == 1


@pytest.mark.parametrize(
    "data",
    [
        {"date": "2001-01-01", "time": "18:00", "duration_minutes": "60"},
        {"date": "tomorrow", "time": "18:00", "duration_minutes": "60"},
        {"date": "2030-01-01", "time": "25:00", "duration_minutes": "60"},
        {"date": "2030-01-01", "time": "18:00", "duration_minutes": "0"},
    ],
)
def test_move_bad_input_is_a_form_error(client, world, data):
    client.force_login(world.fac)
    url = reverse("frontend:fac-session-move", args=[world.session.pk])
    response = client.post(url, data)
    assert response.status_code == 200 and b'class="errorlist' in response.content
    world.session.refresh_from_db()
    assert world.session.sequence == 0


def test_session_page_roster_texts_and_note(client, world):
    OutboundSms.objects.create(
        idempotency_key="k1",
        kind="reminder",
        to="+15555550100",
        body="Reminder",
        user=world.attendee,
        session=world.session,
        status="submitted",
        delivery_status="delivered",
        send_after=timezone.now(),
        expires_at=timezone.now() + timedelta(days=1),
    )
    client.force_login(world.fac)
    html = client.get(reverse("frontend:fac-session", args=[world.session.pk])).content.decode()
    assert "Robin" in html and "first time" in html
    assert "Delivered" in html
    assert "+15555550100" not in html  # phone numbers: owner and coordinators only
    assert 'id="note-state"' in html
    client.force_login(world.coordinator)
    html = client.get(reverse("frontend:fac-session", args=[world.session.pk])).content.decode()
    assert "+15555550100" in html


def test_attendance_tick_with_htmx_returns_the_row(client, world):
    client.force_login(world.fac)
    url = reverse("frontend:fac-attendance", args=[world.session.pk])
    response = client.post(
        url, {"username": "att", "status": "attended"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith("<tr") and 'aria-pressed="true"' in html
    rsvp = RSVP.objects.get(session=world.session, user=world.attendee)
    assert (rsvp.attendance, rsvp.attendance_marked_by) == ("attended", world.fac)


def test_attendance_bad_status_is_an_error_not_a_500(client, world):
    client.force_login(world.fac)
    url = reverse("frontend:fac-attendance", args=[world.session.pk])
    response = client.post(
        url, {"username": "att", "status": "maybe"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 400
    assert "Must be attended or no_show" in response.content.decode()
    assert client.post(url, {"username": "ghost", "status": "attended"}).status_code == 302
    assert RSVP.objects.get(session=world.session, user=world.attendee).attendance == ""


def test_room_open_and_close(client, world):
    client.force_login(world.fac)
    url = reverse("frontend:fac-room", args=[world.session.pk])
    client.post(url, {"open": "1"})  # three days early: refused with a message
    world.session.refresh_from_db()
    assert world.session.room_open is False
    Session.objects.filter(pk=world.session.pk).update(
        start=timezone.now() + timedelta(minutes=10), end=timezone.now() + timedelta(hours=1)
    )
    assert client.post(url, {"open": "1"}).status_code == 302
    world.session.refresh_from_db()
    assert world.session.room_open is True
    client.post(url, {"open": "0"})
    world.session.refresh_from_db()
    assert world.session.room_open is False


def test_note_form_saves_follow_ups_without_js(client, world):
    client.force_login(world.fac)
    url = reverse("frontend:fac-note", args=[world.session.pk])
    response = client.post(
        url,
        {
            "summary": "A quiet evening",
            "body": "Robin shared about the anniversary.",
            "themes": "anniversaries, sleep",
            "follow_up_text": ["Check in with Robin", "Book the room", ""],
            "follow_up_done": ["1"],
            "revision": "1",
        },
    )
    assert response.status_code == 302
    note = fac_services.note_read(session=world.session, by=world.fac)
    assert note["revision"] == 2
    assert note["themes"] == ["anniversaries", "sleep"]
    assert note["follow_ups"] == [
        {"text": "Check in with Robin", "done": False},
        {"text": "Book the room", "done": True},
    ]
    assert note["safety_concern"] is False


def test_note_stale_revision_shows_both_versions_and_keeps_my_text(client, world):
    client.force_login(world.fac)
    url = reverse("frontend:fac-note", args=[world.session.pk])
    # Someone else saves revision 2 first.
    fac_services.note_save(
        session=world.session,
        by=world.coordinator,
        summary="Their summary",
        body="Their body",
        themes=[],
        follow_ups=[],
        safety_concern=True,
        revision=1,
    )
    response = client.post(url, {"summary": "My summary", "body": "My body", "revision": "1"})
    html = response.content.decode()
    assert response.status_code == 409
    assert "Their body" in html and "My body" in html
    assert 'name="revision" value="2"' in html
    assert SessionNote.objects.get(session=world.session).revision == 2


def test_note_too_long_is_a_form_error(client, world):
    client.force_login(world.fac)
    url = reverse("frontend:fac-note", args=[world.session.pk])
    response = client.post(url, {"summary": "x" * 2001, "body": "", "revision": "1"})
    assert response.status_code == 400 and b'class="errorlist' in response.content
    response = client.post(url, {"summary": "", "body": "", "revision": "-3"})
    assert response.status_code == 400
    assert SessionNote.objects.get(session=world.session).revision == 1


def test_note_revisions_page(client, world):
    client.force_login(world.fac)
    html = client.get(reverse("frontend:fac-note-revisions", args=[world.session.pk])).content
    assert b"Revision 1 by" in html
    # When it was written, in the group's zone and named (the server's zone is UTC).
    from frontend.templatetags.hearth import when

    revision = world.session.note.revisions.get(revision=1)
    assert when(revision.created_at, world.group.timezone).encode() in html
    assert AuditEntry.objects.filter(action="note.revisions_read", actor=world.fac).exists()


# --- members and facilitators -------------------------------------------------------------------


def test_approve_and_ban_members(client, world):
    client.force_login(world.fac)
    pending = world.pending_membership
    approve = reverse("frontend:fac-member-decide", args=[world.group.slug, pending.pk, "approve"])
    assert client.post(approve).status_code == 302
    assert Membership.objects.get(pk=world.pending_membership.pk).status == "approved"
    robin = Membership.objects.get(group=world.group, user=world.attendee)
    ban = reverse("frontend:fac-member-decide", args=[world.group.slug, robin.pk, "ban"])
    confirm = client.get(ban).content.decode()
    assert "Ban Robin from this group?" in confirm and "1 upcoming RSVP is cancelled" in confirm
    assert Membership.objects.get(pk=robin.pk).status == "approved"
    assert client.post(ban).status_code == 302
    assert Membership.objects.get(pk=robin.pk).status == "banned"
    assert RSVP.objects.get(session=world.session, user=world.attendee).status == "cancelled"
    assert client.post(ban.replace("/ban/", "/promote/")).status_code == 404


def test_banning_a_facilitator_is_refused_with_a_message(client, world):
    membership = Membership.objects.create(
        group=world.group, user=world.fac, status="approved", display_name="Sam"
    )
    client.force_login(world.coordinator)
    url = reverse("frontend:fac-member-decide", args=[world.group.slug, membership.pk, "ban"])
    response = client.post(url, follow=True)
    assert b"Remove the facilitator role before banning" in response.content
    assert Membership.objects.get(pk=membership.pk).status == "approved"


def test_coordinator_assigns_co_facilitator(client, world):
    client.force_login(world.coordinator)
    url = reverse("frontend:fac-facilitators", args=[world.group.slug])
    assert client.post(url, {"username": "att", "role": "co"}).status_code == 302
    assert FacilitatorAssignment.objects.get(group=world.group, user=world.attendee).role == "co"
    response = client.post(url, {"username": "nobody", "role": "co"})
    assert response.status_code == 200 and b"No user with that username" in response.content
    response = client.post(url, {"username": "att", "role": "boss"})
    assert response.status_code == 200 and b'class="errorlist' in response.content


# --- coordinators -------------------------------------------------------------------------------


def test_safety_alert_acknowledged(client, world):
    client.force_login(world.coordinator)
    html = client.get(reverse("frontend:fac-safety")).content.decode()
    assert "Evening Circle" in html
    response = client.post(reverse("frontend:fac-safety-ack", args=[world.alert.pk]))
    assert response.status_code == 302
    world.alert.refresh_from_db()
    assert world.alert.acknowledged_by == world.coordinator
    assert "No open safety concerns" in client.get(reverse("frontend:fac-safety")).content.decode()


def test_audit_log_is_paginated(client, world):
    from sessions_app.audit import audit_log

    for i in range(60):
        audit_log(actor=world.fac, action="note.read", object_type="x", object_id=i)
    client.force_login(world.coordinator)
    first = client.get(reverse("frontend:fac-audit")).content.decode()
    assert "Page 1 of 2" in first and "note.read" in first
    second = client.get(reverse("frontend:fac-audit"), {"page": "2"}).content.decode()
    assert "Page 2 of 2" in second
    assert client.get(reverse("frontend:fac-audit"), {"page": "zzz"}).status_code == 200


def test_new_note_is_prefilled_from_the_group_template(client, world):
    from facilitators.models import NoteTemplate

    NoteTemplate.objects.create(
        group=world.group,
        body="Check-in round:\nClosing round:",
        themes=["grief"],
        follow_ups=["Ask about the ride home"],
    )
    fresh = one_off_session(world.group, starts_in=timedelta(days=6))
    client.force_login(world.fac)
    html = client.get(reverse("frontend:fac-session", args=[fresh.pk])).content.decode()
    assert "Check-in round:\nClosing round:</textarea>" in html
    assert 'value="grief"' in html
    assert 'value="Ask about the ride home"' in html
    assert 'name="revision" value="0"' in html
    assert not SessionNote.objects.filter(session=fresh).exists()
