"""Letters of attendance: what they say, their codes (forged and altered ones refused), the
API and pages per role, and the audit entry of each issue."""

from datetime import date, timedelta

import pytest
from rest_framework.test import APIClient

from facilitators.services import account_export
from sessions_app import selectors, services
from sessions_app.models import RSVP, AttendanceLetter, AuditEntry, FacilitatorAssignment
from tests.factories import GroupFactory, UserFactory, ended_session, facilitator, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    class World:
        pass

    w = World()
    w.group = GroupFactory(name="Tuesday circle", slug="tuesday", timezone="America/New_York")
    w.lead = facilitator(w.group, UserFactory(username="lead", display_name="Lee Facilitator"))
    facilitator(
        w.group, UserFactory(username="co", display_name="Cory"), role=FacilitatorAssignment.Role.CO
    )
    w.attendee = member(w.group, UserFactory(username="ash", display_name="Ash"))
    w.other = member(w.group, UserFactory(username="other", display_name="Other"))
    w.sessions = [ended_session(w.group, days_ago=d) for d in (21, 14, 7)]
    marks = ["attended", "no_show", "attended"]
    for session, mark in zip(w.sessions, marks, strict=True):
        RSVP.objects.create(session=session, user=w.attendee, status="going", attendance=mark)
    w.days = [s.start.astimezone(w.group.tz).date() for s in w.sessions]
    return w


def _issue(w, **kwargs):
    args = {
        "user": w.attendee,
        "group": w.group,
        "date_from": w.days[0] - timedelta(days=1),
        "date_to": w.days[-1],
    }
    return services.attendance_letter_issue(**{**args, **kwargs})


def test_a_letter_lists_the_attended_dates_the_group_and_its_lead(world):
    letter = _issue(world)
    assert letter.dates == [world.days[0].isoformat(), world.days[2].isoformat()]
    assert (letter.attendee_name, letter.group_name, letter.facilitator_name) == (
        "Ash",
        "Tuesday circle",
        "Lee Facilitator",
    )
    assert selectors.attendance_letter_for_code(selectors.attendance_letter_code(letter)) == letter
    entry = AuditEntry.objects.get(action="attendance.letter_issue")
    assert (entry.actor, entry.object_id) == (world.attendee, str(letter.pk))
    assert entry.metadata == {"group": world.group.pk, "dates": 2, "reused": False}


def test_the_same_letter_again_has_the_same_code_and_is_audited_again(world):
    first, second = _issue(world), _issue(world)
    assert first == second and AttendanceLetter.objects.count() == 1
    assert AuditEntry.objects.filter(action="attendance.letter_issue").count() == 2


def test_the_range_limits_the_dates(world):
    letter = _issue(world, date_from=world.days[2], date_to=world.days[2])
    assert letter.dates == [world.days[2].isoformat()]


def test_no_attendance_in_range_is_refused_and_nothing_is_written(world):
    with pytest.raises(Exception) as exc:
        _issue(world, user=world.other)
    assert "date_from" in exc.value.message_dict
    assert not AttendanceLetter.objects.exists()
    assert not AuditEntry.objects.filter(action="attendance.letter_issue").exists()


def test_a_range_backwards_is_refused(world):
    with pytest.raises(Exception) as exc:
        _issue(world, date_from=date(2026, 5, 2), date_to=date(2026, 5, 1))
    assert "date_to" in exc.value.message_dict


def test_codes_are_forgiving_of_case_dashes_and_spaces(world):
    code = selectors.attendance_letter_code(_issue(world))
    assert selectors.attendance_letter_for_code(code.lower().replace("-", " ")) is not None


def test_a_forged_code_is_not_valid(world):
    letter = _issue(world)
    # The right reference with a signature made up: as good as guessing.
    forged = letter.reference + "A" * 16
    assert selectors.attendance_letter_for_code(forged) is None
    assert selectors.attendance_letter_for_code("A" * 32) is None
    assert selectors.attendance_letter_for_code("not a code") is None
    assert selectors.attendance_letter_for_code("") is None


def test_a_code_with_one_character_changed_is_not_valid(world):
    code = selectors.attendance_letter_code(_issue(world)).replace("-", "")
    for i in (0, 20, 31):
        changed = code[:i] + ("B" if code[i] != "B" else "C") + code[i + 1 :]
        assert selectors.attendance_letter_for_code(changed) is None


def test_a_letter_altered_in_the_database_no_longer_checks_out(world):
    letter = _issue(world)
    code = selectors.attendance_letter_code(letter)
    AttendanceLetter.objects.filter(pk=letter.pk).update(dates=[*letter.dates, "2026-01-01"])
    assert selectors.attendance_letter_for_code(code) is None
    AttendanceLetter.objects.filter(pk=letter.pk).update(dates=letter.dates, attendee_name="Bo")
    assert selectors.attendance_letter_for_code(code) is None


def test_a_letter_from_before_a_key_rotation_still_checks_out(world, settings):
    code = selectors.attendance_letter_code(_issue(world))
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-" + "x" * 40
    assert selectors.attendance_letter_for_code(code) is not None
    settings.SECRET_KEY_FALLBACKS = []
    assert selectors.attendance_letter_for_code(code) is None


# --- API ------------------------------------------------------------------------------------


