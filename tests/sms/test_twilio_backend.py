"""The real `twilio` client against a fake Twilio on 127.0.0.1 (SMS_BACKEND=twilio)."""

import logging
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from sessions_app.models import RSVP
from sms import backends, services
from sms.models import OutboundSms, SmsConsent, SmsContact
from tests.factories import GroupFactory, one_off_session
from tests.sms.conftest import ACCOUNT_SID, FROM_NUMBER, PUBLIC, sms_user

pytestmark = pytest.mark.django_db


def _row(user, session, *, key="k1", kind=OutboundSms.Kind.REMINDER, body="Hearth: hello"):
    now = timezone.now()
    return OutboundSms.objects.create(
        idempotency_key=key,
        kind=kind,
        to=str(user.phone),
        body=body,
        user=user,
        session=session,
        session_start=session.start,
        send_after=now,
        expires_at=session.start - timedelta(minutes=15),
    )


@pytest.fixture
def setup():
    # Noon in New York: inside the send window.
    with time_machine.travel("2026-06-10T16:00:00Z", tick=True):
        group = GroupFactory(name="Tuesday Circle")
        session = one_off_session(group, starts_in=timedelta(hours=3))
        user = sms_user()
        RSVP.objects.create(session=session, user=user, status=RSVP.Status.GOING)
        yield user, session


def test_send_carries_to_from_body_callback_and_validity(fake_twilio, setup):
    user, session = setup
    row = _row(user, session)
    assert services.outbound_send(outbound_id=row.pk) == "submitted"
    [request] = fake_twilio.creates
    assert request.path == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    assert request.form["To"] == str(user.phone)
    assert request.form["From"] == FROM_NUMBER
    assert request.form["Body"] == "Hearth: hello"
    assert request.form["StatusCallback"] == PUBLIC + "/sms/status/"
    # 3 h to the start, expiring 15 min before it: 2 h 45 min, give or take the test's run.
    assert 9850 <= int(request.form["ValidityPeriod"]) <= 9900
    row.refresh_from_db()
    assert row.status == "submitted"
    assert row.message_sid == fake_twilio.messages[0]["sid"]
    assert row.attempts == 1


@pytest.mark.parametrize("code", [21211, 21614])
def test_invalid_number_is_permanent_and_recorded_on_the_contact(fake_twilio, setup, code):
    user, session = setup
    fake_twilio.script.append(("400", code))
    row = _row(user, session)
    assert services.outbound_send(outbound_id=row.pk) == "failed"
    row.refresh_from_db()
    assert (row.status, row.error_code) == ("failed", code)
    contact = SmsContact.objects.get(phone=str(user.phone))
    assert (contact.undeliverable, contact.last_error_code) == (True, code)
    # Not retried: one request, and the next text to that number is not even tried.
    row2 = _row(user, session, key="k2")
    assert services.outbound_send(outbound_id=row2.pk) == "undeliverable"
    assert len(fake_twilio.creates) == 1


def test_21610_opts_the_number_out_and_cancels_pending(fake_twilio, setup):
    user, session = setup
    fake_twilio.script.append(("400", 21610))
    row = _row(user, session)
    pending = _row(user, session, key="k2")
    assert services.outbound_send(outbound_id=row.pk) == "failed"
    user.refresh_from_db()
    pending.refresh_from_db()
    assert user.sms_opt_in is False
    assert pending.status == "cancelled" and pending.reason == "opted_out"
    consent = SmsConsent.objects.get(user=user)
    assert (consent.action, consent.source) == ("revoke", "carrier")
    assert SmsContact.objects.get(phone=str(user.phone)).opted_out


