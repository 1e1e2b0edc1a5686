"""Purging room messages, tickets and dead connections after retention."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from rooms import selectors
from rooms.models import PersonReport, RoomMessage, RoomTicket
from rooms.services.presence import connections_reap


@transaction.atomic
def room_messages_purge(*, now: datetime | None = None) -> int:
    """Delete room messages ROOM_MESSAGE_RETENTION_HOURS after their session ended, except
    messages with an unresolved report, and private-line messages by the same rule (and the
    copies of messages kept with a resolved report about a person); also
    used-up tickets and dead connections. Returns how many room messages went."""
    now = now or timezone.now()
    ids = list(selectors.messages_expired(now=now).values_list("pk", flat=True))
    deleted = 0
    for start in range(0, len(ids), 500):
        deleted += (
            RoomMessage.objects.filter(pk__in=ids[start : start + 500])
            .delete()[1]
            .get("rooms.RoomMessage", 0)
        )
    selectors.private_expired(now=now).delete()
    # A resolved report about a person keeps its copy of their messages no longer than the
    # messages themselves.
    cutoff = now - timedelta(hours=settings.ROOM_MESSAGE_RETENTION_HOURS)
    PersonReport.objects.filter(resolved_at__lt=cutoff).exclude(context=[]).update(context=[])
    RoomTicket.objects.filter(expires_at__lt=now - timedelta(hours=1)).delete()
    connections_reap(now=now)
    return deleted
