"""Writes about feedback after a session: giving it, once."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from sessions_app.errors import NotAllowed, StateConflict
from sessions_app.models import Session, SessionFeedback, User
from sessions_app.selectors.feedback import (
    HELPFUL_CHOICES,
    feedback_open,
    user_was_there,
)

COMMENT_MAX_CHARS = 1000


def feedback_give(
    *,
    session: Session,
    user: User,
    helpful: str,
    comment: str = "",
    signed: bool = False,
    source: str = SessionFeedback.Source.WEB,
) -> SessionFeedback:
    """Record `user`'s answer about `session`: once, by someone who was there, after it ended
    and within FEEDBACK_DAYS. A second answer is a StateConflict (`feedback_given`), also when
    two arrive at once (the unique constraint decides)."""
    errors: dict[str, list[str]] = {}
    if helpful not in HELPFUL_CHOICES:
        errors["helpful"] = [f"Must be one of: {', '.join(HELPFUL_CHOICES)}."]
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX_CHARS:
        errors["comment"] = [f"At most {COMMENT_MAX_CHARS} characters."]
    if errors:
        raise ValidationError(errors)
    if not user_was_there(user=user, session=session):
        raise NotAllowed(_("Only people who were at this session can answer."), code="not_attended")
    if not feedback_open(session=session):
        raise StateConflict(
            _("This session is not asking for feedback (not over yet, or too long ago)."),
            code="feedback_closed",
        )
    try:
        with transaction.atomic():
            return SessionFeedback.objects.create(
                session=session,
                user=user,
                helpful=helpful,
                comment=comment,
                signed=bool(signed) and bool(comment),
                source=source,
            )
    except IntegrityError:
        raise StateConflict(
            _("You have already answered for this session. Thank you."), code="feedback_given"
        ) from None
