"""Check-in emails: the question after a session and the gentle "we missed you" after missed
sessions, to people whose `checkins` choice includes email.

The texts' twin (sms.services.checkins) and this module ask the core the same two questions,
the same way: who is due (`feedback_asks_due`, `absence_streaks_due`) and by which channels
(`notification_channels_for_kind`, as every reminder and notice). Each message is one
`OutboundEmail` row with a unique key, a row per (person, session) or per (person, streak), so
a second sweep inserts nothing; mail.services sends it inside the recipient's quiet hours,
asking the choice again just before sending.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

# mail.services imports mail.tasks, which imports this module: names are read at run time.
from mail import content, services
from mail.models import OutboundEmail
from sessions_app import selectors, timing
from sessions_app.models import User
from sessions_app.zones import zone_info

FEEDBACK_ASK = "feedback_ask"
ABSENCE_CHECK_IN = "absence_check_in"


def _wants_email(user: User, kind: str) -> bool:
    channels = selectors.notification_channels_for_kind(user=user, kind=kind) or set()
    return services.EMAIL in channels


def _row(
    *, key: str, kind: str, user: User, session, message: content.Message, send_after, expires
) -> OutboundEmail:
    return OutboundEmail(
        idempotency_key=key,
        kind=kind,
        category=selectors.CATEGORY_BY_KIND[kind],
        to=user.email,
        subject=message.subject,
        body_text=message.text,
        body_html=message.html,
        user=user,
        session=session,
        session_start=session.start,
        send_after=send_after,
        expires_at=expires,
    )


def feedback_asks_plan(*, now: datetime) -> list[OutboundEmail]:
    """The question to everyone who was at a session that ended in the last
    FEEDBACK_ASK_HOURS and has not answered, where they chose check-ins by email."""
    rows = []
    due = selectors.feedback_asks_due(now=now).filter(
        session__end__gt=now - timedelta(hours=selectors.FEEDBACK_ASK_HOURS)
    )
    for rsvp in due:
        user, session = rsvp.user, rsvp.session
        if not _wants_email(user, FEEDBACK_ASK):
            continue
        tz = zone_info(user.timezone)
        expires = session.end + timedelta(hours=selectors.FEEDBACK_ASK_HOURS)
        send_after = timing.next_window_open(now, tz)
        if send_after >= expires:
            continue
        language = user.language or None
        category = selectors.CATEGORY_BY_KIND[FEEDBACK_ASK]
        message = content.compose(
            kind=FEEDBACK_ASK,
            group_name=session.group.name,
            sentence=content.feedback_ask_sentence(
                group_name=session.group.name, start=session.start, tz=tz, language=language
            ),
            language=language,
            unsubscribe=content.unsubscribe_url(user_id=user.pk, category=category),
            link=selectors.feedback_link_url(session_id=session.pk, user_id=user.pk),
        )
        rows.append(
            _row(
                key=f"{FEEDBACK_ASK}:{session.pk}:{user.pk}",
                kind=FEEDBACK_ASK,
                user=user,
                session=session,
                message=message,
                send_after=send_after,
                expires=expires,
            )
        )
    return rows


def absence_check_ins_plan(*, now: datetime) -> list[OutboundEmail]:
    """ "We missed you" to each person whose streak of missed sessions reached two, once per
    streak (the key names the streak's first missed session), where they chose check-ins by
    email, in groups whose facilitators left it on. It names neither the group nor its topic."""
    rows = []
    for streak in selectors.absence_streaks_due(now=now):
        user, upcoming = streak.user, streak.next_session
        if not _wants_email(user, ABSENCE_CHECK_IN):
            continue
        tz = zone_info(user.timezone)
        expires = timing.expires_for(upcoming.start)
        send_after = timing.next_window_open(now, tz)
        if send_after >= expires:
            continue
        language = user.language or None
        category = selectors.CATEGORY_BY_KIND[ABSENCE_CHECK_IN]
        message = content.compose(
            kind=ABSENCE_CHECK_IN,
            group_name="",
            sentence=content.absence_check_in_sentence(
                start=upcoming.start, tz=tz, language=language
            ),
            language=language,
            unsubscribe=content.unsubscribe_url(user_id=user.pk, category=category),
            link=selectors.session_link_url(session_id=upcoming.pk, user_id=user.pk),
        )
        rows.append(
            _row(
                key=f"absence:{user.pk}:{streak.first_missed.pk}",
                kind=ABSENCE_CHECK_IN,
                user=user,
                session=upcoming,
                message=message,
                send_after=send_after,
                expires=expires,
            )
        )
    return rows


def checkins_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Queue the check-in emails that are due (an existing key is left alone: once each) and
    hand the ones due now to the workers. Periodic (celery beat, next to the texts' sweep)."""
    now = now or timezone.now()
    asks = feedback_asks_plan(now=now)
    absences = absence_check_ins_plan(now=now)
    services.queue_rows(asks + absences, now=now)
    return {"feedback_asks": len(asks), "absence_check_ins": len(absences)}
