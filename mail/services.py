"""Email writes: queue notices, plan reminders, send each message exactly once, retry, sweep.

Exactly once, as for texts (sms.services): every email is one `OutboundEmail` row with a
unique idempotency key, so planning twice inserts once. A sender claims the row (pending ->
claimed under `select_for_update(skip_locked=True)`) and commits that before calling the mail
server, so two workers never both send it. A mail server cannot be asked afterwards what it
received, so a row left claimed by a worker that died mid-send is marked failed ("outcome
unknown") after MAIL_CLAIM_STALE_SECONDS, never sent again on a guess.

Who gets what is asked of the core (`notification_channels`), before queueing and again just
before sending, with the session's state, the expiry and the recipient's quiet hours.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import make_msgid
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from mail import content, tasks
from mail.models import OutboundEmail
from sessions_app import outbox, selectors, timing
from sessions_app import services as core_services
from sessions_app.models import (
    RSVP,
    Notice,
    SeatOffer,
    Session,
    SessionFeedback,
    SupportGroup,
    User,
)
from sessions_app.notices import notice_text
from sessions_app.zones import zone_info

log = logging.getLogger(__name__)

EMAIL = "email"
DISPATCH_BATCH = 50
# Kinds about one session: not sent once it is cancelled, moved or about to start ("we missed
# you" names the next session).
SESSION_KINDS = {"reminder", "seat_offered", "seat_promoted", "session_moved", "absence_check_in"}
NOTICE_TTL = timedelta(days=2)


def _enqueue(ids: list[int]) -> None:
    for i in range(0, len(ids), DISPATCH_BATCH):
        tasks.send_email_batch.delay(ids[i : i + DISPATCH_BATCH])


def _cancel_pending(queryset, reason: str) -> int:
    return queryset.filter(status=OutboundEmail.Status.PENDING).update(
        status=OutboundEmail.Status.CANCELLED, reason=reason, updated_at=timezone.now()
    )


# --- notices (cancelled, moved, seats, approvals, late) ----------------------------------------


def notices_queue(*, notice_ids: list[int], now: datetime | None = None) -> list[int]:
    """Queue the email copy of site notices for people who chose email; returns row ids.
    Also drops the pending reminders of cancelled or moved sessions."""
    now = now or timezone.now()
    notices = list(
        Notice.objects.filter(pk__in=notice_ids).select_related("user", "session__group")
    )
    changed = {
        n.session_id
        for n in notices
        if n.session_id and n.kind in (Notice.Kind.SESSION_CANCELLED, Notice.Kind.SESSION_MOVED)
    }
    if changed:
        _cancel_pending(
            OutboundEmail.objects.filter(session_id__in=changed, kind__in=SESSION_KINDS),
            "session_changed",
        )
    return queue_rows([row for n in notices if (row := _notice_row(n, now)) is not None], now=now)


def queue_rows(rows: list[OutboundEmail], *, now: datetime) -> list[int]:
    """Insert these rows (a key already there is left alone: each message once) and hand the
    ones due by `now` to the workers after commit; returns their ids."""
    if not rows:
        return []
    OutboundEmail.objects.bulk_create(rows, ignore_conflicts=True)
    ids = list(
        OutboundEmail.objects.filter(
            idempotency_key__in=[r.idempotency_key for r in rows],
            status=OutboundEmail.Status.PENDING,
            send_after__lte=now,
        ).values_list("pk", flat=True)
    )
    if ids:
        transaction.on_commit(lambda: _enqueue(ids))
    return ids


def _notice_row(notice: Notice, now: datetime) -> OutboundEmail | None:
    user = notice.user
    category = selectors.CATEGORY_BY_KIND.get(notice.kind)
    if category is None or EMAIL not in selectors.notification_channels(
        user=user, category=category
    ):
        return None
    session = notice.session
    group_name = notice.params.get("group") or (session.group.name if session else "")
    if not group_name:
        return None
    expires = now + NOTICE_TTL
    if session is not None:
        expires = min(expires, timing.expires_for(session.start))
        if notice.kind == Notice.Kind.SEAT_OFFERED:
            offer = (
                SeatOffer.objects.filter(
                    rsvp__session=session, rsvp__user=user, status=SeatOffer.Status.OPEN
                )
                .order_by("-created_at")
                .first()
            )
            expires = min(expires, offer.expires_at) if offer else now
        if notice.kind == Notice.Kind.ATTENDEE_LATE:
            expires = session.end
    send_after = timing.next_window_open(now, zone_info(user.timezone))
    if send_after >= expires:
        return None
    language = user.language or None
    message = content.compose(
        kind=notice.kind,
        group_name=group_name,
        sentence=notice_text(notice, language=language or settings.LANGUAGE_CODE),
        language=language,
        unsubscribe=content.unsubscribe_url(user_id=user.pk, category=category),
    )
    return OutboundEmail(
        idempotency_key=f"notice:{notice.pk}",
        kind=notice.kind,
        category=category,
        to=user.email,
        subject=message.subject,
        body_text=message.text,
        body_html=message.html,
        user=user,
        session=session,
        session_start=session.start if session else None,
        send_after=send_after,
        expires_at=expires,
    )


# --- reminders --------------------------------------------------------------------------------


def _reminder_offsets() -> set[int]:
    offsets: set[int] = set()
    for values in (
        SupportGroup.objects.order_by()
        .values_list("reminder_offsets_minutes", flat=True)
        .distinct()
    ):
        offsets.update(o for o in values or [] if isinstance(o, int))
    return offsets


def reminders_plan(*, now: datetime | None = None) -> int:
    """Create the email reminders due now for people who take reminders by email
    (idempotent: unique keys, conflicts ignored). Returns how many are due now."""
    now = now or timezone.now()
    grace = timedelta(minutes=settings.SMS_REMINDER_GRACE_MINUTES)
    after, upto = now - grace, now
    # A reminder moved into the send window goes out at most 14 hours from its nominal time,
    # so each offset's band of starts, widened by that, holds every candidate.
    slack = timedelta(hours=14)
    band = Q()
    for minutes in _reminder_offsets():
        offset = timedelta(minutes=minutes)
        widen = slack if offset >= timing.MIN_LEAD_FOR_MOVE else timedelta(0)
        band |= Q(
            session__start__gt=after + offset - widen, session__start__lte=upto + offset + widen
        )
    if not band:
        return 0
    candidates = (
        RSVP.objects.filter(band)
        .filter(
            status=RSVP.Status.GOING,
            session__status=Session.Status.SCHEDULED,
            session__start__gt=now + timing.EXPIRY_BEFORE_START,
        )
        .filter(
            selectors.notification_channel_q(category="reminders", channel=EMAIL, user_field="user")
        )
        .values_list(
            "session_id",
            "session__start",
            "session__group__name",
            "session__group__reminder_offsets_minutes",
            "user_id",
            "user__email",
            "user__timezone",
            "user__language",
        )
    )
    window = timing.send_window()
    rows = []
    # Everyone at one session in one zone and language gets the same words: rendered once.
    words: dict[tuple, Callable[..., content.Message]] = {}
    for session_id, start, group_name, offsets, user_id, email, zone, language in candidates:
        tz = zone_info(zone)
        for minutes in offsets or []:
            send_at = timing.reminder_send_time(
                start=start, offset=timedelta(minutes=minutes), tz=tz, window=window
            )
            if send_at is None or not after < send_at <= upto:
                continue
            key = (session_id, zone, language)
            if key not in words:
                words[key] = content.compose_for_many(
                    kind="reminder",
                    group_name=group_name,
                    sentence=content.reminder_sentence(
                        group_name=group_name, start=start, tz=tz, language=language or None
                    ),
                    language=language or None,
                    with_link=True,
                )
            message = words[key](
                unsubscribe=content.unsubscribe_url(user_id=user_id, category="reminders"),
                link=selectors.session_link_url(session_id=session_id, user_id=user_id),
            )
            rows.append(
                OutboundEmail(
                    idempotency_key=f"reminder:{session_id}:{user_id}:{minutes}:{int(start.timestamp())}",
                    kind="reminder",
                    category="reminders",
                    to=email,
                    subject=message.subject,
                    body_text=message.text,
                    body_html=message.html,
                    user_id=user_id,
                    session_id=session_id,
                    session_start=start,
                    send_after=send_at,
                    expires_at=timing.expires_for(start),
                )
            )
    OutboundEmail.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)
    return len(rows)


# --- sending one email ------------------------------------------------------------------------


def _send_blocker(row: OutboundEmail, now: datetime) -> tuple[str, datetime | None]:
    """Why this row must not go out now ('' if it may); a time if it should wait instead."""
    if row.expires_at <= now:
        return "expired", None
    user = User.objects.filter(pk=row.user_id).first() if row.user_id else None
    if user is None or not user.email or user.email != row.to:
        return "address_changed", None
    if EMAIL not in selectors.notification_channels(user=user, category=row.category):
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
    if (
        row.kind == "feedback_ask"
        and SessionFeedback.objects.filter(session=row.session_id, user=user).exists()
    ):
        return "answered", None
    return outbox.quiet_hours_blocker(
        now=now, tz=zone_info(user.timezone), expires_at=row.expires_at
    )


def _message(row: OutboundEmail, message_id: str) -> EmailMultiAlternatives:
    unsubscribe = content.unsubscribe_url(user_id=row.user_id or 0, category=row.category)
    email = EmailMultiAlternatives(
        subject=row.subject,
        body=row.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[row.to],
        headers={
            "Message-ID": message_id,
            # RFC 8058: one POST to this URL unsubscribes, without logging in.
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )
    email.attach_alternative(row.body_html, "text/html")
    return email


def outbound_send(*, outbound_id: int, now: datetime | None = None) -> str:
    """Send one row if it is still pending, due and wanted; returns what happened."""
    now = now or timezone.now()

    def with_message_id(row: OutboundEmail) -> list[str]:
        row.message_id = make_msgid(domain="hearth")
        return ["message_id"]

    row, outcome = outbox.claim(
        OutboundEmail, pk=outbound_id, now=now, blocker=_send_blocker, on_claim=with_message_id
    )
    if row is None:
        return outcome
    # The claim is committed: from here on a crash leaves a claimed row, never a second send.
    try:
        _message(row, row.message_id).send(fail_silently=False)
    except Exception as exc:  # noqa: BLE001 - SMTP, socket and backend errors alike
        return _send_failed(row, exc, now=now)
    OutboundEmail.objects.filter(pk=row.pk, status=OutboundEmail.Status.CLAIMED).update(
        status=OutboundEmail.Status.SENT, sent_at=now, reason="", updated_at=now
    )
    return "sent"


def _send_failed(row: OutboundEmail, exc: Exception, *, now: datetime) -> str:
    claimed = OutboundEmail.objects.filter(pk=row.pk, status=OutboundEmail.Status.CLAIMED)
    text = f"{type(exc).__name__}: {exc}"[:150]
    log.warning("email %s failed (try %s): %s", row.pk, row.attempts, text)
    retry = outbox.next_try(
        attempts=row.attempts,
        max_attempts=settings.MAIL_MAX_ATTEMPTS,
        base_seconds=settings.MAIL_RETRY_BASE_SECONDS,
        cap_seconds=3600.0,
        now=now,
        expires_at=row.expires_at,
        error=text,
        jitter=random.uniform,
    )
    if retry.at is None:
        claimed.update(status=OutboundEmail.Status.FAILED, reason=retry.reason, updated_at=now)
        return "failed"
    claimed.update(
        status=OutboundEmail.Status.PENDING,
        send_after=retry.at,
        reason=retry.reason,
        updated_at=now,
    )
    return "retry"


def outbound_settle_stale(*, now: datetime | None = None) -> int:
    """Rows claimed longer than MAIL_CLAIM_STALE_SECONDS ago (a worker died mid-send): the
    server may have the message, so they are marked failed, never sent again."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.MAIL_CLAIM_STALE_SECONDS)
    return OutboundEmail.objects.filter(
        status=OutboundEmail.Status.CLAIMED, claimed_at__lt=cutoff
    ).update(
        status=OutboundEmail.Status.FAILED,
        reason="outcome unknown: the sender stopped mid-send; not sent again",
        updated_at=now,
    )


