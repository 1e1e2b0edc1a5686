"""The SMS copy of site notices (cancelled, moved, seats, approvals, late)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from sessions_app import timing
from sessions_app.models import Notice, SeatOffer
from sessions_app.zones import zone_info
from sms import bodies
from sms.models import OutboundSms
from sms.services.common import SESSION_KINDS, _cancel_pending, _wants_sms
from sms.services.reminders import outbound_dispatch


def notices_queue(*, notice_ids: list[int], now: datetime | None = None) -> list[int]:
    """Queue the SMS copy of site notices for users who opted in; returns outbound ids.

    Also drops the pending reminders of cancelled or moved sessions.
    """
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
            OutboundSms.objects.filter(session_id__in=changed, kind__in=SESSION_KINDS),
            "session_changed",
        )
    rows = []
    for notice in notices:
        row = _notice_row(notice, now)
        if row is not None:
            rows.append(row)
    if not rows:
        return []
    OutboundSms.objects.bulk_create(rows, ignore_conflicts=True)
    return outbound_dispatch(keys=[r.idempotency_key for r in rows], now=now)


def _notice_row(notice: Notice, now: datetime) -> OutboundSms | None:
    user = notice.user
    if notice.kind not in OutboundSms.Kind.values or not _wants_sms(user, notice.kind):
        return None
    tz = zone_info(user.timezone)
    session = notice.session
    group_name = notice.params.get("group") or (session.group.name if session else "")
    if not group_name:
        return None  # a notice from before params, about no session: nothing to word it with
    expires = now + timedelta(days=1)
    if session is not None:
        expires = timing.expires_for(session.start)
        if notice.kind == Notice.Kind.SEAT_OFFERED:
            offer = (
                SeatOffer.objects.filter(
                    rsvp__session=session, rsvp__user=user, status=SeatOffer.Status.OPEN
                )
                .order_by("-created_at")
                .first()
            )
            expires = min(expires, offer.expires_at) if offer else now
        if notice.kind == OutboundSms.Kind.LATE:
            expires = session.end
    send_after = timing.next_window_open(now, tz)
    if send_after >= expires:
        return None
    # In the recipient's language, never the one of the request that caused the notice.
    language = user.language or None
    if notice.kind == OutboundSms.Kind.LATE:
        if session is None or "attendee" not in notice.params:
            return None  # a notice from before params: its words are not ours to cut apart
        body = bodies.late(
            attendee_name=notice.params["attendee"],
            group_name=group_name,
            start=session.start,
            tz=session.group.tz,
            language=language,
        )
    else:
        body = bodies.notice(
            kind=notice.kind,
            group_name=group_name,
            session_start=session.start if session else None,
            tz=tz,
            language=language,
        )
    return OutboundSms(
        idempotency_key=f"notice:{notice.pk}",
        kind=notice.kind,
        to=str(user.phone),
        body=body,
        user=user,
        session=session,
        session_start=session.start if session else None,
        send_after=send_after,
        expires_at=expires,
    )
