"""The outbox rules that texts and emails share (sessions_app.outbox): backoff and giving up,
quiet hours, and the claim's outcomes on a real row of each channel."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from mail.models import OutboundEmail
from sessions_app import outbox
from sms.models import OutboundSms

NOW = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)  # 10:00 in New York, 00:00 in Tokyo
LATER = NOW + timedelta(days=2)


def middle(low: float, high: float) -> float:
    return 1.0


@pytest.mark.parametrize(
    ("attempts", "seconds"), [(1, 20), (2, 40), (3, 80), (5, 320), (7, 900), (9, 900)]
)
def test_backoff_doubles_up_to_its_cap(attempts, seconds):
    retry = outbox.next_try(
        attempts=attempts,
        max_attempts=10,
        base_seconds=20,
        cap_seconds=900,
        now=NOW,
        expires_at=LATER,
        error="busy",
        jitter=middle,
    )
    assert retry.at == NOW + timedelta(seconds=seconds)
    assert retry.reason == f"retry {attempts}: busy"


def test_jitter_spreads_the_next_try():
    def tries(jitter):
        return outbox.next_try(
            attempts=2,
            max_attempts=5,
            base_seconds=60,
            cap_seconds=3600,
            now=NOW,
            expires_at=LATER,
            error="x",
            jitter=jitter,
        ).at

    assert tries(lambda lo, hi: lo) == NOW + timedelta(seconds=60)
    assert tries(lambda lo, hi: hi) == NOW + timedelta(seconds=180)


def test_gives_up_after_the_last_try_and_before_the_expiry():
    last = outbox.next_try(
        attempts=5,
        max_attempts=5,
        base_seconds=20,
        cap_seconds=900,
        now=NOW,
        expires_at=LATER,
        error="busy",
        jitter=middle,
    )
    assert last == outbox.NextTry(None, "gave up after 5 tries: busy")
    too_late = outbox.next_try(
        attempts=1,
        max_attempts=5,
        base_seconds=60,
        cap_seconds=900,
        now=NOW,
        expires_at=NOW + timedelta(seconds=60),
        error="busy",
        jitter=middle,
    )
    assert too_late == outbox.NextTry(None, "expired while retrying: busy")


def test_quiet_hours_wait_for_the_window_unless_they_may_not(settings):
    settings.SMS_SEND_WINDOW = "09:00-20:00"
    new_york, tokyo = ZoneInfo("America/New_York"), ZoneInfo("Asia/Tokyo")
    assert outbox.quiet_hours_blocker(now=NOW, tz=new_york, expires_at=LATER) == outbox.GO
    opens = datetime(2026, 12, 8, 9, 0, tzinfo=tokyo)
    assert outbox.quiet_hours_blocker(now=NOW, tz=tokyo, expires_at=LATER) == (
        "quiet_hours",
        opens,
    )
    assert outbox.quiet_hours_blocker(now=NOW, tz=tokyo, expires_at=opens) == (
        "quiet_hours",
        None,
    )
    assert outbox.quiet_hours_blocker(now=NOW, tz=tokyo, expires_at=LATER, may_wait=False) == (
        "quiet_hours",
        None,
    )


def _email(**fields) -> OutboundEmail:
    now = timezone.now()
    defaults = {
        "idempotency_key": f"test:{OutboundEmail.objects.count()}",
        "kind": "notice",
        "category": "changes",
        "to": "a@example.org",
        "subject": "s",
        "body_text": "t",
        "body_html": "<p>t</p>",
        "send_after": now - timedelta(minutes=1),
        "expires_at": now + timedelta(days=1),
    }
    return OutboundEmail.objects.create(**(defaults | fields))


@pytest.mark.django_db
def test_claim_outcomes_on_a_real_row():
    now = timezone.now()
    go = _email()
    row, outcome = outbox.claim(OutboundEmail, pk=go.pk, now=now, blocker=lambda r, n: outbox.GO)
    assert outcome == "claimed" and row is not None
    go.refresh_from_db()
    assert (go.status, go.attempts, go.claimed_at) == ("claimed", 1, now)
    # Claimed already: a second worker gets nothing.
    again = outbox.claim(OutboundEmail, pk=go.pk, now=now, blocker=lambda r, n: outbox.GO)
    assert again == (None, "not_pending")

    early = _email(send_after=now + timedelta(hours=1))
    assert outbox.claim(OutboundEmail, pk=early.pk, now=now, blocker=lambda r, n: outbox.GO) == (
        None,
        "not_due",
    )

    cancelled = _email()
    assert outbox.claim(
        OutboundEmail, pk=cancelled.pk, now=now, blocker=lambda r, n: ("not_chosen", None)
    ) == (None, "not_chosen")
    cancelled.refresh_from_db()
    assert (cancelled.status, cancelled.reason, cancelled.attempts) == (
        "cancelled",
        "not_chosen",
        0,
    )


@pytest.mark.django_db
def test_a_deferred_text_is_handed_over_again_later():
    now = timezone.now()
    later = now + timedelta(hours=3)
    row = OutboundSms.objects.create(
        idempotency_key="test:sms",
        kind=OutboundSms.Kind.SESSION_MOVED,
        to="+15005550006",
        body="moved",
        send_after=now - timedelta(minutes=1),
        expires_at=now + timedelta(days=1),
        dispatched_at=now,
    )
    result = outbox.claim(
        OutboundSms,
        pk=row.pk,
        now=now,
        blocker=lambda r, n: ("quiet_hours", later),
        on_defer={"dispatched_at": None},
    )
    assert result == (None, "deferred")
    row.refresh_from_db()
    assert (row.status, row.send_after, row.reason, row.dispatched_at) == (
        "pending",
        later,
        "quiet_hours",
        None,
    )
