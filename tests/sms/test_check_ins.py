"""Check-in texts: the question after a session and "we missed you" after missed ones, only to
people whose `checkins` choice includes texts, inside their quiet hours, once each (a streak of
three sends once); the absence text never names the group or its topic."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from sessions_app import selectors
from sessions_app import services as core
from sessions_app.models import RSVP, NotificationPreference
from sms import bodies, services
from sms.models import OutboundSms
from tests.factories import GroupFactory, ended_session, member, one_off_session
from tests.sms.conftest import sms_user

pytestmark = pytest.mark.django_db

# 15:00 UTC is 11:00 in New York: inside the default send window.
DAYTIME = "2026-06-10T15:00:00Z"


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
        w.texts = member(w.group, sms_user())  # chose check-ins by text
        w.quiet = member(w.group, sms_user())  # never chose check-ins: the default is none
        w.email_only = member(w.group, sms_user())
        w.regular = member(w.group, sms_user())  # always there
        _checkins(w.texts, "sms")
        _checkins(w.email_only, "email")
        w.past = [ended_session(w.group, days_ago=d) for d in (15, 8, 1)]
        w.next = one_off_session(w.group, starts_in=timedelta(days=6))
        for session in w.past:
            RSVP.objects.create(
                session=session, user=w.regular, status="going", attendance="attended"
            )
    return w


def _miss(w, sessions, users):
    for session in sessions:
        for user in users:
            RSVP.objects.create(session=session, user=user, status="going", attendance="no_show")


def _sweep(at=DAYTIME):
    with time_machine.travel(at, tick=False):
        return services.checkins_sweep()


def _absence_texts():
    return list(OutboundSms.objects.filter(kind="absence_check_in").order_by("pk"))


def test_two_misses_send_one_kind_word_to_people_who_chose_check_ins_by_text(world):
    _miss(world, world.past[1:], [world.texts, world.quiet, world.email_only])
    assert _sweep()["absence_check_ins"] == 1
    [text] = _absence_texts()
    assert text.user == world.texts and text.session == world.next
    assert text.idempotency_key == f"absence:{world.texts.pk}:{world.past[1].pk}"
    assert "we missed you" in text.body
    assert "Grief" not in text.body and "grief" not in text.body
    link = selectors.session_link_url(session_id=world.next.pk, user_id=world.texts.pk)
    assert text.body.endswith(link) and len(text.body) <= 160


def test_a_streak_of_three_sends_once(world):
    _miss(world, world.past[1:2], [world.texts])
    _sweep()
    assert _absence_texts() == []  # one miss is no streak
    _miss(world, world.past[2:], [world.texts])
    _sweep()
    _sweep()
    # A third miss in the same streak: the sweep finds it again, the key says "sent".
    with time_machine.travel(DAYTIME, tick=False):
        third = ended_session(world.group, days_ago=0.2)
    RSVP.objects.create(session=third, user=world.regular, status="going", attendance="attended")
    _miss(world, [third], [world.texts])
    _sweep()
    assert len(_absence_texts()) == 1


def test_quiet_hours_hold_the_text_until_morning(world):
    _miss(world, world.past[1:], [world.texts])
    # 03:00 UTC is 23:00 the evening before in New York: held for 09:00 local.
    _sweep(at="2026-06-10T03:00:00Z")
    [text] = _absence_texts()
    assert text.send_after.isoformat() == "2026-06-10T13:00:00+00:00"


def test_a_group_that_turned_it_off_sends_nothing(world):
    world.group.absence_check_ins = False
    world.group.save(update_fields=["absence_check_ins"])
    _miss(world, world.past[1:], [world.texts])
    _sweep()
    assert _absence_texts() == []


def test_someone_who_opted_out_of_texts_gets_none(world):
    world.texts.sms_opt_in = False
    world.texts.save(update_fields=["sms_opt_in"])
    _miss(world, world.past[1:], [world.texts])
    _sweep()
    assert _absence_texts() == []


# --- the question after a session -----------------------------------------------------------


def test_the_question_goes_once_to_people_who_were_there_and_chose_check_ins(world):
    last = world.past[-1]
    for user in (world.texts, world.quiet, world.email_only):
        RSVP.objects.create(session=last, user=user, status="going", attendance="attended")
    _checkins(world.regular, "both")
    assert _sweep()["feedback_asks"] == 2
    _sweep()
    asks = OutboundSms.objects.filter(kind="feedback_ask", session=last)
    assert sorted(asks.values_list("user", flat=True)) == sorted([world.texts.pk, world.regular.pk])
    body = asks.get(user=world.texts).body
    link = selectors.feedback_link_url(session_id=last.pk, user_id=world.texts.pk)
    assert body.endswith(link) and len(body) <= 160


def test_no_question_after_answering_or_a_day_later(world):
    last = world.past[-1]
    RSVP.objects.create(session=last, user=world.texts, status="going", attendance="attended")
    _checkins(world.regular, "sms")
    with time_machine.travel(DAYTIME, tick=False):
        core.feedback_give(session=last, user=world.regular, helpful="yes")
    _sweep(at="2026-06-11T15:00:00Z")  # more than a day after the end
    assert not OutboundSms.objects.filter(kind="feedback_ask").exists()
    _sweep()
    assert list(OutboundSms.objects.filter(kind="feedback_ask").values_list("user", flat=True)) == [
        world.texts.pk
    ]


def test_the_command_runs_the_sweep(world, capsys):
    with time_machine.travel(DAYTIME, tick=False):
        call_command("send_check_ins")
    assert "feedback asks" in capsys.readouterr().out


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_bodies_fit_one_segment(language):
    start = timezone.now()
    tz = ZoneInfo("America/New_York")
    link = "https://hearth.example.org/s/zzzzzz-zzzzzzABCDEFGHIJ"
    absence = bodies.absence_check_in(start=start, tz=tz, link=link, language=language)
    ask = bodies.feedback_ask(
        group_name="x" * 80,
        start=start,
        tz=tz,
        link="https://hearth.example.org/f/zzzzzz-zzzzzzABCDEFGHIJ",
        language=language,
    )
    for body in (absence, ask):
        assert len(body) <= 160 and bodies.is_gsm7(body)
    assert absence.endswith(link) and ask.endswith("/f/zzzzzz-zzzzzzABCDEFGHIJ")
