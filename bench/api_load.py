"""Load benchmark of GET /api/v1/sessions/?start_after=...&start_before=... over 5,000 groups.

Daphne serves the app on 127.0.0.1 in its own process; wrk (Debian: apt-get install -y wrk)
is the load generator, in another process, with 50 concurrent connections. Needs PostgreSQL:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hearth_api .venv/bin/python bench/api_load.py

The data (5,000 public groups, a weekly series each, materialised over the 120-day horizon,
with some RSVPs) is created once and reused by later runs (--reseed starts over). With two
or more CPUs, Daphne and wrk are pinned to different CPUs (taskset).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
from prod_env import production_env  # noqa: E402


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def seed(n_groups: int, reseed: bool) -> None:
    """5,000 groups with a weekly series each, materialised; RSVPs on a share of sessions."""
    from django.core.management import call_command
    from django.db import transaction
    from schedule.models import Event, Rule

    from sessions_app import services
    from sessions_app.models import RSVP, Schedule, Session, SupportGroup, User

    call_command("migrate", verbosity=0)
    prefix = "bench-"
    from django.db import connection

    def analyze() -> None:
        # Fresh statistics: right after a bulk load the planner would expect ~80 rows in a
        # week of sessions instead of ~4,400 and pick a plan 30x slower.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    have = SupportGroup.objects.filter(slug__startswith=prefix).count()
    if have == n_groups and not reseed:
        print(f"reusing {have} groups, {Session.objects.count()} sessions", flush=True)
        analyze()
        return
    print(f"seeding {n_groups} groups…", flush=True)
    started = time.perf_counter()
    with transaction.atomic():
        Session.objects.filter(group__slug__startswith=prefix).delete()
        events = list(
            Schedule.objects.filter(group__slug__startswith=prefix).values_list(
                "event_id", "rule_id"
            )
        )
        Schedule.objects.filter(group__slug__startswith=prefix).delete()
        Event.objects.filter(pk__in=[e for e, _ in events]).delete()
        Rule.objects.filter(pk__in=[r for _, r in events if r]).delete()
        SupportGroup.objects.filter(slug__startswith=prefix).delete()
    rng = random.Random(7)
    zones = ["America/New_York", "America/Chicago", "America/Los_Angeles", "Europe/London"]
    topics = ["grief", "caregiving", "anxiety", "recovery", "parenting"]
    days = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
    calendar = services._hearth_calendar()
    today = datetime.now(UTC).date()
    with transaction.atomic():
        groups = SupportGroup.objects.bulk_create(
            SupportGroup(
                name=f"Bench group {i}",
                slug=f"{prefix}{i}",
                topic=rng.choice(topics),
                timezone=rng.choice(zones),
                capacity=12,
                format=rng.choice(["online", "in_person", "hybrid"]),
                reminder_offsets_minutes=[1440, 120],
            )
            for i in range(n_groups)
        )
        rules, starts = [], []
        for _ in groups:
            day = rng.choice(days)
            rules.append(
                Rule(name="bench", description="", frequency="WEEKLY", params=f"byweekday:{day}")
            )
            first = datetime.combine(
                today + timedelta(days=1 + days.index(day)),
                datetime.min.time().replace(hour=rng.choice([10, 12, 18, 19])),
            )
            starts.append(first)
        rules = Rule.objects.bulk_create(rules)
        events = Event.objects.bulk_create(
            Event(
                calendar=calendar,
                title=g.name,
                start=first.replace(tzinfo=g.tz),
                end=first.replace(tzinfo=g.tz) + timedelta(minutes=90),
                rule=rule,
            )
            for g, rule, first in zip(groups, rules, starts, strict=True)
        )
        Schedule.objects.bulk_create(
            Schedule(
                group=g,
                event=event,
                rule=rule,
                first_date=first.date(),
                start_time=first.time(),
                duration_minutes=90,
            )
            for g, event, rule, first in zip(groups, events, rules, starts, strict=True)
        )
    created = services.sessions_materialize()
    users = [User.objects.get_or_create(username=f"bench-user-{i}")[0] for i in range(60)]
    session_ids = list(
        Session.objects.filter(group__slug__startswith=prefix).values_list("pk", flat=True)
    )
    rsvps = [
        RSVP(session_id=pk, user=user, status="going")
        for pk in rng.sample(session_ids, len(session_ids) // 3)
        for user in rng.sample(users, rng.randint(1, 6))
    ]
    RSVP.objects.bulk_create(rsvps, batch_size=5000)
    analyze()
    print(
        f"seeded {n_groups} groups, {created} sessions, {len(rsvps)} RSVPs "
        f"in {time.perf_counter() - started:.0f} s",
        flush=True,
    )


def start_daphne(port: int, cpu: str | None, conn_max_age: int) -> subprocess.Popen:
    env = {
        **os.environ,
        **production_env(),  # DEBUG off, with throwaway SECRET_KEY and NOTES_ENCRYPTION_KEYS
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": with_conn_max_age(os.environ["DATABASE_URL"], conn_max_age),
    }
    cmd = [str(Path(sys.executable).parent / "daphne"), "-b", "127.0.0.1", "-p", str(port)]
    cmd += ["-v", "0", "config.asgi:application"]
    if cpu is not None:
        cmd = ["taskset", "-c", cpu, *cmd]
    server = subprocess.Popen(cmd, cwd=ROOT, env=env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                if r.status == 200:
                    return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("Daphne did not answer /healthz within 30 s")


def daphne_pid(server: subprocess.Popen) -> int:
    """Daphne's pid (under taskset, Popen's pid is taskset's, which execs Daphne: the same)."""
    return server.pid


