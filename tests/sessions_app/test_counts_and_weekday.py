"""Going/waitlist counts on the session row (database triggers) and the stored weekday.

The counts must equal a fresh COUNT of the RSVPs after every kind of change: the services,
a bulk update, a cascade from a deleted user, a stale instance saved again, and a migration
that dropped the triggers (SQLite rebuilds a table to alter it). Runs on SQLite and, with
DATABASE_URL set, on PostgreSQL (each has its own trigger SQL).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management.sql import emit_post_migrate_signal
from django.db import connection
from django.db.models import Count, Q
from django.utils import timezone

from sessions_app import selectors, services
from sessions_app.counts import (
    TRIGGERS,
    drop_count_triggers,
    ensure_count_triggers,
    existing_count_triggers,
)
from sessions_app.models import RSVP, Session, SupportGroup
from tests.factories import GroupFactory, UserFactory, member, one_off_session, weekly_schedule

pytestmark = pytest.mark.django_db


def counted(session: Session) -> tuple[int, int]:
    """(going, waitlisted) counted from the RSVP table now."""
    rsvps = RSVP.objects.filter(session=session)
    return (
        rsvps.filter(status=RSVP.Status.GOING).count(),
        rsvps.filter(status=RSVP.Status.WAITLISTED).count(),
    )


def stored(session: Session) -> tuple[int, int]:
    return tuple(
        Session.objects.filter(pk=session.pk).values_list("going_count", "waitlist_count").get()
    )


def all_agree() -> bool:
    rows = Session.objects.annotate(
        g=Count("rsvps", filter=Q(rsvps__status="going")),
        w=Count("rsvps", filter=Q(rsvps__status="waitlisted")),
    ).values_list("going_count", "waitlist_count", "g", "w")
    return all((a, b) == (c, d) for a, b, c, d in rows)


@pytest.fixture
def full_session():
    group = GroupFactory(capacity=2)
    session = one_off_session(group)
    people = [member(group) for _ in range(4)]
    return session, people


def test_the_triggers_are_there_after_migrate():
    assert existing_count_triggers(connection) == set(TRIGGERS)


def test_counts_follow_rsvps_waitlist_and_cancellations(full_session):
    session, people = full_session
    assert stored(session) == (0, 0)
    for person in people:
        services.rsvp_create(session=session, user=person)
    assert stored(session) == counted(session) == (2, 2)
    services.rsvp_create(session=session, user=people[0])  # idempotent: no double count
    assert stored(session) == (2, 2)
    services.rsvp_cancel(session=session, user=people[0])  # a waitlisted person moves up
    assert stored(session) == counted(session)
    services.rsvp_cancel(session=session, user=people[3])
    assert stored(session) == counted(session)
    assert all_agree()


def test_counts_follow_bulk_updates_cascades_and_raw_moves(full_session):
    session, people = full_session
    other = one_off_session(session.group, starts_in=timedelta(days=3))
    for person in people:
        services.rsvp_create(session=session, user=person)
    RSVP.objects.filter(session=session, status=RSVP.Status.WAITLISTED).update(
        status=RSVP.Status.CANCELLED
    )
    assert stored(session) == counted(session) == (2, 0)
    RSVP.objects.filter(session=session, user=people[0]).update(session=other)
    assert stored(session) == (1, 0) and stored(other) == (1, 0)
    people[1].delete()  # the account goes, its RSVPs with it (a cascade)
    assert stored(session) == counted(session) == (0, 0)
    assert all_agree()


def test_a_stale_session_saved_again_keeps_the_counts(full_session):
    session, people = full_session
    stale = Session.objects.get(pk=session.pk)
    services.rsvp_create(session=session, user=people[0])
    stale.cancel_reason = "edited in the admin"
    stale.save()  # a full save of an instance read before the RSVP
    assert stored(session) == (1, 0)
    stale.save(update_fields=["cancel_reason", "going_count"])
    assert stored(session) == (1, 0)


def test_dropped_triggers_come_back_with_the_next_migrate_and_recount(full_session):
    session, people = full_session
    services.rsvp_create(session=session, user=people[0])
    # As when SQLite rebuilds the RSVP table in a later migration: the triggers are gone.
    drop_count_triggers(connection)
    services.rsvp_create(session=session, user=people[1])
    assert stored(session) == (1, 0)  # not followed while they are missing
    # What `migrate` sends at its end: the handler puts them back and recounts.
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    assert existing_count_triggers(connection) == set(TRIGGERS)
    assert stored(session) == counted(session) == (2, 0)
    services.rsvp_create(session=session, user=people[2])
    assert stored(session) == (2, 1)
    assert ensure_count_triggers(connection) is False  # nothing missing: nothing done


# --- weekday ----------------------------------------------------------------------------------


def local_weekday(session: Session) -> int:
    session.refresh_from_db()
    return session.start.astimezone(session.group.tz).weekday()


def test_weekday_is_the_groups_local_weekday_and_follows_moves_and_zone_changes():
    # 23:30 on a Tuesday in Los Angeles is already Wednesday in UTC.
    group = GroupFactory(timezone="America/Los_Angeles")
    weekly_schedule(group, "2030-01-01T23:30:00", byweekday=("TU",))
    services.sessions_materialize(now=timezone.now(), horizon_days=3650)
    sessions = list(Session.objects.filter(group=group)[:5])
    assert sessions and {s.weekday for s in sessions} == {1}  # Tuesday
    assert all(s.start.weekday() == 2 for s in sessions)  # Wednesday in UTC

    session = sessions[0]
    services.session_move(
        session=session, start=session.start + timedelta(days=1), end=session.end + timedelta(1)
    )
    session.refresh_from_db()
    assert session.weekday == local_weekday(session) == 2

    services.group_update(group=SupportGroup.objects.get(pk=group.pk), timezone="Asia/Tokyo")
    for s in Session.objects.filter(group=group):
        assert s.weekday == local_weekday(s)


def test_day_filter_reads_the_stored_weekday():
    group = GroupFactory(timezone="Pacific/Auckland")
    session = one_off_session(group, starts_in=timedelta(days=2))
    day = local_weekday(session)
    groups = SupportGroup.objects.all()
    assert list(selectors.groups_meeting_on_weekday(groups, weekday=day)) == [group]
    assert not selectors.groups_meeting_on_weekday(groups, weekday=(day + 1) % 7).exists()
    services.session_cancel(session=session, reason="", by=UserFactory(is_staff=True))
    assert not selectors.groups_meeting_on_weekday(groups, weekday=day).exists()
