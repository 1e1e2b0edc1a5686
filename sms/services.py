"""SMS writes: consent, phone verification, the reminder sweep, exactly-once sending,
reconciliation, status callbacks and opt-out. Tasks, views and the API call these.

Exactly once: every text is one `OutboundSms` row with a unique idempotency key. A sender
claims the row (pending -> claimed, `select_for_update(skip_locked=True)`) and commits that
before calling the provider, so two workers can never both send it; a row left claimed by a
crash is reconciled against the provider's message list, never re-sent on a guess.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import random
import secrets
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import CharField, Q
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop
from phonenumber_field.phonenumber import to_python

from sessions_app.models import RSVP, Notice, SeatOffer, Session, SupportGroup, User
from sms import bodies, timing
from sms.backends import (
    OPT_OUT_CODE,
    PERMANENT_NUMBER_CODES,
    SmsSendError,
    get_backend,
)
from sms.models import (
    OutboundSms,
    PhoneVerification,
    SmsConsent,
    SmsContact,
    SmsStatusEvent,
)

log = logging.getLogger(__name__)

# Shown next to the opt-in switch, and stored word for word with each grant. Marked for
# translation (gettext_noop keeps it English here); pages show it in the page's language.
CONSENT_TEXT = gettext_noop(
    "Text me reminders and updates about my Hearth support group sessions by SMS (up to 4 "
    "texts per session). Msg & data rates may apply. Reply HELP for help, STOP to opt out."
)
MAX_VALIDITY_SECONDS = 36000  # Twilio's maximum validity_period
DISPATCH_BATCH = 50
SESSION_KINDS = {
    OutboundSms.Kind.REMINDER,
    OutboundSms.Kind.SEAT_OFFERED,
    OutboundSms.Kind.SEAT_PROMOTED,
    OutboundSms.Kind.SESSION_MOVED,
}
# Twilio's statuses in the order they happen; a callback never moves a message back.
DELIVERY_RANK = {
    "": 0,
    "accepted": 1,
    "queued": 2,
    "sending": 3,
    "sent": 4,
    "delivered": 5,
    "undelivered": 5,
    "failed": 5,
}


def _tz(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ValueError, KeyError):
        return ZoneInfo("UTC")


def phone_e164(raw) -> str | None:
    """A valid phone number in E.164 form, or None."""
    try:
        number = to_python(str(raw or "").strip())
    except Exception:  # noqa: BLE001 - phonenumbers raises several kinds on junk
        return None
    if number is None or not getattr(number, "is_valid", lambda: False)():
        return None
    return number.as_e164


def status_callback_url() -> str:
    return settings.PUBLIC_BASE_URL + reverse("sms-status")


# --- contacts and consent ---------------------------------------------------------------------


def contact_for(*, phone: str) -> SmsContact:
    try:
        with transaction.atomic():
            contact, _ = SmsContact.objects.get_or_create(phone=phone)
    except IntegrityError:
        contact = SmsContact.objects.get(phone=phone)
    return contact


def consent_record(*, user: User | None, phone: str, action: str, source: str, evidence: str):
    """Append one consent event (grant or revoke); rows are never changed afterwards."""
    return SmsConsent.objects.create(
        user=user, phone=phone, action=action, source=source, evidence=evidence
    )


def _cancel_pending(queryset, reason: str) -> int:
    return queryset.filter(status=OutboundSms.Status.PENDING).update(
        status=OutboundSms.Status.CANCELLED, reason=reason, updated_at=timezone.now()
    )


@transaction.atomic
def user_sms_opt_in_set(
    *, user: User, enabled: bool, source: str = SmsConsent.Source.API, evidence: str = ""
) -> User:
    """Turn SMS on or off for a user; on needs a verified phone. Each change is recorded."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if bool(enabled) == user.sms_opt_in:
        return user
    phone = str(user.phone) if user.phone else ""
    if enabled:
        if not phone or user.phone_verified_at is None:
            raise ValidationError({"sms_opt_in": ["Verify your phone number first."]})
        contact = SmsContact.objects.filter(phone=phone).first()
        if contact is not None and contact.opted_out:
            raise ValidationError(
                {"sms_opt_in": ["This number replied STOP. Text START to us to turn texts on."]}
            )
    user.sms_opt_in = bool(enabled)
    user.save(update_fields=["sms_opt_in"])
    consent_record(
        user=user,
        phone=phone,
        action=SmsConsent.Action.GRANT if enabled else SmsConsent.Action.REVOKE,
        source=source,
        evidence=evidence
        or (f"Switched on, shown: {CONSENT_TEXT}" if enabled else "Switched off in settings."),
    )
    if not enabled:
        _cancel_pending(OutboundSms.objects.filter(user=user), "opted_out")
    return user


