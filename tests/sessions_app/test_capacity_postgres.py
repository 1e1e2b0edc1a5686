"""Capacity under real concurrency: PostgreSQL, one connection per thread, a Barrier."""

import threading

import pytest
from django.db import close_old_connections, connection

from sessions_app import services
from sessions_app.models import RSVP
from tests.factories import GroupFactory, member, one_off_session

THREADS = 50
SEATS = 10
REPETITIONS = 20


def _rsvp_all_at_once(session, users):
    barrier = threading.Barrier(len(users))
    errors = []

    def go(person):
        try:
            barrier.wait(timeout=30)
            services.rsvp_create(session=session, user=person)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=go, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    close_old_connections()
    return errors


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_rsvps_for_ten_seats():
    assert connection.vendor == "postgresql"
    for repetition in range(REPETITIONS):
        group = GroupFactory(capacity=SEATS)
        session = one_off_session(group)
        users = [member(group) for _ in range(THREADS)]
        errors = _rsvp_all_at_once(session, users)
        assert errors == [], f"repetition {repetition}"

        rsvps = list(RSVP.objects.filter(session=session))
        assert len(rsvps) == THREADS  # no duplicates, nobody lost
        going = [r for r in rsvps if r.status == RSVP.Status.GOING]
        waiting = sorted(
            (r for r in rsvps if r.status == RSVP.Status.WAITLISTED), key=lambda r: r.waitlist_order
        )
        assert len(going) == SEATS
        assert len(waiting) == THREADS - SEATS
        # Positions 1..40 in arrival (commit) order, no gaps, no repeats.
        from sessions_app.selectors import rsvp_waitlist_position

        assert [rsvp_waitlist_position(rsvp=r) for r in waiting] == list(
            range(1, THREADS - SEATS + 1)
        )
        # Waitlist order follows arrival: creation times never go backwards along the queue.
        assert [r.created_at for r in waiting] == sorted(r.created_at for r in waiting)

    # Cancelling a going RSVP promotes position 1.
    first_waiting = waiting[0]
    services.rsvp_cancel(session=session, user=going[0].user)
    first_waiting.refresh_from_db()
    assert first_waiting.status == RSVP.Status.GOING
    assert RSVP.objects.filter(session=session, status="going").count() == SEATS
