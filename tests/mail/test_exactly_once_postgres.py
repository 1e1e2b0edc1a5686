"""Exactly once on PostgreSQL: two sweeps at once over 200 due reminders send each once; a
sender killed by PID mid-send leaves its claim, which is settled as "outcome unknown" and
never sent again, while every other email goes exactly once."""

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core import mail as django_mail
from django.db import connection
from django.utils import timezone

from mail import services
from mail.models import OutboundEmail
from sessions_app.models import RSVP, User
from tests.factories import GroupFactory, one_off_session

pytestmark = [pytest.mark.postgres]
REPO = Path(__file__).resolve().parents[2]
PEOPLE = 200


def _due(count: int, tz: str = "UTC"):
    users = User.objects.bulk_create(
        User(username=f"mail-load-{i}", password="!", email=f"p{i}@example.org", timezone=tz)
        for i in range(count)
    )
    group = GroupFactory(capacity=count, reminder_offsets_minutes=[120], timezone=tz)
    session = one_off_session(group, starts_in=timedelta(minutes=119))
    RSVP.objects.bulk_create(RSVP(session=session, user=u, status=RSVP.Status.GOING) for u in users)
    return session


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_send_each_email_once(settings):
    settings.SMS_SEND_WINDOW = "00:00-23:59"
    _due(PEOPLE)
    barrier = threading.Barrier(2)
    results = []

    def sweep():
        barrier.wait()
        try:
            results.append(services.mail_sweep(send_here=True))
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    sent = Counter(m.to[0] for m in django_mail.outbox)
    assert len(sent) == PEOPLE and set(sent.values()) == {1}
    assert sum(r["sent"] for r in results) == PEOPLE
    assert OutboundEmail.objects.filter(status="sent").count() == PEOPLE


SENDER = """
import os, sys, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()
from django.conf import settings
settings.EMAIL_BACKEND = "tests.mail.hanging_backend.HangingBackend"
from mail import services
print(services.outbound_send(outbound_id=int(sys.argv[1])), flush=True)
"""


@pytest.mark.django_db(transaction=True)
def test_a_sender_killed_mid_send_is_never_sent_again(settings, tmp_path):
    settings.SMS_SEND_WINDOW = "00:00-23:59"
    _due(5)
    services.reminders_plan()
    victim = OutboundEmail.objects.order_by("pk").first()
    marker = tmp_path / "in-send"
    db = django_settings.DATABASES["default"]
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "HANGING_BACKEND_MARKER": str(marker),
        "SMS_SEND_WINDOW": "00:00-23:59",
    }
    env.pop("REDIS_URL", None)  # eager tasks in the child; nothing else to reach
    proc = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-c", SENDER, str(victim.pk)], cwd=REPO, env=env
    )
    deadline = time.monotonic() + 30
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marker.exists(), "the sender never reached the mail server"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    victim.refresh_from_db()
    assert victim.status == "claimed"
    # A sweep now sends the others and leaves the claim alone (it is not stale yet)...
    now = timezone.now()
    assert services.mail_sweep(now=now, send_here=True)["sent"] == 4
    # ...and once the claim is stale it is settled, never sent.
    later = now + timedelta(seconds=settings.MAIL_CLAIM_STALE_SECONDS + 1)
    result = services.mail_sweep(now=later, send_here=True)
    assert (result["settled"], result["sent"]) == (1, 0)
    victim.refresh_from_db()
    assert victim.status == "failed" and victim.reason.startswith("outcome unknown")
    sent = Counter(m.to[0] for m in django_mail.outbox)
    assert victim.to not in sent and len(sent) == 4 and set(sent.values()) == {1}
