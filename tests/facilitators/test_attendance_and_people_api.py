"""Attendance, facilitator assignment and data rights through the API."""

import pytest
from rest_framework.authtoken.models import Token

from facilitators.models import SessionNote, SessionNoteRevision
from sessions_app import services as sessions_services
from sessions_app.models import (
    RSVP,
    AuditEntry,
    FacilitatorAssignment,
    Membership,
    Notice,
    Session,
    User,
)
from tests.facilitators.conftest import NOTE, client_for, past_session
from tests.factories import UserFactory, member

pytestmark = pytest.mark.django_db


def attendance_url(session):
    return f"/api/v1/sessions/{session.pk}/attendance/"


def row(username, display_name, **changes):
    return {
        "username": username,
        "display_name": display_name,
        "rsvp_status": "going",
        "waitlist_position": None,
        "attendance": None,
        "first_time": True,
        "minutes_present": 0,
        "first_joined_at": None,
        "last_left_at": None,
        **changes,
    }


# --- attendance ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 401),
        ("attendee", 403),
        ("other_member", 403),
        ("other_facilitator", 403),
        ("lead", 200),
        ("co", 200),
        ("staff", 200),
    ],
)
def test_attendance_permissions(world, role, status):
    client = client_for(None if role == "anonymous" else getattr(world, role))
    assert client.get(attendance_url(world.session)).status_code == status
    response = client.put(
        attendance_url(world.session),
        [{"username": "attendee", "status": "attended"}],
        format="json",
    )
    assert response.status_code == status
    rsvp = RSVP.objects.get(session=world.session, user=world.attendee)
    assert rsvp.attendance == ("attended" if status == 200 else "")


def test_roster_shows_rsvps_first_timers_and_presence(world):
    group, session = world.group, world.session
    regular = member(group, UserFactory(username="regular"), display_name="Robin")
    earlier = past_session(group, days_ago=7)
    with_rsvp = RSVP.objects.create(session=earlier, user=regular, status="going")
    sessions_services.attendance_set(
        session=earlier, marks=[{"username": "regular", "status": "attended"}], by=world.lead
    )
    sessions_services.rsvp_create(session=session, user=regular)
    session.capacity = 2
    session.save()
    waiting = member(group, UserFactory(username="waiting"), display_name="Wren")
    sessions_services.rsvp_create(session=session, user=waiting)
    RSVP.objects.filter(session=session, user=world.attendee).update(minutes_present=42)
    assert with_rsvp.pk

    response = client_for(world.lead).get(attendance_url(session))
    assert response.status_code == 200
    assert response.json() == [
        row("attendee", "Ash", minutes_present=42),
        row("regular", "Robin", first_time=False),
        row("waiting", "Wren", rsvp_status="waitlisted", waitlist_position=1),
    ]


def test_put_marks_attendance_and_returns_the_roster(world):
    response = client_for(world.co).put(
        attendance_url(world.session),
        [{"username": "attendee", "status": "no_show"}],
        format="json",
    )
    assert response.status_code == 200
    assert response.json() == [row("attendee", "Ash", attendance="no_show")]
    rsvp = RSVP.objects.get(session=world.session, user=world.attendee)
    assert (rsvp.attendance, rsvp.attendance_marked_by) == ("no_show", world.co)
    assert AuditEntry.objects.filter(action="attendance.set", actor=world.co).count() == 1


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (
            [{"username": "ghost", "status": "attended"}],
            {"0": {"username": ["No RSVP for this session under that username."]}},
        ),
        (
            [{"username": "attendee", "status": "late"}],
            {"0": {"status": ["Must be attended or no_show."]}},
        ),
        ({"username": "attendee"}, {"non_field_errors": ["Send a list of {username, status}."]}),
        (["attendee"], {"0": {"username": ["No RSVP for this session under that username."]}}),
    ],
)
def test_bad_attendance_is_400(world, body, errors):
    response = client_for(world.lead).put(attendance_url(world.session), body, format="json")
    assert response.status_code == 400
    assert response.json() == errors
    assert RSVP.objects.get(session=world.session, user=world.attendee).attendance == ""


