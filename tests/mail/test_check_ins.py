"""Check-ins by each person's channel: the question after a session and "we missed you" after
missed ones go by text, email, both or neither as the person chose for check-ins, through the
email outbox (once each; a streak of three sends once), inside quiet hours in the recipient's
zone, with a text and an HTML part in their language and a one-click unsubscribe; the absence
email never names the group or its topic."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail as django_mail
from django.test import Client

from mail import checkins, content
from mail import services as mail_services
from mail.models import OutboundEmail
from sessions_app import selectors
from sessions_app import services as core
from sessions_app.models import RSVP, NotificationPreference
from sms import backends as sms_backends
from sms import services as sms_services
from sms.models import OutboundSms
from tests.factories import GroupFactory, UserFactory, ended_session, member, one_off_session
from tests.sms.conftest import sms_user

pytestmark = pytest.mark.django_db

# 15:00 UTC is 11:00 in New York: inside the default send window.
DAYTIME = "2026-06-10T15:00:00Z"
KINDS = ["feedback_ask", "absence_check_in"]


def _checkins(user, channel):
    NotificationPreference.objects.update_or_create(
        user=user, category="checkins", defaults={"channel": channel}
    )


@pytest.fixture
def world(db):
    with time_machine.travel(DAYTIME, tick=False):

        class World:
            pass

        w = World()
        w.group = GroupFactory(name="Grief circle", topic="grief")
        w.regular = member(w.group, UserFactory())  # always there: presence was recorded
        w.past = [ended_session(w.group, days_ago=d) for d in (15, 8, 1)]
        w.next = one_off_session(w.group, starts_in=timedelta(days=6))
        for session in w.past:
            RSVP.objects.create(
                session=session, user=w.regular, status="going", attendance="attended"
            )
    return w


def _person(world, channel, *, texts=True, **fields):
    user = member(world.group, sms_user(**fields) if texts else UserFactory(**fields))
    if channel:
        _checkins(user, channel)
    return user


def _due(world, user, kind):
    """Make `user` due for `kind`: there at the last session, or missing the last two."""
    if kind == "feedback_ask":
        RSVP.objects.create(
            session=world.past[-1], user=user, status="going", attendance="attended"
        )
    else:
        for session in world.past[1:]:
            RSVP.objects.create(session=session, user=user, status="going", attendance="no_show")


def _sweeps(at=DAYTIME, capture=None):
    """Both channels' check-in sweeps, then the email sweep sends what is due."""
    with time_machine.travel(at, tick=False):
        sms_services.checkins_sweep()
        result = checkins.checkins_sweep()
        mail_services.mail_sweep(send_here=True)
    return result


def _emails(kind):
    return list(OutboundEmail.objects.filter(kind=kind).order_by("pk"))


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("channel", "emailed", "texted"),
    [
        ("sms", False, True),
        ("email", True, False),
        ("both", True, True),
        ("none", False, False),
    ],
)
def test_each_check_in_goes_by_the_channels_chosen(world, kind, channel, emailed, texted):
    person = _person(world, channel)
    _due(world, person, kind)
    sms_backends.outbox.messages.clear()
    _sweeps()
    assert [m.to for m in django_mail.outbox] == ([[person.email]] if emailed else [])
    assert [r.user for r in _emails(kind)] == ([person] if emailed else [])
    texts = OutboundSms.objects.filter(kind=kind, user=person)
    assert texts.count() == (1 if texted else 0)


def test_without_a_choice_nobody_is_emailed_a_check_in(world):
    quiet = _person(world, None, texts=False)  # check-ins are off by default
    _due(world, quiet, "feedback_ask")
    _sweeps()
    assert django_mail.outbox == [] and OutboundEmail.objects.count() == 0


def test_the_question_by_email_says_it_in_text_and_html_with_its_own_link(world):
    person = _person(world, "email", texts=False)
    _due(world, person, "feedback_ask")
    _sweeps()
    [message] = django_mail.outbox
    last = world.past[-1]
    link = selectors.feedback_link_url(session_id=last.pk, user_id=person.pk)
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert message.subject == "How was Grief circle?"
    assert "Was Grief circle on" in message.body and link in message.body
    assert f'<a href="{link}">Answer in one tap</a>' in html
    unsubscribe = message.extra_headers["List-Unsubscribe"].strip("<>")
    token = unsubscribe.removeprefix("https://hearth.example.org/mail/unsubscribe/").strip("/")
    assert content.unsubscribe_read(token) == (person.pk, "checkins")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_we_missed_you_by_email_names_neither_the_group_nor_its_topic(world):
    person = _person(world, "email", texts=False)
    _due(world, person, "absence_check_in")
    _sweeps()
    [message] = django_mail.outbox
    html = message.alternatives[0][0]
    assert message.subject == "We missed you"
    for words in (message.subject, message.body, html):
        assert "grief" not in words.lower() and "circle" not in words.lower()
    link = selectors.session_link_url(session_id=world.next.pk, user_id=person.pk)
    assert "We missed you. The next session is on" in message.body and link in message.body
    assert f'href="{link}"' in html