@transaction.atomic
def number_opt_out(*, phone: str, source: str, evidence: str) -> SmsContact:
    """STOP (or 21610): the number gets nothing more, and every pending text to it is dropped."""
    contact = SmsContact.objects.select_for_update().get(pk=contact_for(phone=phone).pk)
    if contact.opted_out_at is None:
        contact.opted_out_at = timezone.now()
        contact.save(update_fields=["opted_out_at"])
    for user in User.objects.select_for_update().filter(phone=phone, sms_opt_in=True):
        user.sms_opt_in = False
        user.save(update_fields=["sms_opt_in"])
        consent_record(
            user=user,
            phone=phone,
            action=SmsConsent.Action.REVOKE,
            source=source,
            evidence=evidence,
        )
    if not User.objects.filter(phone=phone).exists():
        consent_record(
            user=None,
            phone=phone,
            action=SmsConsent.Action.REVOKE,
            source=source,
            evidence=evidence,
        )
    _cancel_pending(OutboundSms.objects.filter(to=phone), "opted_out")
    return contact


@transaction.atomic
def number_opt_in(*, phone: str, evidence: str) -> SmsContact:
    """START/UNSTOP: the number may get texts again; verified owners are opted back in."""
    contact = SmsContact.objects.select_for_update().get(pk=contact_for(phone=phone).pk)
    contact.opted_out_at = None
    contact.save(update_fields=["opted_out_at"])
    for user in User.objects.select_for_update().filter(
        phone=phone, phone_verified_at__isnull=False, sms_opt_in=False
    ):
        user.sms_opt_in = True
        user.save(update_fields=["sms_opt_in"])
        consent_record(
            user=user,
            phone=phone,
            action=SmsConsent.Action.GRANT,
            source=SmsConsent.Source.SMS,
            evidence=evidence,
        )
    return contact


# --- phone verification -----------------------------------------------------------------------


def _code_hash(verification_user_id: int, phone: str, code: str) -> str:
    message = f"{verification_user_id}:{phone}:{code}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


@transaction.atomic
def phone_verification_start(
    *, user: User, phone: str, now: datetime | None = None
) -> PhoneVerification:
    """Set the user's number (unverified) and text it a 6-digit code."""
    now = now or timezone.now()
    e164 = phone_e164(phone)
    if e164 is None:
        raise ValidationError(
            {"phone": ["Enter a valid phone number in international form, e.g. +14155550123."]}
        )
    user = User.objects.select_for_update().get(pk=user.pk)
    recent = PhoneVerification.objects.filter(user=user, created_at__gt=now - timedelta(days=1))
    if recent.count() >= settings.SMS_VERIFY_MAX_CODES_PER_DAY:
        raise ValidationError({"phone": ["Too many codes today. Try again tomorrow."]})
    contact = SmsContact.objects.filter(phone=e164).first()
    if contact is not None and contact.opted_out:
        raise ValidationError(
            {"phone": ["This number replied STOP. Text START to us first, then try again."]}
        )
    if str(user.phone or "") != e164:
        if user.sms_opt_in:
            user.sms_opt_in = False
            consent_record(
                user=user,
                phone=str(user.phone or ""),
                action=SmsConsent.Action.REVOKE,
                source=SmsConsent.Source.SYSTEM,
                evidence=f"Phone number changed to {e164}.",
            )
        user.phone, user.phone_verified_at = e164, None
        user.save(update_fields=["phone", "phone_verified_at", "sms_opt_in"])
    PhoneVerification.objects.filter(
        user=user, verified_at__isnull=True, invalidated_at__isnull=True
    ).update(invalidated_at=now)
    code = f"{secrets.randbelow(10**6):06d}"
    ttl = settings.SMS_VERIFY_CODE_TTL_MINUTES
    verification = PhoneVerification.objects.create(
        user=user,
        phone=e164,
        code_hash=_code_hash(user.pk, e164, code),
        expires_at=now + timedelta(minutes=ttl),
    )
    row = OutboundSms.objects.create(
        idempotency_key=f"verify:{verification.pk}",
        kind=OutboundSms.Kind.VERIFICATION,
        to=e164,
        body=bodies.verification(code, ttl, language=user.language or None),
        user=user,
        send_after=now,
        expires_at=verification.expires_at,
        dispatched_at=now,
    )
    transaction.on_commit(lambda: _enqueue([row.pk]))
    return verification