def test_attendance_of_a_cancelled_session_is_409(world):
    sessions_services.session_cancel(session=world.session, reason="Snow")
    response = client_for(world.lead).put(
        attendance_url(world.session),
        [{"username": "attendee", "status": "attended"}],
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["code"] == "session_cancelled"


# --- facilitator assignment ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 401),
        ("attendee", 403),
        ("other_facilitator", 403),
        ("lead", 403),
        ("staff", 201),
    ],
)
def test_only_coordinators_assign_facilitators(world, role, status):
    newcomer = UserFactory(username="newcomer", display_name="Nia")
    client = client_for(None if role == "anonymous" else getattr(world, role))
    response = client.post(
        f"/api/v1/groups/{world.group.slug}/facilitators/",
        {"username": "newcomer", "role": "co"},
        format="json",
    )
    assert response.status_code == status
    assigned = FacilitatorAssignment.objects.filter(group=world.group, user=newcomer)
    assert assigned.exists() == (status == 201)
    if status == 201:
        assert response.json() == {
            "group": world.group.slug,
            "username": "newcomer",
            "display_name": "Nia",
            "role": "co",
        }


def test_assigning_again_changes_the_role_with_200(world):
    client = client_for(world.staff)
    url = f"/api/v1/groups/{world.group.slug}/facilitators/"
    response = client.post(url, {"username": "co", "role": "lead"}, format="json")
    assert response.status_code == 200
    assert response.json()["role"] == "lead"
    assert FacilitatorAssignment.objects.get(group=world.group, user=world.co).role == "lead"
    entry = AuditEntry.objects.get(action="facilitator.assign")
    assert entry.metadata == {
        "group": world.group.pk,
        "user": world.co.pk,
        "role": "lead",
        "created": False,
    }


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"username": "nobody", "role": "co"}, {"username": ["No user with that username."]}),
        ({"username": "attendee", "role": "boss"}, {"role": ['"boss" is not a valid choice.']}),
        ({}, {"username": ["This field is required."], "role": ["This field is required."]}),
    ],
)
def test_bad_assignment_is_400(world, body, errors):
    url = f"/api/v1/groups/{world.group.slug}/facilitators/"
    response = client_for(world.staff).post(url, body, format="json")
    assert (response.status_code, response.json()) == (400, errors)


def test_unknown_group_is_404(world):
    url = "/api/v1/groups/no-such-group/facilitators/"
    response = client_for(world.staff).post(url, {"username": "co", "role": "co"}, format="json")
    assert response.status_code == 404


def test_a_new_facilitator_can_read_the_groups_notes_at_once(world):
    client_for(world.lead).put(f"/api/v1/sessions/{world.session.pk}/note/", NOTE, format="json")
    newcomer = UserFactory(username="newcomer")
    note_url = f"/api/v1/sessions/{world.session.pk}/note/"
    assert client_for(newcomer).get(note_url).status_code == 403
    client_for(world.staff).post(
        f"/api/v1/groups/{world.group.slug}/facilitators/",
        {"username": "newcomer", "role": "co"},
        format="json",
    )
    assert client_for(newcomer).get(note_url).status_code == 200


# --- data rights ---------------------------------------------------------------------------------


def test_export_holds_my_data_and_nobody_elses_and_no_notes(world):
    client_for(world.lead).put(f"/api/v1/sessions/{world.session.pk}/note/", NOTE, format="json")
    Notice.objects.create(user=world.attendee, kind="seat_promoted", message="A seat opened up.")
    Notice.objects.create(user=world.co, kind="seat_promoted", message="Not yours.")
    response = client_for(world.attendee).get("/api/v1/me/export/")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="hearth-export.json"'
    data = response.json()
    assert data.pop("exported_at")
    assert data["profile"].pop("date_joined")
    rsvp = RSVP.objects.get(user=world.attendee)
    membership = Membership.objects.get(user=world.attendee)
    notice = Notice.objects.get(user=world.attendee)
    assert data == {
        "profile": {
            "username": "attendee",
            "display_name": "Ash",
            "email": "attendee@example.org",
            "first_name": "",
            "last_name": "",
            "timezone": "America/New_York",
            "language": "",
            "phone": None,
            "phone_verified_at": None,
            "sms_opt_in": False,
            "last_login": None,
        },
        "memberships": [
            {
                "group": "evening-grief",
                "group_name": "Evening grief circle",
                "status": "approved",
                "display_name": "Ash",
                "joined_at": membership.created_at.isoformat(),
                "decided_at": None,
            }
        ],
        "rsvps": [
            {
                "session": world.session.pk,
                "group": "evening-grief",
                "start": world.session.start.isoformat(),
                "status": "going",
                "source": "web",
                "attendance": None,
                "minutes_present": 0,
                "created_at": rsvp.created_at.isoformat(),
            }
        ],
        "notices": [
            {
                "kind": "seat_promoted",
                "session": None,
                "message": "A seat opened up.",
                "created_at": notice.created_at.isoformat(),
                "read_at": None,
            }
        ],
        "notifications": {
            "reminders": "email",
            "changes": "email",
            "waitlist": "email",
            "news": "none",
            "checkins": "none",
        },
        "session_feedback": [],
        "attendance_letters": [],
        "facilitator": {
            "bio": "",
            "trainings": [],
            "bio_visibility": None,
            "trainings_visibility": None,
            "groups": [],
            "invites_made": [],
        },
        "blocks": [],
        "guidelines_accepted": [],
        "private_messages": [],
        "reports_made": {"people": [], "messages": []},
    }
    text = response.content.decode()
    assert NOTE["summary"] not in text and "Not yours" not in text and "lead" not in text
    entry = AuditEntry.objects.get(action="account.export")
    assert (entry.actor, entry.object_id, entry.metadata) == (
        world.attendee,
        str(world.attendee.pk),
        {},
    )


