"""The room's frame handlers for voice and video and for facilitators, by topic, mixed into
rooms.consumers.RoomConsumer (which checks the sender's role and the frame before any of them
runs). Each hands the frame to a service on the room's database threads; what comes back to
people is published by the services (docs/rooms.md, docs/media.md)."""

from __future__ import annotations

from rooms import services
from rooms.db import room_db
from rooms.hub import encode


class MediaFrames:
    """media.join, media.signal, media.state, media.leave (docs/media.md)."""

    session_id: int
    connection_id: int
    user: object

    async def frame_media_join(self, frame):
        config = await room_db(services.media_join)(
            session_id=self.session_id,
            connection_id=self.connection_id,
            user=self.user,
            video=frame.get("video", True),
        )
        await self.send(text_data=encode(config))

    async def frame_media_signal(self, frame):
        await room_db(services.media_signal)(
            session_id=self.session_id,
            connection_id=self.connection_id,
            user=self.user,
            frame=frame,
        )

    async def frame_media_state(self, frame):
        await room_db(services.media_state_set)(
            session_id=self.session_id,
            connection_id=self.connection_id,
            user=self.user,
            audio=frame.get("audio"),
            video=frame.get("video"),
        )

    async def frame_media_leave(self, frame):
        await room_db(services.media_leave)(
            session_id=self.session_id, connection_id=self.connection_id, user=self.user
        )


class FacilitatorFrames:
    """mod.*, room.lock and room.end: the facilitators' controls."""

    session_id: int
    user: object

    async def frame_mod_mute(self, frame):
        await room_db(services.participant_mute)(
            session_id=self.session_id, by=self.user, user_id=frame.get("user"), muted=True
        )

    async def frame_mod_unmute(self, frame):
        await room_db(services.participant_mute)(
            session_id=self.session_id, by=self.user, user_id=frame.get("user"), muted=False
        )

    async def frame_mod_remove(self, frame):
        await room_db(services.participant_remove)(
            session_id=self.session_id,
            by=self.user,
            user_id=frame.get("user"),
            reason=frame.get("reason", ""),
        )

    async def frame_mod_admit(self, frame):
        await room_db(services.participant_admit)(
            session_id=self.session_id, by=self.user, user_id=frame.get("user")
        )

    async def frame_mod_delete_message(self, frame):
        await room_db(services.message_delete)(
            session_id=self.session_id, by=self.user, seq=frame.get("seq")
        )

    async def frame_mod_next_speaker(self, frame):
        await room_db(services.speaker_next)(session_id=self.session_id, by=self.user)

    async def frame_mod_reorder(self, frame):
        await room_db(services.hands_reorder)(
            session_id=self.session_id, by=self.user, order=frame.get("order")
        )

    async def frame_mod_share_timer(self, frame):
        await room_db(services.share_timer_start)(
            session_id=self.session_id,
            by=self.user,
            minutes=frame.get("minutes"),
            auto_next=frame.get("auto_next", False),
        )

    async def frame_mod_share_stop(self, frame):
        await room_db(services.share_timer_stop)(session_id=self.session_id, by=self.user)

    async def frame_mod_round_start(self, frame):
        await room_db(services.round_start)(
            session_id=self.session_id, by=self.user, prompt=frame.get("prompt")
        )

    async def frame_mod_round_end(self, frame):
        await room_db(services.round_end)(session_id=self.session_id, by=self.user)

    async def frame_room_lock(self, frame):
        await room_db(services.room_lock)(
            session_id=self.session_id, by=self.user, locked=frame.get("locked", True)
        )

    async def frame_room_end(self, frame):
        await room_db(services.room_end)(session_id=self.session_id, by=self.user)