def _client(user=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def _query(w, **extra):
    return {
        "group": w.group.slug,
        "date_from": (w.days[0] - timedelta(days=1)).isoformat(),
        "date_to": w.days[-1].isoformat(),
        **extra,
    }


def test_api_issues_the_letter_with_its_code(world):
    response = _client(world.attendee).get("/api/v1/me/attendance-letter/", _query(world))
    assert response.status_code == 200
    letter = AttendanceLetter.objects.get()
    code = selectors.attendance_letter_code(letter)
    assert response.json() == {
        "code": code,
        "verify_url": selectors.attendance_letter_verify_url(letter),
        "attendee_name": "Ash",
        "group_name": "Tuesday circle",
        "facilitator_name": "Lee Facilitator",
        "date_from": (world.days[0] - timedelta(days=1)).isoformat(),
        "date_to": world.days[-1].isoformat(),
        "dates": [world.days[0].isoformat(), world.days[2].isoformat()],
        "issued_at": response.json()["issued_at"],
    }
    assert response.json()["verify_url"].endswith(f"/verify/{code}/")


def test_api_prints_the_name_asked_for(world):
    response = _client(world.attendee).get(
        "/api/v1/me/attendance-letter/", _query(world, name="Ashley Smith")
    )
    assert response.json()["attendee_name"] == "Ashley Smith"


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"date_from": "yesterday"}, "date_from"),
        ({"date_to": ""}, "date_to"),
        ({"group": ""}, "group"),
        ({"date_from": "2026-05-02", "date_to": "2026-05-01"}, "date_to"),
        ({"name": "x" * 101}, "name"),
    ],
)
def test_api_bad_input_is_400_naming_the_field(world, extra, field):
    response = _client(world.attendee).get("/api/v1/me/attendance-letter/", _query(world, **extra))
    assert response.status_code == 400
    assert field in response.json()


def test_api_anonymous_is_401_and_no_attendance_is_400(world):
    assert _client().get("/api/v1/me/attendance-letter/", _query(world)).status_code == 401
    response = _client(world.other).get("/api/v1/me/attendance-letter/", _query(world))
    assert response.status_code == 400 and "date_from" in response.json()


def test_api_a_private_group_you_cannot_see_is_404(world):
    hidden = GroupFactory(is_public=False, slug="hidden")
    response = _client(world.attendee).get(
        "/api/v1/me/attendance-letter/", _query(world, group=hidden.slug)
    )
    assert response.status_code == 404


def test_api_verify_is_public_and_shows_the_letter_only(world):
    letter = _issue(world)
    code = selectors.attendance_letter_code(letter)
    response = _client().get(f"/api/v1/attendance-letters/{code}/")
    assert response.status_code == 200
    assert set(response.json()) == {
        "code",
        "verify_url",
        "attendee_name",
        "group_name",
        "facilitator_name",
        "date_from",
        "date_to",
        "dates",
        "issued_at",
    }
    assert response.json()["dates"] == letter.dates


def test_api_verify_forged_and_altered_codes_are_404(world):
    code = selectors.attendance_letter_code(_issue(world)).replace("-", "")
    altered = code[:-1] + ("A" if code[-1] != "A" else "B")
    for bad in (altered, "A" * 32, "nonsense"):
        assert _client().get(f"/api/v1/attendance-letters/{bad}/").status_code == 404


def test_api_verify_is_throttled(world, settings):
    from django.core.cache import cache

    cache.clear()
    settings.HEARTH_THROTTLE_RATES = {**settings.HEARTH_THROTTLE_RATES, "letter_verify": "2/hour"}
    codes = [_client().get(f"/api/v1/attendance-letters/{'A' * 32}/").status_code for _ in "abc"]
    assert codes == [404, 404, 429]
    cache.clear()


# --- pages ----------------------------------------------------------------------------------


def test_page_makes_a_letter_and_shows_it_to_its_owner_only(world, client):
    client.force_login(world.attendee)
    page = client.get("/account/attendance/")
    assert page.status_code == 200 and b"Tuesday circle" in page.content
    response = client.post(
        "/account/attendance/",
        {
            "group": world.group.slug,
            "date_from": (world.days[0] - timedelta(days=1)).isoformat(),
            "date_to": world.days[-1].isoformat(),
            "name": "",
        },
    )
    letter = AttendanceLetter.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/account/attendance/{letter.reference}/"
    shown = client.get(response["Location"])
    assert selectors.attendance_letter_code(letter) in shown.content.decode()
    assert "Lee Facilitator" in shown.content.decode()
    client.force_login(world.other)
    assert client.get(f"/account/attendance/{letter.reference}/").status_code == 404
    client.logout()
    assert client.get(f"/account/attendance/{letter.reference}/").status_code == 302


def test_page_no_attendance_is_400_with_the_reason(world, client):
    client.force_login(world.attendee)
    response = client.post(
        "/account/attendance/",
        {"group": world.group.slug, "date_from": "2020-01-01", "date_to": "2020-02-01"},
    )
    assert response.status_code == 400
    assert b"No attendance of yours" in response.content


def test_verify_page_valid_and_not_valid(world, client):
    letter = _issue(world)
    code = selectors.attendance_letter_code(letter)
    ok = client.get(f"/verify/{code}/")
    assert ok.status_code == 200 and b"This code is valid" in ok.content
    assert b"Ash" in ok.content and b"Tuesday circle" in ok.content
    assert client.get("/verify/", {"code": code.lower()}).status_code == 200
    bad = client.get(f"/verify/{'A' * 32}/")
    assert bad.status_code == 404 and b"This code is not valid" in bad.content
    assert client.get("/verify/").status_code == 200


def test_my_export_holds_my_letters_and_answers(world):
    letter = _issue(world)
    data = account_export(user=world.attendee)
    assert data["attendance_letters"] == [
        {
            "reference": letter.reference,
            "group_name": "Tuesday circle",
            "attendee_name": "Ash",
            "date_from": letter.date_from.isoformat(),
            "date_to": letter.date_to.isoformat(),
            "dates": letter.dates,
            "issued_at": data["attendance_letters"][0]["issued_at"],
        }
    ]
    assert account_export(user=world.other)["attendance_letters"] == []
