"""Raised hands and the speaking queue."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rooms import selectors
from rooms.models import Room, RoomParticipant
from rooms.services._common import (
    FACILITATOR,
    RoomError,
    _moderator,
    _participant,
    _refuse_nul,
    is_whole_number,
)
from rooms.services.lifecycle import _publish
from sessions_app.models import User


@transaction.atomic
def hand_set(*, session_id: int, user: User, raised, now: datetime | None = None) -> None:
    """Raise (to the end of the queue) or lower one's hand."""
    if not isinstance(raised, bool):
        raise ValidationError({"raised": _("true or false.")})
    participant = _participant(session_id=session_id, user=user)
    if raised == (participant.hand_raised_at is not None):
        return
    if raised:
        participant.hand_raised_at = now or timezone.now()
        participant.hand_rank = _next_rank(session_id)
    else:
        participant.hand_raised_at, participant.hand_rank = None, None
    participant.save(update_fields=["hand_raised_at", "hand_rank"])
    _publish(session_id, refresh=True)


def _next_rank(session_id: int) -> int:
    ranks = RoomParticipant.objects.filter(session_id=session_id).aggregate(top=Max("hand_rank"))
    return (ranks["top"] or 0) + 1


def _speaker_advance(*, room: Room) -> None:
    """The first raised hand of someone here becomes the speaker (their hand goes down); else
    nobody."""
    first = (
        selectors.participants_present(session_id=room.session_id)
        .filter(hand_raised_at__isnull=False, admitted_at__isnull=False)
        .order_by("hand_rank", "hand_raised_at", "pk")
        .first()
    )
    room.speaker_id = first.user_id if first else None
    room.share_ends_at, room.share_auto_next = None, False  # a new turn starts untimed
    fields = ["speaker", "share_ends_at", "share_auto_next"]
    if first is None and room.round_started_at is not None:
        # The queue has emptied: the round is over.
        room.round_prompt, room.round_started_at = "", None
        fields += ["round_prompt", "round_started_at"]
    room.save(update_fields=fields)
    if first:
        first.hand_raised_at, first.hand_rank = None, None
        first.save(update_fields=["hand_raised_at", "hand_rank"])


@transaction.atomic
def turn_pass(*, session_id: int, user: User) -> None:
    """Skip my turn: my hand goes down, and if I am speaking the next raised hand speaks."""
    participant = _participant(session_id=session_id, user=user)
    room = Room.objects.select_for_update().get(session_id=session_id)
    if participant.hand_raised_at is not None:
        participant.hand_raised_at, participant.hand_rank = None, None
        participant.save(update_fields=["hand_raised_at", "hand_rank"])
    if room.speaker_id == user.pk:
        _speaker_advance(room=room)
    _publish(session_id, refresh=True)


@transaction.atomic
def speaker_next(*, session_id: int, by: User) -> None:
    """A facilitator gives the turn to the first raised hand."""
    _moderator(session_id=session_id, by=by)
    room = Room.objects.select_for_update().get(session_id=session_id)
    _speaker_advance(room=room)
    _publish(session_id, refresh=True)


@transaction.atomic
def hands_reorder(*, session_id: int, by: User, order) -> None:
    """A facilitator puts the raised hands in a new order (hands not named keep theirs, after)."""
    _moderator(session_id=session_id, by=by)
    if (
        not isinstance(order, list)
        or len(order) > 500
        or not all(isinstance(i, int) and not isinstance(i, bool) for i in order)
        or len(set(order)) != len(order)
    ):
        raise ValidationError({"order": _("A list of distinct user ids.")})
    hands = list(
        RoomParticipant.objects.select_for_update()
        .filter(session_id=session_id, hand_raised_at__isnull=False)
        .order_by("hand_rank", "hand_raised_at", "pk")
    )
    by_user = {p.user_id: p for p in hands}
    unknown = [i for i in order if i not in by_user]
    if unknown:
        raise RoomError(_("Some of those people have no hand raised."), code="not_found")
    ordered = [by_user[i] for i in order] + [p for p in hands if p.user_id not in set(order)]
    for rank, participant in enumerate(ordered, start=1):
        participant.hand_rank = rank
    RoomParticipant.objects.bulk_update(ordered, ["hand_rank"])
    _publish(session_id, refresh=True)


# --- the share timer ------------------------------------------------------------------------

SHARE_MINUTES_MIN, SHARE_MINUTES_MAX = 1, 10


