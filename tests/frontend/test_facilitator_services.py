"""The domain functions added for the facilitator pages: opening a room, previewing a schedule
without saving it, the texts about a session, and who may use the workspace."""

from datetime import datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from facilitators import access as fac_access
from rooms import services as room_services
from sessions_app import selectors, services
from sessions_app.errors import NotAllowed, StateConflict
from sessions_app.models import Schedule
from sms import selectors as sms_selectors
from sms.models import OutboundSms
from tests.factories import GroupFactory, UserFactory, facilitator, member, one_off_session

pytestmark = pytest.mark.django_db


def test_room_opens_only_near_the_start_and_only_for_facilitators():
    group = GroupFactory()
    fac = facilitator(group)
    attendee = member(group)
    session = one_off_session(group, starts_in=timedelta(minutes=10))
    with pytest.raises(NotAllowed):
        room_services.room_open(session=session, by=attendee)
    with pytest.raises(NotAllowed):
        room_services.room_open(session=session, by=facilitator(GroupFactory()))
    assert room_services.room_open(session=session, by=fac).room_open
    assert room_services.room_open(session=session, by=fac).room_open
    assert not room_services.room_close(session=session, by=fac).room_open

    later = one_off_session(group, starts_in=timedelta(hours=2))
    with pytest.raises(StateConflict) as exc:
        room_services.room_open(session=later, by=fac)
    assert exc.value.code == "too_early"
    services.session_cancel(session=session, by=fac)
    with pytest.raises(StateConflict) as exc:
        room_services.room_open(session=session, by=fac)
    assert exc.value.code == "session_cancelled"


def test_schedule_preview_matches_what_is_materialised_and_saves_nothing():
    group = GroupFactory(timezone="America/New_York")
    start = datetime(2030, 1, 1, 19, 0)
    recurrence = {"frequency": "monthly", "byweekday": ["MO"], "bysetpos": 1, "count": 5}
    preview = selectors.schedule_preview(group=group, start=start, recurrence=recurrence)
    assert Schedule.objects.count() == 0
    schedule = services.schedule_create(
        group=group,
        start=start,
        duration_minutes=60,
        recurrence=recurrence,
        now=datetime(2029, 12, 1, tzinfo=timezone.get_current_timezone()),
    )
    stored = list(schedule.sessions.order_by("start").values_list("start", flat=True))
    # Materialisation stops at the 120-day horizon; the preview does not.
    assert stored and preview[: len(stored)] == stored
    assert len(preview) == 5
    assert [p.astimezone(group.tz).hour for p in preview] == [19] * 5


def test_schedule_preview_refuses_what_the_service_refuses():
    group = GroupFactory()
    with pytest.raises(ValidationError) as exc:
        selectors.schedule_preview(
            group=group,
            start=datetime(2030, 1, 1, 19, 0),
            recurrence={"frequency": "weekly", "bysetpos": 1, "byweekday": ["MO"]},
        )
    assert "recurrence.bysetpos" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        selectors.schedule_preview(group=group, start=datetime(2001, 1, 1, 19), recurrence=None)
    assert "start" in exc.value.message_dict


def test_session_outbound_lists_only_that_sessions_texts():
    group = GroupFactory()
    session, other = one_off_session(group), one_off_session(group, starts_in=timedelta(days=4))
    now = timezone.now()
    for key, s in [("a", session), ("b", other), ("c", session)]:
        OutboundSms.objects.create(
            idempotency_key=key,
            kind="reminder",
            to="+15555550100",
            body="x",
            session=s,
            send_after=now,
            expires_at=now + timedelta(days=1),
        )
    keys = list(
        sms_selectors.session_outbound(session=session).values_list("idempotency_key", flat=True)
    )
    assert keys == ["a", "c"]


def test_who_may_use_the_facilitator_workspace():
    from django.contrib.auth.models import AnonymousUser

    group = GroupFactory()
    assert fac_access.can_use_facilitator_pages(user=facilitator(group))
    assert fac_access.can_use_facilitator_pages(user=UserFactory(is_staff=True))
    assert not fac_access.can_use_facilitator_pages(user=member(group))
    assert not fac_access.can_use_facilitator_pages(user=AnonymousUser())
    assert not fac_access.can_review_safety(user=facilitator(group))
