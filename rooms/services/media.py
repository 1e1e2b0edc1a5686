"""Voice and video in the room (docs/media.md): who is in the call, what each tab may send,
the signalling the server relays, and the Janus VideoRoom behind a room when JANUS_URL is set.

Nothing about media is stored beyond the live connection's row (in the call or not, what it
sends now); no SDP, candidate or address is written to the database or logged at INFO.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from rooms import selectors
from rooms.janus import JanusError, janus_url_for
from rooms.models import Room, RoomConnection, RoomParticipant
from rooms.services._common import FACILITATOR, RoomError, _participant
from rooms.services.guidelines import guidelines_check
from rooms.services.janus_rooms import (
    janus_admin,
    janus_on_mute,
    janus_on_remove,
    janus_room_create,
    janus_room_secrets,
    janus_token,
)
from rooms.services.lifecycle import _publish
from rooms.turn import turn_credentials
from sessions_app.models import Session, User

logger = logging.getLogger(__name__)

# The largest SDP and ICE candidate a frame may carry (a Chromium offer with audio, video and
# simulcast is 5-8 KB; ROOM_MAX_FRAME_BYTES caps the frame as a whole).
MAX_SDP_CHARS = 15_000
MAX_CANDIDATE_CHARS = 1_000


class MediaUnavailable(RoomError):
    """Janus could not be reached or refused: the chat goes on without the call."""

    code = "media_unavailable"


def media_mode() -> str:
    return "janus" if settings.JANUS_URLS else "mesh"


# --- the call ----------------------------------------------------------------------------------


def _peer(connection: RoomConnection) -> dict:
    participant = connection.participant
    return {
        "peer": connection.pk,
        "user": {"id": participant.user_id, "display_name": participant.display_name},
        "audio": connection.sends_audio and not participant.muted,
        "video": connection.sends_video,
        "muted": participant.muted,
    }


def _call_connections(session_id: int):
    """Live connections in the call of people who are admitted and not removed."""
    return (
        RoomConnection.objects.filter(
            session_id=session_id,
            in_call=True,
            heartbeat_at__gte=selectors.presence_cutoff(),
            participant__admitted_at__isnull=False,
            participant__removed_at__isnull=True,
        )
        .select_related("participant")
        .order_by("pk")
    )


def _own_connection(*, session_id: int, connection_id: int, user: User) -> RoomConnection:
    connection = (
        RoomConnection.objects.select_related("participant")
        .filter(pk=connection_id, session_id=session_id, participant__user=user)
        .first()
    )
    if connection is None:
        raise RoomError(_("You are not in this room."), code="forbidden")
    return connection


def ice_servers(*, user_id: int, expires_at: int) -> list[dict]:
    """RTCConfiguration.iceServers: STUN, and TURN with coturn REST credentials."""
    servers: list[dict] = []
    if settings.STUN_URLS:
        servers.append({"urls": list(settings.STUN_URLS)})
    if settings.TURN_URLS and settings.TURN_SECRET:
        username, credential = turn_credentials(
            secret=settings.TURN_SECRET, user_id=user_id, expires_at=expires_at
        )
        servers.append(
            {"urls": list(settings.TURN_URLS), "username": username, "credential": credential}
        )
    return servers


def _credentials_expiry(session: Session) -> int:
    """TURN credentials last until the session's end plus a grace, at least an hour from now."""
    end = session.end + timedelta(minutes=settings.TURN_GRACE_MINUTES)
    return int(max(end.timestamp(), time.time() + 3600))


