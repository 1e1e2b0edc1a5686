"""Benchmark: the SMS and the email reminder sweeps on PostgreSQL with 1,000,000 future RSVPs,
2,000 due now (each of the 2,000 takes reminders by both channels).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hearth_sms_bench \\
        .venv/bin/python bench/sms_sweep.py [--repeat 7]

The database is migrated and filled with bulk SQL (INSERT ... SELECT generate_series): 100,000
opted-in users, 2,000 groups, 126,000 sessions over about 130 days with 8 going RSVPs each, plus 20
sessions whose 2 h reminder is due at the pretend instant with 100 RSVPs each. It then times
`reminders_plan` + `outbound_dispatch` (what `send_due_reminders` does, with Celery eager
sending switched off so only the sweep is measured), prints the EXPLAIN (ANALYZE, BUFFERS) of
the candidate query, and checks that exactly the 2,000 due reminders were created.

Then the same for email, in the same run over the same data (the 2,000 due people chose
"both" for reminders, so both sweeps find them): `mail.services.reminders_plan` (the rows with
their text and HTML, a signed unsubscribe link and a session link each) + `outbound_due`, and
sending the 2,000 through Django's in-memory mail backend (`outbound_send` each: lock, re-check
the choice and the session, claim, send, mark sent).
"""

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
sys.path.insert(0, str(Path(__file__).resolve().parent))
# Production settings (DEBUG off; with it on, Django keeps every SQL string and its parameters).
from prod_env import use_production_env  # noqa: E402

use_production_env()

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from schedule.models import Calendar, Event  # noqa: E402

from mail import services as mail_services  # noqa: E402
from mail.models import OutboundEmail  # noqa: E402
from sessions_app.counts import RECOUNT  # noqa: E402
from sessions_app.models import SupportGroup  # noqa: E402
from sms import services  # noqa: E402
from sms.models import OutboundSms  # noqa: E402

NOW = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)  # 12:00 in New York: the window is open
USERS, GROUPS, SESSIONS_PER_GROUP, RSVPS_PER_SESSION = 100_000, 2_000, 63, 8
DUE_SESSIONS, DUE_PER_SESSION = 20, 100