def phone_verification_confirm(*, user: User, code: str, now: datetime | None = None) -> User:
    """Check a code: right marks the number verified; wrong counts a try (limited)."""
    now = now or timezone.now()
    code = str(code or "").strip()
    if not (len(code) == 6 and code.isdigit()):
        raise ValidationError({"code": ["Enter the 6-digit code we texted you."]})
    error = None
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        verification = (
            PhoneVerification.objects.select_for_update()
            .filter(user=user, verified_at__isnull=True, invalidated_at__isnull=True)
            .order_by("-created_at", "-pk")
            .first()
        )
        if (
            verification is None
            or verification.expires_at <= now
            or verification.phone != str(user.phone or "")
        ):
            raise ValidationError(
                {"code": ["No code is waiting or it expired. Ask for a new one."]}
            )
        verification.attempts += 1
        if hmac.compare_digest(
            verification.code_hash, _code_hash(user.pk, verification.phone, code)
        ):
            verification.verified_at = now
            verification.save(update_fields=["attempts", "verified_at"])
            _phone_take_over(user=user, phone=verification.phone, now=now)
        else:
            left = settings.SMS_VERIFY_MAX_ATTEMPTS - verification.attempts
            if left <= 0:
                verification.invalidated_at = now
                error = "That code is not right and no tries are left. Ask for a new code."
            else:
                error = f"That code is not right. {left} {'try' if left == 1 else 'tries'} left."
            verification.save(update_fields=["attempts", "invalidated_at"])
    # Raised after the commit so that the counted try is kept.
    if error:
        raise ValidationError({"code": [error]})
    return user


def _phone_take_over(*, user: User, phone: str, now: datetime) -> None:
    """The number is proven to be this user's: any other account loses it."""
    for other in User.objects.select_for_update().filter(phone=phone).exclude(pk=user.pk):
        if other.sms_opt_in:
            consent_record(
                user=other,
                phone=phone,
                action=SmsConsent.Action.REVOKE,
                source=SmsConsent.Source.SYSTEM,
                evidence="The number was verified by another account.",
            )
        other.phone, other.phone_verified_at, other.sms_opt_in = None, None, False
        other.save(update_fields=["phone", "phone_verified_at", "sms_opt_in"])
    user.phone_verified_at = now
    user.save(update_fields=["phone_verified_at"])
    SmsContact.objects.filter(phone=phone).update(undeliverable=False, last_error_code=None)
    contact_for(phone=phone)


# --- notices (cancelled, moved, seats, approvals, late) ---------------------------------------


def _opted_in(user: User) -> bool:
    return bool(user.sms_opt_in and user.phone and user.phone_verified_at)


def notices_queue(*, notice_ids: list[int], now: datetime | None = None) -> list[int]:
    """Queue the SMS copy of site notices for users who opted in; returns outbound ids.

    Also drops the pending reminders of cancelled or moved sessions.
    """
    now = now or timezone.now()
    notices = list(
        Notice.objects.filter(pk__in=notice_ids).select_related("user", "session__group")
    )
    changed = {
        n.session_id
        for n in notices
        if n.session_id and n.kind in (Notice.Kind.SESSION_CANCELLED, Notice.Kind.SESSION_MOVED)
    }
    if changed:
        _cancel_pending(
            OutboundSms.objects.filter(session_id__in=changed, kind__in=SESSION_KINDS),
            "session_changed",
        )
    rows = []
    for notice in notices:
        row = _notice_row(notice, now)
        if row is not None:
            rows.append(row)
    if not rows:
        return []
    OutboundSms.objects.bulk_create(rows, ignore_conflicts=True)
    return outbound_dispatch(keys=[r.idempotency_key for r in rows], now=now)