def outbound_due(*, now: datetime | None = None, limit: int = 5000) -> list[int]:
    """The pending rows whose time has come, oldest first."""
    now = now or timezone.now()
    return list(
        OutboundEmail.objects.filter(status=OutboundEmail.Status.PENDING, send_after__lte=now)
        .order_by("send_after", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def mail_sweep(*, now: datetime | None = None, send_here: bool = False) -> dict[str, int]:
    """The periodic job: plan due reminders, settle stale claims, hand due rows to the
    workers (or, with `send_here`, send them in this process at the instant `now`). Handing
    a row over twice is harmless: a send claims it under a row lock first."""
    now = now or timezone.now()
    due = reminders_plan(now=now)
    settled = outbound_settle_stale(now=now)
    ids = outbound_due(now=now)
    result = {"due": due, "settled": settled, "dispatched": len(ids)}
    if send_here:
        outcomes = [outbound_send(outbound_id=pk, now=now) for pk in ids]
        result["sent"] = outcomes.count("sent")
    elif ids:
        transaction.on_commit(lambda: _enqueue(ids))
    return result


@transaction.atomic
def unsubscribe_one_click(*, token: str) -> str | None:
    """Honour a signed unsubscribe link (RFC 8058 one-click POST, no login): that person's
    category stops by email. Returns the category, or None for a token we did not sign."""
    found = content.unsubscribe_read(token)
    if found is None:
        return None
    user_id, category = found
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return None
    core_services.notification_unsubscribe_email(user=user, category=category)
    _cancel_pending(OutboundEmail.objects.filter(user=user, category=category), "unsubscribed")
    return category
