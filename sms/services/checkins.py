"""Check-ins between sessions, by text: the one question after a session, and the gentle
"we missed you" after missed sessions. Both go only to people whose `checkins` choice
includes texts (sessions_app.selectors.notification_channels; CATEGORY_BY_KIND maps both
kinds to `checkins`, so the choice is asked again just before sending), inside their quiet
hours, once: a row per (person, session) or per (person, streak) with a unique idempotency
key, sent through the same outbox as reminders. mail.checkins is the email twin: the same
two questions to the core, the same choice."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from sessions_app import selectors, timing
from sessions_app.zones import zone_info
from sms import bodies
from sms.models import OutboundSms
from sms.services.common import _wants_sms
from sms.services.reminders import outbound_dispatch

FEEDBACK_ASK_HOURS = selectors.FEEDBACK_ASK_HOURS


def feedback_asks_queue(*, now: datetime | None = None) -> list[OutboundSms]:
    """The question to everyone who was at a session that ended in the last
    FEEDBACK_ASK_HOURS and has not answered, by text where they chose check-ins by text."""
    now = now or timezone.now()
    rows = []
    due = selectors.feedback_asks_due(now=now).filter(
        session__end__gt=now - timedelta(hours=FEEDBACK_ASK_HOURS)
    )
    for rsvp in due:
        user, session = rsvp.user, rsvp.session
        if not _wants_sms(user, OutboundSms.Kind.FEEDBACK_ASK):
            continue
        tz = zone_info(user.timezone)
        expires = session.end + timedelta(hours=FEEDBACK_ASK_HOURS)
        send_after = timing.next_window_open(now, tz)
        if send_after >= expires:
            continue
        rows.append(
            OutboundSms(
                idempotency_key=f"feedback_ask:{session.pk}:{user.pk}",
                kind=OutboundSms.Kind.FEEDBACK_ASK,
                to=str(user.phone),
                body=bodies.feedback_ask(
                    group_name=session.group.name,
                    start=session.start,
                    tz=tz,
                    link=selectors.feedback_link_url(session_id=session.pk, user_id=user.pk),
                    language=user.language or None,
                ),
                user=user,
                session=session,
                session_start=session.start,
                send_after=send_after,
                expires_at=expires,
            )
        )
    return rows


def absence_check_ins_queue(*, now: datetime | None = None) -> list[OutboundSms]:
    """ "We missed you" to each person whose streak of missed sessions reached two, once per
    streak (the key names the streak's first missed session), by text where they chose
    check-ins by text, in groups whose facilitators left it on."""
    now = now or timezone.now()
    rows = []
    for streak in selectors.absence_streaks_due(now=now):
        user, upcoming = streak.user, streak.next_session
        if not _wants_sms(user, OutboundSms.Kind.ABSENCE_CHECK_IN):
            continue
        tz = zone_info(user.timezone)
        expires = timing.expires_for(upcoming.start)
        send_after = timing.next_window_open(now, tz)
        if send_after >= expires:
            continue
        rows.append(
            OutboundSms(
                idempotency_key=f"absence:{user.pk}:{streak.first_missed.pk}",
                kind=OutboundSms.Kind.ABSENCE_CHECK_IN,
                to=str(user.phone),
                body=bodies.absence_check_in(
                    start=upcoming.start,
                    tz=tz,
                    link=selectors.session_link_url(session_id=upcoming.pk, user_id=user.pk),
                    language=user.language or None,
                ),
                user=user,
                session=upcoming,
                session_start=upcoming.start,
                send_after=send_after,
                expires_at=expires,
            )
        )
    return rows


def checkins_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Queue the check-in texts that are due (existing keys are left alone: once each) and
    hand the due ones to the workers. Periodic (celery beat, `manage.py send_check_ins`)."""
    now = now or timezone.now()
    asks = feedback_asks_queue(now=now)
    absences = absence_check_ins_queue(now=now)
    rows = asks + absences
    if rows:
        OutboundSms.objects.bulk_create(rows, ignore_conflicts=True)
        outbound_dispatch(keys=[r.idempotency_key for r in rows], now=now)
    return {"feedback_asks": len(asks), "absence_check_ins": len(absences)}