def _notice_row(notice: Notice, now: datetime) -> OutboundSms | None:
    user = notice.user
    if not _opted_in(user) or notice.kind not in OutboundSms.Kind.values:
        return None
    tz = _tz(user.timezone)
    session = notice.session
    group_name = notice.params.get("group") or (session.group.name if session else "")
    if not group_name:
        return None  # a notice from before params, about no session: nothing to word it with
    expires = now + timedelta(days=1)
    if session is not None:
        expires = timing.expires_for(session.start)
        if notice.kind == Notice.Kind.SEAT_OFFERED:
            offer = (
                SeatOffer.objects.filter(
                    rsvp__session=session, rsvp__user=user, status=SeatOffer.Status.OPEN
                )
                .order_by("-created_at")
                .first()
            )
            expires = min(expires, offer.expires_at) if offer else now
        if notice.kind == OutboundSms.Kind.LATE:
            expires = session.end
    send_after = timing.next_window_open(now, tz)
    if send_after >= expires:
        return None
    # In the recipient's language, never the one of the request that caused the notice.
    language = user.language or None
    if notice.kind == OutboundSms.Kind.LATE:
        if session is None or "attendee" not in notice.params:
            return None  # a notice from before params: its words are not ours to cut apart
        body = bodies.late(
            attendee_name=notice.params["attendee"],
            group_name=group_name,
            start=session.start,
            tz=session.group.tz,
            language=language,
        )
    else:
        body = bodies.notice(
            kind=notice.kind,
            group_name=group_name,
            session_start=session.start if session else None,
            tz=tz,
            language=language,
        )
    return OutboundSms(
        idempotency_key=f"notice:{notice.pk}",
        kind=notice.kind,
        to=str(user.phone),
        body=body,
        user=user,
        session=session,
        session_start=session.start if session else None,
        send_after=send_after,
        expires_at=expires,
    )


# --- reminders: the sweep ---------------------------------------------------------------------


def _reminder_offsets() -> set[int]:
    offsets: set[int] = set()
    for values in (
        SupportGroup.objects.order_by()
        .values_list("reminder_offsets_minutes", flat=True)
        .distinct()
    ):
        offsets.update(o for o in values or [] if isinstance(o, int))
    return offsets


def _zones_in_use() -> list[str]:
    zones = cache.get("sms:zones-in-use")
    if zones is None:
        zones = sorted(
            User.objects.filter(sms_opt_in=True)
            .order_by()
            .values_list("timezone", flat=True)
            .distinct()
        )
        cache.set("sms:zones-in-use", zones, 300)
    return zones


def _starts_due(
    *, offset: timedelta, tz: ZoneInfo, after: datetime, upto: datetime
) -> tuple[datetime, datetime]:
    """The starts [lo, hi] whose reminder (offset >= 12 h) goes out in (after, upto] in `tz`.

    The send time never decreases as the start moves later (see timing), so binary searches
    on the start find the interval; it is at most 14 h from the nominal band either way.
    """

    def send(start_s: int) -> datetime:
        start = datetime.fromtimestamp(start_s, tz=UTC)
        return timing.reminder_send_time(start=start, offset=offset, tz=tz)

    span = int(timedelta(hours=14).total_seconds())
    base_lo = int((after + offset).timestamp()) - span
    base_hi = int((upto + offset).timestamp()) + span
    lo, hi = base_lo, base_hi + 1  # first start whose send time is after `after`
    while lo < hi:
        mid = (lo + hi) // 2
        if send(mid) > after:
            hi = mid
        else:
            lo = mid + 1
    first = lo
    lo, hi = base_lo, base_hi + 1  # first start whose send time is after `upto`
    while lo < hi:
        mid = (lo + hi) // 2
        if send(mid) > upto:
            hi = mid
        else:
            lo = mid + 1
    last = lo - 1
    return (
        datetime.fromtimestamp(first, tz=UTC),
        datetime.fromtimestamp(last, tz=UTC),
    )


def reminder_candidates(*, now: datetime):
    """The (session, attendee) rows that may have a reminder due in (now - grace, now].

    One indexed range on Session.start per offset and, for offsets of 12 h or more, per
    recipient zone (the send time there is exact), so the cost follows the due rows, not
    the number of RSVPs.
    """
    grace = timedelta(minutes=settings.SMS_REMINDER_GRACE_MINUTES)
    after, upto = now - grace, now
    terms = Q()
    for minutes in sorted(_reminder_offsets()):
        offset = timedelta(minutes=minutes)
        band = Q(session__start__gt=after + offset, session__start__lte=upto + offset)
        if offset < timing.MIN_LEAD_FOR_MOVE:
            terms |= band
            continue
        zones = _zones_in_use()
        terms |= band & ~Q(user__timezone__in=zones)
        for zone in zones:
            lo, hi = _starts_due(offset=offset, tz=_tz(zone), after=after, upto=upto)
            if lo <= hi:
                terms |= Q(user__timezone=zone, session__start__gte=lo, session__start__lte=hi)
    if not terms:
        return RSVP.objects.none().values_list("pk")
    return (
        RSVP.objects.filter(terms)
        .filter(
            status=RSVP.Status.GOING,
            session__status=Session.Status.SCHEDULED,
            session__start__gt=now + timing.EXPIRY_BEFORE_START,
            user__sms_opt_in=True,
            user__phone_verified_at__isnull=False,
            user__phone__isnull=False,
        )
        # The number as stored (E.164) text: PhoneNumber objects re-validate on str().
        .annotate(phone_text=Cast("user__phone", output_field=CharField()))
        .values_list(
            "session_id",
            "session__start",
            "session__group__name",
            "session__group__reminder_offsets_minutes",
            "user_id",
            "phone_text",
            "user__timezone",
            "user__language",
        )
    )


