"""Chat: posting (one or a batch), text checks, crisis phrases, and message delete and report."""

from __future__ import annotations

import logging
import re
import unicodedata
from datetime import datetime
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.db import connection as db_connection
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from rooms import selectors
from rooms.models import Room, RoomMessage, RoomParticipant, RoomReport
from rooms.services._common import (
    FACILITATOR,
    RoomError,
    _moderator,
    _participant,
    _refuse_nul,
    is_whole_number,
)
from rooms.services.guidelines import guidelines_refusal
from rooms.services.lifecycle import _publish
from sessions_app.audit import audit_log
from sessions_app.errors import DomainError, NotAllowed
from sessions_app.models import Session, User

logger = logging.getLogger(__name__)


def _fold(text: str) -> str:
    """Lower-case, accents dropped, runs of spaces collapsed: how crisis phrases compare."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", plain)


@lru_cache(maxsize=4)
def _crisis_pattern(phrases: tuple[str, ...]) -> re.Pattern | None:
    folded = [re.escape(_fold(p.strip())) for p in phrases if p.strip()]
    if not folded:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(folded) + r")(?!\w)")


def crisis_match(text: str) -> bool:
    """True if `text` contains one of CRISIS_PHRASES (whole words, any case or accents)."""
    pattern = _crisis_pattern(tuple(settings.CRISIS_PHRASES))
    return bool(pattern and pattern.search(_fold(text)))


def chat_text_clean(text) -> str:
    if not isinstance(text, str):
        raise ValidationError({"text": _("Text is required.")})
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("A message cannot be empty.")})
    _refuse_nul(text, "text")
    if len(text) > settings.ROOM_MAX_MESSAGE_CHARS:
        raise RoomError(
            format_lazy(
                _("Messages are limited to {limit} characters."),
                limit=settings.ROOM_MAX_MESSAGE_CHARS,
            ),
            code="too_long",
        )
    return text


def _next_seq(session_id: int) -> int:
    # One UPDATE ... RETURNING: it takes the room row's lock (SQLite: the IMMEDIATE
    # transaction's write lock) until the caller's transaction ends, and the increment commits
    # with the message insert, so sequence numbers have no gaps and no duplicates.
    with db_connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Room._meta.db_table} SET last_seq = last_seq + 1 "  # noqa: S608
            "WHERE session_id = %s RETURNING last_seq",
            [session_id],
        )
        row = cursor.fetchone()
    if row is None:
        raise RoomError(_("This room is not open."), code="conflict")
    return row[0]


@transaction.atomic
def chat_post(**post) -> RoomMessage:
    """Store a chat message with the room's next `seq` and send it to everyone in the room
    (`_chat_store` has the arguments and the rules)."""
    return _chat_store(**post)


def chat_post_many(posts: list[dict]) -> list[RoomMessage | Exception]:
    """Store several chat messages, each as `chat_post` would, in one transaction: the room
    hub's group commit (hub.py), so that a busy process pays for one database call and one
    commit per batch rather than per message.

    Returns, per post and in order, its message or the error that refused it; a refused post
    writes nothing, so it takes nothing else with it. If the batch cannot commit, each post is
    tried in a transaction of its own.
    """
    # Rooms in a fixed order, so that batches of two processes lock Room rows in the same
    # order and cannot deadlock (PostgreSQL); a stable sort keeps each room's posts in order.
    order = sorted(range(len(posts)), key=lambda i: posts[i]["session_id"])
    try:
        with transaction.atomic():
            stored = {i: _chat_attempt(posts[i]) for i in order}
        return [stored[i] for i in range(len(posts))]
    except DatabaseError:
        if len(posts) == 1:
            raise
        logger.warning("room chat: a batch of %d failed; storing one by one", len(posts))
    results: list[RoomMessage | Exception] = []
    for post in posts:
        try:
            with transaction.atomic():
                results.append(_chat_attempt(post))
        except DatabaseError as failed:
            results.append(failed)
    return results


def _chat_attempt(post: dict) -> RoomMessage | Exception:
    try:
        return _chat_store(**post)
    except (DomainError, ValidationError, Session.DoesNotExist) as refused:
        return refused


def _chat_store(
    *,
    session_id: int,
    user: User,
    text,
    client_id: str | None = None,
    language: str | None = None,
    now: datetime | None = None,
) -> RoomMessage:
    """Store a chat message with the room's next `seq` and send it to everyone in the room,
    in the caller's transaction. Every check comes before the first write.

    A message matching a crisis phrase still goes out; its sender also gets a private
    `support` frame (in `language`) and the facilitators an `alert`.
    """
    now = now or timezone.now()
    text = chat_text_clean(text)
    sender = selectors.chat_sender(session_id=session_id, user_id=user.pk, now=now)
    if sender is None or sender.removed:
        raise RoomError(_("You are not in this room."), code="forbidden")
    if not sender.room_open:
        # The room ended (its room.ended may not have reached this connection yet).
        raise RoomError(_("This room has ended."), code="conflict")
    if not sender.admitted:
        raise RoomError(_("Please wait until a facilitator lets you in."), code="forbidden")
    if sender.role != FACILITATOR:
        if sender.guidelines_pending:
            raise guidelines_refusal()
        if sender.muted:
            raise RoomError(_("A facilitator has muted you for now."), code="muted")
        if not sender.facilitator_here:
            raise RoomError(_("Chat is paused until a facilitator is here."), code="paused")
    message = RoomMessage.objects.create(
        session_id=session_id,
        seq=_next_seq(session_id),
        author=user,
        author_name=sender.display_name,
        author_role=sender.role,
        text=text,
        sent_at=now,
    )
    frames = []
    if crisis_match(text):
        author = {"id": user.pk, "display_name": sender.display_name, "role": sender.role}
        frames = [
            [
                f"u:{user.pk}",
                {
                    "type": "support",
                    "text": selectors.crisis_resources(language),
                    "seq": message.seq,
                },
            ],
            [
                "facilitators",
                {
                    "type": "alert",
                    "kind": "crisis",
                    "seq": message.seq,
                    "user": author,
                    "text": text,
                },
            ],
        ]
    _publish(
        session_id,
        chat=selectors.chat_frame(message),
        author=user.pk,
        client_id=client_id,
        frames=frames,
    )
    return message


@transaction.atomic
def message_delete(*, session_id: int, by: User, seq, now: datetime | None = None) -> RoomMessage:
    """A facilitator takes a message down; it is replayed as deleted, without its text."""
    _moderator(session_id=session_id, by=by)
    if not is_whole_number(seq):
        raise ValidationError({"seq": _("A message number is required.")})
    message = RoomMessage.objects.filter(session_id=session_id, seq=seq).first()
    if message is None:
        raise RoomError(_("No message with that number."), code="not_found")
    if message.deleted_at is None:
        message.deleted_at, message.deleted_by = now or timezone.now(), by
        message.save(update_fields=["deleted_at", "deleted_by"])
        audit_log(
            actor=by, action="room.delete_message", obj=message, metadata={"session": session_id}
        )
        _publish(
            session_id,
            frames=[["all", {"type": "moderation", "action": "delete_message", "seq": seq}]],
        )
    return message


@transaction.atomic
def message_report(
    *, session_id: int, user: User, seq, reason="", now: datetime | None = None
) -> RoomReport:
    """Someone reports a message: it is kept past retention and the facilitators are alerted."""
    _participant(session_id=session_id, user=user)
    if not is_whole_number(seq):
        raise ValidationError({"seq": _("A message number is required.")})
    if not isinstance(reason, str) or len(reason) > 500:
        raise ValidationError({"reason": _("A reason is text of at most 500 characters.")})
    _refuse_nul(reason, "reason")
    message = RoomMessage.objects.filter(session_id=session_id, seq=seq).first()
    if message is None:
        raise RoomError(_("No message with that number."), code="not_found")
    report, created = RoomReport.objects.get_or_create(
        message=message, reporter=user, defaults={"reason": reason.strip()}
    )
    if created:
        reporter = RoomParticipant.objects.get(session_id=session_id, user=user)
        _publish(
            session_id,
            frames=[
                [
                    "facilitators",
                    {
                        "type": "alert",
                        "kind": "report",
                        "seq": seq,
                        "user": selectors.participant_public(reporter),
                        "text": "" if message.deleted_at else message.text,
                        "reason": report.reason,
                    },
                ]
            ],
        )
    return report


@transaction.atomic
def report_resolve(
    *, report: RoomReport, by: User, resolution: str = "", now: datetime | None = None
) -> RoomReport:
    """A coordinator resolves a report; the message then follows normal retention."""
    if not by.is_staff:
        raise NotAllowed("Only coordinators resolve reports.", code="not_coordinator")
    report = RoomReport.objects.select_for_update().get(pk=report.pk)
    if report.resolved_at is None:
        report.resolved_at, report.resolved_by = now or timezone.now(), by
        report.resolution = (resolution or "")[:500]
        report.save(update_fields=["resolved_at", "resolved_by", "resolution"])
        audit_log(actor=by, action="room.report_resolve", obj=report)
    return report