def media_join(*, session_id: int, connection_id: int, user: User, video) -> dict:
    """This tab joins the call: its `media.config` frame. Everyone else admitted hears of it
    (`media.peer` joined). In a mesh, past MEDIA_MESH_MAX_VIDEO people with cameras a newcomer
    gets voice only; past MEDIA_MESH_MAX_PEOPLE, `media_full`. On Janus, the room exists and
    the person's token is in its `allowed` list before the config goes out."""
    if not isinstance(video, bool):
        raise ValidationError({"video": _("true or false.")})
    participant = _participant(session_id=session_id, user=user)
    room = Room.objects.select_related("session__group").get(session_id=session_id)
    group = room.session.group
    janus = None
    if settings.JANUS_URLS:
        keys = janus_room_secrets(room=room)
        token = janus_token(room=room, user_id=user.pk)
        try:
            janus_room_create(session_id=session_id)
            janus_admin(session_id).allow(room=keys["room"], secret=keys["secret"], tokens=[token])
        except JanusError as exc:
            logger.warning("room %s: Janus unavailable for a join: %s", session_id, exc)
            raise MediaUnavailable(
                _("Voice and video are unavailable just now. The chat still works."),
                code="media_unavailable",
            ) from exc
        janus = {
            "url": janus_url_for(session_id, settings.JANUS_URLS),
            "room": keys["room"],
            "pin": keys["pin"],
            "token": token,
            "publisher_id": connection_id,
            "api_secret": settings.JANUS_API_SECRET or None,
        }
    with transaction.atomic():
        # One join at a time per room, so two newcomers cannot both take the last place.
        Room.objects.select_for_update().filter(session_id=session_id).first()
        connection = _own_connection(session_id=session_id, connection_id=connection_id, user=user)
        in_call = [c for c in _call_connections(session_id) if c.pk != connection_id]
        # One tab per person in the call: joining from this tab takes the person's earlier one
        # out (a tab left over from a dropped connection must not hold a place or a camera).
        earlier = [c for c in in_call if c.participant_id == connection.participant_id]
        for stale in earlier:
            media_connection_gone(connection=stale, tell_it=True)
        RoomConnection.objects.filter(pk__in=[c.pk for c in earlier]).update(
            in_call=False, video_allowed=False, sends_audio=False, sends_video=False
        )
        others = [c for c in in_call if c.participant_id != connection.participant_id]
        if janus is None and len(others) >= settings.MEDIA_MESH_MAX_PEOPLE:
            raise RoomError(
                format_lazy(
                    _("The call is full ({limit} people). You can still follow the chat."),
                    limit=settings.MEDIA_MESH_MAX_PEOPLE,
                ),
                code="media_full",
            )
        cameras = sum(1 for c in others if c.video_allowed)
        allowed = (
            video
            and not group.voice_only
            and (janus is not None or cameras < settings.MEDIA_MESH_MAX_VIDEO)
        )
        connection.in_call, connection.video_allowed = True, allowed
        connection.sends_audio = connection.sends_video = False
        connection.save(update_fields=["in_call", "video_allowed", "sends_audio", "sends_video"])
        joined = {"type": "media.peer", "action": "joined", **_peer(connection)}
        _publish(session_id, frames=[[f"others:{connection_id}", joined]])
    expires_at = _credentials_expiry(room.session)
    return {
        "type": "media.config",
        "mode": media_mode(),
        "peer": connection_id,
        "ice_servers": ice_servers(user_id=user.pk, expires_at=expires_at),
        "expires_at": expires_at,
        "video": allowed,
        "voice_only_group": group.voice_only,
        "talking_piece": group.talking_piece,
        "muted": participant.muted,
        "peers": [_peer(c) for c in others],
        "janus": janus,
    }


def _clean_signal(frame: dict) -> dict:
    """The part of a `media.signal` frame that is relayed, checked field by field."""
    if "description" in frame:
        description = frame["description"]
        if (
            not isinstance(description, dict)
            or description.get("type") not in ("offer", "answer")
            or not isinstance(description.get("sdp"), str)
            or not 0 < len(description["sdp"]) <= MAX_SDP_CHARS
        ):
            raise ValidationError(
                {"description": _("An offer or answer: {type, sdp} with the SDP as text.")}
            )
        return {"description": {"type": description["type"], "sdp": description["sdp"]}}
    if "candidate" in frame:
        candidate = frame["candidate"]
        if candidate is None:
            return {"candidate": None}  # the end of the candidates
        mid = candidate.get("sdpMid") if isinstance(candidate, dict) else None
        index = candidate.get("sdpMLineIndex") if isinstance(candidate, dict) else None
        if (
            not isinstance(candidate, dict)
            or not isinstance(candidate.get("candidate"), str)
            or len(candidate["candidate"]) > MAX_CANDIDATE_CHARS
            or not (mid is None or (isinstance(mid, str) and len(mid) <= 64))
            or not (
                index is None
                or (isinstance(index, int) and not isinstance(index, bool) and 0 <= index < 64)
            )
        ):
            raise ValidationError(
                {"candidate": _("An ICE candidate: {candidate, sdpMid, sdpMLineIndex}, or null.")}
            )
        return {
            "candidate": {
                "candidate": candidate["candidate"],
                "sdpMid": mid,
                "sdpMLineIndex": index,
            }
        }
    raise ValidationError({"description": _("A signal carries a description or a candidate.")})


def media_signal(*, session_id: int, connection_id: int, user: User, frame: dict) -> None:
    """Relay an offer, answer or ICE candidate to one other tab in the call (mesh only), and
    only between two people who are both admitted, not removed, and in the call."""
    if settings.JANUS_URLS:
        raise RoomError(
            _("This room's call goes through the media server, not peer to peer."),
            code="media_wrong_mode",
        )
    to = frame.get("to")
    if not isinstance(to, int) or isinstance(to, bool) or not 0 < to < 2**63:
        raise ValidationError({"to": _("The peer id (a number) to send this to.")})
    payload = _clean_signal(frame)
    _participant(session_id=session_id, user=user)
    sender = _own_connection(session_id=session_id, connection_id=connection_id, user=user)
    if not sender.in_call:
        raise RoomError(_("Join the call first."), code="media_not_joined")
    if to == connection_id or not _call_connections(session_id).filter(pk=to).exists():
        raise RoomError(_("That person is not in the call."), code="media_peer_unknown")
    _publish(
        session_id, frames=[[f"c:{to}", {"type": "media.signal", "from": sender.pk, **payload}]]
    )


