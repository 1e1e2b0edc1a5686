"""One answer per person and session under real concurrency: PostgreSQL, the same person
answering from eight connections at once gets one row and seven clear refusals."""

import threading

import pytest
from django.db import close_old_connections, connection

from sessions_app import services
from sessions_app.errors import StateConflict
from sessions_app.models import RSVP, SessionFeedback
from tests.factories import GroupFactory, ended_session, member

THREADS = 8


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_answer_sent_eight_times_at_once_is_stored_once():
    assert connection.vendor == "postgresql"
    group = GroupFactory()
    session = ended_session(group, days_ago=1)
    person = member(group)
    RSVP.objects.create(session=session, user=person, status="going", attendance="attended")
    barrier = threading.Barrier(THREADS)
    outcomes: list[str] = []

    def go(helpful):
        try:
            barrier.wait(timeout=30)
            services.feedback_give(session=session, user=person, helpful=helpful)
            outcomes.append("stored")
        except StateConflict as exc:
            outcomes.append(exc.code)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            outcomes.append(repr(exc))
        finally:
            connection.close()

    answers = ["yes", "somewhat", "no", "yes", "somewhat", "no", "yes", "no"]
    threads = [threading.Thread(target=go, args=(a,)) for a in answers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    close_old_connections()
    assert sorted(outcomes) == ["feedback_given"] * (THREADS - 1) + ["stored"]
    assert SessionFeedback.objects.filter(session=session, user=person).count() == 1
