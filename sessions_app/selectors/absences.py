"""Reads about missed sessions: who missed two (or more) sessions in a row that they said they
were going to, for the gentle "we missed you" (sms.services.checkins sends it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from sessions_app.models import RSVP, Membership, Session, SupportGroup, User
from sessions_app.selectors.feedback import was_there_q

# Sessions that ended longer ago than this start no streak (a sweep that was down for a while
# does not write to people about last month).
ABSENCE_LOOKBACK_DAYS = 14
ABSENCE_STREAK = 2
# How far back one person's sessions are read to find where their streak began.
_HISTORY = 12


@dataclass(frozen=True)
class AbsenceStreak:
    user: User
    group: SupportGroup
    first_missed: Session  # names the streak: one message per streak
    missed: int
    next_session: Session


def _recorded() -> Exists:
    """The session's presence was recorded for someone (attendance marked, or the room used):
    only then does an unmarked going RSVP count as missed."""
    return Exists(
        RSVP.objects.filter(session=OuterRef("session")).filter(
            ~Q(attendance=RSVP.Attendance.UNKNOWN) | Q(first_joined_at__isnull=False)
        )
    )


def _missed_q() -> Q:
    return (
        Q(status=RSVP.Status.GOING)
        & ~was_there_q()
        & (Q(attendance=RSVP.Attendance.NO_SHOW) | Q(recorded=True))
    )


def absence_streaks_due(*, now: datetime | None = None) -> list[AbsenceStreak]:
    """People (approved members) whose last ABSENCE_STREAK or more going RSVPs in a group
    that allows check-ins were missed, the latest within ABSENCE_LOOKBACK_DAYS, with the
    group's next session. Sessions where nobody's presence was recorded, cancelled sessions
    and cancelled RSVPs are neither a miss nor a visit: they end the streak being counted."""
    now = now or timezone.now()
    recent = RSVP.objects.annotate(recorded=_recorded()).filter(
        _missed_q(),
        session__status=Session.Status.SCHEDULED,
        session__end__lte=now,
        session__end__gt=now - timedelta(days=ABSENCE_LOOKBACK_DAYS),
        session__group__absence_check_ins=True,
        user__is_active=True,
    )
    pairs = set(recent.values_list("user_id", "session__group_id"))
    streaks = []
    for user_id, group_id in sorted(pairs):
        if not Membership.objects.filter(
            user_id=user_id, group_id=group_id, status=Membership.Status.APPROVED
        ).exists():
            continue
        history = list(
            RSVP.objects.annotate(recorded=_recorded())
            .filter(
                user_id=user_id,
                session__group_id=group_id,
                session__status=Session.Status.SCHEDULED,
                session__end__lte=now,
            )
            .select_related("session", "session__group", "user")
            .order_by("-session__start")[:_HISTORY]
        )
        # The latest sessions first: the streak is the run of misses up to now.
        run: list[RSVP] = []
        for rsvp in history:
            if _is_miss(rsvp):
                run.append(rsvp)
            else:
                break
        if len(run) < ABSENCE_STREAK:
            continue
        if run[0].session.end <= now - timedelta(days=ABSENCE_LOOKBACK_DAYS):
            continue
        group = run[0].session.group
        next_session = (
            Session.objects.filter(group=group, status=Session.Status.SCHEDULED, start__gt=now)
            .order_by("start", "pk")
            .first()
        )
        if next_session is None:
            continue
        streaks.append(
            AbsenceStreak(
                user=run[0].user,
                group=group,
                first_missed=run[-1].session,
                missed=len(run),
                next_session=next_session,
            )
        )
    return streaks


def _is_miss(rsvp: RSVP) -> bool:
    if rsvp.status != RSVP.Status.GOING:
        return False
    if rsvp.attendance == RSVP.Attendance.ATTENDED or (
        rsvp.first_joined_at is not None and rsvp.attendance != RSVP.Attendance.NO_SHOW
    ):
        return False
    return rsvp.attendance == RSVP.Attendance.NO_SHOW or bool(getattr(rsvp, "recorded", False))