@pytest.mark.parametrize("answer", [("429",), ("500",)])
def test_throttled_and_server_errors_retry_with_backoff_then_succeed(fake_twilio, setup, answer):
    user, session = setup
    fake_twilio.script.append(answer)
    row = _row(user, session)
    before = timezone.now()
    assert services.outbound_send(outbound_id=row.pk) == "retry"
    row.refresh_from_db()
    assert row.status == "pending" and row.attempts == 1
    # Base 20 s with jitter 0.5-1.5: 10-30 s later, well before expiry.
    assert timedelta(seconds=9) <= row.send_after - before <= timedelta(seconds=31)
    with time_machine.travel(row.send_after + timedelta(seconds=1), tick=True):
        assert services.outbound_send(outbound_id=row.pk) == "submitted"
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("submitted", 2)
    assert len(fake_twilio.creates) == 2
    assert len(fake_twilio.messages) == 1


def test_retry_never_past_expiry(fake_twilio, setup, settings):
    user, session = setup
    fake_twilio.script.append(("500",))
    row = _row(user, session)
    # Expires in 5 s; the first retry waits at least 10 s.
    OutboundSms.objects.filter(pk=row.pk).update(expires_at=timezone.now() + timedelta(seconds=5))
    assert services.outbound_send(outbound_id=row.pk) == "failed"
    row.refresh_from_db()
    assert row.status == "failed" and row.reason.startswith("expired while retrying")


def test_timeout_after_create_is_reconciled_not_resent(fake_twilio, setup, settings):
    user, session = setup
    settings.SMS_CLAIM_STALE_SECONDS = 60
    fake_twilio.script.append(("timeout_after_create", 1.5))
    row = _row(user, session)
    assert services.outbound_send(outbound_id=row.pk) == "ambiguous"
    row.refresh_from_db()
    assert row.status == "claimed"
    # Not stale yet: the sweep leaves it alone.
    assert services.outbound_reconcile_stale() == 0
    with time_machine.travel(timezone.now() + timedelta(minutes=2), tick=True):
        result = services.reminders_sweep()
    assert result["reconciled"] == 1
    row.refresh_from_db()
    assert row.status == "submitted"
    assert row.message_sid == fake_twilio.messages[0]["sid"]
    assert len(fake_twilio.creates) == 1
    listed = [r for r in fake_twilio.requests if r.method == "GET"]
    assert listed[0].query["To"] == str(user.phone)
    assert "DateSent>" in listed[0].query


def test_timeout_before_create_is_reconciled_then_sent_once(fake_twilio, setup, settings):
    user, session = setup
    settings.SMS_CLAIM_STALE_SECONDS = 60
    fake_twilio.script.append(("timeout_before_create", 1.0))
    row = _row(user, session)
    assert services.outbound_send(outbound_id=row.pk) == "ambiguous"
    with time_machine.travel(timezone.now() + timedelta(minutes=2), tick=True):
        services.outbound_reconcile_stale()
        row.refresh_from_db()
        assert row.status == "pending"
        assert row.reason == "reconciled: not at the provider, to be sent again"
        assert services.outbound_send(outbound_id=row.pk) == "submitted"
    assert len(fake_twilio.messages) == 1
    assert len(fake_twilio.creates) == 2


def test_the_twilio_clients_log_lines_mask_phone_numbers(fake_twilio, setup, caplog):
    """twilio.http_client logs each request at INFO, a provider look-up's `To` with it: the
    numbers are masked to their last two digits, in the plain and the URL-encoded form."""
    user, session = setup
    row = _row(user, session)
    with caplog.at_level(logging.INFO, logger="twilio"):
        assert services.outbound_send(outbound_id=row.pk) == "submitted"
        listed = backends.get_backend().messages_since(
            to=str(user.phone), since=timezone.now() - timedelta(hours=1)
        )
    assert [m.to for m in listed] == [str(user.phone)]
    lines = [r.getMessage() for r in caplog.records if r.name.startswith("twilio")]
    assert any("Request:" in line for line in lines)
    text = "\n".join(lines)
    digits = str(user.phone).lstrip("+")
    assert digits not in text
    assert FROM_NUMBER.lstrip("+") not in text
    assert "+" + "*" * (len(digits) - 2) + digits[-2:] in text