def reminders_plan(*, now: datetime | None = None) -> int:
    """Create the reminder rows that are due now (idempotent: unique keys, conflicts ignored).

    Returns how many reminders are due now, whether this call or an earlier sweep inserted
    them (ON CONFLICT DO NOTHING does not say which).
    """
    now = now or timezone.now()
    grace = timedelta(minutes=settings.SMS_REMINDER_GRACE_MINUTES)
    after, upto = now - grace, now
    window = timing.send_window()
    candidates = reminder_candidates(now=now)
    rows = []
    # Everyone at one session in one zone and language gets the same words at the same time.
    per_session_zone: dict[tuple, tuple[str, list[tuple[int, datetime]]]] = {}
    for session_id, start, group_name, offsets, user_id, phone, zone, language in candidates:
        key = (session_id, zone, language)
        if key not in per_session_zone:
            tz = _tz(zone)
            due = []
            for minutes in offsets or []:
                send_at = timing.reminder_send_time(
                    start=start, offset=timedelta(minutes=minutes), tz=tz, window=window
                )
                if send_at is not None and after < send_at <= upto:
                    due.append((minutes, send_at))
            text = (
                bodies.reminder(
                    group_name=group_name, start=start, tz=tz, language=language or None
                )
                if due
                else ""
            )
            per_session_zone[key] = (text, due)
        text, due = per_session_zone[key]
        expires_at = timing.expires_for(start)
        for minutes, send_at in due:
            # Plain tuples in _INSERT_COLUMNS order: model instances cost more than the insert.
            rows.append(
                (
                    f"reminder:{session_id}:{user_id}:{minutes}:{int(start.timestamp())}",
                    OutboundSms.Kind.REMINDER.value,
                    phone,
                    text,
                    user_id,
                    session_id,
                    start,
                    minutes,
                    send_at,
                    expires_at,
                )
            )
    handed = _insert_ignoring_conflicts(rows, dispatched_at=now)
    if handed:
        # Every planned row is due: the new ones go to the workers straight away.
        transaction.on_commit(lambda: _enqueue(handed))
    return len(rows)


_INSERT_COLUMNS = [
    "idempotency_key",
    "kind",
    "to",
    "body",
    "user_id",
    "session_id",
    "session_start",
    "offset_minutes",
    "send_after",
    "expires_at",
]
_INSERT_TYPES = [
    "text",
    "text",
    "text",
    "text",
    "bigint",
    "bigint",
    "timestamptz",
    "integer",
    "timestamptz",
    "timestamptz",
]


def _insert_ignoring_conflicts(rows: list[tuple], *, dispatched_at: datetime) -> list[int]:
    """INSERT ... ON CONFLICT DO NOTHING. On PostgreSQL one statement over one JSON document
    (jsonb_to_recordset: the per-value cost of the ORM or of array parameters is what a sweep
    of thousands of rows would otherwise spend its time on), marked handed over at
    `dispatched_at` and returning the ids it inserted; elsewhere bulk_create, returning none
    (the dispatch step then hands the rows over).
    """
    if not rows:
        return []
    if connection.vendor != "postgresql":
        OutboundSms.objects.bulk_create(
            [OutboundSms(**dict(zip(_INSERT_COLUMNS, row, strict=True))) for row in rows],
            batch_size=500,
            ignore_conflicts=True,
        )
        return []
    table = OutboundSms._meta.db_table
    columns = ", ".join(f'"{c}"' for c in _INSERT_COLUMNS)
    record = ", ".join(f'"{c}" {t}' for c, t in zip(_INSERT_COLUMNS, _INSERT_TYPES, strict=True))
    sql = (
        f'INSERT INTO "{table}" ({columns}, "status", "delivery_status", "reason", "attempts", '  # noqa: S608 - fixed names
        f'"dispatched_at", "created_at", "updated_at") '
        f"SELECT {columns}, %s, %s, %s, 0, %s, now(), now() "
        f"FROM jsonb_to_recordset(%s::jsonb) AS x({record}) "
        "ON CONFLICT (idempotency_key) DO NOTHING RETURNING id"
    )
    document = json.dumps(
        [dict(zip(_INSERT_COLUMNS, row, strict=True)) for row in rows], default=str
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [OutboundSms.Status.PENDING, "", "", dispatched_at, document])
        return sorted(row[0] for row in cursor.fetchall())


