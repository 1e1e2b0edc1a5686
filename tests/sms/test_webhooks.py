"""Inbound and status webhooks: signatures, the reply grammar, de-duplication, TwiML."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from sessions_app import services as core_services
from sessions_app.models import RSVP, Notice, SeatOffer
from sms import bodies
from sms.models import InboundSms, OutboundSms, SmsConsent, SmsStatusEvent
from tests.factories import GroupFactory, facilitator, member, one_off_session
from tests.sms.conftest import new_phone, signed_post, sms_user

pytestmark = pytest.mark.django_db
_sids = iter(range(10**6))


def twiml(text: str) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    inner = f"<Message>{text}</Message>" if text else ""
    return f'<?xml version="1.0" encoding="UTF-8"?><Response>{inner}</Response>'


def text(client, from_number, body, sid=None, **extra):
    sid = sid or f"SM{next(_sids):032d}"
    params = {"MessageSid": sid, "From": from_number, "To": "+15005550006", "Body": body}
    params.update(extra)
    return signed_post(client, "/sms/inbound/", params)


@pytest.fixture
def reminded(daytime):
    """An attendee with a going RSVP who was just reminded of the session."""
    group = GroupFactory(name="Tuesday Circle", capacity=1)
    session = one_off_session(group, starts_in=timedelta(hours=2))
    user = member(group, sms_user())
    core_services.rsvp_create(session=session, user=user)
    OutboundSms.objects.create(
        idempotency_key="r1",
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
    return user, session


def _label(user, session):
    from zoneinfo import ZoneInfo

    return bodies.local_label(session.start, ZoneInfo(user.timezone))


def test_bad_or_missing_signature_is_403_and_records_nothing(reminded):
    user, _ = reminded
    client = Client()
    params = {"MessageSid": "SMbad", "From": str(user.phone), "Body": "STOP"}
    assert signed_post(client, "/sms/inbound/", params, signature="").status_code == 403
    assert signed_post(client, "/sms/inbound/", params, signature="AAAA").status_code == 403
    assert signed_post(client, "/sms/inbound/", params, token="other").status_code == 403
    # Signed without the query string that was actually requested.
    from twilio.request_validator import RequestValidator

    from tests.sms.conftest import AUTH_TOKEN, PUBLIC

    sig = RequestValidator(AUTH_TOKEN).compute_signature(PUBLIC + "/sms/inbound/", params)
    response = client.post("/sms/inbound/?a=1", params, HTTP_X_TWILIO_SIGNATURE=sig)
    assert response.status_code == 403
    # A tampered parameter.
    tampered = {**params, "Body": "HELP"}
    response = client.post("/sms/inbound/", tampered, HTTP_X_TWILIO_SIGNATURE=sig)
    assert response.status_code == 403
    assert signed_post(client, "/sms/status/", {"MessageSid": "x"}, signature="").status_code == 403
    assert InboundSms.objects.count() == 0
    assert SmsStatusEvent.objects.count() == 0
    user.refresh_from_db()
    assert user.sms_opt_in is True
    # The same request correctly signed, query string included, is accepted.
    response = signed_post(client, "/sms/inbound/", {**params, "Body": "HELP"}, query="a=1")
    assert response.status_code == 200
    assert InboundSms.objects.get().keyword == "HELP"


@pytest.mark.parametrize(
    "word",
    ["stop", "Stop.", " STOPALL ", "unsubscribe!", "Cancel", "end", "QUIT", "revoke", "OptOut?"],
)
def test_opt_out_words_opt_out_and_never_cancel_the_rsvp(reminded, word):
    user, session = reminded
    pending = OutboundSms.objects.create(
        idempotency_key="p1",
        kind="reminder",
        to=str(user.phone),
        body="x",
        user=user,
        session=session,
        send_after=timezone.now(),
        expires_at=session.start,
    )
    response = text(Client(), str(user.phone), word)
    assert response.status_code == 200
    assert response.content.decode() == twiml(bodies.STOP_TEXT)
    user.refresh_from_db()
    pending.refresh_from_db()
    assert user.sms_opt_in is False
    assert pending.status == "cancelled"
    assert RSVP.objects.get(session=session, user=user).status == "going"
    consent = SmsConsent.objects.get(user=user)
    assert (consent.action, consent.source) == ("revoke", "sms")
    assert repr(word[:100]) in consent.evidence


def test_twilio_opt_out_type_param_opts_out(reminded):
    user, _ = reminded
    text(Client(), str(user.phone), "arrêt", OptOutType="STOP")
    user.refresh_from_db()
    assert user.sms_opt_in is False


@pytest.mark.parametrize("word", ["start", "Unstop!"])
def test_start_opts_back_in(reminded, word):
    user, _ = reminded
    client = Client()
    text(client, str(user.phone), "STOP")
    response = text(client, str(user.phone), word)
    assert response.content.decode() == twiml(bodies.START_TEXT)
    user.refresh_from_db()
    assert user.sms_opt_in is True
    assert list(SmsConsent.objects.filter(user=user).values_list("action", flat=True)) == [
        "grant",
        "revoke",
    ]


@pytest.mark.parametrize("word", ["help", "Info?", "HELP!!"])
def test_help(reminded, word):
    user, _ = reminded
    assert text(Client(), str(user.phone), word).content.decode() == twiml(bodies.HELP_TEXT)


@pytest.mark.parametrize("word", ["yes", "Y", "c.", "Yes!"])
def test_yes_confirms(reminded, word):
    user, session = reminded
    response = text(Client(), str(user.phone), word)
    expected = f"Hearth: Tuesday Circle, {_label(user, session)}: you are confirmed."
    assert response.content.decode() == twiml(expected)
    assert RSVP.objects.get(session=session, user=user).status == "going"


def test_a_nul_character_in_a_text_is_dropped_not_a_500(reminded):
    """PostgreSQL cannot store NUL; a carrier that mis-decodes GSM's '@' sends one."""
    user, session = reminded
    response = text(Client(), str(user.phone), "yes\x00")
    assert response.status_code == 200 and "you are confirmed" in response.content.decode()
    assert InboundSms.objects.get().body == "yes"


