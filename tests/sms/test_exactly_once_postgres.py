"""Exactly once under crashes: PostgreSQL, Redis, two real Celery workers and the real twilio
client against the fake Twilio. 1,000 due reminders, three sweeps at once, one worker killed
by PID mid-batch: every reminder is sent once (or found by reconciliation), none twice, none
lost."""

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from celery import current_app
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone

from sessions_app.models import RSVP, Session, User
from sms import services
from sms.models import OutboundSms
from tests.factories import GroupFactory, one_off_session
from tests.sms.conftest import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, PUBLIC

pytestmark = [pytest.mark.postgres, pytest.mark.redis]
REPO = Path(__file__).resolve().parents[2]
REMINDERS = 1000
SESSIONS = 10
DEADLINE = 100  # seconds for the whole run


def _zone_at_mid_day() -> str:
    """An Etc zone where it is early afternoon now, so the window is open."""
    offset = 14 - datetime.now(UTC).hour
    if offset > 14:
        offset -= 24
    if offset < -12:
        offset += 24
    if offset == 0:
        return "UTC"
    return f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"


def _worker(name: str, env: dict) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=threads",
            "--concurrency=4",
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-Q",
            env["CELERY_TASK_DEFAULT_QUEUE"],
            "-n",
            f"{name}@%h",
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _due_reminders(tz: str) -> list[Session]:
    sessions = []
    users = User.objects.bulk_create(
        User(
            username=f"sms-load-{i}",
            password="!",
            phone=f"+1202555{i:04d}",
            phone_verified_at=timezone.now(),
            sms_opt_in=True,
            timezone=tz,
        )
        for i in range(REMINDERS)
    )
    per = REMINDERS // SESSIONS
    for i in range(SESSIONS):
        group = GroupFactory(capacity=per, reminder_offsets_minutes=[120], timezone=tz)
        # Starts are whole minutes: the 2 h reminder fell due one to two minutes ago.
        session = one_off_session(group, starts_in=timedelta(minutes=119))
        sessions.append(session)
        RSVP.objects.bulk_create(
            RSVP(session=session, user=u, status=RSVP.Status.GOING)
            for u in users[i * per : (i + 1) * per]
        )
    return sessions


@pytest.mark.django_db(transaction=True)
def test_thousand_reminders_three_sweeps_two_workers_one_killed(fake_twilio, settings):
    assert connection.vendor == "postgresql"
    queue = f"hearth-sms-test-{uuid.uuid4().hex[:8]}"
    settings.SMS_CLAIM_STALE_SECONDS = 8
    settings.SMS_REDISPATCH_SECONDS = 8
    settings.TWILIO_HTTP_TIMEOUT = 2
    current_app.conf.task_default_queue = queue
    current_app.conf.task_always_eager = False
    fake_twilio.delay = 0.02
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": os.environ["REDIS_URL"],
        "SMS_BACKEND": "twilio",
        "TWILIO_API_BASE": fake_twilio.base_url,
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_FROM_NUMBER": FROM_NUMBER,
        "TWILIO_HTTP_TIMEOUT": "2",
        "PUBLIC_BASE_URL": PUBLIC,
        "SMS_CLAIM_STALE_SECONDS": "8",
        "SMS_REDISPATCH_SECONDS": "8",
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "LOG_LEVEL": "WARNING",
    }
    workers = {"a": _worker(f"a-{queue}", env), "b": _worker(f"b-{queue}", env)}
    try:
        _due_reminders(_zone_at_mid_day())
        started = time.monotonic()

        barrier = threading.Barrier(3)
        results, errors = [], []

        def sweep():
            try:
                barrier.wait(timeout=30)
                results.append(services.reminders_sweep())
            except Exception as exc:  # noqa: BLE001 - collected and asserted below
                errors.append(repr(exc))
            finally:
                connection.close()

        threads = [threading.Thread(target=sweep) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert errors == []
        # Concurrent sweeps insert with ON CONFLICT DO NOTHING: one row per reminder.
        assert OutboundSms.objects.count() == REMINDERS
        # Each row was handed to the workers by the sweep that inserted it.
        assert OutboundSms.objects.filter(dispatched_at__isnull=True).count() == 0

        # Kill worker a by PID once sends are under way: it dies mid-batch.
        while len(fake_twilio.creates) < 150:
            assert time.monotonic() - started < DEADLINE, "workers never started sending"
            time.sleep(0.05)
        os.kill(workers["a"].pid, signal.SIGKILL)
        workers["a"].wait(timeout=10)
        sent_at_kill = len(fake_twilio.creates)
        assert sent_at_kill < REMINDERS

        # Later sweeps reconcile the rows the dead worker left claimed and hand its unsent
        # rows to the surviving worker.
        reconciled = 0
        while OutboundSms.objects.exclude(status="submitted").exists():
            assert time.monotonic() - started < DEADLINE, Counter(
                OutboundSms.objects.values_list("status", flat=True)
            )
            time.sleep(2)
            reconciled += services.reminders_sweep()["reconciled"]
    finally:
        for proc in workers.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in workers.values():
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        current_app.conf.task_default_queue = django_settings.CELERY_TASK_DEFAULT_QUEUE
        with current_app.connection_for_write() as conn:
            conn.default_channel.queue_delete(queue)

    rows = list(OutboundSms.objects.values_list("to", "message_sid", "status"))
    assert len(rows) == REMINDERS
    assert {status for _, _, status in rows} == {"submitted"}
    # 0 duplicates at the fake server, 0 lost: each number got exactly one message.
    per_number = Counter(m["to"] for m in fake_twilio.messages)
    assert len(per_number) == REMINDERS and set(per_number.values()) == {1}
    assert {sid for _, sid, _ in rows} == {m["sid"] for m in fake_twilio.messages}
    assert Counter(r.form["To"] for r in fake_twilio.creates).most_common(1)[0][1] == 1
    print(  # noqa: T201 - the numbers behind the claim, in the test log
        f"sent before kill {sent_at_kill}, reconciled {reconciled}, "
        f"POSTs {len(fake_twilio.creates)}, messages {len(fake_twilio.messages)}"
    )
