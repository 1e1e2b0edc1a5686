"""Reported room messages on the facilitator pages, the nav's "Facilitate" link and the live-room
section of the facilitator session page, through Django's test client.

Coordinators see and resolve every open report (/facilitate/reports/); a group's facilitators
see their own group's open reports read-only (/facilitate/groups/<slug>/reports/)."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from frontend.context_processors import facilitator_nav
from rooms.models import CheckIn, RoomMessage, RoomParticipant, RoomReport
from sessions_app.models import AuditEntry
from tests.factories import GroupFactory, UserFactory, facilitator, member, one_off_session

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
ROLES = ["visitor", "attendee", "other_facilitator", "facilitator", "coordinator"]


def _yesterday(session):
    """The session moved to yesterday (services only make future ones): its room is over."""
    session.start -= timedelta(days=3)
    session.end -= timedelta(days=3)
    session.save(update_fields=["start", "end"])
    return session


class World:
    def __init__(self):
        self.group = GroupFactory(name="Evening Circle", slug="evening-circle")
        self.other_group = GroupFactory(name="Other Circle", slug="other-circle")
        self.fac = facilitator(self.group, UserFactory(username="fac", display_name="Fay"))
        self.other_fac = facilitator(self.other_group, UserFactory(username="otherfac"))
        self.coordinator = UserFactory(username="coord", is_staff=True, display_name="Casey")
        self.attendee = member(
            self.group,
            UserFactory(username="att", display_name="Robin Account"),
            display_name="Robin",
        )
        self.author = member(self.group, UserFactory(username="author"), display_name="Alex")
        self.session = _yesterday(one_off_session(self.group))
        self.other_session = _yesterday(one_off_session(self.other_group))
        for user, name, role in [
            (self.fac, "Fay", "facilitator"),
            (self.attendee, "Robin in the room", "attendee"),
            (self.author, "Alex", "attendee"),
        ]:
            RoomParticipant.objects.create(
                session=self.session, user=user, role=role, display_name=name
            )
        self.message = self._message(self.session, 1, "Alex", "You are all wrong about this.")
        self.report = RoomReport.objects.create(
            message=self.message, reporter=self.attendee, reason="Unkind to another member"
        )
        deleted = self._message(self.session, 2, "Alex", "Something taken down")
        deleted.deleted_at = timezone.now()
        deleted.save(update_fields=["deleted_at"])
        self.deleted_report = RoomReport.objects.create(message=deleted, reporter=self.attendee)
        elsewhere = self._message(self.other_session, 1, "Quinn", "Other group's secret words")
        self.other_report = RoomReport.objects.create(
            message=elsewhere, reporter=self.other_fac, reason="spam"
        )

    def _message(self, session, seq, name, text):
        return RoomMessage.objects.create(
            session=session,
            seq=seq,
            author=self.author if session == self.session else None,
            author_name=name,
            author_role="attendee",
            text=text,
            sent_at=timezone.now() - timedelta(hours=20),
        )

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


def _as(client, world, role):
    user = world.user(role)
    if user is not None:
        client.force_login(user)
    return client


def _refused(response, role):
    if role == "visitor":
        assert response.status_code == 302
        assert response["Location"].startswith(LOGIN)
    else:
        assert response.status_code == 403


# --- who sees what ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_coordinators_reports_page_permissions(client, world, role):
    response = _as(client, world, role).get(reverse("frontend:fac-reports"))
    if role == "coordinator":
        assert response.status_code == 200
        html = response.content.decode()
        assert "You are all wrong about this." in html
        assert "Other group&#x27;s secret words" in html
    else:
        _refused(response, role)


@pytest.mark.parametrize("role", ROLES)
def test_group_reports_page_permissions(client, world, role):
    """The group's facilitators see their group's open reports, read-only; facilitators of
    another group are refused like anyone else."""
    url = reverse("frontend:fac-group-reports", args=[world.group.slug])
    response = _as(client, world, role).get(url)
    if role in ("facilitator", "coordinator"):
        assert response.status_code == 200
        html = response.content.decode()
        assert "You are all wrong about this." in html
        assert "secret words" not in html
        assert "Resolve" not in html
        assert reverse("frontend:fac-report-resolve", args=[world.report.pk]) not in html
    else:
        _refused(response, role)


def test_reports_page_shows_each_report(client, world):
    client.force_login(world.coordinator)
    html = client.get(reverse("frontend:fac-reports")).content.decode()
    # Group, session link, author as the room showed them, text or "deleted".
    assert "Evening Circle" in html and "Other Circle" in html
    assert reverse("frontend:fac-session", args=[world.session.pk]) in html
    assert "<strong>Alex:</strong> You are all wrong about this." in html
    assert "Alex: (deleted)" in html
    assert "Something taken down" not in html
    # Reporter by the name the room showed, with the reason; the account name is not used.
    assert "Reported by Robin in the room" in html
    assert "Robin Account" not in html
    assert "Unkind to another member" in html
    assert "no reason given" in html
    assert html.count('name="resolution"') == 3
    assert reverse("frontend:fac-report-resolve", args=[world.report.pk]) in html


def test_reporter_outside_the_room_falls_back_to_their_display_name(client, world):
    client.force_login(world.coordinator)
    world.other_fac.display_name = "Otto"
    world.other_fac.save(update_fields=["display_name"])
    html = client.get(reverse("frontend:fac-reports")).content.decode()
    assert "Reported by Otto" in html


def test_resolve_report_changes_the_database_and_writes_an_audit_entry(client, world):
    client.force_login(world.coordinator)
    url = reverse("frontend:fac-report-resolve", args=[world.report.pk])
    response = client.post(url, {"resolution": "Talked to Alex after the session."})
    assert response.status_code == 302
    assert response["Location"] == reverse("frontend:fac-reports")
    world.report.refresh_from_db()
    assert world.report.resolved_at is not None
    assert world.report.resolved_by == world.coordinator
    assert world.report.resolution == "Talked to Alex after the session."
    assert AuditEntry.objects.filter(action="room.report_resolve").count() == 1
    html = client.get(reverse("frontend:fac-reports")).content.decode()
    assert "You are all wrong about this." not in html
    assert "Report resolved" in html
    assert "Other group&#x27;s secret words" in html


def test_resolve_without_a_note(client, world):
    client.force_login(world.coordinator)
    client.post(reverse("frontend:fac-report-resolve", args=[world.deleted_report.pk]))
    world.deleted_report.refresh_from_db()
    assert world.deleted_report.resolved_at is not None
    assert world.deleted_report.resolution == ""


def test_second_resolve_is_harmless(client, world):
    client.force_login(world.coordinator)
    url = reverse("frontend:fac-report-resolve", args=[world.report.pk])
    client.post(url, {"resolution": "first"})
    world.report.refresh_from_db()
    first_at = world.report.resolved_at
    response = client.post(url, {"resolution": "second"}, follow=True)
    assert response.status_code == 200
    assert "already resolved" in response.content.decode()
    world.report.refresh_from_db()
    assert world.report.resolution == "first"
    assert world.report.resolved_at == first_at
    assert AuditEntry.objects.filter(action="room.report_resolve").count() == 1


def test_resolution_note_too_long_resolves_nothing(client, world):
    client.force_login(world.coordinator)
    url = reverse("frontend:fac-report-resolve", args=[world.report.pk])
    response = client.post(url, {"resolution": "x" * 501}, follow=True)
    assert response.status_code == 200
    assert "at most 500 characters" in response.content.decode()
    world.report.refresh_from_db()
    assert world.report.resolved_at is None


def test_resolve_missing_or_bad_report_id_is_404(client, world):
    client.force_login(world.coordinator)
    missing = RoomReport.objects.order_by("-pk").first().pk + 100
    assert client.post(reverse("frontend:fac-report-resolve", args=[missing])).status_code == 404
    assert client.post("/facilitate/reports/abc/resolve/").status_code == 404
    assert (
        client.get(reverse("frontend:fac-report-resolve", args=[world.report.pk])).status_code
        == 405
    )


@pytest.mark.parametrize("role", ["visitor", "attendee", "other_facilitator", "facilitator"])
def test_only_coordinators_resolve(client, world, role):
    url = reverse("frontend:fac-report-resolve", args=[world.report.pk])
    response = _as(client, world, role).post(url, {"resolution": "mine"})
    _refused(response, role)
    world.report.refresh_from_db()
    assert world.report.resolved_at is None


def test_counts_on_dashboard_and_safety_page(client, world):
    client.force_login(world.coordinator)
    dashboard = client.get(reverse("frontend:fac-dashboard")).content.decode()
    assert "3 reported room messages wait to be resolved" in dashboard
    safety = client.get(reverse("frontend:fac-safety")).content.decode()
    assert "3 reported messages wait to be resolved" in safety
    assert "will be listed here once rooms keep reports" not in safety
    RoomReport.objects.update(resolved_at=timezone.now())
    dashboard = client.get(reverse("frontend:fac-dashboard")).content.decode()
    assert "reported room message" not in dashboard
    assert "No open reports." in client.get(reverse("frontend:fac-safety")).content.decode()


def test_facilitators_dashboard_has_no_coordinator_count(client, world):
    client.force_login(world.fac)
    dashboard = client.get(reverse("frontend:fac-dashboard")).content.decode()
    assert "wait to be resolved" not in dashboard
    assert reverse("frontend:fac-reports") not in dashboard


# --- the nav link -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "shown"),
    [
        ("visitor", False),
        ("attendee", False),
        ("other_facilitator", True),
        ("facilitator", True),
        ("coordinator", True),
    ],
)
def test_nav_facilitate_link_per_role(client, world, role, shown):
    html = _as(client, world, role).get(reverse("frontend:home")).content.decode()
    link = f'<a href="{reverse("frontend:fac-dashboard")}">Facilitate</a>'
    assert (link in html) is shown


def test_nav_link_is_current_on_facilitator_pages(client, world):
    client.force_login(world.fac)
    href = reverse("frontend:fac-dashboard")
    dashboard = client.get(href).content.decode()
    assert f'<a href="{href}" aria-current="page">Facilitate</a>' in dashboard
    groups = client.get(reverse("frontend:fac-groups")).content.decode()
    assert f'<a href="{href}" aria-current="true">Facilitate</a>' in groups
    home = client.get(reverse("frontend:home")).content.decode()
    assert f'<a href="{href}">Facilitate</a>' in home


@pytest.mark.parametrize(("role", "queries"), [("visitor", 0), ("coordinator", 0), ("attendee", 1)])
def test_nav_question_costs_at_most_one_query(world, django_assert_num_queries, role, queries):
    request = RequestFactory().get("/")
    request.user = world.user(role) or AnonymousUser()
    can_facilitate = facilitator_nav(request)["can_facilitate"]
    with django_assert_num_queries(queries):
        first, second = can_facilitate(), can_facilitate()
    assert first is second is (role == "coordinator")


# --- the session page's room section ------------------------------------------------------------


def test_session_page_shows_moods_and_reported_count(client, world):
    CheckIn.objects.create(session=world.session, user=world.attendee, phase="start", mood=2)
    CheckIn.objects.create(session=world.session, user=world.attendee, phase="end", mood=4)
    CheckIn.objects.create(session=world.session, user=world.author, phase="start", mood=3)
    client.force_login(world.fac)
    html = client.get(reverse("frontend:fac-session", args=[world.session.pk])).content.decode()
    assert "Live room" in html
    assert "<tr><td>Alex</td><td>3</td><td>—</td></tr>" in html
    assert "<tr><td>Robin in the room</td><td>2</td><td>4</td></tr>" in html
    # Two messages were reported (the second report of the same message would not add one).
    assert "2 messages reported in this session" in html
    assert reverse("frontend:fac-group-reports", args=[world.group.slug]) in html
    # The room is not open: no link to it.
    assert f"/sessions/{world.session.pk}/room/" not in html


def test_session_page_links_to_the_open_room(client, world):
    session = one_off_session(world.group, starts_in=timedelta(minutes=5))
    session.room_open = True
    session.save(update_fields=["room_open"])
    client.force_login(world.fac)
    html = client.get(reverse("frontend:fac-session", args=[session.pk])).content.decode()
    assert f'href="/sessions/{session.pk}/room/"' in html
    assert "No messages reported in this session." in html
    assert "No check-ins yet." in html


def test_session_page_without_a_room_has_no_room_section(client, world):
    session = one_off_session(world.group, starts_in=timedelta(days=3))
    client.force_login(world.fac)
    html = client.get(reverse("frontend:fac-session", args=[session.pk])).content.decode()
    assert 'id="h-room"' not in html
    assert "Roster and attendance" in html
