"""Matrix cases of blocking people (API and the account page's unblock)."""

from __future__ import annotations

from django.utils import timezone

from rooms.models import PersonBlock, RoomParticipant
from tests.api.matrix import Case, expect_signed_in
from tests.api.matrix.core import drf_datetime, page
from tests.api.matrix.frontend_attendee import signed_in
from tests.api.matrix.world import World
from tests.factories import UserFactory


def _rowan(w: World):
    """Someone who was in the session's room with whoever runs the case."""
    if "rowan" not in w.extra:
        rowan = w.extra["rowan"] = UserFactory(username="rowan")
        now = timezone.now()
        for user, name in ((rowan, "Rowan"), (w.user, "Me")):
            if user is not None:
                RoomParticipant.objects.create(
                    session=w.session,
                    user=user,
                    role="attendee",
                    display_name=name,
                    admitted_at=now,
                )
    return w.extra["rowan"]


def _blocked(w: World):
    rowan = _rowan(w)
    if w.user is not None:
        PersonBlock.objects.get_or_create(
            blocker=w.user, blocked=rowan, defaults={"blocked_name": "Rowan"}
        )
    return rowan


def block_json(w: World) -> dict:
    block = PersonBlock.objects.get(blocker=w.user)
    return {
        "user": block.blocked_id,
        "display_name": "Rowan",
        "created_at": drf_datetime(block.created_at),
    }


CASES = [
    Case(
        "me-blocks",
        "GET",
        expect_signed_in(200),
        kwargs=lambda w: (_blocked(w), {})[1],
        body=lambda w: page([block_json(w)]),
    ),
    Case(
        "me-blocks",
        "POST",
        expect_signed_in(201),
        data=lambda w: {"user": _rowan(w).pk},
        body=block_json,
    ),
    Case(
        "me-block",
        "DELETE",
        expect_signed_in(204),
        kwargs=lambda w: {"user_id": _blocked(w).pk},
    ),
    Case(
        "frontend:account-unblock",
        "POST",
        signed_in(302),
        kwargs=lambda w: {"user_id": _blocked(w).pk},
    ),
]
