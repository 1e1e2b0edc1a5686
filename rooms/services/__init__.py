"""Writes of the live rooms. The consumer, the API and the pages call these; each runs in a
transaction and tells the room's processes what changed only once it is committed
(`lifecycle._publish`), so nobody hears of a change that was rolled back.

Errors: `RoomError` (a stable `code` that the consumer turns into an `error` frame),
Django `ValidationError` keyed by field, `NotAllowed` / `StateConflict` for the API.

One module per topic: lifecycle (the room's group and events, opening and closing, tickets),
presence, chat, guidelines (group agreements), private_line (an attendee and the
facilitators), queue (hands and the speaker), moderation, media (the call; janus_rooms for
its Janus VideoRoom), checkins and retention; the errors and the checks they share are in
_common. Callers import the names from here
(`from rooms import services`).
"""

from rooms.services._common import (
    FACILITATOR,
    MAX_NUMBER,
    RoomDenied,
    RoomError,
    is_whole_number,
)
from rooms.services.blocks import person_block, person_unblock
from rooms.services.chat import (
    chat_post,
    chat_post_many,
    chat_text_clean,
    crisis_match,
    message_delete,
    message_report,
    report_resolve,
)
from rooms.services.checkins import checkin_record
from rooms.services.guidelines import (
    GuidelinesRequired,
    guidelines_accept,
    guidelines_announce,
    guidelines_check,
)
from rooms.services.lifecycle import (
    ROOM_CHANNEL_LAYER,
    room_announce_end,
    room_close,
    room_end,
    room_group,
    room_open,
    room_ticket_issue,
    room_ticket_redeem,
)
from rooms.services.media import (
    MediaUnavailable,
    media_join,
    media_leave,
    media_signal,
    media_state_set,
)
from rooms.services.moderation import (
    participant_admit,
    participant_mute,
    participant_remove,
    room_lock,
    room_members_leave,
)
from rooms.services.person_reports import (
    person_report_from_group,
    person_report_from_room,
    person_report_resolve,
)
from rooms.services.presence import (
    connections_reap,
    room_heartbeat,
    room_join,
    room_leave,
)
from rooms.services.private_line import private_reply, private_send
from rooms.services.queue import (
    hand_set,
    hands_reorder,
    round_end,
    round_pass,
    round_start,
    share_timer_expire,
    share_timer_start,
    share_timer_stop,
    speaker_next,
    turn_pass,
)
from rooms.services.retention import room_messages_purge

__all__ = [
    "FACILITATOR",
    "GuidelinesRequired",
    "MediaUnavailable",
    "MAX_NUMBER",
    "ROOM_CHANNEL_LAYER",
    "RoomDenied",
    "RoomError",
    "chat_post",
    "chat_post_many",
    "chat_text_clean",
    "checkin_record",
    "connections_reap",
    "crisis_match",
    "guidelines_accept",
    "guidelines_announce",
    "guidelines_check",
    "hand_set",
    "hands_reorder",
    "is_whole_number",
    "media_join",
    "media_leave",
    "media_signal",
    "media_state_set",
    "message_delete",
    "message_report",
    "participant_admit",
    "participant_mute",
    "participant_remove",
    "person_block",
    "person_unblock",
    "person_report_from_group",
    "person_report_from_room",
    "person_report_resolve",
    "room_members_leave",
    "private_reply",
    "private_send",
    "report_resolve",
    "room_announce_end",
    "room_close",
    "room_end",
    "room_group",
    "room_heartbeat",
    "room_join",
    "room_leave",
    "room_lock",
    "room_messages_purge",
    "room_open",
    "room_ticket_issue",
    "room_ticket_redeem",
    "round_end",
    "round_pass",
    "round_start",
    "share_timer_expire",
    "share_timer_start",
    "share_timer_stop",
    "speaker_next",
    "turn_pass",
]
