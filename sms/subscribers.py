"""How SMS reacts to the scheduling core's domain events (subscribed in SmsConfig.ready)."""

from sessions_app import events
from sms import services


def on_notices_created(event: events.NoticesCreated) -> None:
    """Text the notices to the people who opted in; drop reminders of changed sessions."""
    services.notices_queue(notice_ids=list(event.notice_ids))


def subscribe() -> None:
    events.subscribe(events.NoticesCreated, on_notices_created)