def test_in_spanish_for_a_spanish_speaker(world):
    person = _person(world, "email", texts=False, language="es")
    _due(world, person, "absence_check_in")
    _sweeps()
    [message] = django_mail.outbox
    html = message.alternatives[0][0]
    assert message.subject == "Le echamos de menos"
    assert message.body.startswith("Le echamos de menos.")
    assert '<html lang="es">' in html
    assert "Ver la próxima sesión" in html


def test_a_streak_of_three_sends_one_email(world):
    person = _person(world, "email", texts=False)
    RSVP.objects.create(session=world.past[1], user=person, status="going", attendance="no_show")
    _sweeps()
    assert _emails("absence_check_in") == []  # one miss is no streak
    RSVP.objects.create(session=world.past[2], user=person, status="going", attendance="no_show")
    _sweeps()
    _sweeps()
    # A third miss in the same streak: the sweep finds it again, the key says "done".
    with time_machine.travel(DAYTIME, tick=False):
        third = ended_session(world.group, days_ago=0.2)
    RSVP.objects.create(session=third, user=world.regular, status="going", attendance="attended")
    RSVP.objects.create(session=third, user=person, status="going", attendance="no_show")
    _sweeps()
    [row] = _emails("absence_check_in")
    assert row.idempotency_key == f"absence:{person.pk}:{world.past[1].pk}"
    assert row.status == OutboundEmail.Status.SENT
    assert len(django_mail.outbox) == 1


def test_the_question_is_emailed_once_and_not_after_an_answer(world):
    asked = _person(world, "email", texts=False)
    answered_early = _person(world, "email", texts=False)
    for person in (asked, answered_early):
        _due(world, person, "feedback_ask")
    with time_machine.travel(DAYTIME, tick=False):
        core.feedback_give(session=world.past[-1], user=answered_early, helpful="yes")
    _sweeps()
    _sweeps()
    assert [m.to for m in django_mail.outbox] == [[asked.email]]
    assert [r.user for r in _emails("feedback_ask")] == [asked]


def test_an_answer_given_while_the_question_waits_for_morning_cancels_it(world):
    person = _person(world, "email", texts=False)
    _due(world, person, "feedback_ask")
    # 03:00 UTC is 23:00 in New York: held for 09:00 there.
    _sweeps(at="2026-06-10T03:00:00Z")
    [row] = _emails("feedback_ask")
    assert row.send_after.isoformat() == "2026-06-10T13:00:00+00:00"
    with time_machine.travel("2026-06-10T05:00:00Z", tick=False):
        core.feedback_give(session=world.past[-1], user=person, helpful="somewhat")
    _sweeps(at="2026-06-10T13:00:00Z")
    row.refresh_from_db()
    assert (row.status, row.reason) == (OutboundEmail.Status.CANCELLED, "answered")
    assert django_mail.outbox == []


def test_quiet_hours_are_the_recipients_own(world):
    new_york = _person(world, "email", texts=False)
    tokyo = _person(world, "email", texts=False, timezone="Asia/Tokyo")
    for person in (new_york, tokyo):
        _due(world, person, "absence_check_in")
    # 03:00 UTC: 23:00 the evening before in New York, noon in Tokyo.
    _sweeps(at="2026-06-10T03:00:00Z")
    assert [m.to for m in django_mail.outbox] == [[tokyo.email]]
    waiting = OutboundEmail.objects.get(user=new_york)
    assert waiting.status == OutboundEmail.Status.PENDING
    assert waiting.send_after.isoformat() == "2026-06-10T13:00:00+00:00"
    _sweeps(at="2026-06-10T13:00:00Z")
    assert sorted(m.to[0] for m in django_mail.outbox) == sorted([tokyo.email, new_york.email])


def test_a_cancelled_next_session_cancels_the_waiting_we_missed_you(
    world, django_capture_on_commit_callbacks
):
    person = _person(world, "email", texts=False)
    _due(world, person, "absence_check_in")
    _sweeps(at="2026-06-10T03:00:00Z")  # waits for the morning in New York
    with (
        time_machine.travel("2026-06-10T05:00:00Z", tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        core.session_cancel(session=world.next, reason="")
    _sweeps(at="2026-06-10T13:00:00Z")
    row = OutboundEmail.objects.get(kind="absence_check_in")
    assert (row.status, row.reason) == (OutboundEmail.Status.CANCELLED, "session_cancelled")
    assert django_mail.outbox == []


def test_one_click_unsubscribe_from_a_check_in_keeps_the_texts(world):
    person = _person(world, "both")
    _due(world, person, "feedback_ask")
    _sweeps()
    [message] = django_mail.outbox
    url = message.extra_headers["List-Unsubscribe"].strip("<>")
    response = Client().post(url.removeprefix("https://hearth.example.org"))
    assert response.status_code == 200
    assert selectors.notification_choices(user=person)["checkins"] == "sms"
    assert selectors.notification_channels(user=person, category="checkins") == {"sms"}


def test_the_beat_runs_the_email_check_ins(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["mail-check-ins"]
    assert entry == {"task": "mail.tasks.mail_check_ins", "schedule": 15 * 60}