@transaction.atomic
def media_state_set(*, session_id: int, connection_id: int, user: User, audio, video) -> None:
    """What this tab sends now; everyone admitted sees it on the person's tile. A person a
    facilitator muted cannot unmute; with the talking piece only the speaker and facilitators
    can; video only where the call allows this tab a camera."""
    if not isinstance(audio, bool):
        raise ValidationError({"audio": _("true or false.")})
    if not isinstance(video, bool):
        raise ValidationError({"video": _("true or false.")})
    participant = _participant(session_id=session_id, user=user)
    connection = _own_connection(session_id=session_id, connection_id=connection_id, user=user)
    if not connection.in_call:
        raise RoomError(_("Join the call first."), code="media_not_joined")
    if audio and not connection.sends_audio:
        # Unmuting needs the group's guidelines accepted (a tab already sending keeps on).
        guidelines_check(session_id=session_id, participant=participant)
    if audio and participant.muted:
        raise RoomError(_("A facilitator has muted you for now."), code="media_muted")
    if audio and participant.role != FACILITATOR and _talking_piece_elsewhere(session_id, user):
        raise RoomError(
            _("With the talking piece, only the person whose turn it is can unmute."),
            code="media_not_your_turn",
        )
    if video and not connection.video_allowed:
        raise RoomError(
            _("Cameras are off in this call; you can still speak."), code="media_video_off"
        )
    if (connection.sends_audio, connection.sends_video) != (audio, video):
        connection.sends_audio, connection.sends_video = audio, video
        connection.save(update_fields=["sends_audio", "sends_video"])
        frame = {"type": "media.peer", "action": "state", **_peer(connection)}
        _publish(session_id, frames=[["all", frame]])


def _talking_piece_elsewhere(session_id: int, user: User) -> bool:
    room = Room.objects.select_related("session__group").get(session_id=session_id)
    return room.session.group.talking_piece and room.speaker_id != user.pk


@transaction.atomic
def media_leave(*, session_id: int, connection_id: int, user: User) -> None:
    """This tab left the call (it stays in the room and the chat)."""
    connection = _own_connection(session_id=session_id, connection_id=connection_id, user=user)
    if connection.in_call:
        media_connection_gone(connection=connection)
        connection.in_call = connection.video_allowed = False
        connection.sends_audio = connection.sends_video = False
        connection.save(update_fields=["in_call", "video_allowed", "sends_audio", "sends_video"])


def media_connection_gone(*, connection: RoomConnection, tell_it: bool = False) -> None:
    """Tell everyone a tab left the call (it left, closed, or its process died); `tell_it`:
    the tab itself too, when the person joined from another tab and this one is let go."""
    if connection.in_call:
        participant = connection.participant
        frame = {
            "type": "media.peer",
            "action": "left",
            "peer": connection.pk,
            "user": {"id": participant.user_id, "display_name": participant.display_name},
        }
        audiences = ["others", "c"] if tell_it else ["others"]
        _publish(connection.session_id, frames=[[f"{a}:{connection.pk}", frame] for a in audiences])


def media_after_mute(*, participant: RoomParticipant) -> None:
    """A facilitator muted or unmuted someone: every tile shows it, receivers stop (or may
    resume) playing that person's audio, and on Janus the server stops forwarding it."""
    connections = list(
        RoomConnection.objects.filter(
            session_id=participant.session_id, participant=participant, in_call=True
        ).select_related("participant")
    )
    if not connections:
        return
    if participant.muted:
        RoomConnection.objects.filter(pk__in=[c.pk for c in connections]).update(sends_audio=False)
        for connection in connections:
            connection.sends_audio = False
    frames = [["all", {"type": "media.peer", "action": "state", **_peer(c)}] for c in connections]
    _publish(participant.session_id, frames=frames)
    room = Room.objects.get(session_id=participant.session_id)
    janus_on_mute(room=room, publisher_ids=[c.pk for c in connections], muted=participant.muted)


def media_after_remove(*, participant: RoomParticipant) -> None:
    """A removed person's media is cut at once: their tabs leave the call for everyone, and on
    Janus their token stops working and their feeds are kicked."""
    connections = list(
        RoomConnection.objects.filter(
            session_id=participant.session_id, participant=participant, in_call=True
        ).select_related("participant")
    )
    for connection in connections:
        media_connection_gone(connection=connection)
    room = Room.objects.get(session_id=participant.session_id)
    janus_on_remove(
        room=room, user_id=participant.user_id, publisher_ids=[c.pk for c in connections]
    )
