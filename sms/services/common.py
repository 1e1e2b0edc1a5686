"""What several SMS service modules share: zones, opt-in, cancelling and handing over rows."""

from __future__ import annotations

from django.utils import timezone

from sessions_app import selectors as core_selectors
from sessions_app.models import User
from sms import tasks
from sms.models import OutboundSms

DISPATCH_BATCH = 50
SESSION_KINDS = {
    OutboundSms.Kind.REMINDER,
    OutboundSms.Kind.SEAT_OFFERED,
    OutboundSms.Kind.SEAT_PROMOTED,
    OutboundSms.Kind.SESSION_MOVED,
}


def _cancel_pending(queryset, reason: str) -> int:
    return queryset.filter(status=OutboundSms.Status.PENDING).update(
        status=OutboundSms.Status.CANCELLED, reason=reason, updated_at=timezone.now()
    )


def _opted_in(user: User) -> bool:
    return core_selectors.takes_sms(user)


def _wants_sms(user: User, kind: str) -> bool:
    """Texts reach this person and, for a notification, they chose texts for its category
    (sessions_app.selectors.notification_channels, the one place that decides)."""
    channels = core_selectors.notification_channels_for_kind(user=user, kind=kind)
    if channels is None:
        return _opted_in(user)
    return "sms" in channels


def _enqueue(ids: list[int]) -> None:
    for i in range(0, len(ids), DISPATCH_BATCH):
        tasks.send_outbound_batch.delay(ids[i : i + DISPATCH_BATCH])