def fill() -> None:
    call_command("migrate", verbosity=0)
    with connection.cursor() as cur:
        cur.execute(
            "TRUNCATE sms_outboundsms, mail_outboundemail, sessions_app_notificationpreference, "
            "sessions_app_rsvp, sessions_app_session, "
            "sessions_app_supportgroup, schedule_event, sessions_app_user CASCADE"
        )
    calendar, _ = Calendar.objects.get_or_create(slug="hearth", defaults={"name": "Hearth"})
    groups = SupportGroup.objects.bulk_create(
        SupportGroup(
            name=f"Group {i}",
            slug=f"bench-{i}",
            topic="grief",
            timezone="America/New_York",
            reminder_offsets_minutes=[1440, 120],
        )
        for i in range(GROUPS + 1)
    )
    Event.objects.bulk_create(
        Event(calendar=calendar, title=g.name, start=NOW, end=NOW + timedelta(hours=1))
        for g in groups
    )
    with connection.cursor() as cur:
        # A million RSVPs: the count triggers (sessions_app/counts.py) are off for the bulk
        # load, and every session is counted once at the end.
        cur.execute("ALTER TABLE sessions_app_rsvp DISABLE TRIGGER USER")
        cur.execute(
            """
            INSERT INTO sessions_app_user (password, is_superuser, username, first_name,
                last_name, email, is_staff, is_active, date_joined, display_name, timezone,
                phone, phone_verified_at, sms_opt_in, calendar_token, language)
            SELECT '!', false, 'bench' || i, '', '', 'bench' || i || '@example.org', false, true,
                   now(), '',
                   'America/New_York', '+1202' || lpad(i::text, 7, '0'), now(), true,
                   md5(i::text), ''
            FROM generate_series(1, %s) AS i
            """,
            [USERS],
        )
        # Future sessions from 3 hours on, every ~24 minutes per group offset; none in the
        # minutes where a reminder is due at NOW (they are moved 40 minutes on).
        cur.execute(
            """
            WITH g AS (SELECT g.id AS gid, e.id AS eid, row_number() OVER (ORDER BY g.id) AS n
                       FROM sessions_app_supportgroup g
                       JOIN schedule_event e ON e.title = g.name
                       WHERE g.slug <> 'bench-0'),
            s AS (SELECT gid, eid, %(now)s::timestamptz + interval '3 hours'
                         + (k * 2 + n %% 2) * interval '1 day' + (n %% 24) * interval '1 hour'
                         AS start
                  FROM g, generate_series(0, %(per)s - 1) AS k)
            INSERT INTO sessions_app_session (original_start, start, "end", status,
                cancel_reason, sequence, room_open, created_at, updated_at, event_id, group_id,
                weekday)
            SELECT st, st, st + interval '90 minutes', 'scheduled', '', 0, false, now(), now(),
                   eid, gid, extract(isodow FROM st AT TIME ZONE 'America/New_York')::int - 1
            FROM (SELECT gid, eid,
                         CASE WHEN start > %(now)s::timestamptz + interval '1410 minutes'
                               AND start <= %(now)s::timestamptz + interval '1440 minutes'
                              THEN start + interval '40 minutes' ELSE start END AS st
                  FROM s) AS x
            """,
            {"now": NOW, "per": SESSIONS_PER_GROUP},
        )
        cur.execute("SELECT min(id), max(id) FROM sessions_app_user")
        first_user, last_user = cur.fetchone()
        cur.execute(
            """
            INSERT INTO sessions_app_rsvp (status, source, created_at, updated_at, attendance,
                minutes_present, user_id, session_id)
            SELECT 'going', 'web', now(), now(), '', 0,
                   %(first)s + ((s.id * 8 + k) %% %(users)s), s.id
            FROM sessions_app_session s, generate_series(0, %(per)s - 1) AS k
            """,
            {"first": first_user, "users": USERS, "per": RSVPS_PER_SESSION},
        )
        # The due ones: 20 sessions of group bench-0 whose 2 h reminder fell due a minute ago.
        cur.execute(
            """
            INSERT INTO sessions_app_session (original_start, start, "end", status,
                cancel_reason, sequence, room_open, created_at, updated_at, event_id, group_id,
                weekday)
            SELECT st, st, st + interval '90 minutes', 'scheduled', '', 0, false, now(), now(),
                   e.id, g.id, extract(isodow FROM st AT TIME ZONE 'America/New_York')::int - 1
            FROM sessions_app_supportgroup g JOIN schedule_event e ON e.title = g.name,
                 LATERAL (SELECT %(now)s::timestamptz + interval '119 minutes'
                                 + k * interval '1 second' AS st
                          FROM generate_series(1, %(n)s) AS k) AS t
            WHERE g.slug = 'bench-0'
            """,
            {"now": NOW, "n": DUE_SESSIONS},
        )
        cur.execute(
            """
            INSERT INTO sessions_app_rsvp (status, source, created_at, updated_at, attendance,
                minutes_present, user_id, session_id)
            SELECT 'going', 'web', now(), now(), '', 0,
                   %(first)s + ((s.rn - 1) * %(per)s + k), s.id
            FROM (SELECT id, row_number() OVER (ORDER BY id) AS rn FROM sessions_app_session
                  WHERE group_id = (SELECT id FROM sessions_app_supportgroup
                                    WHERE slug = 'bench-0')) AS s,
                 generate_series(0, %(per)s - 1) AS k
            """,
            {"first": first_user, "per": DUE_PER_SESSION},
        )
        # The due people take reminders by text and email.
        cur.execute(
            """
            INSERT INTO sessions_app_notificationpreference (user_id, category, channel,
                updated_at)
            SELECT DISTINCT r.user_id, 'reminders', 'both', now()
            FROM sessions_app_rsvp r JOIN sessions_app_session s ON s.id = r.session_id
            WHERE s.group_id = (SELECT id FROM sessions_app_supportgroup WHERE slug = 'bench-0')
            """
        )
        cur.execute("ALTER TABLE sessions_app_rsvp ENABLE TRIGGER USER")
        cur.execute(RECOUNT)
        cur.execute("VACUUM ANALYZE")