def _enqueue(ids: list[int]) -> None:
    from sms import tasks

    for i in range(0, len(ids), DISPATCH_BATCH):
        tasks.send_outbound_batch.delay(ids[i : i + DISPATCH_BATCH])


def outbound_dispatch(
    *, now: datetime | None = None, keys: list[str] | None = None, limit: int = 5000
) -> list[int]:
    """Hand due pending rows to the workers (again, if a handed-over task seems lost)."""
    now = now or timezone.now()
    again = now - timedelta(seconds=settings.SMS_REDISPATCH_SECONDS)
    if connection.vendor == "postgresql":
        ids = _dispatch_postgres(now=now, again=again, keys=keys, limit=limit)
    else:
        with transaction.atomic():
            due = OutboundSms.objects.filter(status=OutboundSms.Status.PENDING, send_after__lte=now)
            if keys is not None:
                due = due.filter(idempotency_key__in=keys)
            due = due.filter(Q(dispatched_at__isnull=True) | Q(dispatched_at__lt=again))
            ids = list(
                due.select_for_update(skip_locked=True)
                .order_by("send_after", "pk")
                .values_list("pk", flat=True)[:limit]
            )
            if ids:
                OutboundSms.objects.filter(pk__in=ids).update(dispatched_at=now)
    if ids:
        transaction.on_commit(lambda: _enqueue(ids))
    return ids


def _dispatch_postgres(*, now, again, keys, limit) -> list[int]:
    """One statement: mark due rows handed over, skipping rows another sweep holds."""
    table = OutboundSms._meta.db_table
    key_filter = "AND idempotency_key = ANY(%s)" if keys is not None else ""
    sql = (
        f'UPDATE "{table}" SET dispatched_at = %s WHERE id IN ('  # noqa: S608 - fixed names
        f'SELECT id FROM "{table}" WHERE status = %s AND send_after <= %s '
        f"AND (dispatched_at IS NULL OR dispatched_at < %s) {key_filter} "
        "ORDER BY send_after, id LIMIT %s FOR UPDATE SKIP LOCKED) RETURNING id"
    )
    params = [now, OutboundSms.Status.PENDING, now, again]
    if keys is not None:
        params.append(list(keys))
    params.append(limit)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return sorted(row[0] for row in cursor.fetchall())


def reminders_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """The periodic job: plan due reminders, reconcile stuck sends, hand due rows to workers."""
    now = now or timezone.now()
    due = reminders_plan(now=now)
    reconciled = outbound_reconcile_stale(now=now)
    dispatched = outbound_dispatch(now=now)
    return {"due": due, "reconciled": reconciled, "dispatched": len(dispatched)}


# --- sending one text -------------------------------------------------------------------------


def _send_blocker(row: OutboundSms, now: datetime) -> tuple[str, datetime | None]:
    """Why this row must not go out now ('' if it may); a time if it should wait instead."""
    if row.expires_at <= now:
        return "expired", None
    contact = SmsContact.objects.filter(phone=row.to).first()
    if contact is not None and contact.opted_out:
        return "opted_out", None
    user = User.objects.filter(pk=row.user_id).first() if row.user_id else None
    if row.kind == OutboundSms.Kind.VERIFICATION:
        if user is None or str(user.phone or "") != row.to:
            return "number_changed", None
        return "", None
    if contact is not None and contact.undeliverable:
        return "undeliverable", None
    if user is None or not _opted_in(user) or str(user.phone) != row.to:
        return "no_consent", None
    if row.kind in SESSION_KINDS:
        session = Session.objects.filter(pk=row.session_id).first()
        if session is None or session.status != Session.Status.SCHEDULED:
            return "session_cancelled", None
        if row.session_start is not None and session.start != row.session_start:
            return "session_moved", None
        if (
            row.kind == OutboundSms.Kind.REMINDER
            and not RSVP.objects.filter(
                session=session, user=user, status=RSVP.Status.GOING
            ).exists()
        ):
            return "not_going", None
        if (
            row.kind == OutboundSms.Kind.SEAT_OFFERED
            and not SeatOffer.objects.filter(
                rsvp__session=session, rsvp__user=user, status=SeatOffer.Status.OPEN
            ).exists()
        ):
            return "offer_closed", None
    tz = _tz(user.timezone)
    if not timing.in_window(now, tz):
        later = timing.next_window_open(now, tz)
        if row.kind == OutboundSms.Kind.REMINDER or later >= row.expires_at:
            return "quiet_hours", None
        return "quiet_hours", later
    return "", None


