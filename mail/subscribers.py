"""How email reacts to the scheduling core's domain events (subscribed in MailConfig.ready)."""

from mail import services
from sessions_app import events


def on_notices_created(event: events.NoticesCreated) -> None:
    """Email the notices to the people who chose email; drop reminders of changed sessions."""
    services.notices_queue(notice_ids=list(event.notice_ids))


def subscribe() -> None:
    events.subscribe(events.NoticesCreated, on_notices_created)
