"""Sending one text exactly once, retries, reconciliation and status callbacks."""

from __future__ import annotations

import logging
import random
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from sessions_app import outbox
from sessions_app.models import User
from sessions_app.zones import zone_info
from sms import tasks
from sms.backends import (
    OPT_OUT_CODE,
    PERMANENT_NUMBER_CODES,
    SmsSendError,
    get_backend,
)
from sms.models import OutboundSms, SmsConsent, SmsContact, SmsStatusEvent
from sms.services.common import SESSION_KINDS, _opted_in, _wants_sms
from sms.services.consent import contact_for, number_opt_out

log = logging.getLogger(__name__)

MAX_VALIDITY_SECONDS = 36000  # Twilio's maximum validity_period
# Twilio's statuses in the order they happen; a callback never moves a message back.
DELIVERY_RANK = {
    "": 0,
    "accepted": 1,
    "queued": 2,
    "sending": 3,
    "sent": 4,
    "delivered": 5,
    "undelivered": 5,
    "failed": 5,
}


def status_callback_url() -> str:
    return settings.PUBLIC_BASE_URL + reverse("sms-status")


# --- sending one text -------------------------------------------------------------------------


def _send_blocker(row: OutboundSms, now: datetime) -> tuple[str, datetime | None]:
    """Why this row must not go out now ('' if it may); a time if it should wait instead."""
    if row.expires_at <= now:
        return "expired", None
    contact = SmsContact.objects.filter(phone=row.to).first()
    if contact is not None and contact.opted_out:
        return "opted_out", None
    user = User.objects.filter(pk=row.user_id).first() if row.user_id else None
    if row.kind == OutboundSms.Kind.VERIFICATION:
        if user is None or str(user.phone or "") != row.to:
            return "number_changed", None
        return "", None
    if contact is not None and contact.undeliverable:
        return "undeliverable", None
    if user is None or not _opted_in(user) or str(user.phone) != row.to:
        return "no_consent", None
    if not _wants_sms(user, row.kind):
        return "not_chosen", None
    if row.kind in SESSION_KINDS and (
        reason := outbox.session_blocker(
            kind=row.kind,
            session_id=row.session_id,
            session_start=row.session_start,
            user_id=user.pk,
        )
    ):
        return reason, None
    # Notices wait for the window; a reminder does not: it was planned inside the window
    # (timing.reminder_send_time), so one found outside it has missed its moment.
    return outbox.quiet_hours_blocker(
        now=now,
        tz=zone_info(user.timezone),
        expires_at=row.expires_at,
        may_wait=row.kind != OutboundSms.Kind.REMINDER,
    )


def outbound_send(*, outbound_id: int, now: datetime | None = None) -> str:
    """Send one row if it is still pending and still wanted; returns what happened. `now`
    (default: the clock) is the instant of every decision and timestamp of this send, so a
    sweep run at a pretended instant (`send_due_reminders --now`) sends at that instant."""
    now = now or timezone.now()
    row, outcome = outbox.claim(
        OutboundSms,
        pk=outbound_id,
        now=now,
        blocker=_send_blocker,
        on_defer={"dispatched_at": None},
    )
    if row is None:
        return outcome
    # The claim is committed: from here on a crash leaves a claimed row to reconcile.
    validity = int((row.expires_at - now).total_seconds())
    try:
        sid = get_backend().send(
            to=row.to,
            body=row.body,
            status_callback=status_callback_url(),
            validity_period=max(1, min(validity, MAX_VALIDITY_SECONDS)),
        )
    except SmsSendError as exc:
        return _send_failed(row, exc, now=now)
    with transaction.atomic():
        updated = OutboundSms.objects.filter(pk=row.pk, status=OutboundSms.Status.CLAIMED).update(
            status=OutboundSms.Status.SUBMITTED,
            message_sid=sid,
            submitted_at=now,
            reason="",
            updated_at=now,
        )
        if updated:
            _apply_early_events(sid)
    return "submitted"


def outbound_send_many(*, ids: list[int], now: datetime | None = None) -> list[str]:
    """outbound_send for each row, in this process, all at the instant `now`."""
    return [outbound_send(outbound_id=pk, now=now) for pk in ids]


def _send_failed(row: OutboundSms, exc: SmsSendError, *, now: datetime) -> str:
    claimed = OutboundSms.objects.filter(pk=row.pk, status=OutboundSms.Status.CLAIMED)
    if exc.ambiguous:
        # The provider may have it: leave it claimed for reconciliation, never re-send here.
        claimed.update(reason=f"unknown outcome ({exc.message[:120]})", updated_at=now)
        return "ambiguous"
    if exc.permanent:
        claimed.update(
            status=OutboundSms.Status.FAILED,
            error_code=exc.code,
            reason=exc.message[:200],
            updated_at=now,
        )
        contact_record_error(phone=row.to, code=exc.code, now=now)
        return "failed"
    retry = outbox.next_try(
        attempts=row.attempts,
        max_attempts=settings.SMS_MAX_ATTEMPTS,
        base_seconds=settings.SMS_RETRY_BASE_SECONDS,
        cap_seconds=900.0,
        now=now,
        expires_at=row.expires_at,
        error=exc.message[:120],
        jitter=random.uniform,
    )
    if retry.at is None:
        claimed.update(
            status=OutboundSms.Status.FAILED,
            error_code=exc.code,
            reason=retry.reason,
            updated_at=now,
        )
        return "failed"
    claimed.update(
        status=OutboundSms.Status.PENDING,
        send_after=retry.at,
        dispatched_at=retry.at,
        error_code=exc.code,
        reason=retry.reason,
        updated_at=now,
    )
    delay = (retry.at - now).total_seconds()
    tasks.send_outbound.apply_async((row.pk,), countdown=delay)
    return "retry"


