"""The outbox discipline that texts (sms) and emails (mail) share: one way to decide whether a
queued message may still go out, to claim it, and to plan its next try.

Every message is a row with an idempotency key, a status (pending -> claimed -> sent or
submitted; failed; cancelled), `send_after`, `expires_at`, `attempts`, `claimed_at` and
`reason`. A sender claims the row under `select_for_update(skip_locked=True)` and commits the
claim before it calls the provider, so two workers never both send it and a crash leaves a
claimed row, never a second send. What happens to a claimed row afterwards is the channel's
own business: Twilio can be asked what it received (sms reconciles), a mail server cannot
(mail marks a stale claim failed).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction

from sessions_app import timing
from sessions_app.models import RSVP, SeatOffer, Session

# (reason, later): '' and None when the row may go now; a reason and None when it must not go
# at all; a reason and a time when it should wait until then.
Blocker = tuple[str, datetime | None]
GO: Blocker = ("", None)

REMINDER = "reminder"
SEAT_OFFERED = "seat_offered"


def session_blocker(*, kind: str, session_id: int | None, session_start, user_id: int) -> str:
    """Why a message about a session must not go out any more ('' if it may): the session
    was cancelled or moved since the message was written, the reminded person is no longer
    going, or the offered seat was taken or expired."""
    session = Session.objects.filter(pk=session_id).first() if session_id else None
    if session is None or session.status != Session.Status.SCHEDULED:
        return "session_cancelled"
    if session_start is not None and session.start != session_start:
        return "session_moved"
    if (
        kind == REMINDER
        and not RSVP.objects.filter(
            session=session, user_id=user_id, status=RSVP.Status.GOING
        ).exists()
    ):
        return "not_going"
    if (
        kind == SEAT_OFFERED
        and not SeatOffer.objects.filter(
            rsvp__session=session, rsvp__user_id=user_id, status=SeatOffer.Status.OPEN
        ).exists()
    ):
        return "offer_closed"
    return ""


def quiet_hours_blocker(
    *, now: datetime, tz: ZoneInfo, expires_at: datetime, may_wait: bool = True
) -> Blocker:
    """Outside the recipient's send window: wait for it to open, unless the message would
    expire first or must not wait (`may_wait=False`), in which case it is dropped."""
    if timing.in_window(now, tz):
        return GO
    later = timing.next_window_open(now, tz)
    if not may_wait or later >= expires_at:
        return "quiet_hours", None
    return "quiet_hours", later


def claim(
    model: Any,
    *,
    pk: int,
    now: datetime,
    blocker: Callable[[Any, datetime], Blocker],
    on_defer: dict[str, Any] | None = None,
    on_claim: Callable[[Any], list[str]] | None = None,
) -> tuple[Any | None, str]:
    """Claim one pending, due row of `model` for sending, in its own committed transaction.

    Returns (row, "claimed"), or (None, what happened instead): "not_pending" (another worker
    has it, or it is done), "not_due", "deferred" (moved to the time `blocker` gave, with the
    fields of `on_defer` set too), or the blocker's reason (the row is cancelled with it).
    `on_claim` may set more fields on the claimed row and returns their names."""
    status = model.Status
    with transaction.atomic():
        row = (
            model.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk=pk, status=status.PENDING)
            .first()
        )
        if row is None:
            return None, "not_pending"
        if row.send_after > now:
            return None, "not_due"
        reason, later = blocker(row, now)
        if later is not None:
            row.send_after, row.reason = later, reason
            for field, value in (on_defer or {}).items():
                setattr(row, field, value)
            row.save(update_fields=["send_after", "reason", "updated_at", *(on_defer or {})])
            return None, "deferred"
        if reason:
            row.status, row.reason = status.CANCELLED, reason
            row.save(update_fields=["status", "reason", "updated_at"])
            return None, reason
        row.status, row.claimed_at = status.CLAIMED, now
        row.attempts += 1
        extra = on_claim(row) if on_claim else []
        row.save(update_fields=["status", "claimed_at", "attempts", "updated_at", *extra])
    return row, "claimed"


@dataclass(frozen=True)
class NextTry:
    """After a failed try: `at` is when to try again (None: give up), `reason` says why."""

    at: datetime | None
    reason: str


def next_try(
    *,
    attempts: int,
    max_attempts: int,
    base_seconds: float,
    cap_seconds: float,
    now: datetime,
    expires_at: datetime,
    error: str,
    jitter: Callable[[float, float], float],
) -> NextTry:
    """Exponential backoff with jitter (base, 2×base, 4×base… up to the cap, times 0.5–1.5),
    giving up after `max_attempts` tries or when the next try would come after the expiry."""
    if attempts >= max_attempts:
        return NextTry(None, f"gave up after {attempts} tries: {error}")
    delay = min(base_seconds * 2 ** (attempts - 1), cap_seconds) * jitter(0.5, 1.5)
    at = now + timedelta(seconds=delay)
    if at >= expires_at:
        return NextTry(None, f"expired while retrying: {error}")
    return NextTry(at, f"retry {attempts}: {error}")