def outbound_send(*, outbound_id: int) -> str:
    """Send one row if it is still pending and still wanted; returns what happened."""
    now = timezone.now()
    with transaction.atomic():
        row = (
            OutboundSms.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk=outbound_id, status=OutboundSms.Status.PENDING)
            .first()
        )
        if row is None:
            return "not_pending"
        if row.send_after > now:
            return "not_due"
        reason, later = _send_blocker(row, now)
        if later is not None:
            row.send_after, row.dispatched_at, row.reason = later, None, reason
            row.save(update_fields=["send_after", "dispatched_at", "reason", "updated_at"])
            return "deferred"
        if reason:
            row.status, row.reason = OutboundSms.Status.CANCELLED, reason
            row.save(update_fields=["status", "reason", "updated_at"])
            return reason
        row.status, row.claimed_at = OutboundSms.Status.CLAIMED, now
        row.attempts += 1
        row.save(update_fields=["status", "claimed_at", "attempts", "updated_at"])
    # The claim is committed: from here on a crash leaves a claimed row to reconcile.
    validity = int((row.expires_at - timezone.now()).total_seconds())
    try:
        sid = get_backend().send(
            to=row.to,
            body=row.body,
            status_callback=status_callback_url(),
            validity_period=max(1, min(validity, MAX_VALIDITY_SECONDS)),
        )
    except SmsSendError as exc:
        return _send_failed(row, exc)
    with transaction.atomic():
        updated = OutboundSms.objects.filter(pk=row.pk, status=OutboundSms.Status.CLAIMED).update(
            status=OutboundSms.Status.SUBMITTED,
            message_sid=sid,
            submitted_at=timezone.now(),
            reason="",
            updated_at=timezone.now(),
        )
        if updated:
            _apply_early_events(sid)
    return "submitted"


def _send_failed(row: OutboundSms, exc: SmsSendError) -> str:
    now = timezone.now()
    claimed = OutboundSms.objects.filter(pk=row.pk, status=OutboundSms.Status.CLAIMED)
    if exc.ambiguous:
        # The provider may have it: leave it claimed for reconciliation, never re-send here.
        claimed.update(reason=f"unknown outcome ({exc.message[:120]})", updated_at=now)
        return "ambiguous"
    if exc.permanent:
        claimed.update(
            status=OutboundSms.Status.FAILED,
            error_code=exc.code,
            reason=exc.message[:200],
            updated_at=now,
        )
        contact_record_error(phone=row.to, code=exc.code)
        return "failed"
    if row.attempts >= settings.SMS_MAX_ATTEMPTS:
        claimed.update(
            status=OutboundSms.Status.FAILED,
            error_code=exc.code,
            reason=f"gave up after {row.attempts} tries: {exc.message[:120]}",
            updated_at=now,
        )
        return "failed"
    delay = min(settings.SMS_RETRY_BASE_SECONDS * 2 ** (row.attempts - 1), 900.0)
    delay *= random.uniform(0.5, 1.5)  # noqa: S311 - jitter, not security
    retry_at = now + timedelta(seconds=delay)
    if retry_at >= row.expires_at:
        claimed.update(
            status=OutboundSms.Status.FAILED,
            error_code=exc.code,
            reason=f"expired while retrying: {exc.message[:120]}",
            updated_at=now,
        )
        return "failed"
    claimed.update(
        status=OutboundSms.Status.PENDING,
        send_after=retry_at,
        dispatched_at=retry_at,
        error_code=exc.code,
        reason=f"retry {row.attempts}: {exc.message[:120]}",
        updated_at=now,
    )
    from sms import tasks

    tasks.send_outbound.apply_async((row.pk,), countdown=delay)
    return "retry"


def contact_record_error(*, phone: str, code: int | None) -> None:
    """A permanent error about a number is kept on its contact; 21610 means it opted out."""
    if code not in PERMANENT_NUMBER_CODES:
        return
    contact = contact_for(phone=phone)
    SmsContact.objects.filter(pk=contact.pk).update(
        last_error_code=code, last_error_at=timezone.now(), undeliverable=code != OPT_OUT_CODE
    )
    if code == OPT_OUT_CODE:
        number_opt_out(
            phone=phone,
            source=SmsConsent.Source.CARRIER,
            evidence="Twilio refused a send with error 21610 (the number replied STOP).",
        )