@transaction.atomic
def share_timer_start(
    *, session_id: int, by: User, minutes, auto_next=False, now: datetime | None = None
) -> Room:
    """A facilitator gives the current speaker a timed share of 1 to 10 minutes; it ends at a
    server time every client counts down to. With `auto_next` the turn then moves on to the
    next raised hand by itself (`share_timer_expire`)."""
    _moderator(session_id=session_id, by=by)
    if not is_whole_number(minutes) or not SHARE_MINUTES_MIN <= minutes <= SHARE_MINUTES_MAX:
        raise ValidationError({"minutes": _("A share lasts 1 to 10 minutes (a whole number).")})
    if not isinstance(auto_next, bool):
        raise ValidationError({"auto_next": _("true or false.")})
    room = Room.objects.select_for_update().get(session_id=session_id)
    if room.speaker_id is None:
        raise RoomError(_("Nobody has the turn: give someone the turn first."), code="conflict")
    # Whole seconds: the frame shows it as sent, and the hubs hand it back to compare.
    room.share_ends_at = ((now or timezone.now()) + timedelta(minutes=minutes)).replace(
        microsecond=0
    )
    room.share_auto_next = auto_next
    room.save(update_fields=["share_ends_at", "share_auto_next"])
    _publish(session_id, refresh=True)
    return room


@transaction.atomic
def share_timer_stop(*, session_id: int, by: User) -> None:
    """A facilitator stops the speaker's share timer; the speaker keeps the turn."""
    _moderator(session_id=session_id, by=by)
    room = Room.objects.select_for_update().get(session_id=session_id)
    if room.share_ends_at is not None:
        room.share_ends_at, room.share_auto_next = None, False
        room.save(update_fields=["share_ends_at", "share_auto_next"])
        _publish(session_id, refresh=True)


@transaction.atomic
def share_timer_expire(*, session_id: int, ends_at: datetime, now: datetime | None = None) -> bool:
    """A share with `auto_next` that ended at `ends_at`: the next raised hand speaks. Every
    server process with someone in the room calls this when its clock reaches `ends_at`; the
    row lock and the check that the same share is still running make it happen once (a share
    stopped, restarted or passed on meanwhile is left alone). True if the turn moved."""
    if ends_at > (now or timezone.now()):
        return False
    room = (
        Room.objects.select_for_update()
        .filter(session_id=session_id, share_ends_at=ends_at, share_auto_next=True)
        .first()
    )
    if room is None:
        return False
    _speaker_advance(room=room)
    _publish(session_id, refresh=True)
    return True


# --- rounds -----------------------------------------------------------------------------------

ROUND_PROMPT_MAX = 300


@transaction.atomic
def round_start(*, session_id: int, by: User, prompt, now: datetime | None = None) -> Room:
    """A facilitator starts a round with a prompt: every attendee present (admitted, not in
    the lobby, not removed) goes into the queue in the order they arrived, replacing the
    raised hands, and the first of them has the turn. The round ends when the queue empties
    (`_speaker_advance`) or with `round_end`."""
    _moderator(session_id=session_id, by=by)
    if not isinstance(prompt, str) or not prompt.strip():
        raise ValidationError({"prompt": _("A round needs a prompt.")})
    prompt = prompt.strip()
    if len(prompt) > ROUND_PROMPT_MAX:
        raise ValidationError({"prompt": _("A prompt is at most 300 characters.")})
    _refuse_nul(prompt, "prompt")
    room = Room.objects.select_for_update().get(session_id=session_id)
    present = list(
        selectors.participants_present(session_id=session_id)
        .filter(admitted_at__isnull=False)
        .exclude(role=FACILITATOR)
        .order_by("first_joined_at", "pk")
    )
    if not present:
        raise RoomError(_("Nobody is here for a round yet."), code="conflict")
    now = now or timezone.now()
    RoomParticipant.objects.filter(session_id=session_id).update(
        hand_raised_at=None, hand_rank=None
    )
    for rank, participant in enumerate(present, start=1):
        participant.hand_raised_at, participant.hand_rank = now, rank
    RoomParticipant.objects.bulk_update(present, ["hand_raised_at", "hand_rank"])
    room.round_prompt, room.round_started_at = prompt, now
    room.save(update_fields=["round_prompt", "round_started_at"])
    _speaker_advance(room=room)
    _publish(session_id, refresh=True)
    return room


@transaction.atomic
def round_pass(*, session_id: int, user: User) -> None:
    """Pass in a round: out of its queue, and if it is my turn, the next person's."""
    room = Room.objects.select_for_update().get(session_id=session_id)
    _participant(session_id=session_id, user=user)
    if room.round_started_at is None:
        raise RoomError(_("There is no round going on."), code="conflict")
    turn_pass(session_id=session_id, user=user)


@transaction.atomic
def round_end(*, session_id: int, by: User) -> None:
    """A facilitator ends the round: the prompt goes; the speaker and hands stay."""
    _moderator(session_id=session_id, by=by)
    room = Room.objects.select_for_update().get(session_id=session_id)
    if room.round_started_at is not None:
        room.round_prompt, room.round_started_at = "", None
        room.save(update_fields=["round_prompt", "round_started_at"])
        _publish(session_id, refresh=True)
