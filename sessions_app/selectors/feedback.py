"""Reads about feedback after a session: who may still give it, and the answers counted."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from sessions_app.models import RSVP, Session, SessionFeedback, SupportGroup

# How long after its end a session still asks for feedback.
FEEDBACK_DAYS = 14
# The question goes out (by text or email) soon after the end, or not at all: a day later it
# is noise.
FEEDBACK_ASK_HOURS = 24
HELPFUL_CHOICES = [choice.value for choice in SessionFeedback.Helpful]


def was_there_q(prefix: str = "") -> Q:
    """RSVPs of people who were there: marked as attended, or seen in the room and not marked
    as a no-show."""
    p = f"{prefix}__" if prefix else ""
    return Q(**{f"{p}attendance": RSVP.Attendance.ATTENDED}) | (
        Q(**{f"{p}first_joined_at__isnull": False})
        & ~Q(**{f"{p}attendance": RSVP.Attendance.NO_SHOW})
    )


def feedback_open(*, session: Session, now: datetime | None = None) -> bool:
    """The session went ahead, has ended, and ended less than FEEDBACK_DAYS ago."""
    now = now or timezone.now()
    return (
        session.status == Session.Status.SCHEDULED
        and session.end <= now
        and now - session.end < timedelta(days=FEEDBACK_DAYS)
    )


def user_was_there(*, user, session: Session) -> bool:
    if not user.is_authenticated:
        return False
    return RSVP.objects.filter(was_there_q(), session=session, user=user).exists()


def user_feedback_for(*, user, session: Session) -> SessionFeedback | None:
    if not user.is_authenticated:
        return None
    return SessionFeedback.objects.filter(session=session, user=user).first()


def session_feedback_summary(*, session: Session) -> dict:
    """{"counts": {yes, somewhat, no}, "total", "comments": [{"helpful", "comment", "name"}]}:
    `name` is the member's display name in the group when they signed, else None."""
    rows = list(
        SessionFeedback.objects.filter(session=session)
        .select_related("user")
        .order_by("created_at", "pk")
    )
    counts = dict.fromkeys(HELPFUL_CHOICES, 0)
    for row in rows:
        counts[row.helpful] += 1
    names: dict[int, str] = {}
    signed_ids = [row.user_id for row in rows if row.signed and row.comment]
    if signed_ids:
        names = dict(
            session.group.memberships.filter(user_id__in=signed_ids).values_list(
                "user_id", "display_name"
            )
        )
    comments = [
        {
            "helpful": row.helpful,
            "comment": row.comment,
            "name": (names.get(row.user_id) or row.user.public_name) if row.signed else None,
        }
        for row in rows
        if row.comment
    ]
    return {"counts": counts, "total": len(rows), "comments": comments}


def group_feedback_series(
    *, group: SupportGroup, weeks: int = 12, now: datetime | None = None
) -> list[dict]:
    """Per session of `group` that started in the last `weeks` weeks and has any feedback
    (oldest first): {"session_id", "start", "yes", "somewhat", "no"}."""
    now = now or timezone.now()
    sessions = (
        Session.objects.filter(
            group=group,
            status=Session.Status.SCHEDULED,
            start__gte=now - timedelta(weeks=weeks),
            start__lte=now,
        )
        .annotate(
            **{
                choice: Count("feedback", filter=Q(feedback__helpful=choice))
                for choice in HELPFUL_CHOICES
            }
        )
        .order_by("start", "pk")
    )
    return [
        {"session_id": s.pk, "start": s.start, **{c: getattr(s, c) for c in HELPFUL_CHOICES}}
        for s in sessions
        if any(getattr(s, c) for c in HELPFUL_CHOICES)
    ]


def feedback_asks_due(*, now: datetime | None = None) -> QuerySet[RSVP]:
    """RSVPs of people who were at a session that ended in the last FEEDBACK_DAYS and have not
    answered yet (the channels decide whom to ask)."""
    now = now or timezone.now()
    return (
        RSVP.objects.filter(
            was_there_q(),
            session__status=Session.Status.SCHEDULED,
            session__end__lte=now,
            session__end__gt=now - timedelta(days=FEEDBACK_DAYS),
        )
        .exclude(
            Exists(
                SessionFeedback.objects.filter(session=OuterRef("session"), user=OuterRef("user"))
            )
        )
        .select_related("session", "session__group", "user")
    )