def outbound_reconcile_stale(*, now: datetime | None = None, limit: int = 200) -> int:
    """Settle rows stuck in claimed (a crash or an unknown outcome) from the provider's list:
    found there -> submitted; not there -> pending again. Returns how many were settled."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.SMS_CLAIM_STALE_SECONDS)
    stale = list(
        OutboundSms.objects.filter(status=OutboundSms.Status.CLAIMED, claimed_at__lt=cutoff)
        .order_by("claimed_at")
        .values_list("pk", flat=True)[:limit]
    )
    if not stale:
        return 0
    backend = get_backend()
    settled = 0
    for pk in stale:
        with transaction.atomic():
            row = (
                OutboundSms.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, status=OutboundSms.Status.CLAIMED, claimed_at__lt=cutoff)
                .first()
            )
            if row is None:
                continue
            skew = timedelta(minutes=5)
            try:
                listed = backend.messages_since(to=row.to, since=row.claimed_at - skew)
            except SmsSendError:
                log.warning("reconcile: provider list failed for outbound %s", row.pk)
                continue
            known = set(
                OutboundSms.objects.filter(message_sid__in=[m.sid for m in listed]).values_list(
                    "message_sid", flat=True
                )
            )
            match = next(
                (
                    m
                    for m in listed
                    if m.body == row.body
                    and m.sid not in known
                    and (m.created_at is None or m.created_at >= row.claimed_at - skew)
                ),
                None,
            )
            if match is not None:
                row.status, row.message_sid = OutboundSms.Status.SUBMITTED, match.sid
                row.submitted_at, row.reason = now, "reconciled: found at the provider"
                if DELIVERY_RANK.get(match.status, 0) > DELIVERY_RANK.get(row.delivery_status, 0):
                    row.delivery_status = match.status
            elif row.expires_at <= now:
                row.status, row.reason = OutboundSms.Status.FAILED, "reconciled: expired unsent"
            else:
                row.status, row.send_after, row.dispatched_at = (
                    OutboundSms.Status.PENDING,
                    now,
                    None,
                )
                row.reason = "reconciled: not at the provider, to be sent again"
            row.save()
            settled += 1
    return settled


# --- status callbacks -------------------------------------------------------------------------


def _advance(row: OutboundSms, status: str, error_code: int | None) -> None:
    if DELIVERY_RANK.get(status, -1) > DELIVERY_RANK.get(row.delivery_status, 0):
        row.delivery_status = status
        fields = ["delivery_status", "updated_at"]
        if error_code:
            row.error_code = error_code
            fields.append("error_code")
        row.save(update_fields=fields)


def _apply_early_events(sid: str) -> None:
    """Callbacks that arrived before we stored the sid are applied now."""
    row = OutboundSms.objects.select_for_update().filter(message_sid=sid).first()
    if row is None:
        return
    for event in SmsStatusEvent.objects.filter(message_sid=sid, outbound__isnull=True):
        event.outbound = row
        event.save(update_fields=["outbound"])
        _advance(row, event.status, event.error_code)


@transaction.atomic
def status_callback_record(*, params: dict) -> SmsStatusEvent:
    """Log a delivery event and move the message's status forward (never back)."""
    # What PostgreSQL could not store (NUL, an error code past an integer) is dropped: the
    # event is still logged and the callback still answered.
    params = {str(k).replace("\x00", ""): str(v).replace("\x00", "") for k, v in params.items()}
    sid = (params.get("MessageSid") or params.get("SmsSid") or "")[:64]
    status = (params.get("MessageStatus") or params.get("SmsStatus") or "")[:20].lower()
    try:
        error_code = int(params.get("ErrorCode") or 0) or None
    except (TypeError, ValueError):
        error_code = None
    if error_code is not None and not 0 < error_code < 2**31:
        error_code = None
    row = OutboundSms.objects.select_for_update().filter(message_sid=sid).first() if sid else None
    event = SmsStatusEvent.objects.create(
        outbound=row, message_sid=sid, status=status, error_code=error_code, payload=params
    )
    if row is not None:
        _advance(row, status, error_code)
        if status in ("undelivered", "failed") and error_code:
            transaction.on_commit(lambda: contact_record_error(phone=row.to, code=error_code))
    return event
