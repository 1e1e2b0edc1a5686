"""Schedules through the API (the DST contract, validation), the session list and detail,
cancel/move, RSVP and the waitlist, my RSVPs."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from rest_framework.test import APIClient

from sessions_app import services
from sessions_app.models import RSVP, Notice, Schedule, Session
from tests.factories import GroupFactory, UserFactory, facilitator, member, one_off_session

pytestmark = pytest.mark.django_db


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


# --- the DST contract -------------------------------------------------------------------------


@time_machine.travel(datetime(2026, 10, 1, 12, 0, tzinfo=UTC), tick=False)
def test_weekly_1900_new_york_keeps_its_wall_clock_across_the_november_change():
    group = GroupFactory(slug="ny", timezone="America/New_York")
    lead = facilitator(group)
    response = client_for(lead).post(
        "/api/v1/groups/ny/schedules/",
        {
            "start": "2026-10-20T19:00:00",
            "duration_minutes": 90,
            "recurrence": {"frequency": "weekly", "byweekday": ["TU"], "count": 4},
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["recurrence"] == {
        "frequency": "weekly",
        "interval": 1,
        "byweekday": ["TU"],
        "bysetpos": None,
        "until": None,
        "count": 4,
    }
    assert created["session_count"] == 4
    expected = [
        ("2026-10-20T19:00:00-04:00", "2026-10-20T20:30:00-04:00"),
        ("2026-10-27T19:00:00-04:00", "2026-10-27T20:30:00-04:00"),
        ("2026-11-03T19:00:00-05:00", "2026-11-03T20:30:00-05:00"),
        ("2026-11-10T19:00:00-05:00", "2026-11-10T20:30:00-05:00"),
    ]
    assert [(s["start"], s["end"]) for s in created["sessions"]] == expected
    listed = APIClient().get(
        "/api/v1/sessions/",
        {"group": "ny", "start_after": "2026-10-01T00:00:00Z", "start_before": "2027-01-01"},
    )
    assert [(s["start"], s["end"]) for s in listed.json()["results"]] == expected
    # The instants are right too, not only the labels: 23:00 UTC, then 00:00 UTC.
    starts = Session.objects.filter(group=group).order_by("start").values_list("start", flat=True)
    assert [s.astimezone(UTC).hour for s in starts] == [23, 23, 0, 0]
    detail = APIClient().get(f"/api/v1/sessions/{created['sessions'][3]['id']}/").json()
    assert detail["start"] == "2026-11-10T19:00:00-05:00"


@time_machine.travel(datetime(2026, 10, 1, 12, 0, tzinfo=UTC), tick=False)
@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        (
            {"start": "2026-09-01T19:00:00", "duration_minutes": 60},
            {"start": ["The first session must be in the future."]},
        ),
        (
            {"start": "next tuesday", "duration_minutes": 60},
            {"start": ["Must be a date and time, e.g. 2026-11-03T19:00:00."]},
        ),
        (
            {"start": "2026-11-01T19:00:00", "duration_minutes": 0},
            {"duration_minutes": ["Ensure this value is greater than or equal to 1."]},
        ),
        (
            {
                "start": "2026-11-01T19:00:00",
                "duration_minutes": 60,
                "recurrence": {"frequency": "monthly", "byweekday": ["MO", "TU"], "bysetpos": 1},
            },
            {
                "recurrence": {
                    "byweekday": [
                        '“The Nth weekday of the month” needs exactly one weekday, e.g. ["MO"].'
                    ]
                }
            },
        ),
        (
            {
                "start": "2026-11-01T19:00:00",
                "duration_minutes": 60,
                "recurrence": {"frequency": "weekly", "until": "2026-10-01"},
            },
            {"recurrence": {"until": ["Must not be before the first session."]}},
        ),
        (
            {
                "start": "2026-11-01T19:00:00",
                "duration_minutes": 60,
                "recurrence": {"frequency": "yearly"},
            },
            {"recurrence": {"frequency": ['"yearly" is not a valid choice.']}},
        ),
    ],
)
def test_invalid_schedules_are_400_with_the_field_named(payload, errors):
    group = GroupFactory(slug="ny")
    response = client_for(facilitator(group)).post(
        "/api/v1/groups/ny/schedules/", payload, format="json"
    )
    assert (response.status_code, response.json()) == (400, errors)
    assert not Schedule.objects.exists() and not Session.objects.exists()


def test_ending_a_series_cancels_later_sessions_with_rsvps_and_tells_attendees(group):
    lead = facilitator(group)
    attendee = member(group)
    local = (datetime.now(UTC) + timedelta(days=2)).astimezone(group.tz).replace(tzinfo=None)
    schedule = services.schedule_create(
        group=group,
        start=local.replace(second=0, microsecond=0),
        duration_minutes=60,
        recurrence={"frequency": "weekly", "count": 3},
    )
    first, second, third = Session.objects.filter(schedule=schedule).order_by("start")
    services.rsvp_create(session=second, user=attendee)
    response = client_for(lead).delete(f"/api/v1/groups/{group.slug}/schedules/{schedule.pk}/")
    assert response.status_code == 204
    schedule.refresh_from_db()
    assert schedule.ended_at is not None
    second.refresh_from_db()
    assert second.status == "cancelled"
    assert not Session.objects.filter(pk__in=[first.pk, third.pk]).exists()
    assert Notice.objects.get(user=attendee).kind == "session_cancelled"
    other = GroupFactory()
    assert (
        client_for(lead).delete(f"/api/v1/groups/{other.slug}/schedules/{schedule.pk}/").status_code
        == 403
    )
    assert (
        client_for(facilitator(other))
        .delete(f"/api/v1/groups/{other.slug}/schedules/{schedule.pk}/")
        .status_code
        == 404
    )


# --- listing ----------------------------------------------------------------------------------


def test_session_list_filters_orders_paginates_and_hides_ended_sessions(api_client):
    online = GroupFactory(slug="online", format="online")
    in_person = GroupFactory(slug="local", format="in_person", timezone="Europe/Paris")
    a = one_off_session(online, starts_in=timedelta(days=3))
    b = one_off_session(in_person, starts_in=timedelta(days=1))
    c = one_off_session(online, starts_in=timedelta(days=2))
    with time_machine.travel(datetime.now(UTC) + timedelta(days=1, hours=12)):
        later = api_client.get("/api/v1/sessions/").json()
    assert [s["id"] for s in later["results"]] == [c.pk, a.pk]  # b is over
    page1 = api_client.get("/api/v1/sessions/?page_size=2").json()
    assert page1["count"] == 3 and page1["next"].endswith("/api/v1/sessions/?page=2&page_size=2")
    assert [s["id"] for s in page1["results"]] == [b.pk, c.pk]
    assert [s["id"] for s in api_client.get(page1["next"]).json()["results"]] == [a.pk]
    assert [
        s["id"] for s in api_client.get("/api/v1/sessions/?format=in_person").json()["results"]
    ] == [b.pk]
    assert [
        s["id"] for s in api_client.get("/api/v1/sessions/?group=online").json()["results"]
    ] == [c.pk, a.pk]
    window = {
        "start_after": (c.start - timedelta(minutes=1)).isoformat(),
        "start_before": (a.start).isoformat(),
    }
    assert [s["id"] for s in api_client.get("/api/v1/sessions/", window).json()["results"]] == [
        c.pk
    ]
    bad = api_client.get("/api/v1/sessions/?start_after=yesterday")
    assert bad.status_code == 400 and list(bad.json()) == ["start_after"]
    assert api_client.get("/api/v1/sessions/abc/").status_code == 404
    assert b.group.timezone == "Europe/Paris"
    assert (
        api_client.get(f"/api/v1/sessions/{b.pk}/").json()["start"]
        == b.start.astimezone(in_person.tz).isoformat()
    )


def test_session_list_queries_do_not_grow_with_the_page(api_client, django_assert_max_num_queries):
    groups = [GroupFactory() for _ in range(5)]
    user = UserFactory()
    for group in groups:
        for days in (1, 2, 3, 4):
            session = one_off_session(group, starts_in=timedelta(days=days))
            services.rsvp_create(session=session, user=member(group, user))
    client = client_for(user)
    # count + page + the visibility subquery is inline; session auth adds none (forced).
    with django_assert_max_num_queries(3):
        response = api_client.get("/api/v1/sessions/")
    assert response.json()["count"] == 20
    with django_assert_max_num_queries(3):
        response = client.get("/api/v1/sessions/")
    assert all(s["going_count"] == 1 for s in response.json()["results"])
    with django_assert_max_num_queries(4):
        response = client.get("/api/v1/me/rsvps/")
    assert response.json()["count"] == 20


# --- one session ------------------------------------------------------------------------------


def test_cancel_and_move_tell_attendees_and_bump_the_sequence(group):
    lead = facilitator(group)
    attendee = member(group)
    session = one_off_session(group)
    services.rsvp_create(session=session, user=attendee)
    client = client_for(lead)
    local_start = (session.start + timedelta(days=1)).astimezone(group.tz)
    moved = client.post(
        f"/api/v1/sessions/{session.pk}/move/",
        {
            "start": local_start.replace(tzinfo=None).isoformat(),
            "end": (local_start + timedelta(hours=1)).replace(tzinfo=None).isoformat(),
        },
        format="json",
    )
    assert moved.status_code == 200, moved.content
    assert moved.json()["start"] == local_start.isoformat()
    session.refresh_from_db()
    assert session.sequence == 1 and session.start == local_start
    cancelled = client.post(f"/api/v1/sessions/{session.pk}/cancel/", {}, format="json")
    assert cancelled.json()["status"] == "cancelled"
    session.refresh_from_db()
    assert (session.status, session.sequence) == ("cancelled", 2)
    assert sorted(Notice.objects.filter(user=attendee).values_list("kind", flat=True)) == [
        "session_cancelled",
        "session_moved",
    ]
    refused = client.post(
        f"/api/v1/sessions/{session.pk}/move/",
        {"start": "2030-01-01T10:00:00", "end": "2030-01-01T11:00:00"},
        format="json",
    )
    assert (refused.status_code, refused.json()["code"]) == (409, "session_cancelled")


def test_rsvp_waitlist_idempotency_and_promotion():
    group = GroupFactory(capacity=1)
    session = one_off_session(group)
    first, second, third = (client_for(member(group)) for _ in range(3))
    url = f"/api/v1/sessions/{session.pk}/rsvp/"
    assert first.post(url).json() == {"status": "going", "position": None}
    assert first.post(url).json() == {"status": "going", "position": None}  # idempotent
    assert second.post(url).json() == {"status": "waitlisted", "position": 1}
    assert third.post(url).json() == {"status": "waitlisted", "position": 2}
    assert third.post(url).json() == {"status": "waitlisted", "position": 2}
    detail = APIClient().get(f"/api/v1/sessions/{session.pk}/").json()
    assert (detail["going_count"], detail["waitlist_count"]) == (1, 2)
    assert set(detail) == {
        "id",
        "group",
        "group_name",
        "start",
        "end",
        "timezone",
        "status",
        "cancel_reason",
        "format",
        "capacity",
        "going_count",
        "waitlist_count",
        "venue",
        "room_open",
    }  # counts only: nobody's name
    assert first.delete(url).json() == {"status": "cancelled", "position": None}
    assert first.delete(url).json() == {"status": "cancelled", "position": None}  # harmless
    assert second.post(url).json() == {"status": "going", "position": None}  # promoted
    assert third.post(url).json() == {"status": "waitlisted", "position": 1}
    statuses = dict(RSVP.objects.filter(session=session).values_list("user__username", "status"))
    assert sorted(statuses.values()) == ["cancelled", "going", "waitlisted"]


def test_rsvp_to_cancelled_or_past_sessions_is_409(group):
    user = member(group)
    client = client_for(user)
    session = one_off_session(group)
    services.session_cancel(session=session)
    response = client.post(f"/api/v1/sessions/{session.pk}/rsvp/")
    assert (response.status_code, response.json()["code"]) == (409, "session_cancelled")
    past = one_off_session(group, starts_in=timedelta(hours=1), minutes=30)
    services.rsvp_create(session=past, user=user)
    with time_machine.travel(datetime.now(UTC) + timedelta(hours=2)):
        response = client.post(f"/api/v1/sessions/{past.pk}/rsvp/")
        assert (response.status_code, response.json()["code"]) == (409, "session_past")
        response = client.delete(f"/api/v1/sessions/{past.pk}/rsvp/")
        assert (response.status_code, response.json()["code"]) == (409, "session_past")
    assert RSVP.objects.get(session=past).status == "going"
    assert not RSVP.objects.filter(session=session).exists()


def test_my_rsvps_upcoming_first_with_waitlist_position():
    group = GroupFactory(capacity=1)
    user = member(group)
    later = one_off_session(group, starts_in=timedelta(days=5))
    sooner = one_off_session(group, starts_in=timedelta(days=1))
    services.rsvp_create(session=later, user=member(group))
    client = client_for(user)
    client.post(f"/api/v1/sessions/{later.pk}/rsvp/")
    client.post(f"/api/v1/sessions/{sooner.pk}/rsvp/")
    results = client.get("/api/v1/me/rsvps/").json()["results"]
    assert [(r["session"]["id"], r["status"], r["position"], r["source"]) for r in results] == [
        (sooner.pk, "going", None, "api"),
        (later.pk, "waitlisted", 1, "api"),
    ]


def test_the_fast_session_payload_matches_the_declared_serializer_fields():
    from api.serializers import SessionSerializer
    from sessions_app.models import Venue
    from sessions_app.selectors import sessions_with_counts

    venue = Venue.objects.create(name="Library", address="1 Main St")
    group = GroupFactory(venue=venue, timezone="Asia/Kolkata", capacity=4)
    session = one_off_session(group)
    services.rsvp_create(session=session, user=member(group))
    Session.objects.filter(pk=session.pk).update(capacity=2)
    session = sessions_with_counts(Session.objects.filter(pk=session.pk)).get()
    serializer = SessionSerializer()
    fast = serializer.to_representation(session)
    walked = dict(super(SessionSerializer, serializer).to_representation(session))
    assert fast == walked
    assert (fast["capacity"], fast["going_count"], fast["start"][-6:]) == (2, 1, "+05:30")


@pytest.mark.parametrize("offset", ["+17:13", "-23:59"])
def test_offsets_postgres_cannot_store_are_converted_not_500(api_client, offset):
    """Found by schemathesis on PostgreSQL: Python accepts ±23:59, PostgreSQL ±15:59."""
    group = GroupFactory(slug="g")
    session = one_off_session(group, starts_in=timedelta(days=3))
    response = api_client.get("/api/v1/sessions/", {"start_before": f"2099-01-01T00:00{offset}"})
    assert response.status_code == 200 and response.json()["count"] == 1
    start = (session.start + timedelta(days=1)).astimezone(UTC).replace(tzinfo=None)
    moved = client_for(facilitator(group)).post(
        f"/api/v1/sessions/{session.pk}/move/",
        {
            "start": f"{(start + timedelta(hours=17, minutes=13)).isoformat()}+17:13",
            "end": f"{(start + timedelta(hours=18, minutes=13)).isoformat()}+17:13",
        },
        format="json",
    )
    assert moved.status_code == 200, moved.content
    session.refresh_from_db()
    assert session.start == start.replace(tzinfo=UTC)
    far = api_client.get("/api/v1/sessions/", {"start_after": "0001-01-01T00:00:00+05:00"})
    assert (far.status_code, far.json()) == (400, {"start_after": ["Out of range."]})
