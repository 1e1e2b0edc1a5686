"""The session list, the directory and the group page cost the same number of queries whatever
the number of groups, sessions and RSVPs (no timing here: figures are in docs/benchmarks.md),
and the list's tuple path gives the same payload as the serializer."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from api.serializers import SessionSerializer
from sessions_app import services
from sessions_app.models import Session, Venue
from sessions_app.selectors import sessions_with_counts
from tests.factories import GroupFactory, UserFactory, member, one_off_session

pytestmark = pytest.mark.django_db


def grow(n_groups: int, people):
    """n_groups more groups, each with three sessions and RSVPs from everyone in `people`."""
    venue = Venue.objects.create(name="Hall")
    for i in range(n_groups):
        group = GroupFactory(topic=["grief", "caregiving"][i % 2], venue=venue if i % 3 else None)
        for days in (1, 2, 4):
            session = one_off_session(group, starts_in=timedelta(days=days, hours=i % 24))
            for person in people:
                services.rsvp_create(session=session, user=member(group, person))


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


def test_the_list_directory_and_group_page_do_not_grow_with_the_data(client, api_client):
    people = [UserFactory() for _ in range(2)]
    staff = UserFactory(is_staff=True)
    grow(3, people)
    group = Session.objects.first().group
    after = (timezone.now() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    urls = [
        "/api/v1/sessions/",
        f"/api/v1/sessions/?start_after={after}&page_size=200",
        "/api/v1/sessions/?format=online",
        "/",
        "/?topic=grief",
        f"/?day={Session.objects.first().weekday}",
        f"/groups/{group.slug}/",
    ]
    viewers = [None, people[0], staff]

    def measure():
        out = {}
        for viewer in viewers:
            if viewer is None:
                client.logout()
            else:
                client.force_login(viewer)
            for url in urls:
                out[(viewer and viewer.username, url)] = queries(client, url)
        return out

    small = measure()
    grow(24, people)  # 27 groups: the directory has two pages now
    big = measure()
    assert big == small
    assert small[(None, "/api/v1/sessions/")] <= 2  # the count and the page
    assert api_client.get("/api/v1/sessions/").json()["count"] == 27 * 3


def test_the_list_rows_give_the_serializers_payload():
    venue = Venue.objects.create(name="Library", address="1 Main St", city="Pune")
    with_venue = GroupFactory(venue=venue, timezone="Asia/Kolkata", capacity=4)
    without = GroupFactory(timezone="America/Los_Angeles")
    for group in (with_venue, without):
        session = one_off_session(group)
        services.rsvp_create(session=session, user=member(group))
        services.session_cancel(session=session, reason="Snow", by=UserFactory(is_staff=True))
    Session.objects.filter(group=without).update(capacity=2)
    sessions = sessions_with_counts(Session.objects.all()).order_by("pk")
    rows = Session.objects.order_by("pk").values_list(*SessionSerializer.ROW_FIELDS)
    serializer = SessionSerializer()
    assert [SessionSerializer.from_row(r) for r in rows] == [
        serializer.to_representation(s) for s in sessions
    ]
    assert [SessionSerializer.from_row(r)["capacity"] for r in rows] == [4, 2]