def contact_record_error(*, phone: str, code: int | None, now: datetime | None = None) -> None:
    """A permanent error about a number is kept on its contact; 21610 means it opted out."""
    if code not in PERMANENT_NUMBER_CODES:
        return
    contact = contact_for(phone=phone)
    SmsContact.objects.filter(pk=contact.pk).update(
        last_error_code=code,
        last_error_at=now or timezone.now(),
        undeliverable=code != OPT_OUT_CODE,
    )
    if code == OPT_OUT_CODE:
        number_opt_out(
            phone=phone,
            source=SmsConsent.Source.CARRIER,
            evidence="Twilio refused a send with error 21610 (the number replied STOP).",
        )


def outbound_reconcile_stale(*, now: datetime | None = None, limit: int = 200) -> int:
    """Settle rows stuck in claimed (a crash or an unknown outcome) from the provider's list:
    found there -> submitted; not there -> pending again. Returns how many were settled."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.SMS_CLAIM_STALE_SECONDS)
    stale = list(
        OutboundSms.objects.filter(status=OutboundSms.Status.CLAIMED, claimed_at__lt=cutoff)
        .order_by("claimed_at")
        .values_list("pk", flat=True)[:limit]
    )
    if not stale:
        return 0
    backend = get_backend()
    settled = 0
    for pk in stale:
        with transaction.atomic():
            row = (
                OutboundSms.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, status=OutboundSms.Status.CLAIMED, claimed_at__lt=cutoff)
                .first()
            )
            if row is None:
                continue
            # Claimed before `cutoff` (the filter above), so claimed_at is set.
            since = (row.claimed_at or cutoff) - timedelta(minutes=5)
            try:
                listed = backend.messages_since(to=row.to, since=since)
            except SmsSendError:
                log.warning("reconcile: provider list failed for outbound %s", row.pk)
                continue
            known = set(
                OutboundSms.objects.filter(message_sid__in=[m.sid for m in listed]).values_list(
                    "message_sid", flat=True
                )
            )
            match = next(
                (
                    m
                    for m in listed
                    if m.body == row.body
                    and m.sid not in known
                    and (m.created_at is None or m.created_at >= since)
                ),
                None,
            )
            if match is not None:
                row.status, row.message_sid = OutboundSms.Status.SUBMITTED, match.sid
                row.submitted_at, row.reason = now, "reconciled: found at the provider"
                if DELIVERY_RANK.get(match.status, 0) > DELIVERY_RANK.get(row.delivery_status, 0):
                    row.delivery_status = match.status
            elif row.expires_at <= now:
                row.status, row.reason = OutboundSms.Status.FAILED, "reconciled: expired unsent"
            else:
                row.status, row.send_after, row.dispatched_at = (
                    OutboundSms.Status.PENDING,
                    now,
                    None,
                )
                row.reason = "reconciled: not at the provider, to be sent again"
            row.save()
            settled += 1
    return settled


# --- status callbacks -------------------------------------------------------------------------


def _advance(row: OutboundSms, status: str, error_code: int | None) -> None:
    if DELIVERY_RANK.get(status, -1) > DELIVERY_RANK.get(row.delivery_status, 0):
        row.delivery_status = status
        fields = ["delivery_status", "updated_at"]
        if error_code:
            row.error_code = error_code
            fields.append("error_code")
        row.save(update_fields=fields)


def _apply_early_events(sid: str) -> None:
    """Callbacks that arrived before we stored the sid are applied now."""
    row = OutboundSms.objects.select_for_update().filter(message_sid=sid).first()
    if row is None:
        return
    for event in SmsStatusEvent.objects.filter(message_sid=sid, outbound__isnull=True):
        event.outbound = row
        event.save(update_fields=["outbound"])
        _advance(row, event.status, event.error_code)


@transaction.atomic
def status_callback_record(*, params: dict) -> SmsStatusEvent:
    """Log a delivery event (once per message and status) and move the message's status
    forward (never back)."""
    # What PostgreSQL could not store (NUL, an error code past an integer) is dropped: the
    # event is still logged and the callback still answered.
    params = {str(k).replace("\x00", ""): str(v).replace("\x00", "") for k, v in params.items()}
    sid = (params.get("MessageSid") or params.get("SmsSid") or "")[:64]
    status = (params.get("MessageStatus") or params.get("SmsStatus") or "")[:20].lower()
    try:
        error_code = int(params.get("ErrorCode") or 0) or None
    except (TypeError, ValueError):
        error_code = None
    if error_code is not None and not 0 < error_code < 2**31:
        error_code = None
    row = OutboundSms.objects.select_for_update().filter(message_sid=sid).first() if sid else None
    # Twilio retries a callback it saw no 200 for, and a replay is signed too: one event per
    # (message, status), acted on once; the caller answers 200 to every copy.
    event, created = SmsStatusEvent.objects.get_or_create(
        message_sid=sid,
        status=status,
        defaults={"outbound": row, "error_code": error_code, "payload": params},
    )
    if created and row is not None:
        _advance(row, status, error_code)
        if status in ("undelivered", "failed") and error_code:
            transaction.on_commit(lambda: contact_record_error(phone=row.to, code=error_code))
    return event
