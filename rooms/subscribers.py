"""How live rooms react to the scheduling core's domain events, and what they add to a
person's data export (both registered in RoomsConfig.ready)."""

from rooms import data_export, services
from sessions_app import events
from sessions_app.data_export import export_section_register


def on_session_cancelled(event: events.SessionCancelled) -> None:
    """Whoever is in the room of a cancelled session hears that it ended, and is let go."""
    if event.room_was_open:
        services.room_announce_end(session_id=event.session_id)


def on_membership_ended(event: events.MembershipEnded) -> None:
    """A removed or banned member's open room connections in that group close (4403)."""
    services.room_members_leave(group_id=event.group_id, user_id=event.user_id)


def on_guidelines_changed(event: events.GroupGuidelinesChanged) -> None:
    """People in the group's open rooms see the new guidelines, and accept them again."""
    services.guidelines_announce(group_id=event.group_id)


def subscribe() -> None:
    events.subscribe(events.SessionCancelled, on_session_cancelled)
    events.subscribe(events.MembershipEnded, on_membership_ended)
    events.subscribe(events.GroupGuidelinesChanged, on_guidelines_changed)
    export_section_register("guidelines_accepted", data_export.guidelines_accepted)
    export_section_register("reports_made", data_export.reports_made)
    export_section_register("blocks", data_export.blocks)
    export_section_register("private_messages", data_export.private_messages)
