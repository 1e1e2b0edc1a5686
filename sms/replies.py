"""Inbound texts: the reply grammar of DESIGN.md section 5.

A reply is trimmed, upper-cased and loses trailing punctuation, then matched whole. CANCEL is
a carrier opt-out word: it opts out of texts and never touches an RSVP.
"""

from __future__ import annotations

import re
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from sessions_app import selectors as core_selectors
from sessions_app import services as core_services
from sessions_app.errors import DomainError
from sessions_app.models import RSVP, FacilitatorAssignment, Notice, SeatOffer, Session, User
from sessions_app.notices import notice_params, notices_create
from sessions_app.zones import zone_info
from sms import bodies, selectors, services
from sms.models import InboundSms, SmsConsent

OPT_OUT = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"}
OPT_IN = {"START", "UNSTOP"}
HELP = {"HELP", "INFO"}
CONFIRM = {"YES", "Y", "C"}
DECLINE = {"NO", "N"}
MAX_BODY = 1600
_TRAILING = re.compile(r"[\s.!?,;:…'\"`~*)(\-]+$")


def normalize(body: str) -> str:
    """' yes!! ' -> 'YES'."""
    return _TRAILING.sub("", (body or "").strip().upper()).strip()


def keyword_of(body: str, opt_out_type: str = "") -> str:
    """The keyword a text means, '' for anything else. Twilio's OptOutType wins."""
    opt_out_type = (opt_out_type or "").strip().upper()
    if opt_out_type in ("STOP", "START", "HELP"):
        return opt_out_type
    word = normalize(body)
    if word in OPT_OUT:
        return "STOP"
    if word in OPT_IN:
        return "START"
    if word in HELP:
        return "HELP"
    if word in CONFIRM:
        return "YES"
    if word in DECLINE:
        return "NO"
    if word in ("LATE", "HERE"):
        return word
    return ""


def inbound_receive(
    *, message_sid: str, from_number: str, body: str, opt_out_type: str = ""
) -> InboundSms:
    """Record and act on one inbound text, once per MessageSid; returns the stored record
    (its `reply` is what to answer). A replayed MessageSid gets the first answer again."""
    # PostgreSQL cannot store a NUL character: it is dropped rather than failing the webhook.
    body = (body or "").replace("\x00", "")[:MAX_BODY]
    message_sid, from_number = (
        message_sid.replace("\x00", ""),
        (from_number or "").replace("\x00", ""),
    )
    existing = InboundSms.objects.filter(message_sid=message_sid).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            inbound = InboundSms.objects.create(
                message_sid=message_sid, from_number=(from_number or "")[:32], body=body
            )
            _act(inbound, opt_out_type, timezone.now())
            inbound.save()
    except IntegrityError:
        # The same webhook twice at once: the other request recorded and answered it.
        return InboundSms.objects.get(message_sid=message_sid)
    return inbound


def _act(inbound: InboundSms, opt_out_type: str, now: datetime) -> None:
    keyword = keyword_of(inbound.body, opt_out_type)
    inbound.keyword = keyword
    phone = services.phone_e164(inbound.from_number)
    user = selectors.user_for_number(phone=phone) if phone else None
    inbound.user = user
    # Answers are in the language of the account that owns the number (else the default).
    language = (user.language or None) if user is not None else None
    evidence = f"Texted {inbound.body[:100]!r} from {inbound.from_number} ({inbound.message_sid})."
    if keyword == "STOP":
        if phone:
            services.number_opt_out(phone=phone, source=SmsConsent.Source.SMS, evidence=evidence)
        inbound.outcome, inbound.reply = "opted_out", bodies.translated(bodies.STOP_TEXT, language)
        return
    if keyword == "START":
        if phone:
            services.number_opt_in(phone=phone, evidence=evidence)
        inbound.outcome, inbound.reply = "opted_in", bodies.translated(bodies.START_TEXT, language)
        return
    if keyword == "HELP":
        inbound.outcome, inbound.reply = "help", bodies.translated(bodies.HELP_TEXT, language)
        return
    if not keyword:
        inbound.outcome = "unknown"
        inbound.reply = bodies.translated(bodies.UNKNOWN_TEXT, language)
        return
    if user is None:
        inbound.outcome = "unknown_number"
        inbound.reply = bodies.translated(bodies.UNKNOWN_NUMBER_TEXT, language)
        return
    if keyword == "HERE":
        _here(inbound, user, now)
        return
    session = selectors.session_replied_to(user=user, now=now)
    inbound.session = session
    if session is None:
        inbound.outcome = "no_session"
        inbound.reply = bodies.translated(bodies.NO_SESSION_TEXT, language)
        return
    handler = {"YES": _yes, "NO": _no, "LATE": _late}[keyword]
    try:
        handler(inbound, user, session, now)
    except DomainError as exc:
        inbound.outcome = f"refused:{exc.code}"[:40]
        inbound.reply = bodies.refusal(exc.message, user.language or None)