@pytest.mark.parametrize("word", ["no", "N", "No."])
def test_no_cancels_and_promotes_the_waitlist(reminded, word):
    user, session = reminded
    waiting = member(session.group)
    core_services.rsvp_create(session=session, user=waiting)  # capacity 1: waitlisted
    response = text(Client(), str(user.phone), word)
    expected = (
        f"Hearth: Tuesday Circle, {_label(user, session)}: your place is cancelled. "
        "Thanks for telling us."
    )
    assert response.content.decode() == twiml(expected)
    assert RSVP.objects.get(session=session, user=user).status == "cancelled"
    # Two hours out is inside the offer cut-off: the next person is offered the seat.
    offer = SeatOffer.objects.get(rsvp__user=waiting)
    assert offer.status == "open"


def test_yes_claims_an_open_seat_offer(reminded, django_capture_on_commit_callbacks):
    user, session = reminded
    waiting = member(session.group, sms_user())
    core_services.rsvp_create(session=session, user=waiting)
    core_services.rsvp_cancel(session=session, user=user)
    offer = SeatOffer.objects.get(rsvp__user=waiting, status="open")
    # The offer notice went out by SMS (on commit in real life; run it here).
    from sms import services

    notice = Notice.objects.get(user=waiting, kind="seat_offered")
    with django_capture_on_commit_callbacks(execute=True):
        services.notices_queue(notice_ids=[notice.pk])
    row = OutboundSms.objects.get(user=waiting, kind="seat_offered")
    assert row.status == "submitted"
    response = text(Client(), str(waiting.phone), "YES")
    expected = f"Hearth: Tuesday Circle, {_label(waiting, session)}: the seat is yours."
    assert response.content.decode() == twiml(expected)
    offer.refresh_from_db()
    assert offer.status == "claimed"
    assert RSVP.objects.get(session=session, user=waiting).status == "going"


def test_late_tells_each_facilitator(reminded, outbox, django_capture_on_commit_callbacks):
    user, session = reminded
    lead = facilitator(session.group, sms_user())
    co = facilitator(session.group)  # no phone: site notice only
    with django_capture_on_commit_callbacks(execute=True):
        response = text(Client(), str(user.phone), "late")
    assert "we told the facilitators" in response.content.decode()
    notices = Notice.objects.filter(kind="attendee_late").order_by("user_id")
    assert [n.user for n in notices] == sorted([lead, co], key=lambda u: u.pk)
    assert [m["to"] for m in outbox] == [str(lead.phone)]
    assert outbox[0]["body"].startswith(f"Hearth: {user.display_name} will be late to Tuesday")


def test_here_marks_attendance_during_the_session(reminded):
    user, session = reminded
    client = Client()
    response = text(client, str(user.phone), "HERE")
    assert response.content.decode() == twiml(
        "Hearth: there is no session under way for you right now."
    )
    import time_machine

    with time_machine.travel(session.start + timedelta(minutes=5), tick=False):
        response = text(client, str(user.phone), "here.")
    assert "you are marked as here" in response.content.decode()
    rsvp = RSVP.objects.get(session=session, user=user)
    assert (rsvp.attendance, rsvp.attendance_marked_by) == ("attended", user)


