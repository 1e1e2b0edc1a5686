"""Domain events run after commit and only then; notices are data, worded per language."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import translation

from sessions_app import events, services
from sessions_app.models import Notice
from sessions_app.notices import notice_text
from tests.factories import GroupFactory, member, one_off_session


@pytest.fixture
def heard(monkeypatch):
    """Subscribe a recording handler to every event type, on a fresh handler table."""
    monkeypatch.setattr(events, "_handlers", type(events._handlers)(list))
    seen: list[object] = []
    for kind in (
        events.NoticesCreated,
        events.SessionCancelled,
        events.SessionMoved,
        events.SeatFreed,
        events.MembershipApproved,
    ):
        events.subscribe(kind, seen.append)
    return seen


@pytest.mark.django_db(transaction=True)
def test_events_are_heard_after_commit_and_never_after_a_rollback(heard):
    group = GroupFactory(timezone="America/New_York")
    session = one_off_session(group)
    with transaction.atomic():
        services.session_cancel(session=session, reason="Snow")
        assert heard == []  # nothing before the commit
    assert events.SessionCancelled(session_id=session.pk, room_was_open=False) in heard

    heard.clear()
    other = one_off_session(group, starts_in=timedelta(days=3))
    with pytest.raises(RuntimeError), transaction.atomic():
        services.session_cancel(session=other)
        raise RuntimeError("rolled back")
    assert heard == []


@pytest.mark.django_db(transaction=True)
def test_a_failing_subscriber_does_not_stop_the_others_nor_the_change(monkeypatch, caplog):
    monkeypatch.setattr(events, "_handlers", type(events._handlers)(list))
    seen = []

    def broken(event):
        raise ValueError("subscriber bug")

    events.subscribe(events.SessionMoved, broken)
    events.subscribe(events.SessionMoved, seen.append)
    events.subscribe(events.SessionMoved, seen.append)  # twice is once
    group = GroupFactory()
    session = one_off_session(group)
    start = session.start + timedelta(days=1)
    services.session_move(session=session, start=start, end=start + timedelta(hours=1))
    session.refresh_from_db()
    assert session.start == start
    assert seen == [events.SessionMoved(session_id=session.pk)]
    assert "subscriber bug" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_notices_carry_facts_and_are_worded_in_the_readers_language(heard):
    group = GroupFactory(name="Grief Circle", timezone="America/New_York")
    attendee = member(group)
    session = one_off_session(group)
    services.rsvp_create(session=session, user=attendee)
    services.session_cancel(session=session, reason="Facilitator is ill")

    notice = Notice.objects.get(user=attendee)
    assert notice.kind == Notice.Kind.SESSION_CANCELLED
    assert notice.params == {
        "group": "Grief Circle",
        "tz": "America/New_York",
        "start": session.start.isoformat(),
        "reason": "Facilitator is ill",
    }
    assert events.NoticesCreated(notice_ids=(notice.pk,)) in heard
    local = session.start.astimezone(group.tz)
    english = notice_text(notice, language="en")
    assert english == (
        f"Grief Circle on {local:%a %d %b}, {local:%H:%M} is cancelled. Facilitator is ill"
    )
    assert notice.message == english  # the record, in the site's language
    spanish = notice_text(notice, language="es")
    assert spanish.startswith("Grief Circle del ") and "se cancela. Facilitator is ill" in spanish
    with translation.override("es"):
        assert notice_text(notice) == spanish  # the active language by default


@pytest.mark.django_db
def test_every_kind_is_worded_and_old_notices_keep_their_words():
    group = GroupFactory(name="Caregivers", timezone="Europe/Madrid")
    user = member(group)
    session = one_off_session(group)
    start = session.start.isoformat()
    cases = {
        Notice.Kind.SESSION_MOVED: ({"old_start": start}, "Caregivers on "),
        Notice.Kind.SEAT_PROMOTED: ({}, "A seat opened up: you are going to Caregivers on "),
        Notice.Kind.SEAT_OFFERED: ({"until": start}, "A seat is free for Caregivers on "),
        Notice.Kind.MEMBERSHIP_APPROVED: ({}, "You are now a member of Caregivers."),
        Notice.Kind.ATTENDEE_LATE: ({"attendee": "Sam"}, "Sam will be late to Caregivers ("),
    }
    for kind, (extra, opening) in cases.items():
        params = {"group": "Caregivers", "tz": "Europe/Madrid", "start": start, **extra}
        notice = Notice(user=user, session=session, kind=kind, params=params)
        assert notice_text(notice, language="en").startswith(opening), kind
        assert "%(" not in notice_text(notice, language="es"), kind
    legacy = Notice(user=user, kind=Notice.Kind.SEAT_PROMOTED, message="A seat opened up.")
    assert notice_text(legacy, language="es") == "A seat opened up."