def _about(user: User, session: Session, kind: str, **values) -> str:
    """The answer about `session`, in the user's language and at their wall-clock time."""
    return bodies.reply(
        kind=kind,
        group_name=session.group.name,
        start=session.start,
        tz=zone_info(user.timezone),
        language=user.language or None,
        **values,
    )


def _yes(inbound, user, session, now) -> None:
    rsvp = RSVP.objects.filter(session=session, user=user).first()
    offer = (
        SeatOffer.objects.filter(rsvp=rsvp, status=SeatOffer.Status.OPEN).first() if rsvp else None
    )
    if offer is not None:
        core_services.seat_offer_claim(offer=offer, now=now)
        inbound.outcome, inbound.reply = "seat_claimed", _about(user, session, "seat_claimed")
        return
    if rsvp is not None and rsvp.status == RSVP.Status.GOING:
        inbound.outcome, inbound.reply = "confirmed", _about(user, session, "confirmed")
        return
    rsvp = core_services.rsvp_create(session=session, user=user, source=RSVP.Source.SMS, now=now)
    if rsvp.status == RSVP.Status.GOING:
        inbound.outcome, inbound.reply = "confirmed", _about(user, session, "going")
    else:
        position = core_selectors.rsvp_waitlist_position(rsvp=rsvp)
        inbound.outcome = "waitlisted"
        inbound.reply = _about(user, session, "waitlisted", position=position)


def _no(inbound, user, session, now) -> None:
    rsvp = core_services.rsvp_cancel(session=session, user=user, now=now)
    if rsvp is None:
        inbound.outcome, inbound.reply = "no_rsvp", _about(user, session, "no_rsvp")
    else:
        inbound.outcome = "cancelled_rsvp"
        inbound.reply = _about(user, session, "cancelled_rsvp")


def _late(inbound, user, session, now) -> None:
    name = core_selectors.member_display_name(user=user, group=session.group)
    facilitators = User.objects.filter(
        pk__in=FacilitatorAssignment.objects.filter(group=session.group).values("user")
    )
    notices_create(
        users=facilitators,
        session=session,
        kind=Notice.Kind.ATTENDEE_LATE,
        params=notice_params(group=session.group, session=session, attendee=name),
    )
    inbound.outcome = "late_told"
    inbound.reply = _about(user, session, "late_told")


def _here(inbound, user, now) -> None:
    rsvp = selectors.session_in_progress(user=user, now=now)
    if rsvp is None:
        inbound.outcome = "not_in_session"
        inbound.reply = bodies.translated(bodies.NOT_IN_SESSION_TEXT, user.language or None)
        return
    inbound.session = rsvp.session
    if rsvp.attendance != RSVP.Attendance.ATTENDED:
        rsvp.attendance = RSVP.Attendance.ATTENDED
        rsvp.attendance_marked_by, rsvp.attendance_marked_at = user, now
        rsvp.save(update_fields=["attendance", "attendance_marked_by", "attendance_marked_at"])
    inbound.outcome = "attended"
    inbound.reply = _about(user, rsvp.session, "attended")
