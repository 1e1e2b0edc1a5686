"""Texts in the recipient's language: reminders, notices, verification codes and answers to
inbound texts follow the account's `language`; an account without one gets the site's default
(English), whatever language the page or request that caused the text was in."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone, translation

from sessions_app import selectors
from sessions_app import services as core_services
from sessions_app.models import RSVP, Session
from sms import bodies, services
from sms.models import OutboundSms
from tests.factories import GroupFactory, UserFactory, facilitator, member, one_off_session
from tests.sms.conftest import signed_post, sms_user
from tests.sms.test_webhooks import twiml

pytestmark = pytest.mark.django_db

ENGLISH_REMINDER = (
    "Hearth: Evening Circle meets Tue 16 Jun 19:00 CEST. Reply Y/N, STOP to opt out. {link}"
)


@pytest.fixture
def evening():
    """A 19:00 Berlin session with a Spanish and an English attendee, both in Berlin."""
    with time_machine.travel("2026-06-01T10:00:00Z", tick=False):
        group = GroupFactory(name="Evening Circle", timezone="Europe/Berlin")
        schedule = core_services.schedule_create(
            group=group, start="2026-06-16T19:00:00", duration_minutes=60, recurrence=None
        )
        session = Session.objects.get(schedule=schedule)
        spanish = member(group, sms_user(tz="Europe/Berlin", language="es"))
        english = member(group, sms_user(tz="Europe/Berlin"))
        for user in (spanish, english):
            core_services.rsvp_create(session=session, user=user)
    return session, spanish, english


def test_reminders_follow_each_attendees_language(evening):
    session, spanish, english = evening
    # 17:00 in Berlin, two hours before: the 120-minute reminders are due.
    with time_machine.travel(session.start - timedelta(hours=2), tick=False):
        assert services.reminders_plan() == 2
    bodies = dict(
        OutboundSms.objects.filter(session=session, kind="reminder").values_list("user", "body")
    )
    links = {
        user.pk: selectors.session_link_url(session_id=session.pk, user_id=user.pk)
        for user in (spanish, english)
    }
    assert bodies[english.pk] == ENGLISH_REMINDER.format(link=links[english.pk])
    assert bodies[spanish.pk] == (
        "Hearth: Evening Circle se reune mar 16 Jun 19:00 CEST. Responda Y/N, STOP para "
        f"darse de baja. {links[spanish.pk]}"
    )


def test_notices_follow_the_recipients_language_not_the_pages(
    evening, outbox, django_capture_on_commit_callbacks
):
    session, spanish, english = evening
    with time_machine.travel("2026-06-10T10:00:00Z", tick=False):
        # The cancel comes from a page in Spanish: only the Spanish account reads Spanish.
        with translation.override("es"), django_capture_on_commit_callbacks(execute=True):
            core_services.session_cancel(session=session, reason="Venue closed")
    texts = {m["to"]: m["body"] for m in outbox}
    assert texts[str(english.phone)] == (
        "Hearth: Evening Circle on Tue 16 Jun 19:00 CEST is cancelled. Sorry for the change."
    )
    assert texts[str(spanish.phone)] == (
        "Hearth: Evening Circle del mar 16 Jun 19:00 CEST se cancela. Disculpe el cambio."
    )


def test_verification_code_in_the_accounts_language(outbox):
    spanish = UserFactory(language="es")
    english = UserFactory()
    for user in (spanish, english):
        services.phone_verification_start(user=user, phone="+14155550170")
    by_user = dict(OutboundSms.objects.filter(kind="verification").values_list("user", "body"))
    assert by_user[english.pk].startswith("Hearth: your code is ")
    assert by_user[spanish.pk].startswith("Hearth: su codigo es ")


def _reminded(user):
    group = GroupFactory(name="Tuesday Circle", capacity=1)
    session = one_off_session(group, starts_in=timedelta(hours=2))
    member(group, user)
    core_services.rsvp_create(session=session, user=user)
    OutboundSms.objects.create(
        idempotency_key=f"r-{user.pk}",
        kind=OutboundSms.Kind.REMINDER,
        to=str(user.phone),
        body="Hearth: reminder",
        user=user,
        session=session,
        session_start=session.start,
        status=OutboundSms.Status.SUBMITTED,
        claimed_at=timezone.now(),
        send_after=timezone.now(),
        expires_at=session.start,
    )
    return session


def _text(user, body, sid):
    params = {"MessageSid": sid, "From": str(user.phone), "To": "+15005550006", "Body": body}
    return signed_post(Client(), "/sms/inbound/", params).content.decode()


def _label(session, user, language):
    from zoneinfo import ZoneInfo

    with bodies.in_language(language):
        return bodies.local_label(session.start, ZoneInfo(user.timezone))


def test_replies_to_a_spanish_account_are_in_spanish():
    user = sms_user(language="es")
    session = _reminded(user)
    label = _label(session, user, "es")
    assert label.startswith(("lun ", "mar ", "mié ", "jue ", "vie ", "sáb ", "dom "))
    # SMS bodies are GSM-7, which has "é" but not "á": "sáb" goes as "sab" (the test failed on
    # Saturdays).
    in_sms = label.replace("á", "a")
    assert _text(user, "no", "SM" + "1" * 32) == twiml(
        f"Hearth: Tuesday Circle, {in_sms}: su plaza esta cancelada. Gracias por avisarnos."
    )
    assert RSVP.objects.get(session=session, user=user).status == "cancelled"
    assert _text(user, "help", "SM" + "2" * 32) == twiml(
        "Hearth: SMS sobre las sesiones de su grupo de apoyo. Responda Y para confirmar, "
        "N para cancelar, LATE, HERE. Pueden aplicarse tarifas. STOP para darse de baja."
    )
    assert _text(user, "what?", "SM" + "3" * 32) == twiml(
        "Hearth: perdone, no lo entendimos. Responda Y, N, LATE, HERE, HELP o STOP."
    )
    assert _text(user, "here", "SM" + "4" * 32) == twiml(
        "Hearth: ahora mismo no tiene ninguna sesion en curso."
    )
    assert _text(user, "stop", "SM" + "5" * 32) == twiml(
        "Hearth: no le enviaremos mas SMS. Responda START para volver a recibirlos."
    )


def test_replies_to_an_english_account_are_unchanged():
    user = sms_user()
    session = _reminded(user)
    label = _label(session, user, None)
    assert _text(user, "yes", "SM" + "6" * 32) == twiml(
        f"Hearth: Tuesday Circle, {label}: you are confirmed."
    )
    assert _text(user, "help", "SM" + "7" * 32) == twiml(bodies.HELP_TEXT)
    # An unknown number has no account, hence no language: the default.
    stranger = {"MessageSid": "SM" + "8" * 32, "From": "+14155550999", "Body": "Y"}
    assert signed_post(Client(), "/sms/inbound/", stranger).content.decode() == twiml(
        bodies.UNKNOWN_NUMBER_TEXT
    )


def test_a_late_attendee_is_announced_in_each_facilitators_language(
    daytime, outbox, django_capture_on_commit_callbacks
):
    attendee = sms_user()
    session = _reminded(attendee)
    lead = facilitator(session.group, sms_user(language="es"))
    co = facilitator(session.group, sms_user())
    with django_capture_on_commit_callbacks(execute=True):
        _text(attendee, "late", "SM" + "9" * 32)
    texts = {m["to"]: m["body"] for m in outbox}
    name = attendee.display_name
    assert texts[str(co.phone)].startswith(f"Hearth: {name} will be late to Tuesday Circle (")
    assert texts[str(lead.phone)].startswith(f"Hearth: {name} llegara tarde a Tuesday Circle (")
    assert lead.pk != co.pk
