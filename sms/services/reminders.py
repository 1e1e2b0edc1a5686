"""The reminder sweep: plan due reminders, reconcile stuck sends, hand due rows to workers."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import CharField, Q
from django.db.models.functions import Cast
from django.utils import timezone

from sessions_app import selectors, timing
from sessions_app.models import RSVP, NotificationPreference, Session, SupportGroup, User
from sessions_app.zones import zone_info
from sms import bodies
from sms.models import OutboundSms
from sms.services.common import _enqueue
from sms.services.delivery import outbound_reconcile_stale, outbound_send_many

HandOver = Callable[[list[int]], None]


def _enqueue_on_commit(ids: list[int]) -> None:
    """Hand rows to the workers once they are committed (the default hand-over)."""
    transaction.on_commit(lambda: _enqueue(ids))


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
        moment = timing.reminder_send_time(start=start, offset=offset, tz=tz)
        if moment is None:  # only offsets under 12 h are ever dropped, and those never come here
            raise ValueError(f"No send time for a {offset} reminder at {start}.")
        return moment

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


def reminder_candidates(*, now: datetime, with_choices: bool = True):
    """The (session, attendee) rows that may have a reminder due in (now - grace, now].

    One indexed range on Session.start per offset and, for offsets of 12 h or more, per
    recipient zone (the send time there is exact), so the cost follows the due rows, not
    the number of RSVPs. `with_choices=False` leaves out the people's notification choices
    (see `_choosing_texts`): in the same query they made PostgreSQL scan every user.
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
            lo, hi = _starts_due(offset=offset, tz=zone_info(zone), after=after, upto=upto)
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
        # Only people who take reminders by text (their choice, or the default).
        .filter(_reminder_choice_q("user") if with_choices else Q())
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


def _reminder_choice_q(user_field: str) -> Q:
    return selectors.notification_channel_q(
        category=NotificationPreference.Category.REMINDERS, channel="sms", user_field=user_field
    )


def _choosing_texts(user_ids: set[int]) -> set[int]:
    """Which of these users take reminders by text (their choice, or the default): one query
    over just them, by primary key."""
    if not user_ids:
        return set()
    return set(
        User.objects.filter(pk__in=user_ids)
        .filter(_reminder_choice_q(""))
        .values_list("pk", flat=True)
    )


def reminders_plan(*, now: datetime | None = None, hand_over: HandOver = _enqueue_on_commit) -> int:
    """Create the reminder rows that are due now (idempotent: unique keys, conflicts ignored).
    The rows it marks handed over go to `hand_over` (by default the workers, on commit).

    Returns how many reminders are due now, whether this call or an earlier sweep inserted
    them (ON CONFLICT DO NOTHING does not say which).
    """
    now = now or timezone.now()
    grace = timedelta(minutes=settings.SMS_REMINDER_GRACE_MINUTES)
    after, upto = now - grace, now
    window = timing.send_window()
    # The candidates by their indexes first, then the notification choices of just those
    # people (the same rule as reminder_candidates(with_choices=True), a few ms instead of a
    # scan of every user).
    candidates = list(reminder_candidates(now=now, with_choices=False))
    allowed = _choosing_texts({row[4] for row in candidates})
    rows = []
    # Everyone at one session in one zone and language is due at the same time.
    per_session_zone: dict[tuple, tuple[Callable[[str], str] | None, list]] = {}
    for session_id, start, group_name, offsets, user_id, phone, zone, language in candidates:
        if user_id not in allowed:
            continue
        key = (session_id, zone, language)
        if key not in per_session_zone:
            tz = zone_info(zone)
            due = []
            for minutes in offsets or []:
                send_at = timing.reminder_send_time(
                    start=start, offset=timedelta(minutes=minutes), tz=tz, window=window
                )
                if send_at is not None and after < send_at <= upto:
                    due.append((minutes, send_at))
            words = (
                bodies.reminder_with_link(
                    group_name=group_name, start=start, tz=tz, language=language or None
                )
                if due
                else None
            )
            per_session_zone[key] = (words, due)
        words, due = per_session_zone[key]
        # Each text carries that person's one-tap link (/s/<token>), fitted into the words
        # translated once for the session, zone and language.
        text = (
            words(selectors.session_link_url(session_id=session_id, user_id=user_id))
            if words
            else ""
        )
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
        hand_over(handed)
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


def outbound_dispatch(
    *,
    now: datetime | None = None,
    keys: list[str] | None = None,
    limit: int = 5000,
    hand_over: HandOver = _enqueue_on_commit,
) -> list[int]:
    """Hand due pending rows to the workers (again, if a handed-over task seems lost), or to
    `hand_over`."""
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
        hand_over(ids)
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


def reminders_sweep(*, now: datetime | None = None, send_here: bool = False) -> dict[str, int]:
    """The periodic job: plan due reminders, reconcile stuck sends, hand due rows to workers.

    `send_here` (`send_due_reminders --now`): the rows are sent by this process, after the
    planning, at the same instant `now` rather than by the workers against the real clock;
    the result then says how many went out (`sent`)."""
    now = now or timezone.now()
    handed: list[int] = []
    hand_over: HandOver = handed.extend if send_here else _enqueue_on_commit
    due = reminders_plan(now=now, hand_over=hand_over)
    reconciled = outbound_reconcile_stale(now=now)
    dispatched = outbound_dispatch(now=now, hand_over=hand_over)
    result = {"due": due, "reconciled": reconciled, "dispatched": len(dispatched)}
    if send_here:
        outcomes = outbound_send_many(ids=sorted(set(handed)), now=now)
        result["sent"] = outcomes.count("submitted")
    return result