def test_unknown_number_and_no_recent_reminder():
    client = Client()
    response = text(client, new_phone(), "YES")
    assert response.content.decode() == twiml(bodies.UNKNOWN_NUMBER_TEXT)
    stranger = text(client, "not-a-number", "Y")
    assert stranger.status_code == 200
    user = sms_user()
    response = text(client, str(user.phone), "Y")
    assert response.content.decode() == twiml(bodies.NO_SESSION_TEXT)
    assert InboundSms.objects.filter(outcome="no_session").count() == 1


@pytest.mark.parametrize("body", ["yes please", "x" * 1600, "y" * 5000, "👍🙏❤️", "", "   "])
def test_anything_else_gets_the_one_line_help(reminded, body):
    user, session = reminded
    response = text(Client(), str(user.phone), body)
    assert response.status_code == 200
    assert response.content.decode() == twiml(bodies.UNKNOWN_TEXT)
    stored = InboundSms.objects.get()
    assert stored.body == body[:1600]
    assert RSVP.objects.get(session=session, user=user).status == "going"


def test_replayed_message_sid_is_answered_once(reminded):
    user, session = reminded
    client = Client()
    first = text(client, str(user.phone), "NO", sid="SMreplay")
    core_services.rsvp_create(session=session, user=user)  # back in via the web
    again = text(client, str(user.phone), "NO", sid="SMreplay")
    assert again.content == first.content
    assert InboundSms.objects.count() == 1
    assert RSVP.objects.get(session=session, user=user).status in ("going", "waitlisted")


def test_a_status_callback_with_a_nul_or_a_huge_error_code_is_logged_not_a_500(reminded):
    row = OutboundSms.objects.get(idempotency_key="r1")
    row.message_sid = "SModd"
    row.save()
    response = signed_post(
        Client(),
        "/sms/status/",
        {"MessageSid": "SModd", "MessageStatus": "undelivered\x00", "ErrorCode": "9" * 30},
    )
    assert response.status_code == 200
    event = SmsStatusEvent.objects.get(message_sid="SModd")
    assert (event.status, event.error_code) == ("undelivered", None)
    assert event.payload["MessageStatus"] == "undelivered"
    row.refresh_from_db()
    assert row.delivery_status == "undelivered"


def test_status_callbacks_only_move_forward_and_every_event_is_logged(reminded):
    user, session = reminded
    row = OutboundSms.objects.get(idempotency_key="r1")
    row.message_sid = "SMstatus"
    row.save()
    client = Client()
    for status in ["sent", "queued", "delivered", "sending"]:
        response = signed_post(
            client, "/sms/status/", {"MessageSid": "SMstatus", "MessageStatus": status}
        )
        assert response.status_code == 200
    row.refresh_from_db()
    assert row.delivery_status == "delivered"
    assert list(SmsStatusEvent.objects.values_list("status", flat=True)) == [
        "sent",
        "queued",
        "delivered",
        "sending",
    ]


def test_a_replayed_status_callback_is_stored_once_and_still_answered(
    reminded, django_capture_on_commit_callbacks
):
    """Twilio retries a callback it saw no 200 for, and a replay carries a valid signature:
    one row per (MessageSid, status), and every copy still gets its 200."""
    row = OutboundSms.objects.get(idempotency_key="r1")
    row.message_sid = "SMreplayed"
    row.save()
    client = Client()
    params = {"MessageSid": "SMreplayed", "MessageStatus": "undelivered", "ErrorCode": "30006"}
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        answers = [signed_post(client, "/sms/status/", params) for _ in range(5)]
    assert {(a.status_code, a.content) for a in answers} == {(200, answers[0].content)}
    assert len(callbacks) == 1  # the contact is told of the error once
    delivered = {**params, "MessageStatus": "delivered", "ErrorCode": ""}
    assert signed_post(client, "/sms/status/", delivered).status_code == 200
    events = SmsStatusEvent.objects.filter(message_sid="SMreplayed")
    assert list(events.values_list("status", "outbound")) == [
        ("undelivered", row.pk),
        ("delivered", row.pk),
    ]


def test_undelivered_with_a_permanent_code_is_recorded_on_the_contact(
    reminded, django_capture_on_commit_callbacks
):
    user, _ = reminded
    row = OutboundSms.objects.get(idempotency_key="r1")
    row.message_sid = "SMund"
    row.save()
    with django_capture_on_commit_callbacks(execute=True):
        signed_post(
            Client(),
            "/sms/status/",
            {"MessageSid": "SMund", "MessageStatus": "undelivered", "ErrorCode": "30006"},
        )
    row.refresh_from_db()
    assert (row.delivery_status, row.error_code) == ("undelivered", 30006)
    from sms.models import SmsContact

    contact = SmsContact.objects.get(phone=str(user.phone))
    assert (contact.undeliverable, contact.last_error_code) == (True, 30006)