def counts() -> dict:
    with connection.cursor() as cur:
        out = {}
        for table in ("sessions_app_user", "sessions_app_session", "sessions_app_rsvp"):
            cur.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - fixed names
            out[table] = cur.fetchone()[0]
        cur.execute(
            "SELECT count(*) FROM sessions_app_rsvp r JOIN sessions_app_session s "
            "ON s.id = r.session_id WHERE s.start > %s",
            [NOW],
        )
        out["future RSVPs"] = cur.fetchone()[0]
    return out


def explain(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cur:
        cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        return "\n".join(row[0] for row in cur.fetchall())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--no-fill", action="store_true")
    args = parser.parse_args()
    assert connection.vendor == "postgresql", "set DATABASE_URL to a PostgreSQL database"
    from django.conf import settings

    if not args.no_fill:
        started = time.perf_counter()
        fill()
        print(f"filled in {time.perf_counter() - started:.1f} s: {counts()}")
    # Measure the sweep itself: hand-over to the queue is recorded, not executed.
    import sms.services.reminders as sms_reminders

    handed = []
    sms_reminders._enqueue = handed.extend
    settings.CELERY_TASK_ALWAYS_EAGER = False

    plan_ms, total_ms = [], []
    for _ in range(args.repeat):
        OutboundSms.objects.all().delete()
        handed.clear()
        started = time.perf_counter()
        services.reminders_plan(now=NOW)
        planned = time.perf_counter()
        services.outbound_dispatch(now=NOW)
        done = time.perf_counter()
        plan_ms.append((planned - started) * 1000)
        total_ms.append((done - started) * 1000)
        assert OutboundSms.objects.count() == DUE_SESSIONS * DUE_PER_SESSION
        assert len(handed) == DUE_SESSIONS * DUE_PER_SESSION
    print(f"due reminders created and handed over per sweep: {len(handed)}")
    for name, values in (("plan", plan_ms), ("plan + dispatch", total_ms)):
        print(
            f"{name}: median {statistics.median(values):.1f} ms, "
            f"min {min(values):.1f}, max {max(values):.1f} (n={len(values)})"
        )
    print("\nEXPLAIN of the candidate query:\n" + explain(services.reminder_candidates(now=NOW)))
    OutboundSms.objects.all().delete()
    due = OutboundSms.objects.filter(status="pending", send_after__lte=NOW).order_by("send_after")
    print("\nEXPLAIN of the dispatch query (empty log):\n" + explain(due.values_list("pk")[:5000]))
    mail_sweep(args.repeat)


def mail_sweep(repeat: int) -> None:
    """The email sweep over the same data: plan + due rows, then sending them (in memory)."""
    from django.conf import settings
    from django.core import mail

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SMS_SEND_WINDOW = "00:00-23:59"
    due_count = DUE_SESSIONS * DUE_PER_SESSION
    plan_ms, total_ms, send_ms = [], [], []
    for _ in range(repeat):
        OutboundEmail.objects.all().delete()
        started = time.perf_counter()
        mail_services.reminders_plan(now=NOW)
        planned = time.perf_counter()
        ids = mail_services.outbound_due(now=NOW)
        done = time.perf_counter()
        plan_ms.append((planned - started) * 1000)
        total_ms.append((done - started) * 1000)
        assert OutboundEmail.objects.count() == due_count and len(ids) == due_count
    mail.outbox = []
    started = time.perf_counter()
    outcomes = [mail_services.outbound_send(outbound_id=pk, now=NOW) for pk in ids]
    send_ms.append((time.perf_counter() - started) * 1000)
    assert outcomes.count("sent") == due_count == len(mail.outbox), outcomes[:3]
    print(f"\nemail: due reminders created per sweep: {due_count}")
    for name, values in (("email plan", plan_ms), ("email plan + due", total_ms)):
        print(
            f"{name}: median {statistics.median(values):.1f} ms, "
            f"min {min(values):.1f}, max {max(values):.1f} (n={len(values)})"
        )
    print(
        f"email send of {due_count} (in-memory backend, one process): {send_ms[0]:.0f} ms, "
        f"{send_ms[0] / due_count:.2f} ms each"
    )
    OutboundEmail.objects.all().delete()


if __name__ == "__main__":
    main()
