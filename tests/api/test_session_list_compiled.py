"""The session list's compiled path (sessions_app/selectors/compiled.py, api/filters.py's
session_list_lookups) answers as the ORM and django-filter did: for each kind of viewer and
each filter, on the first request of a shape and on later ones, with 400s naming the field."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from rest_framework.test import APIClient

from api.filters import SessionFilter
from api.serializers import SessionSerializer
from sessions_app import services
from sessions_app.models import Membership, Session, SupportGroup, Venue
from sessions_app.selectors import sessions_visible, sessions_with_counts
from sessions_app.selectors.compiled import compiled_count, compiled_rows
from tests.factories import GroupFactory, UserFactory, facilitator, member, one_off_session

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def orm_answer(user, params: dict) -> list[dict]:
    """The list as the ORM and django-filter computed it before the compiled path."""
    sessions = SessionFilter(params, queryset=sessions_visible(user=user or AnonymousUser())).qs
    if "start_after" not in params:
        sessions = sessions.filter(end__gt=timezone.now())
    serializer = SessionSerializer()
    return [
        serializer.to_representation(s)
        for s in sessions_with_counts(sessions).order_by("start", "pk")
    ]


@pytest.fixture
def world():
    venue = Venue.objects.create(name="Library", address="1 Main St", city="Pune")
    public = GroupFactory(slug="public", venue=venue, timezone="Asia/Kolkata")
    hybrid = GroupFactory(slug="hybrid", format=SupportGroup.Format.HYBRID)
    hidden = GroupFactory(slug="hidden", is_public=False, timezone="Europe/Paris")
    other_hidden = GroupFactory(slug="other-hidden", is_public=False)
    for group in (public, hybrid, hidden, other_hidden):
        for days in (1, 3, 9):
            one_off_session(group, starts_in=timedelta(days=days, hours=2))
    pending = member(hidden, status=Membership.Status.PENDING)
    services.rsvp_create(session=Session.objects.filter(group=public).first(), user=member(public))
    return {
        "anonymous": None,
        "outsider": UserFactory(),
        "pending member": pending,
        "facilitator": facilitator(other_hidden),
        "staff": UserFactory(is_staff=True),
    }


def test_every_viewer_and_filter_gets_what_the_orm_gave(world):
    soon = (timezone.now() + timedelta(days=2)).isoformat()
    later = (timezone.now() + timedelta(days=5)).isoformat()
    queries = [
        {},
        {"group": "hidden"},
        {"group": "public", "format": "online"},
        {"format": "hybrid"},
        {"start_after": soon},
        {"start_after": soon, "start_before": later},
        {"start_before": later, "group": "other-hidden"},
        {"start_after": ""},  # present but empty: neither filter nor "not over yet"
        {"group": "  public  "},  # the CharField strips, as django-filter's form did
    ]
    seen = set()
    for name, user in world.items():
        for params in queries:
            for _ in range(2):  # the first request compiles the shape, the second reuses it
                body = client_for(user).get("/api/v1/sessions/", params).json()
                expected = orm_answer(user, params)
                assert body["results"] == expected, (name, params)
                assert body["count"] == len(expected), (name, params)
            seen.add((name, len(expected)))
    # The viewers do see different things (the comparison above is not between empties).
    assert len({n for _, n in seen}) > 3


def test_a_reused_shape_reads_the_data_of_now_not_of_the_first_request(world):
    client = client_for(None)
    first = client.get("/api/v1/sessions/", {"group": "public"}).json()
    session = Session.objects.filter(group__slug="public").order_by("start").first()
    services.session_cancel(session=session, reason="Snow", by=world["staff"])
    one_off_session(SupportGroup.objects.get(slug="public"), starts_in=timedelta(days=20))
    again = client.get("/api/v1/sessions/", {"group": "public"}).json()
    assert again["count"] == first["count"] + 1
    assert again["results"][0]["status"] == "cancelled" != first["results"][0]["status"]
    other = client.get("/api/v1/sessions/", {"group": "hybrid"}).json()
    assert {s["group"] for s in other["results"]} == {"hybrid"}


def test_pages_and_their_links_are_drf_pages(world):
    client = client_for(world["staff"])
    page1 = client.get("/api/v1/sessions/?page_size=5").json()
    page3 = client.get("/api/v1/sessions/?page_size=5&page=3").json()
    assert page1["count"] == page3["count"] == 12
    assert page1["next"].endswith("/api/v1/sessions/?page=2&page_size=5")
    assert page1["previous"] is None and page3["next"] is None
    assert page3["previous"].endswith("/api/v1/sessions/?page=2&page_size=5")
    ids = [s["id"] for s in orm_answer(world["staff"], {})]
    assert [s["id"] for s in page1["results"] + page3["results"]] == ids[:5] + ids[10:]
    past = client.get("/api/v1/sessions/?page=4&page_size=5")
    assert (past.status_code, past.json()) == (404, {"detail": "Invalid page."})


@pytest.mark.parametrize(
    ("params", "errors"),
    [
        ({"start_before": "soon"}, {"start_before": ["Enter a valid date/time."]}),
        (
            {"format": "zoom"},
            {"format": ["Select a valid choice. zoom is not one of the available choices."]},
        ),
        (
            {"start_after": "x", "format": "zoom", "start_before": "y"},
            {
                "start_after": ["Enter a valid date/time."],
                "start_before": ["Enter a valid date/time."],
                "format": ["Select a valid choice. zoom is not one of the available choices."],
            },
        ),
        ({"start_before": "0001-01-01T00:00:00+01:00"}, {"start_before": ["Out of range."]}),
    ],
)
def test_bad_filters_are_a_400_naming_each_field(params, errors):
    response = APIClient().get("/api/v1/sessions/", params)
    assert (response.status_code, response.json()) == (400, errors)
    assert list(response.json()) == list(errors)  # in the filters' order, as before


def test_a_slot_that_is_not_a_parameter_is_refused():
    """A value the compiled SQL does not carry would be silently ignored: refused instead."""
    one_off_session(GroupFactory())

    def ignores_slug(values):
        return Session.objects.values_list("pk")

    with pytest.raises(RuntimeError, match="slot 'slug'"):
        compiled_rows(("test-ignores",), ignores_slug, {"slug": "x"})
    with pytest.raises(RuntimeError, match="slot 'slug'"):
        compiled_count(("test-ignores",), lambda values: Session.objects.all(), {"slug": "x"})