def with_conn_max_age(url: str, seconds: int) -> str:
    if not seconds:
        return url
    return f"{url}{'&' if '?' in url else '?'}conn_max_age={seconds}"


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (and its reaped children), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(v) for v in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def run_wrk(url: str, *, connections: int, seconds: int, cpu: str | None) -> dict:
    cmd = [
        "wrk",
        f"-t{min(2, connections)}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--latency",
        "--timeout",
        "10s",
    ]
    cmd.append(url)
    if cpu is not None:
        cmd = ["taskset", "-c", cpu, *cmd]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=seconds + 60)
    text = out.stdout

    def ms(label: str) -> float:
        match = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    errors = re.search(r"Socket errors: (.*)", text)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1)),
        "requests": int(re.search(r"(\d+) requests in", text).group(1)),
        "p50": ms("50"),
        "p90": ms("90"),
        "p99": ms("99"),
        "non2xx": int(non2xx.group(1)) if non2xx else 0,
        "errors": errors.group(1) if errors else "none",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, default=5000)
    parser.add_argument("--connections", default="50", help="comma-separated, e.g. 1,10,50")
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--window-days", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3)
    # Under ASGI each request runs in its own thread, so persistent connections (CONN_MAX_AGE)
    # pile up, one per thread, until PostgreSQL refuses more: the default is a connection per
    # request, as Django recommends for ASGI without a pool.
    parser.add_argument("--conn-max-age", type=int, default=0, help="seconds; 0: per request")
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument("--no-pin", action="store_true", help="do not pin to separate CPUs")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        raise SystemExit("Set DATABASE_URL=postgres://... (this benchmark is for PostgreSQL)")
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install -y wrk")

    import django

    django.setup()
    seed(args.groups, args.reseed)
    from django.db import connections

    connections.close_all()

    cpus = sorted(os.sched_getaffinity(0))
    pin = len(cpus) >= 2 and not args.no_pin
    server_cpu, load_cpu = (str(cpus[0]), str(cpus[1])) if pin else (None, None)
    port = free_port()
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    start_after = (now + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    start_before = (now + timedelta(days=1 + args.window_days)).strftime("%Y-%m-%dT%H:%M:%SZ")
    url = (
        f"http://127.0.0.1:{port}/api/v1/sessions/"
        f"?start_after={start_after}&start_before={start_before}"
    )
    server = start_daphne(port, server_cpu, args.conn_max_age)
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            body = response.read()
        count = int(re.search(rb'"count":(\d+)', body).group(1))
        print(f"GET {url}\n-> {count} sessions in the window, 50 per page", flush=True)
        run_wrk(url, connections=10, seconds=3, cpu=load_cpu)  # warm-up
        print(
            "\n| connections | run | requests/s | p50 ms | p90 ms | p99 ms "
            "| server CPU ms/request | non-2xx | socket errors |"
        )
        print("|---|---|---|---|---|---|---|---|---|")
        for connections_n in [int(c) for c in args.connections.split(",")]:
            for run in range(1, args.repeat + 1):
                cpu_before = cpu_seconds(daphne_pid(server))
                r = run_wrk(url, connections=connections_n, seconds=args.seconds, cpu=load_cpu)
                cpu_ms = (cpu_seconds(daphne_pid(server)) - cpu_before) * 1000 / r["requests"]
                print(
                    f"| {connections_n} | {run} | {r['rps']:.0f} | {r['p50']:.1f} | "
                    f"{r['p90']:.1f} | {r['p99']:.1f} | {cpu_ms:.1f} | {r['non2xx']} | "
                    f"{r['errors']} |",
                    flush=True,
                )
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    main()
