"""Texts follow the person's notification choices (sessions_app.selectors.notification_channels):
"email" and "none" stop them, "sms" and "both" keep them, for reminders, changes and waitlist;
the choice is asked again just before a text goes out."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from sessions_app import services as core_services
from sessions_app.models import RSVP
from sms import services
from sms.models import OutboundSms
from tests.factories import GroupFactory, member, one_off_session
from tests.sms.conftest import sms_user

pytestmark = pytest.mark.django_db

NOON_NY = "2026-06-10T16:00:00Z"


@pytest.fixture
def session():
    with time_machine.travel(NOON_NY, tick=False):
        group = GroupFactory(name="Evening Circle", reminder_offsets_minutes=[1440])
        yield one_off_session(group, starts_in=timedelta(days=1))


@pytest.mark.parametrize(
    ("channel", "texted"), [("sms", 1), ("both", 1), ("email", 0), ("none", 0)]
)
def test_reminders_are_planned_only_for_people_who_take_them_by_text(session, channel, texted):
    chooser = member(session.group, sms_user())
    default = member(session.group, sms_user())
    for person in (chooser, default):
        RSVP.objects.create(session=session, user=person, status=RSVP.Status.GOING)
    core_services.notification_preferences_set(user=chooser, choices={"reminders": channel})
    with time_machine.travel(session.start - timedelta(hours=24), tick=False):
        services.reminders_plan()
    to = set(OutboundSms.objects.filter(kind="reminder").values_list("user_id", flat=True))
    assert to == ({chooser.pk, default.pk} if texted else {default.pk})


@pytest.mark.parametrize(
    ("channel", "texted"), [("sms", True), ("both", True), ("email", False), ("none", False)]
)
def test_a_cancellation_is_texted_only_to_people_who_chose_texts_for_changes(
    session, channel, texted, outbox, django_capture_on_commit_callbacks
):
    person = member(session.group, sms_user())
    RSVP.objects.create(session=session, user=person, status=RSVP.Status.GOING)
    core_services.notification_preferences_set(user=person, choices={"changes": channel})
    with time_machine.travel(NOON_NY, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            core_services.session_cancel(session=session, reason="")
    assert [m["to"] for m in outbox] == ([str(person.phone)] if texted else [])


def test_a_waitlist_promotion_follows_the_waitlist_choice(
    session, outbox, django_capture_on_commit_callbacks
):
    session.capacity = 1
    session.save(update_fields=["capacity"])
    first = member(session.group, sms_user())
    waiting = member(session.group, sms_user())
    core_services.notification_preferences_set(user=waiting, choices={"waitlist": "email"})
    with time_machine.travel(NOON_NY, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            core_services.rsvp_create(session=session, user=first)
            core_services.rsvp_create(session=session, user=waiting)
            core_services.rsvp_cancel(session=session, user=first)
    assert RSVP.objects.get(session=session, user=waiting).status == "going"
    assert outbox == []


def test_a_choice_changed_after_queueing_stops_the_text_before_it_goes(session, outbox):
    person = member(session.group, sms_user())
    RSVP.objects.create(session=session, user=person, status=RSVP.Status.GOING)
    with time_machine.travel(NOON_NY, tick=False):
        row = OutboundSms.objects.create(
            idempotency_key="reminder-choice",
            kind="reminder",
            to=str(person.phone),
            body="Hearth: reminder",
            user=person,
            session=session,
            session_start=session.start,
            send_after=timezone.now(),
            expires_at=session.start - timedelta(minutes=15),
        )
        core_services.notification_preferences_set(user=person, choices={"reminders": "none"})
        assert services.outbound_send(outbound_id=row.pk) == "not_chosen"
    row.refresh_from_db()
    assert (row.status, row.reason) == ("cancelled", "not_chosen")
    assert outbox == []


def test_a_verification_code_goes_whatever_the_choices(outbox, django_capture_on_commit_callbacks):
    person = sms_user()
    core_services.notification_preferences_set(
        user=person, choices=dict.fromkeys(["reminders", "changes", "waitlist"], "none")
    )
    with time_machine.travel(NOON_NY, tick=True), django_capture_on_commit_callbacks(execute=True):
        services.phone_verification_start(user=person, phone="+14155550177")
    assert [m["to"] for m in outbox] == ["+14155550177"]