def test_export_needs_a_login():
    assert client_for(None).get("/api/v1/me/export/").status_code == 401


def test_delete_needs_my_password(world):
    response = client_for(world.attendee).post(
        "/api/v1/me/delete/", {"password": "wrong"}, format="json"
    )
    assert (response.status_code, response.json()) == (
        400,
        {"password": ["That is not your password."]},
    )
    missing = client_for(world.attendee).post("/api/v1/me/delete/", {}, format="json")
    assert (missing.status_code, missing.json()) == (400, {"password": ["This field is required."]})
    assert User.objects.filter(pk=world.attendee.pk).exists()
    assert client_for(None).post("/api/v1/me/delete/", {"password": "x"}).status_code == 401


def test_delete_removes_the_account_gives_the_seat_on_and_keeps_notes_unlinked(world):
    session: Session = world.session
    session.capacity = 1
    session.save()
    next_in_line = member(world.group, UserFactory(username="next"))
    sessions_services.rsvp_create(session=session, user=next_in_line)
    Token.objects.create(user=world.attendee)
    # A facilitator deletes their account too: the note keeps the name it was written with.
    client_for(world.co).put(f"/api/v1/sessions/{session.pk}/note/", NOTE, format="json")
    note = SessionNote.objects.get(session=session)

    attendee_pk = world.attendee.pk
    response = client_for(world.attendee).post(
        "/api/v1/me/delete/", {"password": "a-Long-test-passw0rd"}, format="json"
    )
    assert response.status_code == 204
    assert not User.objects.filter(pk=attendee_pk).exists()
    assert not Membership.objects.filter(user_id=attendee_pk).exists()
    assert not RSVP.objects.filter(user_id=attendee_pk).exists()
    assert not Token.objects.filter(user_id=attendee_pk).exists()
    assert RSVP.objects.get(session=session, user=next_in_line).status == "going"

    client_for(world.co).post(
        "/api/v1/me/delete/", {"password": "a-Long-test-passw0rd"}, format="json"
    )
    note.refresh_from_db()
    revision = SessionNoteRevision.objects.get(note=note)
    assert (note.created_by, note.updated_by, note.updated_by_name) == (None, None, "Cory")
    assert (revision.author, revision.author_name) == (None, "Cory")
    deletions = AuditEntry.objects.filter(action="account.delete").order_by("pk")
    assert [(e.actor, e.actor_name, e.object_id) for e in deletions] == [
        (None, "attendee", str(attendee_pk)),
        (None, "co", str(world.co.pk)),
    ]


# --- what you may not see is a 404 ---------------------------------------------------------------


@pytest.mark.parametrize("endpoint", ["note", "attendance"])
@pytest.mark.parametrize("method", ["get", "put"])
def test_a_private_groups_session_is_404_to_outsiders_and_403_to_its_members(
    world, endpoint, method
):
    """Outsiders may not even see a private group's session: 404, as for an id that does not
    exist. Its members see the session but may not manage it: 403, as in a public group."""
    world.group.is_public = False
    world.group.save()
    url = f"/api/v1/sessions/{world.session.pk}/{endpoint}/"
    body = NOTE if endpoint == "note" else [{"username": "attendee", "status": "attended"}]

    def call(user):
        client = client_for(user)
        return client.get(url) if method == "get" else client.put(url, body, format="json")

    for outsider in (world.other_member, world.other_facilitator):
        response = call(outsider)
        assert response.status_code == 404
        assert response.json() == call(outsider).json()
        assert "facilitators" not in response.content.decode()
    missing = f"/api/v1/sessions/999999/{endpoint}/"
    assert client_for(world.other_member).get(missing).json() == call(world.other_member).json()
    assert call(world.attendee).status_code == 403
    assert not SessionNote.objects.filter(session=world.session).exists()
    assert RSVP.objects.get(session=world.session, user=world.attendee).attendance == ""
    assert call(world.lead).status_code == 200
